"""`course handouts`: every module as an offline HTML handout, all in one nbconvert process.

The default edition is for learners and clients: no code, no key. `--with-answers` writes a
separate trainer edition (build/handouts-answers/) with the keys, rationales and trainer notes,
marked on every page. `--pdf` prints each page with the system's Chromium. Nothing is written
while the publish gate (graders/publish/gate.py) finds a problem.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import shutil
from datetime import date
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook, new_raw_cell

from graders.content.authoring import LIVE_ONLY_TAG, TRAINER_TAG
from graders.content.render import scenario_html
from graders.content.schema import Scenario
from graders.course.course import PLAY_CALL, Course, CourseError
from graders.course.progress import progress_bar
from graders.publish.gate import check as publish_gate
from graders.publish.gate import client_handouts
from graders.publish.pages import TEMPLATES, render_page
from graders.publish.pdf import find_chromium, print_to_pdf

PAGE_BREAK_BEFORE = ("how-it-works", "teach-", "reflection-prompt", "trainer-notes", "key-points", "sources")
WRITE_LINES = '<div class="write-lines" aria-label="Space to write your answer">' + "<div></div>" * 6 + "</div>"


def html_cell(markup: str):
    return new_raw_cell(markup, metadata={"format": "text/html"})


def answer_html(scenario: Scenario) -> str:
    """Trainer edition: each step's keyed options, every option's rationale, the trainer note."""
    parts = [f'<section class="course-answers" aria-label="Answers: {html.escape(scenario.title)}">',
             f"<h4>Answers: {html.escape(scenario.title)}</h4>"]
    for number, step in enumerate(scenario.steps, start=1):
        items = "".join(f'<li>{"✔ <strong>keyed</strong>" if o.correct else "✘"} {html.escape(o.text)}'
                        f"<br><em>Why:</em> {html.escape(o.rationale.strip())}</li>" for o in step.options)
        note = f"<p><em>Trainer note:</em> {html.escape(step.trainer_note.strip())}</p>" if step.trainer_note else ""
        parts.append(f"<p><strong>Decision {number}.</strong> {html.escape(step.prompt)} "
                     f"({'practice, not graded' if scenario.practice else f'{step.points:g} points'}; "
                     f"sources: {html.escape('; '.join(step.citations))})</p>"
                     f'<ul class="course-options">{items}</ul>{note}')
    parts.append("</section>")
    return "".join(parts)


def handout_cells(nb, scenarios: dict[str, Scenario], with_answers: bool = False) -> None:
    """Scenario cells become static text (with the key only in the trainer edition); code and
    tests go; trainer notes stay only in the trainer edition; reflections become lines to write on."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        tags = cell.metadata.get("tags", [])
        if LIVE_ONLY_TAG in tags or (TRAINER_TAG in tags and not with_answers):
            continue
        if cell.cell_type == "code":
            for scenario_id in PLAY_CALL.findall(cell.source):
                cells.append(html_cell(scenario_html(scenarios[scenario_id].learner_view())))
                if with_answers:
                    cells.append(html_cell(answer_html(scenarios[scenario_id])))
            continue
        if cell.cell_type == "markdown" and meta.get("solution"):
            cells.append(html_cell(WRITE_LINES))
            continue
        if str(meta.get("grade_id", "")).startswith(PAGE_BREAK_BEFORE):
            cell.metadata.setdefault("tags", []).append("page-break")  # a new printed page per section
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


def css_string(text: str) -> str:
    """Text made safe inside a CSS string in double quotes (and inside a <style> element)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")


def logo_uri(course: Course) -> str:
    """The clinic's logo as a data URI, so the page needs no other file."""
    logo = course.settings.clinic.logo
    if not logo:
        return ""
    path = course.root / logo
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def index_page(course: Course, modules: list[tuple[str, str]], clients: list[tuple[str, str]], built: str,
               edition: str, logo: str) -> str:
    return render_page("handout", "site-index.html.j2", s=course.settings, modules=modules, clients=clients,
                       built=built, edition=edition, logo=logo)


def build_handouts(course: Course, dest: Path | None = None, with_answers: bool = False, pdf: bool = False) -> Path:
    """Write the handout site (after the publish gate passes); return its index page."""
    problems = publish_gate(course.root)
    if problems:
        raise CourseError("the publish gate refused to write handouts:\n  " + "\n  ".join(problems))
    if pdf:
        find_chromium()  # fail before any work if PDFs cannot be made
    dest = dest or course.build_dir / ("handouts-answers" if with_answers else "handouts")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    scenarios = course.scenarios()
    built = date.today().isoformat()
    s = course.settings
    edition = "Trainer answer edition: contains the answer key. Do not give to learners." if with_answers else ""
    logo = logo_uri(course)
    footer = f"{s.clinic.name} · Training, not legal advice · legal content reviewed on {s.legal_review_date}"
    resources = {"course": {"title": s.title, "clinic": s.clinic.name, "contact": s.clinic.contact,
                            "reviewed": s.legal_review_date, "built": built, "edition": edition,
                            "logo": logo, "footer_css": css_string(footer),
                            "edition_css": css_string(edition)}}
    html_exporter = exporter()
    pages: dict[str, list[tuple[str, str]]] = {"modules": [], "clients": []}
    clients = client_handouts(course.root)
    with progress_bar() as bar:
        task = bar.add_task("Handouts", total=len(course.modules) + len(clients), note="")
        sources = [("modules", m, nbformat.read(course.source_notebook(m), as_version=4)) for m in course.modules]
        sources += [("clients", p.stem, new_notebook(cells=[new_markdown_cell(p.read_text(encoding="utf-8"))]))
                    for p in clients]
        for kind, name, nb in sources:
            bar.update(task, note=name)
            handout_cells(nb, scenarios, with_answers)
            title = notebook_title(nb, name)
            body, _ = html_exporter.from_notebook_node(nb, resources={**resources, "metadata": {"name": title}})
            (dest / f"{name}.html").write_text(body, encoding="utf-8")
            pages[kind].append((f"{name}.html", title))
            bar.advance(task)
    index = dest / "index.html"
    index.write_text(index_page(course, pages["modules"], pages["clients"], built, edition, logo), encoding="utf-8")
    if pdf:
        files = sorted(dest.glob("*.html"))
        with progress_bar() as bar:
            task = bar.add_task("PDF", total=len(files), note="")
            for page in files:
                bar.update(task, note=page.name)
                print_to_pdf(page)
                bar.advance(task)
    return index
