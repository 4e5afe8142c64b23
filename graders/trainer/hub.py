"""The course on JupyterHub: what deploy/hub/jupyterhub_config.py configures, and `course hub up`.

One hub serves one course (course.yaml `hub:`):
- every person on the staff roster and each trainer logs in with their own OS account; each server
  runs as that account (JupyterHub's LocalProcessSpawner), from the learner environment, a virtual
  environment with this course installed (not editable) that every account can read;
- group `nbgrader-<course id>`: everyone; group `formgrade-<course id>`: the trainers (and the
  grader account), who reach the formgrader;
- two services run as the grader account, which alone can read the course folder (mode 0700, where
  the scenario keys are): the formgrader (`<course id>`, nbgrader's demo layout) and the answer
  record (`<course id>-answers`, graders/trainer/answer_service.py);
- modules go out and come back through nbgrader's exchange with each submission private
  (graders.course.exchange); grading reads the gradebook course.yaml names (PostgreSQL).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from graders.course.course import Course, CourseError
from graders.course.paths import COURSE_ROOT_ENV
from graders.course.settings import Hub
from graders.learner.lab import JUPYTER_DATA, START_URL, learner_config
from graders.learner.record import RECORD_URL_ENV
from graders.learner.start_page import LEARNER_PAGE_ENV
from graders.trainer.records import StaffMember

CHECKOUT = Path(__file__).resolve().parents[2]  # this package's source checkout
CONFIG_FILE = CHECKOUT / "deploy" / "hub" / "jupyterhub_config.py"
LEARNER_CONFIG = Path("etc") / "course-learner"  # in the learner environment: the learners' Jupyter config
PROXY = "configurable-http-proxy"
DEBIAN_NODE_PATH = "/usr/share/nodejs"  # Debian's configurable-http-proxy finds its modules here


def hub_of(course: Course) -> Hub:
    if course.settings.hub is None:
        raise CourseError(f"{course.root / 'course.yaml'} has no `hub:` section (see docs/hub.md)")
    return course.settings.hub


@dataclass(frozen=True)
class HubPlan:
    """Everything the hub's configuration needs, read from course.yaml and the staff roster."""

    course: Course

    @property
    def hub(self) -> Hub:
        return hub_of(self.course)

    @property
    def course_id(self) -> str:
        return self.course.settings.course_id

    @property
    def record_service(self) -> str:
        return f"{self.course_id}-answers"

    def bin(self, name: str) -> str:
        return str(Path(self.hub.environment) / "bin" / name)

    def staff(self) -> list[StaffMember]:
        from graders.trainer.roster import records

        return records(self.course).staff()

    @property
    def learners(self) -> list[str]:
        return sorted({p.id for p in self.staff()} | set(self.hub.trainers))

    @property
    def groups(self) -> dict[str, dict[str, list[str]]]:
        return {f"formgrade-{self.course_id}": {"users": sorted({*self.hub.trainers, self.hub.grader})},
                f"nbgrader-{self.course_id}": {"users": self.learners}}

    @property
    def roles(self) -> list[dict]:
        cid, record = self.course_id, self.record_service
        return [
            {"name": f"formgrade-{cid}", "groups": [f"formgrade-{cid}"],
             "scopes": [f"access:services!service={cid}", "list:services", f"read:services!service={cid}"]},
            {"name": f"nbgrader-{cid}", "groups": [f"nbgrader-{cid}"],
             "scopes": [f"access:services!service={record}", "list:services", f"read:services!service={cid}"]},
            # A learner's server (and its kernels) may report activity, be reached, tell nbgrader which
            # course groups its owner is in (JupyterHubAuthPlugin), and send answers to the record.
            {"name": "server", "scopes": ["users:activity!user", "access:servers!server", "read:users:name!user",
                                         "read:users:groups!user", f"access:services!service={record}"]},
        ]

    @property
    def path(self) -> str:
        """$PATH for the services and servers: the learner environment's commands first."""
        return f"{self.bin('')}:/usr/local/bin:/usr/bin:/bin"

    def grader_environment(self) -> dict[str, str]:
        """The services' environment: the course, the learner environment's commands, PGPASSWORD if the
        hub was given one (else the grader's ~/.pgpass)."""
        env = {COURSE_ROOT_ENV: str(self.course.root), "PATH": self.path}
        if "PGPASSWORD" in os.environ:
            env["PGPASSWORD"] = os.environ["PGPASSWORD"]
        return env

    @property
    def services(self) -> list[dict]:
        grader, root = self.hub.grader, str(self.course.root)
        return [
            {"name": self.course_id, "url": f"http://127.0.0.1:{self.hub.formgrader_port}", "user": grader,
             "cwd": root, "command": [self.bin("jupyterhub-singleuser")], "oauth_no_confirm": True,
             "environment": {**self.grader_environment(), "JUPYTERHUB_DEFAULT_URL": "/formgrader"}},
            {"name": self.record_service, "url": f"http://127.0.0.1:{self.hub.record_port}", "user": grader,
             "cwd": root, "command": [self.bin("python"), "-m", "graders.trainer.answer_service"],
             "environment": self.grader_environment()},
        ]

    @property
    def record_url(self) -> str:
        return f"http://127.0.0.1:{self.hub.record_port}/services/{self.record_service}/record"

    @property
    def learner_environment(self) -> dict[str, str]:
        """Every learner server's environment (no $COURSE_ROOT: a learner's kernel has no way to the keys)."""
        return {"JUPYTER_CONFIG_PATH": str(Path(self.hub.environment) / LEARNER_CONFIG),
                "JUPYTER_PATH": str(JUPYTER_DATA), RECORD_URL_ENV: self.record_url,
                "PATH": self.path}

    def learner_page(self, username: str) -> dict:
        """One person's start page: their role's modules and due dates (every module for a trainer
        who is not on the roster)."""
        from graders.trainer.training import due_lines

        person = next((p for p in self.staff() if p.id == username), None)
        if person is None:
            return {"modules": self.course.modules, "learner": "", "due": {}}
        title = self.course.settings.role(person.role).title
        return {"modules": self.course.required_modules(person.role), "learner": f"{person.full_name}, {title}",
                "due": due_lines(self.course, person)}

    def pre_spawn_hook(self, spawner) -> None:
        """JupyterHub calls this before each server starts: that person's start page."""
        page = json.dumps(self.learner_page(spawner.user.name))
        spawner.environment = {**spawner.environment, LEARNER_PAGE_ENV: page}


