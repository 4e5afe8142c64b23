"""The handout site in a real browser (Debian's Chromium through Playwright, network blocked):
offline, accessible (axe-core), no code, no key unless the trainer edition; PDFs print; forms print
boxes to tick and lines to write on; staff handouts sit on the index beside the client handouts;
and the publish gate refuses real-looking identifiers and unknown placeholders."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from graders.content.authoring import module_notebook, prose
from graders.content.schema import Scenario
from graders.course.course import PLAY_CALL, Course, CourseError
from graders.publish.gate import BLANK, CHECKBOX, check, client_handouts, reading_grade
from graders.publish.handouts import build_handouts, handout_notebook
from tests.browser import CHROMIUM, clipped_text, course_slugs, needs_browser, screenshot, what_a_person_reads
from tests.conftest import REVIEW_LINE, ROOT, copy_course

CANARY = "CANARY-41c7-HANDOUT-KEY"
LIVE_ONLY_WORDS = ("Run all cells", "Ctrl+S", "File > Save", "save themselves", "How this module works")
STAFF_WORDS = ("Training, not legal advice", "fact sheet", "reviewed by counsel", "Trainer")
CLIENT_PAGE = "what-stays-private"
AGREEMENT = "our-group-agreement"  # a client handout that is a form: blanks and clauses to tick
KEEP_IN_TOUCH = "keeping-in-touch-safely"  # a form too: the client's safe ways to be reached, ticked and written in
KEEP_IN_TOUCH_TITLE = "How we keep in touch safely"
KEEP_IN_TOUCH_PARTS = ["A safe phone", "Messages", "Safe times to call", "A code word", "Email", "Mail",
                       "Who must never be told", "If things change", "Signing", "Questions?"]
CLIENT_FORMS = (AGREEMENT, KEEP_IN_TOUCH)
SCRIPT = "group-opening-script"  # a staff handout
SCRIPT_TITLE = "Opening a group: a facilitator's script"
CLAUSE_TITLE = re.compile(r"^\s*- \[ \] \*\*(.+?)\.?\*\*", re.M)  # "- [ ] **Title.** words"


def add_canary_module(root: Path) -> None:
    scenario = {
        "id": "canary-handout", "title": "A canary scenario", "module": "canary-handout",
        "concepts": ["duty-to-protect"], "jurisdiction": ["US", "NV"], "story": "Alex Fenwick (fictional) asks.",
        "steps": [{"id": "only", "prompt": "Which?", "points": 1, "citations": ["NRS 629.550(1)"],
                   "trainer_note": f"Note {CANARY}",
                   "options": [
                       {"id": "a", "text": "A", "correct": True, "rationale": f"Nevada law NRS 629.550. {CANARY}"},
                       {"id": "b", "text": "B", "rationale": "Nevada law NRS 629.550."}]}],
    }
    (root / "scenarios" / "canary-handout.yaml").write_text(yaml.safe_dump(scenario))
    nb = module_notebook("Canary handout", [Scenario.model_validate(scenario)], REVIEW_LINE)
    nb.cells.insert(1, prose("trainer-tip", f"Trainer tip {CANARY}", tags=["trainer-only"]))
    (root / "curriculum" / "canary-handout").mkdir()
    nbformat.write(nb, root / "curriculum" / "canary-handout" / "canary-handout.ipynb")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = copy_course(tmp_path_factory.mktemp("handouts") / "course")
    add_canary_module(root)
    course = Course(root)
    pdf = CHROMIUM is not None
    return {"default": build_handouts(course, pdf=pdf).parent,
            "answers": build_handouts(course, with_answers=True).parent, "course": root}


def test_default_site_has_no_key_and_the_trainer_edition_has_it_marked(sites: dict[str, Path]) -> None:
    default = [p for p in sites["default"].rglob("*.html")]
    answers = [p for p in sites["answers"].rglob("*.html")]
    assert default and all(CANARY not in p.read_text() for p in default)
    assert CANARY in (sites["answers"] / "canary-handout.html").read_text()
    for page in answers:
        assert "Trainer answer edition" in page.read_text(), page.name
    assert all("Trainer answer edition" not in p.read_text() for p in default)


def test_every_page_is_branded_and_dated(sites: dict[str, Path]) -> None:
    course = Course(sites["course"])
    settings = course.settings
    for page in [sites["default"] / f"{name}.html" for name in ["index", *course.modules]]:  # not client handouts
        text = page.read_text()
        assert settings.clinic.name in text and "Training, not legal advice" in text, page.name
        assert settings.review_line() in html.unescape(text), page.name
        assert f'alt="{settings.clinic.name} logo"' in text, page.name
    index = (sites["default"] / "index.html").read_text()
    assert "Client handouts" in index and "what-stays-private.html" in index
    assert re.search(r"Built \d{4}-\d{2}-\d{2}", index)


def test_pdf_without_chromium_says_what_to_install(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    venv_only = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no /usr/bin, so no chromium
    run = subprocess.run([sys.executable, "-m", "graders.cli", "handouts", "--pdf", "--root", str(root)],
                         capture_output=True, text=True, timeout=300, env=venv_only)
    assert run.returncode == 1
    assert "apt-get install chromium" in " ".join(run.stderr.split())
    assert not (root / "build" / "handouts").exists()  # it stops before writing anything


def test_client_handouts_live_outside_nbgrader_source_folder(sites: dict[str, Path]) -> None:
    """nbgrader's formgrader lists every folder in curriculum/ as an assignment: only modules belong there."""
    course = Course(sites["course"])
    assert {p.name for p in course.curriculum_dir.iterdir() if p.is_dir()} == set(course.modules)
    assert (sites["course"] / "client-handouts" / f"{CLIENT_PAGE}.md").is_file()  # copied with the sources
    assert (sites["default"] / f"{CLIENT_PAGE}.html").is_file()


