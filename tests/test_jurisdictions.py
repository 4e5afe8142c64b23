"""Jurisdiction as a setting: the duty-to-protect module in Nevada's, California's, Texas's and
Florida's editions, built, self-tested, graded with nbgrader and published for real.

The scores each edition should give are computed from the scenario YAML itself, by the test's own
scorer (tests/expected.py, the README's rules applied to each state's key), not by the course's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat
import pytest
import yaml

from graders.content.jurisdictions import available, load_jurisdiction
from graders.course.course import Course
from graders.course.editions import edition_problems, make_edition
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.publish.handouts import build_handouts
from graders.trainer.demo import submit
from tests.conftest import ROOT, copy_course
from tests.expected import expected_step, in_state, key_of

MODULE = "duty-to-protect"
STATES = ["NV", "CA", "TX", "FL"]
NAMES = {"NV": "Nevada", "CA": "California", "TX": "Texas", "FL": "Florida"}
# Another state's statutes, as they are cited in text.
STATUTES = {"NV": r"\bNRS \d", "CA": r"\bCal\. [A-Z][\w.& ]* Code \d", "TX": r"\bTex\. [A-Z][\w.& ]* Code \d",
            "FL": r"\bFla\. Stat\. \d"}


def raw_scenarios(root: Path) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted((root / "scenarios").glob(f"{MODULE}-*.yaml"))}


def state_key(raw: dict, state: str, step: dict) -> set[str]:
    """The options keyed for `step` in `state`, read straight from the YAML."""
    return key_of(next(s for s in in_state(raw, state)["steps"] if s["id"] == step["id"]))


def expected_points(raw: dict, state: str, answers: dict[str, list[str]]) -> dict[str, float]:
    """step -> points in `state` for these answers, by the README's rules (tests/expected.py)."""
    scenario = in_state(raw, state)
    return {step["id"]: expected_step(scenario, step, answers) for step in scenario["steps"]}


def key_answers_of(raw: dict, state: str) -> dict[str, list[str]]:
    return {s["id"]: sorted(state_key(raw, state, s)) for s in raw["steps"]}


def recovering_answers_of(raw: dict, state: str) -> dict[str, list[str]]:
    """`state`'s key, except that each step with a recovery step takes the answer that opens it
    (the recovery step is then answered by the state's key too)."""
    answers = key_answers_of(raw, state)
    for step in raw["steps"]:
        for parent, options in (step.get("show_if") or {}).items():
            answers[parent] = [options[0]]
    return answers


