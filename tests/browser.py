"""Browser-test plumbing: Debian's Chromium driven by Playwright, offline, and JupyterLab started
the way a learner starts it (`course lab`), on a free localhost port with a random token."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graders.publish.pdf import OFFLINE_FLAGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
    """`course lab` in a process group of its own, with its own Jupyter config, data and runtime folders."""

    def __init__(self, course: Path, workspace: Path, modules: list[str], home: Path) -> None:
        self.course, self.workspace = course, workspace
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JUPYTER_TOKEN": self.token, "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
        self.log = home / "lab.log"
        command = [str(Path(sys.executable).parent / "course"), "lab", "--root", str(course),
                   "--workspace", str(workspace), "--port", str(self.port), "--no-browser",
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
