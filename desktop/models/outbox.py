"""The outbox: work done on this PC that the server does not have yet (DESIGN section 6).

One row per local change to send (a decision now; a claim release, a new application, a
document and audit events later), in the same SQLite file as the cache, so an entry and the
local change it carries commit in ONE transaction through the store's single writer.

Why it looks like this:

- **Not a cache.** The table lives in its own `MetaData` (`outbox_metadata`): `Store._migrate`
  drops and rebuilds only the cache's tables and never this one, `Store.clear` leaves it, and
  `store_locator` never deletes a store that holds unsent entries (`has_unsent`).
- **The transaction id is the idempotency key end to end**: made once when the person decided
  and sent unchanged on every attempt, so the server answers a replay with its first answer
  and a decision that reached it before the line dropped is never applied twice.
- **A visible state per entry** (`EntryState`): menunggu, mengirim, terkirim, coba lagi (with
  the time of the next attempt and the reason), konflik (with the server's current state),
  ditolak server (a permanent 4xx, with the reason; never retried in a loop).
- **Order per application** (`seq`): only the oldest unfinished entry of an application is
  ever due (`take_due`), so one application's entries go one at a time and in order, while a
  conflict or refusal of one application never holds up another's.
- An entry left in *mengirim* (the app was killed mid-send) goes back to *menunggu* when the
  store opens (`requeue_interrupted`) and is sent again with the same transaction id.

Every write helper notes `Part.OUTBOX` (`models.changes`), so the status bar's counts follow
the store's change events. Qt-free, like the rest of `models` below the Qt model.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, Text

from desktop.models import changes
from desktop.models.changes import Part

outbox_metadata = MetaData()

outbox = Table(
    "outbox",
    outbox_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the order of entries
    Column("transaction_id", String, nullable=False, unique=True),
    Column("app_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("payload", Text, nullable=False),  # JSON: what is sent
    Column("label", String, nullable=False, default=""),  # "Verifikasi 1471-…" for people
    Column("user_id", String, nullable=False, default=""),
    Column("state", String, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Integer),  # epoch seconds (coba lagi)
    Column("reason", Text, nullable=False, default=""),  # why coba lagi / konflik / ditolak
    Column("server_state", Text),  # JSON: the server's current application (konflik)
    Column("created_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
)
Index("ix_outbox_app", outbox.c.app_id, outbox.c.seq)
Index("ix_outbox_state", outbox.c.state)


class EntryKind(StrEnum):
    """What an entry carries; `services.outbox.OutboxSender` has one sender per kind."""

    DECISION = "decision"
    RELEASE = "release"  # a claim release that could not reach the server
    APPLICATION = "application"  # a new application with its client UUID
    DOCUMENT = "document"  # one document upload (local file path, doc id, sha256, media type)
    EDIT = "edit"  # a PATCH of a returned application's applicant/service data (revision)
    ISSUED = "issued"  # a signed letter's registration (or an unused number's, voided)
    SIGNATURE = "signature"  # a numbered letter waiting for BSrE's signature (issue 13)
    SURVEY = "survey"  # a citizen's satisfaction survey (IKM) after the handover


class EntryState(StrEnum):
    """Stable keys (stored); `label` is what a person reads."""

    WAITING = "menunggu"
    SENDING = "mengirim"
    SENT = "terkirim"
    RETRY = "coba_lagi"
    CONFLICT = "konflik"
    REFUSED = "ditolak"
    DISCARDED = "dibuang"
    """A person discarded it, with a reason (a conflict or refusal resolved by hand): never
    sent, never due, not unsent work any more, kept for the record."""
    NEEDS_ACTION = "perlu_tindakan"
    """Waits for a person, not for the server (a letter whose BSrE signature needs the
    official's passphrase or a fresh TOTP again): never due by itself, holds up the entries
    after it like konflik, unsent work."""

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EntryState.WAITING: "menunggu",
    EntryState.SENDING: "mengirim",
    EntryState.SENT: "terkirim",
    EntryState.RETRY: "coba lagi",
    EntryState.CONFLICT: "konflik",
    EntryState.REFUSED: "ditolak server",
    EntryState.DISCARDED: "dibuang",
    EntryState.NEEDS_ACTION: "perlu tindakan",
}
DONE = (EntryState.SENT.value, EntryState.DISCARDED.value)
"""Finished: sent, or discarded by a person. Neither is due, neither holds up the entries after
it, neither is counted."""
UNSENT = tuple(s.value for s in EntryState if s.value not in DONE)
"""Every state but terkirim and dibuang: what the program may never delete."""


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    transaction_id: str
    app_id: str
    kind: str
    payload: Any
    label: str
    user_id: str
    state: EntryState
    attempts: int
    next_attempt_at: int | None
    reason: str
    server_state: Any
    created_at: int
    updated_at: int


_COLUMNS = (
    "seq, transaction_id, app_id, kind, payload, label, user_id, state, attempts, "
    "next_attempt_at, reason, server_state, created_at, updated_at"
)


def _entry(row: Any) -> OutboxEntry:
    (seq, tx, app_id, kind, payload, label, user, state, attempts, nxt, reason, server, c, u) = row
    return OutboxEntry(
        int(seq),
        str(tx),
        str(app_id),
        str(kind),
        json.loads(payload),
        str(label),
        str(user),
        EntryState(state),
        int(attempts),
        int(nxt) if nxt is not None else None,
        str(reason),
        json.loads(server) if server is not None else None,
        int(c),
        int(u),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- writes (inside one of the store's write transactions) ------------------------------------


def add_entry(
    conn: Connection,
    *,
    transaction_id: str,
    app_id: str,
    kind: EntryKind,
    payload: Any,
    label: str,
    user_id: str,
    now: int,
) -> bool:
    """Queue one entry (menunggu). The same transaction id twice is one entry: False then."""
    result = conn.exec_driver_sql(
        "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, state, "
        "attempts, reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?) "
        "ON CONFLICT(transaction_id) DO NOTHING",
        (transaction_id, app_id, kind.value, _dumps(payload), label, user_id,
         EntryState.WAITING.value, now, now),
    )  # fmt: skip
    changes.touch(conn.info, Part.OUTBOX, (app_id,))
    return bool(result.rowcount)


def add_release(
    conn: Connection,
    *,
    transaction_id: str,
    app_id: str,
    user_id: str,
    now: int,
    queued_at: float | None = None,
) -> bool:
    """Queue a claim release (after any entry of the application waiting before it); one
    waiting release per application is enough: False when one waits already. `queued_at`
    (epoch seconds, precise): a claim taken after it is not the claim this release meant."""
    marks = ",".join("?" * len(TO_SEND))
    waiting = conn.exec_driver_sql(
        f"SELECT 1 FROM outbox WHERE app_id = ? AND kind = ? AND state IN ({marks}) LIMIT 1",
        (app_id, EntryKind.RELEASE.value, *TO_SEND),
    ).first()
    if waiting is not None:
        return False
    return add_entry(
        conn,
        transaction_id=transaction_id,
        app_id=app_id,
        kind=EntryKind.RELEASE,
        payload={"v": 1, "app_id": app_id, "queued_at": now if queued_at is None else queued_at},
        label=f"Lepas klaim {app_id[:8]}",
        user_id=user_id,
        now=now,
    )


RECLAIMED = "Klaim diambil lagi; pelepasan tidak diperlukan."
CLAIM_USED_AGAIN = "klaim dipakai lagi"
"""Why a release still waiting was dropped when the person opened the application offline:
the server still counts the claim as theirs (the release never reached it)."""


def drop_releases(conn: Connection, app_id: str, *, now: int, reason: str = RECLAIMED) -> list[str]:
    """The person claims `app_id` again (or uses the claim the server still has for them,
    offline): a release of it still waiting would give the claim back, so it is dibuang with
    `reason` (not mengirim: that one is under way already). Returns the dropped transaction
    ids."""
    rows = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE app_id = ? AND kind = ? "
        "AND state IN (?, ?) RETURNING transaction_id",
        (EntryState.DISCARDED.value, reason, now, app_id, EntryKind.RELEASE.value,
         EntryState.WAITING.value, EntryState.RETRY.value),
    ).all()  # fmt: skip
    if rows:
        changes.touch(conn.info, Part.OUTBOX, (app_id,))
    return sorted(str(r[0]) for r in rows)


def take_due(
    conn: Connection, now: int, *, skip: frozenset[str] = frozenset()
) -> list[OutboxEntry]:
    """The entries to send now, marked *mengirim*: per application only its oldest unfinished
    entry (an application whose oldest is konflik or ditolak waits for a person), and only when
    it is menunggu, or coba lagi whose time has come. `skip`: transaction ids already tried in
    this round (a zero backoff never loops)."""
    rows = conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM outbox o WHERE o.state NOT IN (?, ?) AND o.seq = ("
        "  SELECT MIN(seq) FROM outbox h WHERE h.app_id = o.app_id AND h.state NOT IN (?, ?)"
        ") AND (o.state = ? OR (o.state = ? AND COALESCE(o.next_attempt_at, 0) <= ?)) "
        "ORDER BY o.seq",
        (*DONE, *DONE, EntryState.WAITING.value, EntryState.RETRY.value, now),
    ).all()
    due = [e for e in (_entry(r) for r in rows) if e.transaction_id not in skip]
    for entry in due:
        conn.exec_driver_sql(
            "UPDATE outbox SET state = ?, updated_at = ? WHERE seq = ?",
            (EntryState.SENDING.value, now, entry.seq),
        )
    if due:
        changes.touch(conn.info, Part.OUTBOX, (e.app_id for e in due))
    return due


def finish(
    conn: Connection,
    transaction_id: str,
    state: EntryState,
    *,
    now: int,
    reason: str = "",
    next_attempt_at: int | None = None,
    server_state: Any = None,
) -> str | None:
    """Record the outcome of one attempt (counted in `attempts`); returns its application's
    id (None: no such entry)."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, reason = ?, next_attempt_at = ?, "
        "server_state = ?, updated_at = ? WHERE transaction_id = ? RETURNING app_id",
        (state.value, reason, next_attempt_at,
         _dumps(server_state) if server_state is not None else None, now, transaction_id),
    ).first()  # fmt: skip
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),) if row is not None else ())
    return str(row[0]) if row is not None else None


