"""Cells in the shape every module notebook uses (nbgrader 0.9 metadata, schema 3).

Used to scaffold a module from its scenario files and by the tests' fixture modules.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.schema import Scenario

HIDDEN = {"jupyter": {"source_hidden": True}}


def nbgrader_meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
                  points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def prose(grade_id: str, text: str, tags: list[str] | None = None):
    metadata = nbgrader_meta(grade_id)
    if tags:
        metadata["tags"] = tags
    return new_markdown_cell(text, metadata=metadata)


def setup_cell():
    return new_code_cell("from graders import play, grade", metadata={**HIDDEN, **nbgrader_meta("setup")})


def scenario_cells(scenario: Scenario) -> list:
    """The play cell, then one hidden test cell per decision step."""
    cells = [new_code_cell(f'play("{scenario.id}")', metadata={**HIDDEN, **nbgrader_meta(f"play-{scenario.id}")})]
    for step in scenario.steps:
        source = f'### BEGIN HIDDEN TESTS\ngrade("{scenario.id}", "{step.id}")\n### END HIDDEN TESTS'
        meta = nbgrader_meta(f"{scenario.id}--{step.id}", grade=True, points=step.points)
        cells.append(new_code_cell(source, metadata={**HIDDEN, **meta}))
    return cells


def reflection_cells(prompt: str, points: float = 3) -> list:
    return [
        prose("reflection-prompt", prompt),
        new_markdown_cell("YOUR ANSWER HERE", metadata=nbgrader_meta(
            "reflection", grade=True, solution=True, locked=False, points=points)),
    ]


def module_notebook(title: str, scenarios: list[Scenario], reviewed: str) -> nbformat.NotebookNode:
    """A minimal but complete module: header, how-it-works, scenarios, reflection, key points, sources."""
    citations = sorted({c for s in scenarios for step in s.steps for c in step.citations})
    cells = [
        prose("header", f"# {title}\n\n**Training, not legal advice.**\n\nLegal content reviewed on {reviewed}."),
        prose("how-it-works", "## How this module works\n\nClick to answer. Your answers save themselves."),
        setup_cell(),
    ]
    for scenario in scenarios:
        cells += scenario_cells(scenario)
    cells += reflection_cells("## Reflection\n\nIn a few sentences, what would you do differently?")
    cells += [
        prose("key-points", "## Key points\n\n- Answers are saved as you click."),
        prose("sources", "## Sources\n\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(citations, 1))),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb
