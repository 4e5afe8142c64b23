"""`course lab`: JupyterLab for one learner on this machine, on the released modules, localhost only.

The learner works in copies of the released modules (a workspace folder); their answers are saved
there. Running it again never overwrites a learner's file. The copies are signed as trusted in this
machine's Jupyter data folder, so the "Run all cells" button in each module works with one click.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from graders.course.course import Course

# Localhost only, no announcements or update checks from outside hosts.
LAB_FLAGS = [
    "--ServerApp.ip=127.0.0.1",
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]


RECORD = ".course-lab.json"
SETTINGS = ".lab-settings"
QUIET_SETTINGS = {"@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}
CONFIG = ".lab-config"
# nbgrader's trainer tools (Nbgrader menu, Create Assignment, Validate, formgrader) are not for learners.
LEARNER_CONFIG = {
    "labconfig/page_config.json": {"disabledExtensions": {"@jupyter/nbgrader": True}},
    "jupyter_server_config.d/course-lab.json": {"ServerApp": {"jpserver_extensions": {
        f"nbgrader.server_extensions.{name}": False
        for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")}}},
}


def default_workspace(course: Course) -> Path:
    return course.root / "workspace"


def release(course: Course, modules: list[str]) -> Path:
    """Release the modules with nbgrader into build/lab/release, with a gradebook of its own (so
    a trainer's graded submissions never block it). Returns the release folder."""
    from graders.course.release import release_modules, scratch_api

    scratch = course.build_dir / "lab"
    scratch.mkdir(parents=True, exist_ok=True)
    release_modules(course, modules, scratch_api(course, scratch))
    return scratch / "release"


def copy_release(release: Path, modules: list[str], workspace: Path) -> tuple[list[Path], list[str]]:
    """Copy each released module's files the learner does not have yet.
    Returns (the module notebooks, the learner's files kept although a newer release exists).
    A record of what was copied (.course-lab.json) tells a newer release from the learner's own edits."""
    record_file = workspace / RECORD
    copied: dict[str, str] = json.loads(record_file.read_text()) if record_file.exists() else {}
    notebooks, kept = [], []
    for module in modules:
        for src in sorted(p for p in (release / module).rglob("*") if p.is_file()):
            dest = workspace / module / src.relative_to(release / module)
            name = dest.relative_to(workspace).as_posix()
            digest = hashlib.sha256(src.read_bytes()).hexdigest()
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
                copied[name] = digest
            elif copied.get(name) != digest:
                kept.append(name)
        notebooks.append(workspace / module / f"{module}.ipynb")
    record_file.write_text(json.dumps(copied, indent=1, sort_keys=True))
    return notebooks, kept


def trust(notebooks: list[Path]) -> None:
    """Sign the course's notebooks in this machine's Jupyter data folder (what `jupyter trust` does)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary()
    for path in notebooks:
        notary.sign(nbformat.read(path, as_version=4))


def learner_settings(workspace: Path) -> Path:
    """JupyterLab settings of this workspace's learner (kept in the workspace, so the learner's own
    Jupyter settings elsewhere are untouched): no news or update pop-ups. Never overwrites a choice."""
    folder = workspace / SETTINGS
    for name, values in QUIET_SETTINGS.items():
        path = folder / f"{name}.jupyterlab-settings"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=1))
    return folder


def learner_environment(workspace: Path) -> dict[str, str]:
    """The environment `jupyter lab` runs in: this workspace's config folder first on the Jupyter
    config path (see LEARNER_CONFIG), everything else as it is."""
    folder = workspace / CONFIG
    for name, values in LEARNER_CONFIG.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(values, indent=1))
    paths = [str(folder), *filter(None, os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    return {**os.environ, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}


def lab_command(workspace: Path, first: Path, port: int | None, browser: bool, extra: list[str]) -> list[str]:
    """The `jupyter lab` command line: opens `first`, serves only `workspace`, on 127.0.0.1."""
    command = [sys.executable, "-m", "jupyterlab", *LAB_FLAGS, f"--ServerApp.root_dir={workspace}",
               f"--ServerApp.open_browser={browser}", f"--LabApp.user_settings_dir={learner_settings(workspace)}"]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers run as root; the server still listens on localhost only
    return [*command, *extra, str(first)]
