"""The scenario player: a case story and its decision steps as clickable controls, the written
reflection as a text area, and the module's "Finish module" step.

Every change is saved at once through ResponseStore (atomic write + event log),
and a copy of the module's answers is echoed into the notebook itself (an output
with a display id, kept in the .ipynb when JupyterLab saves it) as a backstop.
Graded decisions only confirm "Saved"; practice cases show their feedback at once.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import HTML, display

from graders.content.branching import is_shown
from graders.content.release_data import RELEASE_DATA, read_release_data
from graders.content.render import paragraphs, scenario_html
from graders.learner.status import ModuleStatus, module_status
from graders.learner.store import ECHO_MIME, MAX_REFLECTION, ResponseStore
from graders.learner.widgets import ChoiceGroup, FinishPanel, ProgressLine, ReflectionBox

SAVED = "<p>✔ Saved.</p>"
PRACTICE_NOTE = ("<p><em>Practice case: not graded. You see feedback as soon as you answer, "
                 "and you can change your answer as often as you like.</em></p>")


def grading_run() -> bool:
    """True inside nbgrader autograde: then the player shows answers but never writes."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


class ReleaseDataMissing(RuntimeError):
    """The module's key-free data is not beside the notebook: it was not released with nbgrader."""


def learner_views(folder: Path) -> dict[str, dict]:
    """Key-free data of every scenario, from the release copy beside the notebook. Only in a
    grading run (nbgrader's kernel, which alone is told where the course is) from the course's
    scenario files: a learner's kernel has no way to them."""
    released = read_release_data(folder)
    if released is None and grading_run():
        from graders.content.scenarios import load_all
        from graders.course.paths import trainer_course_root
        from graders.course.settings import load_settings

        root = trainer_course_root()
        return {s.id: s.learner_view() for s in load_all(root / "scenarios", load_settings(root).state).values()}
    if released is None:
        raise ReleaseDataMissing(f"This module's questions are missing ({RELEASE_DATA} is not beside it). "
                                 "Ask your trainer for a fresh copy of the module.")
    return released


def load_learner_view(scenario_id: str, folder: Path) -> dict:
    """One scenario's key-free data, from the release copy."""
    view = learner_views(folder).get(scenario_id)
    if view is None:
        raise ReleaseDataMissing(f"This module's copy has no question {scenario_id!r}. "
                                 "Ask your trainer for a fresh copy of the module.")
    return view


@cache
def store_for(folder: Path, module: str) -> ResponseStore:
    """One store per module and kernel, shared by every scenario cell of the notebook."""
    return ResponseStore(folder, module, read_only=grading_run())


def echo(store: ResponseStore, update: bool) -> None:
    """Put the module's answers into the notebook's outputs (invisible; saved with the .ipynb).
    `update` rewrites every earlier copy in place instead of adding one to this cell."""
    echoed = {"module": store.module, "answers": store.answers, "reflections": store.reflections}
    bundle = {"text/html": "<span hidden></span>", ECHO_MIME: echoed}
    display(bundle, raw=True, display_id=f"course-answers-{store.module}", update=update)


class ModuleProgress:
    """The module's progress line ("5 of 8 decisions answered, all saved"): one widget shown at the
    top of the notebook and under every case, updated after every save. Practice cases don't count."""

    def __init__(self, views: dict[str, dict], store: ResponseStore) -> None:
        self.views = views
        self.store = store
        self.reflection_ids: list[str] = []  # each reflect() cell adds its own
        self.failed = False
        self.widget = ProgressLine()  # the one under every case
        self.lines = [self.widget]
        self.refresh()

    def top_line(self) -> ProgressLine:
        """A line for the top of the notebook, brought into view when the player starts."""
        line = ProgressLine(text=self.widget.text, scroll_into_view=True)
        self.lines.append(line)
        return line

    def status(self) -> ModuleStatus:
        return module_status(self.views, self.store.module, self.store.answers, self.store.reflections,
                             self.reflection_ids)

    def refresh(self) -> None:
        status = self.status()
        saved = "the last answer was NOT saved (tell your trainer)" if self.failed else "all saved"
        text = f"Progress: {status.answered} of {status.shown} decisions answered, {saved}."
        if status.shown and status.answered == status.shown and not self.failed:
            text += (" Last step: press Finish module at the end." if status.complete
                     else " Last step: write the reflection near the end.")
        for line in self.lines:
            line.text = text


