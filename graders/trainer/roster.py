"""The staff roster (`course staff import/add/list/remove`): who must take which modules by when.

A roster row is checked as a scenario file is: every problem is named by file, line, field and what
was expected, and nothing is saved unless every row is right. People are kept in the records file
(with their role and start date) and in nbgrader's student table (with their names and email), so
the formgrader shows names.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graders.course.course import Course, CourseError
from graders.trainer.records import RECORDS_FILE, RecordStore, StaffMember

COLUMNS = ("id", "full_name", "role", "start_date", "email")
REQUIRED = COLUMNS[:4]
RESERVED_IDS = {"verify"}  # certificates/verify.html is the verification page


class RosterRow(BaseModel):
    """One person as a roster file gives them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                    description="letters, digits, - or _ (it names folders), e.g. 'ana-reyes'")
    full_name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1)
    start_date: date
    email: str = Field("", pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("id")
    @classmethod
    def not_reserved(cls, value: str) -> str:
        if value.lower() in RESERVED_IDS:
            raise ValueError(f"'{value}' is kept for the certificates' verification page")
        return value


def records(course: Course) -> RecordStore:
    """The course's training records (records/training-records.sqlite3)."""
    return RecordStore(course.root / RECORDS_FILE)


def _messages(where: str, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        field = ".".join(map(str, e["loc"])) or "row"
        got = e.get("input")
        shown = f" (got {got!r})" if isinstance(got, str) else ""
        expected = RosterRow.model_fields[field].description if field in RosterRow.model_fields else None
        out.append(f"{where}: field '{field}': {e['msg']}{shown}" + (f"; expected {expected}" if expected
                                                                    and e["type"] == "string_pattern_mismatch"
                                                                    else ""))
    return out


def check_row(course: Course, values: dict[str, str], where: str) -> tuple[StaffMember | None, list[str]]:
    """One row as a StaffMember, or the problems with it (each starting with `where`)."""
    try:
        row = RosterRow.model_validate(values)
    except ValidationError as err:
        return None, _messages(where, err)
    roles = course.settings.roles
    if roles and row.role not in roles:
        return None, [f"{where}: field 'role': {row.role!r} is not a role in course.yaml; expected one of: "
                      + ", ".join(roles)]
    return StaffMember(row.id, row.full_name, row.role, row.start_date.isoformat(), row.email), []


def read_roster(course: Course, path: Path) -> list[StaffMember]:
    """Every row of a roster CSV (columns id, full_name, role, start_date, email), or CourseError
    naming each problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CourseError(f"{path}: cannot read the roster ({err})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        raise CourseError(f"{path}: line 1: the header must have the columns {', '.join(COLUMNS)} (email may be "
                          f"left out)" + (f"; missing: {', '.join(missing)}" if missing else "")
                          + (f"; not known: {', '.join(unknown)}" if unknown else ""))
    people, problems, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        values = {k.strip(): (v or "") for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(f"{path}: line {line}: more values than the header has columns")
            continue
        if not any(values.values()):
            continue
        person, found = check_row(course, values, f"{path}: line {line}")
        problems += found
        if person is None:
            continue
        if person.id in seen:
            problems.append(f"{path}: line {line}: field 'id': {person.id!r} is already on line {seen[person.id]}")
            continue
        seen[person.id] = line
        people.append(person)
    if problems:
        raise CourseError("the roster has problems (nothing was imported):\n  " + "\n  ".join(problems))
    if not people:
        raise CourseError(f"{path}: no staff in the file (expected a header line, then one line per person)")
    return people


def enrol(course: Course, people: list[StaffMember]) -> None:
    """Save people in the records file and in nbgrader's student table (names and email)."""
    records(course).save_staff(people)
    course.build_dir.mkdir(parents=True, exist_ok=True)
    with course.gradebook() as gb:
        for person in people:
            first, _, last = person.full_name.rpartition(" ")
            gb.update_or_create_student(person.id, first_name=first or last, last_name=last if first else "",
                                        email=person.email or None)


def find(course: Course, staff_id: str) -> StaffMember:
    """A person on the roster, or CourseError saying how to add them."""
    for person in records(course).staff():
        if person.id == staff_id:
            return person
    raise CourseError(f"{staff_id!r} is not on the staff roster: add them with `course staff add` "
                      "or `course staff import FILE`")
