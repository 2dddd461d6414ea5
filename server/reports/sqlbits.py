"""The expressions SQLite and PostgreSQL spell differently: a UTC moment's local day or month
as text, and the seconds between two moments. Everything else in the reports is plain Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, literal_column, text
from sqlalchemy.orm import Session

from server.reports.period import Grain


def local_bucket(
    column: Any, offset_seconds: int, grain: Grain, dialect: str
) -> ColumnElement[str]:
    """'YYYY-MM-DD' or 'YYYY-MM' of `column` (UTC) shifted by the zone's fixed offset."""
    seconds = int(offset_seconds)
    if dialect == "postgresql":
        pattern = "YYYY-MM-DD" if grain is Grain.DAY else "YYYY-MM"
        shifted = func.timezone("UTC", column) + literal_column(f"interval '{seconds} seconds'")
        return func.to_char(shifted, pattern)
    pattern = "%Y-%m-%d" if grain is Grain.DAY else "%Y-%m"
    return func.strftime(pattern, column, f"{seconds:+d} seconds")


def local_date(column: Any, offset_seconds: int, dialect: str) -> ColumnElement[str]:
    return local_bucket(column, offset_seconds, Grain.DAY, dialect)


def seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def without_jit(session: Session) -> None:
    """PostgreSQL: no JIT for the rest of this (read-only) request's transaction. On the
    bench's month (1M applications, 10M history rows) compiling the report's expressions took
    0.6-1.3 s per query, more than it saved on these index-driven plans (docs/architecture/
    server.md, "Reports performance"). SQLite has no JIT."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
