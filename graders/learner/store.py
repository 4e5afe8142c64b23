"""The response file: every answer on disk at once, atomically, with an append-only event log.

Layout, beside the notebook:
    responses/<module>.json          {"format": 1, "module": ..., "updated": ..., "answers":
                                      {scenario_id: {step_id: [option_id, ...]}},
                                      "reflections": {grade_id: text}}
    responses/<module>.events.jsonl  one line per change: time, scenario, step, old, new
                                     (or time, reflection, new)
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from graders.course.paths import events_path, responses_path
from graders.learner.record import send_record

Answers = dict[str, dict[str, list[str]]]
Reflections = dict[str, str]
FORMAT = 1
MAX_BYTES = 1_000_000  # a real response file is a few kB; anything this big is not ours
MAX_REFLECTION = 10_000  # characters of one reflection: a few paragraphs, with room to spare
ECHO_MIME = "application/vnd.confidentiality-course.answers+json"  # the answers echoed into the notebook


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: object) -> None:
    """Write JSON so that the file is always either the old or the new whole version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def parse_answers(raw: object) -> Answers:
    """Check the shape of a response file's content; raise ValueError if it is not ours."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("answers"), dict):
        raise ValueError("not a response file (expected 'format': 1 and an 'answers' mapping)")
    answers: Answers = {}
    for scenario_id, steps in raw["answers"].items():
        if not isinstance(steps, dict):
            raise ValueError(f"answers for {scenario_id!r} are not a mapping of steps")
        answers[scenario_id] = {}
        for step_id, chosen in steps.items():
            if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
                raise ValueError(f"answer to {scenario_id}/{step_id} is not a list of option ids")
            answers[scenario_id][step_id] = chosen
    return answers


def parse_reflections(raw: object) -> Reflections:
    """The written reflections of a response file ({} if it has none); ValueError if not text."""
    found = raw.get("reflections", {}) if isinstance(raw, dict) else {}
    if not isinstance(found, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
        raise ValueError("reflections are not a mapping of cell ids to text")
    return {k: v[:MAX_REFLECTION] for k, v in found.items()}


def _read_raw(path: Path) -> object:
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"response file is {path.stat().st_size} bytes, over the {MAX_BYTES} limit")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"response file is not valid JSON ({err})") from None
    except RecursionError:  # e.g. 100,000 nested lists: well under MAX_BYTES, deeper than Python reads
        raise ValueError("response file is nested too deeply to read") from None


def read_answers(path: Path) -> Answers:
    """Read a response file's decisions; raise ValueError with the reason if they are unreadable."""
    return parse_answers(_read_raw(path))


def read_response(path: Path) -> tuple[Answers, Reflections]:
    """Read a response file's decisions and reflections; ValueError with the reason if unreadable."""
    raw = _read_raw(path)
    return parse_answers(raw), parse_reflections(raw)


class ResponseStore:
    """The saved answers of one module, in the folder of its notebook."""

    def __init__(self, folder: Path, module: str, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.module = module
        self.read_only = read_only
        self.path = responses_path(self.folder, module)
        self.events = events_path(self.folder, module)
        self.problem: str | None = None  # what went wrong reading the file, for the learner to see
        loaded: tuple[Answers, Reflections] = self._load()
        self.answers, self.reflections = loaded

    def _load(self) -> tuple[Answers, Reflections]:
        if not self.path.exists():
            return {}, {}
        try:
            return read_response(self.path)
        except (OSError, ValueError) as err:
            if self.read_only:
                self.problem = f"Saved answers could not be read: {err}."
                return {}, {}
            kept = self._keep_aside()
            self._log({"event": "unreadable-file-kept-aside", "reason": str(err), "kept_as": kept.name})
            self.problem = (
                f"Your earlier answers file could not be read ({err}). It was kept as "
                f"{kept.relative_to(self.folder)} for your trainer; please answer again."
            )
            return {}, {}

    def _keep_aside(self) -> Path:
        """Move the unreadable file to a name no earlier kept copy has (never overwrite one)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        n = 1
        while True:
            kept = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{'' if n == 1 else f'-{n}'}.json")
            try:
                os.link(self.path, kept)  # fails if the name is taken
            except FileExistsError:
                n += 1
                continue
            os.unlink(self.path)
            return kept

    def get(self, scenario_id: str, step_id: str) -> list[str]:
        return list(self.answers.get(scenario_id, {}).get(step_id, []))

    def set(self, scenario_id: str, step_id: str, chosen: list[str]) -> None:
        """Save one answer now: the whole file is replaced atomically, then the change is logged."""
        if self.read_only:
            raise PermissionError("this response store is read-only (grading)")
        old = self.get(scenario_id, step_id)
        answers = {**self.answers, scenario_id: {**self.answers.get(scenario_id, {}), step_id: list(chosen)}}
        self._write(answers, self.reflections)  # memory changes only once the file has
        self.answers = answers
        self._log({"scenario": scenario_id, "step": step_id, "old": old, "new": list(chosen)})

    def set_reflection(self, grade_id: str, text: str) -> None:
        """Save one written reflection now (cut at MAX_REFLECTION characters), like an answer."""
        if self.read_only:
            raise PermissionError("this response store is read-only (grading)")
        text = text[:MAX_REFLECTION]
        if self.reflections.get(grade_id, "") == text:
            return
        reflections = {**self.reflections, grade_id: text}
        self._write(self.answers, reflections)
        self.reflections = reflections
        self._log({"reflection": grade_id, "new": text})

    def log_event(self, event: str) -> None:
        """Record a step that changes no answer (e.g. "finished") in the event log."""
        if not self.read_only:
            self._log({"event": event})

    def _write(self, answers: Answers, reflections: Reflections) -> None:
        """Replace the file; on JupyterHub also send it to the answer record (a failure is logged)."""
        content = {"format": FORMAT, "module": self.module, "updated": now(),
                   "answers": answers, "reflections": reflections}
        atomic_write_json(self.path, content)
        if problem := send_record(content):
            self._log({"event": "not-recorded", "reason": problem})

    def _log(self, event: dict) -> None:
        self.events.parent.mkdir(parents=True, exist_ok=True)
        with open(self.events, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"time": now(), **event}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
