"""A damaged store file loses its cache, never the unsent work still readable in it: real files
damaged page by page (cache pages, then an outbox page too, then the whole header), opened
through `open_checked_store` as at sign-in."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Connection

from desktop.models import audit_log
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.salvage import read_rows, recover
from desktop.models.store import Store
from desktop.models.store_locator import CACHE_REBUILT_MESSAGE, open_checked_store

OUTBOX_ROWS = 60
AUDIT_ROWS = 30


def _fill(path: Path) -> None:
    """A store with a big cache, 60 unsent decisions (two on each page or so), 30 audit
    events and 5 checklist marks."""
    store = Store(path)

    def write(conn: Connection) -> None:
        for n in range(400):
            conn.exec_driver_sql(
                "INSERT INTO applications_raw (id, seq, raw) VALUES (?, ?, ?)",
                (f"cache-{n}", n, json.dumps({"pad": "x" * 1500})),
            )
        for n in range(OUTBOX_ROWS):
            Store.add_outbox_entry(
                conn,
                transaction_id=f"tx-{n:03d}",
                app_id=f"app-{n}",
                kind=EntryKind.DECISION,
                payload={"action": "verify", "note": "c" * 1500},
                label=f"Verifikasi {n}",
                user_id="u",
                now=1_800_000_000,
            )
        for n in range(AUDIT_ROWS):
            audit_log.append(
                conn, kind="decision_queued", user_id="u", app_id=f"app-{n}",
                details={"n": n}, now=1_800_000_000 + n,
            )  # fmt: skip
        for n in range(5):
            Store.put_marks(conn, f"app-{n}", '{"ktp": true}', saved_at=n)

    store.write(write)
    store.close()
    with sqlite3.connect(path) as raw:  # everything in the main file, no WAL left
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("PRAGMA journal_mode=DELETE")


def _pages(path: Path, table: str) -> list[int]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
            (table,),
        ).fetchall()
    return [int(r[0]) for r in rows]


def _overwrite(path: Path, pages: list[int]) -> None:
    with sqlite3.connect(path) as raw:
        size = int(raw.execute("PRAGMA page_size").fetchone()[0])
    with path.open("r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * size)
            fh.write(os.urandom(size))


def _aside(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if ".rusak-" in p.name)


def test_damaged_cache_pages_lose_nothing_unsent(tmp_path: Path) -> None:
    path = tmp_path / "kantor.sqlite3"
    _fill(path)
    cache_pages = _pages(path, "applications_raw")
    assert len(cache_pages) > 100
    _overwrite(path, cache_pages[::3])  # a third of the cache's pages are garbage
    store, notice = open_checked_store(path)
    try:
        entries = store.outbox_entries()
        assert len(entries) == OUTBOX_ROWS
        assert {e.state for e in entries} == {EntryState.WAITING}
        assert entries[7].payload["note"] == "c" * 1500
        events = store.read(audit_log.events)
        assert len(events) == AUDIT_ROWS and store.read(audit_log.first_break) is None
        assert store.kept_marks("app-3") == ('{"ktp": true}', 3)
        assert store.read(lambda c: c.exec_driver_sql("SELECT COUNT(*) FROM applications_raw")
                          .scalar()) == 0  # fmt: skip
        assert "berhasil diselamatkan" in notice and f"{OUTBOX_ROWS + AUDIT_ROWS + 5}" in notice
        (damaged,) = _aside(path)
        assert damaged.name in notice  # kept, never deleted
        # the chain goes on from the salvaged head
        store.write(
            lambda conn: audit_log.append(
                conn, kind="claim", user_id="u", app_id=None, details={}, now=1_800_000_100
            )
        )
        assert store.read(audit_log.first_break) is None
    finally:
        store.close()


def test_a_damaged_outbox_page_loses_only_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "kantor.sqlite3"
    _fill(path)
    outbox_pages = _pages(path, "outbox")
    assert len(outbox_pages) >= 10
    middle = outbox_pages[len(outbox_pages) // 2]
    _overwrite(path, [*_pages(path, "applications_raw")[::2], middle])
    store, notice = open_checked_store(path)
    try:
        kept = [e.transaction_id for e in store.outbox_entries()]
        lost = OUTBOX_ROWS - len(kept)
        print(f"outbox rows kept {len(kept)} of {OUTBOX_ROWS}; lost {lost} (one damaged page)")
        assert 0 < lost <= 6  # one page's worth, no more
        assert (
            kept == sorted(kept) and kept[0] == "tx-000" and kept[-1] == f"tx-{OUTBOX_ROWS - 1:03d}"
        )
        assert len(store.read(audit_log.events)) == AUDIT_ROWS
        assert "Sebagian pekerjaan" in notice and "administrator" in notice
        assert len(_aside(path)) == 1
    finally:
        store.close()


def test_a_file_nothing_can_be_read_from_is_kept_and_the_person_told(tmp_path: Path) -> None:
    path = tmp_path / "kantor.sqlite3"
    _fill(path)
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.write(os.urandom(size))  # every page, the header too: "file is not a database"
    store, notice = open_checked_store(path)
    try:
        assert store.outbox_entries() == []
        assert notice != CACHE_REBUILT_MESSAGE
        assert "tidak dapat dibaca sama sekali" in notice
        assert "administrator dapat mengekspornya" in notice
        (damaged,) = _aside(path)
        assert damaged.stat().st_size == size  # kept whole
    finally:
        store.close()


def test_rows_are_read_around_a_damaged_page(tmp_path: Path) -> None:
    """`read_rows` straight on the damaged file, read-only: the rows before and after the bad
    page come back, and the file is not changed by reading it."""
    path = tmp_path / "kantor.sqlite3"
    _fill(path)
    pages = _pages(path, "outbox")
    _overwrite(path, [pages[1]])
    before = path.read_bytes()
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        rows, failed = read_rows(conn, "outbox", ["transaction_id"])
    finally:
        conn.close()
    assert failed > 0 and 0 < OUTBOX_ROWS - len(rows) <= 6
    assert path.read_bytes() == before
    fresh = Store(tmp_path / "baru.sqlite3")
    try:
        report = recover(path, fresh)
        assert report.counts["outbox"] == len(rows) and report.unreadable["outbox"] == failed
        assert not report.complete
    finally:
        fresh.close()
