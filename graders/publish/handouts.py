"""`course handouts`: every module as an offline HTML handout, all in one nbconvert process.

The default edition is for learners and clients: no code, no key, none of the live module's
run-and-save instructions. Client handouts (client-handouts/*.md) carry the clinic's own header
and footer, with no staff-training wording; staff handouts (staff-handouts/*.md, such as a
facilitator's script) are drawn like module pages, with the training line and the review line.
A handout's Markdown may be a form to fill in: each {{blank}} prints as a line to write on, each
`- [ ]` clause with an empty box to tick. `--with-answers` writes a separate trainer edition
(build/handouts-answers/) of the module and staff handouts with the keys, rationales and trainer
notes, marked on every page. `--pdf` prints each page with the system's Chromium. Nothing is written
while the publish gate (graders/publish/gate.py) finds a problem.
"""

from __future__ import annotations

import html
import re
import shutil
from datetime import date
from functools import cache
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook, new_raw_cell

from graders.content.authoring import LIVE_ONLY_TAG, TRAINER_TAG
from graders.content.render import scenario_html
from graders.content.schema import Scenario
from graders.course.course import PLAY_CALL, Course, CourseError
from graders.course.preprocessors import review_line_in, with_review_line
from graders.course.progress import progress_bar
from graders.course.settings import long_date
from graders.publish.gate import BLANK, CHECKBOX, client_handouts, staff_handouts
from graders.publish.gate import check as publish_gate
from graders.publish.pages import TEMPLATES, render_page
from graders.publish.pdf import find_chromium, print_to_pdf

PAGE_BREAK_BEFORE = ("teach-", "reflection-prompt", "trainer-notes", "key-points", "sources")
HOW_IT_WORKS = "how-it-works"  # grade_id of the live module's note on running, clicking and saving
WRITE_LINES = ('<div class="write-lines" role="img" aria-label="Lines to write your answer on">'
               + "<div></div>" * 6 + "</div>")
BLANK_LINE = '<span class="handout-blank" role="img" aria-label="a line to write on"></span>'
BOX_TO_TICK = '<span class="handout-box">\u2610</span> '  # an empty box, as scenario options print
QUOTED = re.compile(r'"([^"\n]+)"')
TEMPLATE_DIR = TEMPLATES / "handout"
# Staff handouts speak for the training, as module handouts do: the same page.
PAGE_TEMPLATES = {"modules": "index.html.j2", "staff": "index.html.j2", "clients": "client.html.j2"}


def html_cell(markup: str):
    """A raw cell of HTML: nbconvert reads its `raw_mimetype`; the handout template writes it as it is."""
    return new_raw_cell(markup, metadata={"raw_mimetype": "text/html"})


@cache
def paper_how_it_works() -> str:
    """What replaces "How this module works" on paper: read, tick the boxes, write on the lines."""
    return (TEMPLATE_DIR / "how-it-works-on-paper.md").read_text(encoding="utf-8")


def form_markdown(text: str) -> str:
    """A handout's Markdown as a form on paper: each blank a line to write on, each `- [ ]` clause
    with an empty box in front (the gate lets no other {{...}} through)."""
    return CHECKBOX.sub(lambda m: m.group(1) + BOX_TO_TICK, text.replace(BLANK, BLANK_LINE))


def handout_notebook(path: Path, review_line: str | None = None):
    """A Markdown handout as a one-cell notebook, ready to draw (with `review_line` in place of its own)."""
    text = path.read_text(encoding="utf-8")
    if review_line is not None:
        text = review_line_in(text, review_line)
    return new_notebook(cells=[new_markdown_cell(form_markdown(text))])


def options_by_text(scenario: Scenario, note: str) -> str:
    """A trainer note with each quoted option id ("tell-parent-only") replaced by that option's words."""
    texts = {o.id: o.text for step in scenario.steps for o in step.options}
    return QUOTED.sub(lambda m: f'"{texts.get(m.group(1), m.group(1))}"', note)


def answer_html(scenario: Scenario) -> str:
    """Trainer edition: each step's keyed options, every option's rationale, the trainer note."""
    parts = [f'<section class="course-answers" aria-label="Answers: {html.escape(scenario.title)}">',
             f"<h4>Answers: {html.escape(scenario.title)}</h4>"]
    for number, step in enumerate(scenario.steps, start=1):
        items = "".join(f'<li>{"✔ <strong>keyed</strong>" if o.correct else "✘"} {html.escape(o.text)}'
                        f"<br><em>Why:</em> {html.escape(o.rationale.strip())}</li>" for o in step.options)
        note = (f"<p><em>Trainer note:</em> {html.escape(options_by_text(scenario, step.trainer_note.strip()))}</p>"
                if step.trainer_note else "")
        parts.append(f"<p><strong>Decision {number}.</strong> {html.escape(step.prompt)} "
                     f"({'practice, not graded' if scenario.practice else f'{step.points:g} points'}; "
                     f"sources: {html.escape('; '.join(step.citations))})</p>"
                     f'<ul class="course-options">{items}</ul>{note}')
    parts.append("</section>")
    return "".join(parts)


