"""`course grade`: autograde every submission with nbgrader, in parallel, then feedback and CSV.

nbgrader grades one notebook at a time and its SQLite gradebook takes one writer. So each
worker (graders/grading/worker.py, a long-lived process) grades a disjoint set of learners
into its own copy of the gradebook, and this process alone writes the main gradebook,
merging the workers' copies through nbgrader's Gradebook API. A worker stuck on one
submission longer than the timeout is stopped, that submission is reported as not graded,
and a fresh worker takes the rest of its share.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.course import Course
from graders.course.progress import progress_bar
from graders.grading.flags import save_flags

Job = tuple[str, str]  # (learner, module)


@dataclass
class Outcome:
    learner: str
    module: str
    graded: bool
    flags: list[str] = field(default_factory=list)
    error: str = ""
    # intake, kernel, cells, conversion, feedback: how long, not what happened (two equal outcomes may differ here)
    seconds: dict[str, float] = field(default_factory=dict, compare=False)


def submissions(course: Course) -> list[Job]:
    root = course.step_dir("submitted")
    if not root.exists():
        return []
    return sorted((p.parent.name, p.name) for p in root.glob("*/*") if p.is_dir())


def split_by_learner(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Disjoint shares of learners, balanced by number of notebooks (largest first)."""
    by_learner: dict[str, list[Job]] = {}
    for job in jobs:
        by_learner.setdefault(job[0], []).append(job)
    shares: list[list[Job]] = [[] for _ in range(max(1, min(workers, len(by_learner))))]
    for learner_jobs in sorted(by_learner.values(), key=len, reverse=True):
        min(shares, key=len).extend(learner_jobs)
    return [sorted(s) for s in shares if s]


def copy_gradebook(source: Path, dest: Path) -> None:
    """A consistent copy of a SQLite file, even while someone reads it."""
    dest.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(dest) as dst:
        src.backup(dst)


def merge_gradebook(course: Course, part_db: Path, jobs: list[Job]) -> None:
    """Copy what autograde wrote for these jobs from a worker's gradebook into the main one.
    Only automatic fields move; a trainer's manual scores and comments stay as they are."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as main, course.gradebook(part_db) as part:
        for learner, module in jobs:
            src = part.find_submission(module, learner)
            student = src.student
            main.update_or_create_student(learner, first_name=student.first_name, last_name=student.last_name,
                                          email=student.email, lms_user_id=student.lms_user_id)
            try:
                dst = main.find_submission(module, learner)
            except MissingEntry:
                dst = main.add_submission(module, learner)
            dst.timestamp, dst.extension = src.timestamp, src.extension
            notebooks = {nb.name: nb for nb in dst.notebooks}
            for src_nb in src.notebooks:
                dst_nb = notebooks[src_nb.name]
                dst_nb.flagged, dst_nb.late_submission_penalty = src_nb.flagged, src_nb.late_submission_penalty
                grades = {g.name: g for g in dst_nb.grades}
                for g in src_nb.grades:
                    grades[g.name].auto_score, grades[g.name].needs_manual_grade = g.auto_score, g.needs_manual_grade
                comments = {c.name: c for c in dst_nb.comments}
                for c in src_nb.comments:
                    comments[c.name].auto_comment = c.auto_comment
            main.db.commit()


def export_csv(course: Course, dest: Path) -> Path:
    """nbgrader's own CSV export (one row per learner and module)."""
    from nbgrader.plugins import CsvExportPlugin

    dest.parent.mkdir(parents=True, exist_ok=True)
    with course.gradebook() as gb:
        CsvExportPlugin(to=str(dest)).export(gb)
    return dest


RUN_RECORD = "run.json"  # in build/grading/: what the last run graded and where its time went


def save_run_record(folder: Path, results: list[Outcome], merge_seconds: float) -> Path:
    """How many notebooks were graded, which were not and why, and the seconds each part of the work
    took per graded notebook (averaged over the notebooks, summed over workers) and for the merge."""
    timed = [o.seconds for o in results if o.graded and o.seconds]
    parts = {part: sum(t.get(part, 0.0) for t in timed) / len(timed) for part in timed[0]} if timed else {}
    record = {"notebooks": len(results), "graded": sum(o.graded for o in results),
              "not_graded": [f"{o.learner}/{o.module}: {o.error}" for o in results if not o.graded],
              "seconds_per_notebook": parts, "merge_seconds": merge_seconds}
    path = folder / RUN_RECORD
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return path


def released_modules(course: Course) -> set[str]:
    with course.gradebook() as gb:
        return {a.name for a in gb.assignments if (course.step_dir("release") / a.name).is_dir()}


