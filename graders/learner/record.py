"""On JupyterHub: every saved answer file is also sent to the course's answer record, a service
running as the grader account, which keeps it where the learner cannot write (the gradebook's
database). Grading compares the submitted file with the last copy recorded.

The hub tells a learner's server where the record is ($COURSE_ANSWER_RECORD_URL); the request is
made with the learner's own hub token ($JUPYTERHUB_API_TOKEN), so the service knows whose answers
they are. Without those (one machine, `course lab`) nothing is sent. Only the standard library:
a learner's kernel loads nothing more for this.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

RECORD_URL_ENV = "COURSE_ANSWER_RECORD_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
TIMEOUT_SECONDS = 5


def record_configured() -> bool:
    return bool(os.environ.get(RECORD_URL_ENV) and os.environ.get(TOKEN_ENV))


def send_record(content: dict) -> str | None:
    """Send one saved response file to the answer record. Returns why it was not recorded, or None."""
    if not record_configured():
        return None
    request = urllib.request.Request(
        os.environ[RECORD_URL_ENV], data=json.dumps(content).encode(), method="POST",
        headers={"Authorization": f"token {os.environ[TOKEN_ENV]}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return None if answer.status in (200, 201, 204) else f"the answer record said {answer.status}"
    except urllib.error.HTTPError as err:
        return f"the answer record refused it ({err.code} {err.reason})"
    except (OSError, ValueError) as err:
        return f"the answer record could not be reached ({err})"
