"""Where things are: the course root, its scenarios, settings and build folder."""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ROOT_ENV = "COURSE_ROOT"
RESPONSES_DIR = "responses"


class CourseNotFound(RuntimeError):
    pass


def is_course_root(path: Path) -> bool:
    return (path / "nbgrader_config.py").is_file() and (path / "scenarios").is_dir()


def course_root(start: Path | None = None) -> Path:
    """The course root: $COURSE_ROOT, else the nearest folder above `start` that holds
    nbgrader_config.py and scenarios/, else the source checkout this package lives in."""
    env = os.environ.get(COURSE_ROOT_ENV)
    if env:
        root = Path(env).resolve()
        if not is_course_root(root):
            raise CourseNotFound(f"${COURSE_ROOT_ENV}={env} has no nbgrader_config.py and scenarios/ folder")
        return root
    if start is not None:
        for folder in [start.resolve(), *start.resolve().parents]:
            if is_course_root(folder):
                return folder
    checkout = Path(__file__).resolve().parents[2]
    if is_course_root(checkout):
        return checkout
    raise CourseNotFound(
        "no course found: run inside the course folder, or set $COURSE_ROOT "
        "to the folder that holds nbgrader_config.py and scenarios/"
    )


def trainer_course_root() -> Path:
    """The course whose keys grade submissions: $COURSE_ROOT, which nbgrader_config.py sets for the
    kernels nbgrader starts. Never the kernel's working folder (during autograde it holds the
    learner's own files) and never the checkout this package lives in (a learner's kernel imports
    the same package): a kernel without $COURSE_ROOT has no way to a key."""
    if not os.environ.get(COURSE_ROOT_ENV):
        raise CourseNotFound(f"no course to grade with: ${COURSE_ROOT_ENV} is not set (it is set only for the "
                             "kernels nbgrader starts to grade)")
    return course_root(start=None)


def responses_path(folder: Path, module: str) -> Path:
    return folder / RESPONSES_DIR / f"{module}.json"


def events_path(folder: Path, module: str) -> Path:
    return folder / RESPONSES_DIR / f"{module}.events.jsonl"
