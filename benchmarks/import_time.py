"""What a learner's kernel pays to import the course helpers, next to the baseline of a helper
that imports nbgrader (as the closest peer does). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/import_time.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "import graders (what a module notebook runs)": "import graders",
    "graders + first play() dependencies": "import graders.learner.player",
    "a hidden test cell's grade() dependencies": "import graders.grading.grade",
    "baseline: import nbgrader.api": "import nbgrader.api",
}


def seconds(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    empty = statistics.median(seconds("pass") for _ in range(args.repeat))
    print(f"python start-up alone: {empty * 1000:.0f} ms (subtracted below)")
    for label, statement in CASES.items():
        median = statistics.median(seconds(statement) for _ in range(args.repeat)) - empty
        print(f"{label:48s} {median * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
