"""The local audit log: every action a person takes on this PC, hash-chained (DESIGN section 7).

An event is appended INSIDE the same store write as the change it records (`append(conn, ...)`
in the writer's transaction), so a change never exists without its event, nor an event without
its change. The store's single writer serialises appends, so reading the chain's head and
adding the next event in one transaction keeps the chain strictly linear.

Why it looks like this:

- **Not a cache.** Its own `MetaData` (`audit_metadata`), created and migrated by
  `models.work_schema`, never dropped by a cache rebuild, never touched by `Store.clear`, and
  salvaged row by row from a damaged file (`models.salvage`).
- **One chain per store file** (`chain_id`, random, made with the first event): a store is per
  server, user and office, so a PC shared by three people holds three chains of one device.
  The hash formula and canonical form are `desktop.domain.audit_chain`, shared with the server,
  which refuses a batch that does not continue what it already holds.
- **The device** is this installation's id (`settings.device_id`, the one the API client sends
  as ``X-Loket-Device`` and at sign-in), recorded in the store by `use_device` when the session
  starts its sync; an event appended before that carries ``""`` (and still chains).
- **Pushed marker** (`pushed_at`): set only when the server accepted the event
  (`services.audit_push`); events are never deleted by the program.
- **The server's refusal** (`record_refusal`, `refusal`, `clear_refusal`): a 409
  ``audit_chain_broken`` is kept in `audit_state` (key ``refused``, JSON), so the Sinkronisasi
  page and the status bar show it after a restart too; it is removed in the same write that
  marks a later accepted batch. Its writes announce `Part.OUTBOX` (the page and the status
  bar's counts read it with the outbox).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, Text

from desktop.domain.audit_chain import GENESIS, ChainEvent, check_details
from desktop.models import changes
from desktop.models.changes import Part

audit_metadata = MetaData()

audit_log = Table(
    "audit_log",
    audit_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the chain's order
    Column("id", String, nullable=False, unique=True),  # UUID: the server's idempotency key
    Column("chain_id", String, nullable=False),
    Column("device_id", String, nullable=False),
    Column("user_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("app_id", String),
    Column("device_time", Integer, nullable=False),  # epoch seconds
    Column("details", Text, nullable=False),  # JSON, as hashed
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),
    Column("pushed_at", Integer),  # epoch seconds the server accepted it; NULL: not yet
)
Index("ix_audit_unpushed", audit_log.c.pushed_at, audit_log.c.seq)

audit_state = Table(
    "audit_state",
    audit_metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)
"""Small settings of the log: the device id its events carry; the server's last refusal."""

_REFUSED = "refused"


