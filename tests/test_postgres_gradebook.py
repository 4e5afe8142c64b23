"""A PostgreSQL gradebook (course.yaml `gradebook:`), graded for real: `course grade --jobs 2` writes
straight into one database, loses and doubles nothing, gives the grades the SQLite path gives, never
falls back to a SQLite file (nbgrader #1661), and the report, status and certificates read it unchanged.

Needs a PostgreSQL server: `deploy/postgres/start-local.sh` starts Debian's on 127.0.0.1 (.ci/run
does). Without one these tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.trainer.demo import make_cohort
from tests.conftest import copy_course

ADMIN_URL = os.environ.get("COURSE_TEST_POSTGRES", "postgresql+psycopg://course_test@127.0.0.1:5432/postgres")
PASSWORD = os.environ.get("COURSE_TEST_POSTGRES_PASSWORD", "course_test")  # given as PGPASSWORD, never in a URL
MODULES = ["why-confidentiality-matters", "duty-to-protect"]
LEARNERS = 6


def admin_engine():
    import sqlalchemy

    return sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def database_url():
    """A database of its own on the local PostgreSQL server, dropped afterwards."""
    import sqlalchemy

    before = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = PASSWORD  # libpq reads it, here and in every `course` and nbgrader process
    engine = admin_engine()
    try:
        engine.connect().close()
    except sqlalchemy.exc.OperationalError as err:
        engine.dispose()
        message = f"no PostgreSQL at {ADMIN_URL} (run deploy/postgres/start-local.sh): {err.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"course_{secrets.token_hex(4)}"
    with engine.connect() as db:
        db.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with engine.connect() as db:
        db.execute(sqlalchemy.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        db.execute(sqlalchemy.text(f'DROP DATABASE "{name}"'))
    engine.dispose()
    os.environ.pop("PGPASSWORD") if before is None else os.environ.update(PGPASSWORD=before)


def set_gradebook(root: Path, gradebook: str | None, **more) -> None:
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(more)
    if gradebook:
        settings["gradebook"] = gradebook
    (root / "course.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))


def cohort_course(root: Path, gradebook: str | None) -> Course:
    set_gradebook(root, gradebook, modules=MODULES, roles={"clinician": {"title": "Clinician"}})
    course = Course(root)
    build(course, MODULES, selftest=False)
    make_cohort(course, LEARNERS, modules=MODULES)  # the demo's cohort: key, blank, partial, wrong, random
    return course


def grades(course: Course) -> dict[tuple[str, str, str], tuple[float | None, float | None]]:
    """(learner, module, cell) -> (automatic score, manual score), for every grade in the gradebook."""
    with course.gradebook() as gb:
        return {(sub.student.id, assignment.name, g.name): (g.auto_score, g.manual_score)
                for assignment in gb.assignments for sub in assignment.submissions
                for nb in sub.notebooks for g in nb.grades}


@pytest.fixture(scope="module")
def both(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Course]:
    """The same cohort graded twice, two workers each: into PostgreSQL, and the SQLite way."""
    postgres = cohort_course(copy_course(tmp_path_factory.mktemp("pg") / "course"), database_url)
    sqlite = cohort_course(copy_course(tmp_path_factory.mktemp("sqlite") / "course"), None)
    for course in (postgres, sqlite):
        assert all(o.graded for o in grade_cohort(course, jobs=2))
    return postgres, sqlite


def course_cli(course: Course, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "course"), *args, "--root", str(course.root)],
                          capture_output=True, text=True, timeout=600)


def test_two_workers_write_one_postgres_gradebook_with_the_sqlite_grades(both) -> None:
    postgres, sqlite = both
    assert grades(postgres) == grades(sqlite)
    assert len({(learner, module) for learner, module, _ in grades(postgres)}) == LEARNERS * len(MODULES)
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres.gradebook_url)
    with engine.connect() as db:  # no submission or grade row twice
        rows = db.execute(sqlalchemy.text("SELECT count(*), count(DISTINCT (assignment_id, student_id)) "
                                          "FROM submitted_assignment")).one()
        graded = db.execute(sqlalchemy.text("SELECT count(*), count(DISTINCT (notebook_id, cell_id)) FROM grade")).one()
    engine.dispose()
    assert rows == (LEARNERS * len(MODULES), LEARNERS * len(MODULES))
    assert graded[0] == graded[1] == len(grades(postgres))


def test_a_postgres_course_never_falls_back_to_a_sqlite_file(both) -> None:
    postgres = both[0]
    exported = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to",
                               str(postgres.root / "export.csv")], cwd=postgres.root, capture_output=True,
                              text=True, timeout=300)  # nbgrader's own command reads the same config
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert len((postgres.root / "export.csv").read_text().splitlines()) == 1 + LEARNERS * len(MODULES)
    assert not list(postgres.root.rglob("gradebook.db"))


def score_reflection(course: Course, score: float) -> None:
    """A trainer's rubric score on learner-01's first reflection, as the formgrader saves it."""
    with course.gradebook() as gb:
        reflection = next(g for nb in gb.find_submission(MODULES[0], "learner-01").notebooks for g in nb.grades
                          if g.cell.cell_type == "markdown")
        reflection.manual_score = score
        gb.db.commit()


def test_a_regrade_keeps_a_trainers_rubric_score_and_changes_no_grade(both) -> None:
    postgres = both[0]
    score_reflection(postgres, 2.0)
    before = grades(postgres)
    assert all(o.graded for o in grade_cohort(postgres, jobs=2))
    assert grades(postgres) == before
    assert [v for k, v in before.items() if k[:2] == ("learner-01", MODULES[0]) and v[1] is not None] == [(None, 2.0)]


def test_report_status_and_certificates_read_the_postgres_gradebook(both) -> None:
    postgres, sqlite = both
    for course in (postgres, sqlite):
        score_reflection(course, 2.0)  # the same rubric score in both, whichever test ran first
        for args in (("report",), ("status", "--csv", str(course.root / "status.csv")), ("certificates", "--no-pdf")):
            run = course_cli(course, *args)
            assert run.returncode == 0, run.stderr[-2000:]
    read = [(c.root / "build" / "report" / "learners.csv").read_text() for c in both]
    assert read[0] == read[1]
    assert (postgres.root / "status.csv").read_text() == (sqlite.root / "status.csv").read_text()
    assert sorted(p.name for p in (postgres.build_dir / "certificates").glob("*.html")) == sorted(
        p.name for p in (sqlite.build_dir / "certificates").glob("*.html"))
    from graders.trainer.roster import records

    code = records(postgres).certificates()[0].code
    assert course_cli(postgres, "verify", code).returncode == 0


def test_a_gradebook_server_that_cannot_be_reached_is_said_in_one_line(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    set_gradebook(root, "postgresql+psycopg://grader@127.0.0.1:9/course")  # port 9: nothing listens
    for command in ("report", "status"):
        run = course_cli(Course(root), command)
        assert run.returncode == 1
        assert "Error: cannot reach the gradebook (course.yaml `gradebook:`): connection failed" in run.stderr
        assert "Traceback" not in run.stderr


def test_a_password_in_course_yaml_is_refused(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    set_gradebook(root, "postgresql+psycopg://grader:secret@127.0.0.1/course")
    run = subprocess.run([str(Path(sys.executable).parent / "course"), "check", "--root", str(root)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "field 'gradebook'" in run.stderr and "put it in PGPASSWORD or ~/.pgpass" in run.stderr
    assert "secret" not in run.stderr


def test_the_demo_never_uses_the_clinics_postgres_gradebook(tmp_path: Path) -> None:
    from graders.trainer.demo import demo_course

    root = copy_course(tmp_path / "course")
    set_gradebook(root, "postgresql+psycopg://grader@127.0.0.1:9/course")
    demo = demo_course(Course(root))
    assert Course(root).shared_gradebook and not demo.shared_gradebook
    assert demo.gradebook_url == f"sqlite:///{demo.build_dir / 'gradebook.db'}"
