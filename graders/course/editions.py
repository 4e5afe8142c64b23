"""Other states' editions of the course (course.yaml `editions:`).

An edition is the same cases under another state's law: each scenario step that cites the base
state's law carries that state's entry (`by_state:` in its YAML), and each module cell that names
the base state's law has that state's text in `jurisdictions/<STATE>.yaml`. `edition_problems`
finds what is missing or still names another state's law; `make_edition` writes the edition as a
course folder of its own, `build/editions/<STATE>/`, which every `course` command can work on.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import nbformat
import yaml

from graders.content.citations import mentions_a_source, state_law_named, state_of
from graders.content.jurisdictions import Jurisdiction, JurisdictionError, available, load_jurisdiction
from graders.content.scenarios import CAST_FILE, CONCEPTS_FILE, ScenarioError, load_all
from graders.content.schema import Scenario
from graders.content.yaml_files import read_yaml
from graders.course.course import SOURCE_FILES, Course, CourseError, copy_sources
from graders.course.settings import SETTINGS_FILE

EDITIONS_DIR = "editions"
MISCONCEPTIONS_FILE = "misconceptions.yaml"


def edition_root(course: Course, state: str) -> Path:
    return course.build_dir / EDITIONS_DIR / state


def taught_texts(scenario: Scenario) -> Iterator[tuple[str, str, bool]]:
    """(where, text, taught as true) for everything a scenario shows or says; a wrong option's own
    text is shown but not taught (it may state a misconception: that is its point)."""
    yield "title", scenario.title, True
    yield "story", scenario.story, True
    for step in scenario.steps:
        yield f"step '{step.id}' prompt", step.prompt, True
        for cite in step.citations:
            yield f"step '{step.id}' citations", cite, True
        for field in ("trainer_note", "teaching_point"):
            if text := getattr(step, field):
                yield f"step '{step.id}' {field}", text, True
        for option in step.options:
            yield f"step '{step.id}' option '{option.id}' text", option.text, option.correct
            yield f"step '{step.id}' option '{option.id}' rationale", option.rationale, True


def wrong_claims(course: Course, jurisdiction: Jurisdiction) -> list[tuple[str, re.Pattern[str]]]:
    """The claims an edition must not teach: the course's (curriculum/misconceptions.yaml), except
    those about another state's law, and the state's own (its jurisdiction file)."""
    entries = read_yaml(course.curriculum_dir / MISCONCEPTIONS_FILE) or []
    found = [(e["claim"], e["pattern"]) for e in entries
             if e.get("jurisdiction", jurisdiction.code) == jurisdiction.code]
    found += [(w.claim, w.pattern) for w in jurisdiction.wrong_claims]
    return [(claim, re.compile(pattern, re.I)) for claim, pattern in found]


class EditionCheck:
    """What keeps one state's edition of some modules from being right, each naming file and place."""

    def __init__(self, course: Course, state: str, modules: list[str]) -> None:
        self.course, self.state, self.modules = course, state, modules
        self.problems: list[str] = []
        self.jurisdiction = load_jurisdiction(course.root, state)
        self.claims = wrong_claims(course, self.jurisdiction)
        others = [load_jurisdiction(course.root, code) for code in available(course.root) if code != state]
        self.other_rules = [(j.name, j.own_rule_phrases()) for j in others]

    def text(self, where: str, text: str, taught: bool) -> None:
        """One piece of the edition's text: no other state's law as its own, no wrong claim."""
        if named := sorted(state_law_named(text) - {self.state}):
            self.problems.append(f"{where}: the {self.state} edition still cites {', '.join(named)} law")
        for name, phrases in self.other_rules:
            if found := phrases.search(text):
                self.problems.append(f"{where}: the {self.state} edition still speaks of {name}'s law "
                                     f"as its own ('{found.group(0)}')")
        for claim, pattern in self.claims if taught else ():
            if found := pattern.search(text):
                self.problems.append(f"{where}: teaches '{claim}' in the {self.state} edition: ...{found.group(0)}...")

    def scenarios(self, scenarios: dict[str, Scenario]) -> None:
        for scenario in (s for s in scenarios.values() if s.module in self.modules):
            path = self.course.scenarios_dir / f"{scenario.id}.yaml"
            if scenario.base_state in (None, self.state):
                continue
            for step in scenario.steps_needing(self.state):
                cites = ", ".join(c for c in step.citations if state_of(c) == scenario.base_state)
                self.problems.append(f"{path}: step '{step.id}' cites {scenario.base_state} law ({cites}) and has no "
                                     f"entry for jurisdiction {self.state} (by_state.{self.state}.steps.{step.id})")
            for where, text, taught in taught_texts(scenario.for_state(self.state)):
                self.text(f"{path}: {where}", text, taught)
                if where.endswith("rationale") and not mentions_a_source(text):
                    self.problems.append(f"{path}: {where}: the {self.state} edition's rationale names no source")

    def notebooks(self) -> None:
        texts = self.jurisdiction.module_text
        for module in self.modules:
            path = self.course.source_notebook(module)
            cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "markdown" and "nbgrader" in c.metadata}
            own = texts.get(module, {})
            for cell_id in sorted(set(own) - set(cells)):
                self.problems.append(f"{self.jurisdiction_file}: module_text.{module}.{cell_id}: "
                                     f"{path} has no Markdown cell with that grade id")
            for cell_id, cell in cells.items():
                self.text(f"{path}: cell '{cell_id}'" + (f" ({self.jurisdiction_file} module_text)" if cell_id in own
                                                          else ""), own.get(cell_id, cell.source), True)

    @property
    def jurisdiction_file(self) -> Path:
        return self.course.root / "jurisdictions" / f"{self.state}.yaml"