def put_back(conn: Connection, transaction_id: str, reason: str, *, now: int) -> None:
    """An entry taken but not attempted (the session ended, the round was stopped): menunggu
    again, its attempts not counted."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE transaction_id = ? "
        "RETURNING app_id",
        (EntryState.WAITING.value, reason, now, transaction_id),
    ).first()
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),) if row is not None else ())


def put_back_taken(
    conn: Connection, transaction_ids: Collection[str], reason: str, *, now: int
) -> int:
    """Entries a round took (*mengirim*) whose outcome could not be written (the disk full,
    the database locked): *menunggu* again, attempts not counted, so they are sent again in
    this session rather than staying *mengirim* until the store is reopened. Only entries
    still *mengirim* are touched; returns how many."""
    if not transaction_ids:
        return 0
    ids = sorted(transaction_ids)
    marks = ",".join("?" * len(ids))
    rows = conn.exec_driver_sql(
        f"UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE state = ? "
        f"AND transaction_id IN ({marks}) RETURNING app_id",
        (EntryState.WAITING.value, reason, now, EntryState.SENDING.value, *ids),
    ).all()
    if rows:
        changes.touch(conn.info, Part.OUTBOX, (str(r[0]) for r in rows))
    return len(rows)


def discard(conn: Connection, transaction_id: str, reason: str, *, now: int) -> bool:
    """A konflik or ditolak entry a person has dealt with: *dibuang*, with the reason (kept,
    never sent). False when it is in another state (sent meanwhile, or still to be sent)."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE transaction_id = ? "
        "AND state IN (?, ?) RETURNING app_id",
        (EntryState.DISCARDED.value, reason, now, transaction_id, EntryState.CONFLICT.value,
         EntryState.REFUSED.value),
    ).first()  # fmt: skip
    if row is None:
        return False
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),))
    return True


