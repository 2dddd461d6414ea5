"""The store's work tables, migrated in ordered steps and never dropped ("unsent work is not a
cache", issue 10).

The store file holds two kinds of tables. The *cache* (queue, raw JSON, details, sync state) is
what the server already has: `Store._migrate` drops and rebuilds it when `SCHEMA_VERSION`
changes, and a full pull refills it. The *work* tables hold what exists only on this PC: the
outbox, the person's unsent checklist marks, the audit log (and what later versions add). They
carry their own version (the one-row table ``work_schema``, apart from SQLite's
``user_version``, which is the cache's) and move from version to version by the steps below,
each run once, in order, in the same transaction as the rest of the opening: a failed step
leaves the file as it was.

To add or change a work table: append a step (never edit or reorder a released one). A step
must keep every row; it may add tables, columns and indexes, or copy a table into a new shape.
A store written by a newer Loket (a version above the last step) is not opened at all
(`NewerWorkSchema`): an older program must neither drop nor misread work it does not know.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from desktop.models import audit_log, drafts, local_apps, outbox

log = logging.getLogger(__name__)

WORK_TABLES = (
    "outbox",
    "checklist_marks",
    "audit_log",
    "audit_state",
    *local_apps.local_metadata.tables,
    *drafts.drafts_metadata.tables,
    "work_schema",
)
"""Tables the program never drops or clears (`Store._migrate`, `Store.clear`, `salvage`).
A step that adds a work table adds its name here too."""


class NewerWorkSchema(Exception):
    """The store was written by a newer Loket; `message` is Indonesian, for the person."""

    def __init__(self, found: int, known: int) -> None:
        self.message = (
            f"Salinan lokal dibuat oleh versi Loket yang lebih baru (skema kerja {found}; "
            f"versi ini mengenal sampai {known}). Pekerjaan yang belum terkirim tetap tersimpan "
            "di dalamnya: pasang versi Loket terbaru, atau hubungi administrator."
        )
        super().__init__(self.message)


@dataclass(frozen=True)
class Step:
    version: int
    what: str
    run: Callable[[Connection], None]


def _baseline(conn: Connection) -> None:
    """Version 1: the outbox and the checklist marks as stores before work versioning had them
    (created when missing; existing rows untouched)."""
    outbox.outbox_metadata.create_all(conn)
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS checklist_marks (id VARCHAR NOT NULL PRIMARY KEY, "
        "saved_at INTEGER NOT NULL, payload TEXT NOT NULL)"
    )


def _audit_log(conn: Connection) -> None:
    audit_log.audit_metadata.create_all(conn)


def _local_work(conn: Connection) -> None:
    """Applications made offline, their documents, provisional sequences, letter blocks."""
    local_apps.local_metadata.create_all(conn)


def _drafts(conn: Connection) -> None:
    """Drafts at the counter and their attached files; the local application's status token
    (issue 11). A store made at step 3 by this program's metadata already has the column."""
    drafts.drafts_metadata.create_all(conn)
    columns = {
        str(r[1]) for r in conn.exec_driver_sql("PRAGMA table_info(local_applications)").all()
    }
    if "status_token" not in columns:
        conn.exec_driver_sql("ALTER TABLE local_applications ADD COLUMN status_token VARCHAR")


STEPS: tuple[Step, ...] = (
    Step(1, "outbox and checklist marks", _baseline),
    Step(2, "hash-chained audit log", _audit_log),
    Step(3, "offline intake and letter-number blocks", _local_work),
    Step(4, "drafts and their attachments", _drafts),
)
WORK_VERSION = STEPS[-1].version


def version_of(conn: Connection) -> int:
    found = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'work_schema'"
    ).first()
    if found is None:
        return 0
    value = conn.exec_driver_sql("SELECT version FROM work_schema WHERE id = 1").scalar()
    return int(value or 0)


def migrate(conn: Connection, *, steps: tuple[Step, ...] = STEPS) -> int:
    """Bring the work tables to the last step's version (in the caller's transaction).
    Returns the version the file had."""
    before = version_of(conn)
    last = steps[-1].version
    if before > last:
        raise NewerWorkSchema(before, last)
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS work_schema (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "version INTEGER NOT NULL)"
    )
    for step in steps:
        if step.version > before:
            log.info("local work tables: version %d (%s)", step.version, step.what)
            step.run(conn)
    conn.exec_driver_sql(
        "INSERT INTO work_schema (id, version) VALUES (1, ?) "
        "ON CONFLICT(id) DO UPDATE SET version = excluded.version",
        (last,),
    )
    return before


__all__ = ["STEPS", "WORK_TABLES", "WORK_VERSION", "NewerWorkSchema", "Step", "migrate"]
