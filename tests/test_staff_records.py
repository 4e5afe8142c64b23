"""Staff, assignments and training records: the roster, what each role must take by when, hand-out
and hand-in on one machine, the status trainers read, and records no rebuild deletes.

The pipeline fixture walks the README's five fictional staff (examples/five-staff.csv) through the
real commands: `course staff import`, `course lab --learner` (a real server, looked at in Chromium),
`course collect`, `course grade` (real nbgrader), `course status`, `course certificates`.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from graders.content.authoring import REFLECTION
from graders.content.schema import key_answers
from graders.course.course import Course
from graders.grading.build import build
from graders.learner.lab import copy_release, release
from graders.learner.store import ResponseStore
from graders.trainer.demo import wrong_answers
from graders.trainer.records import Completion, RecordStore
from graders.trainer.roster import check_row, enrol, records
from graders.trainer.training import staff_status, version_of_work
from tests.browser import (
    ARTIFACTS,
    LabServer,
    block_outside_requests,
    clipped_text,
    course_slugs,
    launch,
    screenshot,
    what_a_person_reads,
)
from tests.conftest import ROOT, copy_course

ROSTER = ROOT / "examples" / "five-staff.csv"
COURSE = [str(Path(sys.executable).parent / "course")]
TODAY = datetime.now(UTC).date()  # the day `course collect` stamps (UTC)


def course_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COURSE, *args, "--root", str(root)], capture_output=True, text=True, timeout=600,
                          env={"COLUMNS": "200", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})


def said(run: subprocess.CompletedProcess) -> str:
    """What a command printed (the course's console writes to stderr), as one line."""
    return " ".join((run.stdout + run.stderr).split())


def settings_of(root: Path) -> dict:
    return yaml.safe_load((root / "course.yaml").read_text())


def write_settings(root: Path, **changes: object) -> None:
    settings = settings_of(root)
    settings.update(changes)
    (root / "course.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))


def roster_rows() -> list[dict]:
    return list(csv.DictReader(ROSTER.open()))


def role_modules(root: Path, role: str) -> list[str]:
    """What course.yaml says the role must take (every module listed when the role names none)."""
    settings = settings_of(root)
    return settings["roles"][role].get("modules") or settings["modules"]


def answer(course: Course, workspace: Path, module: str, plan) -> None:
    """Answer a module in a learner's workspace through the player's own save path."""
    store = ResponseStore(workspace / module, module)
    for scenario in course.module_scenarios(module):
        for step, options in plan(scenario).items():
            store.set(scenario.id, step, options)
    store.set_reflection(REFLECTION, "I would tell the client first what stays private.")


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


# -- the roster -------------------------------------------------------------------------------------


def test_a_roster_with_errors_names_each_by_line_and_field_and_imports_nothing(course_dir: Path) -> None:
    bad = course_dir / "staff.csv"
    bad.write_text("id,full_name,role,start_date,email\n"
                   "ana-r,Ana Reyes,front-desk,2026-11-02,ana@example.org\n"
                   "../up,Bo Lund,clinician,2026-11-02,\n"
                   "cy-m,Cy Moss,janitor,2026-11-02,\n"
                   "di-k,Di Kerr,intern,2026-13-40,\n"
                   "ana-r,Ana Again,intern,2026-11-02,\n"
                   "ed-w,,clinician,2026-11-02,not-an-email\n")
    run = course_cli(course_dir, "staff", "import", str(bad))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    text = said(run)
    assert "nothing was imported" in text
    assert f"{bad}: line 3: field 'id'" in text and "letters, digits, - or _" in text
    assert f"{bad}: line 4: field 'role': 'janitor' is not a role in course.yaml; expected one of: clinician" in text
    assert f"{bad}: line 5: field 'start_date'" in text
    assert f"{bad}: line 6: field 'id': 'ana-r' is already on line 2" in text
    assert f"{bad}: line 7: field 'full_name'" in text and f"{bad}: line 7: field 'email'" in text
    assert f"{bad}: line 2" not in text  # the good line has no problem of its own
    assert records(Course(course_dir)).staff() == []
    assert not (course_dir / "build" / "gradebook.db").exists()


def test_a_roster_without_its_columns_says_which_are_missing(course_dir: Path) -> None:
    bad = course_dir / "staff.csv"
    bad.write_text("name,role\nAna,front-desk\n")
    run = course_cli(course_dir, "staff", "import", str(bad))
    assert run.returncode == 1
    assert "missing: id, full_name, start_date" in said(run)


def test_check_names_a_role_that_lists_a_module_the_course_lacks(course_dir: Path) -> None:
    settings = settings_of(course_dir)
    settings["roles"]["front-desk"]["modules"].append("no-such-module")
    write_settings(course_dir, roles=settings["roles"])
    problems = Course(course_dir).check_sources()
    assert any("field 'roles.front-desk.modules': 'no-such-module' is not a module" in p for p in problems)


# -- due dates, renewal and retraining --------------------------------------------------------------


def completion(person: str, role: str, module: str, day: str, version: int, passed: bool = True) -> Completion:
    return Completion(person, person.title(), role, module, module, version, 9.0, 10.0, passed, day)


def test_each_role_gets_its_modules_due_by_its_own_period(course_dir: Path) -> None:
    course = Course(course_dir)
    settings = settings_of(course_dir)
    enrol(course, [check_row(course, row, "test")[0] for row in roster_rows()])
    rows = staff_status(course, records(course), date(2026, 12, 2))
    for person in roster_rows():
        role = settings["roles"][person["role"]]
        days = role.get("due_days", settings["due_days"])
        expected_due = date.fromisoformat(person["start_date"]) + timedelta(days=days)
        mine = [r for r in rows if r.person.id == person["id"]]
        assert [r.module for r in mine] == [m for m in settings["modules"] if m in role_modules(course_dir,
                                                                                                 person["role"])]
        assert {r.due for r in mine} == {expected_due}
        assert {r.status for r in mine} == {"overdue" if expected_due < date(2026, 12, 2) else "due"}


def lee_passed_legal_requests(course_dir: Path, day: str) -> RecordStore:
    """Lee (front desk, started January 5, 2026) on the roster, with a pass of legal-requests handed in on `day`."""
    course = Course(course_dir)
    person, _ = check_row(course, {"id": "lee", "full_name": "Lee Sample", "role": "front-desk",
                                   "start_date": "2026-01-05"}, "test")
    enrol(course, [person])
    store = records(course)
    store.add_completions([completion("lee", "front-desk", "legal-requests", day, 1)])
    return store


def test_a_pass_lasts_its_renewal_period_then_is_due_then_overdue(course_dir: Path) -> None:
    course, store = Course(course_dir), lee_passed_legal_requests(course_dir, "2026-01-20")
    months, days = settings_of(course_dir)["renewal_months"], settings_of(course_dir)["due_days"]
    renew = date(2026 + (1 + months - 1) // 12, (1 + months - 1) % 12 + 1, 20)

    def legal_requests(day: date):
        return next(r for r in staff_status(course, store, day) if r.module == "legal-requests")

    assert (legal_requests(date(2026, 6, 1)).status, legal_requests(date(2026, 6, 1)).due) == ("done", renew)
    assert legal_requests(renew - timedelta(days=days)).status == "due"
    assert legal_requests(renew + timedelta(days=1)).status == "overdue"
    assert legal_requests(date(2026, 6, 1)).reason == "next renewal"


def test_raising_a_module_version_turns_a_completion_into_retrain(course_dir: Path) -> None:
    course_dir_settings = settings_of(course_dir)
    store = lee_passed_legal_requests(course_dir, "2026-11-20")
    write_settings(course_dir, module_versions={"legal-requests": {"version": 2, "since": "2026-12-10",
                                                                   "change": "new subpoena rules"}})
    course = Course(course_dir)
    due = date(2026, 12, 10) + timedelta(days=course_dir_settings["due_days"])

    def legal_requests(day: date):
        return next(r for r in staff_status(course, store, day) if r.module == "legal-requests")

    assert legal_requests(date(2026, 12, 1)).status == "done"  # the change has not taken effect yet
    retrain = legal_requests(date(2026, 12, 15))
    assert (retrain.status, retrain.due, retrain.current_version) == ("retrain", due, 2)
    assert "version 2 on December 10, 2026: new subpoena rules" in retrain.reason
    assert legal_requests(due + timedelta(days=1)).status == "overdue"
    store.add_completions([completion("lee", "front-desk", "legal-requests", "2026-12-12",
                                      version_of_work(course.settings, "legal-requests", "2026-12-12"))])
    assert legal_requests(date(2026, 12, 15)).status == "done"


# -- the records store ------------------------------------------------------------------------------


def test_records_refuse_changes_and_a_change_behind_their_back_is_found(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records.sqlite3")
    store.add_completions([completion("lee", "front-desk", m, "2026-11-20", 1)
                           for m in ("a-module", "b-module", "c-module")])
    assert store.check() == []
    assert store.add_completions([completion("lee", "front-desk", "a-module", "2026-11-20", 1)]) == []
    with sqlite3.connect(store.path) as db, pytest.raises(sqlite3.DatabaseError, match="kept as written"):
        db.execute("UPDATE completions SET score = 10 WHERE seq = 2")
    with sqlite3.connect(store.path) as db, pytest.raises(sqlite3.DatabaseError, match="kept as written"):
        db.execute("DELETE FROM completions WHERE seq = 3")
    changed = tmp_path / "changed.sqlite3"
    shutil.copy(store.path, changed)
    with sqlite3.connect(changed) as db:
        db.execute("DROP TRIGGER completions_never_change")
        db.execute("UPDATE completions SET score = 10 WHERE seq = 2")
    with sqlite3.connect(store.path) as db:
        db.execute("DROP TRIGGER completions_never_delete")
        db.execute("DELETE FROM completions WHERE seq = 3")
    assert RecordStore(changed).check() == ["completions: record 2 was changed or does not follow the record "
                                            "before it"]
    assert store.check() == ["completions: the last records (up to 3) are missing"]


# -- five staff through the real commands -----------------------------------------------------------


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory):
    """The README's walkthrough: roster, hand-out to Sam (front desk) and Tess, collect, grade."""
    root = copy_course(tmp_path_factory.mktemp("staff") / "course")
    course = Course(root)
    front_desk = role_modules(root, "front-desk")
    build(course, front_desk, selftest=False)
    imported = course_cli(root, "staff", "import", str(ROSTER))
    assert imported.returncode == 0, imported.stderr
    workspaces = root.parent / "staff-workspaces"
    server = LabServer(root, workspaces / "sam-o", [], tmp_path_factory.mktemp("sam-home"), learner="sam-o")
    yield course, workspaces, server, front_desk
    server.stop()


@pytest.fixture(scope="module")
def graded(clinic):
    course, workspaces, server, front_desk = clinic
    for module in front_desk:
        answer(course, workspaces / "sam-o", module, key_answers)
    copy_release(release(course, front_desk), front_desk, workspaces / "tess-v")  # what `course lab` gives her
    answer(course, workspaces / "tess-v", "legal-requests", wrong_answers)
    collected = course_cli(course.root, "collect", "--workspaces", str(workspaces))
    assert collected.returncode == 0, collected.stderr
    graded = course_cli(course.root, "grade", "--jobs", "2")
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    return course, workspaces, collected, front_desk


def test_a_learner_of_one_role_gets_only_their_modules_and_sees_their_due_dates(clinic) -> None:
    course, workspaces, server, front_desk = clinic
    given = sorted(p.name for p in (workspaces / "sam-o").iterdir() if (p / f"{p.name}.ipynb").exists())
    assert given == sorted(front_desk) and len(front_desk) < len(course.modules)
    from playwright.sync_api import sync_playwright

    sam = next(r for r in roster_rows() if r["id"] == "sam-o")
    due = date.fromisoformat(sam["start_date"]) + timedelta(days=settings_of(course.root)["due_days"])
    due_words = f"{due:%B} {due.day}, {due.year}."
    due_line = f"Overdue: it was due by {due_words}" if date.today() > due else f"Due by {due_words}"
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        outside = block_outside_requests(context, server.base)
        page = context.new_page()
        page.goto(f"{server.base}/course?token={server.token}")
        text = " ".join(page.inner_text("main").split())
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot(page, "start-page-for-one-learner")
        assert clipped_text(page) == [] and what_a_person_reads(page, course_slugs(course.root)) == []
        links = page.locator("main li a").all_inner_texts()
        browser.close()
    assert outside == []
    assert "For Sam Oduya, Front desk." in text
    assert len(links) == len(front_desk)
    assert text.count(due_line) == len(front_desk)


def test_collect_then_grade_then_status_shows_done(graded) -> None:
    course, workspaces, collected, front_desk = graded
    for module in front_desk:
        stamp = (course.submission_dir("sam-o", module) / "timestamp.txt").read_text()
        assert stamp.startswith(TODAY.isoformat()) or stamp.startswith((TODAY - timedelta(days=1)).isoformat())
    assert (workspaces / "sam-o" / front_desk[0] / "responses").is_dir()  # the learner's own files stay
    run = course_cli(course.root, "status", "--role", "front-desk", "--csv", str(course.root / "status.csv"))
    assert run.returncode == 0, run.stderr
    rows = {(r["staff_id"], r["module"]): r for r in read_csv(course.root / "status.csv")}
    for module in front_desk:
        done = rows["sam-o", module]
        assert done["status"] == "done" and done["completed_on"] == TODAY.isoformat()
        assert done["version_completed"] == "1" and float(done["score"]) >= 0.8 * float(done["max_score"])
    assert rows["tess-v", "legal-requests"]["reason"] == "tried, not passed yet"
    assert rows["tess-v", "legal-requests"]["status"] == "overdue"  # she started in 2025
    assert "Sam Oduya" in said(run) and "done" in said(run)


def test_collecting_again_keeps_unchanged_work_and_its_hand_in_time(graded) -> None:
    course, workspaces, _, front_desk = graded
    before = (course.submission_dir("sam-o", front_desk[0]) / "timestamp.txt").read_text()
    again = course_cli(course.root, "collect", "--workspaces", str(workspaces))
    assert "0 of 6 module(s) handed in anew" in said(again)
    assert (course.submission_dir("sam-o", front_desk[0]) / "timestamp.txt").read_text() == before


def test_the_status_csv_has_one_row_per_person_and_required_module(graded) -> None:
    course = graded[0]
    run = course_cli(course.root, "status", "--csv", str(course.root / "all.csv"))
    assert run.returncode == 0, run.stderr
    rows = read_csv(course.root / "all.csv")
    expected = {(p["id"], m) for p in roster_rows() for m in role_modules(course.root, p["role"])}
    assert len(rows) == len(expected) and {(r["staff_id"], r["module"]) for r in rows} == expected
    assert {r["full_name"] for r in rows} == {p["full_name"] for p in roster_rows()}


def test_records_survive_a_rebuild_and_a_regrade_and_a_regrade_adds_nothing(graded) -> None:
    course = graded[0]
    store = records(course)
    kept = store.completions()
    assert {(c.staff_id, c.module, c.passed) for c in kept} == (
        {("sam-o", m, True) for m in graded[3]} | {("tess-v", "legal-requests", False)})
    for args in (("build", "--module", "legal-requests", "--no-selftest"), ("grade", "--jobs", "1")):
        run = course_cli(course.root, *args)
        assert run.returncode == 0, run.stderr[-2000:]
        assert store.completions() == kept
    assert course_cli(course.root, "records", "check").returncode == 0


def test_certificates_name_the_person_role_modules_and_versions_and_are_recorded(graded) -> None:
    course = graded[0]
    run = course_cli(course.root, "certificates", "--no-pdf")
    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in (course.build_dir / "certificates").glob("*.html")) == ["sam-o", "verify"]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((course.build_dir / "certificates" / "sam-o.html").as_uri())
        text = " ".join(page.inner_text("body").split())
        screenshot(page, "certificate-with-role-and-versions")
        assert clipped_text(page) == [] and what_a_person_reads(page, course_slugs(course.root)) == []
        table = [[c.strip() for c in row] for row in page.eval_on_selector_all(
            "tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")]
        browser.close()
    assert "Sam Oduya" in text and "Front desk" in text and "sam-o" not in text
    assert [row[1] for row in table] == ["1"] * len(graded[3])
    certificates = records(course).certificates()
    assert [(c.staff_id, c.full_name, c.role) for c in certificates] == [("sam-o", "Sam Oduya", "Front desk")]
    assert certificates[0].code in text
    exported = course_cli(course.root, "records", "export", "--out", str(course.root / "records.csv"))
    assert exported.returncode == 0, exported.stderr
    rows = read_csv(course.root / "records.csv")
    assert {r["certificate_codes"] for r in rows if r["staff_id"] == "sam-o"} == {certificates[0].code}
    assert [r["certificate_codes"] for r in rows if r["staff_id"] == "tess-v"] == [""]
    verified = course_cli(course.root, "verify", certificates[0].code)
    assert verified.returncode == 0 and "Sam Oduya (Front desk)" in said(verified)


def test_the_report_shows_the_staff_status_in_words(graded) -> None:
    course = graded[0]
    run = course_cli(course.root, "report")
    assert run.returncode == 0, run.stderr
    report = course.build_dir / "report"
    assert len(read_csv(report / "status.csv")) == sum(len(role_modules(course.root, p["role"]))
                                                     for p in roster_rows())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((report / "index.html").as_uri())
        staff = page.locator("table.staff")
        rows = staff.locator("tbody tr").count()
        text = " ".join(staff.inner_text().split())
        staff.screenshot(path=str(ARTIFACTS / "report-staff-status.png"))
        assert clipped_text(page) == []
        assert what_a_person_reads(page, course_slugs(course.root)) == []
        browser.close()
    assert rows == len(read_csv(report / "status.csv"))
    assert "Sam Oduya Front desk" in text and "✓ done" in text and "✗ overdue" in text
    assert "tried, not passed yet" in text


def test_taking_someone_off_the_roster_keeps_their_records(graded) -> None:
    course = graded[0]
    before = records(course).completions()
    run = course_cli(course.root, "staff", "remove", "tess-v")
    assert run.returncode == 0, run.stderr
    status = course_cli(course.root, "status")
    assert "Tess Varga" not in said(status) and "Sam Oduya" in said(status)
    assert records(course).completions() == before
    listed = course_cli(course.root, "staff", "list", "--all")
    assert "Tess Varga" in said(listed) and date.today().isoformat() in said(listed)
    back = course_cli(course.root, "staff", "import", str(ROSTER))
    assert back.returncode == 0 and "Tess Varga" in said(course_cli(course.root, "status"))


def test_lab_names_someone_not_on_the_roster_and_a_workspace_that_does_not_fit(course_dir: Path) -> None:
    nobody = course_cli(course_dir, "lab", "--learner", "nobody", "--no-browser")
    assert nobody.returncode == 1 and "'nobody' is not on the staff roster: add them with" in said(nobody)
    assert course_cli(course_dir, "staff", "import", str(ROSTER)).returncode == 0
    both = course_cli(course_dir, "lab", "--learner", "sam-o", "--workspace", str(course_dir / "w"), "--no-browser")
    assert both.returncode == 2 and "with --learner, use --workspaces" in said(both)
    assert not (course_dir / "w").exists()


def test_status_shows_only_the_statuses_asked_for_and_counts_them_all(course_dir: Path) -> None:
    assert course_cli(course_dir, "staff", "import", str(ROSTER)).returncode == 0
    run = course_cli(course_dir, "status", "--as-of", "2026-12-02", "--only", "due", "--csv",
                     str(course_dir / "due.csv"))
    assert run.returncode == 0, run.stderr
    rows = read_csv(course_dir / "due.csv")
    assert rows and {r["status"] for r in rows} == {"due"}
    total = sum(len(role_modules(course_dir, p["role"])) for p in roster_rows())
    assert f"(of {total} required modules; {len(rows)} shown)" in said(run)
    assert "Tess Varga" not in said(run)  # all of hers are overdue
    bad = course_cli(course_dir, "status", "--as-of", "soon")
    assert bad.returncode == 2 and "'soon' is not a date (YYYY-MM-DD)" in said(bad)