def requeue_interrupted(conn: Connection, now: int) -> int:
    """Entries left in *mengirim* (the app was killed or closed mid-send) are *menunggu* again:
    sent once more with the same transaction id, which the server answers as the first time."""
    result = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, updated_at = ? WHERE state = ?",
        (EntryState.WAITING.value, now, EntryState.SENDING.value),
    )
    count = max(0, int(result.rowcount or 0))
    if count:
        changes.touch(conn.info, Part.OUTBOX)
    return count


def retry_now(conn: Connection, now: int) -> int:
    """ "Coba sekarang": every coba lagi entry is due now."""
    result = conn.exec_driver_sql(
        "UPDATE outbox SET next_attempt_at = ?, updated_at = ? WHERE state = ?",
        (now, now, EntryState.RETRY.value),
    )
    count = max(0, int(result.rowcount or 0))
    if count:
        changes.touch(conn.info, Part.OUTBOX)
    return count


# -- reads --------------------------------------------------------------------------------------


def counts(conn: Connection) -> dict[EntryState, int]:
    """Entries per state, terkirim and dibuang left out (only what is not done is counted)."""
    rows = conn.exec_driver_sql(
        "SELECT state, COUNT(*) FROM outbox WHERE state NOT IN (?, ?) GROUP BY state", DONE
    ).all()
    return {EntryState(str(s)): int(n) for s, n in rows}


def entries(conn: Connection, app_id: str | None = None) -> list[OutboxEntry]:
    """Every entry (of one application), in order."""
    if app_id is None:
        rows = conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM outbox ORDER BY seq").all()
    else:
        rows = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM outbox WHERE app_id = ? ORDER BY seq", (app_id,)
        ).all()
    return [_entry(r) for r in rows]


TO_SEND = (EntryState.WAITING.value, EntryState.SENDING.value, EntryState.RETRY.value)
"""States of an entry that will still be sent by itself (konflik and ditolak wait for a person)."""


def will_send(conn: Connection, app_id: str) -> bool:
    """Whether an entry of `app_id` will still be sent by itself: its claim must be kept
    until then (a decision sent after the claim was given back comes back as a conflict)."""
    marks = ",".join("?" * len(TO_SEND))
    found = conn.exec_driver_sql(
        f"SELECT 1 FROM outbox WHERE app_id = ? AND state IN ({marks}) LIMIT 1",
        (app_id, *TO_SEND),
    ).first()
    return found is not None


