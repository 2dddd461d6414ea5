"""Client audit events in (idempotent batches) and the server chain's integrity check."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from server import audit
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.idempotency import json_response, once_more_on_conflict
from server.models import Application, ClientAuditEvent
from server.routes import AUTHED, errors
from server.schemas import AuditBatch, AuditBatchResult, AuditVerify
from server.scope import in_scope

router = APIRouter(tags=["audit"])


@router.post("/audit", response_model=AuditBatchResult, responses=errors(*AUTHED))
def post_events(
    body: AuditBatch, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """Store a desktop's events as sent (its own chain is kept for later verification).

    An event is linked to its application only when the sender can see that application; an
    unknown or other office's id is kept as sent (`application_ref`) but not linked. Never a
    refusal: an event about an offline application that never reached the server (discarded
    after a conflict) must still be delivered."""
    return once_more_on_conflict(
        session, lambda: _post_events(body, principal, session, state.now())
    )


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
    accepted = duplicates = unlinked = 0
    for event in body.events:
        event_id = str(event.id)
        if event_id in known:
            duplicates += 1
            continue
        known.add(event_id)
        ref = str(event.application_id) if event.application_id else None
        if ref is not None and ref not in visible:
            unlinked += 1
        session.add(
            ClientAuditEvent(
                id=event_id,
                user_id=principal.user.id,
                device_id=principal.device_id,
                kind=event.kind,
                application_id=ref if ref in visible else None,
                application_ref=ref,
                device_time=event.device_time,
                details=event.details,
                prev_hash=event.prev_hash,
                hash=event.hash,
                received_at=now,
            )
        )
        accepted += 1
    if accepted:
        audit.append(
            session,
            "client_audit_batch",
            at=now,
            actor_id=principal.user.id,
            details={
                "accepted": accepted,
                "device_id": principal.device_id,
                **({"unlinked": unlinked} if unlinked else {}),
            },
        )
    session.commit()
    return json_response({"accepted": accepted, "duplicates": duplicates})


@router.get("/audit/verify", response_model=AuditVerify, responses=errors(*AUTHED))
def verify(principal: CurrentPrincipal, session: DbSession) -> Response:
    require_roles(principal, "admin")
    ok, entries, first_bad, head = audit.verify(session)
    return json_response({"ok": ok, "entries": entries, "first_bad": first_bad, "head": head})
