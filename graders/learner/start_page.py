"""The learner's start page (/course on the `course lab` server): the modules to take, in order,
each with its status ("not started", "in progress: 5 of 12 decisions", "done") and a link to its
page (Voilà). A Jupyter server extension; `course lab` configures it (CourseStartPage)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join

from graders.learner.status import ModuleStatus, ModuleUnreadable, workspace_module

TEMPLATES = Path(__file__).parent / "templates"
START_PATH = "course"  # the page's address under the server's base URL


@dataclass(frozen=True)
class ModuleRow:
    title: str
    href: str
    status: ModuleStatus | None  # None: the module's files are missing or cannot be read
    problem: str = ""
    due: str = ""  # "Due by January 5, 2027", for a person on the staff roster


def module_page(base_url: str, module: str) -> str:
    return url_path_join(base_url, "voila/render", module, f"{module}.ipynb")


def module_row(workspace: Path, base_url: str, module: str, due: str = "") -> ModuleRow:
    """One module's line on the start page, read from the learner's files as they are now."""
    href = module_page(base_url, module)
    try:
        title, status, problem = workspace_module(workspace / module, module)
    except ModuleUnreadable as err:
        return ModuleRow(module, href, None, str(err), due)
    return ModuleRow(title, href, status, problem, due)


class StartPageHandler(JupyterHandler):
    """GET /course: the start page, built from the learner's files on every visit."""

    @tornado.web.authenticated
    def get(self) -> None:
        _ = self.xsrf_token  # sets the _xsrf cookie, with which a module page shuts its kernel down when left
        page = self.settings["course_start_page"]
        workspace = Path(self.settings["server_root_dir"]).expanduser()
        rows = [module_row(workspace, self.base_url, m, page["due"].get(m, "")) for m in page["modules"]]
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
        "learner": config.get("learner", ""),
        "due": dict(config.get("due", {})),
    }
    # The modules hold no math. Without this, Voilà's page loads MathJax 2 from a CDN ("null" for both
    # leaves its MathJax plugin out; JupyterLab 4 bundles its own MathJax and never reads these).
    server_app.web_app.settings.update(mathjax_url="null", mathjax_config="null")
    base_url = server_app.web_app.settings["base_url"]
    server_app.web_app.add_handlers(".*$", [(url_path_join(base_url, START_PATH), StartPageHandler),
                                            (url_path_join(base_url, START_PATH, "xsrf"), XsrfCookieHandler)])
