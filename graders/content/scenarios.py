"""Load scenario YAML files (trainer side, with keys), with errors that name file and field."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from graders.content.schema import Scenario
from graders.content.yaml_files import read_yaml

CONCEPTS_FILE = "concepts.yaml"
CAST_FILE = "cast.yaml"


class ScenarioError(ValueError):
    """A scenario file is wrong; the message names the file, the field and what was expected."""


def _where(loc: Iterable[object], data: object) -> str:
    """Turn a pydantic location into 'steps[0](duty-applies).options[1].id'."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node):
                node = node[key]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label += f"({node['id']})"
            parts.append(label)
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file, or raise ScenarioError naming file and field."""
    try:
        data = read_yaml(path)
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of fields (id, title, steps, ...), got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems = [
            f"{path}: field '{_where(e['loc'], data)}': {e['msg']}"
            + (f" (got {e['input']!r})" if e["type"] != "missing" and not isinstance(e["input"], dict | list) else "")
            for e in err.errors()
        ]
        raise ScenarioError("\n".join(problems)) from None
    if path.stem != scenario.id:
        raise ScenarioError(f"{path}: field 'id': expected the file name's stem {path.stem!r}, got {scenario.id!r}")
    return scenario


def load_concepts(scenarios_dir: Path) -> dict[str, str]:
    path = scenarios_dir / CONCEPTS_FILE
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping 'concept-tag: description'")
    return {str(k): str(v) for k, v in data.items()}


def scenario_files(scenarios_dir: Path) -> list[Path]:
    return sorted(p for p in scenarios_dir.glob("*.yaml") if p.name not in (CONCEPTS_FILE, CAST_FILE))


def load_all(scenarios_dir: Path, state: str | None = None) -> dict[str, Scenario]:
    """Every scenario in the folder, validated, as `state`'s edition has it (default: as written);
    all problems are reported together."""
    concepts = load_concepts(scenarios_dir)
    found: dict[str, Scenario] = {}
    problems: list[str] = []
    for path in scenario_files(scenarios_dir):
        try:
            scenario = parse_once(path)
        except ScenarioError as err:
            problems.append(str(err))
            continue
        unknown = [c for c in scenario.concepts if concepts and c not in concepts]
        if unknown:
            problems.append(
                f"{path}: field 'concepts': {unknown} not in {scenarios_dir / CONCEPTS_FILE}; "
                "expected one of its tags"
            )
        found[scenario.id] = scenario.for_state(state)
    if problems:
        raise ScenarioError("\n".join(problems))
    return found


def load_one(scenarios_dir: Path, scenario_id: str, state: str | None = None) -> Scenario:
    """One scenario, as `state`'s edition has it (default: as written)."""
    path = scenarios_dir / f"{scenario_id}.yaml"
    if not path.exists():
        raise ScenarioError(f"no scenario {scenario_id!r}: expected a file {path}")
    return parse_once(path).for_state(state)


def parse_once(path: Path) -> Scenario:
    """parse_scenario, from memory while the file is unchanged (same modification time and size)."""
    stat = path.stat()
    return _parse_unchanged(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse_unchanged(path: Path, mtime_ns: int, size: int) -> Scenario:
    """A scenario parsed once per version of its file (a grading kernel asks for each many times)."""
    return parse_scenario(path)
