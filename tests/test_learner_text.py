"""Learner text is text, on every page it reaches: the learner's feedback page (made by `course grade`,
and by plain `nbgrader autograde` + `generate_feedback`, which keep a markdown cell a learner added), the
formgrader's submission view a trainer opens, and `course report`. One module built, reflections with
markup, markdown and TeX submitted, one `course grade` run; each page opened in Chromium with every
outside request blocked. No element of the learner's is made, nothing of theirs runs or is fetched, and
the visible text is what they typed, character for character, line break for line break."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from nbconvert.filters.markdown import markdown2html
from nbformat.v4 import new_markdown_cell

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.grading.nbgrader_hooks import LearnerTextAsText
from graders.trainer.demo import submit
from tests.browser import FormgraderServer, needs_browser, screenshot
from tests.conftest import copy_course

MODULE = "duty-to-protect"
TITLE = "Harm to the client or others: when safety comes before confidentiality"  # the module notebook's h1
PAGE, NOTEBOOK = "lee", "sam"  # wrote the reflection on the module page; typed it into the notebook
REFLECTION = (
    "<script id=\"learner-script\">document.title='ran'</script>\n"
    "<img id=\"learner-img\" src=x onerror=\"document.title='ran'\">\n"
    "\n"
    "[read this](http://example.org/elsewhere) and <a id=\"learner-link\" href=\"http://example.org/a\">this</a>\n"
    "**bold**, a & b < c, &amp; stays &amp;\n"
    "# heading\n"
    "$\\href{http://example.org/tex}{a formula}$"
)
# A cell the learner added above the module's title (intake drops it; plain `nbgrader autograde` keeps it).
ADDED = "# Not the title\n<img id=\"added-img\" src=x onerror=\"document.title='ran'\"> [added](http://example.org/added)"
LEARNER_IDS = "#learner-script, #learner-img, #learner-link, #added-img"
BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    root = copy_course(tmp_path_factory.mktemp("learner-text") / "course")
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(modules=[MODULE])
    (root / "course.yaml").write_text(yaml.safe_dump(settings))
    course = Course(root)
    build(course, [MODULE], selftest=False)
    submit(course, PAGE, MODULE, None, REFLECTION)  # the page's text box: saved to the response file
    folder = submit(course, NOTEBOOK, MODULE, None, None)
    nb = nbformat.read(folder / f"{MODULE}.ipynb", as_version=4)
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")).source = REFLECTION
    nb.cells.insert(0, new_markdown_cell(ADDED))
    nbformat.write(nb, folder / f"{MODULE}.ipynb")
    assert all(o.graded for o in grade_cohort(course, jobs=1))  # `course grade`, with feedback
    for args in (["autograde", MODULE, "--student", NOTEBOOK, "--force"],
                 ["generate_feedback", MODULE, "--student", NOTEBOOK, "--force"]):
        run([str(BIN / "nbgrader"), *args], root)  # the plain nbgrader way, for the notebook's learner
    run([str(BIN / "course"), "report", "--root", str(root)], root)
    return course


def open_offline(browser, url: str):
    """The page with nothing outside file:/data: allowed; returns (page, every URL it asked for)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    asked: list[str] = []

    def route(r) -> None:
        asked.append(r.request.url)
        r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page, asked


def feedback_url(course: Course, learner: str) -> str:
    return (course.step_dir("feedback") / learner / MODULE / f"{MODULE}.html").as_uri()


def nothing_of_theirs_ran(page, asked: list[str]) -> None:
    assert page.locator(LEARNER_IDS).count() == 0, "an element of the learner's was made"
    assert page.locator('a[href*="example.org"], img[src="x"]').count() == 0, "a link or image of theirs"
    assert page.title() != "ran"
    assert not [u for u in asked if "example.org" in u or u.endswith("/x")], asked


# -- the escape itself: whatever the learner types, one div of text and line breaks --------------------

TRICKY = [REFLECTION, ADDED, "a\r\nb\rc\n\n\nd", "</div><script>x</script>", "<!-- x -->\n\n<b>", "    code?\n\tx",
          "```\n<b>\n```", "&#x27; &lt; &amp;amp;", "line\u2028sep\x0bvt\x0cff", "$$x$$ \\(y\\) `z`", "", "\n"]


class _Parts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.text += "\n" if tag == "br" else ""

    def handle_data(self, data: str) -> None:
        self.text += data


