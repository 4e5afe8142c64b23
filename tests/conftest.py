"""Shared fixtures: every test that builds or grades works on a copy of the course in a temp folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from graders.course.course import copy_sources

ROOT = Path(__file__).resolve().parents[1]
# The review line a module written for a test carries (the real ones come from course.yaml).
REVIEW_LINE = ("Checked against the course's fact sheet on November 25, 2026 (federal and Nevada law). "
               "Not yet reviewed by counsel.")
# nbgrader runs the `alembic` executable from PATH when it creates a gradebook.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def copy_course(dest: Path) -> Path:
    return copy_sources(ROOT, dest)


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return copy_course(tmp_path / "course")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, offline, shared by one test module's pages."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()