@cache
def progress_for(folder: Path, module: str) -> ModuleProgress:
    return ModuleProgress(learner_views(folder), store_for(folder, module))


def practice_feedback(step: dict, chosen: list[str]) -> str:
    """Right or not, and why, for the options chosen in a practice step (its view carries the key)."""
    if not chosen:
        return ""
    key = {o["id"] for o in step["options"] if o["correct"]}
    picked = set(chosen)
    verdict = "Right." if picked == key else "Partly right." if picked & key else "Not quite."
    notes = "".join(
        f"<li><strong>{html.escape(o['text'])}</strong> {'This fits.' if o['correct'] else 'This does not fit.'} "
        f"{html.escape(o['rationale'])}</li>"
        for o in step["options"] if o["id"] in picked
    )
    missed = len(key - picked)
    more = f"<p>{missed} more {'choice fits' if missed == 1 else 'choices fit'}. Try again.</p>" if missed else ""
    sources = f"<p>Sources: {html.escape('; '.join(step['citations']))}</p>"
    return f"<p><strong>{verdict}</strong></p><ul>{notes}</ul>{more}{sources}"


class Player:
    """Controls for one scenario, bound to the module's response store and progress line."""

    def __init__(self, scenario: dict, store: ResponseStore, progress: ModuleProgress) -> None:
        self.scenario = scenario
        self.store = store
        self.progress = progress
        self.practice = bool(scenario.get("practice"))
        self.choices: dict[str, ChoiceGroup] = {}
        steps = [self._step_widget(i, step) for i, step in enumerate(scenario["steps"], start=1)]
        header = w.HTML(f"<h3>{html.escape(scenario['title'])}</h3>"
                        f"{PRACTICE_NOTE if self.practice else ''}{paragraphs(scenario['story'])}")
        notice = [w.HTML(f"<p role='alert'><strong>{html.escape(store.problem)}</strong></p>")] if store.problem else []
        self.box = w.VBox([header, *notice, *steps, progress.widget])
        self.box.add_class("course-scenario")
        self._refresh()

    def answers(self) -> dict[str, list[str]]:
        return self.store.answers.get(self.scenario["id"], {})

    def _step_widget(self, number: int, step: dict) -> ChoiceGroup:
        ids = [o["id"] for o in step["options"]]
        choice = ChoiceGroup(
            step_id=step["id"],
            legend=f"Decision {number}. {step['prompt']}",
            kind=step["kind"],
            options=[{"id": o["id"], "text": o["text"]} for o in step["options"]],
            value=[c for c in self.store.get(self.scenario["id"], step["id"]) if c in ids],
        )
        choice.observe(lambda change, s=step: self._save(s, list(change["new"])), "value")
        self.choices[step["id"]] = choice
        return choice

    def _save(self, step: dict, chosen: list[str]) -> None:
        if grading_run():
            return
        try:
            self.store.set(self.scenario["id"], step["id"], chosen)
        except OSError as err:
            self.progress.failed = True
            self.progress.refresh()
            reason = html.escape(str(err))
            self.choices[step["id"]].note = f"<p><strong>Not saved: {reason}. Tell your trainer.</strong></p>"
            return
        self.progress.failed = False
        echo(self.store, update=True)
        self._refresh()
        self.progress.refresh()

    def _refresh(self) -> None:
        """Show the steps the answers open, and under each answered one "Saved" or its feedback."""
        answers = self.answers()
        for step in self.scenario["steps"]:
            choice = self.choices[step["id"]]
            choice.layout.display = "" if is_shown(step.get("show_if"), answers) else "none"
            chosen = answers.get(step["id"], [])
            choice.note = practice_feedback(step, chosen) if self.practice else SAVED if chosen else ""


