"""Queue supervision (issue 14) over the server's claims API; no Qt.

Who holds which application and for how long (`GET /claims`, scoped by the server), who could
take a claim over (`GET .../claim/candidates`, judged by the server with the claim rules), and
the two supervisor actions: release with a reason, reassign with a reason. Both carry a fresh
transaction id, so a retried request never acts twice or on a claim taken since.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.domain.records import parse_datetime
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import BadResponse

REASON_MAX = 500
"""The server's limit for a supervisor's reason."""


@dataclass(frozen=True)
class HeldClaim:
    app_id: str
    registration_number: str | None
    service_code: str
    status: str
    office_code: str
    holder_id: str
    holder_username: str
    holder_name: str
    since: datetime | None
    expires_at: datetime
    held_seconds: int

    @property
    def number(self) -> str:
        return self.registration_number or self.app_id[:8]


@dataclass(frozen=True)
class Candidate:
    id: str
    username: str
    full_name: str
    office_code: str


def _str(row: Any, key: str, what: str) -> str:
    value = row.get(key) if isinstance(row, dict) else None
    if not isinstance(value, str) or not value:
        raise BadResponse(f"Jawaban {what} dari server tidak valid: '{key}'.")
    return value


def _when(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_datetime(value)
    except ValueError as exc:
        raise BadResponse(f"Jawaban {what} dari server berisi waktu yang tidak valid.") from exc


def held_claim(row: Any) -> HeldClaim:
    what = "daftar klaim"
    app = row.get("application") if isinstance(row, dict) else None
    holder = row.get("holder") if isinstance(row, dict) else None
    held = row.get("held_seconds") if isinstance(row, dict) else None
    expires = _when(row.get("expires_at") if isinstance(row, dict) else None, what)
    if not isinstance(held, int) or isinstance(held, bool) or expires is None:
        raise BadResponse("Jawaban daftar klaim dari server tidak lengkap.")
    number = app.get("registration_number") if isinstance(app, dict) else None
    return HeldClaim(
        app_id=_str(app, "id", what),
        registration_number=number if isinstance(number, str) else None,
        service_code=_str(app, "service_code", what),
        status=_str(app, "status", what),
        office_code=_str(app, "office_code", what),
        holder_id=_str(holder, "id", what),
        holder_username=_str(holder, "username", what),
        holder_name=_str(holder, "full_name", what),
        since=_when(row.get("since"), what),
        expires_at=expires,
        held_seconds=held,
    )


def held_for(seconds: int) -> str:
    """ "2 jam 05 mnt", "14 mnt", "< 1 mnt": how long, at a glance."""
    minutes = max(0, seconds) // 60
    if minutes < 1:
        return "< 1 mnt"
    hours, rest = divmod(minutes, 60)
    if hours:
        return f"{hours} jam {rest:02d} mnt"
    return f"{rest} mnt"


class ClaimsSupervisionService:
    """Remote calls for the Klaim page (call from workers)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def claims(self, *, office: str | None = None, holder: str | None = None) -> list[HeldClaim]:
        body = self.api.claims({"office": office or None, "holder": holder or None})
        items = body.get("items")
        if not isinstance(items, list):
            raise BadResponse("Jawaban daftar klaim dari server tidak berisi 'items'.")
        return [held_claim(row) for row in items]

    def candidates(self, app_id: str) -> list[Candidate]:
        items = self.api.claim_candidates(app_id).get("items")
        if not isinstance(items, list):
            raise BadResponse("Jawaban daftar petugas dari server tidak berisi 'items'.")
        what = "daftar petugas"
        return [
            Candidate(
                _str(r, "id", what),
                _str(r, "username", what),
                _str(r, "full_name", what),
                _str(r, "office_code", what),
            )
            for r in items
        ]

    def release(self, app_id: str, reason: str, transaction_id: str | None = None) -> None:
        self.api.release_claim_of_other(
            app_id, reason=reason.strip(), transaction_id=transaction_id or str(uuid.uuid4())
        )

    def reassign(
        self, app_id: str, to_user_id: str, reason: str, transaction_id: str | None = None
    ) -> str:
        """The new holder's full name, as the server recorded it."""
        body = self.api.reassign_claim(
            app_id,
            to_user_id=to_user_id,
            reason=reason.strip(),
            transaction_id=transaction_id or str(uuid.uuid4()),
        )
        claim = body.get("claim")
        return _str(claim, "full_name", "pengalihan klaim")
