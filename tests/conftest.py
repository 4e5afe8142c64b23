"""Shared fixtures: every test that builds or grades works on a copy of the course in a temp folder."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILES = ("curriculum", "scenarios", "course.yaml", "nbgrader_config.py")

# nbgrader runs the `alembic` executable from PATH when it creates a gradebook.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def copy_course(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("responses", ".ipynb_checkpoints"))
        else:
            shutil.copy(src, dest / name)
    return dest


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return copy_course(tmp_path / "course")
