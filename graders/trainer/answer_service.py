"""The course's answer record service on JupyterHub: `python -m graders.trainer.answer_service`.

The hub starts it as the grader account (deploy/hub/jupyterhub_config.py). A learner's module page
sends every response file it saves to POST <prefix>record with the learner's hub token; the hub
says whose token it is (and that it may use this service), and the file is added to the answer
record in the gradebook's database (graders/grading/answer_record.py). A learner can add records
for themself only, and can change none. GET <prefix>health answers 200 once it listens.
"""

from __future__ import annotations

import json
import logging
import os
from urllib.parse import urlparse

import tornado.ioloop
import tornado.web
from jupyterhub.services.auth import HubAuthenticated

from graders.course.course import Course
from graders.course.paths import course_root
from graders.grading.answer_record import add_record, engine
from graders.learner.store import MAX_BYTES, parse_answers, parse_reflections

log = logging.getLogger("course.answer_record")


class RecordHandler(HubAuthenticated, tornado.web.RequestHandler):
    """POST record: one saved response file of the learner whose token this is."""

    def check_xsrf_cookie(self) -> None:  # token-authenticated API calls only; no cookies are used
        pass

    def post(self) -> None:
        user = self.get_current_user()
        if not user or user.get("kind") != "user":
            raise tornado.web.HTTPError(403, "a learner's hub token is needed")
        if len(self.request.body) > MAX_BYTES:
            raise tornado.web.HTTPError(413, "response file too big")
        course: Course = self.settings["course"]
        try:
            content = json.loads(self.request.body)
            answers, reflections = parse_answers(content), parse_reflections(content)
        except (ValueError, RecursionError) as err:
            raise tornado.web.HTTPError(400, f"not a response file: {err}") from None
        module = content.get("module")
        if module not in course.modules:
            raise tornado.web.HTTPError(400, f"no module {module!r} in this course")
        add_record(course.gradebook_url, course.settings.course_id, user["name"], module, answers, reflections)
        log.info("recorded %s's answers to %s", user["name"], module)
        self.set_status(204)


class HealthHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.finish({"ok": True})


def make_app(course: Course, prefix: str) -> tornado.web.Application:
    engine(course.gradebook_url)  # the table exists before the first learner saves
    return tornado.web.Application([(f"{prefix}record", RecordHandler), (f"{prefix}health", HealthHandler)],
                                   course=course)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    address = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:9998"))
    app = make_app(Course(course_root(None)), prefix)
    app.listen(address.port or 80, address.hostname or "127.0.0.1")
    log.info("answer record listening on %s%s", address.netloc, prefix)
    try:
        tornado.ioloop.IOLoop.current().start()
    except KeyboardInterrupt:  # the hub stops its services with SIGINT
        log.info("answer record stopped")


if __name__ == "__main__":
    main()
