"""Application operations: scope, claims, workflow actions, numbers, history, change sequence.

Who may claim and decide is judged by `desktop.domain.authority` (over the workflow table of
`desktop.domain.workflow`), the same functions the desktop uses up front and offline; this
module only maps their refusals to HTTP (`refusal_problem`). Every change gives the application
a new `seq` (the change feed) and appends to the audit chain, in the same transaction. Lock
order, always: application row, registration counter, change sequence, audit chain - so
concurrent writers cannot deadlock.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.domain import authority
from desktop.domain.catalogue import Service
from desktop.domain.numbering import format_registration_number
from desktop.domain.sla import expected_completion
from desktop.domain.workflow import CLAIM_LEASE, Action, Refusal, RefusalCode, Role, State
from server import audit, counters, idempotency
from server.deps import Principal
from server.models import Application, HistoryEntry, IssuedDocument, User
from server.problems import ProblemError, not_found
from server.scope import in_scope
from server.serialize import detail_dict, iso
from server.state import ServerState


def load_in_scope(
    session: Session, principal: Principal, app_id: str, *, lock: bool = False
) -> Application:
    """The application, or 404 whether it does not exist or is outside the caller's scope."""
    stmt = select(Application).where(Application.id == app_id)
    if lock:
        stmt = stmt.with_for_update()
    app = session.execute(stmt).scalar_one_or_none()
    if app is None or not in_scope(principal.office.code, app.office_code):
        raise not_found("Permohonan")
    return app


def holds_claim(app: Application, user_id: str, now: datetime) -> bool:
    return (
        app.claim_user_id == user_id
        and app.claim_expires_at is not None
        and app.claim_expires_at > now
    )


def active_claim(app: Application, now: datetime) -> bool:
    return (
        app.claim_user_id is not None
        and app.claim_expires_at is not None
        and (app.claim_expires_at > now)
    )


def claim_dict(session: Session, app: Application) -> dict[str, Any] | None:
    if app.claim_user_id is None:
        return None
    holder = session.get(User, app.claim_user_id)
    return {
        "user_id": app.claim_user_id,
        "username": holder.username if holder else "",
        "full_name": holder.full_name if holder else "",
        "expires_at": iso(app.claim_expires_at),
    }


def acting_role(principal: Principal, state: State, service: Service | None = None) -> str:
    """The role a claim or release is recorded under: the first of the caller's roles that
    may act in `state` on this service (`authority.acting_roles`), else their first role."""
    roles = authority.acting_roles(principal.actor, state, service)
    if roles:
        return roles[0].value
    return principal.roles[0] if principal.roles else Role.OPERATOR.value


def next_position(session: Session, app_id: str) -> int:
    count = session.execute(
        select(func.max(HistoryEntry.position)).where(HistoryEntry.application_id == app_id)
    ).scalar()
    return int(count or 0) + 1


