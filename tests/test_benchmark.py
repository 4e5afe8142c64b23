"""The cohort-grading benchmark runs end to end on a handful of learners (a correctness check:
both gradebooks agree; the timings it prints are not judged here)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_grade_cohort_benchmark_agrees_with_plain_nbgrader() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grade_cohort.py"), "--learners", "3",
                           "--modules", "duty-to-protect", "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert "grades identical: yes" in lines
    assert re.fullmatch(r"ratio: \d+\.\d\d", lines[-1])
