"""Client audit events in (idempotent batches, each desktop chain checked) and the chains'
integrity check.

A desktop keeps a hash-chained log of what its people did (`desktop.models.audit_log`, one
chain per local store) and pushes it in order. Each event must continue its chain exactly from
the last event the server accepted of that chain (`ClientAuditChain.head_hash`; `GENESIS` for
a chain the server has never seen), and its hash must recompute with the shared formula
(`desktop.domain.audit_chain`). A break is refused as a whole batch (409
``audit_chain_broken``, naming the chain, the event and why) and written to the server's own
audit log: a removed, edited or reordered event on the PC is seen, never silently stored.
An event the server already has (same id) is a no-op, so a batch whose answer was lost is
simply sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain.audit_chain import GENESIS
from desktop.domain.numbering import looks_like_registration_number, parse_registration_number
from server import audit, audit_search
from server.audit_search import AuditQuery
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.idempotency import json_response, once_more_on_conflict
from server.models import Application, ClientAuditChain, ClientAuditEvent, User
from server.problems import ProblemError
from server.reports.period import parse_day
from server.routes import AUTHED, errors
from server.schemas import (
    AuditBatch,
    AuditBatchResult,
    AuditEventIn,
    AuditEventPage,
    AuditVerifyReport,
)
from server.scope import in_scope

router = APIRouter(tags=["audit"])

BROKEN_DETAIL = (
    "Rantai log audit perangkat ini tidak bersambung dengan yang sudah diterima server; "
    "kiriman ditolak dan dicatat. Hubungi administrator."
)


@dataclass
class _Head:
    row: ClientAuditChain | None
    device_id: str | None
    length: int
    hash: str
    event_id: str


@router.post("/audit", response_model=AuditBatchResult, responses=errors(*AUTHED, 409))
def post_events(
    body: AuditBatch, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """Store a desktop's events, each chain checked to continue from its last accepted event.

    An event is linked to its application only when the sender can see that application; an
    unknown or other office's id is kept as sent (`application_ref`) but not linked: an event
    about an offline application that never reached the server (discarded after a conflict)
    must still be delivered. A chain that does not continue is refused (409
    `audit_chain_broken`, with `chain_id`, `event_id`, `position` in the batch and `reason`)."""
    return once_more_on_conflict(
        session, lambda: _post_events(body, principal, session, state.now())
    )


def _chain_of(event: AuditEventIn, principal: Principal) -> tuple[str, str | None, str]:
    """(chain key, device id, user id) as the event was hashed: what it names, else the
    sender's device (its chain when the client names none) and user."""
    device = event.device_id if event.device_id is not None else principal.device_id
    user = str(event.user_id) if event.user_id is not None else principal.user.id
    if event.chain_id is not None:
        return str(event.chain_id), device, user
    return device or f"user:{principal.user.id}", device, user


def _refuse(
    session: Session,
    principal: Principal,
    now: datetime,
    *,
    chain_id: str,
    device_id: str | None,
    event_id: str,
    position: int,
    reason: str,
    expected_prev_hash: str,
) -> ProblemError:
    """Nothing of the batch is kept; the break is recorded in the server's own chain."""
    session.rollback()
    where: dict[str, Any] = {
        "chain_id": chain_id,
        "device_id": device_id,
        "event_id": event_id,
        "position": position,
        "reason": reason,
        "expected_prev_hash": expected_prev_hash,
    }
    audit.append(
        session,
        "client_audit_chain_broken",
        at=now,
        actor_id=principal.user.id,
        details={**where, "sent_by_device": principal.device_id},
    )
    session.commit()
    return ProblemError(409, "audit_chain_broken", BROKEN_DETAIL, **where)


def _stored_meanwhile(session: Session, event_id: str) -> bool:
    """Whether the event is in the database now, read afresh (not from `known`)."""
    found = session.execute(
        select(ClientAuditEvent.id).where(ClientAuditEvent.id == event_id)
    ).first()
    return found is not None


def _post_events(
    body: AuditBatch, principal: Principal, session: Session, now: datetime
) -> Response:
    ids = [str(e.id) for e in body.events]
    known = set(
        session.execute(select(ClientAuditEvent.id).where(ClientAuditEvent.id.in_(ids)))
        .scalars()
        .all()
    )
    sent_refs = {str(e.application_id) for e in body.events if e.application_id}
    visible = {
        app_id
        for app_id, office_code in session.execute(
            select(Application.id, Application.office_code).where(Application.id.in_(sent_refs))
        )
        if in_scope(principal.office.code, office_code)
    }
    heads: dict[str, _Head] = {}
    accepted = duplicates = unlinked = 0
    for position, event in enumerate(body.events):
        event_id = str(event.id)
        if event_id in known:
            duplicates += 1
            continue
        known.add(event_id)
        chain_id, device_id, user_id = _chain_of(event, principal)
        head = heads.get(chain_id)
        if head is None:
            row = session.get(ClientAuditChain, chain_id)
            head = (
                _Head(row, device_id, row.length, row.head_hash, row.head_event_id)
                if row is not None
                else _Head(None, device_id, 0, GENESIS, "")
            )
            heads[chain_id] = head
        prev_hash = event.prev_hash or GENESIS
        ref = str(event.application_id) if event.application_id else None
        stored = ClientAuditEvent(
            id=event_id,
            user_id=principal.user.id,
            device_id=device_id,
            chain_id=chain_id,
            user_ref=user_id,
            kind=event.kind,
            application_id=ref if ref in visible else None,
            application_ref=ref,
            device_time=event.device_time,
            details=event.details,
            prev_hash=prev_hash,
            hash=event.hash,
            received_at=now,
        )
        reason = ""
        if prev_hash != head.hash:
            reason = "prev_hash"
        elif audit.client_event_hash(stored) != event.hash:  # the formula `verify` walks with
            reason = "hash"
        if reason and _stored_meanwhile(session, event_id):
            # A request with the same batch committed after `known` was read and before this
            # chain's head was (PostgreSQL reads committed rows per statement): a replay.
            duplicates += 1
            continue
        if reason:
            raise _refuse(
                session,
                principal,
                now,
                chain_id=chain_id,
                device_id=device_id,
                event_id=event_id,
                position=position,
                reason=reason,
                expected_prev_hash=head.hash,
            )
        if ref is not None and ref not in visible:
            unlinked += 1
        head.length += 1
        head.hash, head.event_id = event.hash, event_id
        stored.chain_idx = head.length
        session.add(stored)
        accepted += 1
    for chain_id, head in heads.items():
        if head.row is None:
            if head.length:
                session.add(
                    ClientAuditChain(
                        chain_id=chain_id,
                        device_id=head.device_id,
                        length=head.length,
                        head_event_id=head.event_id,
                        head_hash=head.hash,
                        updated_at=now,
                    )
                )
        elif head.length != head.row.length:
            head.row.length = head.length
            head.row.head_hash = head.hash
            head.row.head_event_id = head.event_id
            head.row.updated_at = now
    if accepted:
        audit.append(
            session,
            "client_audit_batch",
            at=now,
            actor_id=principal.user.id,
            details={
                "accepted": accepted,
                "device_id": principal.device_id,
                "chains": sorted(heads),
                **({"unlinked": unlinked} if unlinked else {}),
            },
        )
    session.commit()
    return json_response({"accepted": accepted, "duplicates": duplicates})


