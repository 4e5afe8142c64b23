"""`course collect`: hand-in on one machine or a shared folder, for clinics without JupyterHub.

`course lab --learner ID` gives each person a workspace of their own under one folder
(<workspaces>/<id>/<module>/). Collecting copies each module a person has started into
build/submitted/<id>/<module>/, where nbgrader and `course grade` read it, with the time it was
collected in timestamp.txt. Work that has not changed since it was last collected keeps its
first hand-in time. Links are copied as links, never followed (grading refuses them); a folder
that is itself a link is not collected.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graders.course.course import Course
from graders.learner.status import ModuleUnreadable, workspace_module
from graders.trainer.records import StaffMember

TIMESTAMP = "timestamp.txt"
SKIPPED = shutil.ignore_patterns(".ipynb_checkpoints", TIMESTAMP)
NEW, UPDATED, UNCHANGED = "collected", "collected again (changed)", "unchanged since last collected"


@dataclass(frozen=True)
class Collected:
    learner: str
    module: str
    outcome: str  # NEW, UPDATED or UNCHANGED
    progress: str  # the learner's own state of the module: done, in progress, ...
    handed_in: str


def folder_digest(folder: Path) -> str:
    """A hash of every file's path and bytes (a link by where it points, never followed)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if ".ipynb_checkpoints" in relative.parts or relative.as_posix() == TIMESTAMP:
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + str(path.readlink()).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def nbgrader_time(moment: datetime) -> str:
    """The form nbgrader writes in timestamp.txt."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def hand_in(source: Path, dest: Path, moment: datetime) -> str:
    """Copy one module folder to its submission folder (replacing an older copy in one step)."""
    if dest.exists() and folder_digest(dest) == folder_digest(source):
        return UNCHANGED
    outcome = UPDATED if dest.exists() else NEW
    dest.parent.mkdir(parents=True, exist_ok=True)
    incoming = dest.with_name(f".{dest.name}.incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.copytree(source, incoming, symlinks=True, ignore=SKIPPED)
    (incoming / TIMESTAMP).write_text(nbgrader_time(moment) + "\n")
    if dest.exists():
        shutil.rmtree(dest)
    incoming.rename(dest)
    return outcome


def collect_work(course: Course, workspaces: Path, people: list[StaffMember],
                 moment: datetime | None = None) -> tuple[list[Collected], list[str]]:
    """Collect every started module of everyone on the roster who has a workspace here.
    Returns what was collected and notes on what was not (each naming the folder and why)."""
    moment = moment or datetime.now(UTC)
    roster = {p.id: p for p in people}
    collected, notes = [], []
    if not workspaces.is_dir():
        return [], [f"{workspaces}: no such folder (`course lab --learner ID` makes it)"]
    for folder in sorted(workspaces.iterdir()):
        if folder.is_symlink() or not folder.is_dir():
            notes.append(f"{folder}: not a person's folder (a link or a file), not collected")
            continue
        if folder.name not in roster:
            notes.append(f"{folder}: {folder.name!r} is not on the staff roster, not collected")
            continue
        for module in course.modules:
            source = folder / module
            if source.is_symlink():
                notes.append(f"{source}: a link, not collected (links are never followed)")
                continue
            if not source.is_dir():
                continue
            try:
                _, status, problem = workspace_module(source, module)
            except ModuleUnreadable as err:
                notes.append(f"{source}: {err} Collected as it is.")
                status, problem = None, ""
            if status is not None and status.state == "not started" and not problem:
                continue
            outcome = hand_in(source, course.submission_dir(folder.name, module), moment)
            handed_in = (course.submission_dir(folder.name, module) / TIMESTAMP).read_text().strip()
            collected.append(Collected(folder.name, module, outcome,
                                       status.state if status else "files unreadable", handed_in))
    return collected, notes
