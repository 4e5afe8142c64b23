"""Static HTML for a key-free scenario: used in feedback (with the learner's choices)
and in handouts (with empty boxes). Never sees a key."""

from __future__ import annotations

import html

from graders.content.branching import is_shown


def paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.strip().split("\n\n") if p.strip())


def scenario_html(scenario: dict, answers: dict[str, list[str]] | None = None, heading: str = "h3") -> str:
    """The story, then each decision with its options; `answers` marks the learner's choices
    (steps the learner's path skipped are left out)."""
    parts = [f'<section class="course-scenario"><{heading}>{html.escape(scenario["title"])}</{heading}>',
             paragraphs(scenario["story"])]
    for number, step in enumerate(scenario["steps"], start=1):
        if answers is not None and not is_shown(step.get("show_if"), answers):
            continue
        chosen = set((answers or {}).get(step["id"], []))
        hint = " (choose all that apply)" if step["kind"] == "multiple" else ""
        note = " (shown only after certain answers)" if answers is None and step.get("show_if") else ""
        items = "".join(
            f'<li>{"☑" if o["id"] in chosen else "☐"} {html.escape(o["text"])}'
            f'{" <strong>(your answer)</strong>" if o["id"] in chosen else ""}</li>'
            for o in step["options"]
        )
        parts.append(
            f"<p><strong>Decision {number}{note}.</strong> {html.escape(step['prompt'])}{hint}</p>"
            f'<ul class="course-options">{items}</ul>'
        )
        if answers is not None and not chosen:
            parts.append("<p><em>No answer saved.</em></p>")
    parts.append("</section>")
    return "".join(parts)
