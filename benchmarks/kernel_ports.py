"""Why a healthy submission could fail to grade when workers ran side by side: the TCP port race.

Over TCP, jupyter_client picks a kernel's five ports by asking the system for free ones, closes
them, writes them into the connection file, and the kernel binds them when it has started, about
a second later. Any process on the machine that opens a local connection in that second may be
given one of those ports for its own end; then the kernel cannot bind it and dies before it
answers, and nbgrader reports the notebook as failed. A serial nbgrader is alone on the machine;
parallel workers are not (each worker's client makes five local connections for every notebook,
and with two workers every kernel start overlaps the other's connections). It is rare for one
start, which is why it showed once in a few hundred notebooks.

This script shows what happens then, without waiting for chance: it starts a kernel over TCP and,
in that second, another socket takes one of the ports the kernel was given, as a connection's own
end would; then a kernel over TCP with nothing taken; then `--starts` kernels over IPC (Unix
sockets named in a folder of this process's own, the course's setting for grading kernels), whose
names no other process picks from, so there is nothing to race for.

    .venv/bin/python benchmarks/kernel_ports.py [--starts 10]
"""

from __future__ import annotations

import argparse
import socket
import tempfile

from jupyter_client.manager import KernelManager


class PortTakenInTheWindow(KernelManager):
    """A kernel manager that, once its ports are chosen and written down and before the kernel runs,
    lets another socket take the shell port (over IPC: bind the path the kernel was given)."""

    taken: socket.socket | None = None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.transport == "tcp":
            self.taken = socket.create_server(("127.0.0.1", self.shell_port))
        await super()._async_launch_kernel(kernel_cmd, **kw)


def start(km: KernelManager) -> str:
    """Start a kernel and wait for it to answer; 'ok' or why it failed."""
    try:
        km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        client = km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=30)
        finally:
            client.stop_channels()
        return "ok"
    except Exception as err:  # the kernel died before it answered
        return f"failed ({type(err).__name__}: {' '.join(str(err).split())[:120]})"
    finally:
        taken = getattr(km, "taken", None)
        if taken is not None:
            taken.close()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        km.cleanup_resources()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10, help="IPC kernels to start as the control")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kernel-ports-") as tmp:
        print("tcp, a port taken in the window:", start(PortTakenInTheWindow(transport="tcp", ip="127.0.0.1")))
        print("tcp, nothing taken:             ", start(KernelManager(transport="tcp", ip="127.0.0.1")))
        results = [start(KernelManager(transport="ipc", ip=f"{tmp}/k{n}")) for n in range(args.starts)]
        print(f"ipc, {args.starts} starts:              {results.count('ok')} ok")


if __name__ == "__main__":
    main()
