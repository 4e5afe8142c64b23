"""nbconvert preprocessors that drop tagged cells (trainer notes from release and handouts, the
live-only "not running yet" banner from feedback and handouts) and that write the course's current
review line into each module's header. nbgrader_config.py names them."""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, Unicode

from graders.content.authoring import LIVE_ONLY_TAG, TRAINER_TAG


class CoursePreprocessor(Preprocessor):
    """nbconvert preprocessors are off unless enabled; ours are on wherever they are listed."""

    enabled = Bool(True).tag(config=True)


class RemoveTagged(CoursePreprocessor):
    """Drop the cells that carry `tag`."""

    tag = ""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.cells = [c for c in nb.cells if self.tag not in c.get("metadata", {}).get("tags", [])]
        return nb, resources


class RemoveTrainerOnly(RemoveTagged):
    """Trainer notes never reach a release."""

    tag = TRAINER_TAG


class RemoveLiveOnly(RemoveTagged):
    """The "questions are not running yet" banner means nothing on a feedback page."""

    tag = LIVE_ONLY_TAG


# The header line that says how the legal content was checked (see Settings.review_line).
REVIEW_LINE = re.compile(r"^(?:Checked against the course's fact sheet on|Legal content reviewed by counsel) .*$",
                         re.MULTILINE)


def review_line_in(text: str, line: str) -> str:
    """Markdown with its (first) review line replaced by `line`: a module's header, a staff handout."""
    return REVIEW_LINE.sub(lambda _: line, text, count=1)


def with_review_line(nb: NotebookNode, line: str) -> NotebookNode:
    """The notebook with its header's review line replaced by `line` (course.yaml decides it)."""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "header":
            cell.source = review_line_in(cell.source, line)
    return nb


class ReviewLine(CoursePreprocessor):
    """Releases show the review line course.yaml gives today, not the one the notebook was written with."""

    line = Unicode("", help="the review line; nbgrader_config.py sets it from course.yaml").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        return (with_review_line(nb, self.line) if self.line else nb), resources
