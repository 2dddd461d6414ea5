"""Key escrow for the desktop's encrypted stores (issue 10, "encrypted at rest").

Each user has a random secret here (`User.escrow_secret`, 32 bytes). A desktop fetches its own
at every ONLINE sign-in and wraps each local store key under a key derived from it (HKDF), next
to the wrap under the user's password (`desktop/services/vault.py`); it never writes the secret
itself to disk. So:

- after an administrator resets a password, the next online sign-in opens the store keys with
  the secret and wraps them under the new password (nothing is set aside);
- an administrator can recover the unsent work of any user in their scope (also a disabled
  one) on the PC that holds it: ``POST /users/{id}/escrow`` hands that user's secret to the
  administrator's session, and every such hand-over is in the audit log with its reason.

Neither half opens anything alone: the PC's wrap needs the secret, the secret needs the PC's
wrap (which never leaves the PC). Carried requests (USB transfer) may not ask for either.
"""

from __future__ import annotations

import base64
import secrets
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.responses import Response

from server import audit
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.idempotency import json_response
from server.models import User
from server.problems import ProblemError, not_found
from server.routes import AUTHED, errors
from server.schemas import Strict
from server.scope import in_scope

router = APIRouter(tags=["escrow"])

SECRET_BYTES = 32


class EscrowOut(BaseModel):
    user_id: str
    username: str
    escrow_secret: str
    """Base64 of the user's 32-byte escrow secret."""


class RecoverIn(Strict):
    reason: Annotated[str, Field(min_length=3, max_length=300)]
    """Why the administrator needs it (kept in the audit log)."""


def _not_carried(principal: Principal) -> None:
    if principal.carrier is not None:
        raise ProblemError(403, "forbidden", "Permintaan titipan tidak boleh meminta kunci.")


def _answer(user: User) -> Response:
    assert user.escrow_secret is not None
    response = json_response(
        {"user_id": user.id, "username": user.username, "escrow_secret": user.escrow_secret}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/me/escrow", response_model=EscrowOut, responses=errors(*AUTHED))
def own_escrow(principal: CurrentPrincipal, session: DbSession, state: State) -> Response:
    """The signed-in user's escrow secret (made the first time it is asked for)."""
    _not_carried(principal)
    if _make(session, principal.user.id):
        audit.append(
            session,
            "escrow_secret_made",
            at=state.now(),
            actor_id=principal.user.id,
            details={"user": principal.user.id, "device_id": principal.device_id},
        )
    session.commit()
    user = session.get(User, principal.user.id)
    if user is None:
        raise not_found("Pengguna")
    return _answer(user)


def _make(session: Session, user_id: str) -> bool:
    """Give the user a secret unless one exists (a conditional UPDATE: two first sign-ins at
    the same moment on two PCs never get two different secrets). True when made now."""
    fresh = base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")
    result = session.execute(
        update(User)
        .where(User.id == user_id, User.escrow_secret.is_(None))
        .values(escrow_secret=fresh)
    )
    return bool(getattr(result, "rowcount", 0))


@router.post("/users/{user_id}/escrow", response_model=EscrowOut, responses=errors(*AUTHED, 404))
def recover_escrow(
    user_id: UUID, body: RecoverIn, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """An administrator takes a user's escrow secret (disabled or not, within the
    administrator's scope) to export that user's unsent work on the PC holding it. Audited:
    who, for whom, from which device, why. 404 ``escrow_missing`` when the user never signed
    in with a Loket that asks for one (nothing on any PC is wrapped under it)."""
    _not_carried(principal)
    require_roles(principal, "admin")
    user = session.get(User, str(user_id))
    if user is None or not in_scope(principal.office.code, user.office_code):
        raise not_found("Pengguna")
    audit.append(
        session,
        "escrow_secret_released" if user.escrow_secret else "escrow_secret_missing",
        at=state.now(),
        actor_id=principal.user.id,
        details={
            "user": user.id,
            "username": user.username,
            "disabled": user.disabled,
            "device_id": principal.device_id,
            "reason": body.reason,
        },
    )
    session.commit()
    if user.escrow_secret is None:
        raise ProblemError(
            404,
            "escrow_missing",
            f"Pengguna '{user.username}' belum pernah masuk dengan Loket versi ini, sehingga "
            "tidak ada kunci cadangan untuknya.",
        )
    return _answer(user)
