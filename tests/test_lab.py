"""`course lab`: what it copies, what it never overwrites, and how it starts the learner's server.
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
from graders.learner.lab import (
    CONFIG,
    JUPYTER_DATA,
    START_URL,
    copy_release,
    lab_command,
    learner_config,
    learner_environment,
    learner_settings,
    release,
    trust,
)

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
    assert not any(part.startswith("--LabApp.default_url") for part in command)  # JupyterLab on the module
    settings = json.loads((learner_settings(tmp_path) / "@jupyterlab" / "apputils-extension" /
                           "notification.jupyterlab-settings").read_text())
    assert settings == {"fetchNews": "false", "checkForUpdates": False}


def test_by_default_the_server_opens_the_start_page(tmp_path: Path) -> None:
    command = lab_command(tmp_path, None, None, browser=True, extra=[])
    assert START_URL == "/course" and f"--LabApp.default_url={START_URL}" in command
    assert "--ServerApp.open_browser=True" in command and not any(p.startswith("--ServerApp.port") for p in command)
    assert command[-1].startswith("--")  # no notebook to open


def test_nbgrader_trainer_tools_are_off_for_learners_only(released, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    monkeypatch.setenv("JUPYTER_PATH", "/shared")
    config = learner_config(released[0], [MODULE])
    env = learner_environment(tmp_path, config)
    first, *rest = env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert first == str(tmp_path / CONFIG) == str(tmp_path / ".lab-config") and rest == ["/elsewhere"]
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(JUPYTER_DATA), "/shared"]
    assert (JUPYTER_DATA / "voila" / "templates" / "course" / "index.html.j2").is_file()  # the "course" template
    for name, content in config.items():  # every config file is written as given
        assert json.loads((tmp_path / ".lab-config" / name).read_text()) == content
    page = json.loads((tmp_path / ".lab-config" / "labconfig" / "page_config.json").read_text())
    assert page == {"disabledExtensions": {"@jupyter/nbgrader": True}}
    server = json.loads((tmp_path / ".lab-config" / "jupyter_server_config.d" / "course-lab.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert server["ServerApp"]["jpserver_extensions"]["graders.learner.start_page"] is True
    settings = json.loads((tmp_path / ".lab-config" / "jupyter_server_config.json").read_text())
    assert settings["CourseStartPage"]["modules"] == [MODULE]
    assert os.environ["JUPYTER_CONFIG_PATH"] == "/elsewhere"  # the trainer's own environment is untouched
    assert os.environ["JUPYTER_PATH"] == "/shared"


def test_without_a_jupyter_path_only_the_course_template_folder_is_on_it(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    env = learner_environment(tmp_path, {})
    assert env["JUPYTER_PATH"] == str(JUPYTER_DATA)
    assert env["JUPYTER_CONFIG_PATH"] == str(tmp_path / CONFIG)


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


def test_a_missing_logo_is_named_by_check_and_stops_lab_without_a_traceback(course_dir: Path, tmp_path: Path) -> None:
    (course_dir / "branding" / "logo.svg").unlink()
    course = str(Path(sys.executable).parent / "course")
    check = subprocess.run([course, "check", "--root", str(course_dir)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 1 and "branding/logo.svg: the clinic's logo" in check.stderr
    lab = subprocess.run([course, "lab", "--root", str(course_dir), "--module", "duty-to-protect", "--workspace",
                          str(tmp_path / "ws"), "--no-browser"], capture_output=True, text=True, timeout=300)
    assert lab.returncode == 1 and "the clinic's logo (clinic.logo in course.yaml) is missing" in lab.stderr
    assert "Traceback" not in lab.stderr
