"""Log-in, token refresh with rotation and reuse detection, log-out, and /me.

A refresh token is single-use: each refresh returns a new one and marks the old one used.
Presenting a used one means it was copied, so the whole family (the log-in session) is revoked
and every access token of it dies with it.

One exception keeps a counter PC signed in when a refresh's answer is lost on a bad line: the
used token is accepted once more within `refresh_grace` seconds, from the session's device, as
long as the pair it produced is still untouched (its refresh token unused), and answered with
that same pair. The pair is derived from the presented token and the server secret
(`security.successor_tokens`), so nothing but hashes is stored. Any other use of a used token
is reuse, as before.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, tzinfo
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from starlette.responses import Response

from server import audit, counters
from server.config import STATUS_PATH
from server.deps import CurrentPrincipal, DbSession, State, device_revoked, is_revoked_device
from server.idempotency import json_response
from server.models import AccessToken, AuthSession, Device, Office, RefreshToken, User
from server.problems import ProblemError
from server.routes import errors
from server.schemas import LoginRequest, Me, RefreshRequest, Tokens
from server.security import (
    burn_time,
    new_token,
    successor_tokens,
    token_hash,
    verify_password,
)
from server.serialize import iso, office_dict
from server.state import ServerState
from server.text import strip_invisible

log = logging.getLogger(__name__)
router = APIRouter(tags=["auth"])


def public_status_url(state: ServerState, request: Request) -> str:
    """Base of the public status link: `LOKET_PUBLIC_URL` + `/status`, else this request's
    own base URL (what the desktop reached the server by)."""
    base = state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + STATUS_PATH


def me_dict(
    state: ServerState,
    user: User,
    office: Office,
    device_code: str | None,
    request: Request,
) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "nip": user.nip,
        "roles": list(user.roles),
        "office": office_dict(office),
        "device_code": device_code,
        "offline_policy": {"max_offline_days": state.settings.max_offline_days},
        "public_status_url": public_status_url(state, request),
    }


def _device(
    session: Session, office_code: str, device_id: str, user_id: str, now: datetime
) -> Device:
    """The device's record at this office; a new one gets the next short code (D01, D02...)."""
    name = f"device:{office_code}"
    counters.allocate(session, name, 0)  # take the counter's lock before looking
    device = session.execute(
        select(Device).where(Device.office_code == office_code, Device.device_id == device_id)
    ).scalar_one_or_none()
    if device is None:
        number = counters.allocate(session, name)
        device = Device(
            office_code=office_code,
            device_id=device_id,
            code=f"D{number:02d}",
            first_seen=now,
            last_seen=now,
            last_user_id=user_id,
        )
        session.add(device)
    else:
        device.last_seen = now
        device.last_user_id = user_id
    session.flush()
    return device


def _issue(
    state: ServerState,
    session: Session,
    auth_session: AuthSession,
    now: datetime,
    pair: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """Store the hashes of a new (access, refresh) pair: `pair`, or a random one."""
    access, refresh = pair or (new_token(), new_token())
    session.add(
        AccessToken(
            token_hash=token_hash(state.secret, access),
            session_id=auth_session.id,
            expires_at=now + timedelta(seconds=state.settings.access_ttl),
        )
    )
    session.add(
        RefreshToken(
            token_hash=token_hash(state.secret, refresh),
            session_id=auth_session.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=state.settings.refresh_ttl),
        )
    )
    return access, refresh


def _tokens(state: ServerState, access: str, refresh: str, me: dict[str, Any]) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": state.settings.access_ttl,
        "refresh_expires_in": state.settings.refresh_ttl,
        "user": me,
    }


def _invalid_credentials() -> ProblemError:
    return ProblemError(401, "invalid_credentials", "Nama pengguna atau kata sandi salah.")


def _locked(until: datetime, now: datetime, zone: tzinfo) -> ProblemError:
    return ProblemError(
        423,
        "account_locked",
        "Akun dikunci sementara karena terlalu banyak percobaan masuk yang gagal. "
        f"Coba lagi setelah pukul {until.astimezone(zone).strftime('%H:%M')}.",
        locked_until=iso(until),
        headers={"Retry-After": str(max(1, int((until - now).total_seconds())))},
    )


def _disabled() -> ProblemError:
    return ProblemError(403, "account_disabled", "Akun Anda dinonaktifkan oleh administrator.")


