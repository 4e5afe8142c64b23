"""Written reflections and how far a learner is: the response file's "reflections", the status of a
module (progress line, Finish module, start page), intake's choice of reflection text, and the
learner's Jupyter config for the start page and the module pages."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_output

from graders.content.branching import is_shown
from graders.content.release_data import read_release_data
from graders.course.course import Course
from graders.grading.intake import take_in
from graders.grading.nbgrader_hooks import ECHO_KEY, RestoreResponses
from graders.learner.lab import IDLE_KERNEL_SECONDS, copy_release, learner_config, release
from graders.learner.start_page import module_row
from graders.learner.status import module_status, notebook_parts
from graders.learner.store import (
    ECHO_MIME,
    FORMAT,
    MAX_REFLECTION,
    ResponseStore,
    parse_reflections,
    read_answers,
    read_response,
)
from tests.conftest import ROOT, copy_course
from tests.expected import graded_files, shown

MODULE = "duty-to-protect"


def response_file(folder: Path, module: str = MODULE) -> Path:
    return folder / "responses" / f"{module}.json"


def event_lines(folder: Path, module: str = MODULE) -> list[dict]:
    path = folder / "responses" / f"{module}.events.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- the response file's reflections -----------------------------------------------------------


def test_a_reflection_is_saved_beside_the_answers_and_read_back(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    assert store.reflections == {}
    store.set("vague-anger", "duty-applies", ["no-trigger-not-met"])
    store.set_reflection("reflection", "I would ask about a plan first.")

    on_disk = json.loads(response_file(tmp_path).read_text(encoding="utf-8"))
    assert on_disk["format"] == FORMAT and on_disk["module"] == MODULE
    assert on_disk["answers"] == {"vague-anger": {"duty-applies": ["no-trigger-not-met"]}}
    assert on_disk["reflections"] == {"reflection": "I would ask about a plan first."}
    assert read_response(response_file(tmp_path)) == (on_disk["answers"], on_disk["reflections"])
    assert read_answers(response_file(tmp_path)) == on_disk["answers"]

    fresh = ResponseStore(tmp_path, MODULE)
    assert fresh.problem is None and fresh.reflections == {"reflection": "I would ask about a plan first."}
    fresh.set("vague-anger", "duty-applies", ["yes-identifiable-man"])  # saving an answer keeps the reflection
    assert read_response(response_file(tmp_path))[1] == {"reflection": "I would ask about a plan first."}

    last = event_lines(tmp_path)[-2]
    assert set(last) == {"time", "reflection", "new"}
    assert (last["reflection"], last["new"]) == ("reflection", "I would ask about a plan first.")


def test_unchanged_text_writes_nothing(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    store.set_reflection("reflection", "")  # an empty box on a fresh module: nothing to save
    assert not (tmp_path / "responses").exists()

    store.set_reflection("reflection", "Draft one.")
    before, events_before = response_file(tmp_path).read_bytes(), len(event_lines(tmp_path))
    store.set_reflection("reflection", "Draft one.")
    ResponseStore(tmp_path, MODULE).set_reflection("reflection", "Draft one.")  # nor from a new kernel
    assert response_file(tmp_path).read_bytes() == before  # the "updated" time would differ after a write
    assert len(event_lines(tmp_path)) == events_before == 1

    store.set_reflection("reflection", "Draft two.")
    assert [e["new"] for e in event_lines(tmp_path)] == ["Draft one.", "Draft two."]


def test_a_reflection_is_cut_at_its_limit(tmp_path: Path) -> None:
    assert MAX_REFLECTION == 10_000
    store = ResponseStore(tmp_path, MODULE)
    long_text = "a" * (MAX_REFLECTION - 1) + "bc" + "d" * 50
    store.set_reflection("reflection", long_text)

    saved = read_response(response_file(tmp_path))[1]["reflection"]
    assert len(saved) == MAX_REFLECTION and saved.endswith("ab")
    assert store.reflections["reflection"] == saved
    assert event_lines(tmp_path)[-1]["new"] == saved
    store.set_reflection("reflection", long_text + "more")  # the same once cut: nothing new to save
    assert len(event_lines(tmp_path)) == 1


def test_a_longer_reflection_in_the_file_is_cut_when_read(tmp_path: Path) -> None:
    path = response_file(tmp_path)
    path.parent.mkdir()
    path.write_text(json.dumps({"format": 1, "answers": {}, "reflections": {"reflection": "x" * (MAX_REFLECTION + 5)}}))
    assert len(read_response(path)[1]["reflection"]) == MAX_REFLECTION


def test_read_only_store_refuses_a_reflection(tmp_path: Path) -> None:
    ResponseStore(tmp_path, MODULE).set_reflection("reflection", "Mine.")
    before = response_file(tmp_path).read_bytes()
    store = ResponseStore(tmp_path, MODULE, read_only=True)
    assert store.reflections == {"reflection": "Mine."}
    with pytest.raises(PermissionError, match="read-only"):
        store.set_reflection("reflection", "Changed during grading.")
    store.log_event("finished")  # a grading run logs nothing either
    assert store.reflections == {"reflection": "Mine."}
    assert response_file(tmp_path).read_bytes() == before
    assert len(event_lines(tmp_path)) == 1


def test_log_event_adds_one_line_and_changes_no_answer(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    store.log_event("finished")
    [event] = event_lines(tmp_path)
    assert set(event) == {"time", "event"} and event["event"] == "finished"
    assert not response_file(tmp_path).exists()


def test_a_file_from_before_reflections_reads_as_none_written(tmp_path: Path) -> None:
    path = response_file(tmp_path)
    path.parent.mkdir()
    old = {"format": 1, "module": MODULE, "updated": "2026-01-01T00:00:00.000+00:00",
           "answers": {"s": {"step": ["a"]}}}
    path.write_text(json.dumps(old))

    assert read_response(path) == ({"s": {"step": ["a"]}}, {})
    store = ResponseStore(tmp_path, MODULE)
    assert store.problem is None and store.answers == {"s": {"step": ["a"]}} and store.reflections == {}
    store.set_reflection("reflection", "Added later.")
    assert read_response(path) == ({"s": {"step": ["a"]}}, {"reflection": "Added later."})


NOT_TEXT = {
    "a-number": {"reflection": 3},
    "a-list-of-lines": {"reflection": ["line one", "line two"]},
    "null-text": {"reflection": None},
    "a-list": ["text"],
    "null": None,
    "a-string": "text",
}


@pytest.mark.parametrize("reflections", NOT_TEXT.values(), ids=NOT_TEXT.keys())
def test_reflections_that_are_not_text_are_refused(tmp_path: Path, reflections: object) -> None:
    raw = {"format": 1, "answers": {}, "reflections": reflections}
    with pytest.raises(ValueError, match="not a mapping of cell ids to text"):
        parse_reflections(raw)
    path = response_file(tmp_path)
    path.parent.mkdir()
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError):
        read_response(path)
    store = ResponseStore(tmp_path, MODULE)  # the learner's store keeps such a file aside, as any unreadable one
    assert store.problem and "could not be read" in store.problem and not path.exists()


def test_parse_reflections_of_text_and_of_no_reflections() -> None:
    assert parse_reflections({"reflections": {"reflection": "Text.", "second": ""}}) == {
        "reflection": "Text.", "second": ""}
    assert parse_reflections({"module": MODULE, "answers": {}}) == {}  # an echo or file from before
    assert parse_reflections(None) == {}


# --- module status -----------------------------------------------------------------------------

TINY = "tiny-module"
VIEWS = {
    "case-a": {"id": "case-a", "title": "Case A", "module": TINY, "practice": False, "steps": [
        {"id": "first", "show_if": None},
        {"id": "recovery", "show_if": {"first": ["wrong"]}},
        {"id": "last", "show_if": None},
    ]},
    "case-b": {"id": "case-b", "title": "Case B", "module": TINY, "practice": False, "steps": [
        {"id": "only", "show_if": None},
    ]},
    "warm-up": {"id": "warm-up", "title": "Warm-up", "module": TINY, "practice": True, "steps": [
        {"id": "p1", "show_if": None}, {"id": "p2", "show_if": None},
    ]},
    "elsewhere": {"id": "elsewhere", "title": "Another module's case", "module": "other-module",
                  "practice": False, "steps": [{"id": "x", "show_if": None}]},
}


def status_of(answers: dict, reflections: dict | None = None, reflection_ids: tuple[str, ...] = ("reflection",)):
    return module_status(VIEWS, TINY, answers, reflections or {}, list(reflection_ids))


def test_nothing_done_is_not_started_and_lists_every_case() -> None:
    status = status_of({})
    assert (status.answered, status.shown, status.written, status.reflections) == (0, 3, 0, 1)
    assert status.state == "not started" and not status.complete
    # The hidden branch step keeps its number: the learner sees "Decision 3" under case A.
    assert status.left == ["\u201cCase A\u201d: decisions 1, 3", "\u201cCase B\u201d: decision 1", "The reflection"]
    assert status.summary() == "0 of 3 decisions, reflection not written yet"


def test_a_branch_step_counts_once_the_answers_open_it() -> None:
    closed = status_of({"case-a": {"first": ["right"]}})
    assert (closed.answered, closed.shown) == (1, 3)
    opened = status_of({"case-a": {"first": ["wrong"]}})
    assert (opened.answered, opened.shown) == (1, 4)
    assert opened.left[0] == "\u201cCase A\u201d: decisions 2, 3"
    answered = status_of({"case-a": {"first": ["wrong"], "recovery": ["r"]}})
    assert (answered.answered, answered.shown) == (2, 4)
    assert answered.left[0] == "\u201cCase A\u201d: decision 3"


def test_practice_cases_and_other_modules_are_not_counted() -> None:
    status = status_of({"warm-up": {"p1": ["a"], "p2": ["b"]}, "elsewhere": {"x": ["y"]}})
    assert (status.answered, status.shown) == (0, 3)
    assert status.state == "not started"
    assert not any("Warm-up" in line or "Another module" in line for line in status.left)
    assert status_of({}, reflection_ids=()).left == [
        "\u201cCase A\u201d: decisions 1, 3", "\u201cCase B\u201d: decision 1"]


def test_an_emptied_answer_is_not_an_answer() -> None:
    status = status_of({"case-b": {"only": []}})
    assert status.answered == 0 and status.left[1] == "\u201cCase B\u201d: decision 1"


def test_states_from_not_started_to_done() -> None:
    all_answered = {"case-a": {"first": ["right"], "last": ["x"]}, "case-b": {"only": ["y"]}}
    some = status_of({"case-b": {"only": ["y"]}})
    assert some.state == "in progress" and some.summary() == "1 of 3 decisions, reflection not written yet"
    written_only = status_of({}, {"reflection": "My thoughts."})
    assert written_only.state == "in progress" and written_only.written == 1
    assert "The reflection" not in written_only.left
    blank = status_of(all_answered, {"reflection": "  \n "})  # only spaces: not written
    assert blank.state == "in progress" and blank.written == 0 and blank.left == ["The reflection"]
    done = status_of(all_answered, {"reflection": "My thoughts."})
    assert done.complete and done.state == "done" and done.left == []
    assert done.summary() == "3 of 3 decisions, reflection written"
    no_reflection = status_of(all_answered, reflection_ids=())
    assert no_reflection.complete and no_reflection.summary() == "3 of 3 decisions"
    other_text = status_of(all_answered, {"another-cell": "Text."})  # written, but not in the reflection asked for
    assert not other_text.complete and other_text.left == ["The reflection"]


# --- a released module: intake and the start page ------------------------------------------------


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Path]:
    """The module released as learners get it (nbgrader, as `course lab` does)."""
    course = Course(copy_course(tmp_path_factory.mktemp("reflections") / "course"))
    return course, release(course, [MODULE]) / MODULE


def submission(released: tuple[Course, Path], tmp_path: Path) -> Path:
    return released[0].submit_copy(released[1], tmp_path / "submitted" / MODULE)


def staged_reflection(folder: Path) -> str:
    nb = nbformat.read(folder / f"{MODULE}.ipynb", as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection"]
    return cell.source


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def type_into_notebook(notebook: Path, text: str) -> None:
    """What a learner does who writes the reflection in JupyterLab's markdown cell, not in the box."""
    nb = nbformat.read(notebook, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection"]
    cell.source = text
    nbformat.write(nb, notebook)


def echo_into(notebook: Path, echoed: dict) -> None:
    """What the player leaves in a saved notebook: its echo of the answers, in a play cell's outputs."""
    nb = nbformat.read(notebook, as_version=4)
    play_cell = next(c for c in nb.cells if c.source.startswith("play("))
    play_cell.outputs = [new_output("display_data", data={"text/html": "<span hidden></span>", ECHO_MIME: echoed})]
    nbformat.write(nb, notebook)


def test_released_module_has_the_reflection_box_and_the_finish_step(released) -> None:
    nb = nbformat.read(released[1] / f"{MODULE}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    box = ids.index("reflect-reflection")
    assert ids[box + 1] == "reflection" and ids[-1] == "finish"
    assert nb.cells[box].source == f'reflect("{MODULE}", "reflection")'
    assert notebook_parts(released[1] / f"{MODULE}.ipynb") == (
        "Harm to the client or others: when safety comes before confidentiality", ["reflection"])


def test_reflection_written_on_the_page_reaches_the_graded_notebook(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    ResponseStore(learner, MODULE).set_reflection("reflection", "  I would consult my supervisor first.\n")
    before = files_of(learner)

    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)

    assert staged_reflection(intake.folder) == "I would consult my supervisor first."
    assert intake.flags == []
    assert files_of(learner) == before  # the learner's own files are left as they are


def test_reflection_typed_into_the_notebook_still_counts(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    ResponseStore(learner, MODULE).set("duty-to-protect-explicit-threat", "duty-applies", ["x"])  # no reflection
    type_into_notebook(learner / f"{MODULE}.ipynb", "Typed into the cell in JupyterLab.")

    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)

    assert staged_reflection(intake.folder) == "Typed into the cell in JupyterLab."
    assert intake.flags == []


def test_no_reflection_anywhere_leaves_the_released_cell(released, tmp_path: Path) -> None:
    intake = take_in(submission(released, tmp_path), released[1], tmp_path / "staged", MODULE)
    assert staged_reflection(intake.folder) == staged_reflection(released[1]) == "YOUR ANSWER HERE"
    assert intake.flags == []


def test_reflection_in_both_places_keeps_both_and_says_so(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    ResponseStore(learner, MODULE).set_reflection("reflection", "Written on the page.")
    type_into_notebook(learner / f"{MODULE}.ipynb", "Typed in the notebook.")

    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)

    text = staged_reflection(intake.folder)
    assert "Written on the page." in text and "Typed in the notebook." in text
    assert text.index("Written on the page.") < text.index("Typed in the notebook.")
    assert intake.flags == ["reflection written both on the page and in the notebook (reflection): both kept"]


def test_the_same_text_in_both_places_is_kept_once(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    ResponseStore(learner, MODULE).set_reflection("reflection", "The same words.")
    type_into_notebook(learner / f"{MODULE}.ipynb", "The same words.")
    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)
    assert staged_reflection(intake.folder) == "The same words." and intake.flags == []


def test_reflection_comes_back_from_the_echo_when_the_response_file_is_lost(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    answers = {"duty-to-protect-explicit-threat": {"duty-applies": ["yes-nevada-trigger-met"]}}
    echo_into(learner / f"{MODULE}.ipynb",
              {"module": MODULE, "answers": answers, "reflections": {"reflection": "Kept in the echo."}})
    assert not (learner / "responses").exists()

    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)

    assert staged_reflection(intake.folder) == "Kept in the echo."
    assert intake.flags == ["response file missing: rebuilt from the notebook's copy of the answers",
                            "the event log is missing: the answers cannot be checked against the clicks recorded"]

    # Before execution, nbgrader's RestoreResponses rebuilds the response file with the reflection.
    staged = nbformat.read(intake.folder / f"{MODULE}.ipynb", as_version=4)
    staged.metadata[ECHO_KEY] = next(o["data"][ECHO_MIME] for c in staged.cells for o in c.get("outputs", [])
                                     if ECHO_MIME in o.get("data", {}))
    RestoreResponses().preprocess(staged, {"metadata": {"path": str(intake.folder)}, "nbgrader": {"notebook": MODULE}})
    assert read_response(response_file(intake.folder)) == (answers, {"reflection": "Kept in the echo."})


def test_the_response_file_wins_over_an_older_echo(released, tmp_path: Path) -> None:
    learner = submission(released, tmp_path)
    ResponseStore(learner, MODULE).set_reflection("reflection", "The newest text.")
    echo_into(learner / f"{MODULE}.ipynb", {"module": MODULE, "answers": {}, "reflections": {"reflection": "Old."}})
    intake = take_in(learner, released[1], tmp_path / "staged", MODULE)
    assert staged_reflection(intake.folder) == "The newest text."


def answer_every_shown_decision(store: ResponseStore, views: dict[str, dict]) -> None:
    """Pick each graded step's first option, in order, so branch steps open as the answers lead."""
    for view in views.values():
        if view["module"] != MODULE or view["practice"]:
            continue
        for step in view["steps"]:
            if is_shown(step["show_if"], store.answers.get(view["id"], {})):
                store.set(view["id"], step["id"], [step["options"][0]["id"]])


def test_start_page_row_follows_the_learner_from_not_started_to_done(released, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    copy_release(released[1].parent, [MODULE], workspace)
    folder = workspace / MODULE

    row = module_row(workspace, "/base/", MODULE)
    assert row.title == "Harm to the client or others: when safety comes before confidentiality"
    assert row.href == f"/base/voila/render/{MODULE}/{MODULE}.ipynb"
    assert row.problem == "" and row.status.state == "not started"
    # The decisions shown before any answer, counted from the scenario files themselves.
    first_steps = sum(shown(step, {}) for p in graded_files(MODULE) for step in yaml.safe_load(p.read_text())["steps"])
    assert (row.status.answered, row.status.shown, row.status.reflections) == (0, first_steps, 1)

    store = ResponseStore(folder, MODULE)
    store.set("duty-to-protect-explicit-threat", "duty-applies", ["yes-nevada-trigger-met"])
    row = module_row(workspace, "/base/", MODULE)
    assert row.status.state == "in progress" and row.status.answered == 1

    views = read_release_data(folder)
    answer_every_shown_decision(store, views)
    row = module_row(workspace, "/base/", MODULE)
    on_path = sum(shown(step, store.answers.get(p.stem, {})) for p in graded_files(MODULE)
                  for step in yaml.safe_load(p.read_text())["steps"])
    assert row.status.answered == row.status.shown == on_path
    assert row.status.state == "in progress" and row.status.left == ["The reflection"]

    store.set_reflection("reflection", "What I would do differently.")
    row = module_row(workspace, "/base/", MODULE)
    assert row.status.state == "done" and row.status.left == []
    assert row.status.summary() == f"{on_path} of {on_path} decisions, reflection written"


def test_start_page_row_says_when_files_cannot_be_read(released, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    copy_release(released[1].parent, [MODULE], workspace)
    path = response_file(workspace / MODULE)
    path.parent.mkdir()
    path.write_text("not json")
    row = module_row(workspace, "/", MODULE)
    assert row.status.state == "not started" and "could not be read" in row.problem
    assert path.read_text() == "not json"  # the start page only reads; the module page keeps it aside

    missing = module_row(workspace, "/", "no-such-module")
    assert missing.status is None and missing.title == "no-such-module" and "could not be read" in missing.problem


# --- the learner's Jupyter config ----------------------------------------------------------------


def test_learner_config_opens_the_course_template_with_culling_and_no_trainer_tools() -> None:
    course = Course(ROOT)
    modules = ["mandated-reporting", "why-confidentiality-matters"]  # the order given, not sorted
    config = learner_config(course, modules)
    assert set(config) == {"labconfig/page_config.json", "jupyter_server_config.d/course-lab.json",
                           "jupyter_server_config.json"}
    assert config["labconfig/page_config.json"] == {"disabledExtensions": {"@jupyter/nbgrader": True}}

    extensions = config["jupyter_server_config.d/course-lab.json"]["ServerApp"]["jpserver_extensions"]
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list"):
        assert extensions[f"nbgrader.server_extensions.{name}"] is False
    assert extensions["voila.server_extension"] is True and extensions["graders.learner.start_page"] is True

    server = config["jupyter_server_config.json"]
    culling = server["MappingKernelManager"]
    assert culling["cull_idle_timeout"] == IDLE_KERNEL_SECONDS > 0 and culling["cull_interval"] > 0
    assert culling["cull_connected"] is False
    voila = server["VoilaConfiguration"]
    assert voila["template"] == "course" and voila["file_allowlist"] == []
    allowed = voila["extension_allowlist"]
    assert "anywidget" in allowed and not any("nbgrader" in e for e in allowed)
    assert voila["resources"]["clinic_name"] == course.settings.clinic.name
    assert voila["resources"]["clinic_logo"].startswith("data:image/svg+xml;base64,")

    page = server["CourseStartPage"]
    assert page["modules"] == modules
    assert page["course_title"] == course.settings.title and page["clinic_contact"] == course.settings.clinic.contact
    everyone = learner_config(course, course.settings.modules)["jupyter_server_config.json"]["CourseStartPage"]
    assert everyone["modules"] == course.settings.modules
    json.dumps(config)  # every file is plain JSON

