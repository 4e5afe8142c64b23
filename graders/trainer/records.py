"""Training records that last: the staff roster, every completion and every certificate, in one
SQLite file outside build/ (records/training-records.sqlite3), which no build, grade or demo deletes.

Completions and certificates are append-only: SQLite triggers refuse to change or delete a row, and
each row carries a checksum of what it says chained to the row before it, so `course records check`
finds a row changed or removed behind the tool's back. HIPAA asks for training documentation to be
kept six years (45 CFR 164.530(j)(2)); back this file up with the clinic's other records.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

RECORDS_FILE = Path("records") / "training-records.sqlite3"
CHAINED = ("completions", "certificates")

SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    id TEXT PRIMARY KEY, full_name TEXT NOT NULL, role TEXT NOT NULL, start_date TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '', left_on TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS completions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, staff_id TEXT NOT NULL, full_name TEXT NOT NULL, role TEXT NOT NULL,
    module TEXT NOT NULL, module_title TEXT NOT NULL, module_version INTEGER NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, passed INTEGER NOT NULL, submitted_on TEXT NOT NULL, recorded_at TEXT NOT NULL,
    checksum TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, staff_id TEXT NOT NULL, full_name TEXT NOT NULL, role TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE, modules TEXT NOT NULL, issued_at TEXT NOT NULL, checksum TEXT NOT NULL);
""" + "".join(f"""
CREATE TRIGGER IF NOT EXISTS {table}_never_change BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, 'training records are kept as written: {table} cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_never_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, 'training records are kept as written: {table} cannot be deleted'); END;
""" for table in CHAINED)


@dataclass(frozen=True)
class StaffMember:
    id: str
    full_name: str
    role: str
    start_date: str  # YYYY-MM-DD
    email: str = ""
    left_on: str = ""  # YYYY-MM-DD once removed from the roster (their records stay)


@dataclass(frozen=True)
class Completion:
    """One graded module of one person, as it stood when recorded."""

    staff_id: str
    full_name: str
    role: str
    module: str
    module_title: str
    module_version: int
    score: float
    max_score: float
    passed: bool
    submitted_on: str  # YYYY-MM-DD
    recorded_at: str = ""
    seq: int = 0

    def same_result(self, other: Completion) -> bool:
        """The same work with the same outcome (a re-grade that changed nothing)."""
        keys = ("staff_id", "module", "module_version", "score", "max_score", "passed", "submitted_on")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


@dataclass(frozen=True)
class IssuedCertificate:
    staff_id: str
    full_name: str
    role: str
    code: str
    modules: str  # JSON: [{module, version, score, max_score, submitted_on}]
    issued_at: str = ""
    seq: int = 0


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checksum(previous: str, row: dict) -> str:
    """SHA-256 of the previous row's checksum and this row's fields (seq and checksum left out)."""
    body = {k: v for k, v in row.items() if k not in ("seq", "checksum")}
    return hashlib.sha256((previous + json.dumps(body, sort_keys=True)).encode()).hexdigest()


