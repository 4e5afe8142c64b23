"""A grading worker keeps one kernel for one learner's notebooks and never lends it to another
learner: each notebook still starts in its own folder, with an empty namespace, at execution count 1;
a notebook that kills its kernel costs the next notebook nothing but a fresh start. Real kernels."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from graders.course.course import Course
from graders.grading.learner_kernel import (
    CHECK_METADATA,
    KEPT,
    NBGRADER_EXECUTE,
    ExecuteInLearnerKernel,
    worker_preprocessors,
)
from tests.conftest import ROOT

LOOK_AROUND = [
    "import os\nprint(os.getpid())\nprint(os.getcwd())",
    "print('left behind' in globals())",
    "left_behind = 'by this notebook'",
]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.fixture(autouse=True)
def no_kernel_left() -> None:
    yield
    KEPT.stop()


def execute(learner: str, folder: Path, cells: list[str] = LOOK_AROUND, config=None) -> NotebookNode:
    """Run a notebook of these cells for this learner in `folder`, as a worker's autograde does."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_code_cell(source) for source in cells], metadata={"kernelspec": KERNELSPEC})
    ExecuteInLearnerKernel(config=config, timeout=60).preprocess(
        nb, {"nbgrader": {"student": learner}, "metadata": {"path": str(folder)}})
    return nb


def seen(nb: NotebookNode) -> dict:
    """What the notebook's cells printed: the kernel's process, its folder, and whether a name the
    last notebook defined was still there."""
    pid, cwd = nb.cells[0].outputs[0].text.split()
    return {"pid": int(pid), "cwd": cwd, "left behind": nb.cells[1].outputs[0].text.strip() == "True",
            "first count": nb.cells[0].execution_count}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_one_learners_notebooks_share_a_kernel_and_each_starts_fresh(tmp_path: Path) -> None:
    first = seen(execute("ana", tmp_path / "ana" / "module-a"))
    second = seen(execute("ana", tmp_path / "ana" / "module-b"))
    assert second["pid"] == first["pid"]
    assert second["cwd"] == str(tmp_path / "ana" / "module-b")
    assert not second["left behind"]
    assert first["first count"] == second["first count"] == 1


def test_another_learner_never_gets_that_kernel(tmp_path: Path) -> None:
    ana = seen(execute("ana", tmp_path / "ana" / "module-a"))
    ben = seen(execute("ben", tmp_path / "ben" / "module-a"))
    assert ben["pid"] != ana["pid"]
    assert not alive(ana["pid"])  # stopped before ben's first notebook, not merely set aside
    assert ben["cwd"] == str(tmp_path / "ben" / "module-a") and not ben["left behind"]


def test_a_notebook_that_kills_its_kernel_leaves_the_next_one_a_fresh_kernel(tmp_path: Path) -> None:
    before = seen(execute("ana", tmp_path / "ana" / "module-a"))
    with pytest.raises(DeadKernelError):
        execute("ana", tmp_path / "ana" / "module-b", ["import os\nos._exit(1)"])
    assert KEPT.manager is None
    after = seen(execute("ana", tmp_path / "ana" / "module-c"))
    assert after["pid"] != before["pid"]
    assert after["cwd"] == str(tmp_path / "ana" / "module-c") and not after["left behind"]


def test_only_the_worker_swaps_execute_and_skips_the_repeated_check() -> None:
    configured = Course(ROOT).nbgrader_config().Autograde
    assert NBGRADER_EXECUTE in configured.autograde_preprocessors  # plain nbgrader autograde: nbgrader's own
    steps = worker_preprocessors(configured.sanitize_preprocessors, configured.autograde_preprocessors)
    assert NBGRADER_EXECUTE not in steps
    assert "graders.grading.learner_kernel.ExecuteInLearnerKernel" in steps
    assert CHECK_METADATA in configured.sanitize_preprocessors and CHECK_METADATA not in steps
    assert len(steps) == len(configured.autograde_preprocessors) - 1
    with pytest.raises(ValueError, match="has no nbgrader.preprocessors.Execute"):
        worker_preprocessors([], ["nbgrader.preprocessors.SaveAutoGrades"])


def test_grading_kernels_listen_on_unix_sockets_not_tcp_ports(tmp_path: Path) -> None:
    """Over TCP, a port chosen for a kernel could be taken by another worker's connection before the
    kernel bound it, and the kernel died (benchmarks/kernel_ports.py): the course's setting is IPC."""
    execute("ana", tmp_path / "ana" / "module-a", config=Course(ROOT).nbgrader_config())
    info = KEPT.manager.get_connection_info()
    assert info["transport"] == "ipc"
    assert Path(f"{info['ip']}-{info['shell_port']}").is_socket()
    assert (Path(info["ip"]).parent.stat().st_mode & 0o077) == 0  # a folder only this user can open
