"""A person settles an outbox entry the server would not take (DESIGN section 6): a *konflik*
(someone else acted first) or a *ditolak server* entry waits for a human, never for a retry.

Two ways out, both ending the entry as *dibuang* (`EntryState.DISCARDED`: never sent, no longer
unsent work, kept for the record) and both written to the local audit log in the SAME
transaction as the state change, so there is never a discarded entry without its record:

- `discard`: with the person's reason (required; blanks are no reason);
- `redo`: the decision is taken again on the server's current version, with a new
  transaction id, by the person in the workbench; the old entry is closed here with the fixed
  reason `REDO_REASON`.

Only an entry still in konflik or ditolak can be settled (`NotResolvable` otherwise: it may
have been sent meanwhile, or settled at another window). Also here: `unsent_rows`, what the
Sinkronisasi page lists (every entry not yet done, with the application's number and name as
the queue shows them). Qt-free, like the rest of `models` below the Qt models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from desktop.models import audit_log, changes
from desktop.models import outbox as outbox_table
from desktop.models.changes import Part
from desktop.models.outbox import EntryKind, EntryState, OutboxEntry

REDO_REASON = "diulang pada versi terbaru"
"""The reason of an entry closed because the person decides again on the current version."""
MAX_REASON = 2000
RESOLVABLE = (EntryState.CONFLICT, EntryState.REFUSED)
REDOABLE = (EntryState.CONFLICT,)
"""A refusal is about the entry itself (the server will never take it): only discarded."""

AUDIT_DISCARDED = "outbox_discarded"
AUDIT_REDONE = "outbox_redone"


class NotResolvable(Exception):
    """The entry is gone or no longer waits for a person (sent, already settled)."""


@dataclass(frozen=True)
class PageRow:
    """One entry as the Sinkronisasi page lists it."""

    entry: OutboxEntry
    number: str  # as the queue shows it ("" when the application is not in the cache)
    applicant_name: str


def clean_reason(text: str) -> str:
    """The reason as kept: trimmed; ValueError when nothing but blanks, or too long."""
    reason = text.strip()
    if not reason:
        raise ValueError("alasan wajib diisi")
    if len(reason) > MAX_REASON:
        raise ValueError("alasan terlalu panjang")
    return reason


def unsent_rows(conn: Connection) -> list[PageRow]:
    """Every entry not yet done (neither terkirim nor dibuang), oldest first, with the
    application's number and applicant as the local queue has them."""
    pending = [e for e in outbox_table.entries(conn) if e.state.value in outbox_table.UNSENT]
    ids = sorted({e.app_id for e in pending})
    names: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            f"SELECT id, number, applicant_name FROM applications WHERE id IN ({marks})",
            tuple(chunk),
        ).all()
        names.update({str(i): (str(n or ""), str(a or "")) for i, n, a in rows})
    return [PageRow(e, *names.get(e.app_id, ("", ""))) for e in pending]


def _resolvable(
    conn: Connection, transaction_id: str, allowed: tuple[EntryState, ...]
) -> OutboxEntry:
    found = [e for e in outbox_table.entries(conn) if e.transaction_id == transaction_id]
    if not found or found[0].state not in allowed:
        raise NotResolvable(transaction_id)
    return found[0]


def _close(conn: Connection, entry: OutboxEntry, reason: str, now: int) -> None:
    conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = ?, next_attempt_at = NULL, updated_at = ? "
        "WHERE transaction_id = ?",
        (EntryState.DISCARDED.value, reason, now, entry.transaction_id),
    )
    changes.touch(conn.info, Part.OUTBOX, (entry.app_id,))


def discard(
    conn: Connection, transaction_id: str, *, reason: str, user_id: str, now: int
) -> OutboxEntry:
    """A konflik or ditolak entry -> dibuang with the person's reason, audited (one write)."""
    text = clean_reason(reason)
    entry = _resolvable(conn, transaction_id, RESOLVABLE)
    _close(conn, entry, text, now)
    record_resolution(
        conn,
        kind=AUDIT_DISCARDED,
        user_id=user_id,
        app_id=entry.app_id,
        details=resolution_details(entry, text),
        now=now,
    )
    return entry


def redo(conn: Connection, transaction_id: str, *, user_id: str, now: int) -> OutboxEntry:
    """A konflik entry -> dibuang ("diulang pada versi terbaru"), audited; the person then
    decides again in the workbench (a new entry, a new transaction id)."""
    entry = _resolvable(conn, transaction_id, REDOABLE)
    _close(conn, entry, REDO_REASON, now)
    # A claim release queued after the old decision (the application was closed while the
    # server was out of reach) belongs to that decision: sent now, it would give back the
    # claim the person takes to decide again. It goes with it.
    superseded = [
        e
        for e in outbox_table.entries(conn, entry.app_id)
        if e.seq > entry.seq
        and e.kind == EntryKind.RELEASE.value
        and e.state.value in outbox_table.UNSENT
        and e.state is not EntryState.SENDING
    ]
    for later in superseded:
        _close(conn, later, REDO_REASON, now)
    details = resolution_details(entry, REDO_REASON)
    details["releases_dropped"] = [e.transaction_id for e in superseded]
    record_resolution(
        conn, kind=AUDIT_REDONE, user_id=user_id, app_id=entry.app_id, details=details, now=now
    )
    return entry


def resolution_details(entry: OutboxEntry, reason: str) -> dict[str, Any]:
    """What the audit log keeps about a discarded or redone entry: the same fields wherever
    it was resolved (the Sinkronisasi page or the workbench), so the log reads alike."""
    server = entry.server_state if isinstance(entry.server_state, Mapping) else {}
    return {
        "transaction_id": entry.transaction_id,
        "entry_kind": entry.kind,
        "label": entry.label,
        "was": entry.state.value,
        "server_reason": entry.reason,
        "reason": reason,
        "server_status": server.get("status"),
        "server_version": server.get("version"),
    }


def record_resolution(
    conn: Connection,
    *,
    kind: str,
    user_id: str,
    app_id: str,
    details: Mapping[str, Any],
    now: int,
) -> None:
    """THE one call site of the local audit log for a settled entry, inside the same write
    (`models.audit_log.append`): no discarded entry without its record."""
    audit_log.append(conn, kind=kind, user_id=user_id, app_id=app_id, details=details, now=now)


__all__ = [
    "AUDIT_DISCARDED",
    "AUDIT_REDONE",
    "MAX_REASON",
    "REDO_REASON",
    "NotResolvable",
    "PageRow",
    "clean_reason",
    "discard",
    "record_resolution",
    "redo",
    "resolution_details",
    "unsent_rows",
]
