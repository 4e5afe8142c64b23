"""The main job end to end (`course demo`), and nbgrader's own commands on the same course."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from graders.course.course import Course
from graders.grading.build import build as build_course
from graders.grading.cohort import grade_cohort
from graders.grading.kernels import ipc_prefix
from graders.learner.store import ResponseStore
from graders.trainer.demo import REFLECTION, submit
from graders.trainer.roster import records
from graders.trainer.training import sync_records
from tests.expected import expected_scores, graded_files

# The key, blank, one scenario and all wrong: full, blank and partial marks in every module, in less time than the
# default 13 that `make demo` grades.
LEARNERS = 4
TRAINER_LEARNER = "pat"  # a real submission of the trainer's, graded, with a rubric score


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def trainers_own_work(course_dir: Path) -> Course:
    """One learner's graded submission in the trainer's course, with a reflection scored by hand."""
    course = Course(course_dir)
    module = course.modules[0]
    build_course(course, [module], selftest=False)
    submit(course, TRAINER_LEARNER, module, None, REFLECTION)
    assert all(o.graded for o in grade_cohort(course, feedback=False, jobs=1))
    with course.gradebook() as gb:
        reflection_grade(gb, module).manual_score = 1.5
        gb.db.commit()
    return course


def reflection_grade(gb, module: str):  # -> nbgrader.api.Grade
    """The trainer's learner's reflection grade (the rubric-graded cell) in `module`."""
    return next(g for nb in gb.find_submission(module, TRAINER_LEARNER).notebooks for g in nb.grades
                if g.cell.cell_type == "markdown")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_demo_grades_every_synthetic_learner_as_they_answered(course_dir: Path) -> None:
    trainer = trainers_own_work(course_dir)
    assert len(sync_records(trainer, records(trainer))) == 1  # the trainer's own training record
    kept_records = tree_digest(course_dir / "records")
    kept = {name: tree_digest(trainer.build_dir / name) for name in ("submitted", "autograded")}
    gradebook = hashlib.sha256((trainer.build_dir / "gradebook.db").read_bytes()).hexdigest()
    done = run([sys.executable, "-m", "graders.cli", "demo", "--root", str(course_dir), "--learners", str(LEARNERS)],
               course_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "eavesdropping" not in done.stdout + done.stderr  # grading kernels listen on Unix sockets, not TCP
    # The demo worked in its own course; the trainer's submission, grades and rubric score are untouched.
    assert {name: tree_digest(trainer.build_dir / name) for name in kept} == kept
    assert tree_digest(course_dir / "records") == kept_records
    assert hashlib.sha256((trainer.build_dir / "gradebook.db").read_bytes()).hexdigest() == gradebook
    with trainer.gradebook() as gb:
        assert [s.id for s in gb.students] == [TRAINER_LEARNER]
        assert reflection_grade(gb, trainer.modules[0]).manual_score == 1.5
    assert not (trainer.build_dir / "report").exists() and not (trainer.build_dir / "feedback").exists()
    build = course_dir / "build" / "demo" / "build"
    with Course(course_dir / "build" / "demo").gradebook() as gb:  # the demo's learners have fictional names
        assert {(s.id, s.first_name, s.last_name) for s in gb.students} >= {("learner-01", "Ari", "Sample")}
    assert (build / "handouts" / "index.html").is_file()
    assert (build / "report" / "index.html").is_file()
    assert (build / "certificates" / "learner-01.html").is_file()  # the learner who answered as the key
    demo = Course(course_dir / "build" / "demo")  # its staff, status and records are its own
    assert [p.id for p in records(demo).staff()] == [f"learner-{n:02d}" for n in range(1, LEARNERS + 1)]
    assert [c.staff_id for c in records(demo).certificates()] == ["learner-01"]
    assert {c.staff_id for c in records(demo).completions()} >= {"learner-01", "learner-04"}
    assert len(list(csv.DictReader((build / "report" / "status.csv").open()))) == sum(
        len(demo.required_modules(p.role)) for p in records(demo).staff())
    plan = json.loads((build / "cohort.json").read_text())
    assert len(plan) == LEARNERS
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader((build / "grades.csv").open())}
    modules = sorted(p.name for p in (course_dir / "curriculum").iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert set(rows) == {(learner, m) for learner in plan for m in modules}
    kinds: dict[str, set[str]] = {m: set() for m in modules}
    for (learner, module), row in rows.items():
        scenario_ids = [p.stem for p in graded_files(module, course_dir / "scenarios")]
        answers = plan[learner][module] or {}
        expected = sum(expected_scores(course_dir / "scenarios", answers, scenario_ids).values())
        full = sum(expected_scores(course_dir / "scenarios", plan["learner-01"][module], scenario_ids).values())
        assert float(row["score"]) == expected, f"{learner}/{module}"
        kinds[module].add("blank" if plan[learner][module] is None else "full" if expected == full else "partial")
        assert float(row["max_score"]) > float(row["score"]) or float(row["score"]) == 0
    assert all(k == {"blank", "full", "partial"} for k in kinds.values()), kinds
    for module in modules:  # `course build`'s key self-test ran and passed for every module
        assert re.search(rf"self-test ok {module}: key (\d+)/\1, empty 0", done.stdout + done.stderr), module
    feedback = build / "feedback" / "learner-01" / modules[0] / f"{modules[0]}.html"
    assert "BEGIN HIDDEN TESTS" not in feedback.read_text()


def test_plain_nbgrader_commands_work_on_the_course(course_dir: Path) -> None:
    bin_dir = Path(sys.executable).parent
    nbgrader = [str(bin_dir / "nbgrader")]
    module = "duty-to-protect"
    made = run(nbgrader + ["generate_assignment", module, "--force"], course_dir)
    assert made.returncode == 0, made.stderr[-2000:]
    release = course_dir / "build" / "release" / module
    assert (release / "scenarios.json").is_file()

    submitted = course_dir / "build" / "submitted" / "pat" / module
    shutil.copytree(release, submitted)
    ResponseStore(submitted, module).set("duty-to-protect-explicit-threat", "duty-applies",
                                        ["yes-nevada-trigger-met"])
    for args in (["autograde", module, "--student", "pat"], ["generate_feedback", module, "--student", "pat"],
                 ["export", "--to", "export.csv"]):
        done = run(nbgrader + args, course_dir)
        assert done.returncode == 0, f"nbgrader {args[0]}: {done.stderr[-2000:]}"
        assert "eavesdropping" not in done.stderr
    row = next(csv.DictReader((course_dir / "export.csv").open()))
    assert (row["student_id"], float(row["score"])) == ("pat", 2.0)
    feedback = (course_dir / "build" / "feedback" / "pat" / module / f"{module}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in feedback


def test_grading_kernels_use_unix_sockets_in_a_private_folder(tmp_path: Path) -> None:
    prefix = ipc_prefix(tmp_path / "runtime")
    assert prefix is not None and Path(prefix).parent == tmp_path / "runtime"
    assert (tmp_path / "runtime").stat().st_mode & 0o077 == 0  # no one else can open the sockets
    assert ipc_prefix(tmp_path / ("x" * 120)) is None  # too long for a socket path: TCP as before
