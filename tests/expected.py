"""An independent scorer for the tests: the grading rules from the README, written again
from the YAML files alone, so that the tests do not check the grader against itself."""

from __future__ import annotations

from pathlib import Path

import yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def graded_files(module: str, scenarios_dir: Path = SCENARIOS) -> list[Path]:
    """The module's graded scenario files (practice ones are never graded)."""
    files = sorted(scenarios_dir.glob(f"{module}-*.yaml"))
    return [p for p in files if not yaml.safe_load(p.read_text()).get("practice")]


def load(scenarios_dir: Path, scenario_id: str) -> dict:
    return yaml.safe_load((scenarios_dir / f"{scenario_id}.yaml").read_text())


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
