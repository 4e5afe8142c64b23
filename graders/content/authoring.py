"""Cells in the shape every module notebook uses (nbgrader 0.9 metadata, schema 3).

Used to scaffold a module from its scenario files and by the tests' fixture modules.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.content.schema import Scenario

TRAINER_TAG = "trainer-only"  # trainer notes: never released, printed only in the trainer edition
LIVE_ONLY_TAG = "live-only"  # cells that only make sense in a running notebook: never printed in handouts
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


def setup_cell(module: str):
    """Loads the player and shows the module's progress line."""
    source = f'from graders import play, grade, start, reflect, finish\nstart("{module}")'
    return new_code_cell(source, metadata={**HIDDEN, **nbgrader_meta("setup")})


def scenario_cells(scenario: Scenario) -> list:
    """The play cell, then one hidden test cell per decision step (none for a practice scenario)."""
    cells = [new_code_cell(f'play("{scenario.id}")', metadata={**HIDDEN, **nbgrader_meta(f"play-{scenario.id}")})]
    for step in [] if scenario.practice else scenario.steps:
        source = f'### BEGIN HIDDEN TESTS\ngrade("{scenario.id}", "{step.id}")\n### END HIDDEN TESTS'
        meta = nbgrader_meta(f"{scenario.id}--{step.id}", grade=True, points=step.points)
        cells.append(new_code_cell(source, metadata={**HIDDEN, **meta}))
    return cells


HOW_IT_WORKS = """## How this module works

- Read each short section, then work through the case scenarios that follow it.
- **Start the questions once.** When you open the module, click **Run all cells** in the box below \
and wait a few seconds. The box goes away and the questions appear.
- **Click to answer.** Pick one answer, or, where a question says "Choose all that apply", every one \
that fits. The keyboard works too: Tab moves between questions, the arrow keys and Space choose.
- **Your answers save themselves.** After each answer you will see "Saved". The progress line shows \
how many decisions you have answered. There is no save button to press for your answers.
- **Practice cases are not graded.** They tell you at once whether your answer fits, and why. \
Graded cases only confirm that your answer is saved; your trainer shares feedback later.
- Some scenarios show an extra question only after certain answers. That is normal.
- **Nothing to type except the reflection** near the end. It saves itself as you type, like your answers.
- **Finish module** at the very end tells you what is complete and what is left."""

START_BANNER = (
    # Inline styles: JupyterLab keeps them in markdown (it strips <style>); a border only, so any theme reads it.
    '<div class="course-start" style="border-left: 6px solid #1565c0; padding: 0.2em 1em; margin: 0.5em 0;">\n\n'
    "**The questions are not running yet.** Click this button once, then wait a few seconds: "
    '<button data-commandlinker-command="notebook:run-all-cells" style="font-size: 1.1em; padding: 0.3em 1em;">'
    "Run all cells</button>\n\n"
    "No button, or JupyterLab asks \"Run Command?\" Choose **Run**, or use the menu at the top: "
    "**Run > Run All Cells**. Your saved answers come back when the questions start.\n\n</div>"
)

DISCLAIMER = ("**Training, not legal advice.** This module teaches general rules for staff training. It is not "
              "legal advice about any real case. Take real cases to your clinical supervisor, the privacy officer "
              "or the clinic's counsel.")

SOURCES_INTRO = ("Check each against its current official text before relying on it: Nevada law at "
                 "leg.state.nv.us/NRS, federal rules at ecfr.gov, and each ethics code on its association's "
                 "own website.")


def header_cell(title: str, questions: list[str], objectives: list[str], review_line: str):
    """Title, the questions the module answers, objectives, the disclaimer and the review line
    (`Settings.review_line()`)."""
    text = "\n".join([
        f"# {title}", "", "## Questions this module answers", "", *(f"- {q}" for q in questions), "",
        "## Learning objectives", "", "By the end of this module you will be able to:", "",
        *(f"- {o}" for o in objectives), "", DISCLAIMER, "",
        review_line, "", "Check the current text of each law before relying on it.",
    ])
    return prose("header", text)


def how_it_works_cell():
    return prose("how-it-works", HOW_IT_WORKS)


def start_banner_cell():
    """Shown until the player runs (the running player hides it); never printed in handouts."""
    return prose("start-banner", START_BANNER, tags=[LIVE_ONLY_TAG])


def trainer_notes_cell(text: str):
    """Facilitation notes: kept in the trainer edition, removed from the release and default handouts."""
    return prose("trainer-notes", text, tags=[TRAINER_TAG])


def sources_cell(sources: list[tuple[str, str, str]]):
    """Numbered sources, each '(citation, what it is, jurisdiction)'."""
    lines = [f"{i}. {cite}: {what} ({where})." for i, (cite, what, where) in enumerate(sources, 1)]
    return prose("sources", "## Sources\n\n" + SOURCES_INTRO + "\n\n" + "\n".join(lines))


REFLECTION = "reflection"  # grade_id of a module's written reflection (a manually graded cell)


def reflection_cells(prompt: str, module: str, points: float = 3) -> list:
    """The prompt, the text area the learner writes in (saved to the response file), and the
    manually graded cell that intake fills with that text for the trainer."""
    return [
        prose("reflection-prompt", prompt),
        new_code_cell(f'reflect("{module}", "{REFLECTION}")', metadata={**HIDDEN, **nbgrader_meta(
            f"reflect-{REFLECTION}")}),
        new_markdown_cell("YOUR ANSWER HERE", metadata=nbgrader_meta(
            REFLECTION, grade=True, solution=True, locked=False, points=points)),
    ]


def finish_cell(module: str):
    """The module's last cell: the "Finish module" step."""
    return new_code_cell(f'finish("{module}")', metadata={**HIDDEN, **nbgrader_meta("finish")})


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def module_notebook(title: str, scenarios: list[Scenario], review_line: str) -> nbformat.NotebookNode:
    """A minimal but complete module: header, how-it-works, scenarios, reflection, key points, sources."""
    citations = sorted({c for s in scenarios for step in s.steps for c in step.citations})
    cells = [
        header_cell(title, ["What does this module check?"], ["answer its scenarios"], review_line),
        how_it_works_cell(),
        start_banner_cell(),
        setup_cell(scenarios[0].module),
    ]
    for scenario in scenarios:
        cells += scenario_cells(scenario)
    cells += reflection_cells("## Reflection\n\nIn a few sentences, what would you do differently?",
                              scenarios[0].module)
    cells += [
        prose("key-points", "## Key points\n\n- Answers are saved as you click."),
        sources_cell([(c, "cited by a scenario", "test") for c in citations]),
        finish_cell(scenarios[0].module),
    ]
    return notebook(cells)
