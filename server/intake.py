"""What an application's applicant and service data must be before the server keeps them.

The rules are the desktop's own (`desktop.domain.identity` now; the shared applicant rules of
the intake form when they land), run again here because a request may come from anything.
Every problem of a request is named at once, per field, in Indonesian (422 `validation_error`
with `errors[].loc` such as `["body", "applicant", "nik"]` or `["body", "data", "anak.nik"]`),
so the counter can mark each field instead of fixing them one round trip at a time.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain.catalogue import Service
from desktop.domain.identity import check_kk, check_nik
from server.models import Application
from server.problems import ProblemError
from server.schemas import ApplicantIn
from server.state import ServerState

APPLICANT_COLUMNS = (
    "nik",
    "name",
    "birth_date",
    "sex",
    "kk_number",
    "phone",
    "email",
    "address",
    "birth_place",
    "rt",
    "rw",
    "village_code",
)
"""The applicant's fields, as request keys and as `Application` columns (the same names)."""

TOKEN_BYTES = 16
"""`secrets.token_urlsafe(16)`: 22 characters, 128 random bits."""


class Problems:
    """Field problems collected over one request; `raise_if_any` answers them together."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, loc: list[str | int], message: str) -> None:
        self.items.append({"loc": loc, "msg": message})

    def raise_if_any(self, what: str = "Data pemohon tidak valid") -> None:
        if not self.items:
            return
        first = self.items[0]["msg"]
        more = f" (dan {len(self.items) - 1} masalah lain)" if len(self.items) > 1 else ""
        raise ProblemError(422, "validation_error", f"{what}: {first}{more}", errors=self.items)


def checked_applicant(
    applicant: ApplicantIn,
    state: ServerState,
    now: datetime,
    loc: tuple[str, ...] = ("body", "applicant"),
) -> dict[str, Any]:
    """The applicant as `Application` column values, or 422 naming every bad field."""
    today = state.local_date(now)
    problems = Problems()
    nik = check_nik(applicant.nik, today=today)
    if not nik.ok:
        problems.add([*loc, "nik"], "NIK tidak valid: " + nik.problems[0].message)
    if applicant.kk_number is not None:
        kk = check_kk(applicant.kk_number, today=today)
        if not kk.ok:
            problems.add([*loc, "kk_number"], "Nomor KK tidak valid: " + kk.problems[0].message)
    if applicant.birth_date is not None and applicant.birth_date > today:
        problems.add([*loc, "birth_date"], "Tanggal lahir tidak boleh di masa depan.")
    problems.raise_if_any()
    return {column: getattr(applicant, column) for column in APPLICANT_COLUMNS}


def checked_data(
    service: Service,
    data: Mapping[str, str],
    state: ServerState,
    now: datetime,
) -> dict[str, str]:
    """The service data, values trimmed and NFC (blank ones dropped), or 422 per field."""
    del service, state, now  # the catalogue's sections judge the fields once they exist
    cleaned: dict[str, str] = {}
    for key, value in data.items():
        text = unicodedata.normalize("NFC", value).strip()
        if text:
            cleaned[key] = text
    return cleaned


def status_token(session: Session, proposed: str | None) -> str:
    """The client's token when it is free, else 409; a new random one when none is sent."""
    if proposed is None:
        return secrets.token_urlsafe(TOKEN_BYTES)
    taken = session.execute(
        select(Application.id).where(Application.status_token == proposed)
    ).first()
    if taken is not None:
        raise ProblemError(
            409,
            "status_token_taken",
            "Token status sudah dipakai permohonan lain; buat token acak yang baru.",
        )
    return proposed
