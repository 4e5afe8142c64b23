"""`grade(scenario, step)`: what a hidden nbgrader test cell calls.

It reads the learner's response file from the kernel's working folder (the
notebook's folder) and the key from the trainer's scenarios/ folder, prints
feedback (the learner's own choice, its rationale and sources, never the key),
and returns the points as the cell's last value: nbgrader scores a test cell
whose last value is a number with that number.
"""

from __future__ import annotations

import os
from pathlib import Path

from graders.content.scenarios import load_concepts, load_one
from graders.content.schema import Scenario, Step
from graders.course.paths import trainer_course_root
from graders.course.settings import load_settings
from graders.grading.scoring import StepResult, score_step
from graders.learner.store import ResponseStore

# What a hidden test cell prints: one "Label: text" per line, an indented line continuing the one before.
# The feedback template (graders/publish/templates/feedback/learner.html.j2) shows each as a paragraph.
VERDICTS = {"correct": "Right.", "partial": "Partly right.", "wrong": "Not right.",
            "unanswered": "Not answered. No answer was saved for this step."}


def one_line(text: str) -> str:
    """Text from YAML on one line (the template reads one fact per line)."""
    return " ".join(text.split())


def points_in_words(points: float, max_points: float) -> str:
    """2.0, 2.0 -> "2 of 2 points"; 0.33, 1 -> "0.33 of 1 point"."""
    return f"{round(points, 2):g} of {max_points:g} point{'' if max_points == 1 else 's'}"


def verdict(result: StepResult) -> str:
    """Right, partly right, not right or not answered, in words."""
    if result.status != "skipped":
        return VERDICTS[result.status]
    right = "Right." if result.points >= result.max_points else "Not right."
    return f"{right} You did not see this step because of an earlier answer."


def feedback_text(result: StepResult, number: int, prompt: str, result_line: str, answer_lines: list[str],
                  citations: list[str], problem: str | None) -> str:
    """One decision's feedback: heading, score, result, the learner's answers with why, sources."""
    lines = [f"Decision {number}: {one_line(prompt)}", f"Score: {points_in_words(result.points, result.max_points)}",
             f"Result: {result_line}"]
    if problem:
        lines.append(f"Note: {one_line(problem)}")
    lines += answer_lines
    lines.append("Sources: " + "; ".join(citations))
    return "\n".join(lines)


def teaching_point(root: Path, scenario: Scenario, step: Step) -> str:
    """What to review: the step's own teaching point, else the scenario's first concept."""
    return step.teaching_point or load_concepts(root / "scenarios").get(scenario.concepts[0], "")


def retake_result(result: StepResult, point: str) -> str:
    """For a module that may be retaken: right or not yet, and what to review;
    never which option is keyed or why an option is right or wrong."""
    if result.points >= result.max_points:
        return "Right."
    return f"Not right yet. Review this point before you try again:\n  {one_line(point)}"


def answer_lines(step: Step, chosen: tuple[str, ...]) -> list[str]:
    """Each option the learner chose, and why it is right or wrong (never an option they did not choose)."""
    options = {o.id: o for o in step.options}
    lines = []
    for option_id in chosen:
        option = options.get(option_id)
        if option is None:
            lines.append("Your answer: a choice that is not an option of this step (it counts as a wrong choice).")
        else:
            lines += [f"Your answer: {one_line(option.text)}", f"Why: {one_line(option.rationale)}"]
    return lines


class NotGrading(PermissionError):
    """grade() was called outside a grading run (e.g. from a learner's own kernel)."""


def autograding() -> bool:
    """True while nbgrader autogrades (its Execute step sets NBGRADER_EXECUTION=autograde). Stricter
    than the player's grading_run(), which also counts nbgrader's validate."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def grade(scenario_id: str, step_id: str, folder: Path | None = None) -> float:
    """Score one step of the submission in `folder` (default: the kernel's working folder)."""
    if not autograding():
        raise NotGrading("grade() works only while nbgrader grades a submission; your answers are saved "
                         "and your trainer grades them")
    root = trainer_course_root()
    scenario = load_one(root / "scenarios", scenario_id, load_settings(root).state)
    step = scenario.step(step_id)
    number = next(n for n, s in enumerate(scenario.steps, start=1) if s.id == step.id)
    store = ResponseStore(folder or Path.cwd(), scenario.module, read_only=True)
    result = score_step(scenario, step, store.answers.get(scenario_id, {}))
    if load_settings(root).retakes:
        result_line, lines = retake_result(result, teaching_point(root, scenario, step)), []
    else:
        result_line, lines = verdict(result), answer_lines(step, result.chosen)
    print(feedback_text(result, number, step.prompt, result_line, lines, step.citations, store.problem))
    return result.points
