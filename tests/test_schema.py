"""A bad scenario file fails `course check`/`course build` with a message naming the file,
the field and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell

from graders.content.authoring import nbgrader_meta
from graders.content.scenarios import ScenarioError, load_all, parse_scenario

GOOD = {
    "id": "sample",
    "title": "Sample",
    "module": "duty-to-protect",
    "concepts": ["duty-to-protect"],
    "jurisdiction": "NV",
    "story": "Casey Example (fictional) says something.",
    "steps": [
        {"id": "first", "prompt": "Apply?", "points": 2, "citations": ["NRS 629.550(1)"],
         "options": [{"id": "yes", "text": "Yes", "correct": True, "rationale": "NRS 629.550(1) says so."},
                     {"id": "no", "text": "No", "rationale": "NRS 629.550(1) says otherwise."}]},
        {"id": "second", "prompt": "Then?", "kind": "multiple", "points": 1, "citations": ["45 CFR 164.512(j)"],
         "show_if": {"first": ["no"]},
         "options": [{"id": "a", "text": "A", "correct": True, "rationale": "Because (45 CFR 164.512(j))."},
                     {"id": "b", "text": "B", "correct": True, "rationale": "Because (45 CFR 164.512(j))."},
                     {"id": "c", "text": "C", "rationale": "Not this (45 CFR 164.512(j))."}]},
    ],
}


def write(folder: Path, data: object, name: str = "sample.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def broken(**changes: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is None:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return data


def test_good_file_loads(tmp_path: Path) -> None:
    scenario = parse_scenario(write(tmp_path, GOOD))
    assert scenario.jurisdiction == ["NV"]
    assert scenario.step("second").key == {"a", "b"}
    view = scenario.learner_view()
    assert "correct" not in str(view) and "rationale" not in str(view)


@pytest.mark.parametrize(("data", "expected"), [
    ("id: x\n  steps: [", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    (broken(steps=None), "field 'steps': Field required"),
    (broken(title=""), "field 'title': String should have at least 1 character"),
    (broken(steps__0__options__1__id="Not A Slug"), "field 'steps[0](first).options[1](Not A Slug).id'"),
    (broken(steps__0__options__0__correct=False), "step 'first' has no option marked 'correct: true'"),
    (broken(steps__0__options__1__correct=True), "single-choice step 'first' must have exactly one correct"),
    (broken(steps__0__citations=[]), "field 'steps[0](first).citations': List should have at least 1 item"),
    (broken(steps__0__citations=["see the law"]),
     "citation 'see the law' does not follow the course's citation format: one of: 'NRS 629.550(1)'"),
    (broken(steps__0__citations=["NRS 629"]), "citation 'NRS 629' does not follow"),
    (broken(steps__1__show_if={"later": ["x"]}), "show_if names 'later', which is not an earlier step"),
    (broken(steps__1__show_if={"first": ["maybe"]}), "show_if names options ['maybe']"),
    (broken(steps__0__points=0), "field 'steps[0](first).points': Input should be greater than 0"),
    (broken(steps__0__kind="essay"), "field 'steps[0](first).kind': Input should be 'single' or 'multiple'"),
    (broken(jurisdiction="Nevada"), "jurisdiction must be 'US' or a two-letter state code"),
    (broken(surprise="x"), "field 'surprise': Extra inputs are not permitted"),
    (broken(id="other"), "field 'id': expected the file name's stem 'sample'"),
    (broken(practice=True), "step 'first': a practice scenario is not graded; remove its 'points'"),
    (broken(steps__1__points=None), "step 'second' needs 'points' (or mark the scenario 'practice: true')"),
])
def test_bad_file_names_file_field_and_expectation(tmp_path: Path, data: object, expected: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_concepts_must_come_from_the_vocabulary(tmp_path: Path) -> None:
    write(tmp_path, {"duty-to-protect": "The Nevada duty"}, "concepts.yaml")
    write(tmp_path, broken(concepts=["duty-to-protect", "made-up-tag"]))
    with pytest.raises(ScenarioError, match=r"sample.yaml: field 'concepts': \['made-up-tag'\] not in"):
        load_all(tmp_path)


def test_course_build_refuses_a_bad_file(course_dir: Path) -> None:
    bad = course_dir / "scenarios" / "duty-to-protect-vague-anger.yaml"
    data = yaml.safe_load(bad.read_text())
    data["steps"][0]["points"] = "many"
    bad.write_text(yaml.safe_dump(data))
    for command in ("check", "build"):
        run = subprocess.run([sys.executable, "-m", "graders.cli", command, "--root", str(course_dir)],
                             capture_output=True, text=True)
        assert run.returncode == 1
        assert f"{bad}: field 'steps[0](duty-applies).points': Input should be a valid number" in run.stderr
        assert not (course_dir / "build" / "release").exists()


def test_notebook_and_scenario_must_agree(course_dir: Path) -> None:
    from graders.course.course import Course

    notebook = course_dir / "curriculum" / "duty-to-protect" / "duty-to-protect.ipynb"
    notebook.write_text(notebook.read_text().replace('"points": 2', '"points": 5', 1))
    (course_dir / "curriculum" / "duty-to-protect" / "responses").mkdir()
    problems = "\n".join(Course(course_dir).check_sources())
    assert "has 5 points; the scenario file says 2" in problems
    assert "answers saved in a source folder would be released" in problems


def test_a_practice_scenario_is_never_graded(course_dir: Path) -> None:
    from graders.content.scenarios import load_one
    from graders.course.course import Course

    practice = "duty-to-protect-practice-permits-or-requires"
    step = load_one(course_dir / "scenarios", practice).steps[0]
    assert load_one(course_dir / "scenarios", practice).practice and step.points is None
    assert practice not in {s.id for s in Course(course_dir).module_scenarios("duty-to-protect")}
    notebook = course_dir / "curriculum" / "duty-to-protect" / "duty-to-protect.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    play = next(i for i, c in enumerate(nb.cells) if c.source == f'play("{practice}")')
    nb.cells.insert(play + 1, new_code_cell(f'grade("{practice}", "{step.id}")', metadata=nbgrader_meta(
        "sneaky", grade=True, points=1)))
    nbformat.write(nb, notebook)
    problems = "\n".join(Course(course_dir).check_sources())
    assert f'test cell grade("{practice}", "{step.id}") grades a practice scenario' in problems


def test_course_settings_order_the_modules_and_name_a_missing_one(course_dir: Path) -> None:
    from graders.course.course import Course

    settings = course_dir / "course.yaml"
    data = yaml.safe_load(settings.read_text())
    data["modules"] = ["legal-requests", "ghost-module", "duty-to-protect"]
    settings.write_text(yaml.safe_dump(data))
    course = Course(course_dir)
    assert course.modules[:2] == ["legal-requests", "duty-to-protect"]  # listed first, in their order
    assert course.modules[2:] == sorted(course.modules[2:])  # the rest by name
    assert f"{settings}: field 'modules': 'ghost-module' has no notebook" in "\n".join(course.check_sources())


def test_grade_with_nothing_submitted_says_so(course_dir: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "graders.cli", "grade", "--root", str(course_dir)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "nothing to grade: no submissions in" in run.stderr
