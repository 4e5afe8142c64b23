"""`course build`: validate sources, release every module with nbgrader, self-test every key."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.content.schema import key_answers
from graders.course.course import Course, CourseError
from graders.course.progress import progress_bar
from graders.course.release import release_modules, scratch_api
from graders.learner.store import ResponseStore

KEY_LEARNER = "selftest-key"
BLANK_LEARNER = "selftest-blank"


@dataclass(frozen=True)
class SelfTest:
    module: str
    key_score: float
    blank_score: float
    max_auto: float

    @property
    def ok(self) -> bool:
        return self.key_score == self.max_auto and self.blank_score == 0 and self.max_auto > 0


def write_key_answers(course: Course, module: str, folder: Path) -> None:
    """Answer every step the way the key does, through the player's own save path."""
    store = ResponseStore(folder, module)
    for scenario in course.module_scenarios(module):
        for step_id, options in key_answers(scenario).items():
            store.set(scenario.id, step_id, options)


def auto_scores(api, module: str, learner: str) -> tuple[float, float]:
    """(auto score, auto max) of a graded submission, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        submission = gb.find_submission(module, learner)
        grades = [g for nb in submission.notebooks for g in nb.grades if g.cell.cell_type == "code"]
        return sum(g.auto_score or 0 for g in grades), sum(g.max_score for g in grades)


def self_test(course: Course, module: str) -> SelfTest:
    """Grade the key's answers and an empty submission with a real nbgrader autograde in a
    scratch course (build/selftest): the key must score full marks, the blank zero."""
    scratch = course.build_dir / "selftest" / module
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    api = scratch_api(course, scratch)
    release = course.release(api, module)
    for learner in (KEY_LEARNER, BLANK_LEARNER):
        dest = course.submit_copy(release, scratch / "submitted" / learner / module)
        if learner == KEY_LEARNER:
            write_key_answers(course, module, dest)
        result = api.autograde(module, learner, force=True)
        if not result["success"]:
            raise CourseError(f"self-test autograde of {module} failed:\n{result['error'] or result['log']}")
    key_score, max_auto = auto_scores(api, module, KEY_LEARNER)
    blank_score, _ = auto_scores(api, module, BLANK_LEARNER)
    return SelfTest(module, key_score, blank_score, max_auto)


def build(course: Course, modules: list[str] | None = None, selftest: bool = True, api=None) -> list[SelfTest]:
    """Check the sources, release `modules` (default: all) with `api` (default: the course's own
    nbgrader) and, with `selftest`, self-test each key."""
    modules = modules or course.modules
    release_modules(course, modules, api)
    if not selftest:
        return []
    results: list[SelfTest] = []
    with progress_bar() as bar:
        task = bar.add_task("Self-test keys", total=len(modules), note="")
        for module in modules:
            bar.update(task, note=module)
            results.append(self_test(course, module))
            bar.advance(task)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CourseError("key self-test failed:\n  " + "\n  ".join(
            f"{r.module}: key scored {r.key_score:g} of {r.max_auto:g}, blank scored {r.blank_score:g} "
            "(expected full marks and 0)" for r in failed))
    return results
