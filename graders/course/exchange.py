"""nbgrader's file exchange, with each learner's submission private to them and the graders.

nbgrader's default exchange leaves every submission folder world-writable (mode 0777, "hidden by
the timestamp", nbgrader #1225) in an inbound folder any user may write to: whoever learns a
folder's name can read, change, rename or remove it, and the `submission_secret.txt` in it is what
names the learner's feedback file. Here:

- `PrivateReleaseAssignment` (the graders' config) also gives the inbound folder the sticky bit
  (mode 3733): a learner may add a submission but never rename or remove anyone else's.
- `PrivateSubmit` (the learners' config) makes each submission the learner's and the graders'
  group's only (folders 2770, files 0640). The inbound folder is set-group-ID, so what is made in
  it takes the graders' group, as long as nothing copies a mode onto it (which would drop the bit
  for a learner outside that group): the submission is copied file by file, contents only.

The exchange's root folder must be mode 1777 (like /tmp), so that no one can move a course away.
Configuration: `c.ExchangeFactory.submit = "graders.course.exchange.PrivateSubmit"` for learners,
`c.ExchangeFactory.release_assignment = "graders.course.exchange.PrivateReleaseAssignment"` for graders.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit

INBOUND = 0o3733  # set-group-ID and sticky; others may add (write, search) but not list
PRIVATE_DIR = 0o2770  # owner and the graders' group
PRIVATE_FILE = 0o640


class PrivateReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader release_assignment, with the sticky bit on the course's inbound folder."""

    def init_dest(self) -> None:
        super().init_dest()
        os.chmod(self.inbound_path, INBOUND)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader submit, with the submission readable and changeable by no other learner."""

    def do_copy(self, src: str, dest: str, log=None) -> None:
        """nbgrader's copy (its size limit, ignore and include lists), then the result copied again
        with contents only, so that every new folder and file takes the inbound folder's group."""
        with tempfile.TemporaryDirectory() as staging:
            copied = os.path.join(staging, "copy")
            super().do_copy(src, copied, log)
            copy_contents(copied, dest)

    def copy_files(self) -> None:
        super().copy_files()
        self.set_perms(os.path.join(self.inbound_path, self.assignment_filename),
                       fileperms=PRIVATE_FILE, dirperms=PRIVATE_DIR)


def copy_contents(src: str, dest: str) -> None:
    """Folders and regular files only, no modes or owners: each takes its new parent's group."""
    os.mkdir(dest)
    for entry in os.scandir(src):
        target = os.path.join(dest, entry.name)
        if entry.is_dir(follow_symlinks=False):
            copy_contents(entry.path, target)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(entry.path, target)
