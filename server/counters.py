"""Gap-free counters that are safe under concurrent writers.

`UPDATE counters SET value = value + n ... RETURNING value` takes the counter row's lock on
PostgreSQL and keeps it until the transaction commits, so the order in which numbers are handed
out is the order in which their transactions commit. That is what makes the change feed safe: a
reader that has seen sequence N can never later find a committed change below N. On SQLite the
whole write transaction already holds the database write lock (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import Counter

SEQ = "seq"
AUDIT = "audit"


def _ensure(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(Counter).values(name=name, value=0).on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        session.execute(sqlite.insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    elif session.get(Counter, name) is None:  # pragma: no cover - other databases
        session.add(Counter(name=name, value=0))
        session.flush()


def allocate(session: Session, name: str, count: int = 1) -> int:
    """Advance counter `name` by `count` and return its new value (the last number handed out)."""
    stmt = (
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        _ensure(session, name)
        value = session.execute(stmt).scalar_one()
    return int(value)


def current(session: Session, name: str) -> int:
    value = session.execute(select(Counter.value).where(Counter.name == name)).scalar()
    return int(value or 0)


def set_at_least(session: Session, name: str, value: int) -> None:
    """Raise a counter to `value` (seeding inserts rows with numbers of its own)."""
    _ensure(session, name)
    session.execute(
        update(Counter).where(Counter.name == name, Counter.value < value).values(value=value)
    )


def letter_counter(office_code: str, year: int) -> str:
    """The office's agenda sequence for a year: one for all its letter types (a formatted
    letter number need not name its type, so per-type sequences would repeat numbers)."""
    return f"letter:{office_code}:{year}"


def registration_counter(area: str, day: str) -> str:
    return f"reg:{area}:{day}"