class Reflection:
    """A written reflection's text area, saved like a decision (atomically, logged, echoed)."""

    def __init__(self, grade_id: str, store: ResponseStore, progress: ModuleProgress) -> None:
        self.grade_id, self.store, self.progress = grade_id, store, progress
        self.box = ReflectionBox(label="Your reflection (it saves itself as you type)",
                                 value=store.reflections.get(grade_id, ""), max_length=MAX_REFLECTION)
        self.box.observe(lambda change: self._save(change["new"]), "value")
        if grade_id not in progress.reflection_ids:
            progress.reflection_ids.append(grade_id)
        progress.refresh()

    def _save(self, text: str) -> None:
        if grading_run():
            return
        try:
            self.store.set_reflection(self.grade_id, text)
        except OSError as err:
            self.progress.failed = True
            self.box.note = f"Not saved: {err}. Tell your trainer."
        else:
            self.progress.failed = False
            self.box.note = "Saved."
            echo(self.store, update=True)
        self.progress.refresh()


class Finish:
    """The "Finish module" step: says what is complete and what is left; logs a finished module."""

    def __init__(self, progress: ModuleProgress) -> None:
        self.progress = progress
        self.panel = FinishPanel()
        self.panel.observe(lambda _: self.report(), "presses")

    def report(self) -> None:
        status = self.progress.status()
        complete = status.complete and not self.progress.failed
        if self.progress.failed:
            lines = status.left
            heading = "Your last change was NOT saved. Tell your trainer before you close this page."
        elif complete:
            lines = [f"All {status.shown} decisions are answered."]
            if status.reflections:
                lines.append("Your reflection is written.")
            lines.append("Everything is saved on this computer. Your trainer collects it from here.")
            heading = "This module is complete. Thank you."
            self.progress.store.log_event("finished")
        else:
            lines = status.left
            heading = f"Not finished yet. Still to do ({status.summary()}):"
        self.panel.heading, self.panel.report, self.panel.complete = heading, lines, complete


def explains_missing_release(cell: Callable[..., Any]) -> Callable[..., Any]:
    """A module cell that, without the module's release data, says so in words instead of a traceback."""

    @wraps(cell)
    def run(*args: Any) -> Any:
        try:
            return cell(*args)
        except ReleaseDataMissing as err:
            display(HTML(f"<p role='alert'><strong>{html.escape(str(err))}</strong></p>"))
            return None

    return run


@explains_missing_release
def reflect(module: str, grade_id: str) -> None:
    """Show a written reflection's text area (a module's reflect cell calls this)."""
    if grading_run():  # the graded notebook holds the text in its reflection cell
        return
    folder = Path.cwd()
    display(Reflection(grade_id, store_for(folder, module), progress_for(folder, module)).box)


@explains_missing_release
def finish(module: str) -> None:
    """Show the module's "Finish module" step (its last cell calls this)."""
    if grading_run():
        return
    display(Finish(progress_for(Path.cwd(), module)).panel)


@explains_missing_release
def start(module: str) -> None:
    """Show the module's progress line (the notebook's first code cell calls this)."""
    if grading_run():
        return
    display(progress_for(Path.cwd(), module).top_line())


@explains_missing_release
def play(scenario_id: str) -> Any:
    folder = Path.cwd()
    scenario = load_learner_view(scenario_id, folder)
    store = store_for(folder, scenario["module"])
    if grading_run():  # feedback shows the story and the saved choices, not widget reprs
        display(HTML(scenario_html(scenario, store.answers.get(scenario_id, {}))))
        return None
    player = Player(scenario, store, progress_for(folder, scenario["module"]))
    display(player.box)
    echo(store, update=False)
    return None
