"""Completion certificates and their verification codes (`course certificates`, `course verify`).

A person gets a certificate when every module their role requires (course.yaml `roles`; for
someone not on the staff roster, every module course.yaml lists) is passed (the mastery
threshold). The verification code is an HMAC of what the certificate states (course, version,
person, name, role, each module's version, score and date), keyed with a secret kept beside the course
(.certificate-key, never committed). `course verify CODE` recomputes the codes from the
gradebook: a code verifies only if the gradebook still shows exactly what was certified.

Beside the certificates, verify.html lets a clinic's office check a code in a browser, offline.
It holds no code and no name: each certificate is an entry found by a hash of its code and sealed
with a key stream drawn from the code, so only someone who has the code can read what it certifies,
and the page gives no way to make a code that verifies.
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
from datetime import date
from pathlib import Path

from graders.course.course import Course, CourseError
from graders.course.settings import long_date
from graders.publish.pages import render_page
from graders.publish.pdf import NoChromium, print_to_pdf
from graders.trainer.records import IssuedCertificate, StaffMember
from graders.trainer.report import Report, collect, percent_text, points_text
from graders.trainer.roster import records
from graders.trainer.training import version_of_work

KEY_FILE = ".certificate-key"
VERIFY_PAGE = "verify.html"  # beside the certificates: a clinic's office checks a code there


@dataclass(frozen=True)
class Certificate:
    learner: str
    modules: tuple[tuple[str, float, float, str, int], ...]  # (module, score, max, date, version)
    code: str
    name: str = ""  # the roster's full name, else the gradebook's; the learner id where there is none
    role: str = ""  # the role's title ("" for someone not on the roster)


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


def certificates_in(course: Course, report: Report, people: list[StaffMember]) -> list[Certificate]:
    """A certificate for every learner in `report` who passed every module they must complete."""
    key, settings = secret_key(course), course.settings
    roster = {p.id: p for p in people}
    out = []
    for learner in report.learners:
        person = roster.get(learner)
        required = course.required_modules(person.role if person else None)
        if not report.passed_all(learner, required):
            continue
        results = [report.results[learner, m] for m in required]
        modules = tuple((r.module, r.score, r.max_score, r.timestamp, version_of_work(settings, r.module, r.timestamp))
                        for r in results)
        name = person.full_name if person else report.name(learner)
        role = settings.role(person.role).title if person else ""
        statement = {"course": settings.course_id, "version": settings.version, "learner": learner,
                     "name": name, "role": role, "modules": [list(m) for m in modules]}
        out.append(Certificate(learner, modules, make_code(key, statement), name, role))
    return out


def earned(course: Course) -> list[Certificate]:
    return certificates_in(course, collect(course), records(course).staff(include_left=True))


def verify(course: Course, code: str) -> Certificate | None:
    wanted = code.strip().upper()
    for certificate in earned(course):
        if hmac.compare_digest(certificate.code, wanted):
            return certificate
    return None


# -- what a person reads ---------------------------------------------------------------------------


def module_rows(certificate: Certificate, report: Report) -> list[dict[str, str]]:
    """Each certified module as it is shown: title, score in points, percentage, date."""
    return [{"module": m, "title": report.title(m), "points": points_text(score, top),
             "percent": percent_text(score / top if top else 0.0), "date": long_date(day), "version": str(version)}
            for m, score, top, day, version in certificate.modules]


# -- the offline verification page -----------------------------------------------------------------


def lookup_id(code: str) -> str:
    """Where a code's entry is filed on the verification page: a hash, from which no code can be found."""
    return hashlib.sha256(f"lookup:{code}".encode()).hexdigest()


def key_stream(code: str, length: int) -> bytes:
    """SHA-256 of 'seal:CODE:0', 'seal:CODE:1', ... joined: as long as the entry it seals."""
    blocks = (hashlib.sha256(f"seal:{code}:{i}".encode()).digest() for i in range(-(-length // 32)))
    return b"".join(blocks)[:length]


def seal(code: str, entry: dict) -> str:
    """The entry as JSON, readable only with the code (the page's script undoes this)."""
    plain = json.dumps(entry, ensure_ascii=False).encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(plain, key_stream(code, len(plain)), strict=True))).decode()


def sealed_entries(course: Course, certificates: list[Certificate], report: Report) -> dict[str, str]:
    settings = course.settings
    return {lookup_id(c.code): seal(c.code, {"name": c.name, "role": c.role or "not given",
                                             "course": settings.title, "version": settings.version,
                                             "modules": module_rows(c, report)})
            for c in certificates}


def verify_page(course: Course, certificates: list[Certificate], report: Report) -> str:
    return render_page("certificate", "verify.html.j2", course=course.settings, logo=course.logo_uri(),
                       entries=sealed_entries(course, certificates, report), made=long_date(date.today().isoformat()))


# -- writing them ----------------------------------------------------------------------------------


def issue(course: Course, out: Path | None = None, pdf: bool = True) -> list[Path]:
    """One HTML page (and a PDF where Chromium is present) per certificate earned, and the
    verification page beside them. Returns the certificates' pages."""
    out = out or course.build_dir / "certificates"
    out.mkdir(parents=True, exist_ok=True)
    report, store = collect(course), records(course)
    certificates = certificates_in(course, report, store.staff(include_left=True))
    if any(f"{c.learner}.html" == VERIFY_PAGE for c in certificates):
        raise CourseError(f"a learner's id would overwrite the verification page {VERIFY_PAGE}: rename that learner")
    logo, pages = course.logo_uri(), []
    for certificate in certificates:
        page = out / f"{certificate.learner}.html"
        page.write_text(render_page("certificate", "certificate.html.j2", course=course.settings, c=certificate,
                                    rows=module_rows(certificate, report), logo=logo,
                                    mastery=percent_text(course.settings.mastery), verify_page=VERIFY_PAGE,
                                    reviewed=course.settings.review_line()),
                        encoding="utf-8")
        pages.append(page)
        if pdf:
            with contextlib.suppress(NoChromium):
                print_to_pdf(page)
    (out / VERIFY_PAGE).write_text(verify_page(course, certificates, report), encoding="utf-8")
    store.add_certificates([IssuedCertificate(c.learner, c.name, c.role, c.code, json.dumps(
        [{"module": m, "version": v, "score": score, "max_score": top, "submitted_on": day}
         for m, score, top, day, v in c.modules]))
                            for c in certificates])
    return pages
