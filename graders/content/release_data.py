"""The key-free scenario data released beside a module's notebook (scenarios.json): written when a
module is released, read by the player. Light, since a learner's kernel imports it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graders.content.schema import Scenario

RELEASE_DATA = "scenarios.json"
FORMAT = 1


def release_data(scenarios: Iterable[Scenario]) -> dict:
    """The key-free scenario data written beside a released notebook."""
    return {"format": FORMAT, "scenarios": {s.id: s.learner_view() for s in scenarios}}


def write_release_data(folder: Path, scenarios: Iterable[Scenario]) -> Path:
    path = folder / RELEASE_DATA
    path.write_text(json.dumps(release_data(scenarios), indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def read_release_data(folder: Path) -> dict[str, dict] | None:
    """The scenarios released into `folder` (id -> key-free view), or None if there is no release copy."""
    path = folder / RELEASE_DATA
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["scenarios"]
