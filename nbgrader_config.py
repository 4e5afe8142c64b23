"""nbgrader configuration for this course, used by `course` and by plain `nbgrader` commands.

Sources live in curriculum/ (one folder per module); everything nbgrader generates goes
under build/ (release, submitted, autograded, feedback, gradebook.db, exchange).
"""

import os
from pathlib import Path

import nbgrader

from graders.course.paths import COURSE_ROOT_ENV
from graders.course.release import release_data_hook
from graders.course.settings import load_settings
from graders.publish.pages import TEMPLATES

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "build"
BUILD.mkdir(exist_ok=True)  # sqlite creates the gradebook file, not its folder
settings = load_settings(ROOT)
# Kernels that nbgrader starts (autograde) read the keys from this course's scenarios/.
os.environ[COURSE_ROOT_ENV] = str(ROOT)
c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = settings.course_id
c.CourseDirectory.source_directory = "curriculum"
c.CourseDirectory.release_directory = "build/release"
c.CourseDirectory.submitted_directory = "build/submitted"
c.CourseDirectory.autograded_directory = "build/autograded"
c.CourseDirectory.feedback_directory = "build/feedback"
c.CourseDirectory.db_url = f"sqlite:///{BUILD / 'gradebook.db'}"
c.Exchange.root = str(BUILD / "exchange")

# A scenario cell does no real work: a minute is generous, and a stuck cell cannot hold up a cohort.
c.ExecutePreprocessor.timeout = settings.autograde_timeout
c.Execute.timeout = settings.autograde_timeout

# Trainer-only cells never reach learners; the release carries key-free scenario data.
c.GenerateAssignment.preprocessors = [
    "graders.course.preprocessors.RemoveTrainerOnly",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GenerateAssignment.post_convert_hook = release_data_hook(BUILD / "release", ROOT / "scenarios")

# Grading: learner-added code is removed; a lost response file is rebuilt from the notebook's echo.
c.Autograde.sanitize_preprocessors = [
    "graders.grading.nbgrader_hooks.StashEcho",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "graders.grading.nbgrader_hooks.DropAddedCode",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "graders.grading.nbgrader_hooks.RestoreResponses",
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Safety net: answers a trainer left in a source folder never overwrite a learner's.
c.Autograde.exclude_overwriting = {
    module.name: [f"responses/{module.name}.json", f"responses/{module.name}.events.jsonl"]
    for module in (ROOT / "curriculum").iterdir() if module.is_dir()
}

# Feedback shows scores, the learner's choices and rationale; never hidden test source.
c.GenerateFeedback.preprocessors = [
    "graders.course.preprocessors.RemoveLiveOnly",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "graders.grading.nbgrader_hooks.ScrubTracebacks",
]
# nbgrader's feedback page minus code: graders/publish/templates/feedback/learner.html.j2 extends nbgrader's
# feedback/index.html.j2 (next on the path), whichever way feedback is made (CLI, API, formgrader).
c.HTMLExporter.template_file = "learner.html.j2"
c.HTMLExporter.extra_template_basedirs = [
    str(TEMPLATES),
    str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
]
