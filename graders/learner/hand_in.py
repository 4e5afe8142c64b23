"""Getting and handing in modules through nbgrader's exchange, for the start page on JupyterHub.

The learner's server runs nbgrader's own exchange classes (fetch, submit) with the nbgrader
configuration the hub's learner environment gives (Exchange.root, the course id,
`graders.course.exchange.PrivateSubmit`, nbgrader's JupyterHubAuthPlugin); nothing here copies
files itself. Handed-in times are kept in <course folder>/.handed-in.json for the start page.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from graders.learner.store import atomic_write_json

HANDED_IN = ".handed-in.json"


class HandInError(RuntimeError):
    """nbgrader's exchange refused; the message is for the learner."""


def _config(cwd: Path):
    """nbgrader's configuration as its own assignment list loads it (this folder, then Jupyter's config path)."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_file_paths.append([str(cwd), *jupyter_config_path()])
    app.load_config_file()
    return app.config


def _run(kind: str, home: Path, module: str) -> None:
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeError, ExchangeFactory

    config = _config(home)
    config.CourseDirectory.assignment_id = module
    config.Exchange.assignment_dir = str(home)
    factory = ExchangeFactory(config=config)
    step = getattr(factory, kind)(coursedir=CourseDirectory(config=config),
                                  authenticator=Authenticator(config=config), config=config)
    try:
        step.start()
    except ExchangeError as err:
        raise HandInError(f"nbgrader could not {'get' if kind == 'FetchAssignment' else 'hand in'} "
                          f"the module: {err}") from None


def fetch_module(home: Path, module: str) -> None:
    """nbgrader fetch_assignment, into <home>/<course id>/<module>/."""
    _run("FetchAssignment", home, module)


def submit_module(home: Path, folder: Path, module: str) -> str:
    """nbgrader submit of <folder>/<module>; returns the time it was handed in, as the page shows it."""
    _run("Submit", home, module)
    moment = datetime.now().astimezone()
    shown = f"{moment:%B} {moment.day}, {moment:%Y} at {moment:%H:%M}"
    atomic_write_json(folder / HANDED_IN, handed_in(folder) | {module: shown})
    return shown


def handed_in(folder: Path) -> dict[str, str]:
    """module: when it was last handed in (from this start page)."""
    try:
        found = json.loads((folder / HANDED_IN).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