def learners(raw: dict) -> dict[str, dict[str, list[str]]]:
    """Eight learners: each state's key, and each state's key with every recovery step opened."""
    return {f"{kind}-{state.lower()}": answers(raw, state) for state in STATES
            for kind, answers in (("key", key_answers_of), ("recover", recovering_answers_of))}


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Course]:
    """The module's four editions, each built with its key self-test and graded: one learner per
    state answers by that state's key."""
    root = copy_course(tmp_path_factory.mktemp("jurisdictions") / "course")
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(modules=[MODULE], roles={}, module_versions={},
                    editions={s: {"modules": [MODULE]} for s in STATES[1:]})
    (root / "course.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    main = Course(root)
    built = {"NV": main} | {s: make_edition(main, s)[0] for s in STATES[1:]}
    raws = raw_scenarios(root)
    for state, course in built.items():
        results = build(course, [MODULE], selftest=True)
        assert [(r.key_score, r.blank_score) for r in results] == [(results[0].max_auto, 0)], state
        graded_raws = {sid: raw for sid, raw in raws.items() if not raw.get("practice")}
        for learner in learners(next(iter(graded_raws.values()))):
            submit(course, learner, MODULE, {sid: learners(raw)[learner] for sid, raw in graded_raws.items()}, None)
        assert all(o.graded for o in grade_cohort(course, jobs=2)), state
    return built


def graded_points(course: Course) -> dict[tuple[str, str, str], float]:
    """(learner, scenario, step) -> points, from nbgrader's gradebook."""
    with course.gradebook() as gb:
        found = {}
        for sub in gb.find_assignment(MODULE).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    if "--" in g.name:
                        scenario, step = g.name.split("--")
                        found[(sub.student.id, scenario, step)] = g.score
        return found


def test_each_edition_scores_the_same_answers_as_its_own_law_says(editions: dict[str, Course]) -> None:
    raws = {sid: raw for sid, raw in raw_scenarios(editions["NV"].root).items() if not raw.get("practice")}
    expected = {(state, learner, sid, step): points for state in STATES for sid, raw in raws.items()
                for learner, answers in learners(raw).items()
                for step, points in expected_points(raw, state, answers).items()}
    for state, course in editions.items():
        graded = graded_points(course)
        for (edition, learner, sid, step), points in expected.items():
            if edition == state:
                assert graded[(learner, sid, step)] == pytest.approx(points), (state, learner, sid, step)
    full = sum(v for (st, learner, *_), v in expected.items() if st == "NV" and learner == "key-nv")
    for state in STATES:  # each state's own key scores full marks in its own edition
        own = f"key-{state.lower()}"
        assert sum(v for (st, learner, *_), v in expected.items() if st == state and learner == own) == full
    # Where two states' keys differ on a graded step, some learner's score on it differs between the
    # two editions; where they agree, every learner scores the same in both.
    for a in STATES:
        for b in STATES[STATES.index(a) + 1:]:
            for sid, raw in raws.items():
                for step in raw["steps"]:
                    scores = [(expected[(a, n, sid, step["id"])], expected[(b, n, sid, step["id"])])
                              for n in learners(raw)]
                    if state_key(raw, a, step) == state_key(raw, b, step):
                        assert all(x == y for x, y in scores), (a, b, sid, step["id"])
                    else:
                        assert any(x != y for x, y in scores), (a, b, sid, step["id"])
    # The law differs where it matters: Texas (permissive) scores Nevada's answers lower, and Nevada Texas's.
    assert sum(v for (st, n, *_), v in expected.items() if st == "TX" and n == "key-nv") < full
    assert sum(v for (st, n, *_), v in expected.items() if st == "NV" and n == "key-tx") < full


def edition_texts(course: Course) -> dict[str, str]:
    """Everything an edition gives learners and trainers: the released notebook's text, the
    released scenario data, every feedback page."""
    release = course.step_dir("release") / MODULE
    texts = {str(release / "scenarios.json"): (release / "scenarios.json").read_text()}
    nb = nbformat.read(release / f"{MODULE}.ipynb", as_version=4)
    texts[str(release / f"{MODULE}.ipynb")] = "\n".join(c.source for c in nb.cells)
    for page in course.step_dir("feedback").rglob("*.html"):
        texts[str(page)] = page.read_text()
    return texts


def other_states_rules(state: str, text: str) -> list[str]:
    found = [m.group(0) for other in STATES if other != state for m in re.finditer(STATUTES[other], text)]
    found += [m.group(0) for other in STATES if other != state  # "Tarasoff is California law" names whose it is
              for m in re.finditer(rf"\b{NAMES[other]}'s (?:duty|law|rule|statute)|\b{NAMES[other]} requires\b|"
                                   rf"\bIn {NAMES[other]},", text)]
    return found


def test_no_edition_release_or_feedback_names_another_states_rule_as_its_own(editions: dict[str, Course]) -> None:
    for state, course in editions.items():
        texts = edition_texts(course)
        assert any(re.search(STATUTES[state], t) for t in texts.values()), f"{state} edition cites no {state} law"
        for where, text in texts.items():
            assert not other_states_rules(state, text), f"{where}: {other_states_rules(state, text)[:3]}"
        release = json.loads((course.step_dir("release") / MODULE / "scenarios.json").read_text())
        assert "correct" not in json.dumps(release) or all(s["practice"] for s in release["scenarios"].values()
                                                           if "correct" in json.dumps(s))


def test_each_editions_handouts_read_as_that_states_law(editions: dict[str, Course], browser) -> None:
    for state, course in editions.items():
        for with_answers in (False, True):
            index = build_handouts(course, course.build_dir / f"handouts-{with_answers}", with_answers=with_answers)
            pages = sorted(index.parent.glob("*.html"))
            assert len(pages) >= 2, state
            page = browser.new_page()
            for path in pages:
                page.goto(path.as_uri())
                text = page.inner_text("body")
                assert not other_states_rules(state, text), (state, path.name, other_states_rules(state, text)[:3])
                if path.name.startswith(MODULE):
                    assert f"federal and {NAMES[state]} law" in text, f"{state} {path.name}: review line"
                    assert re.search(STATUTES[state], text), f"{state} {path.name} cites no {state} law"
                    shot = ROOT / "tests" / "artifacts" / f"edition-{state}{'-answers' if with_answers else ''}.png"
                    page.screenshot(path=str(shot))  # the top of the module's handout, to look at
            page.close()


# -- course check ---------------------------------------------------------------------------------


def course_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "course"), "check", "--root", str(root)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def edition_course(tmp_path: Path) -> Path:
    """A copy of the course, whose course.yaml lists the CA, TX and FL editions of the module."""
    root = copy_course(tmp_path / "course")
    assert {s: e.modules for s, e in Course(root).settings.editions.items()} == {s: [MODULE] for s in STATES[1:]}
    return root


def test_the_course_with_its_editions_passes_course_check(edition_course: Path) -> None:
    run = course_check(edition_course)
    assert run.returncode == 0, run.stderr[-3000:]
    said = " ".join((run.stderr + run.stdout).split())  # the console wraps long lines
    assert "(federal and Nevada law); the CA edition: 1 module(s); the FL edition: 1 module(s)" in said


