"""The answer record: every response file a learner's module page saved on JupyterHub, as the
course's record service received it (see graders/learner/record.py), kept in the gradebook's
database, which only the grader account can reach. Rows are only ever added.

At grading time the submitted response file is compared with the last copy recorded for that
learner and module: a file changed by hand after the module page saved it, however consistently
with its event log, no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa

from graders.learner.store import Answers, Reflections

TABLE = "course_answer_records"
metadata = sa.MetaData()
records = sa.Table(
    TABLE, metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("course_id", sa.String(128), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("module", sa.String(128), nullable=False),
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Index("course_answer_records_lookup", "course_id", "learner", "module", "id"),
)


@cache
def engine(db_url: str) -> sa.Engine:
    """One engine per database, with the table made if it is not there yet."""
    made = sa.create_engine(db_url, pool_pre_ping=True)
    metadata.create_all(made)
    return made


def canonical(answers: Answers, reflections: Reflections) -> str:
    """The part of a response file that is graded, as one text (keys sorted; no times)."""
    return json.dumps({"answers": answers, "reflections": reflections}, sort_keys=True, separators=(",", ":"))


def add_record(db_url: str, course_id: str, learner: str, module: str,
               answers: Answers, reflections: Reflections) -> None:
    text = canonical(answers, reflections)
    with engine(db_url).begin() as db:
        db.execute(records.insert().values(
            course_id=course_id, learner=learner, module=module, received=datetime.now(UTC),
            sha256=hashlib.sha256(text.encode()).hexdigest(), content=text))


def last_record(db_url: str, course_id: str, learner: str, module: str) -> tuple[Answers, Reflections] | None:
    """The answers and reflections last recorded for this learner's module, or None if none were."""
    query = (sa.select(records.c.content)
             .where(records.c.course_id == course_id, records.c.learner == learner, records.c.module == module)
             .order_by(records.c.id.desc()).limit(1))
    with engine(db_url).connect() as db:
        row = db.execute(query).first()
    if row is None:
        return None
    saved = json.loads(row.content)
    return saved["answers"], saved["reflections"]


def count_records(db_url: str, course_id: str, learner: str, module: str) -> int:
    query = sa.select(sa.func.count()).select_from(records).where(
        records.c.course_id == course_id, records.c.learner == learner, records.c.module == module)
    with engine(db_url).connect() as db:
        return int(db.execute(query).scalar_one())
