"""Hostile submissions through the real `course grade`: links are never followed (nothing outside a
submission reaches the graded copy), a response file too deeply nested to read falls back to the
notebook's echo, a timestamp that is not a date is graded as nbgrader grades one without a timestamp,
each with a flag in plain words; the normal learners keep their exact grades, a re-run changes
nothing, and a job the worker reports as failed keeps its own reason."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import Outcome, grade_cohort
from graders.grading.worker import failure_reason
from graders.learner.store import ResponseStore, read_answers
from graders.trainer.demo import submit
from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files, load, plan_for
from tests.test_cohort import add_echo, add_module_cell, auto_scores, edit_notebook, gradebook_rows, key

MODULE = "duty-to-protect"
IDS = [p.stem for p in graded_files(MODULE)]
RESPONSE = f"responses/{MODULE}.json"


def unlogged_echo(answers: dict) -> str:
    """The flag for an echo written into the notebook by hand, with no clicks in the event log:
    every answered step differs (tests/test_evidence.py checks that check on its own)."""
    steps = sorted(f"{sid}/{step}" for sid, chosen in answers.items() for step, value in chosen.items() if value)
    return ("answers in the notebook's copy do not match the clicks recorded in the event log "
            f"({len(steps)} steps: {', '.join(steps[:3])}, ...)")


NESTED = "[" * 100_000 + "]" * 100_000  # 200 kB: under the size limit, far deeper than Python's recursion limit


def wrong_first(course: Course) -> dict:
    """Answers with a wrong first step in each scenario (a score between blank and full)."""
    return {sid: plan_for(load(course.scenarios_dir, sid), wrong_first=True) for sid in IDS}


def make_hostile_cohort(course: Course) -> tuple[dict[str, dict], dict[str, list[str]]]:
    """Write the cohort. Returns learner -> the answers that must count, and learner -> expected flags."""
    right, partly = key(course.scenarios_dir), wrong_first(course)
    counts: dict[str, dict] = {}
    flags: dict[str, list[str]] = {}

    def learner(name: str, answers: dict | None, counted: dict | None = None, *expected: str) -> Path:
        counts[name] = {} if counted is None else counted
        flags[name] = list(expected)
        return submit(course, name, MODULE, answers, "My reflection.")

    # Normal learners.
    learner("normal-right", right, right)
    learner("normal-partly", partly, partly)
    learner("normal-blank", None)

    # Their response file is a link to another learner's (full marks): not followed, scored as blank.
    folder = learner("link-to-another", None, None, f"link refused (not followed): {RESPONSE}")
    (folder / RESPONSE).unlink(missing_ok=True)
    (folder / RESPONSE).symlink_to(course.submission_dir("normal-right", MODULE) / RESPONSE)

    # responses/keys -> the course's scenarios/ folder: not followed; their own answers still count.
    folder = learner("keys-link", partly, partly, "link refused (not followed): responses/keys")
    (folder / "responses" / "keys").symlink_to(course.scenarios_dir, target_is_directory=True)

    # Their response file is a link to /etc/passwd; the notebook's echo holds their answers.
    folder = learner("passwd-link", None, partly, f"link refused (not followed): {RESPONSE}",
                     "response file missing: rebuilt from the notebook's copy of the answers", unlogged_echo(partly))
    (folder / RESPONSE).unlink(missing_ok=True)
    (folder / RESPONSE).symlink_to("/etc/passwd")
    edit_notebook(folder, lambda nb: add_echo(nb, partly))

    # The whole responses/ folder is a (relative) link to another learner's.
    folder = learner("responses-folder-link", None, None, "link refused (not followed): responses")
    shutil.rmtree(folder / "responses")
    os.symlink(Path("..", "..", "normal-right", MODULE, "responses"), folder / "responses")

    # The notebook links to another learner's and timestamp.txt to /etc/passwd: both refused.
    folder = learner("linked-notebook-and-timestamp", partly, partly,
                     f"link refused (not followed): {MODULE}.ipynb",
                     "notebook missing: graded from the response file alone",
                     "link refused (not followed): timestamp.txt")
    (folder / f"{MODULE}.ipynb").unlink()
    (folder / f"{MODULE}.ipynb").symlink_to(course.submission_dir("normal-right", MODULE) / f"{MODULE}.ipynb")
    (folder / "timestamp.txt").unlink()
    (folder / "timestamp.txt").symlink_to("/etc/passwd")

    # A response file of 100,000 nested lists, and the echo in the notebook: graded from the echo.
    folder = learner("deeply-nested", None, right,
                     "response file unreadable (response file is nested too deeply to read): "
                     "rebuilt from the notebook's copy of the answers", unlogged_echo(right))
    (folder / RESPONSE).write_text(NESTED)
    edit_notebook(folder, lambda nb: add_echo(nb, right))

    # The same without an echo: nothing to recover, scored as blank.
    folder = learner("deeply-nested-no-echo", None, None,
                     "response file unreadable (response file is nested too deeply to read) and the "
                     "notebook holds no copy: answers scored as blank")
    (folder / RESPONSE).write_text(NESTED)

    folder = learner("bad-timestamp", partly, partly,
                     "timestamp.txt is not a date ('not a date'): graded as if it had no timestamp")
    (folder / "timestamp.txt").write_text("not a date\n")
    return counts, flags


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("hostile") / "course")
    course = Course(root)
    build(course, [MODULE], selftest=False)
    counts, flags = make_hostile_cohort(course)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "graders.cli", "grade", "--root", str(root), "--jobs", "2"],
                         capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    first = gradebook_rows(course)
    outcomes = {o.learner: o for o in grade_cohort(course, jobs=2)}
    print(f"\n{len(outcomes)} submissions graded twice; `course grade` took {seconds:.1f} s; "
          f"{sum(len(o.flags) for o in outcomes.values())} flags")
    return {"course": course, "counts": counts, "flags": flags, "run": run, "first": first, "outcomes": outcomes}


def test_the_command_grades_every_submission(cohort: dict) -> None:
    run = cohort["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    n = len(cohort["counts"])
    assert f"Graded {n} of {n} submission(s)" in " ".join(run.stderr.split())


def test_every_hostile_submission_is_graded_with_its_flags_in_plain_words(cohort: dict) -> None:
    outcomes: dict[str, Outcome] = cohort["outcomes"]
    assert set(outcomes) == set(cohort["flags"])
    for learner, flags in cohort["flags"].items():
        assert outcomes[learner].graded, f"{learner}: {outcomes[learner].error}"
        assert outcomes[learner].flags == flags, learner


def test_everyone_scores_exactly_the_answers_that_count(cohort: dict) -> None:
    """Normal learners keep their grades; a link earns nothing of its target; the echo is used where
    the response file could not be read (scored as blank where there is no echo)."""
    course = cohort["course"]
    for learner, answers in cohort["counts"].items():
        assert auto_scores(course, learner) == pytest.approx(expected_scores(course.scenarios_dir, answers, IDS)), \
            learner
    assert sum(auto_scores(course, "normal-right").values()) > 0
    assert sum(auto_scores(course, "link-to-another").values()) == 0


def test_a_timestamp_that_is_not_a_date_is_graded_as_if_there_were_none(cohort: dict) -> None:
    with cohort["course"].gradebook() as gb:
        assert gb.find_submission(MODULE, "bad-timestamp").timestamp is None
        assert gb.find_submission(MODULE, "linked-notebook-and-timestamp").timestamp is None
        assert gb.find_submission(MODULE, "normal-right").timestamp == datetime.datetime(2026, 11, 20, 10, 0)


def secrets(course: Course, chosen: set[str]) -> list[str]:
    """Every option rationale in the course's scenarios/ that no learner of this cohort chose (so
    no feedback of theirs can show it), with its whitespace collapsed."""
    found = set()
    for path in sorted(course.scenarios_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for step in data.get("steps", []) if isinstance(data, dict) else []:
            for option in step.get("options", []):
                if option["id"] not in chosen and option.get("rationale"):
                    found.add(" ".join(option["rationale"].split()))
    return sorted(found)


def test_nothing_from_outside_the_submissions_reaches_the_graded_copies(cohort: dict) -> None:
    course = cohort["course"]
    chosen = {o for answers in (key(course.scenarios_dir), wrong_first(course))
              for steps in answers.values() for options in steps.values() for o in options}
    hidden = secrets(course, chosen)
    assert len(hidden) > 20  # other modules' rationales and this module's unchosen ones
    scenario_files = {p.name: p.read_bytes() for p in course.scenarios_dir.rglob("*") if p.is_file()}
    passwd = Path("/etc/passwd").read_bytes()
    files = [p for step in ("autograded", "feedback") for p in course.step_dir(step).rglob("*")]
    assert len([p for p in files if p.is_file()]) >= 2 * len(cohort["counts"])
    for path in files:
        assert not path.is_symlink(), path
        assert path.name != "keys" and path.name not in scenario_files, path
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert data not in scenario_files.values() and data != passwd, path
        text = " ".join(data.decode("utf-8", errors="replace").split())
        assert not re.search(r"(^|\s|\\n)root:", text), path
        assert "rationale:" not in text and "correct: true" not in text, path
        leaked = [s for s in hidden if s in text]
        assert not leaked, (path, leaked[:1])


def test_the_learners_own_folders_are_left_as_they_were(cohort: dict) -> None:
    course = cohort["course"]
    assert (course.submission_dir("keys-link", MODULE) / "responses" / "keys").is_symlink()
    assert os.readlink(course.submission_dir("passwd-link", MODULE) / RESPONSE) == "/etc/passwd"
    assert (course.submission_dir("deeply-nested", MODULE) / RESPONSE).read_text() == NESTED


def test_regrading_gives_identical_grades_and_flags(cohort: dict) -> None:
    course = cohort["course"]
    assert gradebook_rows(course) == cohort["first"]  # `course grade`, then grade_cohort
    again = {o.learner: o for o in grade_cohort(course, jobs=2, feedback=False)}
    assert gradebook_rows(course) == cohort["first"]
    assert again == cohort["outcomes"]


def test_the_learners_player_sets_a_too_deeply_nested_file_aside(tmp_path: Path) -> None:
    path = tmp_path / RESPONSE
    path.parent.mkdir()
    path.write_text(NESTED)
    with pytest.raises(ValueError, match="nested too deeply"):
        read_answers(path)
    store = ResponseStore(tmp_path, MODULE)
    assert store.answers == {} and "could not be read" in store.problem
    assert not path.exists() and [p.read_text() for p in path.parent.glob("*.unreadable-*.json")] == [NESTED]


def test_a_failure_the_worker_reports_keeps_its_own_reason(tmp_path: Path) -> None:
    """Both jobs of one worker fail inside nbgrader (a module cell kills the kernel); when the worker
    then ends, their reason stays nbgrader's own, not "the grading worker stopped unexpectedly"."""
    course = Course(copy_course(tmp_path / "course"))
    add_module_cell(course, "fatal", "import os\nos._exit(1)")
    build(course, [MODULE], selftest=False)
    course = Course(course.root)
    for learner in ("first", "second"):
        submit(course, learner, MODULE, None, None)
    outcomes = grade_cohort(course, jobs=1, feedback=False)
    assert [o.graded for o in outcomes] == [False, False]
    for outcome in outcomes:
        assert "stopped unexpectedly" not in outcome.error and "above traceback" not in outcome.error
        assert "DeadKernelError" in outcome.error or "died" in outcome.error.lower(), outcome.error


