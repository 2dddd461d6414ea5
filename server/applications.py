"""Application operations: scope, claims, workflow actions, numbers, history, change sequence.

Every decision goes through `desktop.domain.workflow.transition`, the same function the desktop
uses offline. Every change gives the application a new `seq` (the change feed) and appends to
the audit chain, in the same transaction. Lock order, always: application row, registration
counter, change sequence, audit chain - so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.domain.catalogue import Service
from desktop.domain.numbering import format_registration_number
from desktop.domain.workflow import (
    CLAIM_LEASE,
    Action,
    Refusal,
    RefusalCode,
    Role,
    State,
    available_actions,
    transition,
)
from server import audit, counters
from server.deps import Principal
from server.models import Application, HistoryEntry, User
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


LEVEL_RANK = {"kelurahan": 0, "kecamatan": 1, "dinas": 2}
LEVEL_NAMES = {"kelurahan": "kelurahan", "kecamatan": "kecamatan", "dinas": "dinas (Disdukcapil)"}
DECISION_LEVEL_BY_CATEGORY = {"adminduk": "dinas", "surat_kelurahan": "kelurahan"}
"""Which office level decides (verifies, validates, signs) a service, by category: Disdukcapil
documents are issued by the dinas wherever they were taken in; a kelurahan letter is the
kelurahan's own (its lurah signs it). A catalogue field `tingkat_keputusan` would override this
per service; until the catalogue has one, `Service.decision_level` is read when present."""
_STAGE_STATES = {
    State.SUBMITTED: "verifikasi",
    State.VERIFIED: "validasi",
    State.VALIDATED: "validasi",
}
_ROLE_VALUES = frozenset(r.value for r in Role)


def decision_level(service: Service) -> str:
    level: str | None = getattr(service, "decision_level", None)
    return level or DECISION_LEVEL_BY_CATEGORY.get(service.category, "dinas")


def service_refusal(
    service: Service | None, office_level: str, state: State, role: Role
) -> Refusal | None:
    """Why `role` at an office of `office_level` may not decide `service` in `state`, or None.

    Applies to the deciding states only (submitted: the service's `peran_verifikasi`;
    verified and validated: its `peran_validasi`), on top of the workflow table. The office
    must be at the service's decision level or above it (an office sees only its own subtree,
    so "above" means the office the deciding office reports to).
    """
    stage = _STAGE_STATES.get(state)
    if service is None or stage is None:
        return None
    allowed = service.verifier_roles if stage == "verifikasi" else service.validator_roles
    if role.value not in allowed:
        names = ", ".join(sorted(Role(r).label for r in allowed if r in _ROLE_VALUES))
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Peran {role.label} tidak berwenang dalam tahap {stage} layanan '{service.name}'; "
            f"yang berwenang: {names or '-'}.",
        )
    level = decision_level(service)
    if LEVEL_RANK.get(office_level, -1) < LEVEL_RANK.get(level, 2):
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Layanan '{service.name}' diverifikasi, divalidasi dan ditandatangani di tingkat "
            f"{LEVEL_NAMES.get(level, level)}; kantor tingkat "
            f"{LEVEL_NAMES.get(office_level, office_level)} tidak berwenang memutuskannya.",
        )
    return None


def acting_roles(principal: Principal, state: State, service: Service | None) -> list[Role]:
    """The caller's roles that may take some action in `state` on this service here."""
    roles = []
    for name in principal.roles:
        if name not in _ROLE_VALUES:
            continue
        role = Role(name)
        if available_actions(state, [role]) and (
            service_refusal(service, principal.office.level, state, role) is None
        ):
            roles.append(role)
    return roles


def claim_refusal(principal: Principal, state: State, service: Service | None) -> Refusal | None:
    """Why the caller may not claim an application in `state` (none of their roles can act)."""
    if acting_roles(principal, state, service):
        return None
    for name in principal.roles:
        if name in _ROLE_VALUES and available_actions(state, [Role(name)]):
            refusal = service_refusal(service, principal.office.level, state, Role(name))
            if refusal is not None:
                return refusal
    return Refusal(
        RefusalCode.ROLE_NOT_ALLOWED,
        f"Peran Anda tidak dapat memproses permohonan berstatus '{state.label}'.",
    )


def acting_role(principal: Principal, state: State, service: Service | None = None) -> str:
    """The first of the user's roles that may act in `state` (else their first role)."""
    roles = acting_roles(principal, state, service)
    if roles:
        return roles[0].value
    return principal.roles[0] if principal.roles else Role.OPERATOR.value


def decide(
    principal: Principal,
    state: State,
    action: Action,
    reason: str | None,
    claimed: bool,
    service: Service | None = None,
) -> tuple[State | Refusal, str]:
    """Run `transition` for each of the user's roles; the first that allows it acts.

    A role the workflow allows must also be allowed for this service at the caller's office
    level (`service_refusal`), checked before the reason and the claim. When no role may act,
    the refusal about the reason or the claim is preferred (the person can fix it), then the
    service/office refusal (it says who decides instead), then the plain role refusal.
    """
    refusals: list[tuple[Refusal, str]] = []
    specific: list[tuple[Refusal, str]] = []
    for role in principal.roles:
        if role not in _ROLE_VALUES:
            continue
        result = transition(state, action, Role(role), reason=reason, holds_claim=claimed)
        if isinstance(result, Refusal) and result.code in (
            RefusalCode.WRONG_STATE,
            RefusalCode.ROLE_NOT_ALLOWED,
        ):
            refusals.append((result, role))
            continue
        refused = service_refusal(service, principal.office.level, state, Role(role))
        if refused is not None:
            specific.append((refused, role))
            continue
        if isinstance(result, State):
            return result, role
        refusals.append((result, role))
    if not refusals and not specific:
        return Refusal(RefusalCode.ROLE_NOT_ALLOWED, "Akun tanpa peran tidak dapat bertindak."), ""
    for refusal, role in refusals:
        if refusal.code not in (RefusalCode.ROLE_NOT_ALLOWED, RefusalCode.WRONG_STATE):
            return refusal, role
    if specific:
        return specific[0]
    return refusals[0]


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
) -> HistoryEntry:
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


def sla_deadline(state: ServerState, service_code: str, start: datetime) -> datetime | None:
    service = state.catalogue.services.get(service_code)
    if service is None:
        return None
    return start + timedelta(hours=service.sla_hours)


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
        app.due_at = sla_deadline(state, app.service_code, now)
    # The claim stays only while its holder can still act (validate -> sign); otherwise the
    # next person in the workflow must be able to claim at once.
    service = state.catalogue.services.get(app.service_code)
    if target.terminal or not acting_roles(principal, target, service):
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
        },
    )


def refusal_problem(
    session: Session, app: Application, refusal: Refusal, now: datetime
) -> ProblemError:
    code = refusal.code.value
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


def claim_lease_end(now: datetime) -> datetime:
    return now + CLAIM_LEASE
