"""Project-level promises: conda and pip agree, modules have the agreed shape, content
cites its sources and uses synthetic people, and a learner's kernel imports little."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "curriculum").glob("*/*.ipynb"))
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.name != "concepts.yaml")


def test_conda_and_pip_list_the_same_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {Requirement(r).name.lower(): str(Requirement(r).specifier)
           for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    conda_deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = {}
    for dep in conda_deps:
        if isinstance(dep, str) and not dep.startswith(("python", "pip")):
            req = Requirement(dep.replace("==", "==", 1))
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
    for needle in ("Learning objectives", "Training, not legal advice", "Legal content reviewed on",
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


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_step_and_rationale_names_its_source(path) -> None:
    data = yaml.safe_load(path.read_text())
    cite = re.compile(r"(NRS \d+\w*\.\d+|\d+ CFR \d+\.\d+|U\.S\.C\.|NASW|APA|ACA|Tarasoff|Cal\.3d)")
    for step in data["steps"]:
        assert step["citations"]
        for option in step["options"]:
            assert cite.search(option["rationale"]), f"{path.name}/{step['id']}/{option['id']} cites nothing"


# Misconceptions the course must never teach (fact sheet, section 10), as patterns.
FORBIDDEN = [
    r"HIPAA (requires|mandates|obligates)[^.]*\b(warn|disclos)",
    r"Nevada[^.]*\b(permissive|has no duty)",
    r"(48|72)[- ]hours?",
    r"NRS 200\.4685",
    r"reasonably identifiable",
    r"apparent intent",
]


@pytest.mark.parametrize("path", NOTEBOOKS + SCENARIOS, ids=lambda p: p.name)
def test_no_misconception_is_taught(path) -> None:
    if path.suffix == ".yaml":  # a wrong option may state a misconception; its rationale corrects it
        data = yaml.safe_load(path.read_text())
        taught = [data["story"]] + [s["prompt"] for s in data["steps"]] + [
            o["rationale"] for s in data["steps"] for o in s["options"] if o.get("correct")]
    else:
        taught = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    for text in taught:
        for pattern in FORBIDDEN:
            assert not re.search(pattern, text, re.I), f"{path.name}: {pattern!r} in {text[:120]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS + SCENARIOS, ids=lambda p: p.name)
def test_people_and_contacts_are_synthetic(path) -> None:
    text = path.read_text()
    for phone in re.findall(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b", text):
        assert re.search(r"555[-. ]01\d\d", phone), f"{path.name}: {phone} is not a 555-01xx number"
    for email in re.findall(r"[\w.+-]+@([\w-]+\.[\w.]+)", text):
        assert email in ("example.org", "example.com"), f"{path.name}: email domain {email}"


def test_learner_kernel_import_is_light() -> None:
    code = ("import sys, graders; heavy = ('nbgrader', 'nbconvert', 'jsonschema', 'pydantic', 'ipywidgets', "
            "'yaml'); print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
