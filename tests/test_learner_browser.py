"""The learner's experience in a real browser: JupyterLab started by `course lab`, Debian's Chromium
driven by Playwright, every outside request blocked. A learner starts a module with one click,
answers by mouse and by keyboard, reloads, restarts, loses the server, and is graded."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from graders.learner.store import read_answers
from tests.browser import (
    ARTIFACTS,
    NOTE_WAIT_MS,
    LabServer,
    block_outside_requests,
    choose_by_keyboard,
    launch,
    needs_browser,
    option_label,
    settled_answers,
    shown_as_chosen,
    submit_and_grade,
)
from tests.conftest import copy_course
from tests.expected import expected_scores, graded_files, load, plan_for, scenario_ids, shown

pytestmark = needs_browser

MODULE = "duty-to-protect"  # answered by mouse, reloaded, restarted, graded
KEYBOARD_MODULE = "why-confidentiality-matters"  # one scenario answered by keyboard only
LEARNER = "browser-learner"
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"


# --- what the learner will answer: from the scenario files alone -------------------------------






# --- the page ------------------------------------------------------------------------------------


def notebook(page):
    """The notebook in the tab on show (an earlier module may stay open in another tab)."""
    return page.locator(".jp-NotebookPanel").filter(visible=True)


def open_module(page, lab: LabServer, module: str | None) -> None:
    """Open a module in a fresh layout, or (module None) reload the page with its restored layout."""
    if module is None:
        page.reload()
    else:
        page.goto(lab.url(f"{module}/{module}.ipynb"))
    # The toolbar says "idle" before the kernel is attached: wait for the status bar's kernel name.
    page.get_by_text(KERNEL_IDLE).first.wait_for(timeout=90_000)
    notebook(page).get_by_role("heading", level=1).wait_for()


def start_player(page, scenarios: int) -> None:
    """The learner's one click: the banner's "Run all cells" button."""
    banner = notebook(page).locator(".course-start")
    banner.get_by_role("button", name="Run all cells", exact=True).click()
    notebook(page).locator(".course-progress-line").first.wait_for(timeout=60_000)
    notebook(page).locator(".course-scenario").nth(scenarios - 1).wait_for(state="attached", timeout=60_000)
    page.get_by_text(KERNEL_IDLE).first.wait_for(timeout=60_000)
    assert banner.is_hidden()


def scenario_box(page, title: str):
    return notebook(page).locator(".course-scenario").filter(has=page.locator("h3", has_text=title))


def chosen_on_page(page, scenario: dict, answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return shown_as_chosen(lambda number: decision(page, scenario["title"], number), scenario, answers)


def decision(page, title: str, number: int):
    box = scenario_box(page, title)
    return box.locator("fieldset").filter(has=page.locator("legend", has_text=f"Decision {number}. "))




def wait_saved(group, practice: bool) -> None:
    note = group.locator(".course-note")
    if practice:
        note.get_by_text("Sources:").wait_for(timeout=NOTE_WAIT_MS)
    else:
        note.get_by_text("Saved.").wait_for(timeout=NOTE_WAIT_MS)


def answer_by_clicking(page, scenario: dict, answers: dict[str, list[str]]) -> None:
    for number, step in enumerate(scenario["steps"], start=1):
        if step["id"] not in answers:
            continue
        group = decision(page, scenario["title"], number)
        for option_id in answers[step["id"]]:
            group.get_by_label(option_label(step, option_id), exact=True).click()
        wait_saved(group, bool(scenario.get("practice")))






def screenshot(page, name: str, show) -> None:
    """A screenshot for reviewers (tests/artifacts/), with `show` scrolled into view and painted."""
    show.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # off-screen cells are painted only once they scroll in (content-visibility)
    page.screenshot(path=ARTIFACTS / name)


def progress_text(page) -> str:
    return notebook(page).locator(".course-progress-line").first.text_content() or ""


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_course(tmp_path_factory.mktemp("browser") / "course")


@pytest.fixture(scope="module")
def lab(course: Path, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("jupyter-home")
    server = LabServer(course, course.parent / "workspace", [MODULE, KEYBOARD_MODULE], home)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(lab: LabServer):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        outside = block_outside_requests(context, lab.base)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Leave site?" on reload: the learner leaves
        page.set_default_timeout(30_000)
        yield page
        browser.close()
    assert outside == [], f"JupyterLab or the module asked for outside hosts: {outside}"


@pytest.fixture(scope="module")
def answered(course: Path, lab: LabServer, page) -> dict:
    """A learner opens the module, starts it with one click and answers every step by clicking."""
    ids = scenario_ids(course, MODULE)
    scenarios = {sid: load(course / "scenarios", sid) for sid in ids}
    graded = [p.stem for p in graded_files(MODULE, course / "scenarios")]
    plan = {sid: plan_for(scenarios[sid], wrong_first=i % 2 == 1) for i, sid in enumerate(ids)}
    started = time.monotonic()
    open_module(page, lab, MODULE)
    start_player(page, len(ids))
    first_case = scenario_box(page, scenarios[graded[0]]["title"])
    screenshot(page, f"{MODULE}-before.png", first_case)
    progress_before = progress_text(page)
    for sid in ids:
        answer_by_clicking(page, scenarios[sid], plan[sid])
    screenshot(page, f"{MODULE}-after.png", first_case)
    return {"ids": ids, "graded": graded, "scenarios": scenarios, "plan": plan, "progress_before": progress_before,
            "seconds": time.monotonic() - started}


# --- 1. clicking -----------------------------------------------------------------------------------


def test_clicked_answers_are_exactly_what_the_response_file_holds(answered: dict, lab: LabServer, page) -> None:
    saved = settled_answers(lab.workspace / MODULE / "responses" / f"{MODULE}.json", answered["plan"])
    assert saved == answered["plan"]
    graded_steps = sum(len(answered["plan"][sid]) for sid in answered["graded"])
    assert answered["progress_before"].startswith("Progress: 0 of ")
    assert progress_text(page).startswith(f"Progress: {graded_steps} of {graded_steps} decisions answered, all saved.")
    assert notebook(page).locator(".jp-InputArea-editor:visible").count() == 0, "a learner sees no code"
    # nbgrader's trainer tools are off in a learner's lab: no Nbgrader menu, no Validate button.
    assert page.get_by_role("menuitem", name="Nbgrader").count() == 0
    assert page.get_by_role("button", name="Validate").count() == 0


def test_practice_case_explains_at_once_and_graded_cases_only_confirm(answered: dict, page) -> None:
    [practice] = [sid for sid in answered["ids"] if answered["scenarios"][sid].get("practice")]
    scenario = answered["scenarios"][practice]
    note = decision(page, scenario["title"], 1).locator(".course-note").inner_text()
    assert note.startswith("Right.") and "Sources:" in note
    graded = answered["scenarios"][answered["graded"][1]]  # answered wrong first: still only "Saved."
    assert decision(page, graded["title"], 1).locator(".course-note").inner_text().strip() == "✔ Saved."


# --- 2. the keyboard alone -------------------------------------------------------------------------


def focused_legend(page) -> str:
    return page.evaluate("document.activeElement?.closest('fieldset')?.querySelector('legend')?.textContent ?? ''")


def test_one_scenario_answered_with_the_keyboard_only(course: Path, lab: LabServer, page) -> None:
    ids = scenario_ids(course, KEYBOARD_MODULE)
    [sid] = [i for i in ids if not load(course / "scenarios", i).get("practice")][:1]
    scenario = load(course / "scenarios", sid)
    open_module(page, lab, KEYBOARD_MODULE)
    button = notebook(page).locator(".course-start").get_by_role("button", name="Run all cells", exact=True)
    button.focus()
    page.keyboard.press("Enter")  # the banner's button, by keyboard
    notebook(page).locator(".course-scenario").nth(len(ids) - 1).wait_for(state="attached", timeout=60_000)
    page.get_by_text(KERNEL_IDLE).first.wait_for(timeout=60_000)

    chosen: dict[str, list[str]] = {}
    for number, step in enumerate(scenario["steps"], start=1):
        if not shown(step, chosen):
            continue
        legend = f"Decision {number}. "
        for _ in range(400):  # Tab until the focus enters this decision
            page.keyboard.press("Tab")
            if focused_legend(page).startswith(legend) and scenario_box(page, scenario["title"]).evaluate(
                    "box => box.contains(document.activeElement)"):
                break
        else:
            pytest.fail(f"Tab never reached {legend!r} of {scenario['title']!r}")
        chosen[step["id"]] = choose_by_keyboard(page, step)
        wait_saved(decision(page, scenario["title"], number), practice=False)
    screenshot(page, f"{KEYBOARD_MODULE}-keyboard.png", scenario_box(page, scenario["title"]))

    saved = settled_answers(lab.workspace / KEYBOARD_MODULE / "responses" / f"{KEYBOARD_MODULE}.json", {sid: chosen})
    assert saved == {sid: chosen}
    assert chosen_on_page(page, scenario, chosen) == chosen


# --- 3. reload and restart -------------------------------------------------------------------------


# Every case's controls are back in the notebook on show, or its "not running yet" banner is visible.
RESTORED_OR_BANNER = """(cases) => {
  const shown = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  if (!shown) return false;
  const banner = shown.querySelector(".course-start");
  return shown.querySelectorAll(".course-scenario").length >= cases
    || (banner !== null && banner.checkVisibility());
}"""


def test_answers_are_still_shown_after_a_reload_and_a_kernel_restart(answered: dict, lab: LabServer, page) -> None:
    def all_shown() -> dict:
        plan, scenarios = answered["plan"], answered["scenarios"]
        return {sid: chosen_on_page(page, scenarios[sid], plan[sid]) for sid in answered["ids"]}

    path = lab.workspace / MODULE / "responses" / f"{MODULE}.json"
    open_module(page, lab, MODULE)  # back from the other module: a fresh page, the notebook as on disk
    assert notebook(page).locator(".course-start").is_visible()
    start_player(page, len(answered["ids"]))  # one click, and every answer comes back from the file
    assert all_shown() == answered["plan"]

    notebook(page).get_by_role("heading", level=1).click()
    page.keyboard.press("Control+s")  # the learner saves, then reloads the page (layout restored)
    notebook(page).locator(".jp-mod-dirty").wait_for(state="detached", timeout=10_000)
    open_module(page, lab, None)
    # JupyterLab hands the running kernel's controls back after a reload; when it does not (seen
    # once in several runs on a loaded machine), the banner is back and one click restores them.
    # Either way the learner sees a way on, never an empty module.
    banner = notebook(page).locator(".course-start")
    page.wait_for_function(RESTORED_OR_BANNER, arg=len(answered["ids"]), timeout=60_000)
    if banner.is_visible():
        page.screenshot(path=ARTIFACTS / f"{MODULE}-reload-banner.png")
        start_player(page, len(answered["ids"]))
    assert all_shown() == answered["plan"]
    assert banner.is_hidden()
    # ... and they still save: change one answer and put it back.
    scenario = answered["scenarios"][answered["graded"][0]]
    step = scenario["steps"][0]
    other = next(o for o in step["options"] if [o["id"]] != answered["plan"][scenario["id"]][step["id"]])
    group = decision(page, scenario["title"], 1)
    group.get_by_label(other["text"].strip(), exact=True).click()
    changed = {**answered["plan"], scenario["id"]: {**answered["plan"][scenario["id"]], step["id"]: [other["id"]]}}
    assert settled_answers(path, changed) == changed
    group.get_by_label(option_label(step, answered["plan"][scenario["id"]][step["id"]][0]), exact=True).click()
    assert settled_answers(path, answered["plan"]) == answered["plan"]

    page.get_by_role("menuitem", name="Kernel").click()
    page.get_by_role("menuitem", name="Restart Kernel…").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()  # "Restart"
    banner = notebook(page).locator(".course-start")
    banner.wait_for(state="visible", timeout=60_000)  # the player stopped: the banner says so ...
    assert "Stopped. Your saved answers are safe." in group.locator(".course-note").inner_text()
    assert group.locator("input").first.is_disabled()  # ... and its controls can no longer be used
    page.get_by_text(KERNEL_IDLE).first.wait_for(timeout=60_000)
    start_player(page, len(answered["ids"]))
    assert all_shown() == answered["plan"]
    assert settled_answers(path, answered["plan"]) == answered["plan"]


# --- 5. grading what the browser saved ---------------------------------------------------------------


def test_the_browser_submission_grades_to_the_expected_score(answered: dict, course: Path, lab: LabServer) -> None:
    scores, _ = submit_and_grade(course, lab.workspace / MODULE, LEARNER, MODULE)
    assert scores == pytest.approx(expected_scores(course / "scenarios", answered["plan"], answered["graded"]))
    assert 0 < sum(scores.values()) < sum(float(s["points"]) for sid in answered["graded"]
                                          for s in answered["scenarios"][sid]["steps"])


# --- 6. accessibility of the module area -----------------------------------------------------------


def test_module_area_passes_axe_and_every_control_has_a_name(answered: dict, page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the module on show, not JupyterLab's chrome
    area = {"include": [[f"{shown} .jp-RenderedMarkdown"], [f"{shown} .course-scenario"],
                        [f"{shown} .course-progress"]]}
    results = Axe().run(page, context=area)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    controls = notebook(page).locator(".course-scenario input, .course-scenario button")
    assert controls.count() >= 30
    names = notebook(page).locator(".course-scenario").evaluate_all(
        "boxes => boxes.flatMap(b => [...b.querySelectorAll('input, button')]).map(e => e.labels?.[0]?.textContent ?? "
        "e.getAttribute('aria-label') ?? e.textContent)")
    assert all(name and name.strip() for name in names)
    legends = notebook(page).locator(".course-scenario fieldset legend").all_text_contents()
    assert legends and all(text.startswith("Decision ") for text in legends)  # every group is named
    # What the browser's accessibility tree itself says of one case: every control has a name.
    case = scenario_box(page, answered["scenarios"][answered["graded"][0]]["title"])
    case.scroll_into_view_if_needed()
    tree = case.aria_snapshot()
    controls_in_tree = [line.strip() for line in tree.splitlines()
                        if line.strip().startswith(("- radio", "- checkbox"))]
    assert controls_in_tree and all(re.match(r'- (radio|checkbox) "[^"]+"', line) for line in controls_in_tree), tree
    assert re.search(r'- group "Decision 1\. ', tree), tree


# --- 4. the server dies ------------------------------------------------------------------------------


def test_killing_the_server_keeps_every_saved_answer(answered: dict, lab: LabServer, page) -> None:
    path = lab.workspace / MODULE / "responses" / f"{MODULE}.json"
    before = settled_answers(path, answered["plan"])
    sid = answered["graded"][0]
    scenario = answered["scenarios"][sid]
    number, step = len(scenario["steps"]), scenario["steps"][-1]
    group = decision(page, scenario["title"], number)
    first, second = [o for o in step["options"] if o["id"] not in before[sid][step["id"]]][:2]
    single = step.get("kind", "single") == "single"

    def with_option(chosen: list[str], option: dict) -> list[str]:
        return [option["id"]] if single else [o["id"] for o in step["options"] if o["id"] in {*chosen, option["id"]}]

    # One more change, confirmed saved; then another, and the server is killed at once.
    group.get_by_label(first["text"].strip(), exact=True).click()
    confirmed = {**before, sid: {**before[sid], step["id"]: with_option(before[sid][step["id"]], first)}}
    assert settled_answers(path, confirmed) == confirmed
    group.get_by_label(second["text"].strip(), exact=True).click()
    lab.kill()

    after = read_answers(path)  # whole and readable: never a torn or empty file
    assert {k: v for k, v in after.items() if k != sid} == {k: v for k, v in before.items() if k != sid}
    assert {k: v for k, v in after[sid].items() if k != step["id"]} == {
        k: v for k, v in before[sid].items() if k != step["id"]}
    assert after[sid][step["id"]] in (confirmed[sid][step["id"]], with_option(confirmed[sid][step["id"]], second))
    events = (path.parent / f"{MODULE}.events.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in events)
