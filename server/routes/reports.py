"""Queue figures within the caller's scope (the start of `/reports/...`)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.responses import Response

from desktop.domain.workflow import TERMINAL_STATES
from server.deps import CurrentPrincipal, DbSession, State
from server.idempotency import json_response
from server.models import Application
from server.routes import AUTHED, errors
from server.schemas import ReportSummary
from server.scope import scope_clause

router = APIRouter(tags=["reports"])


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
