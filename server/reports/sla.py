"""Was each completed application done within its SLA?

An application completed (its `deliver` entry) in the period met its SLA when it was delivered
at or before its `due_at`, the moment the server stored when it was (last) submitted: the end
of the SLA's last working day, counted in working days without weekends, public holidays and
cuti bersama (`desktop.domain.sla`, through `server.applications.sla_deadline`). Delivered
exactly at `due_at` counts as met (the deadline is "by the end of that day"). A resubmission
after revision starts a new SLA, as the server sets `due_at` again then. Applications without a
`due_at` (a service the catalogue did not know) are counted apart as `unknown`, never as met.
The bucket and officer are those of the delivery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from server.models import Application, HistoryEntry
from server.reports.period import Period
from server.reports.scoping import Filters, describe
from server.reports.sqlbits import local_bucket, without_jit

_KEYS = {"office": "office_code", "service": "service_code", "officer": "officer_id"}


def sla(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    without_jit(session)
    dialect = session.get_bind().dialect.name
    h, a = HistoryEntry, Application
    bucket = local_bucket(h.server_time, period.offset_seconds, period.grain, dialect).label(
        "period"
    )
    dims = {"office": a.office_code, "service": a.service_code, "officer": h.actor_id}
    keys = [bucket, *(dims[d].label(d) for d in filters.by)]
    stmt = (
        select(
            *keys,
            func.sum(case((a.due_at.is_(None), 0), (h.server_time <= a.due_at, 1), else_=0)).label(
                "met"
            ),
            func.sum(case((a.due_at.is_(None), 0), (h.server_time > a.due_at, 1), else_=0)).label(
                "missed"
            ),
            func.sum(case((a.due_at.is_(None), 1), else_=0)).label("unknown"),
        )
        .select_from(h)
        .join(a, a.id == h.application_id)
        .where(
            h.server_time >= period.utc_start,
            h.server_time < period.utc_end,
            h.action == "deliver",
            *filters.where(h.actor_id),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    rows: list[dict[str, Any]] = []
    totals = {"met": 0, "missed": 0, "unknown": 0}
    for record in session.execute(stmt).mappings():
        row: dict[str, Any] = {"period": record["period"]}
        for dim in filters.by:
            row[_KEYS[dim]] = record[dim]
        for name in totals:
            row[name] = int(record[name] or 0)
            totals[name] += row[name]
        row["met_ratio"] = _ratio(row["met"], row["missed"])
        rows.append(row)
    describe(session, rows)
    summary: dict[str, Any] | None = None
    if rows:
        summary = {**totals, "met_ratio": _ratio(totals["met"], totals["missed"])}
    return {"rows": rows, "no_data": not rows, "totals": summary}


def _ratio(met: int, missed: int) -> float | None:
    """Share met among those with a deadline; None (not 0) when none had one."""
    judged = met + missed
    return round(met / judged, 4) if judged else None
