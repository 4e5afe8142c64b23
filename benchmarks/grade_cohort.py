"""Grading a synthetic cohort: plain serial `nbgrader autograde` against `course grade --jobs N`,
on the same submissions, in one run. Prints both wall times, how many submissions `course grade`
could not grade (it must be 0), where its time went per notebook, whether both gradebooks hold the
same grades, and as its last line `ratio: X.XX` (serial time / course grade time). Exits non-zero
if a submission was not graded or the grades differ.

    .venv/bin/python benchmarks/grade_cohort.py [--learners 200] [--jobs N] [--modules m1,m2] [--cpu-hogs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path, must_succeed: bool = True) -> float:
    """Run a command; return its wall time. Stops the benchmark if the command fails, unless
    `must_succeed` is False (course grade says itself what it could not grade)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COURSE_ROOT", None)  # each command works on the course in its own folder
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 and must_succeed:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return elapsed


@contextmanager
def cpu_hogs(count: int) -> Iterator[None]:
    """`count` busy processes running while the block runs (grading on a loaded machine)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    if hogs:
        print(f"under load: {count} busy process(es) run beside both timed commands")
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def where_time_went(record: dict) -> str:
    """course grade's own account: seconds per notebook for each part of the work, and the merge."""
    parts = record["seconds_per_notebook"]
    per_notebook = ", ".join(f"{part} {seconds:.3f}" for part, seconds in parts.items())  # the worker's order
    merge = record["merge_seconds"] / max(1, record["graded"])
    return f"per notebook, summed over workers (s): {per_notebook}, merge {merge:.3f}"


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
    parser.add_argument("--cpu-hogs", type=int, default=0,
                        help="busy processes to run beside both timed commands (grading under load)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from graders.course.course import Course, copy_sources
    from graders.grading.cohort import RUN_RECORD
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

        with cpu_hogs(args.cpu_hogs):
            serial = sum(run([str(BIN / "nbgrader"), "autograde", m, "--force"], baseline) for m in modules)
            print(f"plain serial nbgrader autograde:        {serial:8.1f} s  "
                  f"({serial / notebooks:.2f} s per notebook)")
            parallel = run([str(BIN / "course"), "grade", "--no-feedback", f"--jobs={args.jobs}"], ours,
                           must_succeed=False)
            print(f"course grade --jobs {args.jobs} (no feedback):    {parallel:8.1f} s  "
                  f"({parallel / notebooks:.2f} s per notebook)")
        record = json.loads((ours / "build" / "grading" / RUN_RECORD).read_text(encoding="utf-8"))
        print(f"not graded: {len(record['not_graded'])}")
        for line in record["not_graded"]:
            print(f"  {line}")
        print(where_time_went(record))

        same = grades(baseline) == grades(ours)
        print(f"grades identical: {'yes' if same else 'NO'}")
        print(f"ratio: {serial / parallel:.2f}")
        if record["not_graded"] or not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
