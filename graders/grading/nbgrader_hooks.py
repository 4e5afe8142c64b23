"""What we plug into nbgrader's autograde and feedback (named in nbgrader_config.py, so plain
`nbgrader ...` commands get it too). The release's hooks are in graders.course.

- DropAddedCode: code cells the learner added are removed before grading (they could
  patch the grader); a visible note takes their place.
- StashEcho / RestoreResponses: if a submission's response file is missing or
  unreadable, it is rebuilt from the copy the player echoed into the notebook.
- ScrubTracebacks: feedback shows an error's name and message, not its traceback.
- LearnerTextAsText: the formgrader shows learner text (a reflection, or a markdown cell a learner added,
  which plain `nbgrader autograde` keeps) as plain text, never as HTML, markdown or TeX (no markup runs,
  no link to follow, nothing fetched in a trainer's browser).
- GetGradesAndStatus: nbgrader's GetGrades, plus whether a cell still waits for the trainer, so
  feedback says "Not graded yet" for a reflection instead of "0 points".
"""

from __future__ import annotations

import html
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import GetGrades

from graders.course.preprocessors import CoursePreprocessor
from graders.learner.store import (
    ECHO_MIME,
    FORMAT,
    atomic_write_json,
    now,
    parse_answers,
    parse_reflections,
    read_answers,
)

ECHO_KEY = "course_echo"


def _known_cells(resources: dict) -> set[str] | None:
    from nbgrader.api import Gradebook, MissingEntry

    info = resources.get("nbgrader", {})
    try:
        with Gradebook(info["db_url"], info.get("course_id", "")) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            return {cell.name for cell in notebook.source_cells}
    except (KeyError, MissingEntry):
        return None


class DropAddedCode(CoursePreprocessor):
    """Learners never write code: a code cell that is not one of the source notebook's
    own cells is replaced by a note before the notebook is run for grading."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        known = _known_cells(resources)
        if known is None:
            return nb, resources
        kept, dropped = [], 0
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id not in known:
                dropped += 1
                kept.append(new_markdown_cell(
                    "**Removed before grading:** a code cell that is not part of the module "
                    "(learners are not asked to write code)."
                ))
            else:
                kept.append(cell)
        if dropped:
            self.log.warning("Removed %d code cell(s) added to the submission", dropped)
        nb.cells = kept
        return nb, resources


class StashEcho(CoursePreprocessor):
    """Before nbgrader clears outputs, keep the newest echoed answers in the notebook metadata."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.metadata.pop(ECHO_KEY, None)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                echoed = output.get("data", {}).get(ECHO_MIME)
                if isinstance(echoed, dict):
                    nb.metadata[ECHO_KEY] = echoed
        return nb, resources


class RestoreResponses(CoursePreprocessor):
    """Before execution: rebuild a missing or unreadable response file from the stashed echo."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        from graders.course.paths import responses_path

        echoed = nb.metadata.pop(ECHO_KEY, None)
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        module = resources.get("nbgrader", {}).get("notebook")
        if not echoed or not module:
            return nb, resources
        path = responses_path(folder, module)
        try:
            read_answers(path)
            return nb, resources
        except Exception as err:  # any kind of unreadable file: the echo is the learner's other record
            reason = f"{type(err).__name__}: {err}"
        try:
            answers = parse_answers({"format": FORMAT, "answers": echoed.get("answers")})
            reflections = parse_reflections(echoed)
        except ValueError:
            return nb, resources
        if path.exists():
            path.rename(path.with_name(path.stem + ".unreadable.json"))
        atomic_write_json(path, {"format": FORMAT, "module": module, "updated": now(), "answers": answers,
                                 "reflections": reflections, "restored_from": "notebook echo"})
        self.log.warning("Response file for %s rebuilt from the notebook's echo (%s)", module, reason)
        return nb, resources


class ScrubTracebacks(CoursePreprocessor):
    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class LearnerTextAsText(CoursePreprocessor):
    """Every markdown cell that is not one of the module's own locked cells (a learner's written answer, or
    a cell they added: plain `nbgrader autograde` keeps those) becomes escaped text in one HTML line, its
    line breaks as <br> (a blank line stays an empty line). Markdown leaves an HTML block as it is and
    MathJax skips these classes, so no tag, script, link, image or formula of the learner's is rendered.
    Fails closed: a cell made by course tools without nbgrader metadata (DropAddedCode's note) reads as
    text too, since a learner can copy any tag or metadata but not a locked cell's checked source."""

    @staticmethod
    def is_course_text(cell: NotebookNode) -> bool:
        """A module's own cell: locked, with a grade id the gradebook knows (autograde drops unknown ids
        and restores a locked cell's source), and no answer in it."""
        meta = cell.get("metadata", {}).get("nbgrader", {})
        return bool(meta.get("locked") and meta.get("grade_id") and not meta.get("solution"))

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "markdown" and not self.is_course_text(cell):
            lines = cell.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            text = "<br>".join(html.escape(line) for line in lines)
            cell.source = (f'<div class="learner-text tex2jax_ignore mathjax_ignore" '
                           f'style="white-space: pre-wrap; overflow-wrap: anywhere">{text}</div>')
        return cell, resources


class GetGradesAndStatus(GetGrades):
    """GetGrades for feedback; a graded cell no one has scored yet (a reflection before the trainer
    grades it) also gets `waiting_for_trainer`. A re-graded cell keeps its manual score: not waiting."""

    def _get_score(self, cell: NotebookNode, resources: dict) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata.nbgrader["grade_id"], self.notebook_id, self.assignment_id,
                                          self.student_id)
        cell.metadata.nbgrader["waiting_for_trainer"] = bool(grade.needs_manual_grade and grade.manual_score is None)
