"""The scenario file format: one YAML file per case scenario, validated with pydantic.

A scenario's YAML is the only place its key lives. `Scenario.learner_view()` gives
the key-free copy that is released to learners.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graders.content.citations import FORMAT_HELP, citation_form, state_of

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
        return _check_citations(value)

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


def _check_citations(value: list[str]) -> list[str]:
    for cite in value:
        if citation_form(cite) is None:
            raise ValueError(f"citation {cite!r} does not follow the course's citation format: {FORMAT_HELP}")
    return value


class OptionForState(Strict):
    """What one option says or is under another state's law (only what differs)."""

    text: str | None = Field(default=None, min_length=1)
    correct: bool | None = None
    rationale: str | None = Field(default=None, min_length=1)


class StepForState(Strict):
    """One step under another state's law: the same options (ids), with what differs there."""

    prompt: str | None = Field(default=None, min_length=1)
    citations: list[str] | None = Field(default=None, min_length=1)
    trainer_note: str | None = None
    teaching_point: str | None = None
    options: dict[str, OptionForState] = {}

    @field_validator("citations")
    @classmethod
    def _citations_name_a_section(cls, value: list[str] | None) -> list[str] | None:
        return value and _check_citations(value)


class ScenarioForState(Strict):
    """The scenario in another state's edition: only the story and the steps whose law differs."""

    title: str | None = Field(default=None, min_length=1)
    story: str | None = Field(default=None, min_length=1)
    steps: dict[str, StepForState] = {}


class Scenario(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    module: str = Field(pattern=SLUG)
    concepts: list[str] = Field(min_length=1)
    jurisdiction: list[str] = Field(min_length=1, description="'US' for federal law, or a two-letter state code")
    story: str = Field(min_length=1)
    practice: bool = Field(default=False, description="Ungraded: the learner sees feedback at once")
    steps: list[Step] = Field(min_length=1)
    by_state: dict[str, ScenarioForState] = Field(
        default={}, description="the scenario under another state's law (two-letter code: what differs there)")

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

    @model_validator(mode="after")
    def _states_name_real_steps(self) -> Scenario:
        for state, variant in self.by_state.items():
            if not re.fullmatch(r"[A-Z]{2}", state) or state in ("US", self.base_state):
                raise ValueError(f"by_state: {state!r} must be another state's two-letter code "
                                 f"(this scenario is written for {self.base_state})")
            for step_id, step in variant.steps.items():
                if not self.has_step(step_id):
                    raise ValueError(f"by_state.{state}.steps: no step {step_id!r} in this scenario")
                if unknown := sorted(set(step.options) - {o.id for o in self.step(step_id).options}):
                    raise ValueError(f"by_state.{state}.steps.{step_id}.options: no option {unknown} in that step")
            self.for_state(state)  # the state's edition must itself be a valid scenario (a key per step)
        return self

    @property
    def base_state(self) -> str | None:
        """The state whose law the main text is written for ('NV'), or None for federal law only."""
        return next((j for j in self.jurisdiction if j != "US"), None)

    def has_step(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    def for_state(self, state: str | None) -> Scenario:
        """This scenario in `state`'s edition: its own entries where the law differs, the rest shared."""
        if state is None or state == self.base_state or self.base_state is None:
            return self
        data = self.model_dump(exclude={"by_state"})
        data["jurisdiction"] = [j if j == "US" else state for j in self.jurisdiction]
        variant = self.by_state.get(state)
        if variant:
            data |= variant.model_dump(include={"title", "story"}, exclude_none=True)
            for step in data["steps"]:
                changes = variant.steps.get(step["id"])
                if not changes:
                    continue
                step |= changes.model_dump(exclude={"options"}, exclude_none=True)
                for option in step["options"]:
                    option |= changes.options.get(option["id"], OptionForState()).model_dump(exclude_none=True)
        try:
            return Scenario.model_validate(data)
        except ValueError as err:
            raise ValueError(f"by_state.{state}: {err}") from None

    def steps_needing(self, state: str) -> list[Step]:
        """The steps that cite this scenario's own state's law and have no entry for `state`."""
        variant = self.by_state.get(state, ScenarioForState())
        return [s for s in self.steps if any(state_of(c) == self.base_state for c in s.citations)
                and s.id not in variant.steps]

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
