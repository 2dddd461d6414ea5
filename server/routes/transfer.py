"""USB transfer (issue 10, "long outages"): the keys behind a transfer file, and what the
server already has.

- ``PUT /devices/current/key``: the signed-in device registers its Ed25519 public key. The first
  registration wins; a different key for the same device later is refused (409) and audited, so
  a stolen session cannot swap the key and then sign requests as that device.
- ``POST /transfer/office-key``: the office's transfer key (AES-256), made the first time one of
  its staff asks. Each PC keeps it in its keyring, so a file can be written while offline and
  read only by a PC of the same office.
- ``GET /devices/{device_id}/public-key``: the key a PC checks a file's signature with before it
  sends anything from it (the server checks each carried request again, `server.origin`).
- ``POST /transfer/seen``: which of these transaction ids and document ids the server already
  has (of this office), so an import sends only what is new and says so ("0 baru").
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import Response

from server import audit, idempotency
from server.deps import CurrentPrincipal, DbSession, Principal, State
from server.models import Application, Device, Document, HistoryEntry, IdempotencyRecord, Office
from server.models import User as UserRow
from server.origin import public_key
from server.problems import ProblemError
from server.routes import AUTHED, errors
from server.schemas import Strict
from server.serialize import iso

router = APIRouter(tags=["transfer"])

MAX_IDS = 5000


class DeviceKeyIn(Strict):
    public_key: Annotated[str, Field(min_length=40, max_length=64)]
    """Base64 of the 32-byte Ed25519 public key."""


class DeviceKeyOut(BaseModel):
    device_id: str
    device_code: str
    office_code: str
    public_key: str
    registered_at: str | None


class OfficeKeyOut(BaseModel):
    office_code: str
    key_id: str
    """First 16 hex digits of sha256(key): names the key in a file's header."""
    key: str
    """Base64 of the 32-byte AES-256-GCM key."""


class SeenIn(Strict):
    transaction_ids: Annotated[list[str], Field(default_factory=list, max_length=MAX_IDS)]
    document_ids: Annotated[list[str], Field(default_factory=list, max_length=MAX_IDS)]


class SeenOut(BaseModel):
    transaction_ids: list[str]
    document_ids: list[str]


def _not_carried(principal: Principal) -> None:
    if principal.carrier is not None:
        raise ProblemError(403, "forbidden", "Permintaan titipan tidak boleh mengubah kunci.")


def _device(session: DbSession, principal: Principal) -> Device:
    device = session.execute(
        select(Device).where(
            Device.office_code == principal.office.code, Device.device_id == principal.device_id
        )
    ).scalar_one_or_none()
    if device is None:
        raise ProblemError(409, "device_unknown", "Perangkat ini belum terdaftar; masuk kembali.")
    return device


def _key_out(device: Device) -> dict[str, object]:
    return {
        "device_id": device.device_id,
        "device_code": device.code,
        "office_code": device.office_code,
        "public_key": device.public_key or "",
        "registered_at": iso(device.key_registered_at) if device.key_registered_at else None,
    }


@router.put(
    "/devices/current/key",
    response_model=DeviceKeyOut,
    responses=errors(*AUTHED, 409),
)
def register_key(
    body: DeviceKeyIn, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """Register this device's signing key (first registration wins; the same key again is
    fine; another key is refused with 409 ``device_key_mismatch`` and audited)."""
    _not_carried(principal)
    try:
        public_key(body.public_key)
    except ValueError:
        raise ProblemError(
            422, "validation_error", "Kunci publik harus 32 bita Ed25519 dalam base64."
        ) from None
    device = _device(session, principal)
    now = state.now()
    details = {"device_id": device.device_id, "device_code": device.code}
    if device.public_key and device.public_key != body.public_key:
        audit.append(
            session, "device_key_refused", at=now, actor_id=principal.user.id, details=details
        )
        session.commit()  # the refusal is kept even though the request fails
        raise ProblemError(
            409,
            "device_key_mismatch",
            f"Perangkat {device.code} sudah terdaftar dengan kunci lain. Hubungi administrator.",
        )
    if not device.public_key:
        device.public_key = body.public_key
        device.key_registered_at = now
        audit.append(
            session, "device_key_registered", at=now, actor_id=principal.user.id, details=details
        )
        session.commit()
    return idempotency.json_response(_key_out(device))


@router.get(
    "/devices/{device_id}/public-key",
    response_model=DeviceKeyOut,
    responses=errors(*AUTHED, 404),
)
def device_key(
    device_id: Annotated[str, Path(max_length=64)],
    principal: CurrentPrincipal,
    session: DbSession,
) -> Response:
    """A device of the caller's office and its registered key (404: none)."""
    device = session.execute(
        select(Device).where(
            Device.office_code == principal.office.code, Device.device_id == device_id
        )
    ).scalar_one_or_none()
    if device is None or not device.public_key:
        raise ProblemError(404, "not_found", "Perangkat itu tidak terdaftar di kantor ini.")
    return idempotency.json_response(_key_out(device))


@router.post("/transfer/office-key", response_model=OfficeKeyOut, responses=errors(*AUTHED))
def office_key(principal: CurrentPrincipal, session: DbSession) -> Response:
    """The caller's office transfer key, made the first time anyone of the office asks."""
    _not_carried(principal)
    office = session.get(Office, principal.office.code, with_for_update=True)
    assert office is not None
    if not office.transfer_key:
        office.transfer_key = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        session.commit()
    key = base64.b64decode(office.transfer_key)
    return idempotency.json_response(
        {"office_code": office.code, "key_id": key_id(key), "key": office.transfer_key}
    )


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


@router.post("/transfer/seen", response_model=SeenOut, responses=errors(*AUTHED))
def seen(body: SeenIn, principal: CurrentPrincipal, session: DbSession) -> Response:
    """Which of these ids the server already has from this office: transaction ids (history
    entries, idempotent requests) and document ids."""
    office = principal.office.code
    txs = set(body.transaction_ids)
    found: set[str] = set()
    if txs:
        found.update(
            str(t)
            for t in session.execute(
                select(HistoryEntry.transaction_id).where(
                    HistoryEntry.transaction_id.in_(txs), HistoryEntry.office_code == office
                )
            ).scalars()
        )
        found.update(
            str(k)
            for k in session.execute(
                select(IdempotencyRecord.key)
                .join(UserRow, UserRow.id == IdempotencyRecord.user_id)
                .where(IdempotencyRecord.key.in_(txs), UserRow.office_code == office)
            ).scalars()
        )
    docs: list[str] = []
    if body.document_ids:
        docs = [
            str(d)
            for d in session.execute(
                select(Document.id)
                .join(Application, Application.id == Document.application_id)
                .where(Document.id.in_(set(body.document_ids)), Application.office_code == office)
            ).scalars()
        ]
    return idempotency.json_response(
        {"transaction_ids": sorted(found & txs), "document_ids": sorted(docs)}
    )
