"""How long each step takes: from entering a state to leaving it, per step, median and p90.

A step is a stay in one workflow state, read from consecutive status-changing history entries
of an application (the entry that entered the state, and the next one, which left it). Steps
are counted in the bucket of the local day they ended, for the officer who ended them. The
durations are wall-clock seconds (nights and holidays included: what the citizen waits).

Percentiles by nearest rank, so SQLite and PostgreSQL compute the same numbers in SQL (SQLite
has no `percentile_cont`): over the n durations of a group in ascending order, the median is
the ceil(n/2)-th and the p90 the ceil(9n/10)-th, both actual durations. Groups exist only with
at least one sample; a step with none in the period is absent, never 0.

Only the moves in the period are read (through the history's server-time index), and for each
the move before it in its application's history (the unique (application_id, position) index,
read backwards): the work grows with the period's activity, not with the applications' whole
histories. See docs/architecture/server.md, "Reports performance".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from server.models import Application, HistoryEntry
from server.reports.period import Period
from server.reports.scoping import Filters, describe
from server.reports.sqlbits import local_bucket, seconds_between, without_jit

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


def is_move(entry: Any) -> ColumnElement[bool]:
    """A status-changing workflow entry of `entry` (the history table or an alias of it)."""
    return and_(
        entry.action.in_(WORKFLOW_ACTIONS),
        entry.to_status.is_not(None),
        or_(entry.from_status.is_(None), entry.from_status != entry.to_status),
    )


def steps(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    without_jit(session)
    dialect = session.get_bind().dialect.name
    a = Application
    left, earlier = aliased(HistoryEntry, name="left_row"), aliased(HistoryEntry, name="earlier")
    before = (
        earlier.application_id == left.application_id,
        earlier.position < left.position,
        is_move(earlier),
    )
    in_period = (
        left.server_time >= period.utc_start,
        left.server_time < period.utc_end,
        is_move(left),
    )
    # The move that entered the state is the application's last move before the one that
    # left it: a backward probe of the unique (application_id, position) index per move in
    # the period. PostgreSQL reads that row in one probe (LATERAL ... LIMIT 1; a correlated
    # max(position) there is planned as a hash join over the whole history); SQLite, which
    # has no LATERAL, finds its position with a correlated max() and then the row.
    if dialect == "postgresql":
        entered = (
            select(earlier.to_status.label("step"), earlier.server_time.label("entered"))
            .where(*before)
            .order_by(earlier.position.desc())
            .limit(1)
            .lateral("entered_row")
        )
        moves = (
            select(
                left.application_id.label("application_id"),
                entered.c.step,
                entered.c.entered,
                left.server_time.label("left_at"),
                left.actor_id.label("left_by"),
            )
            .select_from(left)
            .join(entered, true())
            .where(*in_period)
            .subquery("moves")
        )
    else:
        entry = aliased(HistoryEntry, name="entered_row")
        position = select(func.max(earlier.position)).where(*before).scalar_subquery()
        moves = (
            select(
                left.application_id.label("application_id"),
                entry.to_status.label("step"),
                entry.server_time.label("entered"),
                left.server_time.label("left_at"),
                left.actor_id.label("left_by"),
            )
            .select_from(left)
            .join(
                entry,
                and_(entry.application_id == left.application_id, entry.position == position),
            )
            .where(*in_period)
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
    names = [
        "step",
        "period",
        *({"office": "office_code", "service": "service_code", "officer": "officer_id"}[d]
          for d in filters.by),
    ]  # fmt: skip
    width = len(names)
    rows: list[dict[str, Any]] = []
    for record in session.execute(stmt):  # rows as tuples: see activity.py
        row: dict[str, Any] = dict(zip(names, record[:width], strict=True))
        row["count"] = int(record[width])
        for name, value in zip(("median", "p90", "mean"), record[width + 1 :], strict=True):
            row[f"{name}_seconds"] = None if value is None else round(float(value), 1)
        rows.append(row)
    describe(session, rows)
    return {"rows": rows, "no_data": not rows}
