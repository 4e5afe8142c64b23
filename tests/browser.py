"""Browser-test plumbing: Debian's Chromium driven by Playwright, offline, and JupyterLab started
the way a learner starts it (`course lab`), on a free localhost port with a random token."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graders.learner.store import read_answers
from graders.publish.pdf import OFFLINE_FLAGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots for reviewers; kept out of git
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="Debian's chromium is not installed (.ci/run installs it; in CI this test never skips)",
)


def launch(playwright):  # -> playwright Browser
    if CHROMIUM is None:
        pytest.fail("CI=true but Debian's chromium is missing: .ci/run must install it")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_FLAGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`course lab` in a process group of its own, with its own Jupyter config, data and runtime folders.
    With `learner`, it is `course lab --learner` for that person, whose workspace is `workspace`."""

    def __init__(self, course: Path, workspace: Path, modules: list[str], home: Path, learner: str = "") -> None:
        self.course, self.workspace = course, workspace
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JUPYTER_TOKEN": self.token, "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
        self.log = home / "lab.log"
        where = (["--learner", learner, "--workspaces", str(workspace.parent)] if learner
                 else ["--workspace", str(workspace)])
        command = [str(Path(sys.executable).parent / "course"), "lab", "--root", str(course), *where,
                   "--port", str(self.port), "--no-browser",
                   *(arg for m in modules for arg in ("--module", m))]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self._wait_until_up(timeout=180)

    def api(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def kernels(self) -> list[dict]:
        """The kernels the server is running now (its REST API)."""
        return json.loads(self.api("/api/kernels"))

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"course lab exited early:\n{self.log.read_text()[-3000:]}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not start in {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def url(self, path: str) -> str:
        """Open `path` alone (`reset`: no tabs restored from an earlier page)."""
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def kill(self) -> None:
        """What a crash or a pulled plug does to the server: SIGKILL, no chance to save anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Shut down through the server's own API, then end whatever is left (orphaned kernels)."""
        if self.process.poll() is None:
            try:
                self.api("/api/shutdown", method="POST")
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def make_formgrader() -> list[str]:
    """The command `make formgrader` runs (`make -n` prints it without running it)."""
    printed = subprocess.run(["make", "-s", "-n", "formgrader"], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=60).stdout.replace("\\\n", " ")
    command = shlex.split(next(line for line in printed.splitlines() if "jupyter lab" in line))
    return [str(ROOT / command[0]), *command[1:]]


class FormgraderServer(LabServer):
    """`make formgrader` (JupyterLab with nbgrader's formgrader, localhost only) run from a course copy,
    on a free port with a random token and Jupyter folders of its own."""

    def __init__(self, course: Path, home: Path) -> None:  # LabServer's helpers, `make formgrader`'s command
        self.course, self.port, self.token = course, free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JUPYTER_TOKEN": self.token, "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        self.log = home / "formgrader.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([*make_formgrader(), f"--port={self.port}"], cwd=course, env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up(timeout=180)

    def formgrader(self, path: str = "") -> str:
        return f"{self.base}/formgrader{path}?token={self.token}"




def option_label(step: dict, option_id: str) -> str:
    return next(o["text"] for o in step["options"] if o["id"] == option_id).strip()


# How long a click may wait for its note ("Saved." or the practice feedback): on a loaded machine (two test
# workers on two cores) the kernel can be busy for a while. A wait, never a speed check.
NOTE_WAIT_MS = 60_000


def settled_answers(path: Path, expected: dict, timeout: float = 20) -> dict:
    """The response file once the last click's save has landed (or, after `timeout`, as it is)."""
    deadline = time.monotonic() + timeout
    while True:
        saved = read_answers(path) if path.exists() else {}
        if saved == expected or time.monotonic() > deadline:
            return saved
        time.sleep(0.2)


def shown_as_chosen(group_of, scenario: dict, answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """What the page shows as chosen, step by step (for the steps in `answers`); `group_of(number)`
    is the locator of decision `number` of this scenario."""
    seen = {}
    for number, step in enumerate(scenario["steps"], start=1):
        if step["id"] in answers:
            group = group_of(number)
            seen[step["id"]] = [o["id"] for o in step["options"]
                                if group.get_by_label(o["text"].strip(), exact=True).is_checked()]
    return seen


def choose_by_keyboard(page, step: dict) -> list[str]:
    """With the focus on a decision's first control: choose the key with the keyboard alone (Space
    and arrow keys in a radio group; Space or Enter on each box that fits, Tab between boxes).
    Returns the option ids chosen."""
    from tests.expected import key_of

    options = [o["id"] for o in step["options"]]
    if step.get("kind", "single") == "single":
        want = options.index(sorted(key_of(step))[0])
        page.keyboard.press("Space")
        for _ in range(want):
            page.keyboard.press("ArrowDown")
        return [options[want]]
    for index, option in enumerate(options):
        if option in key_of(step):
            page.keyboard.press("Enter" if index % 2 else "Space")
        if index < len(options) - 1:
            page.keyboard.press("Tab")
    return [o for o in options if o in key_of(step)]


def submit_and_grade(course: Path, folder: Path, learner: str, module: str) -> tuple[dict[str, float], str]:
    """Hand a learner's module folder in as nbgrader expects it, then `course build` and `course grade`
    as a trainer runs them. Returns the automatic scores by grade id and the submission's notebook id."""
    from graders.course.course import Course

    dest = Course(course).submission_dir(learner, module)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (dest / "timestamp.txt").write_text("2026-12-02 10:00:00.000000 UTC\n")
    for trainer_step in (["build", "--module", module, "--no-selftest"], ["grade", "--no-feedback"]):
        run = subprocess.run([str(BIN / "course"), *trainer_step, "--root", str(course)],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    with Course(course).gradebook() as gb:
        nb = gb.find_submission_notebook(module, module, learner)
        return {g.name: g.auto_score for g in nb.grades if g.cell.cell_type == "code"}, nb.id


def block_outside_requests(context, base: str) -> list[str]:
    """Abort every request that is not to the local server (or inline data); return the list of them."""
    outside: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    return outside


# -- what a person sees ------------------------------------------------------------------------------

TAG_AS_TEXT = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")  # markup printed as text
JARGON = ("Out[", "In [", "Test cell", "grade(", "play(", "Traceback", "None</")
TEXT_BLOCKS = "p, li, pre, td, th, h1, h2, h3, h4, h5, h6, dt, dd, figcaption, blockquote, label, legend, a, span"
CLIPPED_JS = """(selector) => {
  const found = [];
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    found.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth} px)`);
  }
  for (const el of document.querySelectorAll(selector)) {
    if (!el.innerText || !el.innerText.trim() || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName.toLowerCase()}: "${el.innerText.trim().slice(0, 60)}"`);
    }
  }
  return found;
}"""


def course_slugs(root: Path) -> set[str]:
    """Ids a person should never read where a title exists: modules, concepts, scenarios, steps and
    options with a hyphen in them, less any that the course's own prose uses as words."""
    import yaml

    ids = {p.name for p in (root / "curriculum").iterdir() if p.is_dir()}
    ids |= set(yaml.safe_load((root / "scenarios" / "concepts.yaml").read_text()) or {})
    prose = []
    for path in (root / "scenarios").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or "steps" not in data:
            continue
        ids.add(data["id"])
        prose += [data.get("title", ""), data.get("story", "")]
        for step in data["steps"]:
            ids.add(step["id"])
            prose.append(step.get("prompt", ""))
            for option in step.get("options", []):
                ids.add(option["id"])
                prose += [option.get("text", ""), option.get("rationale", "")]
    prose += [p.read_text() for p in (root / "curriculum").rglob("*.ipynb")]
    prose += [p.read_text() for folder in ("curriculum", "client-handouts", "staff-handouts")
             for p in (root / folder).rglob("*.md")]
    text = "\n".join(prose).lower()
    return {i for i in ids if "-" in i and not re.search(rf"(?<![\w/-]){re.escape(i)}(?![\w-])", text)}


def what_a_person_reads(page, slugs: set[str] = frozenset()) -> list[str]:
    """What is wrong in the page's visible text: markup printed as text, code or grading jargon,
    ids where a title belongs. Empty when the page reads right."""
    text = page.inner_text("body")
    problems = [f"markup shown as text: {m.group(0)[:60]!r}" for m in TAG_AS_TEXT.finditer(text)]
    problems += [f"jargon shown: {word!r}" for word in JARGON if word in text]
    problems += [f"id shown: {slug!r}" for slug in sorted(slugs)
                 if re.search(rf"(?<![\w/-]){re.escape(slug)}(?![\w-])", text)]
    return problems


def clipped_text(page) -> list[str]:
    """Text blocks whose content is wider than their box (cut off, or pushed off the page)."""
    return page.evaluate(CLIPPED_JS, TEXT_BLOCKS)


SCREENSHOT_PART = 12_000  # px: a taller page is shot in parts, so Chromium never paints one huge bitmap


def screenshot(page, name: str) -> Path:
    """A full-page screenshot in tests/artifacts/, for a person to look at: `name`.png, and for a page
    taller than SCREENSHOT_PART its further parts as `name`-2.png, `name`-3.png ..."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    if height <= SCREENSHOT_PART:
        shoot(page, path=str(path), full_page=True)
        return path
    for number, top in enumerate(range(0, height, SCREENSHOT_PART), start=1):
        part = path if number == 1 else ARTIFACTS / f"{name}-{number}.png"
        shoot(page, path=str(part), full_page=True,
              clip={"x": 0, "y": top, "width": width, "height": min(SCREENSHOT_PART, height - top)})
    return path


def shoot(page, **options) -> None:
    """page.screenshot, tried once more when a loaded machine's Chromium could not paint it in time
    ("Unable to capture screenshot"): the picture is for people, the page's state is checked apart."""
    from playwright.sync_api import Error

    try:
        page.screenshot(**options)
    except Error as err:
        if "Unable to capture screenshot" not in str(err):
            raise
        page.wait_for_timeout(2000)
        page.screenshot(**options)
