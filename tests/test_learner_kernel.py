"""A learner's kernel, started the way `course lab` starts it (its environment, in the learner's
workspace), is probed by code a learner could type: it finds no pointer to the trainer's course,
cannot load a key, and `grade()` will not score an answer, even when the kernel pretends to be
nbgrader's. (On one shared account a learner who writes code can still read any file the account
can read; the README says so. The multi-user deployment separates accounts.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from graders.course.course import Course
from graders.course.paths import COURSE_ROOT_ENV
from graders.learner.lab import copy_release, default_workspace, learner_config, learner_environment, release

MODULE = "duty-to-protect"
PROBE = """
import json, os
from pathlib import Path
found = {"course_root_env": os.environ.get("COURSE_ROOT")}

def attempt(name, call):
    try:
        found[name] = repr(call())
    except Exception as err:
        found[name] = type(err).__name__

from graders.course.paths import trainer_course_root
from graders import grade
from graders.learner.player import learner_views
attempt("trainer_course_root", trainer_course_root)
attempt("grade", lambda: grade(%(scenario)r, %(step)r))
os.environ["NBGRADER_EXECUTION"] = "autograde"  # the learner pretends to be nbgrader
attempt("grade_pretending", lambda: grade(%(scenario)r, %(step)r))
attempt("views_pretending", lambda: sorted(learner_views(Path.cwd())))
print("PROBE " + json.dumps(found))
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Path]:
    from tests.conftest import copy_course

    course = Course(copy_course(tmp_path_factory.mktemp("kernel") / "course"))
    workspace = tmp_path_factory.mktemp("learner") / "workspace"
    copy_release(release(course, [MODULE]), [MODULE], workspace)
    return course, workspace


def run_in_learner_kernel(course: Course, workspace: Path, code: str) -> dict:
    env = learner_environment(workspace, learner_config(course, [MODULE]))
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(workspace / MODULE), env=env)
    client = manager.client()
    client.start_channels()
    printed: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(code, timeout=60, output_hook=lambda msg: printed.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    line = next(line for line in "".join(printed).splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_a_learner_kernel_cannot_find_the_course_load_a_key_or_score_an_answer(
        workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    course, folder = workspace
    monkeypatch.setenv(COURSE_ROOT_ENV, str(course.root))  # as nbgrader_config.py leaves it in `course`
    scenario = next(s for s in course.module_scenarios(MODULE) if not s.practice)
    found = run_in_learner_kernel(course, folder, PROBE % {"scenario": scenario.id, "step": scenario.steps[0].id})
    assert found["course_root_env"] is None
    assert found["trainer_course_root"] == "CourseNotFound"
    assert found["grade"] == "NotGrading"
    assert found["grade_pretending"] == "CourseNotFound"  # no key to score with, even so
    assert scenario.id in found["views_pretending"]  # the release's key-free data, which it already had


def test_the_release_data_a_kernel_reads_holds_no_key(workspace) -> None:
    course, folder = workspace
    released = json.loads((folder / MODULE / "scenarios.json").read_text())["scenarios"]
    for scenario in course.module_scenarios(MODULE):
        if scenario.practice:
            continue
        for step in released[scenario.id]["steps"]:
            assert all(set(option) == {"id", "text"} for option in step["options"]), step


def test_the_default_workspace_is_not_inside_the_course_folder(workspace) -> None:
    course, _ = workspace
    assert not default_workspace(course).resolve().is_relative_to(course.root.resolve())
