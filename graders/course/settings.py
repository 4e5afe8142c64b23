"""Course settings (course.yaml): id, title, jurisdiction, clinic branding, grading options."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graders.content.yaml_files import read_yaml

SETTINGS_FILE = "course.yaml"


class Clinic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    contact: str = ""
    logo: str | None = Field(None, description="image file, relative to the course folder, shown on handouts")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    title: str
    jurisdiction: list[str] = ["US", "NV"]
    clinic: Clinic
    autograde_timeout: int = Field(60, gt=0, description="seconds one notebook cell may run when graded")
    mastery: float = Field(0.8, gt=0, le=1, description="share of a module's points needed to pass")
    version: str = Field("1", description="course version, printed on certificates")
    retakes: bool = Field(False, description="modules may be retaken: feedback then never explains the answers")
    modules: list[str] = Field([], description="module folders under curriculum/, in the order learners take them")
    legal_review_date: str = Field(description="when the legal content was last reviewed (YYYY-MM-DD)")


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
        return Settings.model_validate(read_yaml(path))
    except ValidationError as err:
        problems = [f"{path}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in err.errors()]
        raise SystemExit("\n".join(problems)) from None
