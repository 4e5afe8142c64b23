"""Forged answers through the real `course grade`: a response file rewritten with the key while the
event log holds the learner's real clicks, the same with the log deleted, and with a log rewritten so
time runs backwards. Each is graded and flagged; the flags are kept in build/flags.json and the
gradebook, listed under "Needs a look" in `course report`, shown at the top of the submission in the
formgrader, and never shown in the learner's feedback. The honest learners keep their exact grades."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graders.course.course import Course
from graders.course.paths import events_path, responses_path
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.grading.flags import NOTE_HEADING, load_flags
from graders.trainer.demo import submit
from tests.browser import ARTIFACTS, FormgraderServer, needs_browser, screenshot
from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files, load, plan_for
from tests.test_cohort import auto_scores, gradebook_rows, key

TITLE = "Harm to the client or others: when safety comes before confidentiality"  # the module's h1
MODULE = "duty-to-protect"
IDS = [p.stem for p in graded_files(MODULE)]
MISMATCH = "answers in the response file do not match the clicks recorded in the event log"
LOG_MISSING = "the event log is missing: the answers cannot be checked against the clicks recorded"
BACKWARDS = "the event log's times run backwards at line"


def forge_with_key(course: Course, folder: Path) -> None:
    """Rewrite the response file by hand with the key's answers; the event log is left alone."""
    path = responses_path(folder, MODULE)
    data = json.loads(path.read_text())
    data["answers"] = key(course.scenarios_dir)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    course = Course(copy_course(tmp_path_factory.mktemp("tamper") / "course"))
    build(course, [MODULE], selftest=False)
    wrong = {sid: plan_for(load(course.scenarios_dir, sid), wrong_first=True) for sid in IDS}
    honest = {"honest-right": key(course.scenarios_dir), "honest-partly": wrong}
    for name, answers in honest.items():
        submit(course, name, MODULE, answers, "My reflection.")
    forged = submit(course, "forged-log-kept", MODULE, wrong, "My reflection.")
    forge_with_key(course, forged)
    deleted = submit(course, "forged-log-deleted", MODULE, wrong, "My reflection.")
    forge_with_key(course, deleted)
    events_path(deleted, MODULE).unlink()
    backwards = submit(course, "forged-time-backwards", MODULE, wrong, "My reflection.")
    forge_with_key(course, backwards)
    log = events_path(backwards, MODULE)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    for event in events:  # a log rewritten to match the forged file, with invented times
        if "scenario" in event:
            event["new"] = key(course.scenarios_dir)[event["scenario"]].get(event["step"], event["new"])
    events[1]["time"] = "2020-01-01T00:00:00.000+00:00"
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    outcomes = {(o.learner, o.module): o for o in grade_cohort(course, jobs=2)}
    return {"course": course, "honest": honest, "outcomes": outcomes, "rows": gradebook_rows(course)}


def flags_of(cohort: dict, learner: str) -> list[str]:
    return cohort["outcomes"][learner, MODULE].flags


def test_every_forgery_is_graded_and_flagged_in_plain_words(cohort: dict) -> None:
    assert all(o.graded for o in cohort["outcomes"].values())
    assert [f for f in flags_of(cohort, "forged-log-kept") if f.startswith(MISMATCH)]
    assert LOG_MISSING in flags_of(cohort, "forged-log-deleted")
    assert any(f.startswith(BACKWARDS) for f in flags_of(cohort, "forged-time-backwards"))
    for learner in cohort["honest"]:
        assert flags_of(cohort, learner) == []


def test_honest_learners_keep_their_exact_grades_and_a_rerun_changes_nothing(cohort: dict) -> None:
    course = cohort["course"]
    for learner, answers in cohort["honest"].items():
        assert auto_scores(course, learner) == pytest.approx(expected_scores(course.scenarios_dir, answers, IDS))
    again = {(o.learner, o.module): o.flags for o in grade_cohort(course, jobs=2)}
    assert gradebook_rows(course) == cohort["rows"]
    assert again == {job: o.flags for job, o in cohort["outcomes"].items()}


def test_flags_are_kept_in_the_flags_file_and_the_gradebook(cohort: dict) -> None:
    course = cohort["course"]
    kept = load_flags(course)
    assert set(kept) == {"forged-log-kept", "forged-log-deleted", "forged-time-backwards"}
    assert kept["forged-log-deleted"][MODULE] == flags_of(cohort, "forged-log-deleted")
    with course.gradebook() as gb:
        marked = {learner: gb.find_submission_notebook(MODULE, MODULE, learner).flagged
                  for learner in [*cohort["honest"], *kept]}
    assert marked == {**dict.fromkeys(cohort["honest"], False), **dict.fromkeys(kept, True)}


def test_feedback_never_shows_the_trainer_note(cohort: dict) -> None:
    page = (cohort["course"].step_dir("feedback") / "forged-log-kept" / MODULE / f"{MODULE}.html").read_text()
    assert NOTE_HEADING not in page and "event log" not in page


@needs_browser
def test_the_report_lists_them_under_needs_a_look(cohort: dict, browser) -> None:
    course = cohort["course"]
    done = subprocess.run([str(Path(sys.executable).parent / "course"), "report", "--root", str(course.root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto((course.build_dir / "report" / "index.html").as_uri())
    section = page.locator("table.flags")
    text = section.inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == 3 and TITLE in text
    assert MISMATCH in text and LOG_MISSING in text and BACKWARDS in text
    assert "honest-right" not in text
    section.scroll_into_view_if_needed()
    screenshot(page, "report-needs-a-look")
    page.close()


@needs_browser
def test_the_formgrader_shows_the_note_at_the_top_of_the_submission(cohort: dict, browser, tmp_path) -> None:
    course = cohort["course"]
    with course.gradebook() as gb:
        notebook_id = gb.find_submission_notebook(MODULE, MODULE, "forged-log-deleted").id
    server = FormgraderServer(course.root, tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.base) else r.abort())
        page.goto(server.formgrader(f"/submissions/{notebook_id}/"))
        page.get_by_text("For the trainer: this submission needs a look.").wait_for(timeout=60_000)
        text = page.inner_text("body")
        assert LOG_MISSING in text
        assert text.index(NOTE_HEADING) < text.index(TITLE)
        page.get_by_text(NOTE_HEADING).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "formgrader-flag-note.png"))  # the top of the page, as a trainer sees it
        page.close()
    finally:
        server.stop()
