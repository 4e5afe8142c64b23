"""How far a learner is in one module: graded decisions answered of those shown, reflections
written. The player's progress line, its "Finish module" step and the start page all count here."""

from __future__ import annotations

from dataclasses import dataclass, field

from graders.content.branching import is_shown

Answers = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class ModuleStatus:
    answered: int
    shown: int
    written: int
    reflections: int
    left: list[str] = field(default_factory=list)  # what is still to do, in the learner's words

    @property
    def complete(self) -> bool:
        return self.answered == self.shown and self.written == self.reflections

    @property
    def state(self) -> str:
        """"done", "in progress" or "not started"."""
        if self.complete:
            return "done"
        return "in progress" if self.answered or self.written else "not started"

    def summary(self) -> str:
        """E.g. "5 of 12 decisions, reflection not written yet"."""
        parts = [f"{self.answered} of {self.shown} decisions"]
        if self.reflections:
            parts.append("reflection written" if self.written == self.reflections else "reflection not written yet")
        return ", ".join(parts)


def module_status(views: dict[str, dict], module: str, answers: Answers, reflections: dict[str, str],
                  reflection_ids: list[str]) -> ModuleStatus:
    """Count the module's graded decisions (a branch step once the answers open it; practice cases
    never) and its written reflections, and list what is left, case by case."""
    answered = shown = 0
    left = []
    for view in views.values():
        if view["module"] != module or view.get("practice"):
            continue
        chosen = answers.get(view["id"], {})
        missing = []
        for number, step in enumerate(view["steps"], start=1):
            if is_shown(step.get("show_if"), chosen):
                shown += 1
                if chosen.get(step["id"]):
                    answered += 1
                else:
                    missing.append(str(number))
        if missing:
            which = "decision" if len(missing) == 1 else "decisions"
            left.append(f"\u201c{view['title']}\u201d: {which} {', '.join(missing)}")
    written = sum(bool(reflections.get(r, "").strip()) for r in reflection_ids)
    if written < len(reflection_ids):
        left.append("The reflection")
    return ModuleStatus(answered, shown, written, len(reflection_ids), left)
