"""Project-level promises: conda and pip agree, modules have the agreed shape and are
committed clean, and a learner's kernel imports little (content checks: test_content.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "curriculum").glob("*/*.ipynb"))


def test_conda_and_pip_list_the_same_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {Requirement(r).name.lower(): str(Requirement(r).specifier)
           for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    conda_deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = {}
    for dep in conda_deps:
        if not isinstance(dep, str):
            continue
        req = Requirement(dep)
        if req.name.lower() not in ("python", "pip"):  # the interpreter and pip itself, not packages of ours
            conda[req.name.lower()] = str(req.specifier)
    assert conda == pip


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_module_has_the_agreed_shape(path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert len(re.findall(r"^# ", text, re.M)) == 1, "one h1 title"
    assert nb.cells[0].source.startswith("# ")
    for needle in ("Learning objectives", "Training, not legal advice", "Not yet reviewed by counsel.",
                   "How this module works", "## Reflection", "## Key points", "## Sources"):
        assert needle in text, needle
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source]
    assert headings.index(next(h for h in headings if "Key points" in h)) > headings.index(
        next(h for h in headings if "Reflection" in h))
    manual = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert manual and all(c.cell_type == "markdown" and c.metadata.nbgrader.get("points") for c in manual)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebooks_are_committed_clean_with_nbgrader_metadata(path) -> None:
    nb = nbformat.read(path, as_version=4)
    ids = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert meta and meta["locked"] and cell.metadata["jupyter"]["source_hidden"], "learners see no code"
        if meta:
            assert meta["schema_version"] == 3
            ids.append(meta["grade_id"])
    assert len(ids) == len(set(ids)), "grade ids are unique"


def test_learner_kernel_import_is_light() -> None:
    code = ("import sys, graders; heavy = ('nbgrader', 'nbconvert', 'jsonschema', 'pydantic', 'ipywidgets', "
            "'yaml'); print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 failed"), ("", "1 skipped")])
def test_browser_tests_fail_in_ci_without_chromium_and_skip_elsewhere(tmp_path, ci: str, outcome: str) -> None:
    """CI must never pass by skipping the browser tests: with CI=true and no Chromium they fail."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("from tests.browser import launch, needs_browser\n\n\n@needs_browser\n"
                     "def test_needs_chromium():\n    launch(None)\n")
    env = {"PATH": str(Path(sys.executable).parent), "CI": ci, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert outcome in run.stdout, run.stdout[-2000:]
    if ci:
        assert "CI=true but Debian's chromium is missing" in run.stdout
