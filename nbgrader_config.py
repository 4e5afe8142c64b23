"""nbgrader configuration for this course, used by `course` and by plain `nbgrader` commands.

Sources live in curriculum/ (one folder per module); everything nbgrader generates goes
under build/ (release, submitted, autograded, feedback, gradebook.db, exchange).
"""

import os
from pathlib import Path

import nbgrader

from graders.course.course import Course
from graders.course.paths import COURSE_ROOT_ENV
from graders.course.release import release_data_hook
from graders.course.settings import load_settings
from graders.grading.kernels import ipc_prefix
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
# SQLite in build/ unless course.yaml names a PostgreSQL gradebook (never both: nothing falls back).
c.CourseDirectory.db_url = settings.gradebook or f"sqlite:///{BUILD / 'gradebook.db'}"
c.Exchange.root = str(BUILD / "exchange")
if settings.hub:  # on JupyterHub: the hub's exchange, with each submission private (graders.course.exchange)
    c.Exchange.root = settings.hub.exchange
    c.Exchange.path_includes_course = True
    c.ExchangeFactory.release_assignment = "graders.course.exchange.PrivateReleaseAssignment"

# A scenario cell does no real work: a minute is generous, and a stuck cell cannot hold up a cohort.
c.ExecutePreprocessor.timeout = settings.autograde_timeout
c.Execute.timeout = settings.autograde_timeout
# Grading kernels listen on Unix sockets in the user's runtime folder, not on TCP ports: no port
# race between parallel workers, nothing on the network, no "eavesdropping" warning.
if prefix := ipc_prefix():
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = prefix

# Trainer-only cells never reach learners; the release carries key-free scenario data and the review
# line course.yaml gives today (fact sheet, or counsel once recorded).
c.ReviewLine.line = settings.review_line()
c.GenerateAssignment.preprocessors = [
    "graders.course.preprocessors.RemoveTrainerOnly",
    "graders.course.preprocessors.ReviewLine",
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
# The key-free scenario data beside each released notebook, as course.yaml's state has it.
c.GenerateAssignment.post_convert_hook = release_data_hook(BUILD / "release", Course(ROOT))

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
    "graders.course.preprocessors.RemoveTrainerOnly",  # e.g. the trainer's note on a flagged submission
    "graders.grading.nbgrader_hooks.GetGradesAndStatus",
    "nbgrader.preprocessors.ClearHiddenTests",
    "graders.grading.nbgrader_hooks.ScrubTracebacks",
]
# The formgrader's submission view shows learner text (the reflection, any markdown cell that is not one of
# the module's own locked cells) as text, never as HTML, markdown or TeX. Feedback pages escape the same cells
# in their own template (graders/publish/templates/feedback/learner.html.j2), so their exporter runs no such step.
c.HTMLExporter.preprocessors = ["graders.grading.nbgrader_hooks.LearnerTextAsText"]
c.GenerateFeedback.HTMLExporter.preprocessors = []
# The learners' page: graders/publish/templates/feedback/learner.html.j2 extends nbgrader's feedback/index.html.j2
# (next on the path). Scoped to GenerateFeedback's own exporter (nbgrader makes it with parent=GenerateFeedback),
# so it applies however feedback is made (CLI, API, the formgrader's button) and never to the formgrader's
# submission view, whose HTMLExporter has no parent and keeps nbgrader's `formgrade` template.
c.GenerateFeedback.HTMLExporter.template_name = "feedback"
c.GenerateFeedback.HTMLExporter.template_file = "learner.html.j2"
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
    str(TEMPLATES),
    str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
]
