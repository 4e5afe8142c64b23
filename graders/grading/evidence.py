"""Tamper evidence at grading time: the response file against the event log and the notebook's echo.

The player writes three records of every answer: the response file, one line per change in the
event log (old and new value, with the time), and, in JupyterLab, a copy in the notebook (the
echo). Grading replays the log and compares. A hand-edited response file, a deleted or rewritten
log, times that run backwards, or an echo that disagrees each become a flag in plain words.

What this proves, and what not: on a machine the learner controls, a learner who edits all three
records consistently is not caught; the check catches edits of one record, the usual kind. It
becomes strong once answers are recorded where the learner cannot write (see the README).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.paths import events_path, responses_path
from graders.learner.store import read_response

Answers = dict[str, dict[str, list[str]]]
MAX_LOG_BYTES = 5_000_000  # a real log is a few kB: a bigger one is not read, and that is said


@dataclass
class Replay:
    """What the event log says the answers are, and what was wrong with the log itself."""

    answers: Answers = field(default_factory=dict)
    reflections: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    moments: list[dict] = field(default_factory=lambda: [{}])  # the answers after each line, from the start


def replay(lines: list[str]) -> Replay:
    """The answers the log's lines add up to, checking that times never run backwards and that
    each change starts from where the one before it left that step."""
    result = Replay()
    last_time = ""
    for number, line in enumerate(lines, start=1):
        try:
            event = json.loads(line)
            time = str(event["time"])
        except (ValueError, KeyError, TypeError, RecursionError):
            result.problems.append(f"event log line {number} cannot be read")
            continue
        if time < last_time:
            result.problems.append(f"the event log's times run backwards at line {number}")
        last_time = max(last_time, time)
        if event.get("event") == "unreadable-file-kept-aside":  # the player started the learner afresh
            result.answers, result.reflections = {}, {}
        elif "reflection" in event:
            result.reflections[str(event["reflection"])] = str(event.get("new", ""))
        elif "scenario" in event and "step" in event:
            steps = result.answers.setdefault(str(event["scenario"]), {})
            before = steps.get(str(event["step"]), [])
            if event.get("old") != before:
                result.problems.append(f"the event log does not follow on from itself at line {number}")
            steps[str(event["step"])] = list(event.get("new") or [])
        result.moments.append(_answered(result.answers))
    return result


def _answered(answers: Answers) -> dict[tuple[str, str], list[str]]:
    """Every step with a non-empty answer, keyed (scenario, step): an empty list is no answer."""
    return {(s, step): chosen for s, steps in answers.items() for step, chosen in steps.items() if chosen}


def _differ(first: Answers, second: Answers) -> list[str]:
    a, b = _answered(first), _answered(second)
    return sorted(f"{s}/{step}" for s, step in a.keys() | b.keys() if a.get((s, step)) != b.get((s, step)))


def _named(steps: list[str]) -> str:
    shown = ", ".join(steps[:3])
    return f"{len(steps)} step{'s' * (len(steps) != 1)}: {shown}{', ...' if len(steps) > 3 else ''}"


def check_evidence(folder: Path, module: str, echo: dict | None) -> list[str]:
    """Flags for every way the response file, the event log and the echo disagree (none when they agree)."""
    path, log = responses_path(folder, module), events_path(folder, module)
    try:
        recorded, reflections = read_response(path) if path.is_file() else ({}, {})
        source = "response file"
    except (OSError, ValueError):
        recorded, reflections, source = {}, {}, ""
    if not source or not path.is_file():  # no usable file: the echo is what will be graded
        echoed = echo.get("answers") if isinstance(echo, dict) else None
        recorded, source = (echoed, "notebook's copy") if isinstance(echoed, dict) else ({}, "")
    flags = []
    if not log.is_file():
        if _answered(recorded) or any(t.strip() for t in reflections.values()):
            flags.append("the event log is missing: the answers cannot be checked against the clicks recorded")
        return flags
    if log.stat().st_size > MAX_LOG_BYTES:
        return [f"the event log is {log.stat().st_size} bytes, too big to check: the answers were not checked"]
    try:
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeError):
        return ["the event log cannot be read: the answers cannot be checked against the clicks recorded"]
    replayed = replay(lines)
    flags += replayed.problems
    if source and (steps := _differ(recorded, replayed.answers)):
        flags.append(f"answers in the {source} do not match the clicks recorded in the event log ({_named(steps)})")
    if source == "response file":
        written = {k for k in reflections.keys() | replayed.reflections.keys()
                   if reflections.get(k, "") != replayed.reflections.get(k, "")}
        if written:
            flags.append("the reflection in the response file does not match what the event log recorded")
    return flags + _echo_flags(replayed, echo, source)


def _echo_flags(replayed: Replay, echo: dict | None, source: str) -> list[str]:
    """The echo is as old as the notebook's last save, so it may lag behind the log; but it must be
    the answers at some moment the log records."""
    echoed = echo.get("answers") if isinstance(echo, dict) else None
    if source != "response file" or not isinstance(echoed, dict):
        return []
    try:
        moment = _answered(echoed)
    except (AttributeError, TypeError):
        return ["the notebook's copy of the answers cannot be read"]
    if moment in replayed.moments:
        return []
    return ["the notebook's copy of the answers matches no moment of the event log"]


Recorded = tuple[Answers, dict[str, str]] | None  # (answers, reflections) last recorded, or None


def record_flags(folder: Path, module: str, recorded: Recorded) -> list[str]:
    """Flags where the submitted response file differs from the course's answer record (JupyterHub:
    what the module page saved, as the grader's service received it)."""
    path = responses_path(folder, module)
    try:
        answers, reflections = read_response(path) if path.is_file() else ({}, {})
    except (OSError, ValueError):  # check_responses has said so already
        answers, reflections = {}, {}
    unsent = _unsent(events_path(folder, module))
    why = f" (the event log says {unsent} save{'s' * (unsent != 1)} did not reach it)" if unsent else ""
    if recorded is None:
        if _answered(answers) or any(t.strip() for t in reflections.values()):
            return ["the course's answer record has none of these answers: they were not saved through the "
                    f"module page on the hub{why}"]
        return []
    flags = []
    if steps := _differ(answers, recorded[0]):
        flags.append(f"answers in the response file differ from the course's answer record ({_named(steps)}){why}")
    kept = recorded[1]
    if any(reflections.get(k, "") != kept.get(k, "") for k in reflections.keys() | kept.keys()):
        flags.append(f"the reflection in the response file differs from the course's answer record{why}")
    return flags


def _unsent(log: Path) -> int:
    """How many saves the event log says could not be sent to the answer record."""
    if not log.is_file() or log.stat().st_size > MAX_LOG_BYTES:
        return 0
    try:
        return log.read_text(encoding="utf-8").count('"event": "not-recorded"')
    except (OSError, UnicodeError):
        return 0