def changing_app_ids(conn: Connection) -> set[str]:
    """Applications with unsent changes (every kind but a claim release, which changes no
    data): their local queue row is kept over the server's ("belum terkirim")."""
    marks = ",".join("?" * len(UNSENT))
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT app_id FROM outbox WHERE kind != ? AND state IN ({marks})",
        (EntryKind.RELEASE.value, *UNSENT),
    ).all()
    return {str(r[0]) for r in rows}


def next_due_at(conn: Connection) -> int | None:
    """The earliest time a coba lagi entry is due (None: none waits for a time)."""
    value = conn.exec_driver_sql(
        "SELECT MIN(COALESCE(next_attempt_at, 0)) FROM outbox WHERE state = ?",
        (EntryState.RETRY.value,),
    ).scalar()
    return int(value) if value is not None else None


def has_unsent(path: Path) -> bool:
    """Whether the store file at `path` holds entries the server does not have yet.

    Read with plain `sqlite3`, read-only, without opening a `Store` (no migration, no purge).
    A file that cannot be read counts as holding some: deleting it could lose unsent work."""
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return holds_unsent(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return True


def holds_unsent(conn: Any) -> bool:
    """Whether a raw DB-API connection (`sqlite3`, or SQLCipher's with its key applied) to a
    store file sees unsent entries; a file without an outbox table holds none."""
    found = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ).fetchone()
    if found is None:
        return False
    marks = ",".join("?" * len(UNSENT))
    row = conn.execute(f"SELECT 1 FROM outbox WHERE state IN ({marks}) LIMIT 1", UNSENT).fetchone()
    return row is not None


def summary_text(found: Mapping[EntryState, int]) -> str:
    """ "3 menunggu · 1 konflik" ("" when nothing is waiting)."""
    order = (
        EntryState.WAITING,
        EntryState.SENDING,
        EntryState.RETRY,
        EntryState.CONFLICT,
        EntryState.REFUSED,
        EntryState.NEEDS_ACTION,
    )
    return " \u00b7 ".join(f"{found[s]} {s.label}" for s in order if found.get(s))


def resume(conn: Connection, transaction_id: str, *, now: int) -> bool:
    """A *perlu tindakan* entry the person has acted on (the secret given again): *menunggu*,
    due at the next round. False when it is in another state."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = '', updated_at = ? WHERE transaction_id = ? "
        "AND state = ? RETURNING app_id",
        (EntryState.WAITING.value, now, transaction_id, EntryState.NEEDS_ACTION.value),
    ).first()
    if row is None:
        return False
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),))
    return True


def take_one(conn: Connection, transaction_id: str, *, now: int) -> bool:
    """One *menunggu* / *coba lagi* / *perlu tindakan* entry taken (*mengirim*) for a person's
    own attempt outside a round (a waiting signature made now): no round takes it meanwhile.
    False when a round has it or it is done."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, updated_at = ? WHERE transaction_id = ? "
        "AND state IN (?, ?, ?) RETURNING app_id",
        (EntryState.SENDING.value, now, transaction_id, EntryState.WAITING.value,
         EntryState.RETRY.value, EntryState.NEEDS_ACTION.value),
    ).first()  # fmt: skip
    if row is None:
        return False
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),))
    return True


def settle(
    conn: Connection, transaction_id: str, state: EntryState, reason: str, *, now: int
) -> bool:
    """A *menunggu* or *perlu tindakan* entry done here without a round (a waiting signature
    made or voided at the official's request): `state` (terkirim / dibuang) with `reason`.
    False when it is mengirim (a round has it) or done already."""
    row = conn.exec_driver_sql(
        "UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE transaction_id = ? "
        "AND state IN (?, ?, ?) RETURNING app_id",
        (state.value, reason, now, transaction_id, EntryState.WAITING.value,
         EntryState.RETRY.value, EntryState.NEEDS_ACTION.value),
    ).first()  # fmt: skip
    if row is None:
        return False
    changes.touch(conn.info, Part.OUTBOX, (str(row[0]),))
    return True


__all__ = [
    "DONE",
    "UNSENT",
    "EntryKind",
    "EntryState",
    "OutboxEntry",
    "add_entry",
    "add_release",
    "changing_app_ids",
    "counts",
    "discard",
    "drop_releases",
    "entries",
    "finish",
    "has_unsent",
    "holds_unsent",
    "next_due_at",
    "outbox",
    "outbox_metadata",
    "put_back",
    "put_back_taken",
    "requeue_interrupted",
    "resume",
    "retry_now",
    "settle",
    "summary_text",
    "take_due",
    "take_one",
]
