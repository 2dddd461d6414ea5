"""Queue figures and supervision reports within the caller's scope (`/reports/...`).

`/reports/summary` is the queue at a glance for everyone signed in; the supervision reports
(`activity`, `steps`, `sla`, `backlog`; computed in `server/reports/`) are for supervisors and
administrators, over their own office's subtree. Each answers `no_data: true` with empty rows
when there is nothing to count ("tidak ada data"), so a real zero and missing data differ.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from starlette.responses import Response

from desktop.domain.workflow import TERMINAL_STATES
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.idempotency import json_response
from server.models import Application
from server.problems import ProblemError
from server.reports import drill as drill_module
from server.reports.activity import activity as activity_report
from server.reports.backlog import backlog as backlog_report
from server.reports.period import Period, parse_period
from server.reports.scoping import Filters, make_filters
from server.reports.sla import sla as sla_report
from server.reports.steps import steps as steps_report
from server.routes import AUTHED, errors
from server.schemas import (
    ActivityReport,
    BacklogReport,
    DrillAnswer,
    ReportSummary,
    SlaReport,
    StepsReport,
)
from server.scope import scope_clause
from server.state import ServerState

router = APIRouter(tags=["reports"])

REPORT_ROLES = ("supervisor", "admin")
"""DESIGN section 1: supervisors print the reports; administrators run the offices."""

From = Annotated[
    str, Query(alias="from", max_length=40, description="First local date, YYYY-MM-DD")
]
To = Annotated[str, Query(max_length=40, description="Last local date, YYYY-MM-DD (inclusive)")]
Group = Annotated[str, Query(max_length=10, description="`day` or `month`")]
OfficeFilter = Annotated[
    str | None, Query(max_length=20, description="An office in your subtree (and its own)")
]
ServiceFilter = Annotated[str | None, Query(max_length=60, description="Service code")]
OfficerFilter = Annotated[str | None, Query(max_length=36, description="User id of the officer")]
By = Annotated[
    str,
    Query(max_length=40, description="Comma list of row dimensions: office, service, officer"),
]


@router.get("/reports/summary", response_model=ReportSummary, responses=errors(*AUTHED))
def summary(principal: CurrentPrincipal, session: DbSession, state: State) -> Response:
    now = state.now()
    scope = scope_clause(Application.office_code, principal.office.code)
    by_status = dict(
        session.execute(
            select(Application.status, func.count()).where(scope).group_by(Application.status)
        ).all()
    )
    overdue = session.execute(
        select(func.count()).where(
            scope,
            Application.due_at < now,
            Application.status.not_in([s.value for s in TERMINAL_STATES]),
        )
    ).scalar_one()
    return json_response(
        {
            "by_status": {str(k): int(v) for k, v in by_status.items()},
            "overdue": int(overdue),
            "total": int(sum(by_status.values())),
        }
    )


def _prepare(
    principal: Principal,
    state: ServerState,
    start: str,
    end: str,
    group: str,
    office: str | None,
    service: str | None,
    officer: str | None,
    by: str,
) -> tuple[Period, Filters]:
    require_roles(principal, *REPORT_ROLES)
    period = parse_period(start, end, group, state.zone)
    return period, make_filters(principal.office.code, office, service, officer, by)


def _answer(period: Period, filters: Filters, body: dict[str, Any]) -> Response:
    head = {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "group": period.grain.value,
        },
        "scope": filters.scope,
    }
    return json_response({**head, **body})


@router.get("/reports/activity", response_model=ActivityReport, responses=errors(*AUTHED))
def activity(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    start: From,
    to: To,
    group: Group = "day",
    office: OfficeFilter = None,
    service: ServiceFilter = None,
    officer: OfficerFilter = None,
    by: By = "office",
) -> Response:
    """Received, verified, validated, signed, delivered, rejected and sent back, per period."""
    period, filters = _prepare(principal, state, start, to, group, office, service, officer, by)
    return _answer(period, filters, activity_report(session, period, filters))


@router.get("/reports/steps", response_model=StepsReport, responses=errors(*AUTHED))
def steps(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    start: From,
    to: To,
    group: Group = "month",
    office: OfficeFilter = None,
    service: ServiceFilter = None,
    officer: OfficerFilter = None,
    by: By = "",
) -> Response:
    """Median and p90 time spent in each workflow state, for steps ended in the period."""
    period, filters = _prepare(principal, state, start, to, group, office, service, officer, by)
    return _answer(period, filters, steps_report(session, period, filters))


@router.get("/reports/sla", response_model=SlaReport, responses=errors(*AUTHED))
def sla(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    start: From,
    to: To,
    group: Group = "month",
    office: OfficeFilter = None,
    service: ServiceFilter = None,
    officer: OfficerFilter = None,
    by: By = "office",
) -> Response:
    """SLA met or missed for the applications completed in the period."""
    period, filters = _prepare(principal, state, start, to, group, office, service, officer, by)
    return _answer(period, filters, sla_report(session, period, filters))


@router.get("/reports/backlog", response_model=BacklogReport, responses=errors(*AUTHED))
def backlog(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    office: OfficeFilter = None,
    service: ServiceFilter = None,
    by: By = "office",
) -> Response:
    """Open applications now, by working days since submission."""
    require_roles(principal, *REPORT_ROLES)
    filters = make_filters(principal.office.code, office, service, None, by)
    now = state.now()
    today = state.local_date(now)
    offset = now.astimezone(state.zone).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    body = backlog_report(session, now, today, seconds, filters)
    return json_response({"scope": filters.scope, **body})


Report = Annotated[str, Query(max_length=20, description="activity, sla, steps or backlog")]
Measure = Annotated[
    str,
    Query(
        max_length=20,
        description="activity: received..sent_back; sla: met, missed, unknown; steps: the "
        "state; backlog: total, overdue, 0-1, 2-3, 4-7, 8-14, >14",
    ),
]
OptionalDay = Annotated[str | None, Query(max_length=40)]


@router.get("/reports/applications", response_model=DrillAnswer, responses=errors(*AUTHED))
def applications(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    report: Report,
    measure: Measure,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: OptionalDay = None,
    office: OfficeFilter = None,
    service: ServiceFilter = None,
    officer: OfficerFilter = None,
    limit: Annotated[int, Query(ge=1, le=drill_module.MAX_ITEMS)] = drill_module.MAX_ITEMS,
    office_only: Annotated[
        bool, Query(description="Only `office`'s own applications (a row grouped by office)")
    ] = False,
) -> Response:
    """The applications behind one number: the same filters and the same SQL as the count."""
    require_roles(principal, *REPORT_ROLES)
    drill_module.check_measure(report, measure)
    now = state.now()
    only = office if office_only and office else None
    head: dict[str, Any] = {"report": report, "measure": measure, "period": None}
    if report == "backlog":
        filters = make_filters(principal.office.code, office, service, None, "")
        offset = now.astimezone(state.zone).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        found = drill_module.backlog_drill(
            session, now, state.local_date(now), seconds, filters, measure, only
        )
    else:
        if not start or not to:
            raise ProblemError(
                422, "invalid_period", "Periode (from dan to) wajib untuk laporan ini."
            )
        period, filters = _prepare(principal, state, start, to, "day", office, service, officer, "")
        head["period"] = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "group": "day",
        }
        run = {
            "activity": drill_module.activity_drill,
            "sla": drill_module.sla_drill,
            "steps": drill_module.steps_drill,
        }[report]
        found = run(session, period, filters, measure, only)
    return json_response(
        {
            **head,
            "scope": filters.scope,
            "count": found.count,
            "applications": len(found.times),
            "truncated": len(found.times) > limit,
            "limit": limit,
            "items": drill_module.items(session, found, now, limit),
        }
    )
