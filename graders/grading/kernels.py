"""Where grading kernels listen: Unix sockets in the user's private Jupyter runtime folder, not TCP.

nbgrader starts a fresh kernel for every notebook it grades. Over TCP, each kernel takes five
ports on 127.0.0.1 (parallel workers can race for the same free port) and ipykernel warns that it
is "running over TCP without encryption ... susceptible to eavesdropping". Over IPC nothing is on
the network, there are no ports to race for, and the socket files sit in a folder only this user
can open. nbgrader_config.py applies it to every kernel nbgrader starts.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_SOCKET_PATH = 100  # a Unix socket path must stay under 108 bytes; ipc adds "-<port>"


def ipc_prefix(runtime_dir: Path | None = None) -> str | None:
    """The socket path prefix for this process's kernels, or None where IPC cannot be used
    (Windows, or a runtime folder path too long for a socket)."""
    if os.name == "nt":
        return None
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = Path(jupyter_runtime_dir())
    prefix = str(runtime_dir / f"grading-{os.getpid()}")
    if len(prefix) + 7 > MAX_SOCKET_PATH:
        return None
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return prefix
