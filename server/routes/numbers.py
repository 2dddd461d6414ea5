"""Letter numbers: allocated atomically from one agenda sequence per (office, year) across all
letter types, or reserved in blocks from it.

Two officers printing letters at the same moment must never get the same number - the classic
failure of spreadsheet-based registers - so the number comes from a locked counter row, and a
replayed `transaction_id` gets the number it got the first time. The formatted number
(`470/12/Kel.Jadirejo/XII/2026`) does not name the letter type, so the sequence is the office's
agenda (nomor urut surat keluar), shared by every type: two types with the same klasifikasi can
never print the same number. `letter_numbers` keeps every number issued online, unique per office,
year and formatted number (and number) in the database.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain.numbering import DEFAULT_LETTER_PATTERN, format_letter_number
from server import audit, counters, idempotency
from server.deps import CurrentPrincipal, DbSession, Principal, State
from server.models import IssuedLetterNumber, NumberReservation, Office
from server.problems import ProblemError
from server.routes import AUTHED, errors
from server.schemas import LetterNumber, LetterRequest, Reservation, ReserveRequest
from server.scope import in_scope
from server.serialize import iso
from server.state import ServerState

router = APIRouter(tags=["numbers"])


ISSUING_ROLES = ("operator", "validator")
"""Who issues an office's letter numbers: its counter operators and its signing official (the
lurah). Verifiers, supervisors and administrators never number letters, and no one numbers
another office's letters."""


def _office(session: Session, principal: Principal, code: str) -> Office:
    office = session.get(Office, code)
    if office is None or not in_scope(principal.office.code, office.code):
        raise ProblemError(
            422, "unknown_office", f"Kantor '{code}' tidak dikenal atau di luar wilayah Anda."
        )
    if office.code != principal.office.code or not principal.has_any(*ISSUING_ROLES):
        raise ProblemError(
            403,
            "forbidden",
            f"Nomor surat {office.name} hanya diambil oleh petugas loket atau pejabat "
            "penandatangan kantor itu sendiri.",
        )
    return office


def _letter_type(state: ServerState, letter_type: str, office: Office) -> str | None:
    types = state.letter_types()
    if letter_type not in types:
        raise ProblemError(
            422,
            "validation_error",
            f"Jenis surat '{letter_type}' tidak ada di katalog.",
            errors=[{"loc": ["body", "letter_type"], "msg": "unknown letter type"}],
        )
    levels = {
        level
        for service in state.catalogue.services.values()
        if service.letter_type == letter_type
        for level in service.intake_levels
    }
    if office.level not in levels:
        raise ProblemError(
            422,
            "validation_error",
            f"Surat jenis '{letter_type}' tidak diterbitkan oleh kantor tingkat {office.level}.",
            errors=[{"loc": ["body", "letter_type"], "msg": "not issued at this office level"}],
        )
    return types[letter_type]


