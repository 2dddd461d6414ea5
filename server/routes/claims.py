"""Queue supervision (issue 14): who holds which application and for how long, and handing a
claim to another officer. Releasing stays `DELETE /applications/{id}/claim` (with a reason)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain import authority
from desktop.domain.authority import Actor
from desktop.domain.workflow import State as WState
from server import applications as ops
from server import claims, idempotency
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.models import Application, Office, User
from server.problems import ProblemError
from server.routes import AUTHED, errors
from server.schemas import ClaimList, ClaimReassign, ClaimResult
from server.scope import in_scope, scope_clause
from server.serialize import iso
from server.state import ServerState

router = APIRouter(tags=["claims"])

SUPERVISING = ("supervisor", "admin")


@router.get("/claims", response_model=ClaimList, responses=errors(*AUTHED))
def list_claims(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    office: Annotated[str | None, Query(max_length=20)] = None,
    holder: Annotated[str | None, Query(max_length=64, description="user id or username")] = None,
) -> Response:
    """Every unexpired claim in the caller's scope, longest held first."""
    require_roles(principal, *SUPERVISING)
    now = state.now()
    items = claims.active_claims(
        session, principal.office.code, now, office=office or None, holder=holder or None
    )
    return idempotency.json_response({"items": items, "now": iso(now)})


def _candidate_ok(
    session: Session, user: User, app: Application, state: ServerState, scope: str
) -> bool:
    """Whether `user` could claim `app` now: enabled, in the supervisor's scope, and allowed
    by the same rules as `POST /claim` (`authority.may_claim`)."""
    if user.disabled or not in_scope(scope, user.office_code):
        return False
    office = session.get(Office, user.office_code)
    if office is None:
        return False
    actor = Actor.of(user.roles, office.code, office.level)
    service = state.catalogue.services.get(app.service_code)
    return authority.may_claim(actor, app.office_code, service, WState(app.status)) is None


@router.get("/applications/{app_id}/claim/candidates", responses=errors(*AUTHED, 404))
def candidates(
    app_id: UUID, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """The staff in scope who could take this application's claim now (the chooser of
    "Alihkan ke…"), the current holder left out."""
    require_roles(principal, *SUPERVISING)
    app = ops.load_in_scope(session, principal, str(app_id))
    users = (
        session.execute(
            select(User)
            .where(scope_clause(User.office_code, principal.office.code))
            .order_by(User.full_name, User.username)
        )
        .scalars()
        .all()
    )
    items = [
        {
            "id": u.id,
            "username": u.username,
            "full_name": u.full_name,
            "office_code": u.office_code,
            "roles": list(u.roles),
        }
        for u in users
        if u.id != app.claim_user_id
        and _candidate_ok(session, u, app, state, principal.office.code)
    ]
    return idempotency.json_response({"items": items})


@router.post(
    "/applications/{app_id}/claim/reassign",
    response_model=ClaimResult,
    responses=errors(*AUTHED, 404, 409, 422),
)
def reassign(
    app_id: UUID,
    body: ClaimReassign,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Give the claim to `to_user_id` (a fresh lease), whoever held it; audited with the old
    and new holder and the reason; the old holder is told on their next claim request.
    Replayed by `transaction_id`."""
    require_roles(principal, *SUPERVISING)
    return idempotency.once_more_on_conflict(
        session, lambda: _reassign(str(app_id), body, principal, session, state)
    )


def _reassign(
    app_id: str, body: ClaimReassign, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    key = str(body.transaction_id)
    to_id = str(body.to_user_id)
    rhash = idempotency.request_hash(
        principal.user.id, {"reassign": app.id, "to": to_id, "reason": body.reason}
    )
    replayed = idempotency.replay(session, "reassign", key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    target = session.get(User, to_id)
    if target is None or not in_scope(principal.office.code, target.office_code):
        raise _bad_target("Petugas tujuan tidak ditemukan di wilayah Anda.")
    if target.disabled:
        raise _bad_target(f"Akun {target.full_name} dinonaktifkan; pilih petugas lain.")
    if not _candidate_ok(session, target, app, state, principal.office.code):
        raise _bad_target(
            f"{target.full_name} tidak dapat menangani permohonan ini pada status sekarang."
        )
    previous = app.claim_user_id if ops.active_claim(app, now) else None
    if previous == to_id:
        raise ProblemError(
            409, "already_holder", f"Permohonan ini sudah ditangani oleh {target.full_name}."
        )
    app.claim_user_id = to_id
    app.claim_expires_at = ops.claim_lease_end(now)
    details: dict[str, Any] = {"from": previous, "to": to_id, "to_username": target.username}
    ops.add_history(
        session,
        app,
        principal,
        action="reassign",
        role="supervisor" if principal.has_any("supervisor") else "admin",
        now=now,
        from_status=None,
        to_status=None,
        reason=body.reason,
        transaction_id=key,
        details=details,
    )
    if previous is not None:
        claims.add_notice(
            session,
            user_id=previous,
            app_id=app.id,
            kind="reassign",
            by_user_id=principal.user.id,
            to_user_id=to_id,
            reason=body.reason,
            now=now,
        )
    ops.touch(session, app, principal, now, "claim_reassigned", {**details, "reason": body.reason})
    answer = {"claim": ops.claim_dict(session, app), "version": app.version}
    idempotency.remember(session, "reassign", key, principal.user.id, rhash, 200, answer, now)
    session.commit()
    return idempotency.json_response(answer)


def _bad_target(message: str) -> ProblemError:
    return ProblemError(
        422, "validation_error", message, errors=[{"loc": ["body", "to_user_id"], "msg": message}]
    )
