"""The learner's default view in a real browser: `course lab` serves a start page and each module as a
page of its own (Voilà, the course's template), Debian's Chromium driven by Playwright, every outside
request blocked. A learner takes a whole module by mouse, another by keyboard alone, writes the
reflection, finishes, reloads, loses the server, and is graded; the trainer sees the reflection."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest

from graders.course.course import Course
from graders.learner.store import read_response
from tests.browser import (
    ARTIFACTS,
    NOTE_WAIT_MS,
    FormgraderServer,
    LabServer,
    block_outside_requests,
    choose_by_keyboard,
    clipped_text,
    course_slugs,
    needs_browser,
    option_label,
    screenshot,
    settled_answers,
    shown_as_chosen,
    submit_and_grade,
    what_a_person_reads,
)
from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files, load, plan_for, scenario_ids, shown

pytestmark = needs_browser

MODULE = "duty-to-protect"  # answered by mouse, reloaded, the server killed, graded
KEYBOARD_MODULE = "why-confidentiality-matters"  # answered by keyboard alone
TRIES_MODULE = "law-of-confidentiality"  # opened 20 times: is the first control answerable at once?
LEARNER = "page-learner"
REFLECTION = ("I would tell the client at intake, in plain words, that what she says stays private "
              "with a few limits, and that I would tell her first if I ever had to share.")
KEYBOARD_REFLECTION = "Privacy is safety: I explain the limits early and check that she understood."
PAGE_WORDS = ("Run all cells", "Executing", "kernel", "Kernel", "notebook", "Ctrl+S", "YOUR ANSWER HERE")


# --- the server and the page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_course(tmp_path_factory.mktemp("pages") / "course")


@pytest.fixture(scope="module")
def servers(course: Path, tmp_path_factory: pytest.TempPathFactory):
    """`course lab`, as a list: a test that kills the server appends the new one."""
    started = [LabServer(course, course.parent / "workspace", [MODULE, KEYBOARD_MODULE, TRIES_MODULE],
                         tmp_path_factory.mktemp("pages-home"))]
    yield started
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def context(browser, servers):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = block_outside_requests(context, "http://127.0.0.1:")
    yield context
    context.close()
    assert outside == [], f"a page asked for outside hosts: {outside}"


@pytest.fixture(scope="module")
def page(context, servers):
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{servers[-1].base}/?token={servers[-1].token}")  # the address `course lab` prints
    page.get_by_role("heading", name="Your training modules").wait_for()
    return page


def start_page(page, server: LabServer) -> None:
    page.goto(f"{server.base}/course?token={server.token}")
    page.get_by_role("heading", name="Your training modules").wait_for()


def open_from_start_page(page, server: LabServer, title: str) -> float:
    """Click the module's link on the start page; seconds until its first control can be used."""
    start_page(page, server)
    started = time.monotonic()
    page.get_by_role("link", name=title, exact=True).click()
    page.locator(".course-choice input").first.wait_for(timeout=60_000)
    return time.monotonic() - started


def title_of(course: Path, module: str) -> str:
    nb = json.loads((course / "curriculum" / module / f"{module}.ipynb").read_text())
    return next(line[2:].strip() for line in nb["cells"][0]["source"] if line.startswith("# "))


def case(page, title: str):
    return page.locator(".course-scenario").filter(has=page.locator("h3", has_text=title))


