"""Recognising why a write to the local store failed, without Qt (the headless `loket sync
--once` and the outbox's sender use it as well as `services.operations.user_message`).

Two failures are the PC's, not Loket's, and a person can act on them: the disk is full
(SQLite's ``SQLITE_FULL``, "database or disk is full", or the OS's ``ENOSPC`` while a document
is copied) and the database is locked by another program or another Loket (``SQLITE_BUSY``/
``SQLITE_LOCKED``, "database is locked"). Both mean: nothing of that write is on disk.
"""

from __future__ import annotations

import errno
from enum import StrEnum

SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_FULL = 13


class StoreProblem(StrEnum):
    """Why a write did not reach the disk (stable keys; `user_message` says it in Indonesian)."""

    FULL = "full"
    LOCKED = "locked"


def _codes(exc: BaseException) -> tuple[int | None, str]:
    """(SQLite's primary result code when known, the lower-case text) of `exc` or the DB-API
    error SQLAlchemy wrapped in it (``.orig``)."""
    inner = getattr(exc, "orig", None)
    found = inner if isinstance(inner, BaseException) else exc
    code = getattr(found, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    return primary, f"{found} {exc}".lower()


def store_problem(exc: BaseException) -> StoreProblem | None:
    """`StoreProblem` when `exc` (or the error it wraps) says the disk is full or the database
    locked; None for anything else (a defect, or another failure)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return StoreProblem.FULL
    code, text = _codes(exc)
    if code == SQLITE_FULL or "database or disk is full" in text:
        return StoreProblem.FULL
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text:
        return StoreProblem.LOCKED
    if "database table is locked" in text:
        return StoreProblem.LOCKED
    return None


__all__ = ["StoreProblem", "store_problem"]
