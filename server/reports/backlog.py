"""What is still open, and for how long: open applications by age in working days.

Open = submitted, needs_revision, verified, validated or signed (drafts are the counter's own
work in progress, terminal states are done). The age is counted from the local date of the
last (re)submission (`submitted_at`, where the SLA starts) to today's local date: the number of
working days after the submission day up to and including today (weekends, public holidays and
cuti bersama not counted; `desktop.domain.sla.is_working_day`). Submitted today, or on Friday
when today is Saturday: 0. The buckets: 0-1, 2-3, 4-7, 8-14 and more than 14 working days.

SQL groups the open applications by submission day (and office / service); the working-day
age of each distinct day is then worked out once in Python, where the holiday calendar is.
`overdue` counts those whose `due_at` has passed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from desktop.domain.sla import is_working_day
from server.models import Application
from server.reports.scoping import Filters, describe
from server.reports.sqlbits import local_date

OPEN_STATES = ("submitted", "needs_revision", "verified", "validated", "signed")
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    (">14", 15, None),
)
_KEYS = {"office": "office_code", "service": "service_code"}


def bucket_of(age: int) -> str:
    for name, low, high in BUCKETS:
        if age >= low and (high is None or age <= high):
            return name
    raise AssertionError(age)  # pragma: no cover - the last bucket is open-ended


def working_day_ages(days: set[str], today: date) -> dict[str, int]:
    """For each 'YYYY-MM-DD': the working days in (that day, today]; one walk back from today
    over the oldest day's span, however many days are asked."""
    if not days:
        return {}
    oldest = min(date.fromisoformat(d) for d in days)
    ages: dict[str, int] = {}
    count, day = 0, today
    while day >= oldest:
        text = day.isoformat()
        if text in days:
            ages[text] = count
        count += is_working_day(day)
        day -= timedelta(days=1)
    return {d: ages.get(d, 0) for d in days}  # days after today (clock skew): age 0


def backlog(
    session: Session, now: datetime, today: date, offset_seconds: int, filters: Filters
) -> dict[str, Any]:
    dialect = session.get_bind().dialect.name
    a = Application
    day = local_date(a.submitted_at, offset_seconds, dialect).label("day")
    dims = [
        getattr(a, "office_code" if d == "office" else "service_code").label(d)
        for d in filters.by
        if d in _KEYS
    ]
    stmt = (
        select(
            day,
            *dims,
            func.count().label("open"),
            func.sum(case((a.due_at < now, 1), else_=0)).label("overdue"),
        )
        .where(a.status.in_(OPEN_STATES), a.submitted_at.is_not(None), *filters.where())
        .group_by(day, *dims)
    )
    records = list(session.execute(stmt).mappings())
    ages = working_day_ages({str(r["day"]) for r in records}, today)
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        text = str(record["day"])
        key = tuple(record[d.name] for d in dims)
        row = grouped.get(key)
        if row is None:
            row = {_KEYS[d.name]: record[d.name] for d in dims}
            row.update({"total": 0, "overdue": 0, "buckets": {b[0]: 0 for b in BUCKETS}})
            row["oldest_working_days"] = 0
            grouped[key] = row
        count = int(record["open"])
        row["total"] += count
        row["overdue"] += int(record["overdue"] or 0)
        row["buckets"][bucket_of(ages[text])] += count
        row["oldest_working_days"] = max(row["oldest_working_days"], ages[text])
    rows = [grouped[k] for k in sorted(grouped, key=lambda k: tuple(str(v) for v in k))]
    describe(session, rows)
    return {"rows": rows, "no_data": not rows, "as_of": today.isoformat()}
