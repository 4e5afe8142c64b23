"""An independent scorer for the tests: the grading rules from the README, written again
from the YAML files alone, so that the tests do not check the grader against itself."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def graded_files(module: str, scenarios_dir: Path = SCENARIOS) -> list[Path]:
    """The module's graded scenario files (practice ones are never graded)."""
    files = sorted(scenarios_dir.glob(f"{module}-*.yaml"))
    return [p for p in files if not yaml.safe_load(p.read_text()).get("practice")]


def load(scenarios_dir: Path, scenario_id: str) -> dict:
    return yaml.safe_load((scenarios_dir / f"{scenario_id}.yaml").read_text())


def in_state(scenario: dict, state: str) -> dict:
    """The scenario as `state`'s edition keys it: each option's `correct` from the state's
    `by_state` entry where it gives one (only the key matters for scoring)."""
    changes = scenario.get("by_state", {}).get(state, {}).get("steps", {})
    steps = []
    for step in scenario["steps"]:
        given = changes.get(step["id"], {}).get("options", {})
        options = [o | {"correct": given.get(o["id"], {}).get("correct", o.get("correct", False))}
                   for o in step["options"]]
        steps.append(step | {"options": options})
    return scenario | {"steps": steps}


def key_of(step: dict) -> set[str]:
    return {o["id"] for o in step["options"] if o.get("correct")}


def shown(step: dict, answers: dict) -> bool:
    cond = step.get("show_if") or {}
    return all(set(answers.get(p, [])) & set(opts) for p, opts in cond.items())


def expected_step(scenario: dict, step: dict, answers: dict) -> float:
    if not shown(step, answers):
        key_path = {s["id"]: sorted(key_of(s)) for s in scenario["steps"]}
        parents_answered = all(answers.get(p) for p in step["show_if"])
        return float(step["points"]) if parents_answered and not shown(step, key_path) else 0.0
    chosen = set(answers.get(step["id"], []))
    key = key_of(step)
    if step.get("kind", "single") == "single":
        return float(step["points"]) if chosen == key else 0.0
    return round(step["points"] * max(0, len(chosen & key) - len(chosen - key)) / len(key), 2)


def expected_scores(scenarios_dir: Path, answers: dict[str, dict[str, list[str]]],
                    scenario_ids: list[str]) -> dict[str, float]:
    """grade id (scenario--step) -> expected points."""
    out = {}
    for sid in scenario_ids:
        scenario = load(scenarios_dir, sid)
        for step in scenario["steps"]:
            out[f"{sid}--{step['id']}"] = expected_step(scenario, step, answers.get(sid, {}))
    return out


def scenario_ids(course: Path, module: str) -> list[str]:
    """The module's scenarios in the order its notebook plays them."""
    nb = json.loads((course / "curriculum" / module / f"{module}.ipynb").read_text())
    return [line.split('"')[1] for c in nb["cells"] for line in c["source"] if line.startswith('play("')]


def plan_for(scenario: dict, wrong_first: bool) -> dict[str, list[str]]:
    """Answers step by step as a learner meets them: the key, or first a wrong answer that opens a
    recovery branch (where the scenario has one) and then the key."""
    answers: dict[str, list[str]] = {}
    for step in scenario["steps"]:
        if not shown(step, answers):
            continue
        key = [o["id"] for o in step["options"] if o["id"] in key_of(step)]
        if wrong_first and not answers:
            opens = {o for s in scenario["steps"] for o in (s.get("show_if") or {}).get(step["id"], [])}
            wrong = [o["id"] for o in step["options"] if o["id"] not in key_of(step)]
            answers[step["id"]] = [next((o for o in wrong if o in opens), wrong[0])]
        else:
            answers[step["id"]] = key
    return answers
