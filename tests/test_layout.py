"""graders/ is laid out by what its users do, and its imports run downward only:
content at the bottom, then course, learner, grading, publish, trainer; cli.py on top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "graders"
# Bottom first: a part may import itself and the parts before it, never one after it.
LAYERS = ["content", "course", "learner", "grading", "publish", "trainer"]
TOP = {"__init__", "cli"}  # graders/__init__.py (play, grade, start) and the `course` command
# What a learner's kernel runs (`from graders import play, grade, start`, then play()) and what a
# hidden test cell runs (grade()) never load the trainer's heavy tools.
KERNEL_MODULES = ["graders", "graders.learner", "graders.learner.player", "graders.grading.grade"]
NEVER_IN_A_KERNEL = ("nbgrader", "nbconvert", "matplotlib", "jsonschema", "jinja2", "sqlalchemy")


def part_of(module: str) -> str:
    """'graders.grading.cohort' -> 'grading'; 'graders.cli' -> 'cli'; 'graders' -> '__init__'."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "__init__"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every graders module a file imports, at any depth (lazy imports in functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "graders" or name.startswith("graders.")]


def upward_imports(package: Path) -> list[str]:
    """Each import in `package` that reaches a part above the importer's own, as 'file:line: ...'."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        own = part_of(".".join(relative.parts))
        if own in TOP:
            continue
        for line, target in imported_modules(path):
            other = part_of(target)
            if other in TOP or LAYERS.index(other) > LAYERS.index(own):
                problems.append(f"{path.relative_to(package.parent)}:{line}: {own} imports {target} "
                                f"({other} is above {own})")
    return problems


def test_every_module_lives_in_a_part() -> None:
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in TOP]
    assert loose == [], f"modules outside {LAYERS}: {loose}"
    parts = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert parts == sorted(LAYERS)


def test_each_part_says_what_lives_there() -> None:
    for part in LAYERS:
        docstring = ast.get_docstring(ast.parse((PACKAGE / part / "__init__.py").read_text()))
        assert docstring and len(docstring) > 40, f"graders/{part}/__init__.py needs a docstring"


def test_imports_run_downward_only() -> None:
    assert upward_imports(PACKAGE) == []


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "graders"
    for part in LAYERS:
        (package / part).mkdir(parents=True)
        (package / part / "__init__.py").write_text('"""A part."""\n')
    (package / "content" / "schema.py").write_text("def f():\n    from graders.grading.scoring import x\n")
    (package / "learner" / "player.py").write_text("import graders.cli\nfrom graders.course import paths\n")
    (package / "trainer" / "report.py").write_text("from graders.publish.pages import render_page\n")
    assert upward_imports(package) == [
        "graders/content/schema.py:2: content imports graders.grading.scoring (grading is above content)",
        "graders/learner/player.py:1: learner imports graders.cli (cli is above learner)",
    ]


@pytest.mark.parametrize("module", KERNEL_MODULES)
def test_what_a_kernel_imports_stays_light(module: str) -> None:
    code = (f"import sys, {module}; heavy = {NEVER_IN_A_KERNEL!r}; "
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import {module} loads {out}"
