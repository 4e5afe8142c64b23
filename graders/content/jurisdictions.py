"""A state's law as data (jurisdictions/<CODE>.yaml): its duty to warn or protect, child-abuse
reporting, the module text that names that law, and the claims that are wrong there. Each fact
carries its citation, the date it took effect and the date it was last checked.

Validated with pydantic; the course's scenarios and module text for that state's edition are
checked against it (graders/course/editions.py).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graders.content.citations import FORMAT_HELP, citation_form
from graders.content.yaml_files import read_yaml

JURISDICTIONS_DIR = "jurisdictions"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
STALE_AFTER_DAYS = 365


class JurisdictionError(ValueError):
    """A jurisdiction file is missing or wrong; the message names the file and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(Strict):
    """One rule in plain words, with where it comes from and when it was checked."""

    text: str = Field(min_length=1)
    citation: str
    effective: str | None = Field(
        None, pattern=r"^(?:by )?\d{4}(?:-\d{2}-\d{2})?$",
        description="when this text took effect: YYYY-MM-DD, YYYY, or 'by YYYY' (in force by then); "
                    "left out when no verified source gives it")
    verified: str = Field(pattern=ISO_DATE, description="when it was last checked against the law (YYYY-MM-DD)")

    @field_validator("citation")
    @classmethod
    def _citation_format(cls, cite: str) -> str:
        if citation_form(cite) is None:
            raise ValueError(f"citation {cite!r} does not follow the course's citation format: {FORMAT_HELP}")
        return cite


class DutyToProtect(Strict):
    kind: Literal["mandatory", "permissive", "mixed", "none"]
    trigger: Fact
    tell: Fact = Field(description="who must or may be told")
    other_ways: Fact | None = Field(None, description="other ways to meet the duty (e.g. a hold), if any")
    covers: Fact | None = Field(None, description="which professionals it covers, where verified")
    immunity: Fact | None = None
    courts: list[Fact] = Field([], description="court decisions that shape it")


class ChildAbuseReporting(Strict):
    who: Fact
    how_fast: Fact
    to_whom: Fact


class WrongClaim(Strict):
    """A claim that is wrong in this state (a pattern, tested both ways like curriculum/misconceptions.yaml)."""

    claim: str
    pattern: str
    says: str = Field(description="a sentence the pattern must catch")
    fine: str = Field(description="a correct sentence on the same topic it must let through")


class Jurisdiction(Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1, description="the state's name, e.g. California")
    duty_to_protect: DutyToProtect
    child_abuse_reporting: ChildAbuseReporting
    ask_counsel: list[str] = Field([], description="questions this course does not answer for the state")
    wrong_claims: list[WrongClaim] = []
    sources: list[str] = Field(min_length=1, description="the state's sources, one line each, citation first")
    module_text: dict[str, dict[str, str]] = Field(
        {}, description="module -> cell id -> the cell's Markdown in this state's edition")

    def facts(self) -> list[tuple[str, Fact]]:
        """Every fact, with its place in the file ('duty_to_protect.trigger')."""
        found: list[tuple[str, Fact]] = []
        for part in ("duty_to_protect", "child_abuse_reporting"):
            for name, value in getattr(self, part):
                for i, fact in enumerate(value if isinstance(value, list) else [value]):
                    if isinstance(fact, Fact):
                        found.append((f"{part}.{name}" + (f"[{i}]" if isinstance(value, list) else ""), fact))
        return found

    def stale(self, today: date) -> list[str]:
        """Facts not checked for more than a year, each as 'place: last checked DATE'."""
        return [f"{where}: last verified {fact.verified}" for where, fact in self.facts()
                if (today - date.fromisoformat(fact.verified)).days > STALE_AFTER_DAYS]

    def own_rule_phrases(self) -> re.Pattern[str]:
        """Text that presents this state's law as the reader's own ("Nevada's duty", "In Nevada,")."""
        name = re.escape(self.name)
        return re.compile(rf"\b{name}(?:'s| law\b| requires\b| asks\b| Revised Statutes\b)|\bIn {name}\b")


def jurisdiction_path(root: Path, code: str) -> Path:
    return root / JURISDICTIONS_DIR / f"{code}.yaml"


def available(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / JURISDICTIONS_DIR).glob("*.yaml"))


def load_jurisdiction(root: Path, code: str) -> Jurisdiction:
    path = jurisdiction_path(root, code)
    if not path.exists():
        have = ", ".join(available(root)) or "none"
        raise JurisdictionError(f"{path}: no jurisdiction file for {code!r} (the course has: {have})")
    stat = path.stat()
    return _parse_unchanged(path, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _parse_unchanged(path: Path, mtime_ns: int) -> Jurisdiction:
    try:
        data = read_yaml(path)
    except yaml.YAMLError as err:
        raise JurisdictionError(f"{path}: not valid YAML: {err}") from None
    try:
        found = Jurisdiction.model_validate(data)
    except ValidationError as err:
        raise JurisdictionError("\n".join(f"{path}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}"
                                          for e in err.errors())) from None
    if found.code != path.stem:
        raise JurisdictionError(f"{path}: field 'code': expected the file name's stem {path.stem!r}, "
                                f"got {found.code!r}")
    return found
