"""Requests carried for another device (USB transfer), checked against that device's key.

A PC signed in at an office may send, on behalf of another device of the same office, requests
that device signed when it exported its unsent work (`desktop.domain.origin`). The request
carries the carrier's own bearer token (so only a signed-in member of staff can carry) and the
origin headers; when the signature verifies with the origin device's registered key, the
request is handled as the origin user on the origin device, and the carrier is recorded
(`Principal.carrier`, shown in the audit as ``carried_by``).

Refused (403 ``origin_refused``, nothing applied): an unknown device or one without a key, a
user who is not (or no longer) active at the carrier's office, a user who never signed in on
that device, a signature that does not verify. A carried request can never itself register a
key or fetch the office key (`routes/transfer.py`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain import origin
from server.models import AuthSession, Device, User
from server.problems import ProblemError

log = logging.getLogger(__name__)

_HEADER_SIGNATURE = origin.HEADER_SIGNATURE.lower()


def carried(request: Request) -> bool:
    return _HEADER_SIGNATURE in request.headers


async def body_digest(request: Request) -> str | None:
    """sha256 of a carried request's body (None for an ordinary request: its body is never
    read here). An upload names its digest in ``X-Content-SHA256``, which the upload route
    checks the streamed body against, so its body is not read twice."""
    if not carried(request):
        return None
    declared = request.headers.get("x-content-sha256")
    if declared:
        return declared.strip().lower()
    return hashlib.sha256(await request.body()).hexdigest()


def refused(detail: str) -> ProblemError:
    return ProblemError(403, "origin_refused", detail)


def public_key(text: str) -> Ed25519PublicKey:
    """A registered key from its base64 text; ValueError when it is not an Ed25519 key."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != 32:
        raise ValueError("not 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(
    request: Request, session: Session, office_code: str, digest: str
) -> tuple[User, Device]:
    """The origin user and device of a carried request, or `refused`."""
    device_id = (request.headers.get(origin.HEADER_DEVICE) or "").strip()[:64]
    user_id = (request.headers.get(origin.HEADER_USER) or "").strip()[:36]
    signature_text = request.headers.get(origin.HEADER_SIGNATURE) or ""
    try:
        signature = base64.b64decode(signature_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise refused("Tanda tangan perangkat asal tidak terbaca.") from None
    device = session.execute(
        select(Device).where(Device.office_code == office_code, Device.device_id == device_id)
    ).scalar_one_or_none()
    if device is None or not device.public_key:
        raise refused("Perangkat asal tidak terdaftar (dengan kuncinya) di kantor ini.")
    user = session.get(User, user_id) if user_id else None
    if user is None or user.disabled or user.office_code != office_code:
        raise refused("Pengguna asal tidak (lagi) aktif di kantor ini.")
    signed_in_there = session.execute(
        select(AuthSession.id)
        .where(AuthSession.user_id == user.id, AuthSession.device_pk == device.id)
        .limit(1)
    ).first()
    if signed_in_there is None:
        raise refused("Pengguna asal belum pernah masuk di perangkat asal.")
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        message = origin.statement(
            device_id=device.device_id,
            office_code=office_code,
            user_id=user.id,
            method=request.method,
            path=path,
            idempotency_key=request.headers.get("idempotency-key") or "",
            body_sha256=digest,
        )
        public_key(device.public_key).verify(signature, message)
    except (ValueError, InvalidSignature):
        log.warning(
            "carried request refused: signature of device %s does not verify (%s %s)",
            device.code,
            request.method,
            request.url.path,
        )
        raise refused("Tanda tangan perangkat asal tidak sah: permintaan ditolak.") from None
    return user, device
