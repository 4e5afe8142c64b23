"""The learner's start page (/course on the `course lab` server): the modules to take, in order,
each with its status ("not started", "in progress: 5 of 12 decisions", "done") and a link to its
page (Voilà). A Jupyter server extension; `course lab` configures it (CourseStartPage).

On JupyterHub (`CourseStartPage.hub`), the modules come through nbgrader's exchange: a module not
yet fetched has a Start button (fetch, then its page), and each started one a Hand in button
(nbgrader submit). The hub gives each person's modules and due dates in $COURSE_LEARNER_PAGE.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import jinja2
import tornado.ioloop
import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join

from graders.learner.hand_in import HandInError, fetch_module, handed_in, submit_module
from graders.learner.status import ModuleStatus, ModuleUnreadable, workspace_module

TEMPLATES = Path(__file__).parent / "templates"
START_PATH = "course"  # the page's address under the server's base URL
LEARNER_PAGE_ENV = "COURSE_LEARNER_PAGE"  # JSON {"learner", "modules", "due"}: one person's page, from the hub


@dataclass(frozen=True)
class ModuleRow:
    title: str
    href: str
    status: ModuleStatus | None  # None: the module's files are missing or cannot be read
    problem: str = ""
    due: str = ""  # "Due by January 5, 2027", for a person on the staff roster
    module: str = ""
    fetched: bool = True  # False on the hub until the learner starts it (nbgrader fetch)
    handed_in: str = ""  # when it was last handed in, on the hub
    released: bool = True  # False on the hub while the trainers have not released it


def module_page(base_url: str, module: str, folder: str = "") -> str:
    return url_path_join(base_url, "voila/render", *filter(None, [folder]), module, f"{module}.ipynb")


def module_row(workspace: Path, base_url: str, module: str, due: str = "", folder: str = "",
               released: Path | None = None) -> ModuleRow:
    """One module's line on the start page, read from the learner's files as they are now (on the
    hub, a module not fetched yet is read from the exchange's released copy)."""
    href = module_page(base_url, module, folder)
    fetched = released is None or (workspace / module).is_dir()
    if not fetched and not (released / module).is_dir():
        return ModuleRow(module.replace("-", " ").capitalize(), href, None,
                         "Your trainer has not released this module yet.", due, module, fetched, released=False)
    try:
        title, status, problem = workspace_module(workspace / module if fetched else released / module, module)
    except ModuleUnreadable as err:
        return ModuleRow(module, href, None, str(err), due, module, fetched)
    return ModuleRow(title, href, status, problem, due, module, fetched)


class CoursePage(JupyterHandler):
    @property
    def page(self) -> dict:
        return self.settings["course_start_page"]

    @property
    def home(self) -> Path:
        return Path(self.settings["server_root_dir"]).expanduser()

    @property
    def workspace(self) -> Path:
        return self.home / self.page["folder"]

    def module_or_404(self, module: str) -> str:
        if not self.page["hub"] or module not in self.page["modules"]:
            raise tornado.web.HTTPError(404)
        return module

    def notice(self, text: str) -> str:
        """The start page's address, saying `text` at its top."""
        return url_path_join(self.base_url, START_PATH) + "?notice=" + quote(text)


class StartPageHandler(CoursePage):
    """GET /course: the start page, built from the learner's files on every visit."""

    @tornado.web.authenticated
    def get(self) -> None:
        _ = self.xsrf_token  # sets the _xsrf cookie, with which a module page shuts its kernel down when left
        page = self.page
        released = Path(page["released"]) if page["hub"] else None
        rows = [module_row(self.workspace, self.base_url, m, page["due"].get(m, ""), page["folder"], released)
                for m in page["modules"]]
        if page["hub"]:
            times = handed_in(self.workspace)
            rows = [replace(r, handed_in=times.get(r.module, "")) for r in rows]
        template = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        self.set_header("Cache-Control", "no-store")
        self.finish(template.get_template("start.html").render(
            rows=rows, notice=self.get_argument("notice", ""), start_url=url_path_join(self.base_url, START_PATH),
            xsrf=self.xsrf_token.decode(), **page))


class FetchHandler(CoursePage):
    """POST /course/start/<module> (hub): nbgrader fetch if it is not here yet, then the module's page."""

    @tornado.web.authenticated
    async def post(self, module: str) -> None:
        module = self.module_or_404(module)
        if not (self.workspace / module).is_dir():
            try:
                await tornado.ioloop.IOLoop.current().run_in_executor(None, fetch_module, self.home, module)
            except HandInError as err:
                self.redirect(self.notice(str(err)))
                return
        self.redirect(module_page(self.base_url, module, self.page["folder"]))


class SubmitHandler(CoursePage):
    """POST /course/hand-in/<module> (hub): nbgrader submit, then the start page says when."""

    @tornado.web.authenticated
    async def post(self, module: str) -> None:
        module = self.module_or_404(module)
        if not (self.workspace / module).is_dir():
            raise tornado.web.HTTPError(404)
        try:
            when = await tornado.ioloop.IOLoop.current().run_in_executor(
                None, submit_module, self.home, self.workspace, module)
        except HandInError as err:
            self.redirect(self.notice(str(err)))
            return
        self.redirect(self.notice(f"Handed in on {when}. Your trainer will see this copy."))


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
    config = dict(server_app.config.get("CourseStartPage", {}))
    if os.environ.get(LEARNER_PAGE_ENV):  # one person's modules, name and due dates, from the hub
        config |= json.loads(os.environ[LEARNER_PAGE_ENV])
    server_app.web_app.settings["course_start_page"] = {
        "hub": bool(config.get("hub", False)),
        "folder": str(config.get("folder", "")),
        "released": str(config.get("released", "")),
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
                                            (url_path_join(base_url, START_PATH, "xsrf"), XsrfCookieHandler),
                                            (url_path_join(base_url, START_PATH, "start", "([^/]+)"), FetchHandler),
                                            (url_path_join(base_url, START_PATH, "hand-in", "([^/]+)"),
                                             SubmitHandler)])
