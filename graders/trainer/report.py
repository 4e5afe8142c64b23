"""`course report`: who passed, and which ideas people miss (trainer side).

Scores and learners' names come from nbgrader's gradebook; the answers each learner chose come from
the response files nbgrader graded (build/autograded/...); keys, concepts and option texts from
scenarios/; module titles from each module notebook's h1. The page speaks in those titles, names
and texts; ids appear only in tooltips and the CSV files. Writes one offline HTML page with charts
embedded as PNG, and CSV files beside it.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graders.content.scenarios import load_concepts
from graders.course.course import Course
from graders.course.paths import responses_path
from graders.grading.flags import load_flags
from graders.learner.store import read_answers
from graders.publish.pages import render_page
from graders.trainer.roster import records

PASSED, AWAITING, NOT_YET = "passed", "awaiting rubric grading", "not yet passed"
# Each status's CSS class and icon: the words and the icon say it; the colour only repeats it.
STATUS_LOOK = {PASSED: ("passed", "✓"), AWAITING: ("awaiting", "◷"), NOT_YET: ("not-yet", "✗")}
# Staff training status (see training.py) in the same way: words and icon first.
STAFF_LOOK = {"done": ("passed", "✓"), "due": ("awaiting", "◷"), "overdue": ("not-yet", "✗"),
              "retrain": ("retrain", "↻")}
WEAK, STRONG, SUBMITTED = "#b03a2e", "#1f5f99", "#c8d3e0"  # chart colours (weak bars are also hatched)
SMALL_WORDS = {"a", "an", "and", "for", "in", "of", "or", "the", "to"}  # skipped when reading an acronym


# -- numbers and words as people read them -----------------------------------------------------------


def number_text(value: float) -> str:
    """A score to one decimal at most, never rounded up (5.01 -> "5", 12.5 -> "12.5", 19.96 -> "19.9")."""
    return f"{math.floor(value * 10 + 1e-6) / 10:.1f}".removesuffix(".0")


def points_text(score: float, max_score: float) -> str:
    """'5 of 24 points'."""
    return f"{number_text(score)} of {number_text(max_score)} point{'' if max_score == 1 else 's'}"


def percent_text(share: float) -> str:
    """A whole percentage, never rounded up to the mastery line (0.796 -> '79%')."""
    return f"{math.floor(share * 100 + 1e-6)}%"


def _spelling(word: str, description: str) -> str:
    """How the description writes `word`: its capitals when every use mid-sentence has them
    ('HIPAA', 'Nevada', 'Part'), upper case when it is the initials of words there ('SUD'), else as is."""
    uses = [m for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", description, re.I)
            if m.start() > 0 and not re.search(r"[.:;!?]\s*$", description[:m.start()])]
    if uses and all(m.group(0) != word for m in uses):
        return uses[0].group(0)
    if not uses and len(word) >= 3:
        initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", description) if w.lower() not in SMALL_WORDS)
        if word in initials.lower():
            return word.upper()
    return word


def concept_label(concept: str, description: str = "") -> str:
    """A concept tag as a short label: 'hipaa-permitted-disclosure' -> 'HIPAA permitted disclosure'."""
    text = " ".join(_spelling(w, description) for w in concept.split("-"))
    return text[:1].upper() + text[1:]


def module_titles(course: Course) -> dict[str, str]:
    """Each module's title: its notebook's h1 (the folder name where it has none)."""
    import nbformat

    from graders.publish.handouts import notebook_title

    return {m: notebook_title(nbformat.read(course.source_notebook(m), as_version=4), m) for m in course.modules}


def learner_names(gb) -> dict[str, str]:
    """learner id -> 'First Last' from the gradebook's student table (the id where it has no name)."""
    return {s.id: " ".join(p.strip() for p in (s.first_name, s.last_name) if p and p.strip()) or s.id
            for s in gb.students}


# -- what the gradebook and the response files say ---------------------------------------------------