def test_a_step_without_a_states_entry_fails_course_check_naming_file_step_and_jurisdiction(
        edition_course: Path) -> None:
    path = edition_course / "scenarios" / f"{MODULE}-explicit-threat.yaml"
    data = yaml.safe_load(path.read_text())
    del data["by_state"]["TX"]["steps"]["discharge"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    run = course_check(edition_course)
    assert run.returncode == 1
    assert (f"{path}: step 'discharge' cites NV law (NRS 629.550(1), NRS 629.550(2), NRS 433A.160(1), "
            "NRS 433A.0175") in run.stderr
    assert "has no entry for jurisdiction TX (by_state.TX.steps.discharge)" in run.stderr


def test_module_text_still_naming_nevada_law_fails_course_check(edition_course: Path) -> None:
    path = edition_course / "jurisdictions" / "FL.yaml"
    data = yaml.safe_load(path.read_text())
    del data["module_text"][MODULE]["teach-nevada"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    run = course_check(edition_course)
    assert run.returncode == 1
    assert f"curriculum/{MODULE}/{MODULE}.ipynb: cell 'teach-nevada': the FL edition still cites NV law" in run.stderr


def test_a_wrong_claim_for_a_state_fails_course_check(edition_course: Path) -> None:
    texas = load_jurisdiction(edition_course, "TX")
    claim = texas.wrong_claims[0]
    path = edition_course / "jurisdictions" / "TX.yaml"
    data = yaml.safe_load(path.read_text())
    data["module_text"][MODULE]["key-points"] += f"\n\n- {claim.says}\n"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    run = course_check(edition_course)
    assert run.returncode == 1
    assert f"cell 'key-points' ({path} module_text): teaches '{claim.claim}' in the TX edition" in run.stderr


def test_facts_not_verified_for_a_year_are_warned_about(edition_course: Path) -> None:
    problems, warnings = edition_problems(Course(edition_course), today=date(2028, 1, 1))
    assert not problems
    california = edition_course / "jurisdictions" / "CA.yaml"
    assert f"{california}: duty_to_protect.trigger: last verified" in "\n".join(warnings)
    assert not edition_problems(Course(edition_course), today=date(2026, 12, 3))[1]


def test_every_state_file_is_valid_and_names_its_sources() -> None:
    assert available(ROOT) == sorted(STATES)
    for state in STATES:
        jurisdiction = load_jurisdiction(ROOT, state)
        assert jurisdiction.name == NAMES[state]
        assert all(re.search(STATUTES[state], f.citation) or " v. " in f.citation for _, f in jurisdiction.facts())
        for claim in jurisdiction.wrong_claims:
            assert re.search(claim.pattern, claim.says, re.I) and not re.search(claim.pattern, claim.fine, re.I)


def test_an_edition_not_in_course_yaml_is_refused_with_the_editions_it_has(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "course")
    run = subprocess.run([str(Path(sys.executable).parent / "course"), "build", "--jurisdiction", "ny",
                          "--root", str(root)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "no edition 'NY' under `editions:` (the course has: CA, FL, TX; its own state is NV)" in run.stderr


def test_a_texas_learner_sees_and_answers_the_texas_case_in_course_lab(
        editions: dict[str, Course], browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The Texas edition, as a learner meets it: `course lab` on the edition's folder, the module's
    page, Texas's law in the text and options, and an answer saved by clicking."""
    from tests.browser import LabServer

    texas = editions["TX"]
    home = tmp_path_factory.mktemp("texas-learner")
    server = LabServer(texas.root, home / "workspace", [MODULE], home)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(f"{server.base}/voila/render/{MODULE}/{MODULE}.ipynb?token={server.token}")
        page.locator(".course-choice input").first.wait_for()
        text = page.inner_text("body")
        assert "federal and Texas law" in text and "Tex. Health & Safety Code 611.004" in text
        assert not other_states_rules("TX", text), other_states_rules("TX", text)[:3]
        case = page.locator(".course-scenario").filter(has=page.locator("h3", has_text="An explicit threat in session"))
        first = case.locator("fieldset").first
        assert "Does Texas law require you to act right now" in first.inner_text()
        first.get_by_label("No law orders you to act, but you may.", exact=False).check()
        page.screenshot(path=str(ROOT / "tests" / "artifacts" / "edition-TX-learner.png"))
        responses = home / "workspace" / MODULE / "responses"
        deadline = 30
        while deadline and not any("no-needs-written-consent" in p.read_text() for p in responses.glob("*.json")):
            page.wait_for_timeout(1000)
            deadline -= 1
        assert deadline, "the click was not saved to the response file"
        page.close()
    finally:
        server.stop()
