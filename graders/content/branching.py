"""Which steps a learner sees: a step with `show_if` appears only after the named answers.

Plain data in, plain data out, so the player (key-free JSON) and the grader
(validated YAML) share one rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def is_shown(show_if: Mapping[str, Sequence[str]] | None, answers: Mapping[str, Sequence[str]]) -> bool:
    """True when every step named in `show_if` has at least one of the listed options chosen."""
    if not show_if:
        return True
    return all(set(answers.get(parent, ())) & set(options) for parent, options in show_if.items())