@dataclass
class ModuleResult:
    learner: str
    module: str
    score: float
    max_score: float
    needs_rubric: bool
    timestamp: str
    ungraded_points: float = 0.0  # rubric points not graded yet

    @property
    def share(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    def status(self, mastery: float) -> str:
        """Passed; awaiting rubric grading (only while the ungraded rubric points could still make it
        pass); else not yet passed."""
        if self.share >= mastery:
            return PASSED
        could_pass = self.max_score and (self.score + self.ungraded_points) / self.max_score >= mastery
        return AWAITING if self.needs_rubric and could_pass else NOT_YET


@dataclass
class StepResult:
    module: str
    scenario: str
    step: str
    prompt: str
    concepts: list[str]
    scenario_title: str = ""
    number: int = 1  # the step's place in its scenario ("decision 2")
    options: dict[str, str] = field(default_factory=dict)  # option id -> the text learners read
    graded: int = 0
    right: int = 0
    wrong_choices: Counter = field(default_factory=Counter)

    @property
    def share_right(self) -> float:
        return self.right / self.graded if self.graded else 0.0

    @property
    def most_chosen_wrong(self) -> str:
        """'option-id (times)', for the CSV."""
        if not self.wrong_choices:
            return ""
        option, count = self.wrong_choices.most_common(1)[0]
        return f"{option} ({count})"

    @property
    def most_chosen_wrong_text(self) -> tuple[str, int] | None:
        """(the option's text, how many learners chose it), for the page."""
        if not self.wrong_choices:
            return None
        option, count = self.wrong_choices.most_common(1)[0]
        return self.options.get(option, option), count


@dataclass(frozen=True)
class ConceptResult:
    concept: str
    label: str
    description: str
    right: int
    graded: int

    @property
    def share(self) -> float:
        return self.right / self.graded if self.graded else 0.0


@dataclass
class Report:
    mastery: float
    modules: list[str]
    results: dict[tuple[str, str], ModuleResult]
    steps: list[StepResult]
    titles: dict[str, str] = field(default_factory=dict)  # module -> title
    names: dict[str, str] = field(default_factory=dict)  # learner -> name
    descriptions: dict[str, str] = field(default_factory=dict)  # concept -> description
    flags: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # learner -> module -> reasons

    def needs_a_look(self) -> list[tuple[str, str, list[str]]]:
        """(learner's name, module title, reasons) for every flagged submission, by name then course order."""
        order = {m: i for i, m in enumerate(self.modules)}
        rows = [(self.name(learner), module, reasons) for learner, by_module in self.flags.items()
                for module, reasons in by_module.items()]
        return [(name, self.title(module), reasons)
                for name, module, reasons in sorted(rows, key=lambda r: (r[0], order.get(r[1], len(order)), r[1]))]

    @property
    def learners(self) -> list[str]:
        return sorted({learner for learner, _ in self.results})

    def title(self, module: str) -> str:
        return self.titles.get(module, module)

    def name(self, learner: str) -> str:
        return self.names.get(learner, learner)

    def missing(self, learner: str) -> list[str]:
        return [m for m in self.modules if (learner, m) not in self.results]

    def passed_all(self, learner: str, required: list[str]) -> bool:
        return all((learner, m) in self.results and self.results[learner, m].status(self.mastery) == PASSED
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

    def concepts_weakest_first(self) -> list[ConceptResult]:
        """Every concept with answers, the lowest share right first."""
        found = [ConceptResult(c, concept_label(c, self.descriptions.get(c, "")), self.descriptions.get(c, ""), r, n)
                 for c, (r, n) in self.concepts().items() if n]
        return sorted(found, key=lambda c: (c.share, c.label))

    def concepts_without_answers(self) -> list[str]:
        return sorted(concept_label(c, self.descriptions.get(c, "")) for c, (_, n) in self.concepts().items() if not n)

    def cases_by_module(self) -> list[tuple[str, list[list[StepResult]]]]:
        """(module, its cases: each case's graded steps) in course order; none for a module nobody submitted."""
        out = []
        for module in self.modules:
            cases: dict[str, list[StepResult]] = {}
            for step in self.steps:
                if step.module == module and step.graded:
                    cases.setdefault(step.scenario, []).append(step)
            out.append((module, list(cases.values())))
        return out


def _step_results(scenarios: dict) -> dict[tuple[str, str], StepResult]:
    return {(s.id, st.id): StepResult(s.module, s.id, st.id, st.prompt, s.concepts, s.title, number,
                                      {o.id: o.text for o in st.options})
            for s in scenarios.values() for number, st in enumerate(s.steps, start=1)}


def collect(course: Course) -> Report:
    """Read the gradebook, the graded response files and the keys into one Report."""
    scenarios, modules = course.scenarios(), course.modules
    results: dict[tuple[str, str], ModuleResult] = {}
    step_results = _step_results(scenarios)
    with course.gradebook() as gb:
        names = learner_names(gb)
        for assignment in gb.assignments:
            if assignment.name not in modules:
                continue
            for sub in assignment.submissions:
                ungraded = sum(g.max_score for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade)
                results[sub.student.id, assignment.name] = ModuleResult(
                    sub.student.id, assignment.name, sub.score, sub.max_score, sub.needs_manual_grade,
                    sub.timestamp.strftime("%Y-%m-%d") if sub.timestamp else "", ungraded)
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
    return Report(course.settings.mastery, modules, results, ordered, module_titles(course), names,
                  load_concepts(course.scenarios_dir), load_flags(course))


# -- charts --------------------------------------------------------------------------------------------


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _wrapped(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width))


def module_chart(report: Report, plt) -> dict[str, str]:
    """Submitted and passed per module, each bar labelled in words; the key sits below the chart."""
    passed = [sum(r.status(report.mastery) == PASSED for (_, m), r in report.results.items() if m == module)
              for module in report.modules]
    taken = [sum(m == module for _, m in report.results) for module in report.modules]
    titles = [report.title(m) for m in report.modules]
    fig, ax = plt.subplots(figsize=(8, 0.7 + 0.55 * len(titles)))
    ax.barh([_wrapped(t) for t in titles], taken, color=SUBMITTED, label="submitted")
    ax.barh([_wrapped(t) for t in titles], passed, color=STRONG, label=f"passed ({report.mastery:.0%} or more)")
    for y, (p, t) in enumerate(zip(passed, taken, strict=True)):
        ax.text(t, y, f"  {p} of {t} passed" if t else "  not submitted yet", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*taken, 1]) * 1.35)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("learners")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.35 / len(titles)), ncol=2, frameon=False)
    alt = "; ".join(f"{t}: {p} of {n} passed" for t, p, n in zip(titles, passed, taken, strict=True))
    return {"title": "Learners who passed each module", "png": _png(fig), "alt": alt,
            "key": "Light bar: learners who submitted the module. Dark bar: those who passed it."}