def test_publish_gate_passes_the_real_course() -> None:
    assert check(ROOT) == []


@pytest.mark.parametrize(("text", "says"), [
    ("Call her at 702-555-1234.", "is not a reserved 555-01xx number"),
    ("Write to jo@gmail.com today.", "email address at 'gmail.com'"),
    ("Her number is 123-45-6789.", "looks like a Social Security number"),
    ("She lives at 1200 Desert Palm Drive now.", "street address '1200 Desert Palm Drive'"),
    ("DOB: 04/12/1990.", "looks like a date of birth"),
    ("See ![](chart.png) here.", "image 'chart.png' has no alt text"),
])
def test_publish_gate_names_each_kind_of_identifier(tmp_path: Path, text: str, says: str) -> None:
    root = copy_course(tmp_path / "course")
    story_file = root / "scenarios" / "duty-to-protect-vague-anger.yaml"
    data = yaml.safe_load(story_file.read_text())
    data["story"] += " " + text
    story_file.write_text(yaml.safe_dump(data, width=1000))
    run = subprocess.run([sys.executable, "-m", "graders.cli", "handouts", "--root", str(root)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    message = " ".join(run.stderr.split())
    assert "publish gate refused" in message and says in message and "duty-to-protect-vague-anger.yaml:" in message
    assert not (root / "build" / "handouts" / "index.html").exists()
    checked = subprocess.run([sys.executable, "-m", "graders.cli", "check", "--root", str(root)],
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 1 and says in " ".join(checked.stderr.split())


def test_publish_gate_refuses_a_client_handout_above_grade_eight(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    hard = ("# Notice\n\nNotwithstanding contemporaneous jurisdictional considerations, disclosures "
            "necessitated by statutory obligations are adjudicated in consultation with institutional "
            "counsel, whose determinations supersede individualized preferences regarding informational "
            "dissemination.\n")
    (root / "client-handouts" / "hard.md").write_text(hard)
    problems = check(root)
    assert any("hard.md: reads at US grade" in p and "grade 8 or below" in p for p in problems), problems


def test_publish_gate_refuses_an_unknown_placeholder(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    agreement = root / "client-handouts" / f"{AGREEMENT}.md"
    lines = agreement.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if BLANK in line)
    lines[number - 1] = lines[number - 1].replace(BLANK, "{{group_name}}", 1)
    agreement.write_text("\n".join(lines) + "\n")
    problems = check(root)
    assert [p for p in problems if f"{AGREEMENT}.md:{number}: placeholder '{{{{group_name}}}}'" in p
            and BLANK in p] != [], problems
    assert len(problems) == 1, problems  # the blanks themselves pass
    with pytest.raises(CourseError, match="group_name"):
        build_handouts(Course(root))
    assert not (root / "build" / "handouts").exists()


def test_publish_gate_checks_staff_handouts_for_identifiers_but_not_reading_level(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    hard = ("# Notice\n\nNotwithstanding contemporaneous jurisdictional considerations, disclosures "
            "necessitated by statutory obligations are adjudicated in consultation with institutional counsel.\n\n"
            f"{REVIEW_LINE}\n\nCall the supervisor at 702-555-1234.\n")
    (root / "staff-handouts" / "hard.md").write_text(hard)
    (root / "staff-handouts" / "no-review-line.md").write_text("# A checklist\n\nAsk first.\n")
    problems = check(root)
    assert any("hard.md:7: phone number '702-555-1234'" in p for p in problems), problems
    assert not any("reads at US grade" in p for p in problems), problems
    assert any("no-review-line.md: a staff handout needs a review line" in p for p in problems), problems


def test_client_handouts_read_at_grade_eight_or_below() -> None:
    grades = {p.name: reading_grade(p.read_text()) for p in client_handouts(ROOT)}
    assert {f"{AGREEMENT}.md", f"{CLIENT_PAGE}.md", f"{KEEP_IN_TOUCH}.md"} <= set(grades)
    assert all(g <= 8 for g in grades.values()), grades


def test_staff_handout_shows_the_courses_review_line_in_place_of_its_own() -> None:
    line = "Legal content reviewed by counsel (R. Counsel, Example Health Law) on January 5, 2027."
    text = handout_notebook(ROOT / "staff-handouts" / f"{SCRIPT}.md", line).cells[0].source
    assert line in text.splitlines() and "Not yet reviewed by counsel" not in text
    assert "Training material, not legal advice." in text


def test_the_script_follows_the_agreement_clause_by_clause() -> None:
    """The facilitator reads the script while members read the agreement: the same clauses, in order."""
    clauses = CLAUSE_TITLE.findall((ROOT / "client-handouts" / f"{AGREEMENT}.md").read_text())
    script = (ROOT / "staff-handouts" / f"{SCRIPT}.md").read_text()
    assert len(clauses) >= 15
    assert [t.rstrip(".") for t in re.findall(r"^### (.+)$", script, re.M)] == clauses


# -- in the browser ---------------------------------------------------------------------------------

BLOCKED: list[str] = []


def open_offline(browser, page_file: Path):
    """Open a page from disk with every non-file request blocked; return (page, requests, errors)."""
    context = browser.new_context()
    outside: list[str] = []
    context.route(re.compile(r"^(?!file:|data:).*"), lambda route: (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri(), wait_until="load")
    return page, outside, errors


@needs_browser
def test_pages_open_offline_with_no_code_and_no_errors(browser, sites: dict[str, Path]) -> None:
    pages = sorted(sites["default"].glob("*.html"))
    assert len(pages) >= 7  # index, five modules, the canary module, client handouts
    for page_file in pages:
        page, outside, errors = open_offline(browser, page_file)
        text = page.inner_text("body")
        assert outside == [], f"{page_file.name} asked for {outside}"
        assert errors == [], f"{page_file.name}: {errors}"
        assert "from graders import" not in text and "play(" not in text and "grade(" not in text
        page.context.close()
    index, _, _ = open_offline(browser, sites["default"] / "index.html")
    links = index.locator("a").all_inner_texts()
    for module in Course(sites["course"]).modules:
        nb = nbformat.read(Course(sites["course"]).source_notebook(module), as_version=4)
        title = nb.cells[0].source.splitlines()[0][2:].strip()
        assert title in links, title


@needs_browser
def test_axe_finds_no_serious_or_critical_violation_and_headings_are_in_order(browser, sites: dict[str, Path]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for site in ("default", "answers"):
        for page_file in sorted(sites[site].glob("*.html")):
            page, _, _ = open_offline(browser, page_file)
            results = axe.run(page)
            bad = [(v["id"], v["impact"]) for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
            assert bad == [], f"{site}/{page_file.name}: {bad}"
            levels = [int(t[1]) for t in page.eval_on_selector_all("h1,h2,h3,h4,h5,h6", "e => e.map(x => x.tagName)")]
            assert levels.count(1) == 1, f"{page_file.name}: {levels.count(1)} h1"
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), f"{page_file.name}: {levels}"
            page.context.close()


@needs_browser
def test_pdfs_print_with_titles_and_no_key(sites: dict[str, Path]) -> None:
    course = Course(sites["course"])
    for module in course.modules:
        pdf = sites["default"] / f"{module}.pdf"
        assert pdf.is_file(), pdf
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert 1 <= pages <= 80, (module, pages)
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        title = nbformat.read(course.source_notebook(module), as_version=4).cells[0].source.splitlines()[0][2:]
        assert " ".join(title.split()) in text, module
        assert CANARY not in text and "Training, not legal advice" in text
    for name in (CLIENT_PAGE, *CLIENT_FORMS):
        printed = subprocess.run(["pdftotext", str(sites["default"] / f"{name}.pdf"), "-"],
                                 capture_output=True, text=True, check=True).stdout
        client = " ".join(printed.split())
        assert course.settings.clinic.name in client, client[:300]
        assert [w for w in STAFF_WORDS if w in client] == [], client  # printed footers too
        if name in CLIENT_FORMS:
            assert printed.count("\u2610") == clause_count((sites["course"] / "client-handouts" / f"{name}.md")
                                                           .read_text()), f"{name}: boxes to tick, printed"


@needs_browser
def test_every_page_reads_right_to_a_person(browser, sites: dict[str, Path]) -> None:
    """Visible text only: no markup shown as text, no jargon or ids, nothing cut off, and none of the live
    module's instructions (run, click, save) on paper. A screenshot of each page lands in tests/artifacts/."""
    slugs = course_slugs(sites["course"])
    problems: list[str] = []
    for site in ("default", "answers"):
        for page_file in sorted(sites[site].glob("*.html")):
            page, _, _ = open_offline(browser, page_file)
            screenshot(page, f"handout-{site}-{page_file.stem}")
            text = page.inner_text("body")
            found = what_a_person_reads(page, slugs) + [f"cut off: {c}" for c in clipped_text(page)]
            found += [f"live-only instruction shown: {w!r}" for w in LIVE_ONLY_WORDS if w in text]
            problems += [f"{site}/{page_file.name}: {f}" for f in found]
            page.context.close()
    assert problems == [], "\n".join(problems[:40])


def played_ids(course: Course, module: str) -> list[str]:
    nb = nbformat.read(course.source_notebook(module), as_version=4)
    return [i for cell in nb.cells if cell.cell_type == "code" for i in PLAY_CALL.findall(cell.source)]


@needs_browser
def test_scenarios_print_as_headings_and_lists_of_boxes_to_tick(browser, sites: dict[str, Path]) -> None:
    course = Course(sites["course"])
    scenarios = course.scenarios()
    for site in ("default", "answers"):
        for module in course.modules:
            played = [scenarios[i] for i in played_ids(course, module)]
            page, _, _ = open_offline(browser, sites[site] / f"{module}.html")
            headings = [" ".join(h.split()) for h in page.locator("h3").all_inner_texts()]
            assert [s.title for s in played if s.title not in headings] == [], f"{site}/{module}: {headings}"
            boxes = page.locator(".course-scenario li").all_inner_texts()
            assert len(boxes) == sum(len(step.options) for s in played for step in s.steps), f"{site}/{module}"
            assert all(b.startswith("\u2610") for b in boxes), f"{site}/{module}: {boxes[:3]}"  # an empty box
            assert page.locator(".write-lines").count() == 1, f"{site}/{module}: no lines for the reflection"
            assert "How to use this handout" in page.locator("h2").all_inner_texts(), f"{site}/{module}"
            page.context.close()


@needs_browser
def test_client_handout_speaks_for_the_clinic_and_module_handouts_for_the_training(browser,
                                                                                 sites: dict[str, Path]) -> None:
    course = Course(sites["course"])
    clinic = course.settings.clinic
    for name in (CLIENT_PAGE, *CLIENT_FORMS):
        page, _, _ = open_offline(browser, sites["default"] / f"{name}.html")
        text = page.inner_text("body")
        assert clinic.name in text and clinic.contact in text, text[:300]
        assert page.get_by_role("img", name=f"{clinic.name} logo").is_visible()
        assert re.search(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December) \d{1,2}, \d{4}\b", text), f"{name}: no date a client can read"
        assert [w for w in STAFF_WORDS if w in text] == [], f"{name}: staff-training wording on a client page"
        page.context.close()
        # A page marked "Trainer answer edition" must never reach a client: client handouts print from the default site.
        assert not (sites["answers"] / f"{name}.html").exists()
    for site in ("default", "answers"):
        for module in course.modules:
            page, _, _ = open_offline(browser, sites[site] / f"{module}.html")
            text = page.inner_text("body")
            assert "Training, not legal advice" in text, f"{site}/{module}"
            assert course.settings.review_line() in text, f"{site}/{module}"
            page.context.close()


def clause_count(markdown: str) -> int:
    return len(CHECKBOX.findall(markdown))


def assert_prints_as_a_form(page, source: str, name: str, title: str, min_boxes: int, min_blanks: int) -> list[str]:
    """A form handout as a person sees it, on screen and in print: its title; a box, a space and the words for
    each `- [ ]`; a line to write on for each blank, wide enough for a name and drawn in print; no form
    controls, no markup, nothing cut off. Screenshots of both land in tests/artifacts/. Returns the boxes' text."""
    text = page.inner_text("body")
    assert title in page.locator("h1").inner_text(), name
    boxes = [b for b in page.locator("li").all_inner_texts() if b.startswith("\u2610")]
    assert len(boxes) == clause_count(source) >= min_boxes, boxes[:3]
    assert all(b.startswith("\u2610 ") and len(b) > 10 for b in boxes), boxes[:3]  # a box, a space, the clause
    assert "{{" not in text and "[ ]" not in text and "[x]" not in text, name
    assert page.locator("input").count() == 0  # paper: boxes to tick, not form controls
    blanks = page.get_by_role("img", name="a line to write on")
    assert blanks.count() == source.count(BLANK) >= min_blanks, name
    assert page.locator(".handout-blank").count() == blanks.count()
    assert clipped_text(page) == [], name
    sizes = page.eval_on_selector_all(".handout-blank", "e => e.map(x => x.getBoundingClientRect().width)")
    assert all(width >= 150 for width in sizes), sizes  # room to write a name
    screenshot(page, f"handout-form-{name}")
    page.emulate_media(media="print")
    lines = page.eval_on_selector_all(".handout-blank", """e => e.map(x => {
        const s = getComputedStyle(x);
        return [s.borderBottomStyle, parseFloat(s.borderBottomWidth), s.borderBottomColor, x.offsetWidth]; })""")
    assert all(style == "solid" and width >= 1 and color in ("rgb(0, 0, 0)", "rgb(34, 34, 34)") and wide >= 150
               for style, width, color, wide in lines), lines[:3]  # a visible line on paper
    assert clipped_text(page) == [], f"{name}, in print"
    screenshot(page, f"handout-print-{name}")
    page.emulate_media(media="screen")
    return boxes


@needs_browser
def test_the_agreement_prints_boxes_to_tick_and_lines_to_write_on(browser, sites: dict[str, Path]) -> None:
    source = (sites["course"] / "client-handouts" / f"{AGREEMENT}.md").read_text()
    page, _, _ = open_offline(browser, sites["default"] / f"{AGREEMENT}.html")
    assert_prints_as_a_form(page, source, AGREEMENT, "Our group agreement", min_boxes=15, min_blanks=8)
    page.context.close()


@needs_browser
def test_keeping_in_touch_safely_is_a_form_the_client_fills_in_with_staff(browser, sites: dict[str, Path]) -> None:
    """The client's choices, each a box to tick (call or not, a message or not, email or not, mail or not) and each
    detail a line to write on (the safe phone, safe times, the code word, the safe address, who must never be
    told); the law named where it speaks; the clinic's contact; lines to sign and date."""
    source = (sites["course"] / "client-handouts" / f"{KEEP_IN_TOUCH}.md").read_text()
    page, _, _ = open_offline(browser, sites["default"] / f"{KEEP_IN_TOUCH}.html")
    boxes = assert_prints_as_a_form(page, source, KEEP_IN_TOUCH, KEEP_IN_TOUCH_TITLE, min_boxes=12, min_blanks=14)
    text = " ".join(page.inner_text("body").split())
    parts = [" ".join(h.split()) for h in page.locator("h2").all_inner_texts()]
    assert parts == KEEP_IN_TOUCH_PARTS, parts
    ticked = {" ".join(b.split()) for b in boxes}
    for choice in ("You may leave a message.", "Do not leave a message.", "You may email me.", "Do not email me.",
                   "You may send me mail.", "Do not send me any mail.", "You may call this phone.",
                   "You may text this phone."):
        assert any(b.startswith(f"\u2610 {choice}") for b in ticked), f"no box for {choice!r}: {sorted(ticked)}"

    def blank_after(words: str) -> bool:  # the words, then a line to write on right after them
        return page.locator("li", has_text=words).locator(".handout-blank").count() >= 1

    for words in ("A safe phone number for me:", "Good days and times to call me:", "My code word:",
                  "A safe email address:", "A safe address:", "People who must never be told about me:",
                  "My signature:", "The staff member's signature:"):
        assert blank_after(words), f"no line to write on after {words!r}"
    assert page.locator("li", has_text="Date:").locator(".handout-blank").count() >= 2  # the client's and staff's
    for said in ("You do not have to tell us why.", "(federal law: 45 CFR 164.522(b))",
                 "Regular email and texts are not fully private.", "You can still choose them.",
                 "(federal guidance: 78 FR 5634)", "You can change this form at any time.",
                 "Privacy officer, Desert Bloom Counseling (fictional): 702-555-0100, privacy@example.org",
                 "It is not legal advice."):
        assert said in text, said
    assert Course(sites["course"]).settings.clinic.contact in text  # the page's own footer, too
    page.context.close()
    index, _, _ = open_offline(browser, sites["default"] / "index.html")
    index.get_by_role("link", name=KEEP_IN_TOUCH_TITLE).click()
    assert index.locator("h1").inner_text() == KEEP_IN_TOUCH_TITLE
    index.context.close()


@needs_browser
def test_the_index_lists_staff_handouts_beside_client_handouts_and_modules(browser, sites: dict[str, Path]) -> None:
    course = Course(sites["course"])

    def section(page, heading: str) -> list[str]:
        return page.locator(f"xpath=//h2[normalize-space()='{heading}']/following-sibling::ul[1]//a").all_inner_texts()

    for site in ("default", "answers"):
        page, _, _ = open_offline(browser, sites[site] / "index.html")
        assert section(page, "Staff handouts") == [SCRIPT_TITLE], site
        assert len(section(page, "Module handouts")) == len(course.modules), site
        if site == "default":
            assert {"Our group agreement", "What stays private here", KEEP_IN_TOUCH_TITLE} <= set(
                section(page, "Client handouts"))
        page.get_by_role("link", name=SCRIPT_TITLE).click()
        assert page.locator("h1").inner_text() == SCRIPT_TITLE, site
        page.context.close()


@needs_browser
def test_the_script_speaks_for_the_training_in_both_editions(browser, sites: dict[str, Path]) -> None:
    course = Course(sites["course"])
    for site in ("default", "answers"):
        page, _, _ = open_offline(browser, sites[site] / f"{SCRIPT}.html")
        text = page.inner_text("body")
        assert "Training material, not legal advice." in text and "Training, not legal advice" in text, site
        assert text.count(course.settings.review_line()) >= 2, site  # the page's header and the script's own
        assert course.settings.clinic.name in text, site
        assert ("Trainer answer edition" in text) == (site == "answers")
        notes = [n for n in page.locator("blockquote").all_inner_texts() if n.startswith("Note:")]
        assert len(notes) >= 10, site
        screenshot(page, f"handout-staff-{site}-{SCRIPT}")
        page.context.close()
