"""Unsent work is not a cache: the work tables are migrated in steps, never dropped, never
cleared; a store from before work versioning keeps its unsent entries."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection

from desktop.models import audit_log, work_schema
from desktop.models import store as store_module
from desktop.models.outbox import EntryState
from desktop.models.store import CACHE_TABLES, Store
from desktop.models.work_schema import STEPS, WORK_VERSION, NewerWorkSchema, Step

OLD_OUTBOX = """CREATE TABLE outbox (seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
transaction_id VARCHAR NOT NULL UNIQUE, app_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
payload TEXT NOT NULL, label VARCHAR NOT NULL, user_id VARCHAR NOT NULL, state VARCHAR NOT NULL,
attempts INTEGER NOT NULL, next_attempt_at INTEGER, reason TEXT NOT NULL, server_state TEXT,
created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)"""


def _old_store(path: Path) -> None:
    """A store as Loket wrote it before the work tables had a version: cache schema 6, an
    outbox holding two unsent decisions and one sent, a checklist mark."""
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE applications (rid INTEGER PRIMARY KEY, id VARCHAR, old TEXT)")
        raw.execute("CREATE TABLE sync_state (key VARCHAR PRIMARY KEY, value VARCHAR)")
        raw.execute("INSERT INTO sync_state VALUES ('last_seq', '99')")
        raw.execute(OLD_OUTBOX)
        for n, state in enumerate(("menunggu", "konflik", "terkirim"), 1):
            raw.execute(
                "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, "
                "state, attempts, reason, created_at, updated_at) "
                "VALUES (?, ?, 'decision', ?, 'Verifikasi', 'u', ?, 0, '', 1, 1)",
                (f"tx-{n}", f"app-{n}", json.dumps({"action": "verify"}), state),
            )
        raw.execute(
            "CREATE TABLE checklist_marks (id VARCHAR NOT NULL PRIMARY KEY, "
            "saved_at INTEGER NOT NULL, payload TEXT NOT NULL)"
        )
        raw.execute("INSERT INTO checklist_marks VALUES ('app-1', 5, '{\"ktp\": true}')")
        raw.execute("PRAGMA user_version = 6")


def test_an_old_store_keeps_its_unsent_work_and_gains_the_new_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_store(path)
    s = Store(path)
    try:
        entries = s.outbox_entries()
        assert [(e.transaction_id, e.state) for e in entries] == [
            ("tx-1", EntryState.WAITING),
            ("tx-2", EntryState.CONFLICT),
            ("tx-3", EntryState.SENT),
        ]
        assert s.kept_marks("app-1") == ('{"ktp": true}', 5)
        assert s.sync_state().last_seq == 0  # the cache was rebuilt (schema 6 -> current)
        s.write(lambda conn: audit_log.append(
            conn, kind="claim", user_id="u", app_id="app-1", details={}, now=1))  # fmt: skip
        assert len(s.read(audit_log.events)) == 1
        assert s.read(work_schema.version_of) == WORK_VERSION
    finally:
        s.close()


def test_cache_rebuild_and_clear_never_touch_work_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    s = Store(path)
    s.write(lambda conn: audit_log.append(
        conn, kind="claim", user_id="u", app_id="a", details={}, now=1))  # fmt: skip
    s.write(lambda conn: Store.put_marks(conn, "a", "{}", saved_at=1))
    s.clear()
    s.close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", store_module.SCHEMA_VERSION + 1)
    s = Store(path)
    try:
        assert len(s.read(audit_log.events)) == 1 and s.kept_marks("a") is not None
    finally:
        s.close()
    assert not set(CACHE_TABLES) & set(work_schema.WORK_TABLES)


def test_steps_run_once_in_order_and_keep_rows(tmp_path: Path) -> None:
    """A later step that reshapes a work table (here: a new column with a default) runs once
    on a store of the previous version and keeps every row."""
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, state, "
            "attempts, reason, created_at, updated_at) "
            "VALUES ('tx', 'a', 'decision', '{}', '', 'u', 'menunggu', 0, '', 1, 1)"
        )
    ran: list[int] = []

    def add_priority(conn: Connection) -> None:
        ran.append(1)
        conn.exec_driver_sql("ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")

    steps = (*STEPS, Step(WORK_VERSION + 1, "priority", add_priority))
    s = Store(path)
    try:
        for _ in range(2):
            s.write(lambda conn: work_schema.migrate(conn, steps=steps))
        assert ran == [1]
        rows = s.read(
            lambda c: c.exec_driver_sql("SELECT transaction_id, priority FROM outbox").all()
        )
        assert [tuple(r) for r in rows] == [("tx", 0)]
    finally:
        s.close()


def test_a_store_from_a_newer_loket_is_not_opened_nor_changed(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE work_schema SET version = ?", (WORK_VERSION + 5,))
        raw.execute(
            "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, state, "
            "attempts, reason, created_at, updated_at) "
            "VALUES ('tx', 'a', 'decision', '{}', '', 'u', 'menunggu', 0, '', 1, 1)"
        )
    with pytest.raises(NewerWorkSchema) as caught:
        Store(path)
    assert "versi Loket yang lebih baru" in caught.value.message
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM outbox").fetchone() == (1,)
