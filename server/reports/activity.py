"""How much work was done: per period bucket (and office / service / officer), the number of
history entries of each counted action.

received = `create` (the application was entered, at a counter or from a portal), verified =
`verify`, validated = `validate`, signed = `sign`, delivered = `deliver` (completed),
rejected = `reject`, sent_back = `request_revision`. The bucket is the local date (or month)
of the entry's server time; the office and service are the application's; the officer is who
took the action. One grouped scan of the history rows in the period: thousands of actions by
one officer in a day are one row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from server.models import Application, HistoryEntry
from server.reports.period import Period
from server.reports.scoping import Filters, describe
from server.reports.sqlbits import local_bucket, without_jit

COUNTED: dict[str, str] = {
    "received": "create",
    "verified": "verify",
    "validated": "validate",
    "signed": "sign",
    "delivered": "deliver",
    "rejected": "reject",
    "sent_back": "request_revision",
}


def activity(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    without_jit(session)
    dialect = session.get_bind().dialect.name
    h, a = HistoryEntry, Application
    bucket = local_bucket(h.server_time, period.offset_seconds, period.grain, dialect).label(
        "period"
    )
    dims = {"office": a.office_code, "service": a.service_code, "officer": h.actor_id}
    keys = [bucket, *(dims[d].label(d) for d in filters.by)]
    counts = [
        func.sum(case((h.action == action, 1), else_=0)).label(name)
        for name, action in COUNTED.items()
    ]
    stmt = (
        select(*keys, *counts)
        .select_from(h)
        .join(a, a.id == h.application_id)
        .where(
            h.server_time >= period.utc_start,
            h.server_time < period.utc_end,
            h.action.in_(list(COUNTED.values())),
            *filters.where(h.actor_id),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    # Plain tuples, not RowMapping look-ups: a month by day, office, service and officer is
    # 462,000 rows in the bench, where reading them by name cost seconds.
    names = ["period", *(_key(d) for d in filters.by)]
    width = len(names)
    rows: list[dict[str, Any]] = []
    sums = [0] * len(COUNTED)
    for record in session.execute(stmt):
        numbers = [int(v or 0) for v in record[width:]]
        row: dict[str, Any] = dict(zip(names, record[:width], strict=True))
        row.update(zip(COUNTED, numbers, strict=True))
        sums = [a + b for a, b in zip(sums, numbers, strict=True)]
        rows.append(row)
    totals = dict(zip(COUNTED, sums, strict=True))
    describe(session, rows)
    return {"rows": rows, "no_data": not rows, "totals": totals if rows else None}


def _key(dim: str) -> str:
    return {"office": "office_code", "service": "service_code", "officer": "officer_id"}[dim]