@router.post("/numbers/letter", response_model=LetterNumber, responses=errors(*AUTHED, 409))
def letter_number(
    body: LetterRequest, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    return idempotency.once_more_on_conflict(
        session, lambda: _letter_number(body, principal, session, state)
    )


def _letter_number(
    body: LetterRequest, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    office = _office(session, principal, body.office_code)
    default_klasifikasi = _letter_type(state, body.letter_type, office)
    today = state.local_date(now)
    year = today.year
    name = counters.letter_counter(office.code, year)
    counters.allocate(session, name, 0)  # lock first: a concurrent replay then sees our record
    payload = body.model_dump(mode="json")
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, "letter", key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    klasifikasi = body.klasifikasi or default_klasifikasi or ""
    number, formatted = _next_free_number(session, office, name, today, klasifikasi)
    session.add(
        IssuedLetterNumber(
            office_code=office.code,
            year=year,
            number=number,
            formatted=formatted,
            letter_type=body.letter_type,
            klasifikasi=klasifikasi or None,
            user_id=principal.user.id,
            transaction_id=key,
            issued_at=now,
        )
    )
    response = {"number": number, "year": year, "formatted": formatted}
    audit.append(
        session,
        "letter_number",
        at=now,
        actor_id=principal.user.id,
        details={"office": office.code, "letter_type": body.letter_type, **response},
    )
    idempotency.remember(session, "letter", key, principal.user.id, rhash, 200, response, now)
    session.commit()
    return idempotency.json_response(response)


MAX_SKIPS = 1000


def _next_free_number(
    session: Session, office: Office, counter: str, today: date, klasifikasi: str
) -> tuple[int, str]:
    """The next agenda number whose formatted form the office has not issued this year.

    Under the counter's lock (held since the caller's first `allocate`) nothing else issues
    numbers for this office and year, so the check cannot race. Every number comes from the
    counter, so a taken one is only ever met if the counter was set back by hand; it is then
    skipped (a gap is better than a duplicate). The unique constraints stay the backstop."""
    for _ in range(MAX_SKIPS):
        number = counters.allocate(session, counter)
        formatted = format_letter_number(
            office.letter_pattern or DEFAULT_LETTER_PATTERN,
            number=number,
            issued=today,
            klasifikasi=klasifikasi,
            unit=office.unit,
        )
        taken = session.execute(
            select(IssuedLetterNumber.id)
            .where(
                IssuedLetterNumber.office_code == office.code,
                IssuedLetterNumber.year == today.year,
                or_(
                    IssuedLetterNumber.formatted == formatted,
                    IssuedLetterNumber.number == number,
                ),
            )
            .limit(1)
        ).first()
        if taken is None:
            return number, formatted
    raise RuntimeError(f"no free letter number for {office.code} after {MAX_SKIPS} tries")


@router.post("/numbers/reserve", response_model=Reservation, responses=errors(*AUTHED, 409))
def reserve(
    body: ReserveRequest, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    """A block for letters issued offline. Unused numbers of a block stay unused (a visible
    gap is better than a duplicate). The block expires with the offline policy or the year.
    Replay-safe per `transaction_id` and device: the same id from the same user and device is
    the same block; from another device or user, 409 `idempotency_conflict`."""
    return idempotency.once_more_on_conflict(
        session, lambda: _reserve(body, principal, session, state)
    )


def _reserve(
    body: ReserveRequest, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    office = _office(session, principal, body.office_code)
    default_klasifikasi = _letter_type(state, body.letter_type, office)
    year = state.local_date(now).year
    name = counters.letter_counter(office.code, year)  # the same agenda as single numbers
    counters.allocate(session, name, 0)
    # The block belongs to the device that asked: the same transaction id from another device
    # (a copied outbox, a cloned PC) is a conflict, never the same block handed out twice.
    payload = {**body.model_dump(mode="json"), "device_id": principal.device_id}
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, "reserve", key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    end = counters.allocate(session, name, body.count)
    start = end - body.count + 1
    year_end = datetime.combine(
        state.local_date(now).replace(month=12, day=31), time(23, 59, 59), tzinfo=state.zone
    )
    expires = min(now + timedelta(days=state.settings.max_offline_days), year_end)
    session.add(
        NumberReservation(
            office_code=office.code,
            letter_type=body.letter_type,
            year=year,
            start=start,
            end=end,
            user_id=principal.user.id,
            device_id=principal.device_id,
            created_at=now,
            expires_at=expires,
        )
    )
    # What the device needs to print these numbers offline exactly as `/numbers/letter` would.
    response = {
        "year": year,
        "start": start,
        "end": end,
        "expires_at": iso(expires),
        "pattern": office.letter_pattern or DEFAULT_LETTER_PATTERN,
        "unit": office.unit,
        "klasifikasi": default_klasifikasi,
    }
    audit.append(
        session,
        "letter_block",
        at=now,
        actor_id=principal.user.id,
        details={
            "office": office.code,
            "letter_type": body.letter_type,
            "start": start,
            "end": end,
        },
    )
    idempotency.remember(session, "reserve", key, principal.user.id, rhash, 200, response, now)
    session.commit()
    return idempotency.json_response(response)
