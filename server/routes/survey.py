"""The satisfaction survey (IKM, Permenpan RB 14/2017): answers in, the index out.

`POST /applications/{id}/survey` keeps one citizen's nine answers after the handover: only for
a completed application in the caller's scope, at most one per application. Replay-safe by
`transaction_id` (the desktop's outbox sends the same id on every attempt): a replay answers
the first 201; another survey for the same application is 409 `survey_exists`.

`GET /reports/ikm` computes the index the way the regulation does (`desktop.domain.ikm`, the
one formula): per office, per service and overall, for a period of local days, within the
caller's scope. The sums come from SQL (one grouped query); where no respondent answered, the
group says "tidak ada data" and carries no index - never a zero.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain import ikm
from server import applications as ops
from server import idempotency
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.models import SURVEY_ELEMENTS, Office, SurveyResponse
from server.problems import ProblemError
from server.reports.period import Grain, parse_period
from server.reports.scoping import make_filters
from server.routes import AUTHED, errors
from server.schemas import Id, Moment, Strict
from server.scope import scope_clause
from server.serialize import iso
from server.state import ServerState
from server.text import clean_text

router = APIRouter(tags=["survey"])

KIND = "survey"
COLLECTORS = ("operator", "supervisor")
"""Who hands documents over at the counter (and so collects the survey)."""
READERS = ("supervisor", "admin")


def _comment(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = clean_text(value)
    return cleaned or None


Answer = Annotated[int, Field(ge=ikm.LOWEST, le=ikm.HIGHEST)]


class SurveyRequest(Strict):
    """The nine answers (1 worst .. 4 best), all required: the questionnaire has no "skip"."""

    transaction_id: Id
    u1: Answer
    u2: Answer
    u3: Answer
    u4: Answer
    u5: Answer
    u6: Answer
    u7: Answer
    u8: Answer
    u9: Answer
    comment: Annotated[
        str | None, Field(default=None, max_length=1000), AfterValidator(_comment)
    ] = None
    device_time: Moment | None = None


class SurveyOut(BaseModel):
    id: str
    application_id: str
    office_code: str
    service_code: str
    answers: dict[str, int] = Field(description="U1..U9 -> 1..4")
    comment: str | None
    submitted_at: datetime = Field(description="Server time: the report's period")
    device_time: datetime | None
    collected_by: str = Field(description="User id of the officer who collected it")
    device_id: str | None
    transaction_id: str


class ElementOut(BaseModel):
    code: str
    name: str
    respondents: int
    total: int
    nrr: float = Field(description="total / respondents, 4 decimals")
    nrr_weighted: float = Field(description="nrr x 1/9, 4 decimals")


class IkmGroup(BaseModel):
    respondents: int
    elements: list[ElementOut] | None
    ikm_unit: float | None = Field(description="Sum of the weighted NRRs (1..4)")
    ikm: float | None = Field(description="ikm_unit x 25, two decimals (25..100)")
    band: Literal["A", "B", "C", "D"] | None
    band_label: str | None
    no_data: bool
    note: str | None = Field(description='"tidak ada data" when nobody answered')


class IkmOfficeGroup(IkmGroup):
    office_code: str
    office_name: str


class IkmServiceGroup(IkmGroup):
    service_code: str


class IkmReport(BaseModel):
    from_: str = Field(alias="from")
    to: str
    office: str | None
    service: str | None
    weight: str
    conversion: int
    sample_note: str
    overall: IkmGroup
    by_office: list[IkmOfficeGroup]
    by_service: list[IkmServiceGroup]


def survey_dict(row: SurveyResponse) -> dict[str, Any]:
    return {
        "id": row.id,
        "application_id": row.application_id,
        "office_code": row.office_code,
        "service_code": row.service_code,
        "answers": {c.upper(): int(getattr(row, c)) for c in SURVEY_ELEMENTS},
        "comment": row.comment,
        "submitted_at": iso(row.submitted_at),
        "device_time": iso(row.device_time),
        "collected_by": row.collected_by,
        "device_id": row.device_id,
        "transaction_id": row.transaction_id,
    }


@router.post("/applications/{app_id}/survey", status_code=201, responses=errors(*AUTHED, 404, 409))
def submit_survey(
    app_id: UUID,
    body: SurveyRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Keep one survey. 404 outside the caller's scope; 403 for a role that does not hand
    over; 409 `wrong_state` before the application is completed, `survey_exists` for a second
    survey, `idempotency_conflict` for a reused transaction id with other answers."""
    require_roles(principal, *COLLECTORS)
    return idempotency.once_more_on_conflict(
        session, lambda: _submit(str(app_id), body, principal, session, state)
    )