def chosen_on_page(page, scenario: dict, answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return shown_as_chosen(lambda number: decision(page, scenario["title"], number), scenario, answers)


def decision(page, title: str, number: int):
    return case(page, title).locator("fieldset").filter(has=page.locator("legend", has_text=f"Decision {number}. "))


def answer_by_clicking(page, scenario: dict, answers: dict[str, list[str]]) -> None:
    for number, step in enumerate(scenario["steps"], start=1):
        if step["id"] in answers:
            group = decision(page, scenario["title"], number)
            for option_id in answers[step["id"]]:
                group.get_by_label(option_label(step, option_id), exact=True).click()
            note = group.locator(".course-note")
            note.get_by_text("Sources:" if scenario.get("practice") else "Saved.").wait_for(timeout=NOTE_WAIT_MS)




def assert_all_back(page, answered: dict) -> None:
    """Every answer of the mouse-answered module is shown as chosen, and the reflection as written."""
    shown_now = {sid: chosen_on_page(page, answered["scenarios"][sid], answered["plan"][sid])
                 for sid in answered["ids"]}
    assert shown_now == answered["plan"]
    assert reflection_box(page).input_value() == REFLECTION


def reflection_box(page):
    return page.get_by_role("textbox", name="Your reflection (it saves itself as you type)")


def settled_reflection(path: Path, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while True:
        saved = read_response(path)[1].get("reflection", "") if path.exists() else ""
        if saved == text or time.monotonic() > deadline:
            return saved
        time.sleep(0.2)


def finish(page, expect: str) -> str:
    """Press Finish module; what it then says, once its heading starts with `expect` (or after 20 s,
    whatever it says: a press's answer comes from the kernel, so an earlier answer may still show)."""
    result = page.locator(".course-finish [role=status]")
    page.get_by_role("button", name="Finish module").click()
    from playwright.sync_api import TimeoutError as NotShown

    try:
        result.locator("p", has_text=expect).wait_for(timeout=20_000)
    except NotShown:  # the assertion on the returned text says what was shown instead
        pass
    return result.inner_text()


def axe_serious(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def responses(servers, module: str) -> Path:
    return servers[-1].workspace / module / "responses" / f"{module}.json"


# --- the start page -------------------------------------------------------------------------------


def test_start_page_lists_the_modules_in_order_with_their_status(course: Path, servers, page) -> None:
    start_page(page, servers[-1])
    links = page.get_by_role("main").get_by_role("link").all_inner_texts()
    assert links == [title_of(course, m) for m in Course(course).modules if m in (MODULE, KEYBOARD_MODULE,
                                                                                      TRIES_MODULE)]
    statuses = page.locator(".status").all_inner_texts()
    assert statuses and all(s.startswith("Not started: ") and s.endswith("decisions and a short reflection.")
                            for s in statuses)
    assert page.get_by_role("heading", level=1).count() == 1
    assert what_a_person_reads(page, course_slugs(course)) == []
    assert clipped_text(page) == []
    assert axe_serious(page) == []
    screenshot(page, "pages-start")


# --- a whole module by mouse ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def answered(course: Path, servers, page) -> dict:
    """A learner opens the module from the start page, answers every step by clicking (some wrong
    first, opening a recovery branch), writes the reflection and presses Finish module."""
    ids = scenario_ids(course, MODULE)
    scenarios = {sid: load(course / "scenarios", sid) for sid in ids}
    graded = [p.stem for p in graded_files(MODULE, course / "scenarios")]
    plan = {sid: plan_for(scenarios[sid], wrong_first=i % 2 == 1) for i, sid in enumerate(ids)}
    first_control = open_from_start_page(page, servers[-1], title_of(course, MODULE))
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "pages-module-before")
    before = page.locator(".course-progress-line").first.inner_text()
    unfinished = finish(page, "Not finished yet.")
    for sid in ids:
        answer_by_clicking(page, scenarios[sid], plan[sid])
    reflection_box(page).click()
    reflection_box(page).fill(REFLECTION)
    page.locator(".course-reflection .course-note").get_by_text("Saved.").wait_for(timeout=20_000)
    finished = finish(page, "This module is complete.")
    screenshot(page, "pages-module-after")
    return {"ids": ids, "graded": graded, "scenarios": scenarios, "plan": plan, "before": before,
            "unfinished": unfinished, "finished": finished, "first_control": first_control}


def test_the_response_file_holds_exactly_what_was_chosen_and_written(answered: dict, servers, page) -> None:
    path = responses(servers, MODULE)
    assert settled_answers(path, answered["plan"]) == answered["plan"]
    assert settled_reflection(path, REFLECTION) == REFLECTION
    events = [json.loads(line) for line in path.with_name(f"{MODULE}.events.jsonl").read_text().splitlines()]
    assert any(e.get("reflection") == "reflection" and e.get("new") == REFLECTION for e in events)
    assert events[-1]["event"] == "finished"
    graded_steps = sum(len(answered["plan"][sid]) for sid in answered["graded"])
    assert answered["before"].startswith("Progress: 0 of ")
    progress = page.locator(".course-progress-line").first.inner_text()
    assert progress.startswith(f"Progress: {graded_steps} of {graded_steps} decisions answered, all saved.")


def test_finish_module_says_what_is_left_then_that_it_is_complete(answered: dict) -> None:
    unfinished = answered["unfinished"]
    assert unfinished.startswith("Not finished yet. Still to do (0 of ")
    for sid in answered["graded"]:
        assert f"\u201c{answered['scenarios'][sid]['title']}\u201d: decision" in unfinished
    assert "The reflection" in unfinished
    assert answered["finished"].startswith("This module is complete. Thank you.")
    assert "Back to your modules" in answered["finished"]


def test_the_module_page_shows_no_code_and_reads_right(course: Path, answered: dict, page) -> None:
    text = page.inner_text("body")
    assert [w for w in PAGE_WORDS if w in text] == []
    assert "from graders import" not in text and 'play("' not in text
    assert what_a_person_reads(page, course_slugs(course)) == []
    assert clipped_text(page) == []
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("main").count() == 1 and page.get_by_role("banner").count() == 1


def test_the_module_page_passes_axe_and_every_control_has_a_name(answered: dict, page) -> None:
    assert axe_serious(page) == []
    names = page.locator(".course-scenario, .course-reflection, .course-finish").evaluate_all(
        "boxes => boxes.flatMap(b => [...b.querySelectorAll('input, button, textarea')]).map(e => "
        "e.labels?.[0]?.textContent ?? e.getAttribute('aria-label') ?? e.textContent)")
    assert len(names) >= 30 and all(name and name.strip() for name in names)
    tree = case(page, answered["scenarios"][answered["graded"][0]]["title"]).aria_snapshot()
    assert '- group "Decision 1. ' in tree and '- radio "' in tree


def test_the_start_page_shows_the_module_done(course: Path, answered: dict, servers, page) -> None:
    start_page(page, servers[-1])
    row = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title_of(course, MODULE)))
    graded_steps = sum(len(answered["plan"][sid]) for sid in answered["graded"])
    assert row.locator(".status").inner_text() == (
        f"Done: {graded_steps} of {graded_steps} decisions, reflection written.")
    screenshot(page, "pages-start-after")


