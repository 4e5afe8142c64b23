"""The scenario player: widgets that save every click at once, restore saved choices and follow branches."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest
from IPython.display import HTML

import graders.learner.player
import graders.learner.store
from graders.content.release_data import write_release_data
from graders.content.scenarios import load_one
from graders.learner.player import (
    Player,
    ReleaseDataMissing,
    finish,
    load_learner_view,
    play,
    progress_for,
    reflect,
    start,
    store_for,
)
from graders.learner.store import ECHO_MIME, MAX_REFLECTION, read_answers, read_response
from graders.learner.widgets import ChoiceGroup, FinishPanel, ProgressLine, ReflectionBox
from tests.conftest import ROOT

SCENARIO = "tiny-case"
MODULE = "tiny-module"

SCENARIO_YAML = textwrap.dedent(
    """\
    id: tiny-case
    title: A tiny case & its choices
    module: tiny-module
    concepts: [duty-to-protect]
    jurisdiction: NV
    story: |-
      A client is angry at a former employer.

      Nothing suggests a plan.
    steps:
      - id: duty-applies
        prompt: Does the duty to protect apply?
        kind: single
        points: 2
        options:
          - id: no-trigger
            text: No, the trigger is not met.
            correct: true
            rationale: No explicit threat (NRS 629.550(1)).
          - id: yes-identifiable
            text: Yes, the man is identifiable.
            rationale: An identifiable person alone is not enough (NRS 629.550(1)).
          - id: yes-just-in-case
            text: Yes, to be safe.
            rationale: HIPAA 45 CFR 164.512(j)(1)(i) needs a serious and imminent threat.
        citations: [NRS 629.550(1)]
      - id: recovery
        show_if:
          duty-applies: [yes-identifiable, yes-just-in-case]
        prompt: Which part of the trigger is missing?
        kind: single
        points: 1
        options:
          - id: explicit-threat
            text: An explicit threat.
            correct: true
            rationale: The client threatened nothing (NRS 629.550(1)).
          - id: identifiable-person
            text: An identifiable person.
            rationale: That part is present (NRS 629.550(1)).
        citations: [NRS 629.550(1)]
        trainer_note: Only after a wrong first answer.
      - id: respond
        prompt: Which responses fit now?
        kind: multiple
        points: 2
        options:
          - id: explore
            text: Explore the anger and keep assessing.
            correct: true
            rationale: Keep judging intent and ability (NRS 629.550(1)).
          - id: document
            text: Document and consult.
            correct: true
            rationale: ACA Code of Ethics B.2.a.
          - id: call-police
            text: Call the police anyway.
            rationale: Not allowed by 45 CFR 164.512(j)(1)(i).
        citations: [NRS 629.550(1), ACA Code of Ethics B.2.a]
    """
)


PRACTICE = "tiny-practice"
PRACTICE_YAML = textwrap.dedent(
    """\
    id: tiny-practice
    title: A warm-up
    module: tiny-module
    practice: true
    concepts: [duty-to-protect]
    jurisdiction: NV
    story: A client says something worrying.
    steps:
      - id: permits-or-requires
        prompt: Does HIPAA require a warning?
        options:
          - id: permits
            text: No, it permits one.
            correct: true
            rationale: The federal HIPAA rule 45 CFR 164.512(j)(1)(i) permits, never requires.
          - id: requires
            text: Yes, it requires one.
            rationale: Not so; a duty comes from state law such as NRS 629.550(1).
        citations: [45 CFR 164.512(j)(1)(i)]
      - id: trigger-parts
        prompt: Which are parts of Nevada's trigger?
        kind: multiple
        options:
          - id: explicit-threat
            text: An explicit threat.
            correct: true
            rationale: Part one of NRS 629.550(1).
          - id: identified-person
            text: An identified person.
            correct: true
            rationale: Part two of NRS 629.550(1).
          - id: in-writing
            text: A threat in writing.
            rationale: NRS 629.550(1) says nothing about writing.
        citations: [NRS 629.550(1)]
    """
)


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    store_for.cache_clear()
    progress_for.cache_clear()
    yield
    store_for.cache_clear()
    progress_for.cache_clear()


@pytest.fixture
def displayed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """What the player passed to IPython's display(), in order."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(graders.learner.player, "display", lambda *objs, **kwargs: calls.append((objs, kwargs)))
    return calls


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    (root / "scenarios").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("", encoding="utf-8")
    shutil.copy(ROOT / "course.yaml", root / "course.yaml")  # a grading run reads the course's state from it
    (root / "scenarios" / f"{SCENARIO}.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    (root / "scenarios" / f"{PRACTICE}.yaml").write_text(PRACTICE_YAML, encoding="utf-8")
    monkeypatch.setenv("COURSE_ROOT", str(root))
    return root


@pytest.fixture
def notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, course: Path) -> Path:
    """The learner's notebook folder, as the kernel's working directory, with the module's key-free
    release data beside it (as nbgrader's release writes it)."""
    from graders.content.release_data import write_release_data
    from graders.content.scenarios import load_all

    folder = tmp_path / "notebook"
    folder.mkdir()
    write_release_data(folder, load_all(course / "scenarios").values())
    monkeypatch.chdir(folder)
    return folder


