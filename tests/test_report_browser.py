"""The trainers' report, the certificates and the certificate verification page as a person sees
them: opened from disk in Debian's Chromium with every outside request blocked, read by their
visible text and computed styles (DESIGN.md invariant 12)."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from graders.content.scenarios import load_concepts
from graders.content.schema import key_answers
from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.trainer.certificates import issue
from graders.trainer.demo import random_answers, submit, wrong_answers
from graders.trainer.report import build_report
from tests.browser import (
    block_outside_requests,
    clipped_text,
    course_slugs,
    needs_browser,
    screenshot,
    what_a_person_reads,
)
from tests.conftest import copy_course

pytestmark = needs_browser

MODULES = ["duty-to-protect", "legal-requests"]
NAMES = {"ada": ("Ada", "Example"), "ben": ("Ben", "Example"), "cy": ("Cy", "Example"), "dee": ("Dee", "Example")}
SCORE = re.compile(r"^\d+(\.\d)? of \d+(\.\d)? points?$")  # "5 of 24 points", "12.5 of 25 points"
PERCENT = re.compile(r"^\(?\d+%\)?$")  # whole percentages only


def short_of_mastery(course: Course, module: str, rubric_points: float = 3) -> dict:
    """The key, but with enough decisions wrong to fall short of mastery by no more than the
    reflection's rubric points, so the module waits for rubric grading."""
    scenarios = [s for s in course.module_scenarios(module) if not s.practice]
    answers = {s.id: key_answers(s) for s in scenarios}
    total = sum(step.points for s in scenarios for step in s.steps) + rubric_points
    short, lost = course.settings.mastery * total, 0.0
    for scenario in scenarios:
        parents = {p for step in scenario.steps for p in (step.show_if or {})}
        for step in scenario.steps:  # no branch opens: a wrong answer costs only its own points
            if total - rubric_points - lost >= short and not step.show_if and step.id not in parents:
                answers[scenario.id][step.id] = wrong_answers(scenario)[step.id]
                lost += step.points
    assert total - rubric_points - lost < short <= total - lost, (total, lost)
    return answers


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """Two modules, five learners: two pass everything (certificates), one fails, one waits for rubric
    grading and never submitted a module, one answers at random (partial credit) and has no name."""
    root = copy_course(tmp_path_factory.mktemp("report-browser") / "course")
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(modules=MODULES)
    (root / "course.yaml").write_text(yaml.safe_dump(settings))
    course = Course(root)
    build(course, MODULES, selftest=False)
    with course.gradebook() as gb:
        for learner, (first, last) in NAMES.items():
            gb.update_or_create_student(learner, first_name=first, last_name=last)
    rng = random.Random(7)
    for module in MODULES:
        scenarios = course.module_scenarios(module)
        submit(course, "ada", module, {s.id: key_answers(s) for s in scenarios}, "A reflection.")
        submit(course, "dee", module, {s.id: key_answers(s) for s in scenarios}, None)
        submit(course, "ben", module, {s.id: wrong_answers(s) for s in scenarios}, None)
        submit(course, "eve", module, {s.id: random_answers(s, rng) for s in scenarios}, "Another reflection.")
    submit(course, "cy", "duty-to-protect", short_of_mastery(course, "duty-to-protect"), "My reflection.")
    assert all(o.graded for o in grade_cohort(course, jobs=2))
    build_report(course)
    issue(course, pdf=True)
    return course


@pytest.fixture
def open_offline(browser):
    """Open a page from disk with every request that is not to a file (or inline data) blocked."""
    opened: list[tuple[object, list[str], list[str]]] = []

    def open_page(path: Path):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        outside = block_outside_requests(context, "file://")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri(), wait_until="load")
        opened.append((context, outside, errors))
        return page

    yield open_page
    for context, outside, errors in opened:
        context.close()
        assert outside == [], f"requests left the machine: {outside}"
        assert errors == [], f"errors on the page: {errors}"


def module_titles(course: Course) -> dict[str, str]:
    titles = {}
    for module in MODULES:
        nb = nbformat.read(course.source_notebook(module), as_version=4)
        titles[module] = nb.cells[0].source.splitlines()[0][2:].strip()
    return titles


def reads_right(page, course: Course) -> None:
    assert what_a_person_reads(page, course_slugs(course.root)) == []
    assert clipped_text(page) == []


def visible_text(page) -> str:
    return " ".join(page.inner_text("body").split())


def certificate_pages(course: Course) -> list[Path]:
    return sorted(p for p in (course.build_dir / "certificates").glob("*.html") if p.stem != "verify")


def shown_code(page) -> str:
    return re.search(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}", page.inner_text("body")).group(0)


# -- the report ------------------------------------------------------------------------------------