def test_the_reason_is_the_line_that_says_what_went_wrong() -> None:
    """The shape of a failed nbgrader API result (nbgrader.utils.capture_log): the 'error' is the final
    'see the above traceback'; the cause is the last line of the traceback in the log."""
    log = ("[INFO] Creating/updating student with ID 'x': {}\n"
           "[ERROR] There was an error processing assignment: /c/submitted/x/m\n"
           "[ERROR] Traceback (most recent call last):\n"
           "      File \"autograde.py\", line 107, in init_assignment\n"
           "    AttributeError: 'CourseDirectory' object has no attribute 'fail'\n"
           "[ERROR] There was an error processing assignment 'm' for student 'x'\n"
           "[ERROR] Please see the the above traceback for details on the specific errors on the above failures.\n")
    error = ("Traceback (most recent call last):\n  File \"base.py\", line 470, in convert_notebooks\n"
             "nbgrader.utils.NbGraderException: Please see the the above traceback for details on the specific "
             "errors on the above failures.\n")
    assert failure_reason({"success": False, "log": log, "error": error}) == \
        "AttributeError: 'CourseDirectory' object has no attribute 'fail'"
    unresponsive = ("[ERROR] While processing assignment /c/submitted/x/m, the kernel became unresponsive\n"
                    "[ERROR] Please see the the above traceback for details on the specific errors.\n")
    assert failure_reason({"success": False, "log": unresponsive, "error": error}).startswith(
        "While processing assignment")
    assert failure_reason({"success": False, "error": "ValueError: boom\n"}) == "ValueError: boom"
    assert "no reason" in failure_reason({"success": False, "error": error})
