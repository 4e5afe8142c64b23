"""One grading worker: `python -m graders.grading.worker PLAN.json`.

A long-lived process that grades a disjoint set of learners with nbgrader's own API,
into its own copy of the gradebook (SQLite allows one writer; the parent merges the
copies afterwards), or straight into a PostgreSQL gradebook, which takes many. One kernel
serves each learner's notebooks in turn (graders/grading/learner_kernel.py).
For each job it prints one JSON line on stdout: {"start": ...} when it
begins, then {"done": ...} with the outcome. Everything else (nbgrader's and the kernels'
chatter) goes to stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from functools import partial
from pathlib import Path

from graders.course.course import Course
from graders.grading.answer_record import last_record
from graders.grading.intake import take_in
from graders.grading.learner_kernel import KEPT, Clock, worker_preprocessors


def _messages():
    """A writer for the parent on the real stdout; sys.stdout is pointed at stderr."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr

    def send(**message: object) -> None:
        out.write(json.dumps(message) + "\n")

    return send


GENERIC = ("see the above traceback", "see the the above traceback", "see the error log",
           "There was an error processing assignment")  # nbgrader's words that say only "it failed"


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure_reason(result: dict) -> str:
    """What went wrong in a failed nbgrader API call. Its 'error' is the traceback of the final
    NbGraderException ("Please see the above traceback ..."); the cause is in its 'log': the last line
    of the traceback nbgrader logged (the exception), else its last error message that says more."""
    records = re.split(r"^(?=\[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\] )", result.get("log") or "", flags=re.M)
    errors = [r.removeprefix("[ERROR] ").strip() for r in records if r.startswith("[ERROR] ")]
    meaningful = [e for e in errors if e and not any(g.lower() in e.lower() for g in GENERIC)]
    tracebacks = [e for e in meaningful if e.startswith("Traceback")]
    for text in (tracebacks[-1:] or meaningful[-1:]) + [result.get("error") or ""]:
        line = last_line(text)
        if line and not any(g.lower() in line.lower() for g in GENERIC):
            return " ".join(line.split())
    return "nbgrader autograde failed (no reason given)"


def grade_one(course: Course, api, staging_root: Path, learner: str, module: str, feedback: bool) -> dict:
    """Take one submission in, autograde it, make its feedback; with the seconds each part took."""
    release = course.step_dir("release") / module
    KEPT.clock = Clock()
    started = time.perf_counter()
    record = (partial(last_record, course.gradebook_url, course.settings.course_id, learner, module)
              if course.settings.hub else None)
    intake = take_in(course.submission_dir(learner, module), release, staging_root / learner / module, module,
                     record)
    taken_in = time.perf_counter()
    result = api.autograde(module, learner, force=True)
    graded = time.perf_counter()
    outcome = {"learner": learner, "module": module, "graded": bool(result["success"]), "flags": intake.flags,
               "error": ""}
    if not result["success"]:
        outcome["error"] = failure_reason(result)
    elif feedback and not api.generate_feedback(module, learner, force=True)["success"]:
        outcome["flags"].append("feedback page could not be made")
    clock = KEPT.clock
    outcome["seconds"] = {"intake": taken_in - started, "kernel": clock.kernel, "cells": clock.execute - clock.kernel,
                          "conversion": graded - taken_in - clock.execute, "feedback": time.perf_counter() - graded}
    return outcome


def main(plan_file: str) -> None:
    send = _messages()
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    course = Course(Path(plan["root"]))
    staging_root = Path(plan["staging"])
    configured = course.nbgrader_config().Autograde
    steps = worker_preprocessors(configured.sanitize_preprocessors, configured.autograde_preprocessors)
    api = course.nbgrader_api(CourseDirectory__submitted_directory=str(staging_root),
                              CourseDirectory__db_url=plan["db_url"],
                              Autograde__autograde_preprocessors=steps)
    for learner, module in plan["jobs"]:
        send(start=[learner, module])
        try:
            outcome = grade_one(course, api, staging_root, learner, module, plan["feedback"])
        except Exception as err:  # one bad submission must not stop the others
            traceback.print_exc()
            outcome = {"learner": learner, "module": module, "graded": False, "flags": [],
                       "error": f"{type(err).__name__}: {err}"}
        send(done=outcome)
    KEPT.stop()


if __name__ == "__main__":
    main(sys.argv[1])
