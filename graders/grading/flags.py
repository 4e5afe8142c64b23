"""Flags that outlive the grading run, where trainers look.

- build/flags.json: {learner: {module: [reason, ...]}}, rewritten by every `course grade` (a re-grade
  finds the same flags again); `course report` lists them under "Needs a look".
- the gradebook: nbgrader's `flagged` mark on the submitted notebook.
- the graded notebook: a note at its top, tagged trainer-only, so the formgrader shows it and the
  learner's feedback (which drops trainer-only cells) does not.
"""

from __future__ import annotations

import json
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell

from graders.content.authoring import TRAINER_TAG
from graders.course.course import Course
from graders.learner.store import atomic_write_json

FLAGS_FILE = "flags.json"
NOTE_HEADING = "For the trainer: this submission needs a look. It was graded as far as it could be."


def flags_path(course: Course) -> Path:
    return course.build_dir / FLAGS_FILE


def trainer_note_cell(flags: list[str]) -> NotebookNode:
    """The note at the top of a graded notebook, in plain text lines: the formgrader shows every
    markdown cell that is not one of the module's own as escaped text (a flag may quote a file name
    the learner chose), so the note reads the same wherever it is opened."""
    lines = [NOTE_HEADING, *(f"- {flag}" for flag in flags)]
    return new_markdown_cell("\n".join(lines), metadata={"tags": [TRAINER_TAG]})


def save_flags(course: Course, outcomes: list) -> Path:
    """Keep every outcome's flags (and the reason a submission could not be graded) in
    build/flags.json, and mark flagged notebooks in the gradebook (a mark is never taken off
    here: it may be the trainer's own). Returns the file's path."""
    from nbgrader.api import MissingEntry

    found: dict[str, dict[str, list[str]]] = {}
    for outcome in outcomes:
        reasons = list(outcome.flags) + ([f"not graded: {outcome.error}"] if not outcome.graded else [])
        if reasons:
            found.setdefault(outcome.learner, {})[outcome.module] = reasons
    with course.gradebook() as gb:
        for outcome in outcomes:
            if not found.get(outcome.learner, {}).get(outcome.module):
                continue
            try:
                gb.find_submission_notebook(outcome.module, outcome.module, outcome.learner).flagged = True
            except MissingEntry:
                continue
        gb.db.commit()
    atomic_write_json(flags_path(course), found)
    return flags_path(course)


def load_flags(course: Course) -> dict[str, dict[str, list[str]]]:
    """The flags of the last `course grade` ({} before the first one)."""
    path = flags_path(course)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
