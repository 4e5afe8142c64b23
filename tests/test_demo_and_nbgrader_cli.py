"""The main job end to end (`course demo`), and nbgrader's own commands on the same course."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from graders.learner.store import ResponseStore
from tests.expected import expected_scores, graded_files


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_demo_grades_every_synthetic_learner_as_they_answered(course_dir: Path) -> None:
    done = run([sys.executable, "-m", "graders.cli", "demo", "--root", str(course_dir)], course_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    build = course_dir / "build"
    assert (build / "handouts" / "index.html").is_file()
    assert (build / "report" / "index.html").is_file()
    assert (build / "certificates" / "learner-01.html").is_file()  # the learner who answered as the key
    plan = json.loads((build / "demo" / "cohort.json").read_text())
    assert len(plan) >= 12
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
    row = next(csv.DictReader((course_dir / "export.csv").open()))
    assert (row["student_id"], float(row["score"])) == ("pat", 2.0)
    feedback = (course_dir / "build" / "feedback" / "pat" / module / f"{module}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in feedback