def concept_chart(report: Report, plt) -> dict[str, str]:
    """Share right per concept on a 0-100 % scale, weakest first; bars below the mastery line are red,
    hatched and say 'below' in words."""
    rows = report.concepts_weakest_first()
    line = 100 * report.mastery
    shares = [100 * c.share for c in rows]
    weak = [c.share < report.mastery for c in rows]
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.3 * len(rows)))
    bars = ax.barh([c.label for c in rows], shares, color=[WEAK if w else STRONG for w in weak],
                   hatch=["///" if w else "" for w in weak], edgecolor="white", linewidth=0)
    ax.bar_label(bars, labels=[f" {percent_text(c.share)}" + (" below" if w else "") for c, w in zip(rows, weak,
                                                                                                     strict=True)],
                 fontsize=8.5)
    for tick, w in zip(ax.get_yticklabels(), weak, strict=True):
        tick.set_fontweight("bold" if w else "normal")
    ax.axvline(line, color="#222", linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ticks = sorted({line, *(t for t in range(0, 101, 20) if abs(t - line) >= 8)})
    ax.set_xticks(ticks, [f"{t:g}%" + ("\nmastery" if t == line else "") for t in ticks])
    ax.tick_params(axis="x", top=True, labeltop=len(rows) > 12)
    ax.invert_yaxis()
    ax.set_xlabel("answers that were right")
    ax.spines[["right"]].set_visible(False)
    alt = "; ".join(f"{c.label}: {percent_text(c.share)}" + (" (below mastery)" if w else "")
                    for c, w in zip(rows, weak, strict=True))
    return {"title": "Right answers by legal concept, weakest first", "png": _png(fig), "alt": alt,
            "key": f"Red, hatched bars marked “below” are under the mastery line ({line:.0f}%); "
                   "blue bars are at or above it."}


def charts(report: Report) -> list[dict[str, str]]:
    """Charts as embedded PNGs, each with a text alternative and a key in words."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = [module_chart(report, plt)]
    if report.concepts_weakest_first():
        out.append(concept_chart(report, plt))
    plt.close("all")
    return out


# -- files ---------------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_csvs(report: Report, out: Path) -> None:
    """learners.csv, steps.csv and concepts.csv: ids and exact numbers, for spreadsheets."""
    mastery = report.mastery
    write_csv(out / "learners.csv", ["learner", "name", "module", "score", "max_score", "percent", "status",
                                     "submitted"],
              [[r.learner, report.name(r.learner), r.module, f"{r.score:g}", f"{r.max_score:g}", percent_text(r.share),
                r.status(mastery), r.timestamp]
               for r in sorted(report.results.values(), key=lambda r: (r.learner, r.module))])
    write_csv(out / "steps.csv", ["module", "scenario", "step", "graded", "right", "share_right",
                                  "most_chosen_wrong_option", "concepts"],
              [[s.module, s.scenario, s.step, s.graded, s.right, f"{s.share_right:.2f}", s.most_chosen_wrong,
                " ".join(s.concepts)] for s in report.steps])
    write_csv(out / "concepts.csv", ["concept", "label", "graded", "right", "share_right"],
              [[c, concept_label(c, report.descriptions.get(c, "")), n, r, f"{r / n:.2f}" if n else ""]
               for c, (r, n) in report.concepts().items()])


def build_report(course: Course, out: Path | None = None, report: Report | None = None,
                 staff: list | None = None, as_of: str = "") -> Path:
    """build/report/index.html plus learners.csv, steps.csv, concepts.csv and grades.csv. `staff`:
    the staff training status, as (person, role title, their Requirement rows) as of `as_of`."""
    from graders.grading.cohort import export_csv

    out = out or course.build_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    report = report or collect(course)
    write_csvs(report, out)
    export_csv(course, out / "grades.csv")
    roles = {p.id: p.role for p in records(course).staff(include_left=True)}
    completed = sum(report.passed_all(learner, course.required_modules(roles.get(learner)))
                    for learner in report.learners)
    page = render_page("report", "report.html.j2", course=course.settings, report=report, charts=charts(report),
                       concepts=report.concepts_weakest_first(), completed=completed, statuses=STATUS_LOOK,
                       points=points_text, percent=percent_text, staff=staff or [], staff_look=STAFF_LOOK,
                       as_of=as_of)
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"
