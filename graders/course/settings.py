"""Course settings (course.yaml): id, title, jurisdiction, clinic branding, grading options."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from graders.content.jurisdictions import JurisdictionError, jurisdiction_path, load_jurisdiction
from graders.content.yaml_files import read_yaml

SETTINGS_FILE = "course.yaml"


class Clinic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    contact: str = ""
    logo: str | None = Field(None, description="image file, relative to the course folder, shown on handouts")


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class CounselReview(BaseModel):
    """A review of the legal content by the clinic's counsel."""

    model_config = ConfigDict(extra="forbid")
    reviewer: str = Field(min_length=1, description="who reviewed it, e.g. 'A. Lawyer, Example Law LLP'")
    date: str = Field(pattern=ISO_DATE, description="when (YYYY-MM-DD)")


class Role(BaseModel):
    """A staff role and the training it requires."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, description="the role as people say it, e.g. 'Front desk'")
    modules: list[str] | None = Field(None, description="modules this role must complete (default: every module)")
    due_days: int | None = Field(None, gt=0, description="days from the start date to finish (default: due_days)")
    renewal_months: int | None = Field(None, gt=0, description="months a completion lasts (default: renewal_months)")


class ModuleVersion(BaseModel):
    """A module's content version: raised for a material change, after which earlier completions need retraining."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    since: str = Field(pattern=ISO_DATE, description="the date the change took effect (YYYY-MM-DD)")
    change: str = Field("", description="what changed, in a few words (shown to trainers)")


class Edition(BaseModel):
    """Another state's edition of the course: the same cases under that state's law."""

    model_config = ConfigDict(extra="forbid")
    modules: list[str] = Field(min_length=1, description="the modules written for that state so far")


