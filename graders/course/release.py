"""Releasing modules with nbgrader: the key-free scenario data beside each released notebook,
a scratch nbgrader that never touches the trainer's gradebook, and the release of many modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graders.content.release_data import write_release_data
from graders.course.course import Course, CourseError
from graders.course.progress import progress_bar


def release_data_hook(release_root: Path, course: Course) -> Any:
    """A post_convert_hook for GenerateAssignment writing the module's key-free scenario data
    (as the course's state has it)."""

    def hook(assignment: str, student: str, notebooks: list[str]) -> None:
        modules = {Path(n).parent.name for n in notebooks}
        scenarios = course.scenarios()
        for module in modules:
            folder = release_root / module
            if folder.is_dir():
                write_release_data(folder, [s for s in scenarios.values() if s.module == module])

    return hook


def scratch_api(course: Course, scratch: Path):  # -> nbgrader.apps.NbGraderAPI
    """nbgrader on this course's sources, with its own folders and gradebook under `scratch`
    (the trainer's gradebook, and the submissions in it, are never touched)."""
    return course.nbgrader_api(
        CourseDirectory__root=str(scratch),
        CourseDirectory__source_directory=str(course.curriculum_dir),
        CourseDirectory__release_directory="release",
        CourseDirectory__submitted_directory="submitted",
        CourseDirectory__autograded_directory="autograded",
        CourseDirectory__feedback_directory="feedback",
        CourseDirectory__db_url=f"sqlite:///{scratch / 'gradebook.db'}",
        GenerateAssignment__post_convert_hook=release_data_hook(scratch / "release", course),
    )


def release_modules(course: Course, modules: list[str], api=None) -> None:
    """Check the sources, then release `modules` with `api` (default: the course's own nbgrader)."""
    problems = course.check_sources()
    if problems:
        raise CourseError("the course sources have problems:\n  " + "\n  ".join(problems))
    api = api or course.nbgrader_api()
    with progress_bar() as bar:
        task = bar.add_task("Release", total=len(modules), note="")
        for module in modules:
            bar.update(task, note=module)
            course.release(api, module)
            bar.advance(task)
