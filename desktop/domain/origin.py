"""The statement a device signs for a request another PC carries for it (USB transfer).

A counter PC cut off for days exports its unsent work to a file; another PC of the same office
imports it and sends each request *as the original device and user*. The original device signs,
at export time, exactly what will be sent: who (device, office, user), the idempotency key, the
method, the path with its query, and the sha256 of the body. The server checks that signature
with the device's registered public key (`server.origin`), so the carrying PC can neither change
a request nor make one up. One function here, used by both sides, so they never disagree on the
bytes.
"""

from __future__ import annotations

VERSION = "loket-origin-v1"

HEADER_DEVICE = "X-Loket-Origin-Device"
HEADER_USER = "X-Loket-Origin-User"
HEADER_SIGNATURE = "X-Loket-Origin-Signature"
"""Base64 (standard alphabet) of the Ed25519 signature over `statement(...)`."""


def statement(
    *,
    device_id: str,
    office_code: str,
    user_id: str,
    method: str,
    path: str,
    idempotency_key: str,
    body_sha256: str,
) -> bytes:
    """The signed bytes: one field per line, so no field can spill into another (none may
    hold a newline). `path` is what the server sees: ``/api/v1/...`` plus ``?query`` if any;
    `idempotency_key` is the ``Idempotency-Key`` header ("" when the request has none);
    `body_sha256` is lowercase hex (of the empty body for a DELETE)."""
    fields = (
        VERSION,
        device_id,
        office_code,
        user_id,
        method.upper(),
        path,
        idempotency_key,
        body_sha256.lower(),
    )
    if any("\n" in f or "\r" in f for f in fields):
        raise ValueError("a signed field holds a line break")
    return "\n".join(fields).encode("utf-8")