def edition_problems(course: Course, states: list[str] | None = None,
                     today: date | None = None) -> tuple[list[str], list[str]]:
    """(problems, warnings) for the course's own state and each edition course.yaml lists (or just
    `states`): a missing or wrong jurisdiction file, a step or cell without the state's own entry,
    another state's law presented as the reader's, a wrong claim; warnings for facts not verified
    for more than a year."""
    settings = course.settings
    if states is None:
        states = ([settings.state] if settings.state else []) + sorted(settings.editions)
    try:
        scenarios = load_all(course.scenarios_dir)
    except ScenarioError:
        return [], []  # check_sources reports these
    problems: list[str] = []
    warnings: list[str] = []
    for state in states:
        where = course.root / "jurisdictions" / f"{state}.yaml"
        try:
            jurisdiction = load_jurisdiction(course.root, state)
        except JurisdictionError as err:
            problems += str(err).splitlines()
            continue
        problems += [f"{where}: wrong_claims '{c.claim}': the pattern must catch its `says` and spare its `fine`"
                     for c in jurisdiction.wrong_claims
                     if not re.search(c.pattern, c.says, re.I) or re.search(c.pattern, c.fine, re.I)]
        warnings += [f"{where}: {line} (over a year ago: check it again)"
                     for line in jurisdiction.stale(today or date.today())]
        if state == settings.state:
            continue
        modules = settings.editions[state].modules
        problems += [f"{course.root / SETTINGS_FILE}: field 'editions.{state}.modules': {m!r} is not a module of "
                     "this course" for m in modules if m not in course.modules]
        check = EditionCheck(course, state, [m for m in modules if m in course.modules])
        check.scenarios(scenarios)
        check.notebooks()
        problems += check.problems
    return problems, warnings


def make_edition(course: Course, state: str) -> tuple[Course, list[str]]:
    """Write `state`'s edition as a course folder of its own (build/editions/<STATE>/, its own build/
    kept), and return it with the notes on what was left out. Refuses while the edition has problems."""
    settings = course.settings
    if state == settings.state:
        return course, []
    if state not in settings.editions:
        have = ", ".join(sorted(settings.editions)) or "none"
        raise CourseError(f"{course.root / SETTINGS_FILE}: no edition {state!r} under `editions:` (the course has: "
                          f"{have}; its own state is {settings.state})")
    problems, _ = edition_problems(course, [state])
    if problems:
        raise CourseError(f"the {state} edition is not ready:\n  " + "\n  ".join(problems))
    jurisdiction = load_jurisdiction(course.root, state)
    modules = settings.editions[state].modules
    folder = edition_root(course, state)
    folder.mkdir(parents=True, exist_ok=True)
    for name in SOURCE_FILES:  # sources replaced, the edition's own build/ (submissions, gradebook) kept
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    copy_sources(course.root, folder)
    edition = Course(folder)
    for module_dir in edition.curriculum_dir.iterdir():
        if module_dir.is_dir() and module_dir.name not in modules:
            shutil.rmtree(module_dir)
    for path in edition.scenarios_dir.glob("*.yaml"):
        if path.name not in (CONCEPTS_FILE, CAST_FILE) and (read_yaml(path) or {}).get("module") not in modules:
            path.unlink()
    for module in modules:
        write_module_text(edition.source_notebook(module), jurisdiction.module_text.get(module, {}))
    notes = drop_other_state_handouts(edition, state)
    write_edition_settings(folder / SETTINGS_FILE, settings.course_id, state, jurisdiction.name, modules)
    return Course(folder), notes


def write_module_text(notebook: Path, texts: dict[str, str]) -> None:
    """The notebook with each named Markdown cell's text replaced by the state's own."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        cell_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "markdown" and cell_id in texts:
            cell.source = texts[cell_id].rstrip("\n")
    nbformat.write(nb, notebook)


def drop_other_state_handouts(edition: Course, state: str) -> list[str]:
    """Client and staff handouts that name another state's law are left out of the edition."""
    notes = []
    for folder in ("client-handouts", "staff-handouts"):
        for path in sorted((edition.root / folder).glob("*.md")):
            if state_law_named(path.read_text(encoding="utf-8")) - {state}:
                path.unlink()
                notes.append(f"{folder}/{path.name} is left out of the {state} edition: it names another state's law")
    return notes


def write_edition_settings(path: Path, course_id: str, state: str, name: str, modules: list[str]) -> None:
    """The edition's course.yaml: the state's law, its modules, roles and versions for those only."""
    data = read_yaml(path)
    data |= {"course_id": f"{course_id}-{state.lower()}", "title": f"{data['title']} ({name} edition)",
             "jurisdiction": ["US", state], "modules": modules}
    data.pop("editions", None)
    data.pop("gradebook", None)  # an edition keeps its own gradebook in its own build/
    for role in (data.get("roles") or {}).values():
        if role.get("modules"):
            role["modules"] = [m for m in role["modules"] if m in modules] or modules
    data["module_versions"] = {m: v for m, v in (data.get("module_versions") or {}).items() if m in modules}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
