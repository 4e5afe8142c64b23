"""Stand-alone HTML pages (report, certificates, handout index) from Jinja templates in
graders/publish/templates/<folder>/, autoescaped. The clinic's logo comes from Course.logo_uri()."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"  # jinja pages and nbconvert templates: handout, feedback


def render_page(folder: str, template: str, **context: object) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / folder), autoescape=True)
    return env.get_template(template).render(**context)