# -- `course hub up` --------------------------------------------------------------------------------


def outbound(course: Course) -> Path:
    return Path(hub_of(course).exchange) / course.settings.course_id / "outbound"


def learner_files(course: Course) -> dict[str, dict]:
    """The learners' Jupyter config (in the learner environment): as `course lab`, with the start page
    reading modules from nbgrader's exchange, and nbgrader's learner-side exchange settings."""
    hub = hub_of(course)
    files = learner_config(course, course.modules)
    files["jupyter_server_config.json"]["CourseStartPage"] |= {
        "hub": True, "folder": course.settings.course_id, "released": str(outbound(course))}
    # The assignment list's server side stays off too: modules are fetched and handed in from the start page.
    files["nbgrader_config.json"] = {
        "CourseDirectory": {"course_id": course.settings.course_id},
        "Exchange": {"root": hub.exchange, "path_includes_course": True},
        "ExchangeFactory": {"submit": "graders.course.exchange.PrivateSubmit"},
        "Authenticator": {"plugin_class": "nbgrader.auth.JupyterHubAuthPlugin"},
    }
    return files


def problems(course: Course) -> list[str]:
    """What stops the hub from starting, each with what to do."""
    hub = hub_of(course)
    found = []
    if os.geteuid() != 0:
        found.append("the hub starts each person's server as their own OS account, so it runs as root: "
                     "sudo .venv/bin/course hub up")
    if shutil.which(PROXY) is None:
        found.append(f"{PROXY} is not installed: apt-get install node-configurable-http-proxy "
                     "(or npm install -g configurable-http-proxy)")
    accounts = [hub.grader, *HubPlan(course).learners]
    missing = [name for name in accounts if not _account(name)]
    if missing:
        found.append(f"no OS account for {', '.join(missing)}: make each with `useradd --create-home NAME` "
                     "(and `passwd NAME` to log in with the hub's default login)")
    if _account(hub.grader):
        found += private_to(course.root, hub.grader)
    return found


