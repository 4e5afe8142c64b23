"""Content checks: every module has enough graded practice, cites its sources in one format,
teaches no listed misconception, covers its part of the course outline, and uses only
synthetic people and contacts."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import nbformat
import pytest
import yaml
from pydantic import ValidationError

from graders.content.authoring import HOW_IT_WORKS, TRAINER_TAG, finish_cell, module_notebook, reflection_cells
from graders.content.citations import citation_form, mentions_a_source
from graders.content.scenarios import load_concepts, scenario_files
from graders.content.schema import Scenario
from graders.course.course import Course
from graders.course.preprocessors import with_review_line
from graders.course.settings import CounselReview, Settings
from graders.publish.gate import client_handouts, staff_handouts
from tests.conftest import REVIEW_LINE, ROOT

COURSE = Course(ROOT)
MODULES = COURSE.modules
SCENARIO_FILES = scenario_files(COURSE.scenarios_dir)
MISCONCEPTIONS = yaml.safe_load((COURSE.curriculum_dir / "misconceptions.yaml").read_text())
OUTLINE = yaml.safe_load((COURSE.curriculum_dir / "outline.yaml").read_text())
CAST = yaml.safe_load((COURSE.scenarios_dir / "cast.yaml").read_text())
# Words that say where a rule holds: every rationale names one.
JURISDICTION = re.compile(r"\b(Nevada|federal|national|California|Minnesota|U\.S\. Supreme Court)\b")


@cache
def scenarios() -> dict[str, Scenario]:
    return COURSE.scenarios()


@cache
def cells(module: str) -> dict[str, nbformat.NotebookNode]:
    """The module's cells by nbgrader grade id."""
    nb = nbformat.read(COURSE.source_notebook(module), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def taught_text(path: Path) -> list[str]:
    """What a file teaches: notebook prose, or a scenario's story, prompts, right answers,
    rationales and trainer notes (a wrong option's own text may state a misconception)."""
    if path.suffix == ".ipynb":
        return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    if path.suffix == ".md":
        return [path.read_text()]
    data = yaml.safe_load(path.read_text())
    texts = [data["story"]]
    for step in data["steps"]:
        texts += [step["prompt"], step.get("trainer_note") or ""]
        texts += [o["rationale"] for o in step["options"]]
        texts += [o["text"] for o in step["options"] if o.get("correct")]
    return texts


NOTEBOOKS = [COURSE.source_notebook(m) for m in MODULES]
# Client and staff handouts: both are printed and handed out, so both are checked like the modules.
CLIENT_HANDOUTS = client_handouts(COURSE.root) + staff_handouts(COURSE.root)


# -- each module's shape and practice ------------------------------------------------------


def test_course_settings_list_every_module_in_order() -> None:
    folders = {p.name for p in COURSE.curriculum_dir.iterdir() if (p / f"{p.name}.ipynb").is_file()}
    assert set(COURSE.settings.modules) == folders
    assert MODULES == COURSE.settings.modules


@pytest.mark.parametrize("module", MODULES)
def test_module_has_enough_graded_and_branching_practice(module: str) -> None:
    mine = COURSE.module_scenarios(module)
    steps = [step for s in mine for step in s.steps]
    assert len(mine) >= 4, f"{module}: {len(mine)} scenarios"
    assert len(steps) >= 8, f"{module}: {len(steps)} graded steps"
    assert sum(any(step.show_if for step in s.steps) for s in mine) >= 2, f"{module}: branching scenarios"
    assert {s.id for s in mine} <= set(re.findall(r'play\("([^"]+)"\)', "".join(
        c.source for c in cells(module).values()))), "every scenario of the module is played in it"


@pytest.mark.parametrize("module", MODULES)
def test_module_starts_with_the_banner_progress_line_and_a_practice_case(module: str) -> None:
    order = list(cells(module))
    assert order.index("how-it-works") < order.index("start-banner") < order.index("setup")
    assert 'button data-commandlinker-command="notebook:run-all-cells"' in cells(module)["start-banner"].source
    assert f'start("{module}")' in cells(module)["setup"].source
    played = re.findall(r'play\("([^"]+)"\)', "".join(c.source for c in cells(module).values()))
    practice = [sid for sid in played if scenarios()[sid].practice]
    assert practice and played[0] == practice[0], f"{module}: opens with a practice case"


@pytest.mark.parametrize("module", MODULES)
def test_module_says_training_not_advice_and_how_its_law_was_checked(module: str) -> None:
    header = cells(module)["header"].source
    assert "**Training, not legal advice.**" in header
    assert COURSE.settings.review_line() in header.splitlines()


def test_review_line_says_what_the_check_was_until_counsel_reviews() -> None:
    unreviewed = COURSE.settings.model_copy(update={"legal_review_date": "2026-11-25", "counsel_review": None})
    assert unreviewed.review_line() == ("Checked against the course's fact sheet on November 25, 2026 "
                                        "(federal and Nevada law). Not yet reviewed by counsel.")
    reviewed = COURSE.settings.model_copy(update={"counsel_review": CounselReview(
        reviewer="R. Counsel, Example Health Law (fictional)", date="2027-01-15")})
    assert reviewed.review_line() == ("Legal content reviewed by counsel (R. Counsel, Example Health Law "
                                      "(fictional)) on January 15, 2027 (federal and Nevada law).")
    nb = with_review_line(nbformat.read(COURSE.source_notebook(MODULES[0]), as_version=4), reviewed.review_line())
    header = nb.cells[0].source
    assert reviewed.review_line() in header.splitlines() and "Not yet reviewed by counsel" not in header
    with pytest.raises(ValidationError):
        Settings.model_validate({**COURSE.settings.model_dump(), "counsel_review": {"reviewer": "", "date": "soon"}})


@pytest.mark.parametrize("module", MODULES)
def test_reflection_carries_a_rubric_worth_its_points(module: str) -> None:
    prompt, answer = cells(module)["reflection-prompt"].source, cells(module)["reflection"]
    stated = re.search(r"Rubric for trainers \((\d+) points?", prompt)
    assert stated and float(stated.group(1)) == answer.metadata.nbgrader.points
    rows = [line for line in prompt.splitlines() if line.startswith("|") and "---" not in line]
    assert len(rows) - 1 >= 3, "a header row and at least three criteria"
    assert answer.metadata.nbgrader.solution and not answer.metadata.nbgrader.locked


@pytest.mark.parametrize("module", MODULES)
def test_reflection_is_written_in_its_box_and_the_module_ends_with_finish(module: str) -> None:
    nb = nbformat.read(COURSE.source_notebook(module), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    box = ids.index("reflect-reflection")
    assert ids.index("reflection-prompt") < box
    # The page hides the graded markdown cell right after the box (the text comes from the box).
    assert ids[box + 1] == "reflection"
    reflect_cell = nb.cells[box]
    assert reflect_cell.cell_type == "code" and reflect_cell.source == f'reflect("{module}", "reflection")'
    assert reflect_cell.metadata.nbgrader.locked and not reflect_cell.metadata.nbgrader.grade
    last = nb.cells[-1]
    assert ids[-1] == "finish" and last.cell_type == "code" and last.source == f'finish("{module}")'
    assert last.metadata.nbgrader.locked and not last.metadata.nbgrader.grade
    assert cells(module)["setup"].source.startswith("from graders import play, grade, start, reflect, finish\n")


@pytest.mark.parametrize("module", MODULES)
def test_how_it_works_is_current_and_cell_ids_are_grade_ids(module: str) -> None:
    how = cells(module)["how-it-works"].source
    assert how == HOW_IT_WORKS and "Ctrl+S" not in how and "Finish module" in how
    nb = nbformat.read(COURSE.source_notebook(module), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            continue
        if len(grade_id) <= 64:
            assert cell.id == grade_id
        else:  # nbformat allows 64 characters: cut, with a hash to keep the ids apart
            assert len(cell.id) == 64 and cell.id.startswith(grade_id[:40]) and cell.id != grade_id[:64]
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_authored_module_has_the_reflection_box_and_finish_cell() -> None:
    prompt, box, answer = reflection_cells("## Reflection", "some-module", points=2)
    assert prompt.metadata.nbgrader.grade_id == "reflection-prompt" and prompt.source == "## Reflection"
    assert box.cell_type == "code" and box.source == 'reflect("some-module", "reflection")'
    assert box.metadata.nbgrader.grade_id == "reflect-reflection"
    assert answer.cell_type == "markdown" and answer.metadata.nbgrader.grade_id == "reflection"
    assert answer.metadata.nbgrader.solution and answer.metadata.nbgrader.points == 2
    assert finish_cell("some-module").source == 'finish("some-module")'
    scenario = scenarios()[COURSE.module_scenarios(MODULES[0])[0].id]
    nb = module_notebook("A module", [scenario], REVIEW_LINE)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids[-1] == "finish" and nb.cells[-1].source == f'finish("{scenario.module}")'
    assert ids[ids.index("reflect-reflection") + 1] == "reflection"
    assert f'reflect("{scenario.module}", "reflection")' in [c.source for c in nb.cells]


@pytest.mark.parametrize("module", MODULES)
def test_trainer_notes_are_kept_for_the_trainer_edition(module: str) -> None:
    assert TRAINER_TAG in cells(module)["trainer-notes"].metadata.get("tags", [])


# -- sources ---------------------------------------------------------------------------------

SOURCE_LINE = re.compile(r"^(\d+)\. (.+?): (.+) \(([^()]+)\)\.$")


@pytest.mark.parametrize("module", MODULES)
def test_sources_follow_one_format_and_list_every_cited_source(module: str) -> None:
    lines = [line for line in cells(module)["sources"].source.splitlines() if re.match(r"^\d+\. ", line)]
    parsed = [SOURCE_LINE.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    assert [int(m.group(1)) for m in parsed] == list(range(1, len(parsed) + 1)), "numbered 1, 2, 3, ..."
    listed = {m.group(2) for m in parsed}
    assert not [c for c in listed if citation_form(c) is None], "each entry starts with a citation"
    cited = {c for s in COURSE.module_scenarios(module) for step in s.steps for c in step.citations}
    assert not cited - listed, f"cited by scenarios but missing from Sources: {sorted(cited - listed)}"


# A rationale gives the reason first, in plain words, then one short source line at the end.
RATIONALE = re.compile(r"(?s)(?P<reason>.+?)\s+Source: (?P<source>[^\n]+)")


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_rationale_gives_the_reason_then_its_source_and_jurisdiction(path: Path) -> None:
    scenario = scenarios()[path.stem]
    for step in scenario.steps:
        assert step.citations and all(citation_form(c) for c in step.citations)
        for option in step.options:
            where = f"{path.name}/{step.id}/{option.id}"
            parts = RATIONALE.fullmatch(option.rationale.strip())
            assert parts and option.rationale.count("Source:") == 1, f"{where}: end with one 'Source: ...' line"
            assert not mentions_a_source(parts["reason"]), f"{where}: the reason comes first, the citation after"
            assert mentions_a_source(parts["source"]), f"{where}: the source line cites nothing"
            assert JURISDICTION.search(parts["source"]), f"{where}: the source line names no jurisdiction"


def opening(text: str, words: int = 8) -> str:
    return " ".join(re.findall(r"[\w'’-]+", text.lower())[:words])


def test_rationales_do_not_open_with_the_same_words() -> None:
    """No ritual openings: no rationale starts with the same eight words as more than three others."""
    openings = Counter(opening(o.rationale) for s in scenarios().values() for step in s.steps for o in step.options)
    assert not [(text, n) for text, n in openings.items() if n > 4], openings.most_common(5)


def test_opening_counts_words_not_punctuation() -> None:
    assert opening("No. The federal rule, in (plain) words: it permits a warning.") == \
        "no the federal rule in plain words it"


def test_citation_format_accepts_the_course_forms_and_rejects_loose_ones() -> None:
    good = ["NRS 432B.220", "45 CFR 164.512(e)(1)(ii)", "34 U.S.C. 12291(b)(2)", "Nev. Const. art. 1, § 8A",
            "NASW Code of Ethics 1.07(f)", "Bradley v. Eighth Judicial District Court, 405 P.3d 668 (Nev. 2017)",
            "42 CFR Part 2", "USCIS Form I-918 Supplement B"]
    bad = ["HIPAA", "NRS 432B", "section 164.524", "Bradley (2017)", "45 CFR", "NASW 1.07"]
    assert all(citation_form(c) for c in good)
    assert not any(citation_form(c) for c in bad)


# -- misconceptions --------------------------------------------------------------------------


@pytest.mark.parametrize("entry", MISCONCEPTIONS, ids=lambda e: e["claim"][:40])
def test_each_misconception_pattern_catches_the_claim_and_spares_the_truth(entry: dict) -> None:
    assert re.search(entry["pattern"], entry["says"], re.I), "the pattern misses the claim it is for"
    assert not re.search(entry["pattern"], entry["fine"], re.I), "the pattern also flags a correct sentence"


@pytest.mark.parametrize("path", NOTEBOOKS + SCENARIO_FILES + CLIENT_HANDOUTS, ids=lambda p: p.name)
def test_no_misconception_is_taught(path: Path) -> None:
    for text in taught_text(path):
        for entry in MISCONCEPTIONS:
            found = re.search(entry["pattern"], text, re.I)
            assert not found, f"{path.name} teaches '{entry['claim']}': ...{found.group(0)}..."


# -- the course outline ------------------------------------------------------------------------


def test_outline_maps_every_part_one_section_to_a_module_and_its_scenarios() -> None:
    for section in OUTLINE["sections"]:
        where = section["section"]
        if section.get("part") == 2:
            assert "module" not in section, f"{where}: planned for part 2, so not mapped yet"
            continue
        module = section["module"]
        assert module in MODULES, f"{where}: no module {module!r}"
        assert section["scenarios"], f"{where}: no scenario practises it"
        for scenario_id in section["scenarios"]:
            assert scenarios()[scenario_id].module == module, f"{where}: {scenario_id} is not in {module}"
        prose = "\n".join(c.source for c in cells(module).values() if c.cell_type == "markdown")
        for cite in section.get("cites", []):
            assert cite in prose, f"{where}: {module} never teaches {cite}"


def test_every_scenario_and_module_sits_in_the_outline() -> None:
    mapped = {sid for s in OUTLINE["sections"] for sid in s.get("scenarios", [])}
    assert set(scenarios()) <= mapped, sorted(set(scenarios()) - mapped)
    assert set(MODULES) <= {s.get("module") for s in OUTLINE["sections"]}


def test_concept_vocabulary_is_used_and_consistent() -> None:
    vocabulary = load_concepts(COURSE.scenarios_dir)
    used = {c for s in scenarios().values() for c in s.concepts}
    assert used <= set(vocabulary)
    assert not set(vocabulary) - used, f"tags nobody uses: {sorted(set(vocabulary) - used)}"


# -- synthetic people and contacts --------------------------------------------------------------

NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_story_people_come_from_the_fictional_cast(path: Path) -> None:
    story = scenarios()[path.stem].story
    people, places = set(CAST["people"]), set(CAST["not_people"])
    for sentence in re.split(r"(?<=[.!?:\"])\s+", story):
        rest = sentence.split(" ", 1)[1] if " " in sentence else ""  # a sentence's first word is capitalized anyway
        for run in NAME_RUN.findall(rest):
            assert run in people | places or any(p in run for p in people), f"{path.name}: {run!r} not in cast.yaml"
    for person in people:
        first = story.find(person)
        if first >= 0:
            assert story[first + len(person):].startswith(" (fictional)"), f"{person}: say '(fictional)' first time"


def test_each_person_has_one_role_and_lists_every_story_that_names_them() -> None:
    """Reusing a name for someone else (one story's clinician, another's threatened man) shows up in
    cast.yaml beside the person's one role: every scenario naming a person is listed under `in`."""
    names = re.findall(r"^  (\S[^:]*):$", (COURSE.scenarios_dir / "cast.yaml").read_text(), re.M)
    assert len(names) == len(set(names)) == len(CAST["people"]), "each person is listed once"
    for person, entry in CAST["people"].items():
        assert set(entry) == {"role", "in"} and entry["role"].strip(), f"{person}: give one role and the stories"
        naming = sorted(p.stem for p in SCENARIO_FILES if person in p.read_text())
        assert sorted(entry["in"]) == naming, f"{person} ({entry['role']}): named in {naming}"


@pytest.mark.parametrize("path", NOTEBOOKS + SCENARIO_FILES + CLIENT_HANDOUTS, ids=lambda p: p.name)
def test_contacts_and_identifiers_are_synthetic(path: Path) -> None:
    text = path.read_text()
    for phone in re.findall(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b", text):
        assert re.search(r"555[-. ]01\d\d", phone), f"{path.name}: {phone} is not a 555-01xx number"
    for domain in re.findall(r"[\w.+-]+@([\w-]+\.[\w.]+)", text):
        assert domain in ("example.org", "example.com"), f"{path.name}: email domain {domain}"
    assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", text), f"{path.name}: looks like a Social Security number"
    street = re.search(r"\b\d{2,5} [A-Z][a-z]+ (Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Drive)\b", text)
    assert not street, f"{path.name}: street address {street.group(0)!r}"


# Every heading of the clinic's own text (the text the course was commissioned from), in its order.
# Each must be mapped in outline.yaml, as "Clinic text N: <heading>" or "Clinic FAQ: <question>", to a
# module and the scenarios that practise it.
CLINIC_HEADINGS = [
    "The Importance of Confidentiality in Therapy for Survivors of Human Trafficking",
    "Introduction", "The Critical Role of Confidentiality", "The Paramount Importance of Trust",
    "The Foundation of Trust", "Establishing Trust Through Confidentiality", "Impact on Therapeutic Effectiveness",
    "Confidentiality as a Healing Tool", "Nurturing a Safe Space",
    "Legal Obligations for Confidentiality", "Ethical Standards in Therapy",
    "Special Considerations for Trafficking Survivors", "Balancing Confidentiality with Duty to Warn",
    "Challenges to Confidentiality", "Protecting Confidentiality in Complex Cases",
    "Ensuring Privacy in Group Settings", "Balancing Confidentiality with Collaboration",
    "Technological and Administrative Safeguards", "Training and Awareness",
    "Creating a Safe Therapeutic Environment", "Prioritizing Privacy in Therapy Sessions",
    "Techniques and Practices to Ensure Confidentiality", "Secure Documentation", "Confidentiality Agreements",
    "Careful Communication", "Addressing Confidentiality Concerns", "Continuous Review of Confidentiality Practices",
    "Confidentiality in Group Therapy Settings", "Establishing Group Confidentiality Agreements",
    "Building a Culture of Trust and Respect", "Handling Sensitive Information", "Supporting Individual Privacy Needs",
    "Debriefing and Support",
    "The Survivor's Role in Confidentiality", "Educating Survivors on Confidentiality Rights",
    "Encouraging Questions and Discussion", "Involving Survivors in Decision-Making",
    "Building Confidence in the Confidentiality System", "Supporting Survivor Autonomy",
    "Conclusion", "Upholding the Highest Standards", "Creating a Foundation for Healing", "Empowering Survivors",
    "A Commitment Beyond the Therapy Room", "Brighter Tomorrow's Pledge",
    "Frequently Asked Questions", "What Does Confidentiality Mean in the Context of Therapy?",
    "Why is Confidentiality Especially Important for Trafficking Survivors?", "Can Confidentiality Ever Be Broken?",
    "How is Confidentiality Maintained in Group Therapy?", "What If I Have Concerns About My Privacy?",
]
GROUP_HEADINGS = CLINIC_HEADINGS[CLINIC_HEADINGS.index("Confidentiality in Group Therapy Settings"):
                                  CLINIC_HEADINGS.index("Debriefing and Support") + 1] + [
    "Ensuring Privacy in Group Settings", "How is Confidentiality Maintained in Group Therapy?"]


def clinic_sections(heading: str) -> list[dict]:
    return [s for s in OUTLINE["sections"] if re.fullmatch(r"Clinic (?:text(?: \d)?|FAQ): (.+)", s["section"])
            and s["section"].split(": ", 1)[1] == heading]


@pytest.mark.parametrize("heading", CLINIC_HEADINGS)
def test_every_heading_of_the_clinic_text_is_mapped_to_a_module_and_a_scenario(heading: str) -> None:
    mapped = clinic_sections(heading)
    assert mapped, f"outline.yaml does not map the clinic's heading {heading!r}"
    assert all(s.get("module") in MODULES and s.get("scenarios") for s in mapped), mapped
    if heading in GROUP_HEADINGS:
        assert {s["module"] for s in mapped} == {"group-confidentiality"}


def test_no_outline_entry_names_a_heading_the_clinic_text_lacks() -> None:
    named = [s["section"].split(": ", 1)[1] for s in OUTLINE["sections"]
             if re.match(r"Clinic (?:text(?: \d)?|FAQ): ", s["section"])]
    assert not set(named) - set(CLINIC_HEADINGS), sorted(set(named) - set(CLINIC_HEADINGS))
