"""Tamper evidence, record by record: the response file, the event log and the notebook's echo are
replayed against each other; each way of forging one of them gives its own plain flag."""

from __future__ import annotations

import json
from pathlib import Path

from graders.course.paths import events_path, responses_path
from graders.grading.evidence import check_evidence, replay
from graders.learner.store import ResponseStore

MODULE = "duty-to-protect"
CASE = "duty-to-protect-explicit-threat"


def honest(folder: Path) -> ResponseStore:
    """A learner who clicks a wrong answer, changes it, answers a second step and writes a reflection."""
    store = ResponseStore(folder, MODULE)
    store.set(CASE, "duty-applies", ["no-trigger"])
    store.set(CASE, "duty-applies", ["yes-all-three"])
    store.set(CASE, "discharge", ["warn-and-police"])
    store.set_reflection("reflection", "I would tell her first.")
    return store


def forge(folder: Path, answers: dict, reflections: dict | None = None) -> None:
    """Rewrite the response file by hand (the event log is left as it was)."""
    path = responses_path(folder, MODULE)
    data = json.loads(path.read_text())
    data["answers"] = answers
    if reflections is not None:
        data["reflections"] = reflections
    path.write_text(json.dumps(data))


def test_an_honest_learner_raises_no_flag(tmp_path: Path) -> None:
    store = honest(tmp_path)
    assert check_evidence(tmp_path, MODULE, None) == []
    assert check_evidence(tmp_path, MODULE, {"answers": store.answers}) == []


def test_a_hand_written_response_file_does_not_match_the_clicks(tmp_path: Path) -> None:
    honest(tmp_path)
    forge(tmp_path, {CASE: {"duty-applies": ["yes-all-three"], "discharge": ["crisis-hold"],
                            "what-to-share": ["minimum"]}})
    [flag] = check_evidence(tmp_path, MODULE, None)
    assert flag == ("answers in the response file do not match the clicks recorded in the event log "
                    f"(2 steps: {CASE}/discharge, {CASE}/what-to-share)")


def test_a_deleted_event_log_is_said(tmp_path: Path) -> None:
    honest(tmp_path)
    events_path(tmp_path, MODULE).unlink()
    assert check_evidence(tmp_path, MODULE, None) == [
        "the event log is missing: the answers cannot be checked against the clicks recorded"]


def test_a_rewritten_log_whose_times_run_backwards_is_said(tmp_path: Path) -> None:
    honest(tmp_path)
    log = events_path(tmp_path, MODULE)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    lines[2]["time"] = "2020-01-01T00:00:00.000+00:00"
    log.write_text("".join(json.dumps(e) + "\n" for e in lines))
    assert check_evidence(tmp_path, MODULE, None) == ["the event log's times run backwards at line 3"]


def test_a_log_that_skips_a_change_does_not_follow_on(tmp_path: Path) -> None:
    honest(tmp_path)
    log = events_path(tmp_path, MODULE)
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[1:]) + "\n")  # the first click removed: the second's "old" is orphaned
    assert check_evidence(tmp_path, MODULE, None) == ["the event log does not follow on from itself at line 1"]


def test_an_edited_reflection_is_said(tmp_path: Path) -> None:
    store = honest(tmp_path)
    forge(tmp_path, store.answers, {"reflection": "Someone else's words."})
    assert check_evidence(tmp_path, MODULE, None) == [
        "the reflection in the response file does not match what the event log recorded"]


def test_an_echo_saved_earlier_is_fine_but_a_forged_one_is_not(tmp_path: Path) -> None:
    store = honest(tmp_path)
    earlier = {"answers": {CASE: {"duty-applies": ["yes-all-three"]}}}  # the notebook saved after click 2
    assert check_evidence(tmp_path, MODULE, earlier) == []
    forged = {"answers": {**store.answers, CASE: {**store.answers[CASE], "what-to-share": ["minimum"]}}}
    assert check_evidence(tmp_path, MODULE, forged) == [
        "the notebook's copy of the answers matches no moment of the event log"]


def test_without_a_response_file_the_echo_is_checked_against_the_log(tmp_path: Path) -> None:
    store = honest(tmp_path)
    responses_path(tmp_path, MODULE).unlink()
    assert check_evidence(tmp_path, MODULE, {"answers": store.answers}) == []
    forged = {"answers": {CASE: {"duty-applies": ["yes-all-three"], "discharge": ["crisis-hold"]}}}
    [flag] = check_evidence(tmp_path, MODULE, forged)
    assert flag.startswith("answers in the notebook's copy do not match the clicks recorded in the event log")


def test_replay_starts_afresh_where_the_player_set_an_unreadable_file_aside(tmp_path: Path) -> None:
    lines = [json.dumps(e) for e in (
        {"time": "2026-12-01T10:00:00", "scenario": CASE, "step": "duty-applies", "old": [], "new": ["a"]},
        {"time": "2026-12-01T10:01:00", "event": "unreadable-file-kept-aside", "reason": "x", "kept_as": "y"},
        {"time": "2026-12-01T10:02:00", "scenario": CASE, "step": "duty-applies", "old": [], "new": ["b"]},
        "not json")]
    replayed = replay(lines)
    assert replayed.answers == {CASE: {"duty-applies": ["b"]}}
    assert replayed.problems == ["event log line 4 cannot be read"]


def test_the_answer_record_flags_only_a_file_that_differs_from_it(tmp_path: Path) -> None:
    from graders.grading.evidence import record_flags

    store = honest(tmp_path)
    assert record_flags(tmp_path, MODULE, (store.answers, store.reflections)) == []
    assert record_flags(tmp_path, MODULE, None) == [
        "the course's answer record has none of these answers: they were not saved through the module page on the hub"]
    recorded = {CASE: {**store.answers[CASE], "discharge": ["warn-only"]}}
    assert record_flags(tmp_path, MODULE, (recorded, store.reflections)) == [
        f"answers in the response file differ from the course's answer record (1 step: {CASE}/discharge)"]
    assert record_flags(tmp_path, MODULE, (store.answers, {"reflection": "Something else."})) == [
        "the reflection in the response file differs from the course's answer record"]


def test_a_save_that_never_reached_the_record_is_logged_and_named_in_the_flag(tmp_path: Path, monkeypatch) -> None:
    from graders.grading.evidence import record_flags

    monkeypatch.setenv("COURSE_ANSWER_RECORD_URL", "http://127.0.0.1:9/record")  # nothing listens on port 9
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    store = ResponseStore(tmp_path, MODULE)
    store.set(CASE, "duty-applies", ["yes-all-three"])
    assert store.answers == {CASE: {"duty-applies": ["yes-all-three"]}}  # the file is saved all the same
    assert '"event": "not-recorded"' in events_path(tmp_path, MODULE).read_text()
    assert check_evidence(tmp_path, MODULE, None) == []
    assert record_flags(tmp_path, MODULE, None) == [
        "the course's answer record has none of these answers: they were not saved through the module page on the "
        "hub (the event log says 1 save did not reach it)"]
