"""Request dependencies: the database session and the authenticated caller.

One session per request: GET/HEAD read in a deferred transaction, everything else writes in an
immediate one (SQLite) so a request that reads then writes never dies on a lock upgrade.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain.authority import Actor
from server import origin
from server.models import AccessToken, AuthSession, Device, Office, User
from server.problems import ProblemError
from server.security import token_hash
from server.state import ServerState
from server.text import strip_invisible

log = logging.getLogger(__name__)

bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.loket
    return state


def get_session(request: Request) -> Iterator[Session]:
    state = get_state(request)
    session = state.db.session(write=request.method not in READ_METHODS)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@dataclass
class Principal:
    """The caller: user, office, the log-in session and the device it came from."""

    user: User
    office: Office
    session_id: str
    device_id: str | None
    device_code: str | None
    reported_device: str | None = None
    """An `X-Loket-Device` header that differs from the session's device (recorded, not used)."""
    carrier: str | None = None
    """A request carried for another device (USB transfer, `server.origin`): the signed-in
    user and device that sent it ("username/D03"); `user` and `device_*` are the origin's."""

    @property
    def roles(self) -> list[str]:
        return list(self.user.roles)

    def has_any(self, *roles: str) -> bool:
        return any(r in self.user.roles for r in roles)

    @property
    def actor(self) -> Actor:
        """The caller as `desktop.domain.authority` judges them."""
        return Actor.of(self.user.roles, self.office.code, self.office.level)


DEVICE_REVOKED = (
    "Perangkat ini dicabut oleh administrator; perangkat ini tidak dapat lagi masuk atau "
    "mengirim ke server. Pekerjaan yang belum terkirim tetap tersimpan dan dapat diekspor "
    "(loket outbox export) untuk dikirim dari komputer lain."
)


def device_revoked() -> ProblemError:
    return ProblemError(403, "device_revoked", DEVICE_REVOKED)


def is_revoked_device(session: Session, device_id: str | None) -> bool:
    """Whether an administrator revoked this PC, at any office: a revoked PC is the machine,
    so a user of another office signing in on it is refused as well."""
    if not device_id:
        return False
    found = session.execute(
        select(Device.id)
        .where(Device.device_id == device_id, Device.revoked_at.is_not(None))
        .limit(1)
    ).first()
    return found is not None


def _invalid(detail: str = "Sesi tidak sah. Silakan masuk kembali.") -> ProblemError:
    return ProblemError(401, "token_invalid", detail, headers={"WWW-Authenticate": "Bearer"})


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    carried_digest: Annotated[str | None, Depends(origin.body_digest)],
) -> Principal:
    """Authenticate in a short read transaction of its own.

    A request carrying origin headers (USB transfer) is then checked by `server.origin` and
    handled as the origin user and device, the carrier recorded (`Principal.carrier`).

    Never in the request's write session: on SQLite that would take the write lock here and
    hold it across a thread hop to the endpoint, and with every worker thread waiting for the
    lock the holder could not get a thread to finish (starvation until the busy timeout).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _invalid("Token akses tidak ada. Silakan masuk.")
    token = credentials.credentials
    if not token or len(token) > 200:
        raise _invalid()
    state = get_state(request)
    with state.db.session(write=False) as session:
        principal = _authenticate(request, state, session, token)
        if carried_digest is None:
            return principal
        user, device = origin.verify(request, session, principal.office.code, carried_digest)
        carrier = f"{principal.user.username}/{principal.device_code or principal.device_id}"
        return Principal(
            user, principal.office, principal.session_id, device.device_id, device.code,
            carrier=carrier,
        )  # fmt: skip


def _authenticate(request: Request, state: ServerState, session: Session, token: str) -> Principal:
    row = session.execute(
        select(AccessToken, AuthSession, User)
        .join(AuthSession, AuthSession.id == AccessToken.session_id)
        .join(User, User.id == AuthSession.user_id)
        .where(AccessToken.token_hash == token_hash(state.secret, token))
    ).first()
    if row is None:
        raise _invalid()
    access, auth_session, user = row
    # The session's own device, not a carried request's origin (`server.origin`): work that
    # another PC carries for a revoked device still arrives, recorded with its carrier.
    if is_revoked_device(session, auth_session.device_id):
        raise device_revoked()
    if user.disabled:  # before the revocation check: disabling also revokes the sessions
        raise ProblemError(403, "account_disabled", "Akun Anda dinonaktifkan oleh administrator.")
    if auth_session.revoked_at is not None:
        raise _invalid("Sesi telah berakhir. Silakan masuk kembali.")
    if access.expires_at <= state.now():
        raise ProblemError(
            401,
            "token_expired",
            "Token akses kedaluwarsa; perbarui token.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    office = session.get(Office, user.office_code)
    assert office is not None
    device_code = None
    if auth_session.device_pk is not None:
        device = session.get(Device, auth_session.device_pk)
        device_code = device.code if device else None
    # The device is the one the session logged in from; a header naming another one is only
    # recorded (it must never let a request claim to come from someone else's PC).
    device_id = auth_session.device_id
    header = strip_invisible(request.headers.get("x-loket-device") or "")[:64]
    reported = header if header and header != device_id else None
    if reported is not None:
        log.warning(
            "session %s of user %s sent X-Loket-Device %r; its device is %r",
            auth_session.id,
            user.username,
            reported,
            device_id,
        )
    return Principal(user, office, auth_session.id, device_id, device_code, reported)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
DbSession = Annotated[Session, Depends(get_session)]
State = Annotated[ServerState, Depends(get_state)]


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_any(*roles):
        raise ProblemError(403, "forbidden", "Peran Anda tidak berwenang untuk fungsi ini.")
