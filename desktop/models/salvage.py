"""Recovering the work a damaged store file still holds ("unsent work is not a cache", issue 10).

A power cut or a failing disk can damage the store file ("database disk image is malformed",
"file is not a database"). The cache in it is worthless (a pull refills it); the work is not:
unsent outbox entries, checklist marks, the audit log, applications made offline. So a damaged
file is never deleted: it is moved aside (``*.rusak-<time>``, `store_locator.move_aside`), a
fresh store is made, and `recover` copies the work tables' rows from the damaged file into it.

Why it looks like this:

- **Read-only, row by row.** The damaged file is opened read-only (``mode=ro``; a copy that
  SQLite's rollback journal could "repair" is never written). Each table is walked by rowid,
  one row per query: a row on a damaged page fails alone, and the walk jumps ahead (doubling
  the jump) until it reaches readable rows again, so every row on an intact page is kept.
  Every error is caught per row or per range; nothing in a damaged file can stop the opening.
- **Only work tables** (`work_schema.WORK_TABLES`): the cache is not worth a slow walk.
- **Columns by name**: a file of an older work schema gives what it has; a column it lacks
  takes the new table's default. Existing rows (the same key) are never overwritten.
- **A connection factory** (`Connect`): plain SQLite by default; an encrypted store passes one
  that opens SQLCipher with its key (`desktop.models.cipher`).
- **When nothing can be read**, the damaged file stays where it was moved and the person is
  told plainly that unsent work may be in it and that an administrator can export it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP

from desktop.models import cipher, outbox, work_schema
from desktop.models.store import Store

log = logging.getLogger(__name__)

Connect = Callable[[Path], Any]
"""Opens the damaged file read-only and returns a DB-API connection (sqlite3 or SQLCipher)."""

MAX_JUMP = 1 << 40
_MIN_ROWID = -(1 << 63)

SALVAGED_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Salvage",
    "Salinan lokal rusak dan dibuat ulang. Pekerjaan yang belum terkirim berhasil diselamatkan "
    "dari berkas lama ({count} baris) dan tetap akan dikirim. Berkas rusak disimpan sebagai "
    "{name}.",
)
PARTLY_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Salvage",
    "Salinan lokal rusak dan dibuat ulang. Sebagian pekerjaan yang belum terkirim diselamatkan "
    "({count} baris), tetapi sebagian tidak terbaca. Berkas rusak disimpan sebagai {name}; "
    "administrator dapat mengekspor isinya. Jangan hapus berkas itu.",
)
UNREADABLE_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Salvage",
    "Salinan lokal rusak dan tidak dapat dibaca sama sekali. Pekerjaan yang belum terkirim "
    "mungkin masih ada di dalamnya: berkas itu disimpan sebagai {name} dan administrator dapat "
    "mengekspornya. Jangan hapus berkas itu. Data lain diambil lagi dari server.",
)


def plain_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)


def encrypted_readonly(key: bytes) -> Connect:
    """Opens a damaged SQLCipher store read-only with its key (`desktop.models.cipher`)."""

    def connect(path: Path) -> Any:
        conn = cipher.dbapi.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5, check_same_thread=False
        )
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(cipher.key_pragma(key))
        return conn

    return connect


def after_rebuild(
    store: Store, damaged: Path | None, notice: str, key: bytes | None = None
) -> tuple[Store, str]:
    """`store_locator.open_checked_store`'s last step: a damaged file moved aside has its work
    copied into the fresh `store`; the notice says what was kept (or that it could not be)."""
    if damaged is None:
        return store, notice
    connect = plain_readonly if key is None else encrypted_readonly(key)
    return store, recover(damaged, store, connect=connect).message() or notice


@dataclass
class SalvageReport:
    damaged: Path
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    unreadable: dict[str, int] = field(default_factory=dict)  # table -> failed reads
    opened: bool = True  # the damaged file could be opened and its tables listed

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        return self.opened and not self.unreadable

    def message(self, translate: Callable[[str], str] = lambda text: text) -> str:
        """Indonesian, for the person ("" when the damaged file held no work at all)."""
        name = self.damaged.name
        if not self.opened or (self.unreadable and not self.total):
            return translate(UNREADABLE_MESSAGE).format(name=name)
        if self.unreadable:
            return translate(PARTLY_MESSAGE).format(count=self.total, name=name)
        if self.total:
            return translate(SALVAGED_MESSAGE).format(count=self.total, name=name)
        return ""


def _columns(conn: Any, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


def read_rows(conn: Any, table: str, columns: Sequence[str]) -> tuple[list[tuple[Any, ...]], int]:
    """Every readable row of `table` (its `columns`), walked by rowid one row at a time, and
    how many reads failed. A failed read jumps ahead, doubling, until rows come again."""
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1'
    rows: list[tuple[Any, ...]] = []
    failed = 0
    last, jump = _MIN_ROWID, 1
    while True:
        try:
            row = conn.execute(sql, (last,)).fetchone()
        except Exception:  # sqlite3's or SQLCipher's: any failed read is skipped
            failed += 1
            if last == _MIN_ROWID:
                last = 0  # rowids are positive in practice: start the jumps from 0
            if jump > MAX_JUMP:
                break
            last += jump
            jump *= 2
            continue
        if row is None:
            break
        rows.append(tuple(row[1:]))
        last, jump = int(row[0]), 1
    return rows, failed


def recover(damaged: Path, store: Store, *, connect: Connect = plain_readonly) -> SalvageReport:
    """Copy the work tables' readable rows from the `damaged` file into `store` (the fresh
    one). Never raises for what the damaged file does; never writes to it."""
    report = SalvageReport(damaged)
    tables = [t for t in work_schema.WORK_TABLES if t != "work_schema"]
    try:
        source = connect(damaged)
    except Exception as exc:
        log.error("damaged store %s cannot be opened at all: %s", damaged.name, exc)
        report.opened = False
        return report
    found: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    try:
        try:
            present = {
                str(r[0])
                for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except Exception as exc:
            log.error("damaged store %s: no table list (%s)", damaged.name, exc)
            report.opened = False
            return report
        for table in tables:
            if table not in present:
                continue
            try:
                columns = _columns(source, table)
            except Exception:
                report.unreadable[table] = report.unreadable.get(table, 0) + 1
                continue
            rows, failed = read_rows(source, table, columns)
            if failed:
                report.unreadable[table] = failed
            found[table] = (columns, rows)
    finally:
        source.close()

    def write(conn: Any) -> None:
        for table, (columns, rows) in found.items():
            wanted = set(_columns(conn.connection.driver_connection, table))
            keep = [i for i, c in enumerate(columns) if c in wanted]
            if not keep or not rows:
                continue
            names = ", ".join(f'"{columns[i]}"' for i in keep)
            marks = ", ".join("?" * len(keep))
            copied = 0
            for row in rows:
                result = conn.exec_driver_sql(
                    f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})',
                    tuple(row[i] for i in keep),
                )
                copied += max(0, int(result.rowcount or 0))
            report.counts[table] = copied
        outbox.requeue_interrupted(conn, int(time.time()))  # copied mid-send: send again

    store.write(write)
    log.warning(
        "salvaged from the damaged store %s: %s; unreadable reads: %s",
        damaged.name,
        report.counts or "nothing",
        report.unreadable or "none",
    )
    return report


__all__ = [
    "Connect",
    "SalvageReport",
    "after_rebuild",
    "encrypted_readonly",
    "plain_readonly",
    "read_rows",
    "recover",
]