@pytest.mark.parametrize("typed", TRICKY)
def test_the_formgraders_view_of_learner_text_is_one_div_of_that_text(typed: str) -> None:
    for metadata in ({"nbgrader": {"solution": True, "grade": True, "grade_id": "reflection", "locked": False}},
                     {}, {"nbgrader": {"locked": True}}):  # the reflection; a cell the learner added
        cell = new_markdown_cell(typed, metadata=metadata)
        LearnerTextAsText().preprocess_cell(cell, {}, 0)
        parts = _Parts()
        parts.feed(markdown2html(cell.source))  # what nbgrader's formgrade template does with a cell
        assert parts.tags.count("div") == 1 and set(parts.tags) <= {"div", "br"}, parts.tags
        assert parts.text.rstrip("\n") == typed.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    own = new_markdown_cell("# Title <b>kept</b>", metadata={"nbgrader": {"locked": True, "grade_id": "header"}})
    assert LearnerTextAsText().preprocess_cell(own, {}, 0)[0].source == "# Title <b>kept</b>"  # the module's own


# -- the pages, in a browser ---------------------------------------------------------------------------


@needs_browser
def test_feedback_shows_the_reflection_exactly_as_typed_and_runs_none_of_it(browser, course: Course) -> None:
    page, asked = open_offline(browser, feedback_url(course, PAGE))
    nothing_of_theirs_ran(page, asked)
    learner_text = page.locator("#reflection .course-learner-text")
    assert learner_text.inner_text() == REFLECTION  # tags, markdown and TeX as typed; the blank line kept
    assert learner_text.locator("*").count() == 0  # no element inside the learner's text
    assert page.title() == f"Your feedback: {TITLE}"
    assert page.locator("h1, h2").count() > 2  # the module's own text is still rendered markdown
    screenshot(page, "learner-text-feedback")
    page.context.close()


@needs_browser
def test_plain_nbgrader_feedback_shows_an_added_cell_as_text(browser, course: Course) -> None:
    page, asked = open_offline(browser, feedback_url(course, NOTEBOOK))
    nothing_of_theirs_ran(page, asked)
    texts = page.locator(".course-learner-text").all_inner_texts()
    assert ADDED in texts and REFLECTION in texts, texts
    assert page.locator(".course-learner-text *").count() == 0
    assert page.title() == f"Your feedback: {TITLE}"  # the learner's "# Not the title" is not the title
    assert page.locator("h1, h2", has_text="Not the title").count() == 0
    page.context.close()


@pytest.fixture(scope="module")
def formgrader(course: Course, tmp_path_factory: pytest.TempPathFactory):
    server = FormgraderServer(course.root, tmp_path_factory.mktemp("learner-text-formgrader"))
    yield server
    server.stop()


@needs_browser
@pytest.mark.parametrize("learner", [PAGE, NOTEBOOK])
def test_the_formgrader_shows_learner_text_as_text(browser, course: Course, formgrader: FormgraderServer,
                                                   learner: str) -> None:
    with course.gradebook() as gb:
        notebook_id = gb.find_submission_notebook(MODULE, MODULE, learner).id
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    asked: list[str] = []

    def route(r) -> None:  # the local server only: nbgrader's page asks a CDN for MathJax, refused here
        asked.append(r.request.url)
        r.continue_() if r.request.url.startswith(formgrader.base) else r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(f"{formgrader.base}/?token={formgrader.token}")  # logs in, as the address the server prints does
    page.goto(formgrader.formgrader(f"/submissions/{notebook_id}/"), wait_until="load")
    page.wait_for_function("() => window.formgrader && formgrader.grades?.loaded")
    nothing_of_theirs_ran(page, asked)
    texts = page.locator(".learner-text").all_inner_texts()
    assert REFLECTION in texts and (ADDED in texts) == (learner == NOTEBOOK), texts
    assert page.locator(".learner-text *:not(br)").count() == 0
    assert page.locator(".learner-text:not(.tex2jax_ignore)").count() == 0  # MathJax leaves their TeX alone
    assert page.locator("h1", has_text=TITLE).count() >= 1  # the module's own cells: still markdown
    screenshot(page, f"learner-text-formgrader-{learner}")
    context.close()


@needs_browser
def test_the_report_shows_no_learner_text_and_runs_none(browser, course: Course) -> None:
    page, asked = open_offline(browser, (course.build_dir / "report" / "index.html").as_uri())
    nothing_of_theirs_ran(page, asked)
    text = page.inner_text("body")
    assert "Learners" in text  # the report itself is there
    for fragment in ("document.title", "read this", "example.org", "a & b < c", "Not the title"):
        assert fragment not in text and fragment not in page.content()
    page.context.close()
