"""How long a learner waits, from opening a module to its first answerable control: the module page
(the default of `course lab`) next to the baseline, the same module in JupyterLab (open it, click
"Run all cells", wait for the control). One `course lab` server, Debian's Chromium, outside requests
blocked. Also prints axe-core's findings on the start page and on the module page. Asserts nothing.

    .venv/bin/python benchmarks/learner_page.py [--module duty-to-protect] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import LabServer, block_outside_requests, launch  # noqa: E402
from tests.conftest import copy_course  # noqa: E402

FIRST_CONTROL = ".course-choice input"


def page_view(page, server: LabServer, module: str) -> float:
    started = time.monotonic()
    page.goto(f"{server.base}/voila/render/{module}/{module}.ipynb")
    page.locator(FIRST_CONTROL).first.wait_for(timeout=90_000)
    return time.monotonic() - started


def jupyterlab_view(page, server: LabServer, module: str) -> float:
    started = time.monotonic()
    page.goto(server.url(f"{module}/{module}.ipynb"))
    button = page.locator(".jp-NotebookPanel .course-start").get_by_role("button", name="Run all cells")
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=90_000)
    button.click()
    page.locator(f".jp-NotebookPanel {FIRST_CONTROL}").first.wait_for(timeout=90_000)
    return time.monotonic() - started


def axe_summary(page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    counts = Counter(v["impact"] for v in violations)
    rules = ", ".join(f"{v['id']} ({v['impact']})" for v in violations) or "none"
    return f"{sum(counts.values())} violations [{rules}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="duty-to-protect")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        (Path(tmp) / "home").mkdir()
        server = LabServer(course, Path(tmp) / "workspace", [args.module], Path(tmp) / "home")
        outside: list[str] = []
        try:
            with sync_playwright() as p:
                browser = launch(p)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                outside = block_outside_requests(context, server.base)
                page = context.new_page()
                page.on("dialog", lambda dialog: dialog.accept())
                page.goto(f"{server.base}/course?token={server.token}")
                start_axe = axe_summary(page)
                pages = [page_view(page, server, args.module) for _ in range(args.repeat)]
                module_axe = axe_summary(page)
                labs = [jupyterlab_view(page, server, args.module) for _ in range(args.repeat)]
                browser.close()
        finally:
            server.stop()
    print(f"module {args.module}, {args.repeat} openings each: seconds to the first answerable control")
    for label, times in (("module page (Voila, course lab)", pages), ("baseline: JupyterLab + Run all", labs)):
        print(f"{label:34s} median {statistics.median(times):5.2f}  min {min(times):5.2f}  max {max(times):5.2f}")
    print(f"ratio: {statistics.median(labs) / statistics.median(pages):.2f}")
    print(f"axe, start page: {start_axe}")
    print(f"axe, module page: {module_axe}")
    print(f"requests to other hosts: {len(outside)}")


if __name__ == "__main__":
    main()