def _account(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def private_to(folder: Path, account: str) -> list[str]:
    """The course folder (with the scenario keys) must be the grader account's and closed to others."""
    info, owner = folder.stat(), pwd.getpwnam(account)
    found = []
    if info.st_uid != owner.pw_uid:
        found.append(f"{folder} belongs to uid {info.st_uid}, not to {account}: chown -R {account}: {folder}")
    if stat.S_IMODE(info.st_mode) & 0o077:
        found.append(f"{folder} is open to other accounts (mode {stat.S_IMODE(info.st_mode):o}): chmod 700 {folder}")
    return found


def package_source(dest: Path) -> Path:
    """A copy of this package's own checkout (pyproject.toml, README.md, graders/; no scenario, no key)
    to install from."""
    if not (CHECKOUT / "pyproject.toml").is_file():
        raise CourseError(f"this course's code is not a checkout ({CHECKOUT}): install the learner environment "
                          "yourself (docs/hub.md) and run `course hub up --no-install`")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(CHECKOUT / name, dest / name)
    shutil.copytree(CHECKOUT / "graders", dest / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def open_to_all(path: Path) -> bool:
    """Whether any account may run this file: it and every folder above it are open to others."""
    path = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def shared_python() -> str:
    """A Python 3.11 or newer that every account can run, to base the learner environment on: this one,
    unless it lives in a private folder (e.g. pyenv under /root), else the system's /usr/bin/python3."""
    own = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if own.exists() and open_to_all(own):
        return str(own)
    system = Path("/usr/bin/python3")
    if system.exists() and open_to_all(system) and subprocess.run(
            [str(system), "-c", "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"],
            capture_output=True).returncode == 0:
        return str(system)
    raise CourseError(f"no Python 3.11+ every account can run: {own} is in a private folder and /usr/bin/python3 "
                      "is missing, older, or has no venv (apt-get install python3-venv)")


def install_environment(course: Course, say=print) -> None:
    """Make the learner environment if it is not there, and (re)install this course's package into it,
    not editable; then write the learners' Jupyter config into it."""
    import tempfile

    env = Path(hub_of(course).environment)
    pip = [str(env / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    old = os.umask(0o022)  # every account reads it
    try:
        with tempfile.TemporaryDirectory() as scratch:
            source = str(package_source(Path(scratch)))
            if not (env / "bin" / "jupyterhub-singleuser").exists():
                say(f"Making the learner environment {env} (the first time only: a few minutes)...")
                _quietly([shared_python(), "-m", "venv", str(env)])
                _quietly([*pip, source])
            else:
                say(f"Installing this course's code into {env}...")
                _quietly([*pip, "--no-deps", "--force-reinstall", source])
        folder = env / LEARNER_CONFIG
        for name, values in learner_files(course).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(json.dumps(values, indent=1))
    finally:
        os.umask(old)


def _quietly(command: list[str]) -> None:
    """Run a step of the installation; its output is shown only if it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        said = [line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("WARNING: Location")]
        raise CourseError(f"{' '.join(command[:3])} ... failed:\n" + "\n".join(said[-20:]))


def prepare_folders(course: Course) -> Path:
    """The exchange (mode 1777, like /tmp) and the hub's own state folder (root only). Returns the latter."""
    hub = hub_of(course)
    exchange = Path(hub.exchange)
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)
    state = Path(hub.state)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    return state


def hub_command(course: Course) -> tuple[list[str], dict[str, str]]:
    """The jupyterhub command line and its environment."""
    env = {**os.environ, COURSE_ROOT_ENV: str(course.root)}
    if Path(DEBIAN_NODE_PATH).is_dir():
        env["NODE_PATH"] = ":".join(filter(None, [env.get("NODE_PATH"), DEBIAN_NODE_PATH]))
    if not CONFIG_FILE.is_file():
        raise CourseError(f"{CONFIG_FILE} is missing: run `course hub up` from the course's source checkout")
    command = [HubPlan(course).bin("jupyterhub"), "-f", str(CONFIG_FILE)]
    return command, env


def first_run_guide(course: Course) -> list[str]:
    hub, cid = hub_of(course), course.settings.course_id
    base = f"http://127.0.0.1:{hub.port}"
    return [
        f"The course's hub, on this machine only: {base}/",
        "Staff log in with their OS account and its password (production logins: docs/hub.md).",
        f"Learners land on their modules ({START_URL}): Start opens a module, Hand in sends it to the trainers.",
        f"Trainers ({', '.join(hub.trainers)}): the formgrader at {base}/services/{cid}/formgrader "
        "(in a tab of its own). Release a module there, then Collect; then, as "
        f"{hub.grader}: `course grade`, `course report`.",
        "Stop with Ctrl+C.",
    ]
