"""Searching the audit log (issue 14's audit viewer): the server's chain and the desktops' events
as one list, newest first, keyset-paged, scoped to the caller's offices.

The two tables are queried separately (each with the same filters and `limit + 1` rows after
the cursor) and merged: the order is (time, source, id) descending, with `server` before
`desktop` at the same instant, so a cursor `(at, source, id)` continues both exactly. A
desktop event's time is the device's (when the person acted), else when it arrived.

Scope: a row is visible when the acting (or, for desktop events, delivering) user's office or
the linked application's office is in the caller's subtree; rows naming neither (the server's
own housekeeping) only to the top office. Details are shown as stored but with every NIK-like
digit run masked, as in the logs (`desktop.domain.identity.mask_niks_in_text`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from desktop.domain.identity import mask_niks_in_text
from server.models import Application, AuditLog, ClientAuditEvent, User
from server.problems import ProblemError
from server.schemas import bounded_moment
from server.scope import scope_clause
from server.serialize import iso

SOURCES = ("server", "desktop")
_KEEP = re.compile(
    r"[0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
"""A SHA-256 or a UUID as a whole value: its digits can hold a NIK-like run by chance (about one
digest in 300), but it is no NIK, and masking it would make a document hash unverifiable."""


@dataclass(frozen=True)
class Cursor:
    at: datetime
    source: str
    id: str


@dataclass(frozen=True)
class AuditQuery:
    """Resolved filters: ids, not the names the caller typed."""

    scope: str
    top: bool
    user_ids: tuple[str, ...] | None = None
    application_ids: tuple[str, ...] | None = None
    kind: str | None = None
    device: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    source: str | None = None
    ref: tuple[str, str] | None = None


def encode_cursor(row: dict[str, Any], at: datetime) -> str:
    raw = json.dumps([at.isoformat(), row["source"], row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stamp, source, key = json.loads(raw)
        if not all(isinstance(v, str) for v in (stamp, source, key)) or source not in SOURCES:
            raise ValueError("bad cursor")
        if source == "server":
            int(key)
        return Cursor(bounded_moment(datetime.fromisoformat(stamp)), source, key)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ProblemError(
            422,
            "validation_error",
            "Penanda halaman (cursor) tidak valid.",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from exc


def masked(value: Any) -> Any:
    """Details as stored, every NIK-like run masked (strings, and numbers written as digits)."""
    if isinstance(value, dict):
        return {str(k): masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, str):
        return value if _KEEP.fullmatch(value) else mask_niks_in_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**14:
        return mask_niks_in_text(str(value))
    return value


def _after(column: Any, key_column: Any, source: str, cursor: Cursor | None, key: Any) -> Any:
    """Rows of `source` strictly after the cursor in (at desc, source desc, id desc) order."""
    if cursor is None:
        return true()
    if cursor.source > source:  # "server" > "desktop": a server cursor, desktop rows
        return column <= cursor.at
    if cursor.source < source:
        return column < cursor.at
    return or_(column < cursor.at, and_(column == cursor.at, key_column < key))


def _server_rows(
    session: Session, q: AuditQuery, cursor: Cursor | None, limit: int
) -> list[tuple[datetime, dict[str, Any]]]:
    actor = aliased(User)
    app = aliased(Application)
    stmt = (
        select(AuditLog, actor.username, app.registration_number)
        .outerjoin(actor, actor.id == AuditLog.actor_id)
        .outerjoin(app, app.id == AuditLog.application_id)
    )
    if not q.top:
        stmt = stmt.where(
            or_(scope_clause(actor.office_code, q.scope), scope_clause(app.office_code, q.scope))
        )
    device = AuditLog.details["device_id"].as_string()
    conditions: list[ColumnElement[bool]] = []
    if q.ref is not None:
        conditions.append(
            AuditLog.idx == int(q.ref[1])
            if q.ref[0] == "server" and q.ref[1].isdigit()
            else false()
        )
    if q.user_ids is not None:
        conditions.append(AuditLog.actor_id.in_(q.user_ids))
    if q.application_ids is not None:
        conditions.append(AuditLog.application_id.in_(q.application_ids))
    if q.kind:
        conditions.append(AuditLog.kind == q.kind)
    if q.device:
        conditions.append(device == q.device)
    if q.start is not None:
        conditions.append(AuditLog.at >= q.start)
    if q.end is not None:
        conditions.append(AuditLog.at < q.end)
    key = int(cursor.id) if cursor is not None and cursor.source == "server" else 0
    stmt = stmt.where(*conditions, _after(AuditLog.at, AuditLog.idx, "server", cursor, key))
    stmt = stmt.order_by(AuditLog.at.desc(), AuditLog.idx.desc()).limit(limit)
    found: list[tuple[datetime, dict[str, Any]]] = []
    for row, username, registration in session.execute(stmt).all():
        details = row.details if isinstance(row.details, dict) else {}
        device_id = details.get("device_id")
        found.append(
            (
                row.at,
                {
                    "source": "server",
                    "id": str(row.idx),
                    "position": row.idx,
                    "chain_id": None,
                    "at": iso(row.at),
                    "received_at": None,
                    "kind": row.kind,
                    "actor_id": row.actor_id,
                    "actor_username": username,
                    "application_id": row.application_id,
                    "registration_number": registration,
                    "device_id": device_id if isinstance(device_id, str) else None,
                    "details": masked(details),
                    "hash": row.hash,
                    "prev_hash": row.prev_hash,
                },
            )
        )
    return found


def _desktop_rows(
    session: Session, q: AuditQuery, cursor: Cursor | None, limit: int
) -> list[tuple[datetime, dict[str, Any]]]:
    sender = aliased(User)
    actor = aliased(User)
    app = aliased(Application)
    event = ClientAuditEvent
    at = func.coalesce(event.device_time, event.received_at)
    acting = func.coalesce(event.user_ref, event.user_id)
    stmt = (
        select(event, actor.username, app.registration_number)
        .join(sender, sender.id == event.user_id)
        .outerjoin(actor, actor.id == acting)
        .outerjoin(app, app.id == event.application_id)
    )
    if not q.top:
        stmt = stmt.where(
            or_(scope_clause(sender.office_code, q.scope), scope_clause(app.office_code, q.scope))
        )
    conditions: list[ColumnElement[bool]] = []
    if q.ref is not None:
        conditions.append(event.id == q.ref[1] if q.ref[0] == "desktop" else false())
    if q.user_ids is not None:
        conditions.append(acting.in_(q.user_ids))
    if q.application_ids is not None:
        conditions.append(event.application_ref.in_(q.application_ids))
    if q.kind:
        conditions.append(event.kind == q.kind)
    if q.device:
        conditions.append(event.device_id == q.device)
    if q.start is not None:
        conditions.append(at >= q.start)
    if q.end is not None:
        conditions.append(at < q.end)
    key = cursor.id if cursor is not None and cursor.source == "desktop" else ""
    stmt = stmt.where(*conditions, _after(at, event.id, "desktop", cursor, key))
    stmt = stmt.order_by(at.desc(), event.id.desc()).limit(limit)
    found: list[tuple[datetime, dict[str, Any]]] = []
    for row, username, registration in session.execute(stmt).all():
        moment = row.device_time or row.received_at
        found.append(
            (
                moment,
                {
                    "source": "desktop",
                    "id": row.id,
                    "position": row.chain_idx,
                    "chain_id": row.chain_id,
                    "at": iso(moment),
                    "received_at": iso(row.received_at),
                    "kind": row.kind,
                    "actor_id": row.user_ref or row.user_id,
                    "actor_username": username,
                    "application_id": row.application_ref,
                    "registration_number": registration,
                    "device_id": row.device_id,
                    "details": masked(row.details if isinstance(row.details, dict) else {}),
                    "hash": row.hash,
                    "prev_hash": row.prev_hash,
                },
            )
        )
    return found


def _order_key(item: tuple[datetime, dict[str, Any]]) -> tuple[datetime, str, Any]:
    moment, row = item
    key: Any = int(row["id"]) if row["source"] == "server" else row["id"]
    # Within one instant the two sources never compare ids: source decides first.
    return moment, row["source"], (key if row["source"] == "server" else 0, str(key))


def search(
    session: Session, q: AuditQuery, cursor: Cursor | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page, newest first, and the cursor of the next (None at the end)."""
    items: list[tuple[datetime, dict[str, Any]]] = []
    if q.source in (None, "server"):
        items += _server_rows(session, q, cursor, limit + 1)
    if q.source in (None, "desktop"):
        items += _desktop_rows(session, q, cursor, limit + 1)
    items.sort(key=_order_key, reverse=True)
    more = len(items) > limit
    page = items[:limit]
    next_cursor = encode_cursor(page[-1][1], page[-1][0]) if more and page else None
    return [row for _at, row in page], next_cursor
