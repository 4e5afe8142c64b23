"""`course handouts`: every module as an offline HTML handout, all in one nbconvert process."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import nbformat
from nbformat.v4 import new_raw_cell

from graders.course import PLAY_CALL, Course
from graders.nbgrader_hooks import TEMPLATES, TRAINER_TAG
from graders.progress import progress_bar
from graders.render import scenario_html

WRITE_LINES = '<div class="write-lines" aria-label="Space to write your answer">' + "<div></div>" * 6 + "</div>"


def html_cell(markup: str):
    return new_raw_cell(markup, metadata={"format": "text/html"})


def handout_cells(nb, scenarios: dict[str, dict]) -> None:
    """Scenario cells become static, key-free text; code, tests and trainer notes go;
    reflection answers become lines to write on."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if TRAINER_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "code":
            for scenario_id in PLAY_CALL.findall(cell.source):
                cells.append(html_cell(scenario_html(scenarios[scenario_id])))
            continue
        if cell.cell_type == "markdown" and meta.get("solution"):
            cells.append(html_cell(WRITE_LINES))
            continue
        cells.append(cell)
    nb.cells = cells


def exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="handout",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def notebook_title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def index_page(course: Course, entries: list[tuple[str, str]], built: str) -> str:
    s = course.settings
    items = "".join(f'<li><a href="{html.escape(f)}">{html.escape(t)}</a></li>' for f, t in entries)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(s.title)}</title>
<style>body{{max-width:48rem;margin:2rem auto;font-family:system-ui,sans-serif;line-height:1.5;color:#111}}</style>
</head><body>
<header><p><strong>{html.escape(s.clinic.name)}</strong> · {html.escape(s.clinic.contact)}</p></header>
<main><h1>{html.escape(s.title)}</h1>
<p><strong>Training, not legal advice.</strong>
Legal content reviewed on {html.escape(s.legal_review_date)}. Built {built}.</p>
<h2>Module handouts</h2><ul>{items}</ul></main>
</body></html>
"""


def build_handouts(course: Course, dest: Path | None = None) -> Path:
    dest = dest or course.build_dir / "handouts"
    dest.mkdir(parents=True, exist_ok=True)
    views = {sid: s.learner_view() for sid, s in course.scenarios().items()}
    built = date.today().isoformat()
    s = course.settings
    resources = {"course": {"title": s.title, "clinic": s.clinic.name, "contact": s.clinic.contact,
                            "reviewed": s.legal_review_date, "built": built}}
    html_exporter = exporter()
    entries = []
    with progress_bar() as bar:
        task = bar.add_task("Handouts", total=len(course.modules), note="")
        for module in course.modules:
            bar.update(task, note=module)
            nb = nbformat.read(course.source_notebook(module), as_version=4)
            handout_cells(nb, views)
            title = notebook_title(nb, module)
            body, _ = html_exporter.from_notebook_node(nb, resources={**resources, "metadata": {"name": title}})
            (dest / f"{module}.html").write_text(body, encoding="utf-8")
            entries.append((f"{module}.html", title))
            bar.advance(task)
    index = dest / "index.html"
    index.write_text(index_page(course, entries, built), encoding="utf-8")
    return index
