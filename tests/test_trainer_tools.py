"""Trainers' report, retakes without key leaks, and certificates that verify against the gradebook."""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders.content.scenarios import load_concepts
from graders.content.schema import key_answers
from graders.course.course import Course
from graders.grading.build import build
from graders.grading.cohort import grade_cohort
from graders.trainer.certificates import VERIFY_PAGE
from graders.trainer.demo import submit, wrong_answers
from graders.trainer.report import (
    ModuleResult,
    build_report,
    concept_label,
    number_text,
    percent_text,
    points_text,
)
from tests.conftest import ROOT, copy_course

MODULES = ["duty-to-protect", "legal-requests"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graders.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Course:
    root = copy_course(tmp_path_factory.mktemp("trainer") / "course")
    settings = yaml.safe_load((root / "course.yaml").read_text())
    settings.update(modules=MODULES, retakes=True)
    (root / "course.yaml").write_text(yaml.safe_dump(settings))
    course = Course(root)
    build(course, MODULES, selftest=False)
    for module in MODULES:
        scenarios = course.module_scenarios(module)
        submit(course, "ada", module, {s.id: key_answers(s) for s in scenarios}, "A reflection.")
        submit(course, "ben", module, {s.id: wrong_answers(s) for s in scenarios}, None)
    submit(course, "cy", "duty-to-protect", {s.id: key_answers(s) for s in course.module_scenarios(
        "duty-to-protect")}, None)  # never submitted legal-requests
    assert all(o.graded for o in grade_cohort(course, jobs=2))
    build_report(course)
    return course


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def test_report_gives_each_learner_a_status_against_mastery(graded: Course) -> None:
    rows = {(r["learner"], r["module"]): r for r in read_csv(graded.build_dir / "report" / "learners.csv")}
    assert set(rows) == {(learner, m) for learner in ("ada", "ben") for m in MODULES} | {("cy", "duty-to-protect")}
    for module in MODULES:
        auto = sum(s.points for sc in graded.module_scenarios(module) for s in sc.steps)
        assert float(rows["ada", module]["score"]) == auto and float(rows["ada", module]["max_score"]) == auto + 3
        assert rows["ada", module]["status"] == "passed"  # auto / (auto + 3) is over 80%
        assert float(rows["ben", module]["score"]) == 0
        assert rows["ben", module]["status"] == "not yet passed"
    page = (graded.build_dir / "report" / "index.html").read_text()
    cy_row = re.search(r"<th scope=\"row\" title=\"learner id: cy\">cy</th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", cy_row, re.S)
    assert "not submitted" in cells[MODULES.index("legal-requests")]  # the module cy never submitted
    assert "not submitted" not in cells[MODULES.index("duty-to-protect")]


def test_report_finds_the_most_chosen_wrong_option_per_step(graded: Course) -> None:
    steps = {(r["scenario"], r["step"]): r for r in read_csv(graded.build_dir / "report" / "steps.csv")}
    scenario = graded.module_scenarios("duty-to-protect")[0]
    first = scenario.steps[0]
    row = steps[scenario.id, first.id]
    assert (int(row["graded"]), int(row["right"])) == (3, 2)  # ada and cy right, ben wrong
    assert row["most_chosen_wrong_option"] == f"{wrong_answers(scenario)[first.id][0]} (1)"
    concepts = {r["concept"]: r for r in read_csv(graded.build_dir / "report" / "concepts.csv")}
    tagged = [s for s in graded.scenarios().values()
              if s.module in MODULES and not s.practice and scenario.concepts[0] in s.concepts]
    learners = {"duty-to-protect": 3, "legal-requests": 2}
    assert int(concepts[scenario.concepts[0]]["graded"]) == sum(learners[s.module] * len(s.steps) for s in tagged)


def test_scores_read_the_way_people_read_them() -> None:
    assert [number_text(x) for x in (5.01, 12.5, 19.96, 24.0, 0.0, 2 / 3)] == ["5", "12.5", "19.9", "24", "0", "0.6"]
    assert points_text(5.01, 24) == "5 of 24 points" and points_text(1, 1) == "1 of 1 point"
    assert [percent_text(x) for x in (0.796, 0.29, 0.8, 1.0)] == ["79%", "29%", "80%", "100%"]  # never up to a pass


def test_concept_tags_read_as_labels_spelled_as_their_descriptions_spell_them() -> None:
    concepts = load_concepts(ROOT / "scenarios")
    expected = {"hipaa-permitted-disclosure": "HIPAA permitted disclosure",
                "nevada-duty-trigger": "Nevada duty trigger", "sud-records-part-2": "SUD records Part 2",
                "csec-reporting": "CSEC reporting",
                "duty-to-protect": "Duty to protect", "tarasoff": "Tarasoff"}
    assert {c: concept_label(c, concepts[c]) for c in expected} == expected
    assert concept_label("a-new-tag") == "A new tag"  # no description: the words of the tag


def test_awaiting_rubric_grading_only_while_the_rubric_could_still_make_it_pass() -> None:
    def result(score: float, max_score: float, ungraded: float) -> ModuleResult:
        return ModuleResult("x", "m", score, max_score, ungraded > 0, "", ungraded)

    assert result(20, 23, 3).status(0.8) == "passed"
    assert result(18, 23, 3).status(0.8) == "awaiting rubric grading"  # 21 of 23 once graded in full
    assert result(0, 24, 3).status(0.8) == "not yet passed"  # no rubric score can lift it to 80%
    assert result(18, 23, 0).status(0.8) == "not yet passed"


def test_report_page_is_offline_with_charts_and_text_alternatives(graded: Course) -> None:
    page = (graded.build_dir / "report" / "index.html").read_text()
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
    assert len(images) == 2 and all(len(alt) > 20 for alt in images)
    assert not re.search(r"(src|href)=\"https?://", page)
    assert (graded.build_dir / "report" / "grades.csv").is_file()


def test_retake_feedback_says_what_to_review_but_never_the_answers(graded: Course) -> None:
    module = "duty-to-protect"
    page = html.unescape((graded.step_dir("feedback") / "ben" / module / f"{module}.html").read_text())
    text = " ".join(page.split())
    assert "Not right yet. Review this point before you try again" in text
    assert "BEGIN HIDDEN TESTS" not in page and 'grade("' not in page
    for scenario in graded.module_scenarios(module):
        for step in scenario.steps:
            for option in step.options:
                assert " ".join(option.rationale.split()) not in text, f"{step.id}/{option.id} rationale shown"
                if option.correct:
                    assert f"Your answer: {option.text}" not in text


def test_certificate_code_verifies_and_a_forged_one_does_not(graded: Course) -> None:
    done = run_cli("certificates", "--root", str(graded.root), "--no-pdf")
    assert done.returncode == 0, done.stderr
    pages = sorted(p for p in (graded.build_dir / "certificates").glob("*.html") if p.name != VERIFY_PAGE)
    assert [p.stem for p in pages] == ["ada"]  # ben did not pass; cy is missing a module
    page = pages[0].read_text()
    code = re.search(r'class="code">([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<', page).group(1)
    assert all(m in page for m in MODULES) and "Course version" in page
    ok = run_cli("verify", "--root", str(graded.root), code)
    assert ok.returncode == 0 and "Valid" in ok.stderr and "ada" in ok.stderr
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    bad = run_cli("verify", "--root", str(graded.root), forged)
    assert bad.returncode == 1 and "not a valid certificate code" in bad.stderr


def test_a_certificate_stops_verifying_when_the_gradebook_disagrees(graded: Course, tmp_path: Path) -> None:
    from graders.trainer.certificates import earned, verify

    code = earned(graded)[0].code
    with graded.gradebook() as gb:
        grade = next(g for nb in gb.find_submission("duty-to-protect", "ada").notebooks for g in nb.grades
                     if g.cell.cell_type == "code")
        old, grade.manual_score = grade.manual_score, 0.0
        gb.db.commit()
    try:
        assert verify(graded, code) is None
    finally:
        with graded.gradebook() as gb:
            grade = next(g for nb in gb.find_submission("duty-to-protect", "ada").notebooks for g in nb.grades
                         if g.cell.cell_type == "code")
            grade.manual_score = old
            gb.db.commit()
    assert verify(graded, code) is not None
