"""What an application's applicant and service data must be before the server keeps them.

The rules are the intake form's own (`desktop.domain.applicant_rules`), run again here because
a request may come from anything.
Every problem of a request is named at once, per field, in Indonesian (422 `validation_error`
with `errors[].loc` such as `["body", "applicant", "nik"]` or `["body", "data", "anak.nik"]`),
so the counter can mark each field instead of fixing them one round trip at a time.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain.applicant_rules import check_applicant, check_service_data, clean_applicant
from desktop.domain.catalogue import Service
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


TYPOGRAPHY_FIELDS = frozenset({"name", "birth_place", "address"})
"""Fields whose rules are how a person types at the counter (no digits in a name, scripts,
punctuation): the form enforces them. The server keeps what it is sent there (schemas already
refuse invisible and unstorable characters), so an import or an older client's queued
application is not lost over a name like "Pemohon 17"."""


def _applicant_values(applicant: ApplicantIn) -> dict[str, str]:
    values: dict[str, str] = {}
    for column in APPLICANT_COLUMNS:
        value = getattr(applicant, column)
        if value is None:
            continue
        values[column] = value.isoformat() if isinstance(value, date) else str(value)
    return values


def checked_applicant(
    applicant: ApplicantIn,
    state: ServerState,
    now: datetime,
    loc: tuple[str, ...] = ("body", "applicant"),
) -> dict[str, Any]:
    """The applicant cleaned (`applicant_rules.clean_applicant`: NIK/KK digits, phone +62,
    RT/RW 001, village code 10 digits) as `Application` column values, or 422 naming every
    field `applicant_rules.check_applicant` blocks (typography aside, `TYPOGRAPHY_FIELDS`)."""
    today = state.local_date(now)
    values = clean_applicant(_applicant_values(applicant))
    problems = Problems()
    for found in check_applicant(values, today=today, wilayah=None):
        if found.blocking and found.field not in TYPOGRAPHY_FIELDS:
            problems.add([*loc, found.field], found.message)
    problems.raise_if_any()
    columns: dict[str, Any] = {column: values.get(column) or None for column in APPLICANT_COLUMNS}
    # Typography is the form's: what was sent is kept, only trimmed and NFC.
    for column in TYPOGRAPHY_FIELDS:
        sent = getattr(applicant, column)
        columns[column] = unicodedata.normalize("NFC", sent).strip() if sent else None
    birth = columns["birth_date"]
    columns["birth_date"] = date.fromisoformat(birth) if birth else None
    return columns


def checked_data(
    service: Service,
    data: Mapping[str, str],
    state: ServerState,
    now: datetime,
) -> dict[str, str]:
    """The service data, values trimmed and NFC (blank ones dropped), or 422 naming each
    field `applicant_rules.check_service_data` blocks. A field left empty is not refused
    here: which fields a service needs is the counter's check before it submits (a draft,
    an application queued by an older counter)."""
    cleaned: dict[str, str] = {}
    for key, value in data.items():
        text = unicodedata.normalize("NFC", value).strip()
        if text:
            cleaned[key] = text
    problems = Problems()
    found = check_service_data(service, cleaned, today=state.local_date(now), wilayah=None)
    for problem in found:
        if problem.blocking and problem.field in cleaned:
            problems.add(["body", "data", problem.field], problem.message)
    problems.raise_if_any("Isian layanan tidak valid")
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
