"""Queue supervision (issue 14): the active claims in a supervisor's scope, and the notice a
former holder gets when a supervisor released or reassigned their claim.

The notice is delivered on the former holder's next claim request for that application (the
workbench renews the lease every few minutes while the record is open): that request is
refused once with the notice's sentence (409 `claim_taken_away`) instead of silently taking
the claim back, and the notice is marked seen. See docs/architecture/api-v1.md, "Claims
supervision".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from server.models import Application, ClaimNotice, HistoryEntry, User
from server.scope import scope_clause
from server.serialize import iso

CLAIM_STARTS = ("claim", "reassign")
"""History actions that start a holding (a renewal writes none)."""


def active_claims(
    session: Session,
    scope_code: str,
    now: datetime,
    *,
    office: str | None = None,
    holder: str | None = None,
) -> list[dict[str, Any]]:
    """Every unexpired claim under `scope_code` (optionally one office's subtree, one holder's
    id or username), longest held first."""
    holder_user = aliased(User)
    started = (
        select(
            HistoryEntry.application_id.label("app_id"),
            func.max(HistoryEntry.server_time).label("since"),
        )
        .where(HistoryEntry.action.in_(CLAIM_STARTS))
        .group_by(HistoryEntry.application_id)
        .subquery()
    )
    stmt = (
        select(Application, holder_user, started.c.since)
        .join(holder_user, holder_user.id == Application.claim_user_id)
        .outerjoin(started, started.c.app_id == Application.id)
        .where(
            Application.claim_user_id.is_not(None),
            Application.claim_expires_at > now,
            scope_clause(Application.office_code, scope_code),
        )
    )
    if office:
        stmt = stmt.where(scope_clause(Application.office_code, office))
    if holder:
        stmt = stmt.where((holder_user.id == holder) | (holder_user.username == holder))
    rows: list[dict[str, Any]] = []
    for app, user, since in session.execute(stmt).all():
        start = since if isinstance(since, datetime) else None
        if start is not None and start.tzinfo is None:  # SQLite's max() comes back as text-ish
            start = start.replace(tzinfo=now.tzinfo)
        held = int((now - start).total_seconds()) if start is not None else 0
        rows.append(
            {
                "application": {
                    "id": app.id,
                    "registration_number": app.registration_number,
                    "service_code": app.service_code,
                    "status": app.status,
                    "office_code": app.office_code,
                },
                "holder": {"id": user.id, "username": user.username, "full_name": user.full_name},
                "since": iso(start) if start is not None else None,
                "expires_at": iso(app.claim_expires_at),
                "held_seconds": max(0, held),
            }
        )
    rows.sort(key=lambda r: (-r["held_seconds"], r["application"]["id"]))
    return rows


def add_notice(
    session: Session,
    *,
    user_id: str,
    app_id: str,
    kind: str,
    by_user_id: str,
    to_user_id: str | None,
    reason: str,
    now: datetime,
) -> None:
    session.add(
        ClaimNotice(
            id=str(uuid.uuid4()),
            user_id=user_id,
            application_id=app_id,
            kind=kind,
            by_user_id=by_user_id,
            to_user_id=to_user_id,
            reason=reason,
            created_at=now,
        )
    )


def take_notice(session: Session, user_id: str, app: Application, now: datetime) -> str | None:
    """The newest unseen notice of `user_id` on `app` as one sentence, all of them marked seen
    (the caller commits); None when there is none."""
    notices = (
        session.execute(
            select(ClaimNotice)
            .where(
                ClaimNotice.user_id == user_id,
                ClaimNotice.application_id == app.id,
                ClaimNotice.seen_at.is_(None),
            )
            .order_by(ClaimNotice.created_at.desc(), ClaimNotice.id)
        )
        .scalars()
        .all()
    )
    if not notices:
        return None
    for notice in notices:
        notice.seen_at = now
    return notice_text(session, notices[0], app)


def notice_text(session: Session, notice: ClaimNotice, app: Application) -> str:
    number = app.registration_number or app.id[:8]
    by = session.get(User, notice.by_user_id)
    by_name = by.full_name if by is not None else "supervisor"
    if notice.kind == "reassign":
        to = session.get(User, notice.to_user_id) if notice.to_user_id else None
        to_name = f" kepada {to.full_name}" if to is not None else ""
        return f"Klaim permohonan {number} dialihkan{to_name} oleh {by_name}: {notice.reason}"
    return f"Klaim permohonan {number} dilepas oleh {by_name}: {notice.reason}"
