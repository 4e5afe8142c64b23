"""The learner's start page (/course on the `course lab` server): the modules to take, in order,
each with its status ("not started", "in progress: 5 of 12 decisions", "done") and a link to its
page (Voilà). A Jupyter server extension; `course lab` configures it (CourseStartPage)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join

from graders.content.release_data import read_release_data
from graders.course.paths import responses_path
from graders.learner.status import ModuleStatus, module_status
from graders.learner.store import read_response

TEMPLATES = Path(__file__).parent / "templates"
START_PATH = "course"  # the page's address under the server's base URL


@dataclass(frozen=True)
class ModuleRow:
    title: str
    href: str
    status: ModuleStatus | None  # None: the module's files are missing or cannot be read
    problem: str = ""


def module_page(base_url: str, module: str) -> str:
    return url_path_join(base_url, "voila/render", module, f"{module}.ipynb")


def notebook_parts(notebook: Path) -> tuple[str, list[str]]:
    """A module notebook's title (its first level-1 heading) and the ids of its written reflections."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    title, reflections = notebook.parent.name, []
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "markdown" and grading.get("solution"):
            reflections.append(grading["grade_id"])
        elif cell["cell_type"] == "markdown" and title == notebook.parent.name:
            heading = next((line[2:].strip() for line in source.splitlines() if line.startswith("# ")), None)
            title = heading or title
    return title, reflections


def module_row(workspace: Path, base_url: str, module: str) -> ModuleRow:
    """One module's line on the start page, read from the learner's files as they are now."""
    folder = workspace / module
    href = module_page(base_url, module)
    try:
        title, reflection_ids = notebook_parts(folder / f"{module}.ipynb")
        views = read_release_data(folder) or {}
    except (OSError, ValueError, KeyError, TypeError) as err:
        return ModuleRow(module, href, None, f"This module's files could not be read ({type(err).__name__}).")
    path = responses_path(folder, module)
    answers, reflections, problem = {}, {}, ""
    if path.exists():
        try:
            answers, reflections = read_response(path)
        except (OSError, ValueError):
            problem = "Your saved answers could not be read. Open the module to see what to do."
    return ModuleRow(title, href, module_status(views, module, answers, reflections, reflection_ids), problem)


class StartPageHandler(JupyterHandler):
    """GET /course: the start page, built from the learner's files on every visit."""

    @tornado.web.authenticated
    def get(self) -> None:
        _ = self.xsrf_token  # sets the _xsrf cookie, with which a module page shuts its kernel down when left
        page = self.settings["course_start_page"]
        workspace = Path(self.settings["server_root_dir"]).expanduser()
        rows = [module_row(workspace, self.base_url, m) for m in page["modules"]]
        template = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        self.set_header("Cache-Control", "no-store")
        self.finish(template.get_template("start.html").render(rows=rows, **page))


class XsrfCookieHandler(JupyterHandler):
    """GET /course/xsrf: sets the _xsrf cookie. A module page asks for it as it opens, because
    Voilà's page does not set it and, without it, the beacon that shuts the page's kernel down
    when the page is left is refused (the kernel would run on until culled)."""

    @tornado.web.authenticated
    def get(self) -> None:
        _ = self.xsrf_token
        self.set_status(204)
        self.finish()


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "graders.learner.start_page"}]


def _load_jupyter_server_extension(server_app: ServerApp) -> None:
    config = server_app.config.get("CourseStartPage", {})
    server_app.web_app.settings["course_start_page"] = {
        "modules": list(config.get("modules", [])),
        "course_title": config.get("course_title", "Your training"),
        "clinic_name": config.get("clinic_name", ""),
        "clinic_contact": config.get("clinic_contact", ""),
        "clinic_logo": config.get("clinic_logo", ""),
    }
    # The modules hold no math. Without this, Voilà's page loads MathJax 2 from a CDN ("null" for both
    # leaves its MathJax plugin out; JupyterLab 4 bundles its own MathJax and never reads these).
    server_app.web_app.settings.update(mathjax_url="null", mathjax_config="null")
    base_url = server_app.web_app.settings["base_url"]
    server_app.web_app.add_handlers(".*$", [(url_path_join(base_url, START_PATH), StartPageHandler),
                                            (url_path_join(base_url, START_PATH, "xsrf"), XsrfCookieHandler)])
