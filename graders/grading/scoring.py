"""Score decision steps against the key, with partial credit and branching.

Rules (also in the README):
- single choice: full points for the keyed option, else 0;
- multiple choice: points x (right picks - wrong picks) / number of keyed options, never below 0;
- a step the learner never saw because of an earlier answer scores full points when the
  key's own path skips it too (a recovery step the learner did not need), else 0; a step
  hidden because the earlier step was never answered scores 0;
- a shown step with no answer scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graders.content.branching import is_shown
from graders.content.schema import Scenario, Step, key_answers

Status = Literal["correct", "partial", "wrong", "unanswered", "skipped"]


@dataclass(frozen=True)
class StepResult:
    scenario: str
    step: str
    points: float
    max_points: float
    chosen: tuple[str, ...]
    status: Status


def score_step(scenario: Scenario, step: Step, answers: dict[str, list[str]]) -> StepResult:
    def result(points: float, status: Status, chosen: tuple[str, ...] = ()) -> StepResult:
        return StepResult(scenario.id, step.id, round(points, 2), step.points, chosen, status)

    if not is_shown(step.show_if, answers):
        parents_answered = all(answers.get(parent) for parent in step.show_if or {})
        key_skips_it = not is_shown(step.show_if, key_answers(scenario))
        return result(step.points if parents_answered and key_skips_it else 0.0, "skipped")
    chosen = tuple(answers.get(step.id, ()))
    if not chosen:
        return result(0.0, "unanswered")
    picked = set(chosen)
    right = len(picked & step.key)
    wrong = len(picked - step.key)
    if step.kind == "single":
        fraction = 1.0 if (right == 1 and wrong == 0) else 0.0
    else:
        fraction = max(0.0, (right - wrong) / len(step.key))
    status: Status = "correct" if fraction == 1 else "partial" if fraction > 0 else "wrong"
    return result(step.points * fraction, status, chosen)


def score_scenario(scenario: Scenario, answers: dict[str, list[str]]) -> list[StepResult]:
    return [score_step(scenario, step, answers) for step in scenario.steps]
