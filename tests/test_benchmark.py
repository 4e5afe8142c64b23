"""The cohort-grading benchmark runs end to end on a handful of learners (a correctness check:
every submission graded, both gradebooks agree, each part of the time accounted for; the timings it
prints are not judged here)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_grade_cohort_benchmark_agrees_with_plain_nbgrader() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grade_cohort.py"), "--learners", "3",
                           "--modules", "duty-to-protect,legal-requests", "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert "not graded: 0" in lines
    assert "grades identical: yes" in lines
    breakdown = next(line for line in lines if line.startswith("per notebook"))
    parts = dict(re.findall(r"(\w+) (\d+\.\d{3})", breakdown))
    assert set(parts) == {"intake", "kernel", "cells", "conversion", "feedback", "merge"}, breakdown
    assert float(parts["cells"]) > 0 and float(parts["conversion"]) > 0
    assert re.fullmatch(r"ratio: \d+\.\d\d", lines[-1])