class Worker:
    """One grading worker process and the thread that reads its messages."""

    def __init__(self, course: Course, number: int, jobs: list[Job], feedback: bool, inbox: queue.Queue) -> None:
        self.number, self.jobs = number, jobs
        self.done: set[Job] = set()  # graded: merged into the main gradebook
        self.finished: set[Job] = set()  # reported on by the worker, graded or not
        self.current: Job | None = None
        self.started = 0.0
        folder = course.build_dir / "grading"
        self.db = folder / f"worker-{number}.db"  # its own SQLite copy (unused with a shared gradebook)
        plan = folder / f"worker-{number}.json"
        db_url = course.gradebook_url if course.shared_gradebook else f"sqlite:///{self.db}"
        plan.write_text(json.dumps({"root": str(course.root), "db_url": db_url, "jobs": jobs, "feedback": feedback,
                                    "staging": str(folder / f"worker-{number}")}))
        self.log = folder / f"worker-{number}.log"  # nbgrader's and the kernels' messages, for a post-mortem
        with self.log.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "graders.grading.worker", str(plan)],
                                            stdout=subprocess.PIPE, stderr=log, text=True, cwd=course.root)
        threading.Thread(target=self._read, args=(inbox,), daemon=True).start()

    def _read(self, inbox: queue.Queue) -> None:
        for line in self.process.stdout:
            inbox.put((self, json.loads(line)))
        inbox.put((self, None))  # the process has ended

    def left(self) -> list[Job]:
        """Jobs the worker has not reported on (a failure it reported keeps its own reason)."""
        return [j for j in self.jobs if j not in self.finished and j != self.current]


def grade_cohort(course: Course, feedback: bool = True, jobs: int | None = None,
                 timeout: float | None = None) -> list[Outcome]:
    """Grade every submission; one Outcome per (learner, module), in learner order."""
    todo = submissions(course)
    timeout = timeout or course.settings.autograde_timeout * 5
    outcomes: dict[Job, Outcome] = {}
    released = released_modules(course)  # also creates the gradebook's tables, once, before any worker writes
    for job in [j for j in todo if j[1] not in released]:
        outcomes[job] = Outcome(*job, graded=False, error=f"module {job[1]!r} is not released (run: course build)")
    folder = course.build_dir / "grading"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    inbox: queue.Queue = queue.Queue()
    merge_plan: list[tuple[Path, list[Job]]] = []  # SQLite: each worker's copy and what it graded
    workers: set[Worker] = set()

    retired: list[Worker] = []

    def start(jobs_: list[Job], gradebook: Path) -> None:
        number = len(retired) + len(workers)
        if not course.shared_gradebook:  # SQLite takes one writer: each worker writes a copy, merged below
            copy_gradebook(gradebook, folder / f"worker-{number}.db")
        workers.add(Worker(course, number, jobs_, feedback, inbox))

    def retire(worker: Worker, reason: str) -> list[Job]:
        """Stop counting on a worker; its unfinished jobs are returned, the running one fails."""
        workers.discard(worker)
        retired.append(worker)
        if not course.shared_gradebook:
            merge_plan.append((worker.db, sorted(worker.done)))
        if worker.current:
            outcomes[worker.current] = Outcome(*worker.current, graded=False, error=reason)
        return worker.left()

    per_learner = {learner for learner, _ in todo}
    shares = split_by_learner([j for j in todo if j not in outcomes], jobs or os.cpu_count() or 1)
    for share in shares:
        start(share, course.build_dir / "gradebook.db")
    with progress_bar() as bar:
        task = bar.add_task(f"Grading notebooks ({len(workers)} worker{'s' * (len(workers) != 1)})",
                            total=len(todo), note=f"0/{len(per_learner)} learners", completed=len(outcomes))
        while workers:
            try:
                worker, message = inbox.get(timeout=1)
            except queue.Empty:
                worker, message = None, None
            if worker in workers:
                if message is None:  # the process ended; anything it had not finished failed
                    worker.process.wait()
                    reason = f"the grading worker stopped unexpectedly (see {worker.log})"
                    for job in retire(worker, reason):
                        outcomes[job] = Outcome(*job, graded=False, error=reason)
                elif "start" in message:
                    worker.current, worker.started = tuple(message["start"]), time.monotonic()
                else:
                    outcome = Outcome(**message["done"])
                    outcomes[(outcome.learner, outcome.module)] = outcome
                    worker.finished.add((outcome.learner, outcome.module))
                    if outcome.graded:
                        worker.done.add((outcome.learner, outcome.module))
                    worker.current = None
            # The watchdog looks after every message, not only in quiet seconds: a busy
            # worker's messages must not hide one that hangs.
            for w in [w for w in workers if w.current and time.monotonic() - w.started > timeout]:
                w.process.kill()
                w.process.wait()
                rest = retire(w, f"grading took longer than {timeout:g} s and was stopped")
                if rest:  # a fresh worker continues from the stopped one's gradebook
                    start(rest, w.db)
            failed = sum(not o.graded for o in outcomes.values())
            learners_done = len(per_learner) - len({j[0] for j in todo if j not in outcomes})
            bar.update(task, completed=len(outcomes), note=f"{learners_done}/{len(per_learner)} learners"
                       + (f", [red]{failed} not graded[/]" if failed else ""))
        merge_started = time.perf_counter()
        for gradebook, done in merge_plan:
            merge_gradebook(course, gradebook, done)
        merge_seconds = time.perf_counter() - merge_started
        export_csv(course, course.build_dir / "grades.csv")
    results = [outcomes[j] for j in sorted(outcomes)]
    save_run_record(folder, results, merge_seconds)
    save_flags(course, results)  # build/flags.json, the gradebook's flagged mark; the report reads them
    return results
