"""The applications behind one number of a report (`/reports/applications`): the drill-down.

A supervisor clicks "diverifikasi 12" and must see those 12, not the queue filtered roughly by
status. So each number's list is selected with the very clauses the report counts with: the
period bounds, the counted history action, `Filters.where` (scope, service, officer on the
same column), the SLA conditions, the step windows and the backlog's open states and working-
day ages, all taken from the report modules. A number counts events (an application verified
twice in the period counts 2), so each application carries `times`, and the answer's `count`
(the sum of `times`) is the report's number; tests compare it with the reports cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from server.models import Application, HistoryEntry
from server.problems import ProblemError
from server.reports.activity import COUNTED
from server.reports.backlog import BUCKETS, OPEN_STATES, bucket_of, working_day_ages
from server.reports.period import Period
from server.reports.scoping import Filters
from server.reports.sqlbits import local_date
from server.reports.steps import STEPS, WORKFLOW_ACTIONS
from server.serialize import summaries, summary_query

MAX_ITEMS = 5000
"""At most this many applications are answered (`truncated: true` beyond); the count is whole."""
_CHUNK = 900
"""Ids per `IN (...)` when reading the summaries (below SQLite's variable limit on any build)."""

SLA_MEASURES = ("met", "missed", "unknown")
BACKLOG_MEASURES = ("total", "overdue", *(b[0] for b in BUCKETS))
MEASURES: dict[str, tuple[str, ...]] = {
    "activity": tuple(COUNTED),
    "sla": SLA_MEASURES,
    "steps": STEPS,
    "backlog": BACKLOG_MEASURES,
}


@dataclass(frozen=True)
class Drill:
    count: int
    """The report's number: events (actions, deliveries, steps) or open applications."""
    times: list[tuple[str, int]]
    """(application id, events behind the number), in the order the list shows them."""


def check_measure(report: str, measure: str) -> None:
    """422 `invalid_measure` naming what may be asked."""
    if report not in MEASURES:
        raise ProblemError(
            422,
            "invalid_measure",
            f"Laporan '{report[:20]}' tidak dikenal; pilih dari: {', '.join(MEASURES)}.",
        )
    if measure not in MEASURES[report]:
        raise ProblemError(
            422,
            "invalid_measure",
            f"Ukuran '{measure[:20]}' tidak ada pada laporan {report}; pilih dari: "
            f"{', '.join(MEASURES[report])}.",
        )


def _only(office: str | None) -> list[ColumnElement[bool]]:
    """A row of a report grouped by office counts that office's own applications, not its
    subtree's (the subtree is the report's scope)."""
    return [Application.office_code == office] if office else []


def _history(
    period: Period, filters: Filters, only_office: str | None, *actions: str
) -> Select[Any]:
    """The rows activity.py and sla.py count: history entries of these actions in the period,
    joined to their application, under the same filters (the officer is who acted)."""
    h, a = HistoryEntry, Application
    return (
        select(h.application_id)
        .select_from(h)
        .join(a, a.id == h.application_id)
        .where(
            h.server_time >= period.utc_start,
            h.server_time < period.utc_end,
            h.action.in_(actions),
            *filters.where(h.actor_id),
            *_only(only_office),
        )
    )


def _per_app(session: Session, stmt: Select[Any], app: Any, first: Any) -> list[tuple[str, int]]:
    query = (
        stmt.with_only_columns(app.label("app"), func.count().label("n"))
        .group_by(app)
        .order_by(func.min(first), app)
    )
    return [(str(row.app), int(row.n)) for row in session.execute(query)]


def activity_drill(
    session: Session, period: Period, filters: Filters, measure: str, only_office: str | None = None
) -> Drill:
    h = HistoryEntry
    stmt = _history(period, filters, only_office, COUNTED[measure])
    return _done(_per_app(session, stmt, h.application_id, h.server_time))


def sla_drill(
    session: Session, period: Period, filters: Filters, measure: str, only_office: str | None = None
) -> Drill:
    h, a = HistoryEntry, Application
    condition: ColumnElement[bool] = {
        "met": and_(a.due_at.is_not(None), h.server_time <= a.due_at),
        "missed": and_(a.due_at.is_not(None), h.server_time > a.due_at),
        "unknown": a.due_at.is_(None),
    }[measure]
    stmt = _history(period, filters, only_office, "deliver").where(condition)
    return _done(_per_app(session, stmt, h.application_id, h.server_time))


def steps_drill(
    session: Session, period: Period, filters: Filters, measure: str, only_office: str | None = None
) -> Drill:
    """The stays in state `measure` that ended in the period (steps.py's samples)."""
    h, a = HistoryEntry, Application
    touched = (
        select(h.application_id)
        .where(
            h.server_time >= period.utc_start,
            h.server_time < period.utc_end,
            h.action.in_(WORKFLOW_ACTIONS),
        )
        .distinct()
    )
    moves = (
        select(
            h.application_id.label("application_id"),
            h.to_status.label("step"),
            func.lead(h.server_time)
            .over(partition_by=h.application_id, order_by=h.position)
            .label("left_at"),
            func.lead(h.actor_id)
            .over(partition_by=h.application_id, order_by=h.position)
            .label("left_by"),
        )
        .where(
            h.application_id.in_(touched),
            h.action.in_(WORKFLOW_ACTIONS),
            h.to_status.is_not(None),
            or_(h.from_status.is_(None), h.from_status != h.to_status),
        )
        .subquery("moves")
    )
    stmt = (
        select(moves.c.application_id)
        .select_from(moves)
        .join(a, a.id == moves.c.application_id)
        .where(
            moves.c.left_at.is_not(None),
            moves.c.left_at >= period.utc_start,
            moves.c.left_at < period.utc_end,
            moves.c.step == measure,
            *filters.where(moves.c.left_by),
            *_only(only_office),
        )
    )
    return _done(_per_app(session, stmt, moves.c.application_id, moves.c.left_at))


def backlog_drill(
    session: Session,
    now: datetime,
    today: date,
    offset_seconds: int,
    filters: Filters,
    measure: str,
    only_office: str | None = None,
) -> Drill:
    """Open applications now (backlog.py's rows): all, overdue, or of one working-day bucket."""
    a = Application
    dialect = session.get_bind().dialect.name
    day = local_date(a.submitted_at, offset_seconds, dialect).label("day")
    stmt = select(a.id, day, a.due_at).where(
        a.status.in_(OPEN_STATES),
        a.submitted_at.is_not(None),
        *filters.where(),
        *_only(only_office),
    )
    if measure == "overdue":
        stmt = stmt.where(a.due_at < now)
    rows = list(session.execute(stmt.order_by(a.submitted_at, a.id)))
    if measure in ("total", "overdue"):
        return _done([(str(r.id), 1) for r in rows])
    ages = working_day_ages({str(r.day) for r in rows}, today)
    return _done([(str(r.id), 1) for r in rows if bucket_of(ages[str(r.day)]) == measure])


def _done(times: list[tuple[str, int]]) -> Drill:
    return Drill(sum(n for _, n in times), times)


def items(
    session: Session, drill: Drill, now: datetime, limit: int = MAX_ITEMS
) -> list[dict[str, Any]]:
    """The queue's summaries of the first `limit` applications, each with its `times`."""
    wanted = drill.times[:limit]
    found: dict[str, dict[str, Any]] = {}
    ids: Sequence[str] = [app for app, _ in wanted]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(summary_query().where(Application.id.in_(chunk))).all()
        for summary in summaries(rows, now):
            found[str(summary["id"])] = summary
    return [{**found[app], "times": n} for app, n in wanted if app in found]