def test_report_speaks_in_titles_labels_names_and_rounded_scores(cohort: Course, open_offline) -> None:
    page = open_offline(cohort.build_dir / "report" / "index.html")
    screenshot(page, "report")
    reads_right(page, cohort)
    text = visible_text(page)
    for title in module_titles(cohort).values():
        assert title in text, title
    assert "Ada Example" in text and "Ben Example" in text and "eve" in text  # no name: the id
    concepts = load_concepts(cohort.scenarios_dir)
    tagged = {c for s in cohort.scenarios().values() if s.module in MODULES and not s.practice for c in s.concepts}
    for concept in tagged:
        assert " ".join(concepts[concept].split()) in text, f"{concept}: no description shown"
    scenario = cohort.module_scenarios("duty-to-protect")[0]
    step = scenario.steps[0]
    wrong = step.options[[o.id for o in step.options].index(wrong_answers(scenario)[step.id][0])]
    assert wrong.text in text  # the most chosen wrong option, as the learner read it
    learners = page.get_by_role("table", name=re.compile("learner", re.I))
    scores = learners.locator(".points").all_inner_texts()
    assert len(scores) == 9 and all(SCORE.match(s.strip()) for s in scores), scores
    percents = learners.locator(".percent").all_inner_texts()
    assert len(percents) == 9 and all(PERCENT.match(p.strip()) for p in percents), percents
    assert not re.search(r"\b\d+\.\d{2,}\b", learners.inner_text()), "scores printed with two or more decimals"


def test_report_lists_concepts_weakest_first_with_words_not_only_colour(cohort: Course, open_offline) -> None:
    page = open_offline(cohort.build_dir / "report" / "index.html")
    table = page.get_by_role("table", name=re.compile("concept", re.I))
    shares = [int(s.rstrip("%")) for s in table.locator("td.share .value").all_inner_texts()]
    assert len(shares) > 5 and shares == sorted(shares), shares
    mastery = round(100 * cohort.settings.mastery)
    for row in table.locator("tbody tr").all():
        value = row.locator("td.share .value")
        if value.count() and int(value.inner_text().rstrip("%")) < mastery:
            assert "below" in row.inner_text().lower(), row.inner_text()  # said in words, not only coloured
    chart = page.get_by_role("img", name=re.compile("concept", re.I))
    alt = chart.get_attribute("alt")
    alt_shares = [int(n) for n in re.findall(r"(\d+)%", alt.split(":", 1)[1])]
    assert alt_shares == shares, "the chart's text alternative is not in the table's weakest-first order"
    assert not (course_slugs(cohort.root) & set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", alt))), alt


def test_report_status_words_and_colours_differ(cohort: Course, open_offline) -> None:
    page = open_offline(cohort.build_dir / "report" / "index.html")
    learners = page.get_by_role("table", name=re.compile("learner", re.I))
    styles = {}
    for words in ("passed", "awaiting rubric grading", "not yet passed"):
        badge = learners.locator(".status", has_text=re.compile(rf"^\W*{words}$")).first
        assert badge.count(), f"no status {words!r} in the learners table"
        styles[words] = badge.evaluate(
            "e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.borderColor]; }")
        assert badge.inner_text().strip() != words, f"{words!r} has no icon beside its words"
    assert len({tuple(s) for s in styles.values()}) == 3, styles
    assert styles["awaiting rubric grading"][0] != styles["not yet passed"][0], styles


# -- certificates and their verification -----------------------------------------------------------


def test_certificates_show_the_name_titles_logo_and_a_signature_line(cohort: Course, open_offline) -> None:
    pages = certificate_pages(cohort)
    assert [p.stem for p in pages] == ["ada", "dee"]
    for path in pages:
        page = open_offline(path)
        screenshot(page, f"certificate-{path.stem}")
        reads_right(page, cohort)
        text = visible_text(page)
        assert " ".join(NAMES[path.stem]) in text
        for title in module_titles(cohort).values():
            assert title in text
        assert all(SCORE.match(s.strip()) for s in page.locator(".points").all_inner_texts())
        assert page.locator(".points").count() == len(MODULES)
        assert re.search(r"signature", text, re.I) and re.search(r"\bdate\b", text, re.I)
        assert "course verify" not in text  # no shell command for the clinic's office
        assert "verify.html" in text
        logo = page.get_by_role("img", name=re.compile("logo", re.I))
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")


def test_certificate_pdfs_are_one_page_with_the_name(cohort: Course) -> None:
    for path in certificate_pages(cohort):
        pdf = path.with_suffix(".pdf")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+1\b", info), info
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert " ".join(NAMES[path.stem]) in " ".join(text.split())


def test_the_verification_page_checks_a_typed_code_offline(cohort: Course, open_offline) -> None:
    certificate = open_offline(cohort.build_dir / "certificates" / "ada.html")
    code = shown_code(certificate)
    verify_file = cohort.build_dir / "certificates" / "verify.html"
    assert verify_file.is_file()
    source = verify_file.read_text()
    assert code not in source and "Ada" not in source  # holds neither codes nor names, only sealed entries
    page = open_offline(verify_file)
    reads_right(page, cohort)
    box = page.get_by_label(re.compile("code", re.I))
    box.fill(code.lower().replace("-", " "))  # as someone might type it
    page.get_by_role("button", name=re.compile("check", re.I)).click()
    result = page.get_by_role("status")
    result.get_by_text("Ada Example").wait_for()
    shown = " ".join(result.inner_text().split())
    assert "valid" in shown.lower() and "not valid" not in shown.lower()
    for title in module_titles(cohort).values():
        assert title in shown
    assert re.search(r"\d+(\.\d)? of \d+ points", shown)
    reads_right(page, cohort)
    screenshot(page, "verify-valid")
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    box.fill(forged)
    page.get_by_role("button", name=re.compile("check", re.I)).click()
    result.get_by_text(re.compile("not valid", re.I)).wait_for()
    assert "Ada" not in result.inner_text()
    screenshot(page, "verify-forged")