@router.post("/auth/login", response_model=Tokens, responses=errors(400, 401, 403, 413, 422, 423))
def login(body: LoginRequest, request: Request, state: State) -> Response:
    """Tokens for a username and password from a device; 5 failures in 15 minutes lock the
    account for 15 minutes (423)."""
    # The ~90 ms argon2 check runs after a short read, holding no lock (in a write transaction
    # it would hold SQLite's database write lock and stall every writer during a burst of
    # log-ins). The write that follows re-reads the user under a row lock (`FOR UPDATE`; on
    # SQLite the write lock), so concurrent failures are counted one by one and a lock-out set
    # meanwhile by another request is honoured.
    now = state.now()
    with state.db.session(write=False) as reading:
        found = reading.execute(
            select(User.id, User.password_hash, User.locked_until).where(
                User.username == body.username
            )
        ).first()
    if found is None:
        burn_time(body.password)
        raise _invalid_credentials()
    user_id, password_hash, locked_until = found
    if locked_until is not None and locked_until > now:
        raise _locked(locked_until, now, state.zone)
    password_ok = verify_password(password_hash, body.password)
    with state.db.session(write=True) as session:
        user = session.execute(
            select(User).where(User.id == user_id).with_for_update()
        ).scalar_one_or_none()
        if user is None:  # deleted meanwhile
            raise _invalid_credentials()
        if user.locked_until is not None and user.locked_until > now:
            raise _locked(user.locked_until, now, state.zone)
        if not password_ok:
            _count_failure(state, session, user, body.device_id, now)
        if user.disabled:
            raise _disabled()
        if is_revoked_device(session, body.device_id):
            raise device_revoked()
        return _open_session(state, session, user, body.device_id, now, request)


def _count_failure(
    state: ServerState, session: Session, user: User, device_id: str, now: datetime
) -> None:
    """One failed log-in, counted under the row lock; raises 401, or 423 when it locks."""
    settings = state.settings
    window = timedelta(seconds=settings.lockout_window)
    if user.failed_window_start is None or now - user.failed_window_start > window:
        user.failed_window_start = now
        user.failed_count = 0
    user.failed_count += 1
    locked = user.failed_count >= settings.lockout_threshold
    if locked:
        user.locked_until = now + timedelta(seconds=settings.lockout_duration)
        user.failed_count = 0
        user.failed_window_start = None
    audit.append(
        session,
        "account_locked" if locked else "login_failed",
        at=now,
        actor_id=user.id,
        details={"device_id": device_id},
    )
    until = user.locked_until
    session.commit()
    log.info("failed log-in for user %s%s", user.username, " (locked)" if locked else "")
    if locked and until is not None:
        raise _locked(until, now, state.zone)
    raise _invalid_credentials()


def _open_session(
    state: ServerState,
    session: Session,
    user: User,
    device_id: str,
    now: datetime,
    request: Request,
) -> Response:
    user.failed_count = 0
    user.failed_window_start = None
    user.locked_until = None
    office = session.get(Office, user.office_code)
    assert office is not None
    device = _device(session, office.code, device_id, user.id, now)
    auth_session = AuthSession(
        id=str(uuid.uuid4()),
        user_id=user.id,
        device_pk=device.id,
        device_id=device_id,
        created_at=now,
    )
    session.add(auth_session)
    session.flush()
    access, refresh = _issue(state, session, auth_session, now)
    # Expired access tokens are useless; sweep them here rather than in a background job.
    session.execute(delete(AccessToken).where(AccessToken.expires_at < now - timedelta(days=1)))
    audit.append(
        session,
        "login",
        at=now,
        actor_id=user.id,
        details={"device_id": device_id, "device_code": device.code},
    )
    me = me_dict(state, user, office, device.code, request)
    session.commit()
    log.info("log-in: %s from device %s", user.username, device.code)
    return json_response(_tokens(state, access, refresh, me))


