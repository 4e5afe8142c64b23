"""Taking in one submission before nbgrader grades it (invariant 9: only answers change a grade).

A learner's answers are the response file (decisions and written reflections) and the text of
the reflection cells; everything else in a module notebook belongs to the course. So the
notebook nbgrader grades is rebuilt from the *released* notebook, with the learner's reflection
text (from the response file, else the notebook) and the player's echoed answers copied in.
The learner's own files are never changed; what differs from the release (added code, edited
or deleted module cells, repeated grade ids, an unreadable notebook or response file, huge outputs)
becomes a flag the trainer sees.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from graders.course.paths import RESPONSES_DIR, responses_path
from graders.learner.store import ECHO_MIME, parse_reflections, read_answers, read_response

LARGE_NOTEBOOK = 5_000_000  # bytes; a module notebook with its widgets is well under 1 MB


@dataclass
class Intake:
    """What was taken in: the staged folder and what the trainer should know about it."""

    folder: Path
    flags: list[str] = field(default_factory=list)


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _source(cell: dict) -> str:
    """A cell's text, whether saved as one string or as a list of lines."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _read_submitted(path: Path, flags: list[str]) -> dict | None:
    """The submitted notebook as plain JSON, or None (with a flag) if it cannot be used."""
    if not path.is_file():
        flags.append("notebook missing: graded from the response file alone")
        return None
    size = path.stat().st_size
    if size > LARGE_NOTEBOOK:
        flags.append(f"notebook is {size / 1e6:.0f} MB (large outputs): outputs ignored")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cells = data["cells"]
        if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
            raise ValueError("cells is not a list of cells")
        return data
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        flags.append(f"notebook could not be read ({type(err).__name__}): graded from the response file")
        return None


def _last_echo(cells: list[dict]) -> dict | None:
    echo = None
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            if isinstance(data.get(ECHO_MIME), dict):
                echo = data[ECHO_MIME]
    return echo


def compare_cells(released: nbformat.NotebookNode, submitted: list[dict]) -> list[str]:
    """Flags for every way the submitted cells differ from the released module."""
    flags = []
    release_cells = {_grade_id(c): c for c in released.cells if _grade_id(c)}
    seen: dict[str, int] = {}
    added_code = edited = 0
    for cell in submitted:
        grade_id = _grade_id(cell)
        if grade_id in seen:
            seen[grade_id] += 1
            continue
        if grade_id is None or grade_id not in release_cells:
            added_code += cell.get("cell_type") == "code"
            continue
        seen[grade_id] = 1
        original = release_cells[grade_id]
        if original.metadata.nbgrader.get("locked") and _source(cell) != original.source:
            edited += 1
    if added_code:
        flags.append(f"{added_code} code cell(s) added by the learner: removed before grading")
    if edited:
        flags.append(f"{edited} locked module cell(s) edited: the released version was graded")
    missing = [g for g in release_cells if g not in seen]
    if missing:
        flags.append(f"{len(missing)} module cell(s) deleted ({', '.join(sorted(missing)[:3])}): restored")
    repeated = sorted(g for g, n in seen.items() if n > 1)
    if repeated:
        flags.append(f"grade id repeated in the notebook ({', '.join(repeated)}): the first cell was used")
    return flags


def written_text(released: nbformat.NotebookNode, submitted: list[dict] | None, reflections: dict[str, str],
                 flags: list[str]) -> dict[str, str]:
    """Each reflection cell's text: what the learner wrote in the page's text area (the response
    file), else what they typed into the notebook's cell. Text in both places is kept, both parts."""
    stubs = {_grade_id(c): c.source for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")}
    typed: dict[str, str] = {}
    for cell in submitted or []:
        grade_id = _grade_id(cell)
        if grade_id in stubs and grade_id not in typed and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            typed[grade_id] = _source(cell)
    texts = {}
    for grade_id, stub in stubs.items():
        page, cell = reflections.get(grade_id, "").strip(), typed.get(grade_id, stub)
        if page and cell.strip() not in ("", stub.strip(), page):
            texts[grade_id] = f"{page}\n\n{cell}"
            flags.append(f"reflection written both on the page and in the notebook ({grade_id}): both kept")
        elif page:
            texts[grade_id] = page
        elif grade_id in typed:
            texts[grade_id] = cell
    return texts


def rebuild_notebook(released: nbformat.NotebookNode, submitted: list[dict] | None,
                     texts: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with the learner's reflection texts and echoed answers copied in."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and _grade_id(cell) in (texts or {}):
            cell.source = texts[_grade_id(cell)]
    if not submitted:
        return nb
    echo = _last_echo(submitted)
    first_code = next((c for c in nb.cells if c.cell_type == "code"), None)
    if echo is not None and first_code is not None:
        first_code.outputs = [new_output("display_data", data={"text/plain": "", ECHO_MIME: echo})]
    return nb


def check_responses(folder: Path, module: str, has_echo: bool) -> list[str]:
    path = responses_path(folder, module)
    if not path.exists():
        return ["response file missing: rebuilt from the notebook's copy of the answers"] if has_echo else []
    try:
        read_answers(path)
        return []
    except (OSError, ValueError) as err:
        if has_echo:
            return [f"response file unreadable ({err}): rebuilt from the notebook's copy of the answers"]
        return [f"response file unreadable ({err}) and the notebook holds no copy: answers scored as blank"]


def saved_reflections(folder: Path, module: str, echo: dict | None) -> dict[str, str]:
    """The reflections of the response file, else of the notebook's echo, else none."""
    try:
        return read_response(responses_path(folder, module))[1]
    except (OSError, ValueError):
        pass
    try:
        return parse_reflections(echo or {})
    except ValueError:
        return {}


def take_in(submission: Path, release: Path, staging: Path, module: str) -> Intake:
    """Stage a clean copy of one submission for nbgrader; the learner's folder is left as it is."""
    flags: list[str] = []
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    released = nbformat.read(release / f"{module}.ipynb", as_version=4)
    submitted = _read_submitted(submission / f"{module}.ipynb", flags)
    cells = submitted["cells"] if submitted else None
    if cells is not None:
        flags += compare_cells(released, cells)
    if (submission / RESPONSES_DIR).is_dir():
        shutil.copytree(submission / RESPONSES_DIR, staging / RESPONSES_DIR)
    echo = _last_echo(cells) if cells else None
    flags += check_responses(staging, module, has_echo=bool(echo))
    if (submission / "timestamp.txt").is_file():  # nbgrader reads the submission time from it
        shutil.copy2(submission / "timestamp.txt", staging / "timestamp.txt")
    texts = written_text(released, cells, saved_reflections(staging, module, echo), flags)
    nbformat.write(rebuild_notebook(released, cells, texts), staging / f"{module}.ipynb")
    return Intake(staging, flags)