def test_after_a_reload_every_answer_and_the_reflection_are_back(course: Path, answered: dict, servers,
                                                                 page) -> None:
    open_from_start_page(page, servers[-1], title_of(course, MODULE))
    page.reload()
    page.locator(".course-choice input").first.wait_for(timeout=60_000)
    assert_all_back(page, answered)


def test_after_a_kernel_restart_every_answer_and_the_reflection_are_back(course: Path, answered: dict, servers,
                                                                         page) -> None:
    server = servers[-1]
    open_from_start_page(page, server, title_of(course, MODULE))
    assert kernels_settle(server, most=1) == 1
    [kernel] = server.kernels()
    server.api(f"/api/kernels/{kernel['id']}/restart", method="POST")
    page.reload()
    page.locator(".course-choice input").first.wait_for(timeout=60_000)
    assert_all_back(page, answered)


# --- a module by keyboard alone -------------------------------------------------------------------


def focused_legend(page) -> str:
    return page.evaluate("document.activeElement?.closest('fieldset')?.querySelector('legend')?.textContent ?? ''")


def tab_until(page, arrived, what: str, limit: int = 600) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if arrived():
            return
    pytest.fail(f"Tab never reached {what}")


def test_a_module_by_keyboard_alone(course: Path, servers, page) -> None:
    ids = scenario_ids(course, KEYBOARD_MODULE)
    start_page(page, servers[-1])
    tab_until(page, lambda: page.evaluate("document.activeElement?.textContent") == title_of(course, KEYBOARD_MODULE),
              "the module's link")
    page.keyboard.press("Enter")
    page.locator(".course-choice input").first.wait_for(timeout=60_000)
    chosen: dict[str, dict[str, list[str]]] = {}
    for sid in ids:
        scenario = load(course / "scenarios", sid)
        answers = chosen.setdefault(sid, {})
        for number, step in enumerate(scenario["steps"], start=1):
            if not shown(step, answers):
                continue
            legend = f"Decision {number}. "
            box = case(page, scenario["title"])
            tab_until(page, lambda legend=legend, box=box: focused_legend(page).startswith(legend) and box.evaluate(
                "b => b.contains(document.activeElement)"), f"{legend!r} of {scenario['title']!r}")
            answers[step["id"]] = choose_by_keyboard(page, step)
            expect = "Sources:" if scenario.get("practice") else "Saved."
            decision(page, scenario["title"], number).locator(".course-note").get_by_text(expect).wait_for(
                timeout=20_000)
    tab_until(page, lambda: page.evaluate("document.activeElement?.tagName") == "TEXTAREA", "the reflection")
    page.keyboard.type(KEYBOARD_REFLECTION)
    page.keyboard.press("Tab")  # leaving the box saves at once
    page.locator(".course-reflection .course-note").get_by_text("Saved.").wait_for(timeout=20_000)
    tab_until(page, lambda: page.evaluate("document.activeElement?.textContent") == "Finish module", "Finish")
    page.keyboard.press("Enter")
    page.locator(".course-finish [role=status] p").wait_for(timeout=20_000)
    assert page.locator(".course-finish [role=status]").inner_text().startswith("This module is complete.")
    screenshot(page, "pages-keyboard")

    path = responses(servers, KEYBOARD_MODULE)
    assert settled_answers(path, chosen) == chosen
    assert settled_reflection(path, KEYBOARD_REFLECTION) == KEYBOARD_REFLECTION


