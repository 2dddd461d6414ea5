"""The public status check: what a citizen's phone (HTML) or a program (JSON) may learn.

No sign-in, outside `/api/v1`: `GET /status/{token}` (the receipt's QR link) and
`GET /status?number=&check=` (typed: the registration number - or the provisional one, which
keeps working after the application got its official number - with the applicant's birth date
DD-MM-YYYY). `GET /status` alone is the form.

Not the NIK's last four digits: they are the NIK's serial (nomor urut), mostly 0001-0010, so a
few guesses would match most applicants, and every masked NIK (queue, receipt, exports) shows
them in clear.

Only the number, the service, the masked name, the status, the expected date and the office
are shown; never the NIK or anything else. An unknown token, an unknown number, a number
without a check and a wrong check all get the same answer (no oracle), and each counts as a
failure against the client's address (`server.status_limit`): past the burst, 429 with
`Retry-After`, before anything is looked up. JSON is answered when `Accept` prefers
`application/json`; otherwise HTML.
"""

from __future__ import annotations

import hmac
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain.identity import check_nik
from desktop.domain.numbering import NumberError, parse_registration_number
from desktop.domain.workflow import STATE_LABELS
from desktop.domain.workflow import State as WState
from server import status_page
from server.config import STATUS_PATH
from server.deps import DbSession, State
from server.idempotency import json_response
from server.models import Application, Office
from server.problems import problem_response
from server.schemas import Problem, PublicStatus
from server.serialize import iso, iso_date
from server.state import ServerState
from server.status_limit import client_key

