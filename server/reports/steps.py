"""How long each step takes: from entering a state to leaving it, per step, median and p90.

A step is a stay in one workflow state, read from consecutive status-changing history entries
of an application (the entry that entered the state, and the next one, which left it). Steps
are counted in the bucket of the local day they ended, for the officer who ended them. The
durations are wall-clock seconds (nights and holidays included: what the citizen waits).

Percentiles by nearest rank, so SQLite and PostgreSQL compute the same numbers in SQL (SQLite
has no `percentile_cont`): over the n durations of a group in ascending order, the median is
the ceil(n/2)-th and the p90 the ceil(9n/10)-th, both actual durations. Groups exist only with
at least one sample; a step with none in the period is absent, never 0.

Only the histories of applications that left a state in the period are windowed (a semi-join
on the history's server time), not the whole table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from server.models import Application, HistoryEntry
from server.reports.period import Period
from server.reports.scoping import Filters, describe
from server.reports.sqlbits import local_bucket, seconds_between

STEPS = ("submitted", "needs_revision", "verified", "validated", "signed")
"""The states a step is measured in (draft is the counter's own work, terminal states end)."""
WORKFLOW_ACTIONS = (
    "create",
    "submit",
    "discard",
    "verify",
    "request_revision",
    "reject",
    "resubmit",
    "cancel",
    "validate",
    "sign",
    "deliver",
)


def steps(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    dialect = session.get_bind().dialect.name
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
            h.server_time.label("entered"),
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
    bucket = local_bucket(moves.c.left_at, period.offset_seconds, period.grain, dialect)
    dims = {"office": a.office_code, "service": a.service_code, "officer": moves.c.left_by}
    keys = [
        moves.c.step.label("step"),
        bucket.label("period"),
        *(dims[d].label(d) for d in filters.by),
    ]
    duration = seconds_between(moves.c.entered, moves.c.left_at, dialect).label("seconds")
    samples = (
        select(*keys, duration)
        .select_from(moves)
        .join(a, a.id == moves.c.application_id)
        .where(
            moves.c.left_at.is_not(None),
            moves.c.left_at >= period.utc_start,
            moves.c.left_at < period.utc_end,
            moves.c.step.in_(STEPS),
            *filters.where(moves.c.left_by),
        )
        .subquery("samples")
    )
    group = [samples.c[k.name] for k in keys]
    ranked = select(
        *group,
        samples.c.seconds,
        func.row_number().over(partition_by=group, order_by=samples.c.seconds).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery("ranked")
    rgroup = [ranked.c[k.name] for k in keys]
    n, rn = ranked.c.n, ranked.c.rn
    stmt = (
        select(
            *rgroup,
            func.count().label("count"),
            func.max(case((rn == (n + 1) // 2, ranked.c.seconds))).label("median"),
            func.max(case((rn == (n * 9 + 9) // 10, ranked.c.seconds))).label("p90"),
            func.avg(ranked.c.seconds).label("mean"),
        )
        .group_by(*rgroup)
        .order_by(*rgroup)
    )
    rows: list[dict[str, Any]] = []
    for record in session.execute(stmt).mappings():
        row: dict[str, Any] = {"step": record["step"], "period": record["period"]}
        for dim in filters.by:
            row[
                {"office": "office_code", "service": "service_code", "officer": "officer_id"}[dim]
            ] = record[dim]
        row["count"] = int(record["count"])
        for name in ("median", "p90", "mean"):
            value = record[name]
            row[f"{name}_seconds"] = None if value is None else round(float(value), 1)
        rows.append(row)
    describe(session, rows)
    return {"rows": rows, "no_data": not rows}
