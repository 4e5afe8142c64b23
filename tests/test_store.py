"""ResponseStore: every answer on disk at once, atomically, with an append-only event log."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from graders.learner.store import FORMAT, MAX_BYTES, ResponseStore, read_answers

MODULE = "duty-to-protect"
PROJECT = Path(__file__).resolve().parents[1]


def response_file(folder: Path, module: str = MODULE) -> Path:
    return folder / "responses" / f"{module}.json"


def events_file(folder: Path, module: str = MODULE) -> Path:
    return folder / "responses" / f"{module}.events.jsonl"


def event_lines(folder: Path, module: str = MODULE) -> list[dict]:
    return [json.loads(line) for line in events_file(folder, module).read_text(encoding="utf-8").splitlines()]


def kept_files(folder: Path, module: str = MODULE) -> list[Path]:
    return sorted((folder / "responses").glob(f"{module}.unreadable-*.json"))


def child_env() -> dict[str, str]:
    """The environment for a child interpreter: graders importable from the checkout, installed or not."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}


def run_child(code: str, folder: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter that can import graders, with `folder` as its working directory."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=folder, env=child_env(), capture_output=True, text=True, timeout=timeout,
    )


# --- saving and reading back -------------------------------------------------------------------


def test_saved_answers_are_on_disk_and_read_back(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    assert store.answers == {} and store.problem is None
    assert not response_file(tmp_path).exists()  # nothing written until something is answered

    store.set("vague-anger", "duty-applies", ["no-trigger-not-met"])
    store.set("vague-anger", "clinical-response", ["document-and-consult", "explore-and-safety-plan"])

    on_disk = json.loads(response_file(tmp_path).read_text(encoding="utf-8"))
    assert on_disk["format"] == FORMAT == 1
    assert on_disk["module"] == MODULE
    assert isinstance(on_disk["updated"], str) and on_disk["updated"]
    assert on_disk["answers"] == {
        "vague-anger": {
            "duty-applies": ["no-trigger-not-met"],
            "clinical-response": ["document-and-consult", "explore-and-safety-plan"],
        }
    }
    assert on_disk["reflections"] == {}  # written reflections live beside the answers (test_reflections.py)

    fresh = ResponseStore(tmp_path, MODULE)
    assert fresh.problem is None
    assert fresh.answers == on_disk["answers"]
    assert fresh.get("vague-anger", "duty-applies") == ["no-trigger-not-met"]
    assert fresh.get("vague-anger", "never-answered") == []
    assert fresh.get("other-scenario", "duty-applies") == []


def test_get_returns_a_copy(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    store.set("s", "a", ["x"])
    store.get("s", "a").append("y")
    assert store.get("s", "a") == ["x"]


def test_each_change_appends_one_event_line(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE)
    store.set("vague-anger", "duty-applies", ["yes-identifiable-man"])
    store.set("vague-anger", "duty-applies", ["no-trigger-not-met"])
    store.set("front-desk", "who-calls", ["a", "b"])

    events = event_lines(tmp_path)
    assert len(events) == 3
    for event in events:
        assert set(event) == {"time", "scenario", "step", "old", "new"}
        assert isinstance(event["time"], str) and event["time"]
    assert [(e["scenario"], e["step"], e["old"], e["new"]) for e in events] == [
        ("vague-anger", "duty-applies", [], ["yes-identifiable-man"]),
        ("vague-anger", "duty-applies", ["yes-identifiable-man"], ["no-trigger-not-met"]),
        ("front-desk", "who-calls", [], ["a", "b"]),
    ]

    # A second store on the same folder appends; it never rewrites the log.
    ResponseStore(tmp_path, MODULE).set("front-desk", "who-calls", [])
    events = event_lines(tmp_path)
    assert len(events) == 4
    assert (events[-1]["old"], events[-1]["new"]) == (["a", "b"], [])


def test_modules_are_kept_apart(tmp_path: Path) -> None:
    ResponseStore(tmp_path, "module-one").set("s", "a", ["x"])
    ResponseStore(tmp_path, "module-two").set("s", "a", ["y"])
    assert ResponseStore(tmp_path, "module-one").get("s", "a") == ["x"]
    assert ResponseStore(tmp_path, "module-two").get("s", "a") == ["y"]
    assert len(event_lines(tmp_path, "module-one")) == 1
    assert len(event_lines(tmp_path, "module-two")) == 1


# --- a killed writer ---------------------------------------------------------------------------

KILLED_AT_REPLACE = """
    import os, signal
    from pathlib import Path
    from graders.learner.store import ResponseStore

    store = ResponseStore(Path.cwd(), {module!r})
    store.set("s", "step", ["answer-a"])
    print("saved A", flush=True)
    os.replace = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    store.set("s", "step", ["answer-b"])
    print("saved B", flush=True)  # never reached
"""


def test_writer_killed_before_replace_leaves_previous_answers(tmp_path: Path) -> None:
    result = run_child(KILLED_AT_REPLACE.format(module=MODULE), tmp_path)

    assert result.returncode == -signal.SIGKILL, result.stderr
    assert result.stdout == "saved A\n"
    path = response_file(tmp_path)
    assert read_answers(path) == {"s": {"step": ["answer-a"]}}
    assert json.loads(path.read_text(encoding="utf-8"))["answers"] == {"s": {"step": ["answer-a"]}}
    # The new version was written in full, but only to the temporary file: it never replaced the answers.
    leftovers = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1
    assert json.loads(leftovers[0].read_text(encoding="utf-8"))["answers"] == {"s": {"step": ["answer-b"]}}
    # Only A was logged: the log is written after the file, so it never claims a change that was lost.
    assert [e["new"] for e in event_lines(tmp_path)] == [["answer-a"]]
    # The next session reads A and can go on saving.
    store = ResponseStore(tmp_path, MODULE)
    assert store.problem is None and store.get("s", "step") == ["answer-a"]
    store.set("s", "step", ["answer-c"])
    assert read_answers(path) == {"s": {"step": ["answer-c"]}}


SAVE_IN_A_LOOP = """
    import sys
    from pathlib import Path
    from graders.learner.store import ResponseStore

    store = ResponseStore(Path.cwd(), {module!r})
    if store.problem:
        sys.exit("unreadable: " + store.problem)
    n = int((store.get("s", "counter") or ["0"])[0])
    while True:
        n += 1
        store.set("s", "counter", [str(n)])
        store.set("s", "padding", ["x" * (n % 500)])  # vary the size, so a torn write would show
        if n % 20 == 0:
            print(n, flush=True)
"""


def test_writer_killed_at_random_moments_never_leaves_a_broken_file(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    path = response_file(tmp_path)
    last = 0
    for _ in range(15):
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SAVE_IN_A_LOOP.format(module=MODULE))],
            cwd=tmp_path, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert child.stdout is not None
            first = child.stdout.readline()  # the writer is saving now
            assert first.strip().isdigit(), child.communicate(timeout=30)[1]
            time.sleep(rng.uniform(0, 0.05))
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL

        assert path.stat().st_size > 0
        answers = read_answers(path)  # raises if empty, truncated or not ours
        counter = int(answers["s"]["counter"][0])
        assert int(first) > last, "the writer did not start from the saved counter"
        assert counter >= int(first), "an older version replaced a newer one"
        last = counter
        assert kept_files(tmp_path) == []
        for line in events_file(tmp_path).read_text(encoding="utf-8").splitlines():
            json.loads(line)  # every logged line is whole


# --- unreadable files --------------------------------------------------------------------------

UNREADABLE = {
    "invalid-json": (b'{"format": 1, "answers": {"s": {"step": ["a"', "not valid JSON"),
    "not-utf8": (b"\xff\xfe\x00garbage", "not valid JSON"),
    "wrong-shape": (json.dumps({"format": 2, "answers": {}}).encode(), "not a response file"),
    "answers-not-lists": (json.dumps({"format": 1, "answers": {"s": {"step": "a"}}}).encode(), "not a list"),
    "too-big": (
        json.dumps({"format": 1, "answers": {"s": {"step": ["x" * (MAX_BYTES + 10)]}}}).encode(),
        f"over the {MAX_BYTES} limit",
    ),
}


@pytest.mark.parametrize("content, reason", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_file_is_kept_aside(tmp_path: Path, content: bytes, reason: str) -> None:
    path = response_file(tmp_path)
    path.parent.mkdir()
    path.write_bytes(content)

    store = ResponseStore(tmp_path, MODULE)

    assert store.answers == {}
    assert not path.exists()
    [kept] = kept_files(tmp_path)
    assert kept.read_bytes() == content
    assert store.problem is not None
    assert "could not be read" in store.problem
    assert reason in store.problem
    assert f"responses/{kept.name}" in store.problem
    [event] = event_lines(tmp_path)
    assert event["event"] == "unreadable-file-kept-aside"
    assert event["kept_as"] == kept.name
    assert reason in event["reason"]

    # The learner answers again: a new, good file; the kept one is untouched.
    store.set("s", "step", ["a"])
    assert read_answers(path) == {"s": {"step": ["a"]}}
    assert kept.read_bytes() == content
    assert ResponseStore(tmp_path, MODULE).problem is None


@pytest.mark.parametrize("content, reason", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_read_only_store_reports_but_does_not_move(tmp_path: Path, content: bytes, reason: str) -> None:
    path = response_file(tmp_path)
    path.parent.mkdir()
    path.write_bytes(content)

    store = ResponseStore(tmp_path, MODULE, read_only=True)

    assert store.answers == {}
    assert store.problem is not None and reason in store.problem
    assert path.read_bytes() == content
    assert kept_files(tmp_path) == []
    assert not events_file(tmp_path).exists()


def test_read_only_store_reads_and_refuses_to_write(tmp_path: Path) -> None:
    ResponseStore(tmp_path, MODULE).set("s", "step", ["a"])
    before = response_file(tmp_path).read_bytes()
    events_before = events_file(tmp_path).read_bytes()

    store = ResponseStore(tmp_path, MODULE, read_only=True)
    assert store.problem is None
    assert store.get("s", "step") == ["a"]
    with pytest.raises(PermissionError, match="read-only"):
        store.set("s", "step", ["b"])

    assert store.get("s", "step") == ["a"]
    assert response_file(tmp_path).read_bytes() == before
    assert events_file(tmp_path).read_bytes() == events_before


def test_read_only_store_without_a_file_creates_nothing(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path, MODULE, read_only=True)
    assert store.answers == {} and store.problem is None
    assert not (tmp_path / "responses").exists()


def test_two_unreadable_files_in_the_same_second_are_both_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graders.learner.store

    monkeypatch.setattr(graders.learner.store, "time", types.SimpleNamespace(strftime=lambda _fmt: "20250101-090000"))
    path = response_file(tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"first broken file")
    first = ResponseStore(tmp_path, MODULE)
    path.write_bytes(b"second broken file")
    second = ResponseStore(tmp_path, MODULE)

    assert first.problem and second.problem
    assert sorted(p.read_bytes() for p in kept_files(tmp_path)) == [b"first broken file", b"second broken file"]
