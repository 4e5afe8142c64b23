"""Reading the course's YAML files (scenarios, concepts, cast, course.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

# libyaml's parser when PyYAML was built with it (about ten times faster than the pure-Python one).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """A YAML file's data, read with a safe loader."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
