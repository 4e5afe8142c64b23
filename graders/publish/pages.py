"""Stand-alone HTML pages (report, certificates, handout index) from Jinja templates in
graders/publish/templates/<folder>/, autoescaped."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from graders.course.course import Course

TEMPLATES = Path(__file__).parent / "templates"  # jinja pages and nbconvert templates: handout, feedback


def render_page(folder: str, template: str, **context: object) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / folder), autoescape=True)
    return env.get_template(template).render(**context)


def logo_uri(course: Course) -> str:
    """The clinic's logo as a data URI, so the page needs no other file."""
    logo = course.settings.clinic.logo
    if not logo:
        return ""
    path = course.root / logo
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"
