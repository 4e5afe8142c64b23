"""Grading a synthetic cohort: plain serial `nbgrader autograde` against `course grade --jobs N`,
on the same submissions, in one run. Checks both gradebooks hold the same grades, prints both
wall times, and as its last line `ratio: X.XX` (serial time / course grade time).

    .venv/bin/python benchmarks/grade_cohort.py [--learners 200] [--jobs N] [--modules m1,m2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path) -> float:
    """Run a command; return its wall time. Stops the benchmark if the command fails."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COURSE_ROOT", None)  # each command works on the course in its own folder
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return elapsed


def grades(root: Path) -> list[tuple]:
    """Every decision's automatic score. (Reflections are the trainer's to grade; plain nbgrader
    cannot see one written on the module page, which lives in the response file.)"""
    from graders.course.course import Course

    with Course(root).gradebook() as gb:
        return sorted((sub.student.id, a.name, g.name, g.auto_score)
                      for a in gb.assignments for sub in a.submissions for nb in sub.notebooks for g in nb.grades
                      if g.cell.cell_type == "code")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200, help="synthetic learners (default 200)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="course grade workers")
    parser.add_argument("--modules", default="", help="comma-separated modules (default: every module)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from graders.course.course import Course, copy_sources
    from graders.trainer.demo import make_cohort

    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        ours = copy_sources(ROOT, Path(tmp) / "course-grade")
        course = Course(ours)
        modules = args.modules.split(",") if args.modules else course.modules
        run([str(BIN / "course"), "build", "--no-selftest", *[f"--module={m}" for m in modules]], ours)
        make_cohort(course, args.learners, modules)
        baseline = Path(tmp) / "nbgrader-serial"
        shutil.copytree(ours, baseline)
        notebooks = sum(1 for _ in (ours / "build" / "submitted").glob("*/*"))
        print(f"cohort: {args.learners} learners x {len(modules)} module(s) = {notebooks} notebooks; "
              f"{os.cpu_count()} cores")

        serial = sum(run([str(BIN / "nbgrader"), "autograde", m, "--force"], baseline) for m in modules)
        print(f"plain serial nbgrader autograde:        {serial:8.1f} s  ({serial / notebooks:.2f} s per notebook)")
        parallel = run([str(BIN / "course"), "grade", "--no-feedback", f"--jobs={args.jobs}"], ours)
        print(f"course grade --jobs {args.jobs} (no feedback):    {parallel:8.1f} s  "
              f"({parallel / notebooks:.2f} s per notebook)")

        same = grades(baseline) == grades(ours)
        print(f"grades identical: {'yes' if same else 'NO'}")
        if not same:
            sys.exit("the two gradebooks differ")
        print(f"ratio: {serial / parallel:.2f}")


if __name__ == "__main__":
    main()
