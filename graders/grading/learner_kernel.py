"""One kernel for all of one learner's notebooks in a grading worker, never shared between learners.

nbgrader's Execute starts a fresh kernel for every notebook, and on two cores starting and
stopping it was about half of a notebook's grading time. A `course grade` worker grades one
learner's notebooks one after another, so ExecuteInLearnerKernel keeps that learner's kernel (and
its client) between them. Before each later notebook the kernel moves to that notebook's folder
and starts a new IPython session (empty namespace, execution count 1), so each notebook runs as in
a fresh kernel; modules already imported stay imported, which is the time saved. The kernel is
stopped before another learner's first notebook, after a notebook whose run broke off (a dead
kernel, a kernel that would not answer), and when the worker ends.

Plain `nbgrader autograde` is unchanged: nbgrader_config.py names nbgrader's own Execute, and only
the worker swaps in this one (see `worker_preprocessors`, which also skips a repeated validation).
"""

from __future__ import annotations

import atexit
import time
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.util import run_hook
from nbgrader.preprocessors import Execute

NBGRADER_EXECUTE = "nbgrader.preprocessors.Execute"
CHECK_METADATA = "nbgrader.preprocessors.CheckCellMetadata"

# Run silently in a kept kernel before its next notebook: that notebook's folder, a new session.
NEW_SESSION = "import os as _os; _os.chdir({folder!r}); del _os; get_ipython().reset(new_session=True)"


class KernelNotReady(RuntimeError):
    """A kept kernel could not be moved to the next notebook."""


@dataclass
class Clock:
    """Seconds spent in Execute for one notebook: `kernel` (starting one, or moving the kept one to
    this notebook) is part of `execute` (all of it, the cells included)."""

    kernel: float = 0.0
    execute: float = 0.0


class KeptKernel:
    """The one kernel a worker keeps (its manager and client), and whose it is."""

    def __init__(self) -> None:
        self.learner: str | None = None
        self.manager: Any = None  # jupyter_client's AsyncKernelManager
        self.client: Any = None  # and its AsyncKernelClient, channels open
        self.clock = Clock()

    def take(self, learner: str) -> tuple[Any, Any]:
        """(manager, client) kept for this learner if the kernel is still alive, else (None, None);
        any other learner's kernel is stopped first."""
        if self.manager is not None and self.learner == learner and run_sync(self.manager.is_alive)():
            return self.manager, self.client
        self.stop()
        return None, None

    def keep(self, learner: str, manager: Any, client: Any) -> None:
        self.learner, self.manager, self.client = learner, manager, client

    def stop(self) -> None:
        manager, client = self.manager, self.client
        self.learner = self.manager = self.client = None
        if client is not None:
            client.stop_channels()
        if manager is None:
            return
        try:
            if run_sync(manager.is_alive)():
                run_sync(manager.shutdown_kernel)(now=True)
        finally:
            run_sync(manager.cleanup_resources)()


KEPT = KeptKernel()
atexit.register(KEPT.stop)


class ExecuteInLearnerKernel(Execute):
    """nbgrader's Execute, running each notebook in its learner's kept kernel (see the module's text)."""

    def preprocess(self, nb, resources=None, km=None):
        started = time.perf_counter()
        learner = resources["nbgrader"]["student"]
        self._folder = resources["metadata"]["path"]
        manager, self._kept_client = KEPT.take(learner)
        if manager is None:
            NotebookClient.__init__(self, nb)
            manager = self.create_kernel_manager()  # Execute starts it, in this notebook's folder
        try:
            result = super().preprocess(nb, resources, manager)
        except BaseException:
            KEPT.keep(learner, manager, self.kc)  # so that stop() ends this kernel too, new or kept
            KEPT.stop()
            raise
        finally:
            KEPT.clock.execute += time.perf_counter() - started
        KEPT.keep(learner, manager, self.kc)
        return result

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        started = time.perf_counter()
        await super().async_start_new_kernel(**kwargs)
        KEPT.clock.kernel += time.perf_counter() - started

    async def async_start_new_kernel_client(self):
        """A new kernel's client, as nbclient makes it; for a kept kernel, its kept client, moved to
        this notebook's folder in a new session."""
        started = time.perf_counter()
        if self._kept_client is None:
            await super().async_start_new_kernel_client()
        else:
            self.kc = self._kept_client
            msg_id = self.kc.execute(NEW_SESSION.format(folder=str(self._folder)), silent=True, store_history=False)
            reply = await self.async_wait_for_reply(msg_id)
            if reply is None or reply["content"]["status"] != "ok":
                raise KernelNotReady(f"the learner's kernel could not move to {self._folder}")
            await run_hook(self.on_notebook_start, notebook=self.nb)
        KEPT.clock.kernel += time.perf_counter() - started
        return self.kc

    # nbclient binds its sync names to its own coroutines: rebind them to these.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)


def worker_preprocessors(sanitize: list[str], autograde: list[str]) -> list[str]:
    """The course's autograde steps for a worker: nbgrader's Execute swapped for ExecuteInLearnerKernel,
    and the closing cell-metadata check left out when the sanitizing pass has just made it (the steps
    between touch no cell's nbgrader metadata, and a learner's notebook is checked all the same)."""
    if NBGRADER_EXECUTE not in autograde:
        raise ValueError(f"nbgrader_config.py's Autograde.autograde_preprocessors has no {NBGRADER_EXECUTE}")
    ours = f"{__name__}.{ExecuteInLearnerKernel.__name__}"
    steps = [ours if p == NBGRADER_EXECUTE else p for p in autograde]
    if CHECK_METADATA in sanitize and steps[-1] == CHECK_METADATA:
        steps.pop()
    return steps
