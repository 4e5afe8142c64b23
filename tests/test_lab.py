"""`course lab`: what it copies, what it never overwrites, and how it starts JupyterLab.
(The learner's whole session in a real browser is in test_learner_browser.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary

from graders.course.course import Course
from graders.learner.lab import copy_release, lab_command, learner_environment, learner_settings, release, trust

MODULE = "duty-to-protect"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Path]:
    from tests.conftest import copy_course

    course = Course(copy_course(tmp_path_factory.mktemp("lab") / "course"))
    return course, release(course, [MODULE])


def test_release_has_its_own_gradebook_so_graded_submissions_never_block_it(released) -> None:
    course, folder = released
    assert folder == course.build_dir / "lab" / "release"
    assert (folder / MODULE / f"{MODULE}.ipynb").exists() and (folder / MODULE / "scenarios.json").exists()
    assert (course.build_dir / "lab" / "gradebook.db").exists()
    assert not (course.build_dir / "gradebook.db").exists()  # the trainer's gradebook is not touched


def test_copies_never_overwrite_the_learner_and_say_when_a_newer_release_waits(released, tmp_path: Path) -> None:
    _course, folder = released
    workspace = tmp_path / "workspace"
    notebooks, kept = copy_release(folder, [MODULE], workspace)
    assert notebooks == [workspace / MODULE / f"{MODULE}.ipynb"] and kept == []
    mine = notebooks[0]
    mine.write_text(mine.read_text().replace("YOUR ANSWER HERE", "My reflection."))
    (workspace / MODULE / "responses").mkdir()
    (workspace / MODULE / "responses" / f"{MODULE}.json").write_text("{}")

    assert copy_release(folder, [MODULE], workspace)[1] == []  # the learner's own edits: nothing to say
    assert "My reflection." in mine.read_text()

    released_nb = folder / MODULE / f"{MODULE}.ipynb"
    released_nb.write_text(released_nb.read_text().replace("Key points", "Key points (revised)"))
    _, kept = copy_release(folder, [MODULE], workspace)
    assert kept == [f"{MODULE}/{MODULE}.ipynb"]
    assert "My reflection." in mine.read_text() and (workspace / MODULE / "responses" / f"{MODULE}.json").exists()


def test_copies_are_trusted_so_the_banner_button_runs_without_a_question(released, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    notebooks, _ = copy_release(released[1], [MODULE], tmp_path / "workspace")
    nb = nbformat.read(notebooks[0], as_version=4)
    assert not NotebookNotary().check_signature(nb)
    trust(notebooks)
    assert NotebookNotary().check_signature(nb)


def test_jupyterlab_listens_on_localhost_only_and_stays_quiet(tmp_path: Path) -> None:
    first = tmp_path / MODULE / f"{MODULE}.ipynb"
    command = lab_command(tmp_path, first, 8890, browser=False, extra=["--ServerApp.log_level=WARN"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=8890" in command
    assert "--ServerApp.open_browser=False" in command and "--LabApp.news_url=" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command and command[-1] == str(first)
    assert "--ServerApp.log_level=WARN" in command
    settings = json.loads((learner_settings(tmp_path) / "@jupyterlab" / "apputils-extension" /
                           "notification.jupyterlab-settings").read_text())
    assert settings == {"fetchNews": "false", "checkForUpdates": False}


def test_nbgrader_trainer_tools_are_off_for_learners_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    env = learner_environment(tmp_path)
    first, *rest = env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert first == str(tmp_path / ".lab-config") and rest == ["/elsewhere"]
    page = json.loads((tmp_path / ".lab-config" / "labconfig" / "page_config.json").read_text())
    assert page == {"disabledExtensions": {"@jupyter/nbgrader": True}}
    server = json.loads((tmp_path / ".lab-config" / "jupyter_server_config.d" / "course-lab.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert os.environ["JUPYTER_CONFIG_PATH"] == "/elsewhere"  # the trainer's own environment is untouched


def test_unknown_module_is_named_with_the_ones_that_exist(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    run = subprocess.run([str(Path(sys.executable).parent / "course"), "lab", "--root", str(ROOT),
                          "--module", "no-such-module", "--workspace", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "no module no-such-module" in run.stderr and "duty-to-protect" in run.stderr
    assert not any(tmp_path.iterdir())


def test_build_names_an_unknown_module_without_a_traceback(course_dir: Path) -> None:
    run = subprocess.run([str(Path(sys.executable).parent / "course"), "build", "--root", str(course_dir),
                          "--module", "no-such-module"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "no module no-such-module" in run.stderr and "duty-to-protect" in run.stderr
    assert "Traceback" not in run.stderr and not (course_dir / "build" / "release").exists()
