"""Who sees what, and how rows are split: the caller's office subtree (`server.scope`), the
optional office / service / officer filters, and the `by` dimensions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from server.models import Application, Office, User
from server.problems import ProblemError
from server.scope import in_scope, scope_clause

DIMENSIONS = ("office", "service", "officer")


@dataclass(frozen=True)
class Filters:
    scope: str
    """The office whose subtree is reported: the caller's, or one under it (`office=`)."""
    service: str | None = None
    officer: str | None = None
    by: tuple[str, ...] = ("office",)

    def where(self, officer_column: Any | None = None) -> list[ColumnElement[bool]]:
        clauses = [scope_clause(Application.office_code, self.scope)]
        if self.service:
            clauses.append(Application.service_code == self.service)
        if self.officer and officer_column is not None:
            clauses.append(officer_column == self.officer)
        return clauses


def make_filters(
    caller_office: str, office: str | None, service: str | None, officer: str | None, by: str
) -> Filters:
    """422 for an office outside the caller's subtree (never saying whether it exists) and for
    an unknown `by` dimension."""
    scope = caller_office
    if office:
        if not in_scope(caller_office, office):
            raise ProblemError(
                422,
                "unknown_office",
                f"Kantor '{office[:20]}' tidak dikenal atau di luar wilayah Anda.",
            )
        scope = office
    dims = tuple(d.strip() for d in by.split(",") if d.strip()) if by else ()
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise ProblemError(
            422,
            "invalid_grouping",
            f"Pengelompokan '{unknown[0][:20]}' tidak dikenal; "
            "pilih dari: office, service, officer.",
        )
    ordered = tuple(d for d in DIMENSIONS if d in dims)
    return Filters(scope, service or None, officer or None, ordered)


def office_names(session: Session, codes: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """code -> (name, parent code): the desktop groups kelurahan under their kecamatan."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(
        select(Office.code, Office.name, Office.parent_code).where(Office.code.in_(wanted))
    ).all()
    return {code: (name, parent) for code, name, parent in rows}


def user_names(session: Session, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Full name and user name by user id (two officers may share a full name)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(wanted))
    ).all()
    return {uid: (name, username) for uid, name, username in rows}


def describe(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add office names (and parents) and officer names to rows that carry their codes."""
    offices = office_names(session, (r["office_code"] for r in rows if r.get("office_code")))
    users = user_names(session, (r["officer_id"] for r in rows if r.get("officer_id")))
    for row in rows:
        code = row.get("office_code")
        if code is not None:
            name, parent = offices.get(code, (code, None))
            row["office_name"], row["office_parent"] = name, parent
        uid = row.get("officer_id")
        if uid is not None:
            row["officer_name"], row["officer_username"] = users.get(uid, (uid, uid))
    return rows
