"""The trainer's formgrader in a real browser: JupyterLab started as `make formgrader` starts it, on a
course copy with graded submissions; Manual Grading opens every module's submission with its reflection
and rubric; a rubric score typed in the page reaches the gradebook, the report and the feedback page."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.trainer.demo import REFLECTION, make_cohort, submit
from tests.browser import FormgraderServer, launch, needs_browser, screenshot
from tests.conftest import ROOT, copy_course

pytestmark = needs_browser

LEARNER = "learner-01"  # the demo cohort's first learner: the key's answers and a reflection in every module
MODULE = "duty-to-protect"  # the module whose reflection the trainer grades
RUBRIC_SCORE, COMMENT = "2", "Clear and warm. Name the three parts of Nevada's trigger next time."
ERROR = "Sorry, the formgrader encountered an error"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """Every module built, one learner's work submitted and graded with the course's own commands."""
    course = Course(copy_course(tmp_path_factory.mktemp("formgrader") / "course"))
    build(course, course.modules, selftest=False)
    make_cohort(course, size=1)
    assert all(o.graded for o in grade_cohort(course, jobs=2))
    return course


@pytest.fixture(scope="module")
def server(course: Course, tmp_path_factory: pytest.TempPathFactory):
    server = FormgraderServer(course.root, tmp_path_factory.mktemp("formgrader-home"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(server: FormgraderServer):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        # nbgrader's own pages ask a CDN for MathJax; offline, that request simply fails.
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.base) else r.abort())
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def open_submission(page, server: FormgraderServer, module: str) -> None:
    """What a trainer clicks, from the address the server prints: Manual Grading, the module, its
    notebook, the first submission."""
    page.goto(f"{server.base}/?token={server.token}")
    page.get_by_role("link", name="Manual Grading", exact=True).first.click()
    page.locator("#main-table").get_by_role("link", name=module, exact=True).click()
    page.locator("#main-table").get_by_role("link", name=module, exact=True).click()
    page.get_by_role("link", name="Submission #1", exact=True).click()
    # The score and comment boxes work once the page has loaded this submission's grades and comments.
    page.wait_for_function("() => window.formgrader && formgrader.grades?.loaded && formgrader.comments?.loaded")


def rubric_heading(course: Course, module: str) -> str:
    """The first line of the rubric in the module's reflection prompt, as a person reads it."""
    import nbformat

    nb = nbformat.read(course.source_notebook(module), as_version=4)
    prompt = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection-prompt")
    line = next(line for line in prompt.source.splitlines() if "Rubric" in line)
    return line.strip("* ")


@pytest.mark.parametrize("module", Course(ROOT).modules)
def test_each_module_submission_opens_with_reflection_and_rubric(course: Course, server: FormgraderServer, page,
                                                                module: str) -> None:
    open_submission(page, server, module)
    text = page.inner_text("body")
    assert ERROR not in text, f"{module}: {server.log.read_text()[-2000:]}"
    assert " ".join(REFLECTION.split()) in " ".join(text.split())
    assert rubric_heading(course, module) in text
    reflection = page.locator("#reflection")  # the reflection's score box
    assert reflection.is_visible() and reflection.get_attribute("type") == "number"
    screenshot(page, f"formgrader-{module}")


def test_a_rubric_score_typed_in_the_formgrader_reaches_gradebook_report_and_feedback(
        course: Course, server: FormgraderServer, page) -> None:
    open_submission(page, server, MODULE)
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
        page.locator("#reflection").fill(RUBRIC_SCORE)
        page.locator("#reflection").press("Tab")
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"):
        page.locator("#reflection-comment").fill(COMMENT)
        page.locator("#reflection-comment").press("Tab")
    screenshot(page, "formgrader-graded")

    with course.gradebook() as gb:
        grade = gb.find_grade("reflection", MODULE, MODULE, LEARNER)
        comment = gb.find_comment("reflection", MODULE, MODULE, LEARNER)
        assert (grade.manual_score, grade.needs_manual_grade, comment.manual_comment) == (2, False, COMMENT)
        auto = sum(g.auto_score or 0 for g in gb.find_submission_notebook(MODULE, MODULE, LEARNER).grades
                   if g.cell.cell_type == "code")

    done = subprocess.run([str(BIN / "course"), "report", "--root", str(course.root)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {(r["learner"], r["module"]): r for r in csv.DictReader(
        (course.build_dir / "report" / "learners.csv").open())}
    assert float(rows[LEARNER, MODULE]["score"]) == pytest.approx(auto + 2)

    # The formgrader's own button makes the feedback page: our learner template, with the trainer's score.
    page.goto(server.formgrader("/manage_assignments"))
    row = page.locator("#main-table tr", has=page.get_by_role("link", name=MODULE, exact=True))
    row.locator(".generate-feedback a").click()
    page.get_by_text(f"Successfully generated feedback of '{MODULE}'").wait_for(timeout=120_000)
    page_file = course.step_dir("feedback") / LEARNER / MODULE / f"{MODULE}.html"
    feedback = page_file.read_text()
    assert 'class="course-feedback"' in feedback  # graders/publish/templates/feedback/learner.html.j2
    assert "2 of 3 points" in feedback and "Name the three parts of Nevada" in feedback
    assert "Not graded yet" not in feedback

    # `course grade` again (the README says it keeps the trainer's scores): the page still shows them.
    assert all(o.graded for o in grade_cohort(course, jobs=1))
    feedback = page_file.read_text()
    assert "2 of 3 points" in feedback and "Not graded yet" not in feedback


MARKUP_LEARNER = "learner-markup"
MARKUP = ('My plan: <b id="learner-bold">tell the client</b> <img id="learner-img" src="x" '
          'onerror="document.title=\'ran\'"> and [read this](http://example.org/elsewhere).')


def test_a_reflection_with_markup_shows_as_text_in_the_formgrader(course: Course, server: FormgraderServer,
                                                                    page) -> None:
    submit(course, MARKUP_LEARNER, MODULE, None, MARKUP)
    assert all(o.graded for o in grade_cohort(course, jobs=1))
    with course.gradebook() as gb:
        notebook_id = gb.find_submission_notebook(MODULE, MODULE, MARKUP_LEARNER).id
    page.goto(server.formgrader(f"/submissions/{notebook_id}/"))
    page.wait_for_function("() => window.formgrader && formgrader.grades?.loaded")
    assert ERROR not in page.inner_text("body")
    assert page.locator("#learner-bold, #learner-img").count() == 0  # no element of the learner's was made
    assert page.locator('a[href*="example.org"]').count() == 0  # and no link of theirs to follow
    assert page.title() != "ran"
    assert " ".join(MARKUP.split()) in " ".join(page.inner_text("body").split())  # shown as they wrote it
    screenshot(page, "formgrader-markup-reflection")
