"""How far a learner is in one module: graded decisions answered of those shown, reflections
written. The player's progress line, its "Finish module" step and the start page all count here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from graders.content.branching import is_shown
from graders.content.release_data import read_release_data
from graders.course.paths import responses_path
from graders.learner.store import read_response

Answers = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class ModuleStatus:
    answered: int
    shown: int
    written: int
    reflections: int
    left: list[str] = field(default_factory=list)  # what is still to do, in the learner's words

    @property
    def complete(self) -> bool:
        return self.answered == self.shown and self.written == self.reflections

    @property
    def state(self) -> str:
        """"done", "in progress" or "not started"."""
        if self.complete:
            return "done"
        return "in progress" if self.answered or self.written else "not started"

    def summary(self) -> str:
        """E.g. "5 of 12 decisions, reflection not written yet"."""
        parts = [f"{self.answered} of {self.shown} decisions"]
        if self.reflections:
            parts.append("reflection written" if self.written == self.reflections else "reflection not written yet")
        return ", ".join(parts)


def module_status(views: dict[str, dict], module: str, answers: Answers, reflections: dict[str, str],
                  reflection_ids: list[str]) -> ModuleStatus:
    """Count the module's graded decisions (a branch step once the answers open it; practice cases
    never) and its written reflections, and list what is left, case by case."""
    answered = shown = 0
    left = []
    for view in views.values():
        if view["module"] != module or view.get("practice"):
            continue
        chosen = answers.get(view["id"], {})
        missing = []
        for number, step in enumerate(view["steps"], start=1):
            if is_shown(step.get("show_if"), chosen):
                shown += 1
                if chosen.get(step["id"]):
                    answered += 1
                else:
                    missing.append(str(number))
        if missing:
            which = "decision" if len(missing) == 1 else "decisions"
            left.append(f"\u201c{view['title']}\u201d: {which} {', '.join(missing)}")
    written = sum(bool(reflections.get(r, "").strip()) for r in reflection_ids)
    if written < len(reflection_ids):
        left.append("The reflection")
    return ModuleStatus(answered, shown, written, len(reflection_ids), left)


class ModuleUnreadable(ValueError):
    """A module's released files in a workspace cannot be read (the message says so in plain words)."""


def notebook_parts(notebook: Path) -> tuple[str, list[str]]:
    """A module notebook's title (its first level-1 heading) and the ids of its written reflections."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    title, reflections = notebook.parent.name, []
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "markdown" and grading.get("solution"):
            reflections.append(grading["grade_id"])
        elif cell["cell_type"] == "markdown" and title == notebook.parent.name:
            heading = next((line[2:].strip() for line in source.splitlines() if line.startswith("# ")), None)
            title = heading or title
    return title, reflections


def workspace_module(folder: Path, module: str) -> tuple[str, ModuleStatus, str]:
    """(title, status, problem) of a module as a learner's folder holds it now; the problem is "" unless
    the saved answers cannot be read. ModuleUnreadable if the module's own files cannot."""
    try:
        title, reflection_ids = notebook_parts(folder / f"{module}.ipynb")
        views = read_release_data(folder) or {}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModuleUnreadable(f"This module's files could not be read ({type(err).__name__}).") from None
    path = responses_path(folder, module)
    answers, reflections, problem = {}, {}, ""
    if path.exists():
        try:
            answers, reflections = read_response(path)
        except (OSError, ValueError):
            problem = "Your saved answers could not be read. Open the module to see what to do."
    return title, module_status(views, module, answers, reflections, reflection_ids), problem
