"""nbgrader's exchange with real OS users: learner B cannot list, read or change learner A's
submission or feedback; the graders can collect both learners' work.

Three accounts are made with `useradd` (a grader and two learners); each step runs in a process
that has dropped root for that account, calling nbgrader's own exchange classes (release, fetch,
submit, collect, release feedback, fetch feedback). Needs root; skipped without it, except in CI.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from traitlets.config import Config

from graders.course.exchange import PrivateReleaseAssignment, PrivateSubmit

MODULE = "why-confidentiality-matters"
COURSE_ID = "confidentiality"
ANSWER = '{"a learner": "A\'s own answer"}'

if os.geteuid() != 0:
    pytestmark = pytest.mark.skipif(not os.environ.get("CI"), reason="needs root to make OS users")

# Everything the accounts' processes call, imported before any process drops root (the virtual
# environment's files need not be readable by them).
import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.auth import Authenticator  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402
from nbgrader.exchange.default import (  # noqa: E402
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)


def as_user(name: str, action: Callable[[], object]) -> tuple[bool, str]:
    """Run `action` in a child process that is the OS user `name` (no root, their own groups)."""
    account = pwd.getpwnam(name)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, then act
        os.close(read)
        try:
            os.setgroups(os.getgrouplist(name, account.pw_gid))
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            os.environ.update(HOME=account.pw_dir, USER=name, LOGNAME=name)
            os.chdir(account.pw_dir)
            outcome = [True, repr(action())]
        except BaseException as err:  # noqa: BLE001 (reported to the parent, which asserts on it)
            outcome = [False, f"{type(err).__name__}: {err}"]
        os.write(write, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    ok, said = json.loads(data)
    return ok, said


def nbgrader(kind, base: Path, **course) -> Callable[[], object]:
    """An nbgrader exchange step, configured as on the hub (the course id in the path)."""
    def run() -> object:
        config = Config()
        config.Exchange.root = str(base / "exchange")
        config.Exchange.path_includes_course = True
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.assignment_id = MODULE
        for key, value in course.items():
            setattr(config.CourseDirectory, key, value)
        coursedir = CourseDirectory(config=config)
        step = kind(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
        return step.start()
    return run


@pytest.fixture(scope="module")
def accounts() -> Iterator[dict[str, str]]:
    """A grader and two learners, real OS users with homes of their own, removed afterwards."""
    tag = secrets.token_hex(3)
    base = Path(f"/tmp/course-exchange-{tag}")
    base.mkdir(mode=0o755)
    names = {role: f"cx{tag}-{role}" for role in ("grader", "a", "b")}
    made = []
    try:
        for role, name in names.items():
            home = base / "home" / role
            subprocess.run(["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin",
                            name], check=True, capture_output=True)
            made.append(name)
            home.mkdir(parents=True)
            shutil.chown(home, name, name)
            home.chmod(0o700)
        exchange = base / "exchange"
        exchange.mkdir(mode=0o1777)
        exchange.chmod(0o1777)  # like /tmp: anyone may make a folder; only its owner may rename or remove it
        grader_home = base / "home" / "grader"
        release = grader_home / "release" / MODULE  # what `course build` releases, in the grader's account
        release.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("A module.")]),
                       release / f"{MODULE}.ipynb")
        with Gradebook(f"sqlite:///{grader_home / 'gradebook.db'}", COURSE_ID):
            pass  # made here, so that sqlalchemy and alembic are loaded before any process drops root
        subprocess.run(["chown", "-R", f"{names['grader']}:{names['grader']}", str(grader_home)], check=True)
        yield names | {"base": str(base)}
    finally:
        for name in made:
            subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def answer_and_submit(base: Path, learner: str, submit_class) -> Callable[[], object]:
    def run() -> object:
        folder = Path.cwd() / COURSE_ID / MODULE
        if not folder.exists():
            nbgrader(ExchangeFetchAssignment, base)()
        (folder / "responses.json").write_text(ANSWER.replace("A's", f"{learner}'s"))
        return nbgrader(submit_class, base)()
    return run


@pytest.fixture(scope="module")
def exchanged(accounts: dict[str, str]) -> dict[str, Path]:
    """The grader releases the module (PrivateReleaseAssignment); both learners fetch, answer and
    submit (PrivateSubmit);
    the grader collects; feedback is released for learner A and fetched by A."""
    base = Path(accounts["base"])
    grader, a, b = accounts["grader"], accounts["a"], accounts["b"]
    grader_home = base / "home" / "grader"
    assert as_user(grader, nbgrader(PrivateReleaseAssignment, base, root=str(grader_home))) == (True, "None")
    for learner in (a, b):
        ok, said = as_user(learner, answer_and_submit(base, learner, PrivateSubmit))
        assert ok, said
    ok, said = as_user(grader, nbgrader(ExchangeCollect, base, root=str(grader_home)))
    assert ok, said
    collected = grader_home / "submitted" / a / MODULE
    feedback = grader_home / "feedback" / a / MODULE
    feedback.mkdir(parents=True)
    (feedback / f"{MODULE}.html").write_text("<p>Feedback for A only.</p>")
    for name in ("timestamp.txt", "submission_secret.txt"):
        shutil.copy(collected / name, feedback / name)
    subprocess.run(["chown", "-R", f"{grader}:{grader}", str(grader_home / "feedback")], check=True)
    ok, said = as_user(grader, nbgrader(ExchangeReleaseFeedback, base, root=str(grader_home)))
    assert ok, said
    ok, said = as_user(a, nbgrader(ExchangeFetchFeedback, base))
    assert ok, said
    inbound = base / "exchange" / COURSE_ID / "inbound"
    [a_submission] = [p for p in inbound.iterdir() if p.name.startswith(f"{a}+")]
    return {"inbound": inbound, "a_submission": a_submission, "collected": collected,
            "feedback": base / "exchange" / COURSE_ID / "feedback", "base": base}


def denied(result: tuple[bool, str]) -> bool:
    return result[0] is False and result[1].startswith("PermissionError")


def test_the_grader_collects_each_learners_own_answers(accounts, exchanged) -> None:
    for learner in (accounts["a"], accounts["b"]):
        collected = exchanged["collected"].parent.parent / learner / MODULE / "responses.json"
        assert collected.read_text() == ANSWER.replace("A's", f"{learner}'s")


def test_learner_a_gets_her_own_feedback(accounts, exchanged) -> None:
    home = exchanged["base"] / "home" / "a"
    [page] = list((home / COURSE_ID / MODULE / "feedback").rglob(f"{MODULE}.html"))
    assert page.read_text() == "<p>Feedback for A only.</p>"


def test_learner_b_cannot_list_read_or_change_learner_as_submission_or_feedback(accounts, exchanged) -> None:
    b = accounts["b"]
    submission = exchanged["a_submission"]
    answer = submission / "responses.json"
    secret = submission / "submission_secret.txt"
    feedback = exchanged["feedback"]
    [feedback_page] = list(feedback.glob("*.html"))
    matrix = {
        "list the inbound folder": lambda: os.listdir(exchanged["inbound"]),
        "list A's submission": lambda: os.listdir(submission),
        "read A's answers": lambda: answer.read_text(),
        "read A's submission secret (which names A's feedback)": lambda: secret.read_text(),
        "change A's answers": lambda: answer.open("a").write("forged"),
        "add a file to A's submission": lambda: (submission / "extra.txt").write_text("forged"),
        "rename A's submission": lambda: submission.rename(submission.with_name(submission.name + "x")),
        "remove A's submission": lambda: shutil.rmtree(submission),
        "list the released feedback": lambda: os.listdir(feedback),
        "change A's feedback": lambda: feedback_page.open("a").write("forged"),
        "rename the course's exchange folder": lambda: feedback.parent.rename(feedback.parent.with_name("moved")),
    }
    results = {what: as_user(b, action) for what, action in matrix.items()}
    assert all(denied(r) for r in results.values()), {w: r for w, r in results.items() if not denied(r)}
    assert answer.read_text() == ANSWER.replace("A's", f"{accounts['a']}'s")  # nothing of A's changed


def test_learner_a_and_the_grader_can_read_as_submission(accounts, exchanged) -> None:
    answer = exchanged["a_submission"] / "responses.json"
    for who in (accounts["a"], accounts["grader"]):
        assert as_user(who, answer.read_text) == (True, repr(ANSWER.replace("A's", f"{accounts['a']}'s"))), who


def test_nbgraders_own_submit_would_let_learner_b_read_it(accounts, exchanged) -> None:
    """The reason for PrivateSubmit: with nbgrader's ExchangeSubmit, B reads A's answers once B
    knows the folder's name (the mode is 0777)."""
    a, b = accounts["a"], accounts["b"]
    assert as_user(a, answer_and_submit(exchanged["base"], a, ExchangeSubmit))[0]
    newest = max((p for p in exchanged["inbound"].iterdir() if p.name.startswith(f"{a}+")),
                 key=lambda p: p.stat().st_mtime)
    assert oct(newest.stat().st_mode & 0o777) == "0o777"
    assert as_user(b, (newest / "responses.json").read_text)[0]
