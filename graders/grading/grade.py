"""`grade(scenario, step)`: what a hidden nbgrader test cell calls.

It reads the learner's response file from the kernel's working folder (the
notebook's folder) and the key from the trainer's scenarios/ folder, prints
feedback (the learner's own choice, its rationale and sources, never the key),
and returns the points as the cell's last value: nbgrader scores a test cell
whose last value is a number with that number.
"""

from __future__ import annotations

from pathlib import Path

from graders.content.scenarios import load_concepts, load_one
from graders.content.schema import Scenario, Step
from graders.course.paths import trainer_course_root
from graders.course.settings import load_settings
from graders.grading.scoring import StepResult, score_step
from graders.learner.store import ResponseStore


def feedback_text(result: StepResult, scenario_title: str, prompt: str, chosen_lines: list[str],
                  citations: list[str], problem: str | None) -> str:
    lines = [f"{scenario_title}: {prompt}"]
    if problem:
        lines.append(f"Note: {problem}")
    if result.status == "skipped":
        lines.append("You did not see this step because of an earlier choice.")
    elif result.status == "unanswered":
        lines.append("No answer was saved for this step.")
    else:
        lines.extend(chosen_lines)
    lines.append(f"Score: {result.points:g} of {result.max_points:g}")
    lines.append("Sources: " + "; ".join(citations))
    return "\n".join(lines)


def teaching_point(root: Path, scenario: Scenario, step: Step) -> str:
    """What to review: the step's own teaching point, else the scenario's first concept."""
    return step.teaching_point or load_concepts(root / "scenarios").get(scenario.concepts[0], "")


def retake_lines(result: StepResult, point: str) -> list[str]:
    """Feedback for a module that may be retaken: right or not yet, and what to review;
    never which option is keyed or why an option is right or wrong."""
    if result.points >= result.max_points:
        return ["Right."]
    return ["Not right yet. Review this point before you try again:", f"  {point.strip()}"]


def grade(scenario_id: str, step_id: str, folder: Path | None = None) -> float:
    root = trainer_course_root()
    scenario = load_one(root / "scenarios", scenario_id)
    step = scenario.step(step_id)
    store = ResponseStore(folder or Path.cwd(), scenario.module, read_only=True)
    result = score_step(scenario, step, store.answers.get(scenario_id, {}))
    if load_settings(root).retakes:
        lines = retake_lines(result, teaching_point(root, scenario, step))
        print(feedback_text(result, scenario.title, step.prompt, lines, step.citations, store.problem))
        return result.points
    options = {o.id: o for o in step.options}
    chosen_lines = []
    for option_id in result.chosen:
        option = options.get(option_id)
        if option is None:
            chosen_lines.append(f"Your answer: {option_id!r} is not an option of this step (ignored).")
        else:
            chosen_lines.append(f"Your answer: {option.text}\n  Why: {option.rationale.strip()}")
    print(feedback_text(result, scenario.title, step.prompt, chosen_lines, step.citations, store.problem))
    return result.points
