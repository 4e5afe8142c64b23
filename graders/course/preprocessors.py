"""nbconvert preprocessors that drop tagged cells: trainer notes (release, handouts) and the
live-only "not running yet" banner (feedback, handouts). nbgrader_config.py names them."""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

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