def add_history(
    session: Session,
    app: Application,
    principal: Principal,
    *,
    action: str,
    role: str,
    now: datetime,
    from_status: str | None,
    to_status: str | None,
    reason: str | None = None,
    device_time: datetime | None = None,
    checklist: list[dict[str, Any]] | None = None,
    transaction_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> HistoryEntry:
    """Append a history entry; `transaction_id` is the request's key, shown in the entry so a
    client can find its own decision by id. A key already on another entry is 409
    `idempotency_conflict`, never a 500 from the unique constraint (e.g. one UUID sent both as
    a create's `Idempotency-Key` and as an action's `transaction_id`)."""
    if (
        transaction_id is not None
        and session.execute(
            select(HistoryEntry.id).where(HistoryEntry.transaction_id == transaction_id)
        ).first()
    ):
        raise idempotency.conflict("transaction_id")
    entry = HistoryEntry(
        id=str(uuid.uuid4()),
        application_id=app.id,
        position=next_position(session, app.id),
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=principal.user.id,
        role=role,
        office_code=principal.office.code,
        device_id=principal.device_id,
        device_time=device_time,
        server_time=now,
        reason=reason,
        checklist=checklist,
        details=details,
        transaction_id=transaction_id,
    )
    session.add(entry)
    session.flush()
    return entry


def assign_registration(
    state: ServerState, session: Session, app: Application, now: datetime
) -> None:
    """Official number on first submission: `area-yymmdd-sequence-check`, daily sequence per
    kabupaten/kota allocated atomically."""
    if app.registration_number:
        return
    area = app.office_code.replace(".", "")[:4]
    day = state.local_date(now)
    number = counters.allocate(session, counters.registration_counter(area, day.isoformat()))
    app.registration_number = format_registration_number(area, day, number)


def sla_deadline(
    state: ServerState, service_code: str, start: datetime
) -> tuple[date, datetime] | None:
    """(expected completion date, due moment = the end of that local day), or None for a
    service the catalogue does not know. The SLA counts working days (`desktop.domain.sla`)."""
    service = state.catalogue.services.get(service_code)
    if service is None:
        return None
    expected = expected_completion(start, service.sla_hours, tz=state.zone)
    end = datetime.combine(expected + timedelta(days=1), time(), tzinfo=state.zone)
    return expected, end.astimezone(UTC)


def apply_transition(
    state: ServerState,
    session: Session,
    app: Application,
    principal: Principal,
    action: Action,
    target: State,
    now: datetime,
) -> None:
    """Mutate the application for an allowed action (history and seq are the caller's)."""
    app.status = target.value
    app.version += 1
    app.updated_at = now
    if action in (Action.SUBMIT, Action.RESUBMIT):
        assign_registration(state, session, app, now)
        app.submitted_at = now
        deadline = sla_deadline(state, app.service_code, now)
        app.expected_date, app.due_at = deadline if deadline else (None, None)
    # The claim stays only while its holder can still act (validate -> sign); otherwise the
    # next person in the workflow must be able to claim at once.
    service = state.catalogue.services.get(app.service_code)
    if target.terminal or not authority.acting_roles(principal.actor, target, service):
        app.claim_user_id = None
        app.claim_expires_at = None


def touch(
    session: Session,
    app: Application,
    principal: Principal,
    now: datetime,
    kind: str,
    details: dict[str, Any],
    *,
    new_seq: bool = True,
) -> None:
    """New change-feed sequence for the application, then the audit row (locks in order)."""
    if new_seq:
        app.seq = counters.allocate(session, counters.SEQ)
    app.updated_at = max(app.updated_at, now)
    session.flush()
    audit.append(
        session,
        kind,
        at=now,
        actor_id=principal.user.id,
        application_id=app.id,
        details={
            **details,
            "seq": app.seq,
            "status": app.status,
            "version": app.version,
            **({"reported_device": principal.reported_device} if principal.reported_device else {}),
            **({"carried_by": principal.carrier} if principal.carrier else {}),
        },
    )


def refusal_problem(
    session: Session, app: Application, refusal: Refusal, now: datetime
) -> ProblemError:
    """A refusal of `desktop.domain.authority` as the API's problem (api-v1.md, "Errors")."""
    code = refusal.code.value
    if refusal.code is RefusalCode.OUT_OF_SCOPE:
        return not_found("Permohonan")
    if refusal.code is RefusalCode.WRONG_STATE:
        return ProblemError(409, code, refusal.message, current=detail_dict(session, app, now))
    if refusal.code is RefusalCode.ROLE_NOT_ALLOWED:
        return ProblemError(403, code, refusal.message)
    if refusal.code is RefusalCode.REASON_REQUIRED:
        return ProblemError(422, code, refusal.message)
    extras: dict[str, Any] = {"current": detail_dict(session, app, now)}
    if active_claim(app, now):
        extras["claim"] = claim_dict(session, app)
    return ProblemError(409, code, refusal.message, **extras)


def signed_document(
    session: Session, app: Application, action: Action, sha256: str | None
) -> dict[str, Any] | None:
    """The `sign` action's record of the signed document (history `details.document`), or None
    without one. The hash must be of a valid document registered on this application (the
    desktop registers before it signs off): a sign naming another file is refused (422)."""
    if sha256 is None:
        return None

    def refuse(message: str) -> ProblemError:
        return ProblemError(
            422,
            "validation_error",
            message,
            errors=[{"loc": ["body", "document_sha256"], "msg": message}],
        )

    if action is not Action.SIGN:
        raise refuse("SHA-256 dokumen hanya dicatat pada tindakan Tandatangani.")
    doc = session.execute(
        select(IssuedDocument)
        .where(
            IssuedDocument.application_id == app.id,
            IssuedDocument.sha256 == sha256,
            IssuedDocument.status == "valid",
        )
        .limit(1)
    ).scalar_one_or_none()
    if doc is None:
        raise refuse(
            "Dokumen bertanda tangan dengan SHA-256 ini belum terdaftar (atau dibatalkan) "
            "pada permohonan ini; daftarkan dokumennya dahulu."
        )
    return {
        "document": {
            "sha256": doc.sha256,
            "code": doc.code,
            "document_type": doc.document_type,
            "letter_number": doc.letter_number,
        }
    }


def claim_lease_end(now: datetime) -> datetime:
    return now + CLAIM_LEASE
