"""The scenario file format: one YAML file per case scenario, validated with pydantic.

A scenario's YAML is the only place its key lives. `Scenario.learner_view()` gives
the key-free copy that is released to learners.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graders.content.citations import FORMAT_HELP, citation_form

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=1)
    correct: bool = False
    rationale: str = Field(min_length=1, description="Why this option is right or wrong")


class Step(Strict):
    id: str = Field(pattern=SLUG)
    prompt: str = Field(min_length=1)
    kind: Literal["single", "multiple"] = "single"
    points: float | None = Field(default=None, gt=0, description="Graded scenarios only")
    options: list[Option] = Field(min_length=2)
    citations: list[str] = Field(min_length=1)
    show_if: dict[str, list[str]] | None = Field(
        default=None, description="Show this step only when an earlier step has one of these answers"
    )
    trainer_note: str | None = Field(default=None, description="Key explanation, trainer side only")
    teaching_point: str | None = Field(
        default=None, description="What to review, shown in feedback when retakes are on (never the key)"
    )

    @field_validator("citations")
    @classmethod
    def _citations_name_a_section(cls, value: list[str]) -> list[str]:
        for cite in value:
            if citation_form(cite) is None:
                raise ValueError(f"citation {cite!r} does not follow the course's citation format: {FORMAT_HELP}")
        return value

    @model_validator(mode="after")
    def _has_a_key(self) -> Step:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat in step {self.id!r}: {ids}")
        n_correct = sum(o.correct for o in self.options)
        if n_correct == 0:
            raise ValueError(f"step {self.id!r} has no option marked 'correct: true' (the key)")
        if self.kind == "single" and n_correct != 1:
            raise ValueError(f"single-choice step {self.id!r} must have exactly one correct option, has {n_correct}")
        return self

    @property
    def key(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)


class Scenario(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    module: str = Field(pattern=SLUG)
    concepts: list[str] = Field(min_length=1)
    jurisdiction: list[str] = Field(min_length=1, description="'US' for federal law, or a two-letter state code")
    story: str = Field(min_length=1)
    practice: bool = Field(default=False, description="Ungraded: the learner sees feedback at once")
    steps: list[Step] = Field(min_length=1)

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("jurisdiction")
    @classmethod
    def _known_jurisdiction_shape(cls, value: list[str]) -> list[str]:
        bad = [j for j in value if not re.fullmatch(r"[A-Z]{2}", j)]
        if bad:
            raise ValueError(f"jurisdiction must be 'US' or a two-letter state code such as 'NV', got {bad}")
        return value

    @field_validator("concepts")
    @classmethod
    def _concepts_are_slugs(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not re.match(SLUG, c)]
        if bad:
            raise ValueError(f"concepts must be lower-case tags like 'duty-to-protect', got {bad}")
        return value

    @model_validator(mode="after")
    def _branches_point_backwards(self) -> Scenario:
        seen: dict[str, Step] = {}
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} appears twice")
            for parent_id, option_ids in (step.show_if or {}).items():
                parent = seen.get(parent_id)
                if parent is None:
                    raise ValueError(
                        f"step {step.id!r}: show_if names {parent_id!r}, which is not an earlier step"
                    )
                unknown = set(option_ids) - {o.id for o in parent.options}
                if unknown:
                    raise ValueError(
                        f"step {step.id!r}: show_if names options {sorted(unknown)} that step {parent_id!r} lacks"
                    )
            seen[step.id] = step
        return self

    @model_validator(mode="after")
    def _points_match_kind(self) -> Scenario:
        for step in self.steps:
            if self.practice and step.points is not None:
                raise ValueError(f"step {step.id!r}: a practice scenario is not graded; remove its 'points'")
            if not self.practice and step.points is None:
                raise ValueError(f"step {step.id!r} needs 'points' (or mark the scenario 'practice: true')")
        return self

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"scenario {self.id!r} has no step {step_id!r}")

    @property
    def points(self) -> float:
        return sum(s.points or 0 for s in self.steps)

    def learner_view(self) -> dict:
        """The scenario as released to learners: no trainer note, and no key or rationale unless it is
        a practice scenario (ungraded: its feedback is the point)."""
        return {
            "id": self.id,
            "title": self.title,
            "module": self.module,
            "story": self.story,
            "practice": self.practice,
            "steps": [
                {
                    "id": s.id,
                    "prompt": s.prompt,
                    "kind": s.kind,
                    "points": s.points,
                    "show_if": s.show_if,
                    "options": [_option_view(o, self.practice) for o in s.options],
                    **({"citations": s.citations} if self.practice else {}),
                }
                for s in self.steps
            ],
        }


def key_answers(scenario: Scenario) -> dict[str, list[str]]:
    """The answers of a learner who follows the key at every step."""
    return {s.id: sorted(s.key) for s in scenario.steps}


def _option_view(option: Option, with_feedback: bool) -> dict:
    view = {"id": option.id, "text": option.text}
    if with_feedback:
        view |= {"correct": option.correct, "rationale": option.rationale}
    return view
