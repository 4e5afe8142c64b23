"""The scenario player: a case story and its decision steps as ipywidgets.

Every change is saved at once through ResponseStore (atomic write + event log),
and a copy of the module's answers is echoed into the notebook itself (an output
with a display id, kept in the .ipynb the learner submits) as a backstop.
"""

from __future__ import annotations

import html
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import HTML, display

from graders.branching import is_shown
from graders.paths import RELEASE_DATA, trainer_course_root
from graders.render import paragraphs, scenario_html
from graders.store import ECHO_MIME, ResponseStore


def grading_run() -> bool:
    """True inside nbgrader autograde: then the player shows answers but never writes."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def load_learner_view(scenario_id: str, folder: Path) -> dict:
    """Key-free scenario data: the release copy beside the notebook, else the trainer's YAML."""
    release = folder / RELEASE_DATA
    if release.exists():
        data = json.loads(release.read_text(encoding="utf-8"))["scenarios"]
        if scenario_id in data:
            return data[scenario_id]
    from graders.scenarios import load_one

    return load_one(trainer_course_root() / "scenarios", scenario_id).learner_view()


@cache
def store_for(folder: Path, module: str) -> ResponseStore:
    """One store per module and kernel, shared by every scenario cell of the notebook."""
    return ResponseStore(folder, module, read_only=grading_run())


def echo(store: ResponseStore, update: bool) -> None:
    """Put the module's answers into the notebook's outputs (invisible; saved with the .ipynb).
    `update` rewrites every earlier copy in place instead of adding one to this cell."""
    bundle = {"text/html": "<span hidden></span>", ECHO_MIME: {"module": store.module, "answers": store.answers}}
    display(bundle, raw=True, display_id=f"course-answers-{store.module}", update=update)


class Player:
    """Widgets for one scenario, bound to the module's response store."""

    def __init__(self, scenario: dict, store: ResponseStore) -> None:
        self.scenario = scenario
        self.store = store
        self.status = w.HTML()
        self.step_boxes: dict[str, w.VBox] = {}
        steps = [self._step_widget(i, step) for i, step in enumerate(scenario["steps"], start=1)]
        header = w.HTML(f"<h3>{html.escape(scenario['title'])}</h3>{paragraphs(scenario['story'])}")
        notice = [w.HTML(f"<p role='alert'><strong>{html.escape(store.problem)}</strong></p>")] if store.problem else []
        self.box = w.VBox([header, *notice, *steps, self.status])
        self.box.add_class("course-scenario")
        self._refresh(saved_now=False)

    def answers(self) -> dict[str, list[str]]:
        return self.store.answers.get(self.scenario["id"], {})

    def _step_widget(self, number: int, step: dict) -> w.VBox:
        prompt = w.HTML(f"<p><strong>Decision {number}.</strong> {html.escape(step['prompt'])}</p>")
        saved = self.store.get(self.scenario["id"], step["id"])
        label = f"Decision {number}"
        if step["kind"] == "single":
            control: w.Widget = w.RadioButtons(
                options=[(o["text"], o["id"]) for o in step["options"]],
                value=saved[0] if saved and saved[0] in {o["id"] for o in step["options"]} else None,
                description=label,
                layout=w.Layout(width="auto"),
                style={"description_width": "initial"},
            )
            control.observe(lambda change, s=step: self._save(s, [change["new"]] if change["new"] else []), "value")
        else:
            boxes = [w.Checkbox(value=o["id"] in saved, description=o["text"], indent=False,
                                layout=w.Layout(width="auto")) for o in step["options"]]
            for box in boxes:
                box.observe(lambda _c, s=step, bs=boxes: self._save(
                    s, [o["id"] for o, b in zip(s["options"], bs, strict=False) if b.value]), "value")
            control = w.VBox([w.HTML("<em>Choose all that apply.</em>"), *boxes])
        box = w.VBox([prompt, control])
        self.step_boxes[step["id"]] = box
        return box

    def _save(self, step: dict, chosen: list[str]) -> None:
        if grading_run():
            return
        try:
            self.store.set(self.scenario["id"], step["id"], chosen)
        except OSError as err:
            message = f"Not saved: {html.escape(str(err))}. Tell your trainer."
            self.status.value = f"<p role='alert'><strong>{message}</strong></p>"
            return
        echo(self.store, update=True)
        self._refresh(saved_now=True)

    def _refresh(self, saved_now: bool) -> None:
        answers = self.answers()
        shown = [s for s in self.scenario["steps"] if is_shown(s.get("show_if"), answers)]
        for step in self.scenario["steps"]:
            self.step_boxes[step["id"]].layout.display = "" if step in shown else "none"
        done = sum(1 for s in shown if answers.get(s["id"]))
        state = "Saved" if saved_now or done else "Nothing answered yet"
        self.status.value = (
            f"<p role='status' aria-live='polite'>✔ {state}: {done} of {len(shown)} decisions answered.</p>"
            if done else f"<p role='status' aria-live='polite'>{state}. Your answers save as you click.</p>"
        )


def play(scenario_id: str) -> Any:
    folder = Path.cwd()
    scenario = load_learner_view(scenario_id, folder)
    store = store_for(folder, scenario["module"])
    if grading_run():  # feedback shows the story and the saved choices, not widget reprs
        display(HTML(scenario_html(scenario, store.answers.get(scenario_id, {}))))
        return None
    player = Player(scenario, store)
    display(player.box)
    echo(store, update=False)
    return None