# --- the first control answers at once; kernels do not pile up -------------------------------------


def test_the_first_control_answers_as_soon_as_it_shows(course: Path, servers, page) -> None:
    """20 openings: a click the moment the first control is visible is saved every time."""
    [first_id] = scenario_ids(course, TRIES_MODULE)[:1]
    first = load(course / "scenarios", first_id)
    step = first["steps"][0]
    options = [o for o in step["options"]][:2]
    path = responses(servers, TRIES_MODULE)
    waits = []
    for attempt in range(20):
        option = options[attempt % 2]
        waits.append(open_from_start_page(page, servers[-1], title_of(course, TRIES_MODULE)))
        decision(page, first["title"], 1).get_by_label(option["text"].strip(), exact=True).click()
        saved = settled_answers(path, {**(read_response(path)[0] if path.exists() else {}),
                                       first_id: {step["id"]: [option["id"]]}}, timeout=10)
        assert saved.get(first_id, {}).get(step["id"]) == [option["id"]], f"try {attempt + 1}: click not saved"
    record = {"module": TRIES_MODULE, "seconds_to_first_control": waits, "median": statistics.median(waits)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pages-first-control.json").write_text(json.dumps(record, indent=1))
    print(f"\nfirst answerable control after {statistics.median(waits):.2f} s (median of 20; "
          f"min {min(waits):.2f}, max {max(waits):.2f})")


def kernels_settle(server: LabServer, most: int, timeout: float = 15) -> int:
    deadline = time.monotonic() + timeout
    while True:
        count = len(server.kernels())
        if count <= most or time.monotonic() > deadline:
            return count
        time.sleep(0.3)


def test_kernels_do_not_pile_up_as_a_learner_moves_between_modules(course: Path, servers, context, page) -> None:
    server = servers[-1]
    for _ in range(3):
        for module in (MODULE, KEYBOARD_MODULE, TRIES_MODULE):
            open_from_start_page(page, server, title_of(course, module))
            assert kernels_settle(server, most=1) == 1  # the page on show, and no other
    start_page(page, server)
    assert kernels_settle(server, most=0) == 0  # the start page runs no kernel
    other_tab = context.new_page()  # a module in a tab of its own, then the tab is closed
    other_tab.goto(f"{server.base}/voila/render/{MODULE}/{MODULE}.ipynb")
    other_tab.locator(".course-choice input").first.wait_for(timeout=60_000)
    assert kernels_settle(server, most=1) == 1
    other_tab.close(run_before_unload=True)
    assert kernels_settle(server, most=0) == 0


# --- the server dies; the work is graded and the trainer sees the reflection ------------------------


def test_after_the_server_is_killed_a_new_server_shows_everything(course: Path, answered: dict, servers,
                                                                  page, tmp_path_factory) -> None:
    old = servers[-1]
    old.kill()
    servers.append(LabServer(course, old.workspace, [MODULE, KEYBOARD_MODULE, TRIES_MODULE],
                             tmp_path_factory.mktemp("pages-home-2")))
    open_from_start_page(page, servers[-1], title_of(course, MODULE))
    assert_all_back(page, answered)


def test_the_submitted_module_grades_as_expected_and_the_trainer_sees_the_reflection(
        course: Path, answered: dict, servers, browser, tmp_path_factory) -> None:
    scores, notebook_id = submit_and_grade(course, servers[-1].workspace / MODULE, LEARNER, MODULE)
    assert scores == pytest.approx(expected_scores(course / "scenarios", answered["plan"], answered["graded"]))

    server = FormgraderServer(course, tmp_path_factory.mktemp("pages-formgrader"))
    try:
        trainer = browser.new_page(viewport={"width": 1280, "height": 1000})
        trainer.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.base) else r.abort())
        trainer.goto(server.formgrader(f"/submissions/{notebook_id}/"))
        trainer.get_by_text("Student's answer").first.wait_for(timeout=60_000)
        assert " ".join(REFLECTION.split()) in " ".join(trainer.inner_text("body").split())
        screenshot(trainer, "pages-formgrader-reflection")
        trainer.close()
    finally:
        server.stop()