def _revoke(session: Session, auth_session_id: str, now: datetime, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == auth_session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def _retry_answer(
    state: ServerState,
    session: Session,
    token: RefreshToken,
    presented: str,
    auth_session: AuthSession,
    device_header: str,
    now: datetime,
) -> tuple[str, str] | None:
    """The pair a used refresh token produced, if this presentation is the one allowed retry of
    it (see the module docstring); None means reuse."""
    grace = timedelta(seconds=state.settings.refresh_grace)
    if grace <= timedelta(0) or token.used_at is None or token.grace_used_at is not None:
        return None
    # `now` was read before this request waited for the token's row lock, so a refresh racing
    # the first one may see a use "after" its now: that is concurrency, still within the period.
    if now - token.used_at > grace:
        return None
    if device_header and device_header != auth_session.device_id:
        return None
    access, refresh = successor_tokens(state.secret, presented)
    successor = session.get(RefreshToken, token_hash(state.secret, refresh))
    if successor is None or successor.session_id != auth_session.id or successor.used_at:
        return None
    access_row = session.get(AccessToken, token_hash(state.secret, access))
    if access_row is None or access_row.session_id != auth_session.id:
        return None
    return access, refresh


@router.post("/auth/refresh", response_model=Tokens, responses=errors(400, 401, 403, 413, 422))
def refresh(body: RefreshRequest, request: Request, session: DbSession, state: State) -> Response:
    """A new pair for an unused refresh token; a used one revokes its session, except for one
    retry of a refresh whose answer was lost (same pair, within `refresh_grace` seconds)."""
    now = state.now()
    invalid = ProblemError(
        401, "refresh_invalid", "Sesi berakhir atau tidak sah. Silakan masuk kembali."
    )
    token = session.execute(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_hash(state.secret, body.refresh_token))
        .with_for_update()
    ).scalar_one_or_none()
    if token is None:
        raise invalid
    auth_session = session.get(AuthSession, token.session_id)
    if auth_session is None:
        raise invalid
    user = session.get(User, auth_session.user_id)
    assert user is not None
    if user.disabled:
        # Disabling revokes the sessions, but the answer names the reason, so the desktop can
        # wipe its offline credential (a revoked session alone means "log in again").
        _revoke(session, auth_session.id, now, "disabled")
        session.commit()
        raise _disabled()
    if is_revoked_device(session, auth_session.device_id):
        raise device_revoked()
    if auth_session.revoked_at is not None:
        raise invalid
    if token.used_at is not None:
        device_header = strip_invisible(request.headers.get("x-loket-device") or "")[:64]
        retried = _retry_answer(
            state, session, token, body.refresh_token, auth_session, device_header, now
        )
        if retried is not None:
            token.grace_used_at = now
            audit.append(
                session,
                "refresh_retry",
                at=now,
                actor_id=auth_session.user_id,
                details={"session": auth_session.id},
            )
            me = _me_of(state, session, user, auth_session, request)
            session.commit()
            log.info("refresh retried within the grace period; session %s", auth_session.id)
            return json_response(_tokens(state, *retried, me))
        _revoke(session, auth_session.id, now, "refresh_reuse")
        audit.append(
            session,
            "refresh_reuse",
            at=now,
            actor_id=auth_session.user_id,
            details={"session": auth_session.id},
        )
        session.commit()
        log.warning("refresh token reused; session %s revoked", auth_session.id)
        raise invalid
    if token.expires_at <= now:
        raise invalid
    token.used_at = now
    access, new_refresh = _issue(
        state, session, auth_session, now, successor_tokens(state.secret, body.refresh_token)
    )
    me = _me_of(state, session, user, auth_session, request)
    session.commit()
    return json_response(_tokens(state, access, new_refresh, me))


def _me_of(
    state: ServerState,
    session: Session,
    user: User,
    auth_session: AuthSession,
    request: Request,
) -> dict[str, Any]:
    office = session.get(Office, user.office_code)
    assert office is not None
    device = session.get(Device, auth_session.device_pk) if auth_session.device_pk else None
    return me_dict(state, user, office, device.code if device else None, request)


@router.post(
    "/auth/logout",
    status_code=204,
    response_class=Response,
    responses=errors(400, 413, 422),
)
def logout(body: RefreshRequest, session: DbSession, state: State) -> Response:
    """Revoke the refresh token's session. Needs no access token (an expired one must never
    keep a counter PC from logging out) and always answers 204, even for unknown tokens."""
    now = state.now()
    token = session.get(RefreshToken, token_hash(state.secret, body.refresh_token))
    if token is not None:
        auth_session = session.get(AuthSession, token.session_id)
        if auth_session is not None and auth_session.revoked_at is None:
            _revoke(session, auth_session.id, now, "logout")
            audit.append(session, "logout", at=now, actor_id=auth_session.user_id, details={})
            session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=errors(400, 401, 403))
def me(principal: CurrentPrincipal, request: Request, state: State) -> Response:
    return json_response(
        me_dict(state, principal.user, principal.office, principal.device_code, request)
    )