def _submit(
    app_id: str, body: SurveyRequest, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    payload = body.model_dump(mode="json")
    payload["application_id"] = app.id
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, KIND, key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    if app.status != "completed":
        raise ProblemError(
            409,
            "wrong_state",
            "Survei kepuasan hanya untuk permohonan yang sudah diserahkan (berstatus Selesai).",
        )
    existing = session.execute(
        select(SurveyResponse.id).where(SurveyResponse.application_id == app.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise ProblemError(
            409,
            "survey_exists",
            "Survei kepuasan untuk permohonan ini sudah diisi; satu permohonan satu survei.",
        )
    row = SurveyResponse(
        id=str(uuid.uuid4()),
        application_id=app.id,
        office_code=app.office_code,
        service_code=app.service_code,
        **{c: getattr(body, c) for c in SURVEY_ELEMENTS},
        comment=body.comment,
        submitted_at=now,
        device_time=body.device_time,
        collected_by=principal.user.id,
        device_id=principal.device_id,
        transaction_id=key,
    )
    session.add(row)
    session.flush()
    response = survey_dict(row)
    idempotency.remember(session, KIND, key, principal.user.id, rhash, 201, response, now)
    session.commit()
    return idempotency.json_response(response, 201)


# -- the report ------------------------------------------------------------------------------


def _number(value: Fraction, places: str) -> float:
    """An exact value rounded half up for the JSON (four decimals, as the regulation's
    interval table prints NRR)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def group_dict(respondents: int, totals: list[int]) -> dict[str, Any]:
    """One group's index, or "tidak ada data" (no index, no zero) when nobody answered."""
    result = ikm.from_totals(respondents, totals) if respondents else None
    if result is None:
        return {
            "respondents": 0,
            "elements": None,
            "ikm_unit": None,
            "ikm": None,
            "band": None,
            "band_label": None,
            "no_data": True,
            "note": ikm.NO_DATA,
        }
    return {
        "respondents": result.respondents,
        "elements": [
            {
                "code": s.code,
                "name": s.name,
                "respondents": s.respondents,
                "total": s.total,
                "nrr": _number(s.nrr, "0.0001"),
                "nrr_weighted": _number(s.weighted, "0.0001"),
            }
            for s in result.elements
        ],
        "ikm_unit": _number(result.unit, "0.0001"),
        "ikm": float(result.shown),
        "band": result.band.letter,
        "band_label": result.band.label,
        "no_data": False,
        "note": None,
    }


def _add(into: dict[str, list[int]], key: str, count: int, sums: list[int]) -> None:
    acc = into.setdefault(key, [0] * (1 + len(sums)))
    acc[0] += count
    for i, value in enumerate(sums, start=1):
        acc[i] += value


@router.get("/reports/ikm", response_model=IkmReport, responses=errors(*AUTHED))
def ikm_report(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    from_: Annotated[str, Query(alias="from", max_length=40)],
    to: Annotated[str, Query(max_length=40)],
    office: Annotated[str | None, Query(max_length=20)] = None,
    service: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The IKM of the surveys that arrived from `from` to `to` (local days, both included),
    in the caller's scope, narrowed to an office (and the offices under it) and/or a service.
    The period and office rules are the other reports' (`server.reports`): 422
    `invalid_period`, 422 `unknown_office` outside the caller's subtree."""
    require_roles(principal, *READERS)
    period = parse_period(from_, to, Grain.DAY, state.zone)
    filters = make_filters(principal.office.code, office, service, None, "")
    start, end = period.utc_start, period.utc_end
    columns = [func.sum(getattr(SurveyResponse, c)) for c in SURVEY_ELEMENTS]
    stmt = (
        select(SurveyResponse.office_code, SurveyResponse.service_code, func.count(), *columns)
        .where(
            scope_clause(SurveyResponse.office_code, filters.scope),
            SurveyResponse.submitted_at >= start,
            SurveyResponse.submitted_at < end,
        )
        .group_by(SurveyResponse.office_code, SurveyResponse.service_code)
    )
    if filters.service:
        stmt = stmt.where(SurveyResponse.service_code == filters.service)
    by_office: dict[str, list[int]] = {}
    by_service: dict[str, list[int]] = {}
    overall: dict[str, list[int]] = {}
    for office_code, service_code, count, *sums in session.execute(stmt).all():
        values = [int(s) for s in sums]
        _add(by_office, str(office_code), int(count), values)
        _add(by_service, str(service_code), int(count), values)
        _add(overall, "", int(count), values)
    names = dict(
        session.execute(
            select(Office.code, Office.name).where(Office.code.in_(list(by_office)))
        ).all()
    )
    total = overall.get("", [0] * 10)
    return idempotency.json_response(
        {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "office": office,
            "service": service,
            "weight": "1/9",
            "conversion": ikm.CONVERSION,
            "sample_note": ikm.SAMPLE_NOTE,
            "overall": group_dict(total[0], total[1:]),
            "by_office": [
                {"office_code": k, "office_name": names.get(k, k), **group_dict(v[0], v[1:])}
                for k, v in sorted(by_office.items())
            ],
            "by_service": [
                {"service_code": k, **group_dict(v[0], v[1:])}
                for k, v in sorted(by_service.items())
            ],
        }
    )
