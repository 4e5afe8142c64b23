"""Confidentiality curriculum: scenario player, grading and course tools.

What a learner's kernel imports is kept light: `play` and `grade` load their
dependencies only when first called (see benchmarks/import_time.py).
"""

from __future__ import annotations

from typing import Any

__all__ = ["play", "grade", "start", "reflect", "finish"]
__version__ = "0.1.0"


def start(module: str) -> None:
    """Show the module's progress line; also hides the "not running yet" banner while the player runs."""
    from graders.learner.player import start as _start

    _start(module)


def play(scenario_id: str) -> Any:
    """Show a case scenario as clickable widgets; every answer saves itself."""
    from graders.learner.player import play as _play

    return _play(scenario_id)


def reflect(module: str, grade_id: str) -> None:
    """Show a written reflection as a text area; the text saves itself as the learner types."""
    from graders.learner.player import reflect as _reflect

    _reflect(module, grade_id)


def finish(module: str) -> None:
    """Show the module's "Finish module" step: what is complete and what is left."""
    from graders.learner.player import finish as _finish

    _finish(module)


def grade(scenario_id: str, step_id: str) -> float:
    """Score one decision step (used in hidden nbgrader test cells)."""
    from graders.grading.grade import grade as _grade

    return _grade(scenario_id, step_id)