AUDIT_ROLES = ("admin", "supervisor")
"""Issue 14 / Perwali Bitung Pasal 12: whoever is authorised may examine what users did. The
administrator runs the offices; a supervisor (kepala seksi, camat, kepala dinas) watches his
offices' work, so reads the log of his scope too. Both read only: nothing here changes a row."""


@router.get("/audit/verify", response_model=AuditVerifyReport, responses=errors(*AUTHED))
def verify(principal: CurrentPrincipal, session: DbSession) -> Response:
    """The server's own chain, and every desktop chain walked from its first event; a broken
    chain names its first bad row and the check it failed (`where`)."""
    require_roles(principal, *AUDIT_ROLES)
    return json_response(audit.verify_report(session))


@router.get("/audit/events", response_model=AuditEventPage, responses=errors(*AUTHED, 422))
def events(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    user: Annotated[str | None, Query(max_length=64, description="User id or username")] = None,
    application: Annotated[
        str | None, Query(max_length=40, description="Application id or registration number")
    ] = None,
    kind: Annotated[str | None, Query(max_length=64, description="Action (exact)")] = None,
    device: Annotated[str | None, Query(max_length=64, description="Device id")] = None,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    source: Annotated[Literal["server", "desktop"] | None, Query()] = None,
    ref: Annotated[
        str | None, Query(max_length=80, description="One row: `server:<idx>` or `desktop:<id>`")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """The audit log (server chain and desktop events) newest first, filtered, keyset-paged,
    scoped to the caller's office subtree; `from`/`to` are the office's local dates."""
    require_roles(principal, *AUDIT_ROLES)
    query = AuditQuery(
        scope=principal.office.code,
        top=principal.office.parent_code is None,
        user_ids=_user_ids(session, user),
        application_ids=_application_ids(session, application),
        kind=kind.strip() if kind and kind.strip() else None,
        device=device.strip() if device and device.strip() else None,
        source=source,
        ref=_ref(ref),
        **_period(start, end, state.zone),
    )
    page, next_cursor = audit_search.search(
        session, query, audit_search.decode_cursor(cursor) if cursor else None, limit
    )
    return json_response({"items": page, "next_cursor": next_cursor})


def _user_ids(session: Session, text: str | None) -> tuple[str, ...] | None:
    """The typed id as is (a removed user's id still matches its rows) and whoever has it as
    id or username."""
    if text is None or not text.strip():
        return None
    typed = text.strip()
    found = session.execute(
        select(User.id).where(or_(User.id == typed, User.username == typed.lower()))
    ).scalars()
    return (typed, *found)


def _application_ids(session: Session, text: str | None) -> tuple[str, ...] | None:
    if text is None or not text.strip():
        return None
    typed = text.strip()
    clauses = [Application.id == typed.lower()]
    if looks_like_registration_number(typed):
        clauses.append(Application.registration_number == str(parse_registration_number(typed)))
    found = session.execute(select(Application.id).where(or_(*clauses))).scalars()
    return (typed.lower(), *found)


def _ref(text: str | None) -> tuple[str, str] | None:
    if text is None or not text.strip():
        return None
    source, _, key = text.strip().partition(":")
    if source not in audit_search.SOURCES or not key:
        raise ProblemError(
            422,
            "validation_error",
            "Rujukan baris audit harus berbentuk server:<nomor> atau desktop:<id>.",
            errors=[{"loc": ["query", "ref"], "msg": "invalid ref"}],
        )
    return source, key


def _period(start: str | None, end: str | None, zone: tzinfo) -> dict[str, datetime | None]:
    """Local dates to UTC bounds: `from` at 00:00, `to` through the end of that day."""
    first = parse_day(start, "from") if start else None
    last = parse_day(end, "to") if end else None
    if first is not None and last is not None and last < first:
        raise ProblemError(
            422,
            "invalid_period",
            f"Tanggal akhir ({last.isoformat()}) lebih awal dari tanggal awal "
            f"({first.isoformat()}).",
        )
    return {
        "start": None
        if first is None
        else datetime.combine(first, time(), tzinfo=zone).astimezone(UTC),
        "end": None
        if last is None
        else datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC),
    }
