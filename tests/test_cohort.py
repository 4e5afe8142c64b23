"""Cohort grading (`course grade`): every kind of bad submission is graded as far as it can be
and flagged, parallel and serial runs give the same gradebook, and a re-run changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_output

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import Outcome, grade_cohort, split_by_learner
from graders.learner.store import ECHO_MIME
from graders.trainer.demo import submit
from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files

MODULE = "duty-to-protect"
IDS = [p.stem for p in graded_files(MODULE)]


def key(scenarios_dir: Path) -> dict:
    plan = {}
    for sid in IDS:
        data = yaml.safe_load((scenarios_dir / f"{sid}.yaml").read_text())
        plan[sid] = {s["id"]: [o["id"] for o in s["options"] if o.get("correct")] for s in data["steps"]}
    return plan


def edit_notebook(folder: Path, change) -> None:
    path = folder / f"{MODULE}.ipynb"
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def add_echo(nb, answers) -> None:
    play = next(c for c in nb.cells if c.source.startswith("play("))
    play.outputs = [new_output("display_data", data={"text/plain": "", ECHO_MIME: {"module": MODULE,
                                                                                   "answers": answers}})]


def first_test_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")


def make_bad_cohort(course: Course) -> dict[str, dict]:
    """learner -> the answers in their response file (None: no answers count)."""
    answers = key(course.scenarios_dir)
    plans: dict[str, dict | None] = {}

    def learner(name: str, plan: dict | None = answers) -> Path:
        plans[name] = plan
        return submit(course, name, MODULE, plan, "My reflection.")

    learner("good")
    (learner("invalid-json") / f"{MODULE}.ipynb").write_text('{"cells": [ not json')
    folder = learner("corrupt-responses-with-echo")
    (folder / "responses" / f"{MODULE}.json").write_text("\x00garbage")
    edit_notebook(folder, lambda nb: add_echo(nb, answers))
    folder = learner("corrupt-responses", None)
    (folder / "responses").mkdir(exist_ok=True)
    (folder / "responses" / f"{MODULE}.json").write_text("{ truncated")
    edit_notebook(learner("edited-locked"), lambda nb: setattr(first_test_cell(nb), "source", "99"))
    edit_notebook(learner("deleted-test-cell"), lambda nb: nb.cells.remove(first_test_cell(nb)))
    edit_notebook(learner("added-code"), lambda nb: nb.cells.insert(3, new_code_cell(
        "import graders\ngraders.grade = lambda *a, **k: 99.0")))
    edit_notebook(learner("infinite-loop"), lambda nb: nb.cells.insert(3, new_code_cell("while True:\n    pass")))
    edit_notebook(learner("huge-output"), lambda nb: setattr(first_test_cell(nb), "outputs", [
        new_output("stream", name="stdout", text="x" * 6_000_000)]))

    def duplicate_reflection(nb) -> None:
        reflection = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        copy = nbformat.from_dict(json.loads(json.dumps(reflection)))
        copy["id"] = "reflection-again"  # a new cell id, the same nbgrader grade id
        nb.cells.append(copy)

    edit_notebook(learner("duplicate-grade-id"), duplicate_reflection)
    stray = course.submission_dir("good", "not-a-module")
    stray.mkdir(parents=True)
    (stray / "not-a-module.ipynb").write_text("{}")
    return plans


def gradebook_rows(course: Course) -> list[tuple]:
    """Every automatic grade and comment in the gradebook, in a stable order."""
    rows = []
    with course.gradebook() as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    rows += [(sub.student.id, assignment.name, g.name, g.auto_score, g.needs_manual_grade)
                             for g in nb.grades]
                    rows += [(sub.student.id, assignment.name, c.name, c.auto_comment) for c in nb.comments]
    return sorted(rows, key=repr)


def auto_scores(course: Course, learner: str) -> dict[str, float]:
    return {row[2]: row[3] for row in gradebook_rows(course)
            if row[0] == learner and len(row) == 5 and row[2] != "reflection"}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("cohort") / "course")
    course = Course(root)
    build(course, [MODULE], selftest=False)
    plans = make_bad_cohort(course)
    run = subprocess.run([sys.executable, "-m", "graders.cli", "grade", "--root", str(root), "--jobs", "2"],
                         capture_output=True, text=True, timeout=900)
    outcomes = {o.learner: o for o in grade_cohort(course, jobs=2) if o.module == MODULE}
    return {"course": course, "plans": plans, "run": run, "outcomes": outcomes}


def test_every_bad_submission_is_flagged_with_its_reason(cohort: dict) -> None:
    outcomes: dict[str, Outcome] = cohort["outcomes"]
    expected_flag = {
        "invalid-json": "could not be read",
        "corrupt-responses-with-echo": "rebuilt from the notebook's copy",
        "corrupt-responses": "answers scored as blank",
        "edited-locked": "locked module cell(s) edited",
        "deleted-test-cell": "deleted",
        "added-code": "added by the learner",
        "infinite-loop": "added by the learner",
        "huge-output": "large outputs",
        "duplicate-grade-id": "grade id repeated",
    }
    for learner, needle in expected_flag.items():
        assert outcomes[learner].graded, f"{learner}: {outcomes[learner].error}"
        assert any(needle in f for f in outcomes[learner].flags), (learner, outcomes[learner].flags)
    assert outcomes["good"].graded and not outcomes["good"].flags


def test_bad_submissions_score_exactly_their_saved_answers(cohort: dict) -> None:
    course = cohort["course"]
    for learner, plan in cohort["plans"].items():
        expected = expected_scores(course.scenarios_dir, plan or {}, IDS)
        assert auto_scores(course, learner) == pytest.approx(expected), learner


def test_the_command_names_what_could_not_be_graded_and_exits_nonzero(cohort: dict) -> None:
    run = cohort["run"]
    assert run.returncode == 1
    assert "could not grade: good/not-a-module" in run.stderr
    assert "is not released" in run.stderr
    assert "Graded 10 of 11 submission(s)" in " ".join(run.stderr.split())


def test_regrading_gives_identical_grades(cohort: dict) -> None:
    course = cohort["course"]
    before = gradebook_rows(course)
    grade_cohort(course, jobs=2, feedback=False)
    assert gradebook_rows(course) == before


def test_two_workers_and_one_give_the_same_gradebook(cohort: dict, tmp_path: Path) -> None:
    serial = Course(copy_course(tmp_path / "serial"))
    shutil.copytree(cohort["course"].step_dir("submitted"), serial.step_dir("submitted"))
    build(serial, [MODULE], selftest=False)
    grade_cohort(serial, jobs=1, feedback=False)
    rows = gradebook_rows(serial)
    assert rows == gradebook_rows(cohort["course"])
    assert len({r[0] for r in rows}) == 10  # every learner, none lost or doubled


def test_learners_are_split_into_disjoint_balanced_shares() -> None:
    jobs = [(f"l{n}", m) for n in range(5) for m in ("a", "b")] + [("l9", "a")]
    shares = split_by_learner(jobs, 2)
    learners = [{j[0] for j in s} for s in shares]
    assert not learners[0] & learners[1]
    assert sorted(j for s in shares for j in s) == sorted(jobs)
    assert abs(len(shares[0]) - len(shares[1])) <= 2


def add_module_cell(course: Course, grade_id: str, source: str) -> None:
    """Put a locked, hidden code cell of the course's own near the top of the module's source notebook."""
    path = course.source_notebook(MODULE)
    nb = nbformat.read(path, as_version=4)
    cell = new_code_cell(source)
    cell.metadata.update({"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": grade_id,
                                       "schema_version": 3}, "jupyter": {"source_hidden": True}})
    nb.cells.insert(3, cell)
    nbformat.write(nb, path)


def test_a_submission_that_hangs_is_stopped_and_the_rest_graded(tmp_path: Path) -> None:
    course = Course(copy_course(tmp_path / "course"))
    add_module_cell(course, "slow", "import time\ntime.sleep(600)")
    settings = yaml.safe_load((course.root / "course.yaml").read_text())
    settings["autograde_timeout"] = 900
    (course.root / "course.yaml").write_text(yaml.safe_dump(settings))
    build(Course(course.root), [MODULE], selftest=False)
    course = Course(course.root)
    for learner in ("first", "second"):
        submit(course, learner, MODULE, None, None)
    outcomes = grade_cohort(course, jobs=1, timeout=5, feedback=False)
    assert [o.graded for o in outcomes] == [False, False]
    assert all("took longer than 5 s and was stopped" in o.error for o in outcomes)
