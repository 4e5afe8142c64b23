"""The course on JupyterHub, end to end, with real OS accounts on 127.0.0.1: `course hub up` starts
the hub (configurable-http-proxy, the formgrader and the answer record as the grader account, each
person's server as their own account, from a learner environment with the course installed, not
editable); people log in with their password (PAM); a trainer releases a module in the formgrader;
two learners start it from their start page, answer through the player's save path in their own
kernel, and hand it in; learner B cannot see A's work; the trainer collects in the formgrader and
the grader account runs `course grade` against PostgreSQL; a response file changed by hand, in
step with its event log, is caught by the answer record.

Needs root, configurable-http-proxy and PostgreSQL (`deploy/postgres/start-local.sh`); skipped
without them, except in CI, where it fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files, load, plan_for, scenario_ids

MODULE = "why-confidentiality-matters"
COURSE_ID = "confidentiality-nv"
COURSE_BIN = Path(sys.executable).parent / "course"
ADMIN_URL = os.environ.get("COURSE_TEST_POSTGRES", "postgresql+psycopg://course_test@127.0.0.1:5432/postgres")
PG_PASSWORD = os.environ.get("COURSE_TEST_POSTGRES_PASSWORD", "course_test")
READY_SECONDS = 600  # the first start makes the learner environment (pip install of the course)


def missing() -> str:
    if os.geteuid() != 0:
        return "needs root (the hub starts servers as other OS accounts)"
    if shutil.which("configurable-http-proxy") is None:
        return "needs configurable-http-proxy (apt-get install node-configurable-http-proxy)"
    import sqlalchemy

    try:
        sqlalchemy.create_engine(ADMIN_URL, connect_args={"password": PG_PASSWORD}).connect().close()
    except sqlalchemy.exc.OperationalError:
        return f"needs PostgreSQL at {ADMIN_URL} (deploy/postgres/start-local.sh)"
    return ""


@pytest.fixture(scope="module")
def need() -> None:
    if why := missing():
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def free_port(pair: bool = False) -> int:
    """A free loopback port (and, with pair, the one after it: the proxy's API)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


class Session:
    """One person's browser-less visit: their hub login (cookies) and an API token they made."""

    def __init__(self, base: str, name: str, password: str) -> None:
        self.base, self.name = base, name
        self.web = requests.Session()
        self.web.get(f"{base}/hub/login").raise_for_status()
        answer = self.web.post(f"{base}/hub/login?next=", data={"username": name, "password": password,
                                                                "_xsrf": self.web.cookies["_xsrf"]},
                               allow_redirects=False)
        assert answer.status_code == 302, f"{name} could not log in: {answer.status_code} {answer.text[:300]}"
        made = self.web.post(f"{base}/hub/api/users/{name}/tokens", json={"note": "test"},
                             headers={"X-XSRFToken": self.web.cookies["_xsrf"]})
        made.raise_for_status()
        self.token = made.json()["token"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def get(self, path: str, **kw) -> requests.Response:
        return requests.get(self.base + path, headers=self.auth, allow_redirects=False, timeout=60, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return requests.post(self.base + path, headers=self.auth, allow_redirects=False, timeout=300, **kw)

    def start_server(self) -> None:
        started = self.post(f"/hub/api/users/{self.name}/server")
        assert started.status_code in (201, 202), started.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            server = self.get(f"/hub/api/users/{self.name}").json().get("servers", {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{self.name}'s server did not start")

    def run(self, code: str, notebook: str) -> str:
        """Run `code` in a kernel of this person's server, started for `notebook` (its folder is the
        kernel's working folder, as on a module page); returns what it printed."""
        made = self.post(f"/user/{self.name}/api/sessions",
                         json={"path": notebook, "type": "notebook", "kernel": {"name": "python3"}})
        assert made.status_code == 201, made.text
        kernel = made.json()["kernel"]["id"]
        try:
            return asyncio.run(_execute(self.base.replace("http", "ws", 1) +
                                        f"/user/{self.name}/api/kernels/{kernel}/channels", self.auth, code))
        finally:  # as when a module page is left: the session and its kernel end
            requests.delete(f"{self.base}/user/{self.name}/api/sessions/{made.json()['id']}", headers=self.auth,
                            timeout=30)


async def _execute(url: str, headers: dict[str, str], code: str) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    socket_ = await websocket_connect(HTTPRequest(url, headers=headers))
    msg_id = uuid.uuid4().hex
    socket_.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    printed, done = [], False
    while not done:
        message = json.loads(await asyncio.wait_for(socket_.read_message(), 120))
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        if kind == "stream":
            printed.append(message["content"]["text"])
        elif kind == "error":
            printed.append("ERROR " + message["content"]["ename"] + ": " + message["content"]["evalue"])
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            done = True
    socket_.close()
    return "".join(printed)


def as_grader(hub: dict, *args: str) -> subprocess.CompletedProcess:
    """A `course` command as the grader account, from the learner environment (as a trainer would)."""
    env = {"PATH": f"{hub['env']}/bin:/usr/bin:/bin", "HOME": str(hub["homes"]["grader"]), "PGPASSWORD": PG_PASSWORD,
           "LANG": "C.UTF-8"}
    grader = hub["names"]["grader"]
    return subprocess.run([f"{hub['env']}/bin/course", *args, "--root", str(hub["course"])], user=grader,
                          group=grader, cwd=hub["course"], env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def hub(need) -> Iterator[dict]:
    """Accounts (grader, trainer, learners A and B, each with a password), a course folder the grader
    alone can read, a database of its own, and `course hub up` running; all removed afterwards."""
    import sqlalchemy

    tag = secrets.token_hex(3)
    base = Path(f"/tmp/course-hub-{tag}")
    base.mkdir(mode=0o755)
    names = {role: f"ch{tag}-{role}" for role in ("grader", "trainer", "a", "b", "c")}
    passwords = {role: secrets.token_urlsafe(12) for role in names}
    homes = {role: base / "home" / role for role in names}
    database = f"course_hub_{tag}"
    admin = sqlalchemy.create_engine(ADMIN_URL, connect_args={"password": PG_PASSWORD}, isolation_level="AUTOCOMMIT")
    made: list[str] = []
    process = None
    try:
        for role, name in names.items():
            subprocess.run(["useradd", "--home-dir", str(homes[role]), "--shell", "/bin/bash", name],
                           check=True, capture_output=True)
            made.append(name)
            homes[role].mkdir(parents=True)
            shutil.chown(homes[role], name, name)
            homes[role].chmod(0o700)
        subprocess.run(["chpasswd"], input="".join(f"{names[r]}:{p}\n" for r, p in passwords.items()), text=True,
                       check=True)
        with admin.connect() as db:
            db.execute(sqlalchemy.text(f'CREATE DATABASE "{database}"'))
        course = copy_course(base / "course")
        ports = {"port": free_port(pair=True), "formgrader_port": free_port(), "record_port": free_port()}
        settings = yaml.safe_load((course / "course.yaml").read_text())
        settings |= {"modules": [MODULE], "roles": {"clinician": {"title": "Clinician"}},  # one module to take
                     "gradebook": ADMIN_URL.rsplit("/", 1)[0] + f"/{database}",
                     "hub": {"grader": names["grader"], "trainers": [names["trainer"]],
                             "environment": str(base / "env"), "exchange": str(base / "exchange"),
                             "state": str(base / "state"), **ports}}
        (course / "course.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        roster = base / "roster.csv"
        roster.write_text("id,full_name,role,start_date,email\n"
                          f"{names['a']},Avery Brightwater,clinician,2026-11-02,avery.b@example.org\n"
                          f"{names['b']},Jonah Pell,clinician,2026-11-16,\n"
                          f"{names['c']},Mira Castellano,clinician,2026-10-05,\n")
        env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
        for command in (["staff", "import", str(roster)], ["build", "--module", MODULE, "--no-selftest"]):
            subprocess.run([str(COURSE_BIN), *command, "--root", str(course)], check=True, env=env,
                           capture_output=True)
        subprocess.run(["chown", "-R", f"{names['grader']}:{names['grader']}", str(course)], check=True)
        course.chmod(0o700)
        log = (base / "hub.log").open("w")
        process = subprocess.Popen([str(COURSE_BIN), "hub", "up", "--root", str(course)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{ports['port']}"
        deadline = time.monotonic() + READY_SECONDS
        while True:
            assert process.poll() is None, (base / "hub.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the hub did not start:\n" + (base / "hub.log").read_text()[-3000:]
            try:
                if requests.get(f"{url}/services/{COURSE_ID}-answers/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(1)
        yield {"url": url, "base": base, "course": course, "names": names, "passwords": passwords, "homes": homes,
               "env": base / "env", "database": settings["gradebook"], "log": base / "hub.log"}
    finally:
        if process is not None:  # the hub, its proxy and services (a hub that already stopped is fine)
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for name in made:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        time.sleep(0.5)
        for name in made:
            subprocess.run(["userdel", name], capture_output=True)
        with admin.connect() as db:
            db.execute(sqlalchemy.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       f"WHERE datname = '{database}'"))
            db.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()
        if not os.environ.get("COURSE_KEEP_HUB"):
            shutil.rmtree(base, ignore_errors=True)


ANSWER_CODE = """
import json, os
from pathlib import Path
from graders.learner.player import store_for
store = store_for(Path.cwd(), {module!r})
for scenario, steps in {plan!r}.items():
    for step, chosen in steps.items():
        store.set(scenario, step, chosen)
for grade_id in {reflections!r}:
    store.set_reflection(grade_id, {text!r})
log = Path("responses/{module}.events.jsonl").read_text()
print(json.dumps({{"course_root": os.environ.get("COURSE_ROOT"), "not_recorded": log.count("not-recorded")}}))
"""

# Learner B changes one answer in the response file by hand, and adds a matching line to the event
# log, so the two agree; no copy is echoed into the notebook. Only the answer record can tell.
FORGE_CODE = """
import json
from datetime import UTC, datetime
from pathlib import Path
path, log = Path("responses/{module}.json"), Path("responses/{module}.events.jsonl")
saved = json.loads(path.read_text())
old = saved["answers"][{scenario!r}][{step!r}]
saved["answers"][{scenario!r}][{step!r}] = {new!r}
path.write_text(json.dumps(saved))
line = {{"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "scenario": {scenario!r}, "step": {step!r},
        "old": old, "new": {new!r}}}
with log.open("a") as fh:
    fh.write(json.dumps(line) + "\\n")
print("forged")
"""

# What learner B's own kernel can reach of learner A's work and of the course's keys.
PROBE_CODE = """
import json, os
tries = {{"list the exchange's inbound folder": lambda: os.listdir({inbound!r}),
         "read A's saved answers": lambda: open({a_answers!r}).read(),
         "list A's home": lambda: os.listdir({a_home!r}),
         "read a scenario key": lambda: open({key!r}).read(),
         "list the course folder": lambda: os.listdir({course!r})}}
outcome = {{}}
for what, attempt in tries.items():
    try:
        attempt()
        outcome[what] = "allowed"
    except PermissionError:
        outcome[what] = "denied"
print(json.dumps(outcome))
"""


def reflection_ids(course: Path) -> list[str]:
    from graders.learner.status import notebook_parts

    return notebook_parts(course / "build" / "release" / MODULE / f"{MODULE}.ipynb")[1]


def graded_ids(course: Path) -> list[str]:
    return [p.stem for p in graded_files(MODULE, course / "scenarios")]


def plans(course: Path) -> dict[str, dict[str, dict[str, list[str]]]]:
    """What each learner clicks: A the key everywhere; B a wrong first answer in each scenario."""
    ids = scenario_ids(course, MODULE)
    return {who: {sid: plan_for(load(course / "scenarios", sid), wrong_first=who == "b") for sid in ids}
            for who in ("a", "b")}


@pytest.fixture(scope="module")
def graded(hub) -> dict:
    """The whole term on the hub: release, start, answer, forge (B), hand in, collect, grade."""
    names, url, course = hub["names"], hub["url"], hub["course"]
    started = time.monotonic()
    trainer = Session(url, names["trainer"], hub["passwords"]["trainer"])
    released = trainer.post(f"/services/{COURSE_ID}/formgrader/api/assignment/{MODULE}/release")
    assert released.status_code == 200 and released.json()["success"], released.text
    people = {who: Session(url, names[who], hub["passwords"][who]) for who in ("a", "b")}
    notebook = f"{COURSE_ID}/{MODULE}/{MODULE}.ipynb"
    said: dict[str, dict] = {"pages": {}, "answered": {}, "handed": {}}
    clicks = plans(course)
    reflections = reflection_ids(course)
    for who, person in people.items():
        person.start_server()
        said["pages"][who] = person.get(f"/user/{person.name}/course").text
        opened = person.post(f"/user/{person.name}/course/start/{MODULE}")
        assert opened.status_code == 302, opened.text
        said.setdefault("opened", {})[who] = opened.headers["Location"]
        printed = person.run(ANSWER_CODE.format(module=MODULE, plan=clicks[who], reflections=reflections,
                                                text=f"{who}: I would ask the client first."), notebook)
        said["answered"][who] = json.loads(printed.strip().splitlines()[-1])
    scenario = graded_ids(course)[0]
    step = next(iter(clicks["b"][scenario]))
    key = plan_for(load(course / "scenarios", scenario), wrong_first=False)[step]
    assert people["b"].run(FORGE_CODE.format(module=MODULE, scenario=scenario, step=step, new=key),
                           notebook).strip() == "forged"
    clicks["b"][scenario][step] = key  # what B's response file now says, and what is graded
    for who, person in people.items():
        handed = person.post(f"/user/{person.name}/course/hand-in/{MODULE}")
        assert handed.status_code == 302, handed.text
        said["handed"][who] = person.get(handed.headers["Location"]).text
    homes = hub["homes"]
    said["probe"] = json.loads(people["b"].run(PROBE_CODE.format(
        inbound=str(hub["base"] / "exchange" / COURSE_ID / "inbound"),
        a_answers=str(homes["a"] / COURSE_ID / MODULE / "responses" / f"{MODULE}.json"), a_home=str(homes["a"]),
        key=str(course / "scenarios" / f"{scenario}.yaml"), course=str(course)), notebook).strip())
    said["b_at_a"] = people["b"].get(f"/user/{names['a']}/api/contents/{COURSE_ID}/{MODULE}")
    said["b_at_formgrader"] = people["b"].get(f"/services/{COURSE_ID}/formgrader/api/assignments")
    collected = trainer.post(f"/services/{COURSE_ID}/formgrader/api/assignment/{MODULE}/collect")
    assert collected.status_code == 200 and collected.json()["success"], collected.text
    said["grade"] = as_grader(hub, "grade")
    said["seconds"] = time.monotonic() - started
    said["clicks"], said["reflections"], said["scenario_step"] = clicks, reflections, (scenario, step)
    said["people"] = people
    return said


def scores(hub: dict, learner: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    os.environ["PGPASSWORD"] = PG_PASSWORD
    with Gradebook(hub["database"], COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(MODULE, MODULE, learner)
        return {grade.name: grade.score for grade in notebook.grades if grade.cell_type == "code"}


def test_learners_start_the_module_from_their_start_page_in_one_click(hub, graded) -> None:
    for who in ("a", "b"):
        assert "Start this module" in graded["pages"][who]
        assert graded["opened"][who].endswith(f"/user/{hub['names'][who]}/voila/render/{COURSE_ID}/{MODULE}/"
                                              f"{MODULE}.ipynb")
    assert "Avery Brightwater, Clinician" in graded["pages"]["a"]


def test_a_learners_kernel_has_no_way_to_the_course_and_every_save_reached_the_record(graded) -> None:
    for who in ("a", "b"):
        assert graded["answered"][who] == {"course_root": None, "not_recorded": 0}


def test_the_grader_grades_both_hand_ins_from_postgresql(hub, graded) -> None:
    assert graded["grade"].returncode == 0, graded["grade"].stdout + graded["grade"].stderr
    course = hub["course"]
    for who in ("a", "b"):
        wanted = expected_scores(course / "scenarios", graded["clicks"][who], graded_ids(course))
        got = scores(hub, hub["names"][who])
        assert {k: got[k] for k in wanted} == wanted
    assert sum(scores(hub, hub["names"]["b"]).values()) < sum(scores(hub, hub["names"]["a"]).values())


def test_a_response_file_changed_by_hand_is_caught_by_the_answer_record(hub, graded) -> None:
    from graders.course.course import Course
    from graders.grading.flags import load_flags

    flags = load_flags(Course(hub["course"]))
    scenario, step = graded["scenario_step"]
    assert flags.get(hub["names"]["a"], {}).get(MODULE, []) == []
    [flag] = flags[hub["names"]["b"]][MODULE]
    assert flag == f"answers in the response file differ from the course's answer record (1 step: {scenario}/{step})"


def test_each_learner_gets_feedback_on_their_own_hand_in(hub, graded) -> None:
    for who in ("a", "b"):
        page = hub["course"] / "build" / "feedback" / hub["names"][who] / MODULE / f"{MODULE}.html"
        assert f"{who}: I would ask the client first." in page.read_text()


def test_the_start_page_says_when_a_module_was_handed_in(graded) -> None:
    for who in ("a", "b"):
        assert "Handed in on" in graded["handed"][who] and "Hand in again" in graded["handed"][who]


def test_learner_b_cannot_reach_learner_as_work_the_keys_or_the_formgrader(graded) -> None:
    assert graded["probe"] == {"list the exchange's inbound folder": "denied", "read A's saved answers": "denied",
                               "list A's home": "denied", "read a scenario key": "denied",
                               "list the course folder": "denied"}
    assert graded["b_at_a"].status_code in (403, 404) and MODULE not in graded["b_at_a"].text
    assert graded["b_at_formgrader"].status_code in (403, 404)


def test_the_answer_record_takes_only_a_learners_own_well_formed_answers(hub, graded) -> None:
    from graders.grading.answer_record import count_records

    record = f"/services/{COURSE_ID}-answers/record"
    a = graded["people"]["a"]
    os.environ["PGPASSWORD"] = PG_PASSWORD
    before = count_records(hub["database"], COURSE_ID, a.name, MODULE)
    good = {"format": 1, "module": MODULE, "answers": {}, "reflections": {}}
    assert requests.post(hub["url"] + record, json=good, timeout=30).status_code == 403  # no token
    assert a.post(record, data=b"{not json").status_code == 400
    assert a.post(record, json=good | {"answers": {"x": {"y": "not a list"}}}).status_code == 400
    assert a.post(record, json=good | {"module": "no-such-module"}).status_code == 400
    assert count_records(hub["database"], COURSE_ID, a.name, MODULE) == before


def test_in_a_browser_a_learner_logs_in_starts_answers_and_hands_in_with_no_code(hub, graded, browser) -> None:
    """Learner C in Chromium: the hub's login page, their start page, Start, one decision, Hand in."""
    from graders.grading.answer_record import count_records
    from tests.browser import ARTIFACTS, NOTE_WAIT_MS, option_label

    name, url = hub["names"]["c"], hub["url"]
    scenario = load(hub["course"] / "scenarios", graded_ids(hub["course"])[0])
    step = scenario["steps"][0]
    option = next(o for o in step["options"] if o.get("correct"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{url}/hub/login")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(hub["passwords"]["c"])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Your training modules").wait_for(timeout=120_000)
        assert page.url.split("?")[0].endswith(f"/user/{name}/course")
        start_text = page.locator("main").inner_text()
        assert "For Mira Castellano, Clinician." in start_text and "Start this module" in start_text
        page.screenshot(path=str(ARTIFACTS / "hub-start-page.png"), full_page=True)
        page.get_by_role("button", name="Start this module").click()
        page.locator(".course-choice input").first.wait_for(timeout=90_000)
        assert "/voila/render/" in page.url
        shown = page.locator("body").inner_text()
        assert "import " not in shown and "play(" not in shown and "Run Command" not in shown
        group = page.locator(".course-scenario").filter(has=page.locator("h3", has_text=scenario["title"])).locator(
            "fieldset").filter(has=page.locator("legend", has_text="Decision 1. "))
        group.get_by_label(option_label(step, option["id"]), exact=True).click()
        group.locator(".course-note").get_by_text("Saved.").wait_for(timeout=NOTE_WAIT_MS)
        page.screenshot(path=str(ARTIFACTS / "hub-module-page.png"))
        page.goto(f"{url}/user/{name}/course")
        assert "In progress" in page.locator("main").inner_text()
        page.get_by_role("button", name="Hand in to your trainer").click()
        page.get_by_role("status").wait_for(timeout=60_000)
        assert page.get_by_role("status").inner_text().startswith("Handed in on ")
        page.screenshot(path=str(ARTIFACTS / "hub-handed-in.png"), full_page=True)
    finally:
        context.close()
    os.environ["PGPASSWORD"] = PG_PASSWORD
    assert count_records(hub["database"], COURSE_ID, name, MODULE) == 1  # the one click, as the service received it


def test_hub_check_names_what_stops_the_hub_and_what_to_do(tmp_path: Path) -> None:
    course = copy_course(tmp_path / "course")
    run = subprocess.run([str(COURSE_BIN), "hub", "check", "--root", str(course)], capture_output=True, text=True)
    assert run.returncode == 1 and "has no `hub:` section (see docs/hub.md)" in run.stderr
    settings = yaml.safe_load((course / "course.yaml").read_text())
    settings["hub"] = {"grader": "nosuch-grader", "trainers": ["nosuch-trainer"]}
    (course / "course.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    run = subprocess.run([str(COURSE_BIN), "hub", "check", "--root", str(course)], capture_output=True, text=True)
    said = " ".join(run.stderr.split())
    assert run.returncode == 1 and "Error: the hub cannot start yet:" in said
    assert "no OS account for nosuch-grader, nosuch-trainer: make each with `useradd --create-home NAME`" in said
    assert ("runs as root: sudo .venv/bin/course hub up" in said) == (os.geteuid() != 0)
    assert "Traceback" not in run.stderr
