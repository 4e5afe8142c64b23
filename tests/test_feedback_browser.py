"""Learners' feedback pages as a learner reads them: opened from disk in Chromium with the network
blocked, for a normal module and one that may be retaken. Each decision says what the learner chose,
whether it was right, why and the sources, in wrapped plain text with the score in words; the page
asks no outside host for anything; the learner's reflection is shown as text, never as HTML."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.trainer.demo import submit
from tests.browser import clipped_text, course_slugs, needs_browser, screenshot, what_a_person_reads
from tests.conftest import copy_course

pytestmark = needs_browser

MODULE = "duty-to-protect"
THREAT, ANGER = "duty-to-protect-explicit-threat", "duty-to-protect-vague-anger"
ANSWERS = {  # one right, one wrong (a crisis hold is not open on this story's facts), one partly right
    THREAT: {"duty-applies": ["yes-nevada-trigger-met"], "discharge": ["crisis-hold"],
             "what-to-share": ["full-chart"]},
    ANGER: {"clinical-response": ["explore-and-safety-plan"]},  # one of two keyed picks
}
REFLECTION = "I would tell the client first, when it is safe & ask my supervisor (limits < 3 in number)."
MARKUP = 'I would <b id="bold">tell</b> the client. <img id="picture" src="x.png" alt="">'
SCORE_IN_WORDS = re.compile(r"\b\d+(\.\d+)? of \d+(\.\d+)? points?\b")
VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def graded_course(root: Path, retakes: bool) -> Course:
    """One module built; three learners submitted and graded with the course's own commands."""
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(modules=[MODULE], retakes=retakes)
    (root / "course.yaml").write_text(yaml.safe_dump(settings))
    course = Course(root)
    build(course, [MODULE], selftest=False)
    submit(course, "casey", MODULE, ANSWERS, REFLECTION)
    submit(course, "drew", MODULE, ANSWERS, MARKUP)
    assert all(o.graded for o in grade_cohort(course, jobs=1))
    return course


@pytest.fixture(scope="module")
def courses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Course]:
    normal = graded_course(copy_course(tmp_path_factory.mktemp("feedback") / "course"), retakes=False)
    # The same page made by nbgrader's own command line (the API made it above; the formgrader's
    # button is checked in test_formgrader_browser.py).
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_feedback", MODULE,
                           "--student", "casey", "--force"], cwd=normal.root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    retakes = graded_course(copy_course(tmp_path_factory.mktemp("feedback-retakes") / "course"), retakes=True)
    return {"normal": normal, "retakes": retakes}


def open_offline(browser, course: Course, learner: str, viewport: dict):
    """The learner's feedback page from disk; returns (page, the requests that tried to leave)."""
    path = course.step_dir("feedback") / learner / MODULE / f"{MODULE}.html"
    context = browser.new_context(viewport=viewport)
    outside: list[str] = []
    context.route(re.compile(r"^(?!file:|data:).*"), lambda r: (outside.append(r.request.url), r.abort()))
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    return page, outside


def step(course: Course, step_id: str, scenario: str = THREAT):
    return course.scenarios()[scenario].step(step_id)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("mode", ["normal", "retakes"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_feedback_reads_as_wrapped_text_and_works_offline(browser, courses: dict, mode: str, size: str) -> None:
    course = courses[mode]
    page, outside = open_offline(browser, course, "casey", VIEWPORTS[size])
    screenshot(page, f"feedback-{mode}-{size}")
    assert outside == [], f"the page asked outside hosts for {outside}"
    assert what_a_person_reads(page, course_slugs(course.root)) == []
    assert clipped_text(page) == []
    text = flat(page.inner_text("body"))
    assert SCORE_IN_WORDS.search(text), "no score in words"
    assert "Sources" in text and "NRS 629.550(1)" in text
    assert flat(REFLECTION) in text
    fonts = page.eval_on_selector_all(".course-decision", "els => els.map(e => getComputedStyle(e).fontFamily)")
    assert fonts and not any("mono" in f.lower() for f in fonts), fonts
    page.context.close()


def test_each_decision_says_the_choice_whether_right_why_and_the_sources(browser, courses: dict) -> None:
    course = courses["normal"]
    page, _ = open_offline(browser, course, "casey", VIEWPORTS["laptop"])
    decisions = page.locator(".course-decision")
    scored = [flat(t) for t in decisions.all_inner_texts()]
    assert len(scored) >= 12, scored  # every graded decision of the module
    right, wrong_route, wrong, partly = (next(t for t in scored if step(course, s, sid).prompt in t) for s, sid in (
        ("duty-applies", THREAT), ("discharge", THREAT), ("what-to-share", THREAT), ("clinical-response", ANGER)))
    chosen = next(o for o in step(course, "what-to-share").options if o.id == "full-chart")
    assert f"Your answer: {chosen.text}" in wrong and f"Why: {flat(chosen.rationale)}" in wrong
    assert "Result: Not right." in wrong and "0 of 1 point" in wrong and "Sources:" in wrong
    assert "Result: Right." in right and "2 of 2 points" in right
    assert "Result: Partly right." in partly and "1 of 2 points" in partly
    assert "Result: Not right." in wrong_route and "0 of 2 points" in wrong_route
    keyed = next(o for o in step(course, "what-to-share").options if o.correct)
    assert flat(keyed.rationale) not in flat(page.inner_text("body"))  # never the key's explanation
    assert "Not graded yet" in flat(page.inner_text("body"))  # the reflection waits for the trainer
    page.context.close()


def test_retake_feedback_says_right_or_not_yet_and_what_to_review(browser, courses: dict) -> None:
    course = courses["retakes"]
    page, _ = open_offline(browser, course, "casey", VIEWPORTS["laptop"])
    decisions = [flat(t) for t in page.locator(".course-decision").all_inner_texts()]
    assert len(decisions) >= 12 and all(SCORE_IN_WORDS.search(t) for t in decisions), decisions
    assert all(("Result: Right." in t) != ("Result: Not right yet. Review this point" in t) for t in decisions)
    text = flat(page.inner_text("body"))
    assert "Why:" not in text and "Your answer:" not in text
    for option in (o for s in course.scenarios()[THREAT].steps for o in s.options):
        assert flat(option.rationale) not in text
    page.context.close()


def test_the_learners_reflection_is_shown_as_text_never_as_html(browser, courses: dict) -> None:
    page, _ = open_offline(browser, courses["normal"], "drew", VIEWPORTS["laptop"])
    assert page.locator("#bold").count() == 0 and page.locator("#picture").count() == 0
    assert flat(MARKUP) in flat(page.inner_text("body"))
    screenshot(page, "feedback-markup-reflection")
    page.context.close()


def test_the_page_source_has_no_hidden_tests_or_outside_addresses(courses: dict) -> None:
    for course in courses.values():
        page = (course.step_dir("feedback") / "casey" / MODULE / f"{MODULE}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in page and "grade(" not in html.unescape(page)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "a link to an outside host"


@pytest.mark.parametrize("mode", ["normal", "retakes"])
def test_axe_finds_no_serious_or_critical_violation(browser, courses: dict, mode: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, _ = open_offline(browser, courses[mode], "casey", VIEWPORTS["laptop"])
    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []
    page.context.close()
