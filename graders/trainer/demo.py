"""`course demo`: a synthetic cohort taken through build, submit, grade, feedback and handouts.

The demo works in a course of its own (a fresh copy of the sources in build/demo/), so a
trainer's submissions, gradebook and rubric scores are never read or written. Every learner is
fictional; answers are drawn with a fixed seed and written through the player's own save path
(ResponseStore), exactly as clicks would write them.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import yaml

from graders.content.authoring import REFLECTION as REFLECTION_ID
from graders.content.branching import is_shown
from graders.content.schema import Scenario, key_answers
from graders.content.yaml_files import read_yaml
from graders.course.course import Course, copy_sources
from graders.course.settings import SETTINGS_FILE
from graders.learner.store import ResponseStore, atomic_write_json
from graders.trainer import roster
from graders.trainer.records import StaffMember

COHORT_SIZE = 13
SEED = 2026
DEMO_FOLDER = "demo"  # under the trainer's build/: the demo's own course
# Fictional staff for the demo cohort (not the people of the stories in scenarios/cast.yaml).
FIRST_NAMES = ["Ari", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo", "Kit", "Lou", "Mo", "Ned",
               "Ola", "Pip", "Rae", "Sol", "Tam", "Uma"]
LAST_NAME = "Sample"
REFLECTION = (
    "I would tell the client at the first session what stays private and what does not, in plain words. "
    "I would share only what the law or the client's written permission allows, tell the client first when "
    "it is safe, and ask my supervisor when I am unsure."
)
Plan = dict[str, dict[str, list[str]]]  # scenario -> step -> options


def wrong_answers(scenario: Scenario) -> dict[str, list[str]]:
    return {s.id: [next(o.id for o in s.options if not o.correct)] for s in scenario.steps}


def random_answers(scenario: Scenario, rng: random.Random) -> dict[str, list[str]]:
    """Walk the scenario as a learner would: only shown steps, some left blank."""
    answers: dict[str, list[str]] = {}
    for step in scenario.steps:
        if not is_shown(step.show_if, answers) or rng.random() < 0.12:
            continue
        ids = [o.id for o in step.options]
        answers[step.id] = [rng.choice(ids)] if step.kind == "single" else sorted(
            rng.sample(ids, rng.randint(1, len(ids))))
    return answers


def cohort_plan(course: Course, size: int = COHORT_SIZE, seed: int = SEED,
                modules: list[str] | None = None) -> dict[str, dict[str, Plan | None]]:
    """learner -> module -> answers (None: the learner opened nothing and saved no answers)."""
    rng = random.Random(seed)
    plan: dict[str, dict[str, Plan | None]] = {}
    for n in range(1, size + 1):
        learner = f"learner-{n:02d}"
        plan[learner] = {}
        for module in modules or course.modules:
            scenarios = course.module_scenarios(module)
            if n == 1:
                plan[learner][module] = {s.id: key_answers(s) for s in scenarios}
            elif n == 2:
                plan[learner][module] = None
            elif n == 3:  # answered only the first scenario
                plan[learner][module] = {scenarios[0].id: key_answers(scenarios[0])}
            elif n == 4:
                plan[learner][module] = {s.id: wrong_answers(s) for s in scenarios}
            else:
                plan[learner][module] = {s.id: random_answers(s, rng) for s in scenarios}
    return plan


def submit(course: Course, learner: str, module: str, answers: Plan | None, reflection: str | None) -> Path:
    """Put one learner's work where nbgrader collects it: build/submitted/<learner>/<module>/."""
    dest = course.submit_copy(course.step_dir("release") / module, course.submission_dir(learner, module))
    store = ResponseStore(dest, module)
    for scenario_id, steps in (answers or {}).items():
        for step_id, options in steps.items():
            store.set(scenario_id, step_id, options)
    if reflection:  # written in the page's text area, saved to the response file
        store.set_reflection(REFLECTION_ID, reflection)
    (dest / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC\n")
    return dest


def demo_course(course: Course) -> Course:
    """A fresh course for the demo in `course`'s build/demo/: a copy of its sources, nothing else, with
    its own SQLite gradebook. Only that folder is replaced; the trainer's own build folder is left as it is."""
    folder = course.build_dir / DEMO_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    copy_sources(course.root, folder)
    settings = read_yaml(folder / SETTINGS_FILE)
    if settings.pop("gradebook", None):  # the clinic's PostgreSQL gradebook is never the demo's
        (folder / SETTINGS_FILE).write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    return Course(folder)


def learner_name(number: int) -> tuple[str, str]:
    """(first, last) name of the demo's fictional learner `number` (1-based)."""
    first = FIRST_NAMES[number - 1] if number <= len(FIRST_NAMES) else f"Learner {number}"
    return first, LAST_NAME


def demo_staff(course: Course, learners: list[str]) -> list[StaffMember]:
    """The demo's learners as a staff roster: fictional names, the course's roles in turn, start dates
    a week apart counted back from today (so the status always shows some people due, some overdue)."""
    roles = list(course.settings.roles) or ["clinician"]
    people = []
    for number, learner in enumerate(learners, start=1):
        first, last = learner_name(number)
        start = date.today() - timedelta(days=7 * number)
        people.append(StaffMember(learner, f"{first} {last}", roles[(number - 1) % len(roles)], start.isoformat(),
                                  f"{learner}@example.org"))
    return people


def enrol(course: Course, learners: list[str]) -> None:
    """Put the demo's learners on the staff roster and, with their fictional names, in the gradebook."""
    roster.enrol(course, demo_staff(course, learners))


def make_cohort(course: Course, size: int = COHORT_SIZE, modules: list[str] | None = None) -> Path:
    """Enrol the synthetic cohort, write its submissions and a record of what each learner answered."""
    plan = cohort_plan(course, size, modules=modules)
    enrol(course, list(plan))
    for i, (learner, modules) in enumerate(plan.items()):
        for module, answers in modules.items():
            submit(course, learner, module, answers, REFLECTION if i % 3 == 0 and answers else None)
    record = course.build_dir / "cohort.json"
    atomic_write_json(record, plan)
    return record


def load_plan(record: Path) -> dict:
    return json.loads(record.read_text(encoding="utf-8"))


EDITION_LEARNERS = 4  # key, blank, partial and wrong answers: enough to show what each state's law changes


def edition_cohort(edition: Course, record: Path) -> Path:
    """The first demo learners' answers, exactly as given in the base edition, handed in to another
    state's edition (only its modules): the same clicks, graded by that state's law."""
    plan = {learner: {m: a for m, a in modules.items() if m in edition.modules}
            for learner, modules in list(load_plan(record).items())[:EDITION_LEARNERS]}
    enrol(edition, list(plan))
    for learner, modules in plan.items():
        for module, answers in modules.items():
            submit(edition, learner, module, answers, None)
    copy = edition.build_dir / "cohort.json"
    atomic_write_json(copy, plan)
    return copy

