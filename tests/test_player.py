"""The scenario player: widgets that save every click at once, restore saved choices and follow branches."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest
from IPython.display import HTML

import graders.player
import graders.store
from graders.player import Player, load_learner_view, play, store_for
from graders.scenarios import load_one, write_release_data
from graders.store import ECHO_MIME, read_answers

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


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    store_for.cache_clear()
    yield
    store_for.cache_clear()


@pytest.fixture
def displayed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """What the player passed to IPython's display(), in order."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(graders.player, "display", lambda *objs, **kwargs: calls.append((objs, kwargs)))
    return calls


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    (root / "scenarios").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("", encoding="utf-8")
    (root / "scenarios" / f"{SCENARIO}.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    monkeypatch.setenv("COURSE_ROOT", str(root))
    return root


@pytest.fixture
def notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, course: Path) -> Path:
    """The learner's notebook folder, as the kernel's working directory."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def new_player() -> Player:
    folder = Path.cwd()
    scenario = load_learner_view(SCENARIO, folder)
    return Player(scenario, store_for(folder, scenario["module"]))


def walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def radio(root: w.Widget, number: int) -> w.RadioButtons:
    [found] = [x for x in walk(root) if isinstance(x, w.RadioButtons) and x.description == f"Decision {number}"]
    return found


def checkboxes(root: w.Widget) -> dict[str, w.Checkbox]:
    return {x.description: x for x in walk(root) if isinstance(x, w.Checkbox)}


def html_texts(root: w.Widget) -> list[str]:
    return [x.value for x in walk(root) if isinstance(x, w.HTML)]


def alerts(root: w.Widget) -> list[str]:
    return [text for text in html_texts(root) if "role='alert'" in text]


def step_box_of(root: w.Widget, control: w.Widget) -> w.Box:
    """The box of the step that holds `control` (what the player hides and shows)."""
    for box in walk(root):
        if isinstance(box, w.Box) and control in box.children and box is not root:
            if isinstance(box.children[0], w.HTML) and "Decision" in box.children[0].value:
                return box
            return step_box_of(root, box)
    raise LookupError("control is not in a step box")


def is_hidden(root: w.Widget, control: w.Widget) -> bool:
    return step_box_of(root, control).layout.display == "none"


def saved(folder: Path) -> dict[str, list[str]]:
    return read_answers(folder / "responses" / f"{MODULE}.json").get(SCENARIO, {})


def status(player: Player) -> str:
    return player.status.value


# --- clicking saves ----------------------------------------------------------------------------


def test_widgets_match_the_scenario(notebook: Path) -> None:
    player = new_player()
    first, recovery = radio(player.box, 1), radio(player.box, 2)
    assert [value for _label, value in first.options] == ["no-trigger", "yes-identifiable", "yes-just-in-case"]
    assert [value for _label, value in recovery.options] == ["explicit-threat", "identifiable-person"]
    assert first.value is None and recovery.value is None
    assert list(checkboxes(player.box)) == [
        "Explore the anger and keep assessing.", "Document and consult.", "Call the police anyway."
    ]
    assert not any(box.value for box in checkboxes(player.box).values())
    assert "<h3>A tiny case &amp; its choices</h3>" in html_texts(player.box)[0]
    assert "<p>A client is angry at a former employer.</p><p>Nothing suggests a plan.</p>" in html_texts(player.box)[0]
    assert "Nothing answered yet" in status(player)
    assert alerts(player.box) == []
    assert not (notebook / "responses").exists()  # showing the player writes nothing


def test_single_choice_click_is_saved_at_once(notebook: Path) -> None:
    player = new_player()
    radio(player.box, 1).value = "no-trigger"

    assert saved(notebook) == {"duty-applies": ["no-trigger"]}
    assert "Saved: 1 of 2 decisions answered" in status(player)

    radio(player.box, 1).value = "yes-identifiable"
    assert saved(notebook) == {"duty-applies": ["yes-identifiable"]}
    events = (notebook / "responses" / f"{MODULE}.events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(e["step"], e["old"], e["new"]) for e in map(json.loads, events)] == [
        ("duty-applies", [], ["no-trigger"]),
        ("duty-applies", ["no-trigger"], ["yes-identifiable"]),
    ]


def test_multiple_choice_clicks_are_saved_at_once(notebook: Path) -> None:
    player = new_player()
    boxes = checkboxes(player.box)

    boxes["Document and consult."].value = True
    assert saved(notebook) == {"respond": ["document"]}
    assert "Saved: 1 of 2 decisions answered" in status(player)

    boxes["Explore the anger and keep assessing."].value = True
    assert saved(notebook) == {"respond": ["explore", "document"]}  # in the scenario's option order

    boxes["Document and consult."].value = False
    assert saved(notebook) == {"respond": ["explore"]}

    boxes["Explore the anger and keep assessing."].value = False
    assert saved(notebook) == {"respond": []}
    assert "decisions answered" not in status(player)
    assert "Your answers save as you click" in status(player)


def test_status_counts_the_decisions_shown(notebook: Path) -> None:
    player = new_player()
    radio(player.box, 1).value = "yes-just-in-case"  # opens the recovery step
    assert "Saved: 1 of 3 decisions answered" in status(player)
    radio(player.box, 2).value = "explicit-threat"
    assert "Saved: 2 of 3 decisions answered" in status(player)
    checkboxes(player.box)["Call the police anyway."].value = True
    assert "Saved: 3 of 3 decisions answered" in status(player)
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
    assert first_echo[ECHO_MIME] == {"module": MODULE, "answers": {}}

    radio(box, 1).value = "no-trigger"

    (bundle,), kwargs = displayed[-1]
    assert kwargs["update"] is True and kwargs["display_id"] == f"course-answers-{MODULE}"
    assert bundle[ECHO_MIME] == {"module": MODULE, "answers": {SCENARIO: {"duty-applies": ["no-trigger"]}}}


def test_a_failed_save_says_so(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    player = new_player()

    def disk_full(path: Path, data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graders.store, "atomic_write_json", disk_full)
    radio(player.box, 1).value = "no-trigger"

    assert "Not saved" in status(player) and "No space left on device" in status(player)
    assert "Tell your trainer" in status(player)
    assert "role='alert'" in status(player)
    assert not (notebook / "responses" / f"{MODULE}.json").exists()


# --- saved choices come back -------------------------------------------------------------------


def test_saved_choices_are_restored(notebook: Path, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    player = new_player()
    radio(player.box, 1).value = "yes-identifiable"
    radio(player.box, 2).value = "identifiable-person"
    checkboxes(player.box)["Explore the anger and keep assessing."].value = True
    checkboxes(player.box)["Call the police anyway."].value = True
    on_disk = (notebook / "responses" / f"{MODULE}.json").read_bytes()

    store_for.cache_clear()  # a new kernel
    displayed.clear()
    play(SCENARIO)
    (box,), _ = displayed[0]

    assert radio(box, 1).value == "yes-identifiable"
    assert radio(box, 2).value == "identifiable-person"
    assert not is_hidden(box, radio(box, 2))
    assert {text: cb.value for text, cb in checkboxes(box).items()} == {
        "Explore the anger and keep assessing.": True,
        "Document and consult.": False,
        "Call the police anyway.": True,
    }
    assert any("Saved: 3 of 3 decisions answered" in text for text in html_texts(box))
    assert (notebook / "responses" / f"{MODULE}.json").read_bytes() == on_disk  # restoring wrote nothing
    assert displayed[1][0][0][ECHO_MIME]["answers"] == {
        SCENARIO: {"duty-applies": ["yes-identifiable"], "recovery": ["identifiable-person"],
                   "respond": ["explore", "call-police"]}
    }


def test_a_saved_option_that_no_longer_exists_is_not_selected(notebook: Path) -> None:
    graders.store.ResponseStore(notebook, MODULE).set(SCENARIO, "duty-applies", ["withdrawn-option"])
    player = new_player()
    assert radio(player.box, 1).value is None


# --- branching ---------------------------------------------------------------------------------


def test_branch_step_is_shown_only_after_a_wrong_first_answer(notebook: Path) -> None:
    player = new_player()
    first, recovery = radio(player.box, 1), radio(player.box, 2)
    respond = next(iter(checkboxes(player.box).values()))
    assert is_hidden(player.box, recovery)
    assert player.step_boxes["recovery"].layout.display == "none"
    assert not is_hidden(player.box, first) and not is_hidden(player.box, respond)

    first.value = "no-trigger"
    assert is_hidden(player.box, recovery)

    first.value = "yes-identifiable"
    assert not is_hidden(player.box, recovery)
    assert player.step_boxes["recovery"].layout.display != "none"

    first.value = "yes-just-in-case"
    assert not is_hidden(player.box, recovery)

    recovery.value = "explicit-threat"
    first.value = "no-trigger"  # the right answer closes the branch again
    assert is_hidden(player.box, recovery)
    assert not is_hidden(player.box, first) and not is_hidden(player.box, respond)
    assert "Saved: 1 of 2 decisions answered" in status(player)


def test_branch_stays_hidden_when_restored_after_a_right_answer(notebook: Path) -> None:
    graders.store.ResponseStore(notebook, MODULE).set(SCENARIO, "duty-applies", ["no-trigger"])
    player = new_player()
    assert radio(player.box, 1).value == "no-trigger"
    assert is_hidden(player.box, radio(player.box, 2))


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
    assert [value for _label, value in radio(box, 1).options] == ["no-trigger", "yes-identifiable", "yes-just-in-case"]
    assert len(checkboxes(box)) == 3
    assert is_hidden(box, radio(box, 2))
    radio(box, 1).value = "yes-identifiable"
    assert saved(notebook) == {"duty-applies": ["yes-identifiable"]}
    assert not is_hidden(box, radio(box, 2))


def test_without_a_release_copy_the_trainer_yaml_is_used(notebook: Path, course: Path) -> None:
    assert not (notebook / "scenarios.json").exists()
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
    assert list(notebook.iterdir()) == []
    [((shown,), _kwargs)] = displayed
    assert isinstance(shown, HTML)
    assert "A tiny case &amp; its choices" in shown.data
    assert "Does the duty to protect apply?" in shown.data
    assert "No answer saved" in shown.data
    assert not any(isinstance(obj, w.Widget) for objs, _ in displayed for obj in objs)


def test_grading_run_shows_saved_choices_without_touching_them(
    notebook: Path, monkeypatch: pytest.MonkeyPatch, displayed: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    store = graders.store.ResponseStore(notebook, MODULE)
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
    player = Player(load_learner_view(SCENARIO, notebook), store_for(notebook, MODULE))
    radio(player.box, 1).value = "yes-identifiable"
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
    assert radio(player.box, 1).value is None

    radio(player.box, 1).value = "no-trigger"  # answering again works
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