def new_player() -> Player:
    folder = Path.cwd()
    scenario = load_learner_view(SCENARIO, folder)
    return Player(scenario, store_for(folder, scenario["module"]), progress_for(folder, scenario["module"]))


def walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def choice(root: w.Widget, number: int) -> ChoiceGroup:
    [found] = [x for x in walk(root) if isinstance(x, ChoiceGroup) and x.legend.startswith(f"Decision {number}. ")]
    return found


def toggle(group: ChoiceGroup, option_id: str) -> None:
    """What a click on one checkbox does: add or remove that option, keeping the others."""
    chosen = set(group.value) ^ {option_id}
    group.value = [o["id"] for o in group.options if o["id"] in chosen]


def html_texts(root: w.Widget) -> list[str]:
    return [x.value for x in walk(root) if isinstance(x, w.HTML)]


def alerts(root: w.Widget) -> list[str]:
    return [text for text in html_texts(root) if "role='alert'" in text]


def is_hidden(group: ChoiceGroup) -> bool:
    return group.layout.display == "none"


def saved(folder: Path) -> dict[str, list[str]]:
    return read_answers(folder / "responses" / f"{MODULE}.json").get(SCENARIO, {})


def progress(player: Player) -> str:
    return player.progress.widget.text


# --- clicking saves ----------------------------------------------------------------------------


def test_widgets_match_the_scenario(notebook: Path) -> None:
    player = new_player()
    first, recovery, respond = choice(player.box, 1), choice(player.box, 2), choice(player.box, 3)
    assert first.legend == "Decision 1. Does the duty to protect apply?" and first.kind == "single"
    assert [o["id"] for o in first.options] == ["no-trigger", "yes-identifiable", "yes-just-in-case"]
    assert [o["id"] for o in recovery.options] == ["explicit-threat", "identifiable-person"]
    assert respond.kind == "multiple"
    assert [o["text"] for o in respond.options] == [
        "Explore the anger and keep assessing.", "Document and consult.", "Call the police anyway."
    ]
    assert all(set(o) == {"id", "text"} for g in (first, recovery, respond) for o in g.options)  # no key
    assert first.value == recovery.value == respond.value == []
    assert first.note == recovery.note == respond.note == ""
    assert "<h3>A tiny case &amp; its choices</h3>" in html_texts(player.box)[0]
    assert "<p>A client is angry at a former employer.</p><p>Nothing suggests a plan.</p>" in html_texts(player.box)[0]
    assert "Practice case" not in html_texts(player.box)[0]
    assert progress(player) == "Progress: 0 of 2 decisions answered, all saved."
    assert player.progress.widget in player.box.children  # the module's progress under every case
    assert alerts(player.box) == []
    assert not (notebook / "responses").exists()  # showing the player writes nothing


def test_single_choice_click_is_saved_at_once(notebook: Path) -> None:
    player = new_player()
    choice(player.box, 1).value = ["no-trigger"]

    assert saved(notebook) == {"duty-applies": ["no-trigger"]}
    assert choice(player.box, 1).note == "<p>✔ Saved.</p>"  # graded: saved, not right or wrong
    assert progress(player) == "Progress: 1 of 2 decisions answered, all saved."

    choice(player.box, 1).value = ["yes-identifiable"]
    assert saved(notebook) == {"duty-applies": ["yes-identifiable"]}
    events = (notebook / "responses" / f"{MODULE}.events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(e["step"], e["old"], e["new"]) for e in map(json.loads, events)] == [
        ("duty-applies", [], ["no-trigger"]),
        ("duty-applies", ["no-trigger"], ["yes-identifiable"]),
    ]