def handout_cells(nb, scenarios: dict[str, Scenario], with_answers: bool = False) -> None:
    """Scenario cells become static text (with the key only in the trainer edition); code and
    tests go; trainer notes stay only in the trainer edition; reflections become lines to write on;
    the note on running and saving the live module becomes one on using the page."""
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
        if meta.get("grade_id") == HOW_IT_WORKS:
            cell.source = paper_how_it_works()
        if str(meta.get("grade_id", "")).startswith(PAGE_BREAK_BEFORE):
            cell.metadata.setdefault("tags", []).append("page-break")  # a new printed page per section
        cells.append(cell)
    nb.cells = cells


def exporter(template_file: str):
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="handout",
        template_file=template_file,
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


def index_page(course: Course, pages: dict[str, list[tuple[str, str]]], built: str, edition: str, logo: str) -> str:
    """The site's index: module, staff and client handouts, each as (file, title)."""
    return render_page("handout", "site-index.html.j2", s=course.settings, modules=pages["modules"],
                       staff=pages["staff"], clients=pages["clients"], built=built, edition=edition, logo=logo)


def page_resources(course: Course, built: str, edition: str) -> dict[str, dict]:
    """What the templates show, for each kind of page: module and staff handouts speak for the training
    (training, not legal advice; the review line), client handouts for the clinic alone."""
    s = course.settings
    staff_footer = f"{s.clinic.name} · Training, not legal advice · {s.review_line()}"
    client_footer = " · ".join(part for part in (s.clinic.name, s.clinic.contact, long_date(built)) if part)
    shared = {"title": s.title, "clinic": s.clinic.name, "contact": s.clinic.contact,
              "reviewed": s.review_line(), "built": built, "client_date": long_date(built),
              "edition": edition, "edition_css": css_string(edition), "logo": course.logo_uri()}
    staff = {**shared, "footer_css": css_string(staff_footer)}
    return {"modules": staff, "staff": staff,
            "clients": {**shared, "edition": "", "edition_css": "", "footer_css": css_string(client_footer)}}


def handout_sources(course: Course, with_answers: bool) -> list[tuple[str, str, nbformat.NotebookNode]]:
    """(kind, name, notebook) for every page: the modules, the staff handouts, then (not in the trainer
    edition) the client handouts."""
    line = course.settings.review_line()
    sources = [("modules", m, with_review_line(nbformat.read(course.source_notebook(m), as_version=4), line))
               for m in course.modules]
    sources += [("staff", p.stem, handout_notebook(p, line)) for p in staff_handouts(course.root)]
    if not with_answers:  # no key in them, and a client must never get a page marked for trainers
        sources += [("clients", p.stem, handout_notebook(p)) for p in client_handouts(course.root)]
    return sources


def write_pdfs(dest: Path) -> None:
    files = sorted(dest.glob("*.html"))
    with progress_bar() as bar:
        task = bar.add_task("PDF", total=len(files), note="")
        for page in files:
            bar.update(task, note=page.name)
            print_to_pdf(page)
            bar.advance(task)


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
    edition = "Trainer answer edition: contains the answer key. Do not give to learners." if with_answers else ""
    resources = page_resources(course, built, edition)
    exporters = {template: exporter(template) for template in set(PAGE_TEMPLATES.values())}
    pages: dict[str, list[tuple[str, str]]] = {kind: [] for kind in PAGE_TEMPLATES}
    sources = handout_sources(course, with_answers)
    with progress_bar() as bar:
        task = bar.add_task("Handouts", total=len(sources), note="")
        for kind, name, nb in sources:
            bar.update(task, note=name)
            handout_cells(nb, scenarios, with_answers)
            title = notebook_title(nb, name)
            body, _ = exporters[PAGE_TEMPLATES[kind]].from_notebook_node(
                nb, resources={"course": resources[kind], "metadata": {"name": title}})
            (dest / f"{name}.html").write_text(body, encoding="utf-8")
            pages[kind].append((f"{name}.html", title))
            bar.advance(task)
    index = dest / "index.html"
    index.write_text(index_page(course, pages, built, edition, resources["modules"]["logo"]), encoding="utf-8")
    if pdf:
        write_pdfs(dest)
    return index
