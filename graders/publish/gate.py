"""The publish gate: nothing that looks like a real identifier, no image without alt text, no
placeholder in a handout but the blank ({{blank}}, a line to write on), and client handouts a
client can read (US grade 8 or below). `course handouts` refuses to write the site while any
problem stands, and `course check` reports the same problems; each one names its file and line.
The HIPAA Safe Harbor list (45 CFR 164.514(b)(2)) is the guide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat

from graders.content.yaml_files import read_yaml
from graders.course.preprocessors import REVIEW_LINE

MAX_GRADE = 8.0
PHONE = re.compile(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b")
RESERVED_PHONE = re.compile(r"555[-. ]01\d\d")
EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
SAFE_DOMAINS = {"example.org", "example.com"}
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
STREET = re.compile(r"\b\d{1,5} (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|"
                    r"Way|Place|Pl)\b\.?")
BIRTH_DATE = re.compile(r"\b(?:DOB|D\.O\.B\.|date of birth|born(?: on)?)\b[:\s]*(?:\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|"
                        r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                        r"December) \d{1,2},? \d{4})", re.I)
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
HTML_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
BLANK = "{{blank}}"  # in a handout: a line to write on (a name, a date, a phone number)
PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
CHECKBOX = re.compile(r"^(\s*[-*+] )\[ \] ", re.M)  # "- [ ] clause": a box to tick in front of it


def fictional_addresses(scenarios_dir: Path) -> set[str]:
    cast = scenarios_dir / "cast.yaml"
    data = read_yaml(cast) if cast.exists() else {}
    return set((data or {}).get("addresses", []))


def line_problems(text: str, allowed_addresses: set[str]) -> Iterator[tuple[int, str]]:
    """(line number, problem) for every identifier-like string or unlabelled image in a text."""
    for number, line in enumerate(text.splitlines(), 1):
        for phone in PHONE.findall(line):
            if not RESERVED_PHONE.search(phone):
                yield number, f"phone number {phone!r} is not a reserved 555-01xx number"
        for domain in EMAIL.findall(line):
            if domain.lower() not in SAFE_DOMAINS:
                yield number, f"email address at {domain!r} (use example.org or example.com)"
        for ssn in SSN.findall(line):
            yield number, f"{ssn!r} looks like a Social Security number"
        for address in STREET.findall(line):
            if address.rstrip(".") not in allowed_addresses:
                yield number, f"street address {address!r} is not on the fictional list (scenarios/cast.yaml)"
        for birth in BIRTH_DATE.findall(line):
            yield number, f"{birth!r} looks like a date of birth"
        for alt, src in MD_IMAGE.findall(line):
            if not alt.strip():
                yield number, f"image {src!r} has no alt text"
        for tag in HTML_IMAGE.findall(line):
            alt = HTML_ALT.search(tag)
            if alt is None or not alt.group(1).strip("\"' "):
                yield number, f"image {tag[:60]!r} has no alt text"


def placeholder_problems(text: str) -> Iterator[tuple[int, str]]:
    """(line number, problem) for every {{...}} in a handout that is not the blank."""
    for number, line in enumerate(text.splitlines(), 1):
        for found in PLACEHOLDER.findall(line):
            if found != BLANK:
                yield number, (f"placeholder {found!r} is not a blank: write {BLANK} for a line to write on, "
                               "or put in the words themselves")


def plain_text(markdown: str) -> str:
    """Markdown as a reader hears it: no markup symbols, blanks or boxes to tick, link text kept."""
    text = CHECKBOX.sub(r"\1", markdown.replace(BLANK, " "))
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[#*_`>|-]+", " ", text)


def reading_grade(markdown: str) -> float:
    import textstat  # 0.7.8: works offline (0.7.13 tries to download nltk data)

    return float(textstat.flesch_kincaid_grade(plain_text(markdown)))


CLIENT_HANDOUTS_DIR = "client-handouts"  # top level: every folder in curriculum/ is an nbgrader assignment
STAFF_HANDOUTS_DIR = "staff-handouts"  # top level too: pages for facilitators and staff, not modules


def client_handouts(course_root: Path) -> list[Path]:
    """The client handouts (Markdown, for clients to read), in name order."""
    return sorted((course_root / CLIENT_HANDOUTS_DIR).glob("*.md"))


def staff_handouts(course_root: Path) -> list[Path]:
    """The staff handouts (Markdown, for facilitators and staff: scripts, checklists), in name order."""
    return sorted((course_root / STAFF_HANDOUTS_DIR).glob("*.md"))


def handout_problems(path: Path, allowed_addresses: set[str], for_clients: bool) -> list[str]:
    """A handout's problems: identifiers, images and placeholders; a client handout's reading level;
    a staff handout's review line."""
    text = path.read_text(encoding="utf-8")
    found = list(line_problems(text, allowed_addresses)) + list(placeholder_problems(text))
    problems = [f"{path}:{n}: {p}" for n, p in sorted(found)]
    if for_clients and (grade := reading_grade(text)) > MAX_GRADE:
        problems.append(f"{path}: reads at US grade {grade:.1f}; a client handout must read at grade "
                        f"{MAX_GRADE:g} or below (shorter sentences, simpler words)")
    if not for_clients and not REVIEW_LINE.search(text):
        problems.append(f"{path}: a staff handout needs a review line (\"Checked against the course's fact sheet "
                        "on ...\"); the handout shows course.yaml's current one in its place")
    return problems


def check(course_root: Path) -> list[str]:
    """Every problem in what the course publishes, each as 'file:line: problem'."""
    scenarios_dir = course_root / "scenarios"
    allowed = fictional_addresses(scenarios_dir)
    problems: list[str] = []
    for path in sorted((course_root / "curriculum").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "markdown":
                continue
            where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
            problems += [f"{path}: {where}, line {n}: {p}" for n, p in line_problems(cell.source, allowed)]
    for path in sorted(scenarios_dir.glob("*.yaml")):
        problems += [f"{path}:{n}: {p}" for n, p in line_problems(path.read_text(encoding="utf-8"), allowed)]
    for path in client_handouts(course_root):
        problems += handout_problems(path, allowed, for_clients=True)
    for path in staff_handouts(course_root):
        problems += handout_problems(path, allowed, for_clients=False)
    return problems
