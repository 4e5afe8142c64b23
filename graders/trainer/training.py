"""Who has done which required module, what is due and what needs retraining (`course status`).

Each graded module is kept as a completion in the training records (see records.py); this module
turns the roster, the roles in course.yaml and those completions into one row per person and
required module: done, due, overdue or retrain. HIPAA asks that new staff be trained within a
reasonable time and that staff whose work a material change touches be trained again
(45 CFR 164.530(b)(2)); course.yaml sets what "reasonable" means here (due_days, renewal_months)
and module_versions marks a material change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

from graders.course.course import Course
from graders.course.settings import Settings, long_date
from graders.trainer.records import Completion, RecordStore, StaffMember
from graders.trainer.report import (
    PASSED,
    Report,
    build_report,
    collect,
    module_titles,
    percent_text,
    points_text,
    write_csv,
)
from graders.trainer.roster import records

DONE, DUE, OVERDUE, RETRAIN = "done", "due", "overdue", "retrain"
STATUS_CSV = "status.csv"


def version_of_work(settings: Settings, module: str, handed_in: str) -> int:
    """The module version a piece of work was for: the current one if it was handed in on or after
    the version's `since` date, else the one before it."""
    version = settings.module_version(module)
    if not handed_in or handed_in >= version.since:
        return version.version
    return max(1, version.version - 1)


def completions_from(course: Course, report: Report, people: list[StaffMember]) -> list[Completion]:
    """A completion for every graded module in the gradebook (not while it awaits rubric grading)."""
    roster, settings = {p.id: p for p in people}, course.settings
    found = []
    for (learner, module), result in sorted(report.results.items()):
        status = result.status(report.mastery)
        if status not in (PASSED, "not yet passed"):
            continue
        person = roster.get(learner)
        found.append(Completion(learner, person.full_name if person else report.name(learner),
                                person.role if person else "", module, report.title(module),
                                version_of_work(settings, module, result.timestamp), float(result.score),
                                float(result.max_score), status == PASSED, result.timestamp))
    return found


def sync_records(course: Course, store: RecordStore, report: Report | None = None) -> list[Completion]:
    """Append to the training records what the gradebook shows that they do not have yet."""
    if not course.has_gradebook():
        return []
    return store.add_completions(completions_from(course, report or collect(course), store.staff(include_left=True)))


@dataclass(frozen=True)
class Requirement:
    """One required module of one person, as of a day."""

    person: StaffMember
    role_title: str
    module: str
    title: str
    status: str
    due: date
    reason: str
    done: Completion | None  # the latest passed completion
    current_version: int

    @property
    def due_text(self) -> str:
        return long_date(self.due.isoformat())

    def done_text(self) -> str:
        """'November 20, 2026: 18 of 23 points (78%), version 1' ('' when not done)."""
        c = self.done
        if c is None:
            return ""
        return (f"{long_date(c.submitted_on) if c.submitted_on else 'date unknown'}: "
                f"{points_text(c.score, c.max_score)} ({percent_text(c.score / c.max_score if c.max_score else 0)}), "
                f"version {c.module_version}")


def current_results(completions: list[Completion]) -> dict[tuple[str, str], Completion]:
    """(person, module) -> the latest passed work: each hand-in counted by its latest record."""
    by_work: dict[tuple[str, str, str], Completion] = {}
    for c in completions:  # in the order they were recorded: a later record of the same work wins
        by_work[c.staff_id, c.module, c.submitted_on] = c
    best: dict[tuple[str, str], Completion] = {}
    for c in sorted(by_work.values(), key=lambda c: (c.submitted_on, c.seq)):
        if c.passed:
            best[c.staff_id, c.module] = c
    return best


def requirement(course: Course, person: StaffMember, module: str, title: str, done: Completion | None,
                tried: bool, today: date) -> Requirement:
    settings = course.settings
    role = settings.role(person.role)
    due_days = timedelta(days=role.due_days or settings.due_days)
    first_due = date.fromisoformat(person.start_date) + due_days
    version = settings.module_version(module)
    in_effect = version_of_work(settings, module, today.isoformat())  # a change counts from its `since` date

    def row(status: str, due: date, reason: str) -> Requirement:
        return Requirement(person, role.title, module, title, status, due, reason, done, in_effect)

    if done is None:
        return row(OVERDUE if today > first_due else DUE, first_due,
                   "tried, not passed yet" if tried else "not done yet")
    if done.module_version < in_effect:
        due = max(first_due, date.fromisoformat(version.since) + due_days)
        change = f": {version.change}" if version.change else ""
        return row(OVERDUE if today > due else RETRAIN, due,
                   f"module changed to version {version.version} on {long_date(version.since)}{change}")
    completed = date.fromisoformat(done.submitted_on or done.recorded_at[:10])
    renew = completed + relativedelta(months=role.renewal_months or settings.renewal_months)
    if today > renew:
        return row(OVERDUE, renew, "renewal")
    if today >= renew - due_days:
        return row(DUE, renew, "renewal")
    return row(DONE, renew, "next renewal")


def staff_status(course: Course, store: RecordStore, today: date | None = None,
                 role: str | None = None) -> list[Requirement]:
    """One row per person on the roster (of `role`, if given) and module their role requires."""
    today = today or date.today()
    completions = store.completions()
    best, tried = current_results(completions), {(c.staff_id, c.module) for c in completions}
    titles = module_titles(course)
    return [requirement(course, person, module, titles.get(module, module), best.get((person.id, module)),
                        (person.id, module) in tried, today)
            for person in store.staff() if role in (None, person.role)
            for module in course.required_modules(person.role)]


def write_status_csv(rows: list[Requirement], path: Path) -> Path:
    """One row per person and required module, with ids and exact numbers, for an HR or LMS system."""
    write_csv(path, ["staff_id", "full_name", "role", "module", "module_title", "status", "due_date", "reason",
                     "completed_on", "score", "max_score", "version_completed", "current_version"],
              [[r.person.id, r.person.full_name, r.person.role, r.module, r.title, r.status, r.due.isoformat(),
                r.reason, r.done.submitted_on if r.done else "", f"{r.done.score:g}" if r.done else "",
                f"{r.done.max_score:g}" if r.done else "", r.done.module_version if r.done else "",
                r.current_version] for r in rows])
    return path


def by_person(rows: list[Requirement]) -> list[tuple[StaffMember, str, list[Requirement]]]:
    """(person, role title, their rows), in roster order."""
    groups: dict[str, tuple[StaffMember, str, list[Requirement]]] = {}
    for r in rows:
        groups.setdefault(r.person.id, (r.person, r.role_title, []))[2].append(r)
    return list(groups.values())


def report_with_status(course: Course, out: Path | None = None, today: date | None = None) -> Path:
    """`course report`: the gradebook's report with the staff training status, and status.csv beside it.
    The training records are brought up to date with the gradebook first."""
    today = today or date.today()
    report, store = collect(course), records(course)
    sync_records(course, store, report)
    rows = staff_status(course, store, today)
    page = build_report(course, out, report, by_person(rows), long_date(today.isoformat()))
    write_status_csv(rows, page.parent / STATUS_CSV)
    return page


def due_lines(course: Course, person: StaffMember, today: date | None = None) -> dict[str, str]:
    """module: the line a person's start page shows under it ("Due by January 5, 2027."), for each
    required module they have not done."""
    words = {OVERDUE: "Overdue: it was due by", RETRAIN: "The module has changed: take it again by"}
    return {r.module: f"{words.get(r.status, 'Due by')} {long_date(r.due.isoformat())}."
            for r in staff_status(course, records(course), today) if r.person.id == person.id and r.status != DONE}
