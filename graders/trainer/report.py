"""`course report`: who passed, and which ideas people miss (trainer side).

Scores come from nbgrader's gradebook; the answers each learner chose come from the
response files nbgrader graded (build/autograded/...); keys and concepts from scenarios/.
Writes one offline HTML page with charts embedded as PNG, and CSV files beside it.
"""

from __future__ import annotations

import base64
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.course import Course
from graders.course.paths import responses_path
from graders.learner.store import read_answers
from graders.publish.pages import render_page


@dataclass
class ModuleResult:
    learner: str
    module: str
    score: float
    max_score: float
    needs_rubric: bool
    timestamp: str

    @property
    def share(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    def status(self, mastery: float) -> str:
        if self.share >= mastery:
            return "passed"
        return "awaiting rubric grading" if self.needs_rubric else "not yet passed"


@dataclass
class StepResult:
    module: str
    scenario: str
    step: str
    prompt: str
    concepts: list[str]
    graded: int = 0
    right: int = 0
    wrong_choices: Counter = field(default_factory=Counter)

    @property
    def share_right(self) -> float:
        return self.right / self.graded if self.graded else 0.0

    @property
    def most_chosen_wrong(self) -> str:
        if not self.wrong_choices:
            return ""
        option, count = self.wrong_choices.most_common(1)[0]
        return f"{option} ({count})"


@dataclass
class Report:
    mastery: float
    modules: list[str]
    results: dict[tuple[str, str], ModuleResult]
    steps: list[StepResult]

    @property
    def learners(self) -> list[str]:
        return sorted({learner for learner, _ in self.results})

    def missing(self, learner: str) -> list[str]:
        return [m for m in self.modules if (learner, m) not in self.results]

    def passed_all(self, learner: str, required: list[str]) -> bool:
        return all((learner, m) in self.results and self.results[learner, m].status(self.mastery) == "passed"
                   for m in required)

    def concepts(self) -> dict[str, tuple[int, int]]:
        """concept -> (right, graded) over every step of every scenario tagged with it."""
        totals: dict[str, list[int]] = {}
        for step in self.steps:
            for concept in step.concepts:
                pair = totals.setdefault(concept, [0, 0])
                pair[0] += step.right
                pair[1] += step.graded
        return {c: (r, n) for c, (r, n) in sorted(totals.items())}


def collect(course: Course) -> Report:
    """Read the gradebook, the graded response files and the keys into one Report."""
    scenarios, modules = course.scenarios(), course.modules
    results: dict[tuple[str, str], ModuleResult] = {}
    step_results = {(s.id, st.id): StepResult(s.module, s.id, st.id, st.prompt, s.concepts)
                    for s in scenarios.values() for st in s.steps}
    with course.gradebook() as gb:
        for assignment in gb.assignments:
            if assignment.name not in modules:
                continue
            for sub in assignment.submissions:
                results[sub.student.id, assignment.name] = ModuleResult(
                    sub.student.id, assignment.name, sub.score, sub.max_score, sub.needs_manual_grade,
                    sub.timestamp.strftime("%Y-%m-%d") if sub.timestamp else "")
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        scenario_id, _, step_id = grade.name.partition("--")
                        step = step_results.get((scenario_id, step_id))
                        if step is not None and grade.auto_score is not None:
                            step.graded += 1
                            step.right += grade.auto_score >= grade.max_score
    for (learner, module) in results:
        folder = course.step_dir("autograded") / learner / module
        try:
            answers = read_answers(responses_path(folder, module))
        except (OSError, ValueError):
            continue
        for scenario_id, steps in answers.items():
            for step_id, chosen in steps.items():
                result = step_results.get((scenario_id, step_id))
                if result is None:
                    continue
                key = scenarios[scenario_id].step(step_id).key
                result.wrong_choices.update(c for c in chosen if c not in key)
    ordered = [step_results[s.id, st.id] for m in modules for s in scenarios.values() if s.module == m
               for st in s.steps]
    return Report(course.settings.mastery, modules, results, ordered)


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def charts(report: Report) -> list[dict[str, str]]:
    """Charts as embedded PNGs, each with a text alternative."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    passed = [sum(r.status(report.mastery) == "passed" for (_, m), r in report.results.items() if m == module)
              for module in report.modules]
    taken = [sum(m == module for _, m in report.results) for module in report.modules]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.barh(report.modules, taken, color="#c8d3e0", label="submitted")
    ax.barh(report.modules, passed, color="#1f5f99", label=f"passed ({report.mastery:.0%} or more)")
    ax.invert_yaxis()
    ax.set_xlabel("learners")
    ax.legend(loc="lower right")
    out.append({"title": "Learners who passed each module", "png": _png(fig),
                "alt": "; ".join(f"{m}: {p} of {t} passed" for m, p, t in zip(report.modules, passed, taken,
                                                                              strict=True))})
    plt.close(fig)
    concepts = report.concepts()
    names = [c for c, (_, n) in concepts.items() if n]
    shares = [concepts[c][0] / concepts[c][1] for c in names]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(names))))
    ax.barh(names, shares, color=["#b03a2e" if s < report.mastery else "#1f5f99" for s in shares])
    ax.axvline(report.mastery, color="#444", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of answers that were right")
    out.append({"title": "Right answers by legal concept (red: below the mastery line)", "png": _png(fig),
                "alt": "; ".join(f"{c}: {s:.0%}" for c, s in zip(names, shares, strict=True))})
    plt.close(fig)
    return out


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def build_report(course: Course, out: Path | None = None) -> Path:
    """build/report/index.html plus learners.csv, steps.csv and concepts.csv."""
    from graders.grading.cohort import export_csv

    out = out or course.build_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    report = collect(course)
    mastery = report.mastery
    learner_rows = [[r.learner, r.module, f"{r.score:g}", f"{r.max_score:g}", f"{r.share:.0%}", r.status(mastery),
                     r.timestamp] for r in sorted(report.results.values(), key=lambda r: (r.learner, r.module))]
    write_csv(out / "learners.csv", ["learner", "module", "score", "max_score", "percent", "status", "submitted"],
              learner_rows)
    write_csv(out / "steps.csv", ["module", "scenario", "step", "graded", "right", "share_right",
                                  "most_chosen_wrong_option", "concepts"],
              [[s.module, s.scenario, s.step, s.graded, s.right, f"{s.share_right:.2f}", s.most_chosen_wrong,
                " ".join(s.concepts)] for s in report.steps])
    concepts = report.concepts()
    write_csv(out / "concepts.csv", ["concept", "graded", "right", "share_right"],
              [[c, n, r, f"{r / n:.2f}" if n else ""] for c, (r, n) in concepts.items()])
    export_csv(course, out / "grades.csv")
    page = render_page("report", "report.html.j2", course=course.settings, report=report, learners=report.learners,
                       charts=charts(report), concepts=concepts, rows=learner_rows)
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"
