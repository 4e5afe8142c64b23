"""What we plug into nbgrader (named in nbgrader_config.py, so plain `nbgrader ...`
commands get it too):

- RemoveTrainerOnly: cells tagged `trainer-only` never reach the release.
- release_data_hook: the release gets a key-free scenarios.json beside each notebook.
- DropAddedCode: code cells the learner added are removed before grading (they could
  patch the grader); a visible note takes their place.
- StashEcho / RestoreResponses: if a submission's response file is missing or
  unreadable, it is rebuilt from the copy the player echoed into the notebook.
- ScrubTracebacks: feedback shows an error's name and message, not its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from traitlets import Bool

from graders.store import ECHO_MIME, FORMAT, atomic_write_json, now, parse_answers, read_answers

TRAINER_TAG = "trainer-only"
LIVE_ONLY_TAG = "live-only"  # cells that only make sense in a running notebook: never printed in handouts
TEMPLATES = Path(__file__).parent / "templates"  # nbconvert templates: handout, feedback
ECHO_KEY = "course_echo"


class CoursePreprocessor(Preprocessor):
    """nbconvert preprocessors are off unless enabled; ours are on wherever they are listed."""

    enabled = Bool(True).tag(config=True)


class RemoveTagged(CoursePreprocessor):
    """Drop the cells that carry `tag`."""

    tag = ""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.cells = [c for c in nb.cells if self.tag not in c.get("metadata", {}).get("tags", [])]
        return nb, resources


class RemoveTrainerOnly(RemoveTagged):
    """Trainer notes never reach a release."""

    tag = TRAINER_TAG


class RemoveLiveOnly(RemoveTagged):
    """The "questions are not running yet" banner means nothing on a feedback page."""

    tag = LIVE_ONLY_TAG


def release_data_hook(release_root: Path, scenarios_dir: Path) -> Any:
    """A post_convert_hook for GenerateAssignment writing the module's key-free scenario data."""

    def hook(assignment: str, student: str, notebooks: list[str]) -> None:
        from graders.scenarios import load_all, write_release_data

        modules = {Path(n).parent.name for n in notebooks}
        scenarios = load_all(scenarios_dir)
        for module in modules:
            folder = release_root / module
            if folder.is_dir():
                write_release_data(folder, [s for s in scenarios.values() if s.module == module])

    return hook


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
        from graders.paths import responses_path

        echoed = nb.metadata.pop(ECHO_KEY, None)
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        module = resources.get("nbgrader", {}).get("notebook")
        if not echoed or not module:
            return nb, resources
        path = responses_path(folder, module)
        try:
            read_answers(path)
            return nb, resources
        except (OSError, ValueError) as err:
            reason = str(err)
        try:
            answers = parse_answers({"format": FORMAT, "answers": echoed.get("answers")})
        except ValueError:
            return nb, resources
        if path.exists():
            path.rename(path.with_name(path.stem + ".unreadable.json"))
        atomic_write_json(path, {"format": FORMAT, "module": module, "updated": now(),
                                 "answers": answers, "restored_from": "notebook echo"})
        self.log.warning("Response file for %s rebuilt from the notebook's echo (%s)", module, reason)
        return nb, resources


class ScrubTracebacks(CoursePreprocessor):
    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
