"""Rows to the JSON shapes of api-v1 (plain dicts: the change feed serialises thousands a second).

The shapes are described by `schemas.py`; `desktop.domain.records` parses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from server.models import Application, Document, HistoryEntry, Office, User


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def office_dict(office: Office) -> dict[str, Any]:
    return {
        "code": office.code,
        "name": office.name,
        "level": office.level,
        "parent_code": office.parent_code,
    }


ClaimUser = aliased(User, name="claim_user")

SUMMARY_COLUMNS = (
    Application,
    ClaimUser.username,
    ClaimUser.full_name,
)


def summary_query() -> Any:
    """SELECT of an application with its claim holder's names (outer join)."""
    return select(*SUMMARY_COLUMNS).outerjoin(ClaimUser, ClaimUser.id == Application.claim_user_id)


def summary_dict(
    app: Application,
    now: datetime,
    claim_username: str | None = None,
    claim_full_name: str | None = None,
) -> dict[str, Any]:
    claim = None
    if (
        app.claim_user_id is not None
        and app.claim_expires_at is not None
        and app.claim_expires_at > now
    ):
        claim = {
            "user_id": app.claim_user_id,
            "username": claim_username or "",
            "full_name": claim_full_name or "",
            "expires_at": iso(app.claim_expires_at),
        }
    return {
        "id": app.id,
        "registration_number": app.registration_number,
        "provisional_number": app.provisional_number,
        "service_code": app.service_code,
        "status": app.status,
        "version": app.version,
        "office_code": app.office_code,
        "applicant": {
            "nik": app.nik,
            "name": app.name,
            "birth_date": iso_date(app.birth_date),
            "sex": app.sex,
            "kk_number": app.kk_number,
            "phone": app.phone,
            "email": app.email,
            "address": app.address,
            "birth_place": app.birth_place,
            "rt": app.rt,
            "rw": app.rw,
            "village_code": app.village_code,
        },
        "channel": app.channel,
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
        "submitted_at": iso(app.submitted_at),
        "due_at": iso(app.due_at),
        "claim": claim,
        "seq": app.seq,
    }


def summaries(rows: Iterable[Any], now: datetime) -> list[dict[str, Any]]:
    return [summary_dict(row[0], now, row[1], row[2]) for row in rows]


def document_dict(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "requirement_code": doc.requirement_code,
        "filename": doc.filename,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_at": iso(doc.uploaded_at),
        "uploaded_by": doc.uploaded_by,
    }


def history_dict(entry: HistoryEntry, actor: User) -> dict[str, Any]:
    return {
        "id": entry.id,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "actor": {
            "user_id": actor.id,
            "username": actor.username,
            "full_name": actor.full_name,
        },
        "role": entry.role,
        "office_code": entry.office_code,
        "device_id": entry.device_id,
        "device_time": iso(entry.device_time),
        "server_time": iso(entry.server_time),
        "reason": entry.reason,
        "checklist": entry.checklist,
        "details": entry.details,
        "transaction_id": entry.transaction_id,
    }


def detail_dict(session: Session, app: Application, now: datetime) -> dict[str, Any]:
    """Summary plus documents and history, oldest first, the service data, the status token
    (every caller is staff in the application's scope) and the expected completion date."""
    claim_user = session.get(User, app.claim_user_id) if app.claim_user_id else None
    data = summary_dict(
        app,
        now,
        claim_user.username if claim_user else None,
        claim_user.full_name if claim_user else None,
    )
    docs: Sequence[Document] = (
        session.execute(
            select(Document)
            .where(Document.application_id == app.id)
            .order_by(Document.uploaded_at, Document.id)
        )
        .scalars()
        .all()
    )
    history = session.execute(
        select(HistoryEntry, User)
        .join(User, User.id == HistoryEntry.actor_id)
        .where(HistoryEntry.application_id == app.id)
        .order_by(HistoryEntry.position)
    ).all()
    data["documents"] = [document_dict(d) for d in docs]
    data["history"] = [history_dict(h, u) for h, u in history]
    data["data"] = dict(app.data or {})
    data["status_token"] = app.status_token
    data["expected_date"] = iso_date(app.expected_date)
    return data
