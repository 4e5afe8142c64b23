"""`course grade`: autograde every submission with nbgrader, write feedback and the CSV export."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graders.course import Course
from graders.progress import progress_bar

# nbgrader log lines our preprocessors write, shown to the trainer as flags
FLAGS = {
    "rebuilt from the notebook's echo": "response file was missing or unreadable; rebuilt from the notebook",
    "code cell(s) added to the submission": "learner-added code removed before grading",
}


@dataclass
class Outcome:
    learner: str
    module: str
    graded: bool
    flags: list[str] = field(default_factory=list)
    error: str = ""


def submissions(course: Course) -> list[tuple[str, str]]:
    root = course.step_dir("submitted")
    if not root.exists():
        return []
    return sorted((p.parent.name, p.name) for p in root.glob("*/*") if p.is_dir())


def _flags(log: str) -> list[str]:
    return [meaning for needle, meaning in FLAGS.items() if needle in log]


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def export_csv(api, dest: Path) -> Path:
    """nbgrader's own CSV export (one row per learner and module)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    dest.parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(dest)).export(gb)
    return dest


def grade_cohort(course: Course, feedback: bool = True) -> list[Outcome]:
    todo = submissions(course)
    outcomes: list[Outcome] = []
    with progress_bar() as bar:
        api = course.nbgrader_api()
        task = bar.add_task("Autograde", total=len(todo), note="")
        for learner, module in todo:
            bar.update(task, note=f"{learner}/{module}")
            result = api.autograde(module, learner, force=True)
            log = (result.get("log") or "") + (result.get("error") or "")
            outcome = Outcome(learner, module, bool(result["success"]), _flags(log))
            if not result["success"]:
                outcome.error = last_line(result.get("error") or result.get("log") or "") or "nbgrader failed"
            outcomes.append(outcome)
            bar.advance(task)
        if feedback:
            graded = [o for o in outcomes if o.graded]
            task = bar.add_task("Feedback", total=len(graded), note="")
            for o in graded:
                bar.update(task, note=f"{o.learner}/{o.module}")
                result = api.generate_feedback(o.module, o.learner, force=True)
                if not result["success"]:
                    o.flags.append("feedback could not be generated")
                bar.advance(task)
        export_csv(api, course.build_dir / "grades.csv")
    return outcomes
