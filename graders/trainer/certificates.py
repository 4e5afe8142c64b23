"""Completion certificates and their verification codes (`course certificates`, `course verify`).

A learner gets a certificate when every module listed in course.yaml is passed (the mastery
threshold). The verification code is an HMAC of what the certificate states (course, version,
learner, each module's score and date), keyed with a secret kept beside the course
(.certificate-key, never committed). `course verify CODE` recomputes the codes from the
gradebook: a code verifies only if the gradebook still shows exactly what was certified.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from graders.course.course import Course
from graders.publish.pages import render_page
from graders.publish.pdf import NoChromium, print_to_pdf
from graders.trainer.report import collect

KEY_FILE = ".certificate-key"


@dataclass(frozen=True)
class Certificate:
    learner: str
    modules: tuple[tuple[str, float, float, str], ...]  # (module, score, max, date)
    code: str


def secret_key(course: Course) -> bytes:
    path = course.root / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def make_code(key: bytes, statement: dict) -> str:
    digest = hmac.new(key, json.dumps(statement, sort_keys=True).encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode()
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def earned(course: Course) -> list[Certificate]:
    """A certificate for every learner who passed every module course.yaml lists."""
    report = collect(course)
    key, settings = secret_key(course), course.settings
    required = settings.modules or course.modules
    out = []
    for learner in report.learners:
        if not report.passed_all(learner, required):
            continue
        modules = tuple((m, report.results[learner, m].score, report.results[learner, m].max_score,
                         report.results[learner, m].timestamp) for m in required)
        statement = {"course": settings.course_id, "version": settings.version, "learner": learner,
                     "modules": [list(m) for m in modules]}
        out.append(Certificate(learner, modules, make_code(key, statement)))
    return out


def verify(course: Course, code: str) -> Certificate | None:
    wanted = code.strip().upper()
    for certificate in earned(course):
        if hmac.compare_digest(certificate.code, wanted):
            return certificate
    return None


def issue(course: Course, out: Path | None = None, pdf: bool = True) -> list[Path]:
    """One HTML page (and a PDF where Chromium is present) per certificate earned."""
    out = out or course.build_dir / "certificates"
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for certificate in earned(course):
        page = out / f"{certificate.learner}.html"
        page.write_text(render_page("certificate", "certificate.html.j2", course=course.settings, c=certificate),
                        encoding="utf-8")
        pages.append(page)
        if pdf:
            with contextlib.suppress(NoChromium):
                print_to_pdf(page)
    return pages
