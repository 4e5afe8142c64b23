"""The real round trip: course build -> learners' answers through the player's save path ->
nbgrader autograde -> scores, feedback and the CSV export; plus the key canary."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_output

from graders.content.authoring import module_notebook, prose
from graders.content.schema import Scenario
from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.learner.store import ECHO_MIME, ResponseStore, read_response
from graders.publish.handouts import build_handouts
from graders.trainer.demo import submit
from tests.conftest import REVIEW_LINE, copy_course
from tests.expected import expected_scores, graded_files

CANARY = "CANARY-7f3a9c-KEY-MUST-NOT-LEAK"
MODULE = "duty-to-protect"
THREAT, ANGER, CALL = ("duty-to-protect-explicit-threat", "duty-to-protect-vague-anger",
                       "duty-to-protect-front-desk-call")
DUTY_FILES = graded_files(MODULE)
DUTY_IDS = [p.stem for p in DUTY_FILES]
# The module's automatic points, read straight from its scenario files.
PAGE_REFLECTION = "Written in the page's box: I would check for an explicit threat first."
ECHO_REFLECTION = "Only the notebook's echo still holds this reflection."
DUTY_AUTO = sum(step["points"] for p in DUTY_FILES for step in yaml.safe_load(p.read_text())["steps"])

COUNSEL_REVIEW = {"reviewer": "R. Counsel, Example Health Law (fictional)", "date": "2027-01-15"}

CANARY_SCENARIO = {
    "id": "canary-scenario",
    "title": "A test scenario",
    "module": "canary-module",
    "concepts": ["duty-to-protect"],
    "jurisdiction": ["US", "NV"],
    "story": "Robin Test (fictional) asks a question.",
    "steps": [{
        "id": "only-step",
        "prompt": "Which answer is keyed?",
        "points": 1,
        "citations": ["NRS 629.550(1)"],
        "trainer_note": f"The key is the first option. {CANARY}",
        "options": [
            {"id": "first", "text": "The first option", "correct": True, "rationale": f"Keyed. {CANARY}"},
            {"id": "second", "text": "The second option", "rationale": f"Not keyed. {CANARY}"},
        ],
    }],
}


def key_answers(scenarios_dir: Path, sid: str) -> dict[str, list[str]]:
    data = yaml.safe_load((scenarios_dir / f"{sid}.yaml").read_text())
    return {s["id"]: [o["id"] for o in s["options"] if o.get("correct")] for s in data["steps"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("pipeline") / "course")
    settings = yaml.safe_load((root / "course.yaml").read_text())
    (root / "course.yaml").write_text(yaml.safe_dump({**settings, "counsel_review": COUNSEL_REVIEW}))
    (root / "scenarios" / "canary-scenario.yaml").write_text(yaml.safe_dump(CANARY_SCENARIO))
    nb = module_notebook("Canary module", [Scenario.model_validate(CANARY_SCENARIO)], REVIEW_LINE)
    nb.cells.insert(1, prose("trainer-tip", f"Trainer tip: {CANARY}", tags=["trainer-only"]))
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = f"Model answer for trainers: {CANARY}"
    (root / "curriculum" / "canary-module").mkdir()
    nbformat.write(nb, root / "curriculum" / "canary-module" / "canary-module.ipynb")

    course = Course(root)
    selftests = build(course, [MODULE, "canary-module"])
    sdir = root / "scenarios"
    plans = {
        "key": {sid: key_answers(sdir, sid) for sid in DUTY_IDS},
        "blank": None,
        "partial": {
            THREAT: {"duty-applies": ["yes-nevada-trigger-met"], "discharge": ["crisis-hold"],
                     "what-to-share": ["full-chart"]},
            ANGER: {"duty-applies": ["yes-identifiable-man"], "recovery-missing-element": ["explicit-imminent-threat"],
                    "clinical-response": ["explore-and-safety-plan", "document-and-consult",
                                          "report-to-police-anyway"]},
        },
    }
    for learner, answers in plans.items():
        submit(course, learner, MODULE, answers, None)

    # Tampering: learner-added code that patches the grader to award full marks.
    tamper = submit(course, "tamper", MODULE, None, None) / f"{MODULE}.ipynb"
    nb = nbformat.read(tamper, as_version=4)
    nb.cells.insert(3, new_code_cell("import graders.grading.grade as g\ng.grade = lambda *a, **k: 99.0\n"
                                     "import graders\ngraders.grade = lambda *a, **k: 2.0"))
    nbformat.write(nb, tamper)
    plans["tamper"] = None

    # The reflection written in the module page's text area: in the response file, not in the notebook.
    page_answers = {THREAT: key_answers(sdir, THREAT)}
    page_dir = submit(course, "page", MODULE, page_answers, None)
    ResponseStore(page_dir, MODULE).set_reflection("reflection", PAGE_REFLECTION)
    plans["page"] = page_answers

    # The response file is lost, but the notebook kept the player's echo of the answers.
    echo_answers = {THREAT: key_answers(sdir, THREAT)}
    echo_dir = submit(course, "echo", MODULE, echo_answers, None)
    shutil.rmtree(echo_dir / "responses")
    nb = nbformat.read(echo_dir / f"{MODULE}.ipynb", as_version=4)
    play_cell = next(c for c in nb.cells if c.source.startswith("play("))
    play_cell.outputs = [new_output("display_data", data={
        "text/html": "<span hidden></span>",
        ECHO_MIME: {"module": MODULE, "answers": echo_answers, "reflections": {"reflection": ECHO_REFLECTION}}})]
    nbformat.write(nb, echo_dir / f"{MODULE}.ipynb")
    plans["echo"] = echo_answers

    outcomes = grade_cohort(course)
    index = build_handouts(course)
    return {"course": course, "plans": plans, "outcomes": outcomes, "selftests": selftests, "index": index}


def cell_scores(course: Course, learner: str) -> dict[str, float]:
    with course.gradebook() as gb:
        nb = gb.find_submission_notebook(MODULE, MODULE, learner)
        return {g.name: g.auto_score for g in nb.grades if g.cell.cell_type == "code"}


def test_selftest_key_full_marks_and_blank_zero(graded: dict) -> None:
    results = {r.module: r for r in graded["selftests"]}
    assert set(results) == {MODULE, "canary-module"}
    duty = results[MODULE]
    assert duty.key_score == duty.max_auto == DUTY_AUTO
    assert duty.blank_score == 0


@pytest.mark.parametrize("learner", ["key", "blank", "partial", "page"])
def test_autograde_scores_match_answers(graded: dict, learner: str) -> None:
    course = graded["course"]
    answers = graded["plans"][learner] or {}
    expected = expected_scores(course.scenarios_dir, answers, DUTY_IDS)
    assert cell_scores(course, learner) == pytest.approx(expected)


def test_partial_credit_is_real(graded: dict) -> None:
    scores = cell_scores(graded["course"], "partial")
    assert scores[f"{THREAT}--duty-applies"] == 2
    assert scores[f"{THREAT}--discharge"] == 0  # a crisis hold is not open on this story's facts
    assert scores[f"{THREAT}--what-to-share"] == 0
    assert scores[f"{ANGER}--recovery-missing-element"] == 1  # the recovery step after a wrong turn
    assert scores[f"{ANGER}--clinical-response"] == 1  # two right picks, one wrong pick, of two keyed
    assert scores[f"{CALL}--tell-the-client"] == 0  # unanswered


def test_added_code_cannot_change_the_grade(graded: dict) -> None:
    assert set(cell_scores(graded["course"], "tamper").values()) == {0}
    tamper = next(o for o in graded["outcomes"] if o.learner == "tamper")
    assert tamper.graded and any("added by the learner" in f for f in tamper.flags)
    autograded = graded["course"].step_dir("autograded") / "tamper" / MODULE / f"{MODULE}.ipynb"
    assert "lambda" not in autograded.read_text()


def test_lost_response_file_is_rebuilt_from_the_notebook_echo(graded: dict) -> None:
    course = graded["course"]
    expected = expected_scores(course.scenarios_dir, graded["plans"]["echo"], DUTY_IDS)
    assert cell_scores(course, "echo") == pytest.approx(expected)
    assert sum(expected.values()) == 5
    echo = next(o for o in graded["outcomes"] if o.learner == "echo")
    assert any("rebuilt" in f for f in echo.flags)


def graded_reflection(course: Course, learner: str) -> str:
    """The reflection cell of the notebook nbgrader graded for `learner` (what the trainer reads)."""
    nb = nbformat.read(course.step_dir("autograded") / learner / MODULE / f"{MODULE}.ipynb", as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection"]
    return cell.source


def test_reflection_written_on_the_page_is_the_one_the_trainer_grades(graded: dict) -> None:
    course = graded["course"]
    submitted = (course.submission_dir("page", MODULE) / f"{MODULE}.ipynb").read_text()
    assert PAGE_REFLECTION not in submitted  # the notebook itself holds no copy of it
    assert graded_reflection(course, "page") == PAGE_REFLECTION
    page = next(o for o in graded["outcomes"] if o.learner == "page")
    assert page.graded and page.flags == []
    with course.gradebook() as gb:
        nb = gb.find_submission_notebook(MODULE, MODULE, "page")
        [reflection] = [g for g in nb.grades if g.name == "reflection"]
        assert reflection.needs_manual_grade  # the trainer scores it with the rubric
    assert graded_reflection(course, "blank") == "YOUR ANSWER HERE"


def test_lost_response_file_brings_back_the_echoed_reflection(graded: dict) -> None:
    course = graded["course"]
    assert graded_reflection(course, "echo") == ECHO_REFLECTION
    restored = course.step_dir("autograded") / "echo" / MODULE / "responses" / f"{MODULE}.json"
    assert read_response(restored) == (graded["plans"]["echo"], {"reflection": ECHO_REFLECTION})


def test_grades_csv_has_one_row_per_learner_and_module(graded: dict) -> None:
    import csv

    rows = list(csv.DictReader((graded["course"].build_dir / "grades.csv").open()))
    by_key = {(r["student_id"], r["assignment"]): r for r in rows}
    learners = {"key", "blank", "partial", "tamper", "echo", "page"}
    assert {k for k in by_key if k[1] == MODULE} == {(learner, MODULE) for learner in learners}
    assert float(by_key[("key", MODULE)]["score"]) == DUTY_AUTO
    assert float(by_key[("key", MODULE)]["max_score"]) == DUTY_AUTO + 3  # + 3 for the reflection


def test_feedback_explains_without_leaking_hidden_tests_or_key(graded: dict) -> None:
    course = graded["course"]
    page = (course.step_dir("feedback") / "partial" / MODULE / f"{MODULE}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in page
    assert 'grade(&quot;' not in page and 'grade("' not in page
    assert "from graders import" not in page and "play(" not in page  # learners see no code
    assert "not running yet" not in page and "<button" not in page  # the live-only banner is left out
    assert not any(o.flags for o in graded["outcomes"] if o.learner == "partial")
    scenario = yaml.safe_load((course.scenarios_dir / f"{THREAT}.yaml").read_text())
    share = next(s for s in scenario["steps"] if s["id"] == "what-to-share")
    chosen = next(o for o in share["options"] if o["id"] == "full-chart")
    keyed = next(o for o in share["options"] if o.get("correct"))
    text = " ".join(html.unescape(page).split())
    assert "NRS 629.550" in text  # sources are named
    assert " ".join(chosen["rationale"].split()) in text  # why their answer was wrong
    assert " ".join(keyed["rationale"].split()) not in text  # not the key's explanation


def test_key_canary_never_reaches_release_or_handouts(graded: dict) -> None:
    course = graded["course"]
    release, handouts = course.step_dir("release"), course.build_dir / "handouts"
    files = [p for p in [*release.rglob("*"), *handouts.rglob("*")] if p.is_file()]
    assert any(p.name == "canary-module.html" for p in files)
    assert any(p.name == "canary-module.ipynb" for p in files)
    for path in files:
        assert CANARY not in path.read_text(errors="replace"), f"canary leaked into {path}"
    # and the canary is really in the trainer's sources, so the check can fail
    assert CANARY in (course.scenarios_dir / "canary-scenario.yaml").read_text()
    assert CANARY in (course.curriculum_dir / "canary-module" / "canary-module.ipynb").read_text()


def test_release_has_key_free_scenario_data_and_no_hidden_tests(graded: dict) -> None:
    release = graded["course"].step_dir("release") / MODULE
    data = json.loads((release / "scenarios.json").read_text())
    practice = {sid for sid, view in data["scenarios"].items() if view["practice"]}
    assert set(data["scenarios"]) - practice == set(DUTY_IDS) and len(practice) == 1
    text = json.dumps({sid: view for sid, view in data["scenarios"].items() if sid not in practice})
    assert '"correct"' not in text and '"rationale"' not in text and '"trainer_note"' not in text
    assert '"trainer_note"' not in json.dumps(data)  # a practice case's feedback, but never the trainer's notes
    notebook = (release / f"{MODULE}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in notebook
    assert "grade(" not in notebook.replace("from graders import play, grade", "")
    assert "trainer-only" not in notebook


def test_handouts_show_no_code(graded: dict) -> None:
    page = (graded["index"].parent / f"{MODULE}.html").read_text()
    assert "play(" not in page and "from graders" not in page and "<script" not in page
    assert "not running yet" not in page and "<button" not in page  # the live-only banner is left out
    assert "Training, not legal advice" in page
    index = graded["index"].read_text()
    assert f'href="{MODULE}.html"' in index


def test_release_and_handout_show_the_counsel_review_course_yaml_records(graded: dict) -> None:
    course = graded["course"]
    line = ("Legal content reviewed by counsel (R. Counsel, Example Health Law (fictional)) on January 15, 2027 "
            "(federal and Nevada law).")
    assert course.settings.review_line() == line
    released = nbformat.read(course.step_dir("release") / MODULE / f"{MODULE}.ipynb", as_version=4)
    header = released.cells[0].source
    assert line in header.splitlines() and "Not yet reviewed by counsel" not in header
    page = (graded["index"].parent / f"{MODULE}.html").read_text()
    assert html.escape(line, quote=False) in page and "Not yet reviewed by counsel" not in page
