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
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from graders.course.paths import RESPONSES_DIR, responses_path
from graders.grading.evidence import Recorded, check_evidence, record_flags
from graders.grading.flags import trainer_note_cell
from graders.learner.store import (
    ECHO_MIME,
    FORMAT,
    parse_answers,
    parse_reflections,
    read_answers,
    read_response,
)

LARGE_NOTEBOOK = 5_000_000  # bytes; a module notebook with its widgets is well under 1 MB
TIMESTAMP = "timestamp.txt"  # nbgrader reads the submission time from it
MAX_TIMESTAMP = 1_000  # bytes; nbgrader writes one short line
# Whatever can go wrong reading a file a learner made: bad bytes, bad JSON, nesting deeper than
# Python's recursion limit, a file too big for memory, a file that cannot be opened.
UNREADABLE = (ValueError, KeyError, TypeError, UnicodeError, OSError, RecursionError, MemoryError)


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


def shown(text: str, limit: int = 80) -> str:
    """A name or text from a submission, safe to show the trainer: printable, no markup brackets, short."""
    text = "".join(c if c.isprintable() and c not in "[]" else "?" for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def _refused(path: Path, submission: Path, flags: list[str]) -> bool:
    """True, with a flag naming it, if `path` is a link or leads outside the submission folder."""
    if path.is_symlink() or not path.resolve().is_relative_to(submission.resolve()):
        flags.append(f"link refused (not followed): {shown(path.relative_to(submission).as_posix())}")
        return True
    return False


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, never through a link (not even one put in its place after a check)."""
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return fh.read() if limit is None else fh.read(limit + 1)


def _copy_file(source: Path, dest: Path) -> None:
    """Copy one regular file (content and times), never through a link."""
    with os.fdopen(os.open(source, os.O_RDONLY | os.O_NOFOLLOW), "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        with open(dest, "xb") as out:
            shutil.copyfileobj(src, out)
    os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))


def copy_responses(submission: Path, staging: Path, flags: list[str]) -> None:
    """Stage the submission's responses/ folder: its regular files only, in folders that are not links.
    No link is followed (a flag names each one) and nothing outside the submission is copied."""

    def copy(folder: Path) -> None:
        if _refused(folder, submission, flags):
            return
        (staging / folder.relative_to(submission)).mkdir()
        try:
            entries = sorted(folder.iterdir())
        except OSError as err:
            flags.append(f"{shown(folder.relative_to(submission).as_posix())} could not be read ({err.strerror})")
            return
        for entry in entries:
            name = shown(entry.relative_to(submission).as_posix())
            if _refused(entry, submission, flags):
                continue
            if entry.is_dir():
                copy(entry)
            elif not entry.is_file():
                flags.append(f"not a regular file (not copied): {name}")
            else:
                try:
                    _copy_file(entry, staging / entry.relative_to(submission))
                except OSError as err:
                    flags.append(f"{name} could not be copied ({err.strerror or err})")

    source = submission / RESPONSES_DIR
    if source.is_symlink() or source.is_dir():
        copy(source)


def stage_timestamp(submission: Path, staging: Path, flags: list[str]) -> None:
    """Stage timestamp.txt if nbgrader can read it as a date. Otherwise the submission is graded as
    nbgrader grades one without a timestamp (no submission time, so never late), with a flag."""
    from nbgrader.utils import parse_utc  # what nbgrader's CourseDirectory.get_existing_timestamp reads it with

    def refuse(why: str) -> None:
        flags.append(f"timestamp.txt is not a date ({why}): graded as if it had no timestamp")

    path = submission / TIMESTAMP
    if _refused(path, submission, flags) or not path.is_file():
        return
    try:
        raw = _read_bytes(path, MAX_TIMESTAMP)
    except OSError as err:
        return refuse(f"it could not be read: {err.strerror or err}")
    if len(raw) > MAX_TIMESTAMP:
        return refuse(f"over {MAX_TIMESTAMP} bytes")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeError:
        return refuse("not text")
    if not text:  # nbgrader's own rule: an empty timestamp.txt is no timestamp
        return
    try:
        when = parse_utc(text)
    except Exception:  # noqa: BLE001 - ValueError, OverflowError...: whatever would stop nbgrader
        return refuse(repr(shown(text, 40)))
    # nbgrader opens the file in the locale's encoding: a time that is not ASCII is staged in ISO form.
    (staging / TIMESTAMP).write_bytes(raw if raw.isascii() else when.isoformat(" ").encode())


def _check_cells(cells: object) -> None:
    """ValueError unless every part of the cells that intake reads has the shape nbformat gives it."""
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("cells is not a list of cells")
    for cell in cells:
        metadata, source = cell.get("metadata", {}), cell.get("source", "")
        nbgrader = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else None
        if not isinstance(nbgrader, dict) or not isinstance(nbgrader.get("grade_id", ""), str):
            raise ValueError("a cell's metadata is not nbgrader's")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise ValueError("a cell's source is not text")


def _read_submitted(path: Path, flags: list[str]) -> dict | None:
    """The submitted notebook as plain JSON, or None (with a flag) if it cannot be used."""
    if path.is_symlink():
        flags.append(f"link refused (not followed): {shown(path.name)}")
    if path.is_symlink() or not path.is_file():
        flags.append("notebook missing: graded from the response file alone")
        return None
    size = path.stat().st_size
    if size > LARGE_NOTEBOOK:
        flags.append(f"notebook is {size / 1e6:.0f} MB (large outputs): outputs ignored")
    try:
        data = json.loads(_read_bytes(path).decode("utf-8"))
        _check_cells(data["cells"])
        return data
    except UNREADABLE as err:
        flags.append(f"notebook could not be read ({type(err).__name__}): graded from the response file")
        return None


def _last_echo(cells: list[dict]) -> dict | None:
    """The newest copy of the answers the player echoed into the notebook, reduced to what grading
    uses (answers and reflections, checked); None if there is none or it is not usable."""
    echo = None
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            if isinstance(data, dict) and isinstance(data.get(ECHO_MIME), dict):
                echo = data[ECHO_MIME]
    if echo is None:
        return None
    try:  # what RestoreResponses rebuilds the response file from, so nothing else of it reaches nbgrader
        return {"module": str(echo.get("module", "")), "reflections": parse_reflections(echo),
                "answers": parse_answers({"format": FORMAT, "answers": echo.get("answers")})}
    except ValueError:
        return None


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
    except UNREADABLE as err:
        if has_echo:
            return [f"response file unreadable ({err}): rebuilt from the notebook's copy of the answers"]
        return [f"response file unreadable ({err}) and the notebook holds no copy: answers scored as blank"]


def saved_reflections(folder: Path, module: str, echo: dict | None) -> dict[str, str]:
    """The reflections of the response file, else of the notebook's echo, else none."""
    try:
        return read_response(responses_path(folder, module))[1]
    except UNREADABLE:
        pass
    try:
        return parse_reflections(echo or {})
    except ValueError:
        return {}


def take_in(submission: Path, release: Path, staging: Path, module: str,
            answer_record: Callable[[], Recorded] | None = None) -> Intake:
    """Stage a clean copy of one submission for nbgrader; the learner's folder is left as it is.
    `answer_record` (on JupyterHub) gives what the course's answer record last received."""
    flags: list[str] = []
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if submission.is_symlink():  # a linked submission folder is not followed: nothing in it is taken
        flags.append("link refused (not followed): the submission folder itself")
        submission = staging / ".refused-link"  # a folder that does not exist
    released = nbformat.read(release / f"{module}.ipynb", as_version=4)
    submitted = _read_submitted(submission / f"{module}.ipynb", flags)
    cells = submitted["cells"] if submitted else None
    if cells is not None:
        flags += compare_cells(released, cells)
    copy_responses(submission, staging, flags)
    echo = _last_echo(cells) if cells else None
    flags += check_responses(staging, module, has_echo=bool(echo))
    flags += check_evidence(staging, module, echo)
    if answer_record is not None:
        flags += record_flags(staging, module, answer_record())
    stage_timestamp(submission, staging, flags)
    texts = written_text(released, cells, saved_reflections(staging, module, echo), flags)
    graded = rebuild_notebook(released, cells, texts)
    if flags:  # the formgrader shows it at the top; feedback drops trainer-only cells
        graded.cells.insert(0, trainer_note_cell(flags))
    nbformat.write(graded, staging / f"{module}.ipynb")
    return Intake(staging, flags)
