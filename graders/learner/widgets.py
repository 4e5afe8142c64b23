"""The custom controls of the scenario player (anywidget: plain ES modules, no build step).

`ChoiceGroup` is one decision as a native radio or checkbox group, usable with the keyboard;
`ProgressLine` is the module's progress line; `ReflectionBox` is the labelled text area of a
written reflection; `FinishPanel` is the "Finish module" button and what it says is left.
Their front-end code is in graders/learner/static/; all of them show the kernel's text as text.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).parent / "static"

# While a progress line is on the page (the player runs), the notebook that holds it hides its
# "not running yet" banner and its code cells; other notebooks are untouched.
PAGE_STYLE = """
.jp-Notebook:has(.course-progress) .course-start { display: none; }
.jp-Notebook:has(.course-progress) .jp-CodeCell .jp-Cell-inputWrapper { display: none; }
.jp-Notebook:has(.course-progress) .jp-CodeCell :is(.jp-OutputPrompt, .jp-Collapser) { visibility: hidden; }
.jp-Notebook:has(.course-progress) .jp-CodeCell .jp-OutputArea-promptOverlay { display: none; }
.jp-Notebook:has(.course-progress) .jp-CodeCell:not(:has(.jp-OutputArea-output)) { display: none; }
.jp-Notebook:has(.course-progress) .jp-CodeCell:has(.course-reflection) + .jp-MarkdownCell { display: none; }
"""


class ChoiceGroup(anywidget.AnyWidget):
    """One decision: a prompt (the group's legend) and its options; `value` holds the chosen ids."""

    _esm = STATIC / "choice.js"
    _css = STATIC / "player.css"
    step_id = traitlets.Unicode().tag(sync=True)
    legend = traitlets.Unicode().tag(sync=True)
    kind = traitlets.Enum(["single", "multiple"], default_value="single").tag(sync=True)
    options = traitlets.List(traitlets.Dict()).tag(sync=True)
    value = traitlets.List(traitlets.Unicode()).tag(sync=True)
    note = traitlets.Unicode(help="HTML under the options: 'Saved', or a practice case's feedback").tag(sync=True)


class ProgressLine(anywidget.AnyWidget):
    """The module's progress, e.g. "Progress: 5 of 8 decisions answered, all saved."."""

    _esm = STATIC / "progress.js"
    _css = STATIC / "player.css"
    text = traitlets.Unicode().tag(sync=True)
    page_style = traitlets.Unicode(PAGE_STYLE).tag(sync=True)
    scroll_into_view = traitlets.Bool(False, help="Bring this line into view when it first shows (the one at "
                                      "the top: Run all cells leaves the learner at the end)").tag(sync=True)


class ReflectionBox(anywidget.AnyWidget):
    """A written reflection: a labelled text area; `value` is saved a moment after typing stops."""

    _esm = STATIC / "reflection.js"
    _css = STATIC / "player.css"
    label = traitlets.Unicode("Your reflection").tag(sync=True)
    value = traitlets.Unicode().tag(sync=True)
    max_length = traitlets.Int(10_000).tag(sync=True)
    note = traitlets.Unicode(help="plain text under the box: 'Saved.' or why it was not").tag(sync=True)


class FinishPanel(anywidget.AnyWidget):
    """The module's last step: a "Finish module" button; each press asks the kernel for `report`."""

    _esm = STATIC / "finish.js"
    _css = STATIC / "player.css"
    presses = traitlets.Int(0).tag(sync=True)
    heading = traitlets.Unicode().tag(sync=True)
    report = traitlets.List(traitlets.Unicode(), help="plain-text lines: what is complete, what is left").tag(
        sync=True)
    complete = traitlets.Bool(False).tag(sync=True)