def test_multiple_choice_clicks_are_saved_at_once(notebook: Path) -> None:
    player = new_player()
    respond = choice(player.box, 3)

    toggle(respond, "document")
    assert saved(notebook) == {"respond": ["document"]}
    assert progress(player) == "Progress: 1 of 2 decisions answered, all saved."

    toggle(respond, "explore")
    assert saved(notebook) == {"respond": ["explore", "document"]}  # in the scenario's option order

    toggle(respond, "document")
    assert saved(notebook) == {"respond": ["explore"]}

    toggle(respond, "explore")
    assert saved(notebook) == {"respond": []}
    assert respond.note == ""
    assert progress(player) == "Progress: 0 of 2 decisions answered, all saved."


def test_progress_counts_the_decisions_shown(notebook: Path) -> None:
    player = new_player()
    choice(player.box, 1).value = ["yes-just-in-case"]  # opens the recovery step
    assert progress(player) == "Progress: 1 of 3 decisions answered, all saved."
    choice(player.box, 2).value = ["explicit-threat"]
    assert progress(player) == "Progress: 2 of 3 decisions answered, all saved."
    toggle(choice(player.box, 3), "call-police")
    # No reflection cell has run in this kernel, so the decisions were all there is to do.
    assert progress(player) == ("Progress: 3 of 3 decisions answered, all saved. "
                                "Last step: press Finish module at the end.")
    assert saved(notebook) == {
        "duty-applies": ["yes-just-in-case"], "recovery": ["explicit-threat"], "respond": ["call-police"]
    }