router = APIRouter(tags=["status"])

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
BIRTH_DATE = re.compile(r"^([0-9]{1,2})[-./ ]?([0-9]{1,2})[-./ ]?([0-9]{4})$")
NOT_FOUND = (
    "Permohonan tidak ditemukan. Periksa nomor dan tanggal lahir pemohon (DD-MM-YYYY), atau "
    "pindai ulang kode QR pada tanda terima."
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
_HTML: dict[str, Any] = {"content": {"text/html": {"schema": {"type": "string"}}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The status (HTML page for a phone, or JSON)",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    404: {"model": Problem, "description": "Unknown, or a check that does not match", **_HTML},
    422: {"model": Problem, "description": "Problem", **_HTML},
    429: {"model": Problem, "description": "Too many failed look-ups", **_HTML},
}


def wants_json(request: Request) -> bool:
    """JSON when `Accept` names application/json before (or without) text/html."""
    accept = request.headers.get("accept", "").lower()
    json_at = accept.find("application/json")
    if json_at < 0:
        return False
    html_at = accept.find("text/html")
    return html_at < 0 or json_at < html_at


def mask_name(name: str) -> str:
    """ "Budi Santoso" -> "Bu*** Sa***": the first two letters of a word (one of a word of three
    or fewer), then always three stars, so neither the rest nor the word's length shows (with
    stars per hidden letter "Ng" was "N*" and "Ani" "An*": all but one letter)."""
    words = []
    for word in name.split():
        keep = 2 if len(word) > 3 else 1
        words.append(word[:keep] + "***")
    return " ".join(words) or "***"


def _client(request: Request) -> str:
    return client_key(request.client.host) if request.client is not None else "unknown"


def _status(state: ServerState, session: Session, app: Application) -> dict[str, Any]:
    office = session.get(Office, app.office_code)
    service = state.catalogue.services.get(app.service_code)
    status = WState(app.status)
    return {
        "number": app.registration_number or app.provisional_number or "",
        "provisional": app.registration_number is None,
        "service_name": service.name if service else app.service_code,
        "applicant": mask_name(app.name),
        "status": status.value,
        "status_label": STATE_LABELS[status],
        "expected_date": iso_date(app.expected_date),
        "office_name": office.name if office else app.office_code,
        "updated_at": iso(app.updated_at),
    }


def _limited(request: Request, state: ServerState, wait: int) -> Response:
    detail = f"Terlalu banyak pencarian yang gagal dari alamat ini. Coba lagi {wait} detik lagi."
    headers = {**HEADERS, "Retry-After": str(wait)}
    if wants_json(request):
        return problem_response(429, "rate_limited", detail, headers)
    return status_page.message(429, "Terlalu banyak percobaan", detail, headers)


def _answer(
    request: Request,
    state: ServerState,
    session: Session,
    app: Application | None,
    *,
    number: str = "",
) -> Response:
    """The status of `app`, or the one answer for every failure (counted)."""
    if app is None:
        state.status_limiter.failed(_client(request), state.now())
        if wants_json(request):
            return problem_response(404, "not_found", NOT_FOUND, HEADERS)
        return status_page.form(404, number=number, error=NOT_FOUND, headers=HEADERS)
    body = _status(state, session, app)
    if wants_json(request):
        response = json_response(body)
        response.headers.update(HEADERS)
        return response
    return status_page.status(body, headers=HEADERS)


def _gate(request: Request, state: ServerState) -> Response | None:
    wait = state.status_limiter.retry_after(_client(request), state.now())
    return _limited(request, state, wait) if wait is not None else None


@router.get(
    STATUS_PATH + "/{token}",
    response_model=PublicStatus,
    responses=_RESPONSES,
    summary="Public status by the receipt's link (no sign-in)",
)
def by_token(token: str, request: Request, session: DbSession, state: State) -> Response:
    limited = _gate(request, state)
    if limited is not None:
        return limited
    app = None
    if TOKEN.match(token):
        app = session.execute(
            select(Application).where(Application.status_token == token)
        ).scalar_one_or_none()
    return _answer(request, state, session, app)


def _number_clause(number: str) -> Any:
    text = number.strip()
    provisional = Application.provisional_number == text.upper()
    try:
        parsed = parse_registration_number(text)
    except NumberError:
        return provisional
    return or_(Application.registration_number == str(parsed), provisional)


def _birth_dates(app: Application, today: date) -> tuple[date, ...]:
    """The recorded birth date, else what the NIK encodes (two when the century is open)."""
    if app.birth_date is not None:
        return (app.birth_date,)
    info = check_nik(app.nik, today=today).info
    return info.birth_dates if info is not None else ()


def check_matches(app: Application, check: str, today: date) -> bool:
    """The birth date (DD-MM-YYYY; also with / . or nothing between), compared in constant
    time. Never the NIK's last four (see the module's docstring)."""
    match = BIRTH_DATE.match(check.strip())
    if match is None:
        return False
    try:
        typed = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return False
    found = False
    for known in _birth_dates(app, today):
        found |= hmac.compare_digest(typed.isoformat(), known.isoformat())
    return found


@router.get(
    STATUS_PATH,
    response_model=PublicStatus,
    responses=_RESPONSES,
    summary="Public status by number and check, or the form (no sign-in)",
)
def by_number(
    request: Request,
    session: DbSession,
    state: State,
    number: Annotated[str | None, Query(max_length=60)] = None,
    check: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Without `number` (and `check`): the form (HTML) or 422 (JSON)."""
    number = (number or "").strip()
    if not number and not (check or "").strip():
        if wants_json(request):
            return problem_response(
                422,
                "validation_error",
                "Isi nomor permohonan dan data pemeriksa.",
                HEADERS,
                errors=[{"loc": ["query", "number"], "msg": "required"}],
            )
        return status_page.form(200, headers=HEADERS)
    limited = _gate(request, state)
    if limited is not None:
        return limited
    found = None
    if number and check and check.strip():
        today = state.local_date(state.now())
        rows = session.execute(select(Application).where(_number_clause(number))).scalars()
        found = next((a for a in rows if check_matches(a, check, today)), None)
    return _answer(request, state, session, found, number=number)