@dataclass(frozen=True)
class Refusal:
    """The server refused this log's chain (409 ``audit_chain_broken``), as last said.

    `number`: the refused event's place in this PC's log (1 = the first event), None when the
    event is not in the log any more; `unaccepted`: events the server has not accepted yet."""

    at: int  # epoch seconds of the latest refusal
    since: int  # epoch seconds of the first refusal of this run
    reason: str  # the server's: "prev_hash" (does not continue) or "hash" (altered)
    event_id: str
    number: int | None
    chain_id: str
    unaccepted: int


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    id: str
    chain_id: str
    device_id: str
    user_id: str
    kind: str
    app_id: str | None
    device_time: int
    details: dict[str, Any]
    prev_hash: str
    hash: str
    pushed_at: int | None

    def chain_event(self) -> ChainEvent:
        return ChainEvent(
            id=self.id,
            chain_id=self.chain_id,
            device_id=self.device_id,
            user_id=self.user_id,
            kind=self.kind,
            application_id=self.app_id,
            device_time=datetime.fromtimestamp(self.device_time, UTC),
            details=self.details,
        )

    def wire(self) -> dict[str, Any]:
        """The event as `POST /audit` takes it."""
        return {
            "id": self.id,
            "chain_id": self.chain_id,
            "device_id": self.device_id,
            "user_id": self.user_id,
            "kind": self.kind,
            "application_id": self.app_id,
            "device_time": datetime.fromtimestamp(self.device_time, UTC).isoformat(),
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


COLUMNS = (
    "seq, id, chain_id, device_id, user_id, kind, app_id, device_time, details, prev_hash, "
    "hash, pushed_at"
)


def _event(row: Sequence[Any]) -> AuditEvent:
    seq, id_, chain, device, user, kind, app, at, details, prev, digest, pushed = row
    return AuditEvent(
        int(seq),
        str(id_),
        str(chain),
        str(device),
        str(user),
        str(kind),
        str(app) if app is not None else None,
        int(at),
        json.loads(details),
        str(prev),
        str(digest),
        int(pushed) if pushed is not None else None,
    )


# -- writes (inside one of the store's write transactions) ------------------------------------


def use_device(conn: Connection, device_id: str) -> None:
    """Record this installation's device id for the events appended from now on."""
    conn.exec_driver_sql(
        "INSERT INTO audit_state (key, value) VALUES ('device_id', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (device_id,),
    )


def append(
    conn: Connection,
    *,
    kind: str,
    user_id: str,
    app_id: str | None,
    details: Mapping[str, Any],
    now: int,
) -> None:
    """Add one event after the chain's head, in the caller's write transaction.

    Raises `ValueError` for details holding a full NIK (mask it first)."""
    check_details(details)
    head = conn.exec_driver_sql(
        "SELECT chain_id, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).first()
    chain_id, prev_hash = (str(head[0]), str(head[1])) if head else (str(uuid.uuid4()), GENESIS)
    device = conn.exec_driver_sql("SELECT value FROM audit_state WHERE key = 'device_id'").scalar()
    plain = json.loads(json.dumps(dict(details), ensure_ascii=False))  # as it will be read back
    event = ChainEvent(
        id=str(uuid.uuid4()),
        chain_id=chain_id,
        device_id=str(device or ""),
        user_id=user_id,
        kind=kind,
        application_id=app_id,
        device_time=datetime.fromtimestamp(now, UTC),
        details=plain,
    )
    conn.exec_driver_sql(
        "INSERT INTO audit_log (id, chain_id, device_id, user_id, kind, app_id, device_time, "
        "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event.id, chain_id, event.device_id, user_id, kind, app_id, now,
         json.dumps(plain, ensure_ascii=False, separators=(",", ":")), prev_hash,
         event.hash(prev_hash)),
    )  # fmt: skip


def record_refusal(conn: Connection, extras: Mapping[str, Any], now: int) -> Refusal:
    """Keep the server's refusal (its 409 extras: ``event_id``, ``reason``, ``chain_id``);
    a refusal already kept keeps its `since`."""
    event_id = str(extras.get("event_id") or "")
    number = conn.exec_driver_sql(
        "SELECT COUNT(*) FROM audit_log WHERE seq <= (SELECT seq FROM audit_log WHERE id = ?)",
        (event_id,),
    ).scalar()
    before = refusal(conn)
    kept = {
        "at": now,
        "since": before.since if before is not None else now,
        "reason": str(extras.get("reason") or ""),
        "event_id": event_id,
        "number": int(number) if number else None,
        "chain_id": str(extras.get("chain_id") or ""),
    }
    conn.exec_driver_sql(
        "INSERT INTO audit_state (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_REFUSED, json.dumps(kept)),
    )
    changes.touch(conn.info, Part.OUTBOX)
    found = refusal(conn)
    assert found is not None
    return found


def clear_refusal(conn: Connection) -> bool:
    """The server accepted a batch: the refusal no longer holds (True when one was kept)."""
    result = conn.exec_driver_sql("DELETE FROM audit_state WHERE key = ?", (_REFUSED,))
    if not result.rowcount:
        return False
    changes.touch(conn.info, Part.OUTBOX)
    return True


def mark_pushed(conn: Connection, ids: Sequence[str], now: int) -> int:
    """The server accepted these events (or had them already)."""
    done = 0
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        result = conn.exec_driver_sql(
            f"UPDATE audit_log SET pushed_at = ? WHERE pushed_at IS NULL AND id IN ({marks})",
            (now, *part),
        )
        done += max(0, int(result.rowcount or 0))
    return done


# -- reads --------------------------------------------------------------------------------------


def unpushed(conn: Connection, limit: int) -> list[AuditEvent]:
    """The oldest events the server has not accepted yet, in chain order."""
    rows = conn.exec_driver_sql(
        f"SELECT {COLUMNS} FROM audit_log WHERE pushed_at IS NULL ORDER BY seq LIMIT ?", (limit,)
    ).all()
    return [_event(r) for r in rows]


def events(conn: Connection) -> list[AuditEvent]:
    rows = conn.exec_driver_sql(f"SELECT {COLUMNS} FROM audit_log ORDER BY seq").all()
    return [_event(r) for r in rows]


def count_unpushed(conn: Connection) -> int:
    return int(
        conn.exec_driver_sql("SELECT COUNT(*) FROM audit_log WHERE pushed_at IS NULL").scalar() or 0
    )


def refusal(conn: Connection) -> Refusal | None:
    """The server's kept refusal with today's count of unaccepted events (None: none kept)."""
    raw = conn.exec_driver_sql("SELECT value FROM audit_state WHERE key = ?", (_REFUSED,)).scalar()
    if raw is None:
        return None
    try:
        kept = json.loads(str(raw))
        number = kept.get("number")
        return Refusal(
            at=int(kept["at"]),
            since=int(kept.get("since", kept["at"])),
            reason=str(kept.get("reason", "")),
            event_id=str(kept.get("event_id", "")),
            number=int(number) if number is not None else None,
            chain_id=str(kept.get("chain_id", "")),
            unaccepted=count_unpushed(conn),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable: the next refusal writes it again


def first_break(conn: Connection) -> int | None:
    """The seq of the first event that does not continue the chain (None: intact)."""
    prev = GENESIS
    chain: str | None = None
    for event in events(conn):
        chain = chain or event.chain_id
        if (
            event.chain_id != chain
            or event.prev_hash != prev
            or event.chain_event().hash(prev) != event.hash
        ):
            return event.seq
        prev = event.hash
    return None


__all__ = [
    "AuditEvent",
    "Refusal",
    "append",
    "audit_log",
    "audit_metadata",
    "audit_state",
    "clear_refusal",
    "count_unpushed",
    "events",
    "first_break",
    "mark_pushed",
    "record_refusal",
    "refusal",
    "unpushed",
    "use_device",
]
