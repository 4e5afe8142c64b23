"""`course lab`: one learner's modules on this machine, localhost only.

The learner works in copies of the released modules (a workspace folder); their answers are saved
there. Running it again never overwrites a learner's file. One Jupyter server serves:
- the start page (/course, see start_page.py) and each module as a page of its own (Voilà, with
  the course's template in graders/learner/jupyter/): the default;
- JupyterLab on the same copies (`course lab --jupyterlab`), for trainers and anyone who prefers
  it. The copies are signed as trusted, so its "Run all cells" button works with one click.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from graders.course.course import Course
from graders.course.paths import COURSE_ROOT_ENV

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
JUPYTER_DATA = Path(__file__).parent / "jupyter"  # holds voila/templates/course, the module page's template
START_URL = "/course"
# A module page's kernel is shut down when the page is left (Voilà sends a beacon); one that is
# missed (a crash of the browser) is ended after this long without a page attached.
IDLE_KERNEL_SECONDS = 600
# A module page loads the widget managers and anywidget's front end, no other lab extension
# (nbgrader's and Notebook's fail to load there and only add errors to the page).
PAGE_EXTENSIONS = ["@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", "anywidget"]


def learner_config(course: Course, modules: list[str], learner: str = "",
                   due: dict[str, str] | None = None) -> dict[str, dict]:
    """The learner's Jupyter config files (name: content): nbgrader's trainer tools off (Nbgrader
    menu, Create Assignment, Validate, formgrader), the start page and Voilà on with the course's
    template and the clinic's name, idle kernels culled, no workspace file served to a page.
    `learner` ("Name, role") and `due` (module: "Due by ...") head the start page for one person."""
    clinic = course.settings.clinic
    extensions = {f"nbgrader.server_extensions.{name}": False
                  for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")}
    extensions |= {"voila.server_extension": True, "graders.learner.start_page": True}
    brand = {"clinic_name": clinic.name, "clinic_contact": clinic.contact, "clinic_logo": course.logo_uri()}
    return {
        "labconfig/page_config.json": {"disabledExtensions": {"@jupyter/nbgrader": True}},
        # Jupyter Server reads only the extensions' on/off switches from jupyter_server_config.d/.
        "jupyter_server_config.d/course-lab.json": {"ServerApp": {"jpserver_extensions": extensions}},
        "jupyter_server_config.json": {
            "MappingKernelManager": {"cull_idle_timeout": IDLE_KERNEL_SECONDS, "cull_interval": 60,
                                     "cull_connected": False},
            "VoilaConfiguration": {"template": "course", "show_tracebacks": False, "file_allowlist": [],
                                   "extension_allowlist": PAGE_EXTENSIONS, "resources": brand},
            "CourseStartPage": {"modules": modules, "course_title": course.settings.title, "learner": learner,
                                "due": due or {}, **brand},
        },
    }


def default_workspace(course: Course) -> Path:
    """The learner's folder: in this user's data folder, never inside the course folder (a kernel
    started there could find the trainer's course by looking upwards)."""
    from platformdirs import user_data_path

    return user_data_path("confidentiality-course") / course.settings.course_id / "workspace"


def staff_workspaces(course: Course) -> Path:
    """Where `course lab --learner ID` keeps each person's workspace (<this>/<id>/) and `course collect`
    looks: in this user's data folder, never inside the course folder."""
    from platformdirs import user_data_path

    return user_data_path("confidentiality-course") / course.settings.course_id / "staff"


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


def _prepend(variable: str, folder: Path) -> str:
    return os.pathsep.join([str(folder), *filter(None, os.environ.get(variable, "").split(os.pathsep))])


def learner_environment(workspace: Path, config: dict[str, dict]) -> dict[str, str]:
    """The environment the server runs in: this workspace's config folder first on the Jupyter
    config path (see learner_config), the course's page template on the data path, and no
    $COURSE_ROOT."""
    folder = workspace / CONFIG
    for name, values in config.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(values, indent=1))
    # No pointer to the trainer's course reaches the learner's kernels ($COURSE_ROOT is set when
    # nbgrader_config.py loads, for grading kernels only).
    environment = {k: v for k, v in os.environ.items() if k != COURSE_ROOT_ENV}
    return {**environment, "JUPYTER_CONFIG_PATH": _prepend("JUPYTER_CONFIG_PATH", folder),
            "JUPYTER_PATH": _prepend("JUPYTER_PATH", JUPYTER_DATA)}


def lab_command(workspace: Path, first: Path | None, port: int | None, browser: bool, extra: list[str]) -> list[str]:
    """The server's command line, serving only `workspace`, on 127.0.0.1: it opens the start page,
    or `first` in JupyterLab."""
    command = [sys.executable, "-m", "jupyterlab", *LAB_FLAGS, f"--ServerApp.root_dir={workspace}",
               f"--ServerApp.open_browser={browser}", f"--LabApp.user_settings_dir={learner_settings(workspace)}"]
    if first is None:
        command.append(f"--LabApp.default_url={START_URL}")
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers run as root; the server still listens on localhost only
    return [*command, *extra, *([str(first)] if first else [])]