class RecordStore:
    """The records file of one course (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            db.executescript(SCHEMA)
            with db:
                yield db
        finally:
            db.close()

    # -- the roster ----------------------------------------------------------------------------

    def save_staff(self, people: list[StaffMember]) -> None:
        """Add these people, or update them (a person taken off the roster and added again is back on it)."""
        with self.connect() as db:
            db.executemany(
                "INSERT INTO staff VALUES (:id, :full_name, :role, :start_date, :email, '', :updated_at) "
                "ON CONFLICT(id) DO UPDATE SET full_name=excluded.full_name, role=excluded.role, "
                "start_date=excluded.start_date, email=excluded.email, left_on='', updated_at=excluded.updated_at",
                [asdict(p) | {"updated_at": now()} for p in people])

    def staff(self, include_left: bool = False) -> list[StaffMember]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM staff ORDER BY full_name, id").fetchall()
        people = [StaffMember(**{f.name: row[f.name] for f in fields(StaffMember)}) for row in rows]
        return [p for p in people if include_left or not p.left_on]

    def mark_left(self, staff_id: str, day: str) -> bool:
        """Take a person off the roster from `day`; their completions and certificates stay."""
        with self.connect() as db:
            changed = db.execute("UPDATE staff SET left_on=?, updated_at=? WHERE id=? AND left_on=''",
                                 (day, now(), staff_id)).rowcount
        return bool(changed)

    # -- append-only tables --------------------------------------------------------------------

    def _append(self, db: sqlite3.Connection, table: str, row: dict) -> None:
        last = db.execute(f"SELECT checksum FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
        row = {k: v for k, v in row.items() if k != "seq"}
        row["checksum"] = checksum(last["checksum"] if last else "", row)
        db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})", row)

    def completions(self) -> list[Completion]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM completions ORDER BY seq").fetchall()
        return [Completion(**{f.name: (bool(row[f.name]) if f.name == "passed" else row[f.name])
                              for f in fields(Completion)}) for row in rows]

    def add_completions(self, found: list[Completion]) -> list[Completion]:
        """Append each completion whose result differs from the last one kept for that person and module.
        Returns those appended (a re-grade that changed nothing appends none)."""
        latest = {(c.staff_id, c.module): c for c in self.completions()}
        new = [c for c in found if not ((c.staff_id, c.module) in latest
                                        and latest[c.staff_id, c.module].same_result(c))]
        with self.connect() as db:
            for c in new:
                self._append(db, "completions", asdict(c) | {"recorded_at": now(), "passed": int(c.passed),
                                                             "score": float(c.score),
                                                             "max_score": float(c.max_score)})
        return new

    def certificates(self) -> list[IssuedCertificate]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM certificates ORDER BY seq").fetchall()
        return [IssuedCertificate(**{f.name: row[f.name] for f in fields(IssuedCertificate)}) for row in rows]

    def add_certificates(self, issued: list[IssuedCertificate]) -> int:
        """Append the certificates not kept yet (by code). Returns how many were new."""
        known = {c.code for c in self.certificates()}
        new = [c for c in issued if c.code not in known]
        with self.connect() as db:
            for c in new:
                self._append(db, "certificates", asdict(c) | {"issued_at": now()})
        return len(new)

    def check(self) -> list[str]:
        """Every row whose checksum does not follow from what it says and the row before it."""
        problems = []
        with self.connect() as db:
            for table in CHAINED:
                previous, expected_seq = "", None
                for row in db.execute(f"SELECT * FROM {table} ORDER BY seq"):
                    values = dict(row)
                    if expected_seq is not None and values["seq"] != expected_seq:
                        problems.append(f"{table}: records {expected_seq} to {values['seq'] - 1} are missing")
                    if checksum(previous, values) != values["checksum"]:
                        problems.append(f"{table}: record {values['seq']} was changed or does not follow "
                                        "the record before it")
                    previous, expected_seq = values["checksum"], values["seq"] + 1
                issued = db.execute("SELECT seq FROM sqlite_sequence WHERE name=?", (table,)).fetchone()
                if issued and issued["seq"] != (expected_seq or 1) - 1:
                    problems.append(f"{table}: the last records (up to {issued['seq']}) are missing")
        return problems


EXPORT_COLUMNS = ["record", "staff_id", "full_name", "role", "module", "module_title", "module_version", "score",
                  "max_score", "passed", "submitted_on", "recorded_at", "certificate_codes", "checksum"]


def export_csv(store: RecordStore, path: Path) -> int:
    """Every completion, oldest first, with the codes of the certificates that state it. Returns the rows."""
    covers: dict[tuple, list[str]] = {}
    for certificate in store.certificates():
        for m in json.loads(certificate.modules):
            work = (certificate.staff_id, m["module"], m["version"], float(m["score"]), m["submitted_on"])
            covers.setdefault(work, []).append(certificate.code)
    with store.connect() as db:
        rows = [dict(r) for r in db.execute("SELECT * FROM completions ORDER BY seq")]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(EXPORT_COLUMNS)
        for r in rows:
            work = (r["staff_id"], r["module"], r["module_version"], float(r["score"]), r["submitted_on"])
            writer.writerow([r["seq"], r["staff_id"], r["full_name"], r["role"], r["module"], r["module_title"],
                             r["module_version"], f"{r['score']:g}", f"{r['max_score']:g}",
                             "yes" if r["passed"] else "no", r["submitted_on"], r["recorded_at"],
                             " ".join(covers.get(work, [])), r["checksum"]])
    return len(rows)