def test_each_save_updates_the_answers_echoed_into_the_notebook(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    assert play(SCENARIO) is None
    (box,), _ = displayed[0]
    (first_echo,), echo_kwargs = displayed[1]
    assert echo_kwargs == {"raw": True, "display_id": f"course-answers-{MODULE}", "update": False}
    assert first_echo[ECHO_MIME] == {"module": MODULE, "answers": {}, "reflections": {}}

    choice(box, 1).value = ["no-trigger"]

    (bundle,), kwargs = displayed[-1]
    assert kwargs["update"] is True and kwargs["display_id"] == f"course-answers-{MODULE}"
    assert bundle[ECHO_MIME] == {"module": MODULE, "answers": {SCENARIO: {"duty-applies": ["no-trigger"]}},
                                 "reflections": {}}


def test_a_failed_save_says_so(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    player = new_player()

    def disk_full(path: Path, data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graders.learner.store, "atomic_write_json", disk_full)
    choice(player.box, 1).value = ["no-trigger"]

    note = choice(player.box, 1).note
    assert "Not saved" in note and "No space left on device" in note and "Tell your trainer" in note
    assert progress(player) == ("Progress: 0 of 2 decisions answered, the last answer was NOT saved "
                                "(tell your trainer).")
    assert not (notebook / "responses" / f"{MODULE}.json").exists()


def test_start_shows_the_module_progress_line_once_per_kernel(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    graders.learner.store.ResponseStore(notebook, MODULE).set(SCENARIO, "duty-applies", ["no-trigger"])
    start(MODULE)
    [((line,), _)] = displayed
    assert line.text == "Progress: 1 of 2 decisions answered, all saved."
    assert ".course-start { display: none; }" in line.page_style  # the running player hides the banner
    assert line.scroll_into_view  # "Run all cells" leaves the learner at the end; this brings them back
    play(SCENARIO)
    (box,), _ = displayed[1]
    [under_case] = [c for c in box.children if isinstance(c, ProgressLine)]
    assert not under_case.scroll_into_view
    choice(box, 3).value = ["explore"]
    assert line.text == under_case.text  # every progress line updates at once
    assert line.text.startswith("Progress: 2 of 2 decisions answered, all saved.")


# --- the written reflection and the Finish module step ----------------------------------------

ALL_DONE = "Progress: 2 of 2 decisions answered, all saved."


def shown_widget(displayed: list[tuple[tuple[Any, ...], dict[str, Any]]], kind: type) -> Any:
    [found] = [obj for objs, _ in displayed for obj in objs if isinstance(obj, kind)]
    return found


def saved_reflections(folder: Path) -> dict[str, str]:
    return read_response(folder / "responses" / f"{MODULE}.json")[1]


def test_reflection_box_saves_as_the_learner_types(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    start(MODULE)
    play(SCENARIO)
    reflect(MODULE, "reflection")
    line = shown_widget(displayed, ProgressLine)
    box = shown_widget(displayed, ReflectionBox)
    assert box.value == "" and box.note == "" and box.max_length == MAX_REFLECTION
    assert "saves itself" in box.label
    assert not (notebook / "responses").exists()  # showing the box writes nothing

    player_box = displayed[1][0][0]
    choice(player_box, 1).value = ["no-trigger"]
    choice(player_box, 3).value = ["explore"]
    assert line.text == f"{ALL_DONE} Last step: write the reflection near the end."

    box.value = "I would keep assessing and document."
    assert saved_reflections(notebook) == {"reflection": "I would keep assessing and document."}
    assert box.note == "Saved."
    assert line.text == f"{ALL_DONE} Last step: press Finish module at the end."
    (bundle,), kwargs = displayed[-1]
    assert kwargs == {"raw": True, "display_id": f"course-answers-{MODULE}", "update": True}
    assert bundle[ECHO_MIME]["reflections"] == {"reflection": "I would keep assessing and document."}
    assert bundle[ECHO_MIME]["answers"] == {SCENARIO: {"duty-applies": ["no-trigger"], "respond": ["explore"]}}

    box.value = ""  # emptied again: the module waits for its reflection once more
    assert saved_reflections(notebook) == {"reflection": ""}
    assert line.text == f"{ALL_DONE} Last step: write the reflection near the end."


def test_saved_reflection_comes_back_in_a_new_kernel(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    graders.learner.store.ResponseStore(notebook, MODULE).set_reflection("reflection", "Written yesterday.")
    before = (notebook / "responses" / f"{MODULE}.json").read_bytes()
    reflect(MODULE, "reflection")
    assert shown_widget(displayed, ReflectionBox).value == "Written yesterday."
    assert (notebook / "responses" / f"{MODULE}.json").read_bytes() == before


def test_a_failed_reflection_save_says_so(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    reflect(MODULE, "reflection")
    box = shown_widget(displayed, ReflectionBox)

    def disk_full(path: Path, data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graders.learner.store, "atomic_write_json", disk_full)
    box.value = "Lost?"
    assert "Not saved" in box.note and "No space left on device" in box.note and "Tell your trainer" in box.note
    assert "NOT saved" in progress_for(notebook, MODULE).widget.text
    assert not (notebook / "responses" / f"{MODULE}.json").exists()


def whole_module(displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> tuple[Any, ReflectionBox, FinishPanel]:
    """The module's case, reflection box and Finish panel, as the notebook shows them."""
    play(SCENARIO)
    reflect(MODULE, "reflection")
    finish(MODULE)
    return displayed[0][0][0], shown_widget(displayed, ReflectionBox), shown_widget(displayed, FinishPanel)


def test_finish_module_says_what_is_left_then_that_it_is_complete(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    player_box, box, panel = whole_module(displayed)
    assert panel.heading == "" and panel.report == []  # nothing is said before the button is pressed

    panel.presses += 1
    assert panel.heading == "Not finished yet. Still to do (0 of 2 decisions, reflection not written yet):"
    assert panel.report == ["\u201cA tiny case & its choices\u201d: decisions 1, 3", "The reflection"]
    assert panel.complete is False

    choice(player_box, 1).value = ["yes-identifiable"]  # opens decision 2
    choice(player_box, 3).value = ["document"]
    box.value = "Next time I would ask about a plan."
    panel.presses += 1
    assert panel.heading == "Not finished yet. Still to do (2 of 3 decisions, reflection written):"
    assert panel.report == ["\u201cA tiny case & its choices\u201d: decision 2"]
    events = (notebook / "responses" / f"{MODULE}.events.jsonl").read_text(encoding="utf-8")
    assert '"finished"' not in events

    choice(player_box, 2).value = ["explicit-threat"]
    panel.presses += 1
    assert panel.heading == "This module is complete. Thank you."
    assert panel.report[:2] == ["All 3 decisions are answered.", "Your reflection is written."]
    assert panel.complete is True
    last = json.loads((notebook / "responses" / f"{MODULE}.events.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "finished"


def test_finish_never_says_complete_after_a_failed_save(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    player_box, box, panel = whole_module(displayed)
    for number, option in ((1, "yes-identifiable"), (2, "explicit-threat"), (3, "document")):
        choice(player_box, number).value = [option]

    def disk_full(path: Path, data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graders.learner.store, "atomic_write_json", disk_full)
    box.value = "This text never reaches the disk."
    panel.presses += 1
    assert panel.heading.startswith("Your last change was NOT saved.") and panel.complete is False
    assert panel.report == ["The reflection"]  # the unsaved text does not count as written
    saved = json.loads((notebook / "responses" / f"{MODULE}.json").read_text(encoding="utf-8"))
    assert saved["reflections"] == {}


def test_reflect_and_finish_show_nothing_in_a_grading_run(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    reflect(MODULE, "reflection")
    finish(MODULE)
    assert displayed == []
    assert [p.name for p in notebook.iterdir()] == ["scenarios.json"]  # the release copy alone


# --- practice cases ---------------------------------------------------------------------------


def test_practice_case_gives_feedback_at_once_and_is_not_counted(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    play(PRACTICE)
    (box,), _ = displayed[0]
    assert "Practice case: not graded" in html_texts(box)[0]
    first, parts = choice(box, 1), choice(box, 2)
    assert first.note == ""

    first.value = ["requires"]
    assert first.note.startswith("<p><strong>Not quite.</strong></p>")
    assert "This does not fit. Not so; a duty comes from state law such as NRS 629.550(1)." in first.note
    assert "Sources: 45 CFR 164.512(j)(1)(i)" in first.note
    first.value = ["permits"]
    assert first.note.startswith("<p><strong>Right.</strong></p>")
    assert "This fits. The federal HIPAA rule 45 CFR 164.512(j)(1)(i) permits, never requires." in first.note
    assert "requires one" not in first.note  # only the chosen option is explained

    toggle(parts, "explicit-threat")
    assert parts.note.startswith("<p><strong>Partly right.</strong></p>")
    assert "1 more choice fits. Try again." in parts.note
    toggle(parts, "in-writing")
    assert parts.note.startswith("<p><strong>Partly right.</strong></p>")
    toggle(parts, "in-writing")
    toggle(parts, "identified-person")
    assert parts.note.startswith("<p><strong>Right.</strong></p>") and "Try again" not in parts.note

    # Saved like any answer (so it comes back), but the graded progress ignores it.
    assert read_answers(notebook / "responses" / f"{MODULE}.json")[PRACTICE] == {
        "permits-or-requires": ["permits"], "trigger-parts": ["explicit-threat", "identified-person"]}
    assert progress_for(notebook, MODULE).widget.text == "Progress: 0 of 2 decisions answered, all saved."


def test_practice_feedback_comes_back_with_the_saved_answer(
    notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    graders.learner.store.ResponseStore(notebook, MODULE).set(PRACTICE, "permits-or-requires", ["requires"])
    play(PRACTICE)
    (box,), _ = displayed[0]
    assert choice(box, 1).value == ["requires"]
    assert choice(box, 1).note.startswith("<p><strong>Not quite.</strong></p>")


def test_only_practice_keys_are_released(notebook: Path, course: Path) -> None:
    scenarios = [load_one(course / "scenarios", sid) for sid in (SCENARIO, PRACTICE)]
    data = json.loads(write_release_data(notebook, scenarios).read_text(encoding="utf-8"))["scenarios"]
    assert not keys_in(data[SCENARIO]) & {"correct", "rationale", "trainer_note", "citations"}
    assert data[SCENARIO]["practice"] is False
    practice = data[PRACTICE]
    assert practice["practice"] is True
    assert [o["correct"] for o in practice["steps"][0]["options"]] == [True, False]
    assert practice["steps"][1]["citations"] == ["NRS 629.550(1)"]


# --- saved choices come back -------------------------------------------------------------------


def test_saved_choices_are_restored(notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    player = new_player()
    choice(player.box, 1).value = ["yes-identifiable"]
    choice(player.box, 2).value = ["identifiable-person"]
    choice(player.box, 3).value = ["explore", "call-police"]
    on_disk = (notebook / "responses" / f"{MODULE}.json").read_bytes()

    store_for.cache_clear()  # a new kernel
    progress_for.cache_clear()
    displayed.clear()
    play(SCENARIO)
    (box,), _ = displayed[0]

    assert choice(box, 1).value == ["yes-identifiable"]
    assert choice(box, 2).value == ["identifiable-person"]
    assert not is_hidden(choice(box, 2))
    assert choice(box, 3).value == ["explore", "call-police"]
    assert all(choice(box, n).note == "<p>✔ Saved.</p>" for n in (1, 2, 3))
    assert progress_for(notebook, MODULE).widget.text.startswith("Progress: 3 of 3 decisions answered, all saved.")
    assert (notebook / "responses" / f"{MODULE}.json").read_bytes() == on_disk  # restoring wrote nothing
    assert displayed[1][0][0][ECHO_MIME]["answers"] == {
        SCENARIO: {"duty-applies": ["yes-identifiable"], "recovery": ["identifiable-person"],
                   "respond": ["explore", "call-police"]}
    }


def test_a_saved_option_that_no_longer_exists_is_not_selected(notebook: Path) -> None:
    graders.learner.store.ResponseStore(notebook, MODULE).set(SCENARIO, "duty-applies", ["withdrawn-option"])
    player = new_player()
    assert choice(player.box, 1).value == []


# --- branching ---------------------------------------------------------------------------------


def test_branch_step_is_shown_only_after_a_wrong_first_answer(notebook: Path) -> None:
    player = new_player()
    first, recovery, respond = choice(player.box, 1), choice(player.box, 2), choice(player.box, 3)
    assert is_hidden(recovery)
    assert not is_hidden(first) and not is_hidden(respond)

    first.value = ["no-trigger"]
    assert is_hidden(recovery)

    first.value = ["yes-identifiable"]
    assert not is_hidden(recovery)

    first.value = ["yes-just-in-case"]
    assert not is_hidden(recovery)

    recovery.value = ["explicit-threat"]
    first.value = ["no-trigger"]  # the right answer closes the branch again
    assert is_hidden(recovery)
    assert not is_hidden(first) and not is_hidden(respond)
    assert progress(player) == "Progress: 1 of 2 decisions answered, all saved."


def test_branch_stays_hidden_when_restored_after_a_right_answer(notebook: Path) -> None:
    graders.learner.store.ResponseStore(notebook, MODULE).set(SCENARIO, "duty-applies", ["no-trigger"])
    player = new_player()
    assert choice(player.box, 1).value == ["no-trigger"]
    assert is_hidden(choice(player.box, 2))


# --- the release copy --------------------------------------------------------------------------


def keys_in(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_in(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_in(v)}
    return set()


def test_release_copy_beside_the_notebook_is_used(
    notebook: Path, course: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    release = write_release_data(notebook, [load_one(course / "scenarios", SCENARIO)])
    assert release == notebook / "scenarios.json"
    data = json.loads(release.read_text(encoding="utf-8"))
    assert set(data["scenarios"]) == {SCENARIO}
    found = keys_in(data)
    assert {"steps", "options", "show_if"} <= found
    assert not found & {"correct", "rationale", "trainer_note", "citations"}
    text = release.read_text(encoding="utf-8")
    assert "NRS 629.550(1)" not in text and "Only after a wrong first answer" not in text

    # With the trainer's YAML gone, only the release copy can feed the player.
    (course / "scenarios" / f"{SCENARIO}.yaml").unlink()
    play(SCENARIO)
    (box,), _ = displayed[0]
    assert isinstance(box, w.VBox)
    assert "A tiny case &amp; its choices" in html_texts(box)[0]
    assert [o["id"] for o in choice(box, 1).options] == ["no-trigger", "yes-identifiable", "yes-just-in-case"]
    assert len(choice(box, 3).options) == 3
    assert is_hidden(choice(box, 2))
    choice(box, 1).value = ["yes-identifiable"]
    assert saved(notebook) == {"duty-applies": ["yes-identifiable"]}
    assert not is_hidden(choice(box, 2))


def test_without_a_release_copy_a_learner_kernel_gets_words_not_the_trainer_yaml(
    notebook: Path, course: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    (notebook / "scenarios.json").unlink()
    with pytest.raises(ReleaseDataMissing, match="Ask your trainer for a fresh copy"):
        load_learner_view(SCENARIO, notebook)  # although $COURSE_ROOT points at the YAML
    assert play(SCENARIO) is None
    [((alert,), _)] = displayed
    assert "questions are missing" in alert.data and "Traceback" not in alert.data


def test_a_grading_run_without_a_release_copy_reads_the_course_yaml(
    notebook: Path, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (notebook / "scenarios.json").unlink()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # nbgrader's kernel, told where the course is
    view = load_learner_view(SCENARIO, notebook)
    assert view == load_one(course / "scenarios", SCENARIO).learner_view()
    assert not keys_in(view) & {"correct", "rationale", "trainer_note"}


# --- grading runs ------------------------------------------------------------------------------


def test_grading_run_writes_nothing_and_shows_static_html(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    assert play(SCENARIO) is None

    assert not (notebook / "responses").exists()
    assert [p.name for p in notebook.iterdir()] == ["scenarios.json"]  # the release copy alone
    [((shown,), _kwargs)] = displayed
    assert isinstance(shown, HTML)
    assert "A tiny case &amp; its choices" in shown.data
    assert "Does the duty to protect apply?" in shown.data
    assert "No answer saved" in shown.data
    assert not any(isinstance(obj, w.Widget) for objs, _ in displayed for obj in objs)


def test_grading_run_shows_saved_choices_without_touching_them(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    store = graders.learner.store.ResponseStore(notebook, MODULE)
    store.set(SCENARIO, "duty-applies", ["no-trigger"])
    store.set(SCENARIO, "respond", ["document"])
    before = {p.name: p.read_bytes() for p in (notebook / "responses").iterdir()}
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    play(SCENARIO)
    [((shown,), _kwargs)] = displayed
    assert "☑ No, the trigger is not met. <strong>(your answer)</strong>" in shown.data
    assert "☑ Document and consult. <strong>(your answer)</strong>" in shown.data
    assert "☐ Call the police anyway." in shown.data
    assert "Which part of the trigger is missing?" not in shown.data  # the learner's path skipped it

    # Even a player built and clicked during grading saves nothing.
    player = new_player()
    choice(player.box, 1).value = ["yes-identifiable"]
    assert {p.name: p.read_bytes() for p in (notebook / "responses").iterdir()} == before


# --- an unreadable response file ---------------------------------------------------------------


def test_corrupted_response_file_is_reported_and_kept_aside(notebook: Path) -> None:
    responses = notebook / "responses"
    responses.mkdir()
    broken = b'{"format": 1, "answers": {"tiny-case": {"duty-applies": ["no-trig'
    (responses / f"{MODULE}.json").write_bytes(broken)

    player = new_player()

    [kept] = responses.glob(f"{MODULE}.unreadable-*.json")
    assert kept.read_bytes() == broken
    assert not (responses / f"{MODULE}.json").exists()
    [alert] = alerts(player.box)
    assert "could not be read" in alert
    assert kept.name in alert
    assert "please answer again" in alert
    assert player.box.children[1].value == alert  # right under the story, above the decisions
    assert choice(player.box, 1).value == []

    choice(player.box, 1).value = ["no-trigger"]  # answering again works
    assert saved(notebook) == {"duty-applies": ["no-trigger"]}
    assert kept.read_bytes() == broken


def test_corrupted_response_file_is_left_alone_in_a_grading_run(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    responses = notebook / "responses"
    responses.mkdir()
    (responses / f"{MODULE}.json").write_bytes(b"not json")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    play(SCENARIO)

    assert sorted(p.name for p in responses.iterdir()) == [f"{MODULE}.json"]
    assert (responses / f"{MODULE}.json").read_bytes() == b"not json"
    assert store_for(notebook, MODULE).problem is not None
    [((shown,), _kwargs)] = displayed
    assert isinstance(shown, HTML)
