"""Users and devices, for administrators, within their office's scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased
from starlette.responses import Response

from server import audit
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.idempotency import json_response, once_more_on_conflict
from server.models import AuthSession, Device, Office, User
from server.problems import ProblemError, not_found
from server.routes import AUTHED, errors
from server.schemas import DeviceList, DeviceRevoke, UserCreate, UserList, UserOut, UserPatch
from server.scope import in_scope, scope_clause
from server.security import hash_password
from server.serialize import iso

router = APIRouter(tags=["admin"])


def user_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "nip": user.nip,
        "roles": list(user.roles),
        "office_code": user.office_code,
        "disabled": user.disabled,
        "created_at": iso(user.created_at),
        "locked_until": iso(user.locked_until),
    }


def _office_in_scope(session: Session, principal: Principal, code: str) -> Office:
    office = session.get(Office, code)
    if office is None or not in_scope(principal.office.code, office.code):
        raise ProblemError(
            422, "unknown_office", f"Kantor '{code}' tidak dikenal atau di luar wilayah Anda."
        )
    return office


@router.get("/users", response_model=UserList, responses=errors(*AUTHED))
def list_users(principal: CurrentPrincipal, session: DbSession) -> Response:
    require_roles(principal, "admin")
    users = (
        session.execute(
            select(User)
            .where(scope_clause(User.office_code, principal.office.code))
            .order_by(User.username)
        )
        .scalars()
        .all()
    )
    return json_response({"items": [user_dict(u) for u in users]})


@router.post("/users", status_code=201, response_model=UserOut, responses=errors(*AUTHED, 409))
def create_user(
    body: UserCreate, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    require_roles(principal, "admin")
    return once_more_on_conflict(
        session, lambda: _create_user(body, principal, session, state.now())
    )


def _create_user(
    body: UserCreate, principal: Principal, session: Session, now: datetime
) -> Response:
    office = _office_in_scope(session, principal, body.office_code)
    if session.execute(select(User.id).where(User.username == body.username)).first():
        raise ProblemError(409, "username_taken", f"Nama pengguna '{body.username}' sudah dipakai.")
    user = User(
        id=str(uuid.uuid4()),
        username=body.username,
        full_name=body.full_name,
        password_hash=hash_password(body.password),
        roles=list(dict.fromkeys(body.roles)),
        office_code=office.code,
        disabled=False,
        created_at=now,
        failed_count=0,
        nip=body.nip or None,
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        "user_created",
        at=now,
        actor_id=principal.user.id,
        details={"user": user.id, "username": user.username, "roles": user.roles},
    )
    body_out = user_dict(user)
    session.commit()
    return json_response(body_out, 201)


@router.patch("/users/{user_id}", response_model=UserOut, responses=errors(*AUTHED, 404))
def patch_user(
    user_id: UUID, body: UserPatch, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """Change roles, office, name or password, or (dis)able. Disabling or a new password ends
    the user's sessions at once; re-enabling also clears a lock-out."""
    require_roles(principal, "admin")
    now = state.now()
    user = session.get(User, str(user_id))
    if user is None or not in_scope(principal.office.code, user.office_code):
        raise not_found("Pengguna")
    changes: dict[str, Any] = {}
    end_sessions = False
    if body.full_name is not None:
        user.full_name = body.full_name
        changes["full_name"] = body.full_name
    if body.nip is not None:
        user.nip = body.nip or None
        changes["nip"] = user.nip
    if body.roles is not None:
        user.roles = list(dict.fromkeys(body.roles))
        changes["roles"] = user.roles
    if body.office_code is not None:
        user.office_code = _office_in_scope(session, principal, body.office_code).code
        changes["office_code"] = user.office_code
        end_sessions = True
    if body.password is not None:
        user.password_hash = hash_password(body.password)
        changes["password"] = "changed"
        end_sessions = True
    if body.disabled is not None:
        user.disabled = body.disabled
        changes["disabled"] = body.disabled
        if body.disabled:
            end_sessions = True
        else:
            user.locked_until = None
            user.failed_count = 0
    if end_sessions:
        session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="disabled" if user.disabled else "admin")
        )
    audit.append(
        session,
        "user_changed",
        at=now,
        actor_id=principal.user.id,
        details={"user": user.id, **changes},
    )
    out = user_dict(user)
    session.commit()
    return json_response(out)


@router.get("/devices", response_model=DeviceList, responses=errors(*AUTHED))
def list_devices(principal: CurrentPrincipal, session: DbSession) -> Response:
    require_roles(principal, "admin")
    return json_response({"items": _devices(session, principal)})


def _devices(
    session: Session, principal: Principal, device_id: str | None = None
) -> list[dict[str, Any]]:
    """The devices in the admin's scope (one PC's rows when `device_id` is given)."""
    revoker = aliased(User)
    query = (
        select(Device, User.username, revoker.username)
        .outerjoin(User, User.id == Device.last_user_id)
        .outerjoin(revoker, revoker.id == Device.revoked_by)
        .where(scope_clause(Device.office_code, principal.office.code))
        .order_by(Device.office_code, Device.code)
    )
    if device_id is not None:
        query = query.where(Device.device_id == device_id)
    return [
        {
            "device_id": d.device_id,
            "code": d.code,
            "office_code": d.office_code,
            "first_seen": iso(d.first_seen),
            "last_seen": iso(d.last_seen),
            "last_username": username,
            "revoked_at": iso(d.revoked_at),
            "revoked_reason": d.revoked_reason,
            "revoked_by_username": revoked_by,
        }
        for d, username, revoked_by in session.execute(query).all()
    ]


@router.post(
    "/devices/{device_id}/revoke",
    response_model=DeviceList,
    responses=errors(*AUTHED, 404, 409, 422),
)
def revoke_device(
    device_id: str,
    body: DeviceRevoke,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Revoke a PC (lost, stolen, retired): from now on its sessions' requests and sign-ins
    answer 403 ``device_revoked``. Its unsent work stays on it and can be exported and carried
    by another PC. Revoking again answers the same (the first reason and time are kept)."""
    require_roles(principal, "admin")
    reason = body.reason.strip()
    if len(reason) < 3:
        raise ProblemError(422, "reason_required", "Tulis alasan pencabutan (minimal 3 huruf).")
    rows = (
        session.execute(
            select(Device).where(
                Device.device_id == device_id[:64],
                scope_clause(Device.office_code, principal.office.code),
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        raise not_found("Perangkat")
    if device_id == principal.device_id:
        raise ProblemError(
            409,
            "own_device",
            "Perangkat yang sedang Anda pakai tidak dapat dicabut dari perangkat itu sendiri.",
        )
    fresh = [d for d in rows if d.revoked_at is None]
    if fresh:
        now = state.now()
        for device in fresh:
            device.revoked_at = now
            device.revoked_by = principal.user.id
            device.revoked_reason = reason
        audit.append(
            session,
            "device_revoked",
            at=now,
            actor_id=principal.user.id,
            details={
                "device_id": device_id,
                "device_codes": [f"{d.office_code}/{d.code}" for d in fresh],
                "reason": reason,
                "transaction_id": str(body.transaction_id) if body.transaction_id else None,
            },
        )
        session.flush()
    out = _devices(session, principal, device_id[:64])
    session.commit()
    return json_response({"items": out})