class Hub(BaseModel):
    """The course on JupyterHub (`course hub up`, deploy/hub/): who grades, where things live."""

    model_config = ConfigDict(extra="forbid")
    grader: str = Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
                        description="the OS account that owns the course folder (mode 0700) and runs the "
                                    "formgrader and the answer record; no learner can read its files")
    trainers: list[str] = Field(min_length=1, description="hub accounts of the trainers (formgrader, admin)")
    environment: str = Field("/opt/confidentiality-course",
                             description="a virtual environment with this course installed, not editable, "
                                         "readable by every account (`course hub up` makes it)")
    exchange: str = Field("/srv/nbgrader/exchange", description="nbgrader's exchange folder (mode 1777)")
    state: str = Field("/var/lib/confidentiality-course-hub",
                       description="the hub's own files: its database, cookie secret (root only)")
    port: int = Field(8000, gt=0, lt=65536, description="the hub's port, on 127.0.0.1")
    formgrader_port: int = Field(9999, gt=0, lt=65536, description="the formgrader service's port, on 127.0.0.1")
    record_port: int = Field(9998, gt=0, lt=65536, description="the answer record service's port, on 127.0.0.1")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    title: str
    jurisdiction: list[str] = Field(["US", "NV"], description="'US' plus the state whose law the course teaches "
                                                            "(its facts: jurisdictions/<STATE>.yaml)")
    editions: dict[str, Edition] = Field({}, description="other states' editions (`course build --jurisdiction "
                                                         "CA`), each with its modules")
    clinic: Clinic
    autograde_timeout: int = Field(60, gt=0, description="seconds one notebook cell may run when graded")
    mastery: float = Field(0.8, gt=0, le=1, description="share of a module's points needed to pass")
    version: str = Field("1", description="course version, printed on certificates")
    retakes: bool = Field(False, description="modules may be retaken: feedback then never explains the answers")
    modules: list[str] = Field([], description="module folders under curriculum/, in the order learners take them")
    legal_review_date: str = Field(pattern=ISO_DATE,
                                   description="when the legal content was last checked against the course's "
                                               "fact sheet (YYYY-MM-DD)")
    counsel_review: CounselReview | None = Field(None, description="the clinic's counsel's review, once there is one")
    gradebook: str | None = Field(
        None, description="a PostgreSQL gradebook, e.g. 'postgresql+psycopg://grader@127.0.0.1/course' (the "
                          "password from PGPASSWORD or ~/.pgpass; default: build/gradebook.db)")
    hub: Hub | None = Field(None, description="the course on JupyterHub; with it, grading also checks every "
                                               "answer against the course's answer record")
    due_days: int = Field(30, gt=0, description="days a new staff member has to finish their modules")
    renewal_months: int = Field(12, gt=0, description="months a completion lasts before it is due again")
    roles: dict[str, Role] = Field({}, description="staff roles (id: title, modules, periods); none: one role "
                                                   "that takes every module")
    module_versions: dict[str, ModuleVersion] = Field({}, description="modules whose content changed materially "
                                                                      "(default: version 1)")

    @field_validator("gradebook")
    @classmethod
    def _postgres_without_password(cls, url: str | None) -> str | None:
        if url is None:
            return url
        if not url.startswith("postgresql+psycopg://"):
            raise ValueError("a PostgreSQL address starting postgresql+psycopg://, e.g. "
                             "postgresql+psycopg://grader@127.0.0.1/course")
        if ":" in url.removeprefix("postgresql+psycopg://").rpartition("@")[0]:
            raise ValueError("no password here (course.yaml is shared): put it in PGPASSWORD or ~/.pgpass")
        return url

    @field_validator("jurisdiction")
    @classmethod
    def _one_state(cls, value: list[str]) -> list[str]:
        states = [j for j in value if j != "US"]
        if len(states) > 1 or not all(re.fullmatch(r"[A-Z]{2}", j) for j in value):
            raise ValueError(f"'US' and at most one two-letter state code, e.g. [US, NV]; got {value}")
        return value

    @field_validator("editions")
    @classmethod
    def _state_codes(cls, value: dict[str, Edition]) -> dict[str, Edition]:
        if bad := [k for k in value if not re.fullmatch(r"[A-Z]{2}", k) or k == "US"]:
            raise ValueError(f"editions are named by a state's two-letter code (e.g. CA), got {bad}")
        return value

    @property
    def state(self) -> str | None:
        """The state whose law this course teaches ('NV'), or None for federal law only."""
        return next((j for j in self.jurisdiction if j != "US"), None)

    def role(self, role_id: str) -> Role:
        """The role's settings (any role takes every module when course.yaml lists none)."""
        if not self.roles:
            return Role(title=role_id.replace("-", " ").capitalize())
        return self.roles[role_id]

    def module_version(self, module: str) -> ModuleVersion:
        return self.module_versions.get(module) or ModuleVersion(version=1, since="0001-01-01")

    _state_name: str | None = PrivateAttr(None)  # from jurisdictions/<STATE>.yaml, when it is there

    @property
    def law(self) -> str:
        """Whose law the course teaches, in words: 'federal and Nevada law'."""
        return f"federal and {self._state_name or self.state} law" if self.state else "federal law"

    def review_line(self) -> str:
        """What every module, handout and certificate says about how its legal content was checked."""
        if review := self.counsel_review:
            return f"Legal content reviewed by counsel ({review.reviewer}) on {long_date(review.date)} ({self.law})."
        return (f"Checked against the course's fact sheet on {long_date(self.legal_review_date)} ({self.law}). "
                "Not yet reviewed by counsel.")


def long_date(iso: str) -> str:
    """'2026-11-20' as a person reads it: 'November 20, 2026' (as it is, if it is not a date)."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day:%B} {day.day}, {day.year}"


def load_settings(root: Path) -> Settings:
    path = root / SETTINGS_FILE
    try:
        return _settings_unchanged(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise SystemExit(f"{path}: course settings file not found") from None


@lru_cache(maxsize=16)
def _settings_unchanged(path: Path, mtime_ns: int) -> Settings:
    """Settings parsed once per version of the file (grade() asks on every step)."""
    try:
        settings = Settings.model_validate(read_yaml(path))
    except ValidationError as err:
        problems = [f"{path}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in err.errors()]
        raise SystemExit("\n".join(problems)) from None
    if settings.state and jurisdiction_path(path.parent, settings.state).exists():
        try:
            settings._state_name = load_jurisdiction(path.parent, settings.state).name
        except JurisdictionError:  # `course check` names the problem; the review line then gives the code
            pass
    return settings
