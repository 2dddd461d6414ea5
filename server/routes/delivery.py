"""Delivery of issued documents by e-mail, through the server's relay (`server.mail`).

`POST /applications/{id}/deliveries` sends the signed PDF of a registered, valid issued
document (found among the application's uploaded documents by its SHA-256) to an address, and
completes the application with the workflow's `deliver` action (signed -> completed), judged by
`desktop.domain.authority` like every action: whoever may deliver (the office's operator,
holding the claim).

Sending mail cannot be rolled back, so the request runs in three short transactions and never
holds the database during the SMTP conversation:

1. check everything and write the delivery row `sending` under the request's `transaction_id`
   (unique: a concurrent or later retry finds it and never sends again);
2. hand the message to the relay, with no transaction open;
3. mark the row `sent`, add the `deliver` entry, remember the answer for replays.

If the relay does not take the message the row is deleted (503, or 422 for an address it
refuses) and the application stays `signed`. Should the server stop between 2 and 3 the row
stays `sending` and a retry is answered 409 `delivery_in_progress` rather than risking a second
message; a person then decides (send again with a new transaction id, or hand it over).

The counter's other ways of delivering (printed, collected in person or by a proxy) are the
`deliver` action itself with its `handover` (routes/applications.py), no e-mail involved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain import authority
from desktop.domain.workflow import Action, Refusal
from desktop.domain.workflow import State as WState
from server import applications as ops
from server import idempotency, issued, mail
from server.deps import CurrentPrincipal, DbSession, Principal, State
from server.models import (
    Application,
    Delivery,
    Document,
    HistoryEntry,
    IssuedDocument,
    Office,
    User,
)
from server.problems import ProblemError, not_found
from server.routes import AUTHED, errors
from server.schemas import DeliveryList, DeliveryRequest, DeliveryResult
from server.serialize import detail_dict, iso
from server.state import ServerState

router = APIRouter(tags=["delivery"])

KIND = "delivery"
SENDING = "sending"
SENT = "sent"
RETRY_AFTER = "60"


@dataclass(frozen=True)
class Prepared:
    """What step 1 leaves for the send: plain values only (no ORM object is touched while the
    relay talks, so no transaction - on SQLite the write lock - is open meanwhile)."""

    delivery_id: str
    to: str
    message: EmailMessage
    documents: list[dict[str, str]]
    """Every issued document attached (code, sha256, filename), the first the row's."""


def delivery_dict(
    row: Delivery, sender_name: str, documents: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """`schemas.DeliveryOut`; `documents` defaults to the row's own one."""
    own = [{"code": row.issued_code, "sha256": row.sha256, "filename": row.filename}]
    return {
        "id": row.id,
        "application_id": row.application_id,
        "issued_code": row.issued_code,
        "channel": row.channel,
        "to": row.recipient,
        "sha256": row.sha256,
        "filename": row.filename,
        "message_id": row.message_id,
        "status": row.status,
        "sent_by": row.sent_by,
        "sent_by_name": sender_name,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "transaction_id": row.transaction_id,
        "history_entry_id": row.history_entry_id,
        "documents": documents or own,
    }


def _field(loc: str, message: str) -> ProblemError:
    return ProblemError(
        422, "validation_error", message, errors=[{"loc": ["body", loc], "msg": message}]
    )


def _unavailable(message: str) -> ProblemError:
    return ProblemError(503, "mail_unavailable", message, headers={"Retry-After": RETRY_AFTER})


def _verify_url(state: ServerState, request: Request, code: str) -> str:
    base = state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + issued.verify_path(code)


@router.post(
    "/applications/{app_id}/deliveries",
    status_code=201,
    response_model=DeliveryResult,
    responses=errors(*AUTHED, 404, 409, 503),
)
def deliver(
    app_id: UUID,
    body: DeliveryRequest,
    request: Request,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """E-mail an issued document and complete the application (`deliver`). Replay-safe by
    `transaction_id`: a retry gets the first answer (201) and sends nothing. 503
    `mail_unavailable` (with `Retry-After`) when the relay is not configured or does not take
    the message - nothing is recorded, the application stays `signed`; 422 for an address
    that is not one or that the relay refuses; 409 `document_void`, `document_missing` (the
    signed PDF is not uploaded), `delivery_in_progress`; the workflow's refusals as for
    actions (403 `role_not_allowed`, 409 `claim_required`, `wrong_state`)."""
    user_id, user_name = principal.user.id, principal.user.full_name
    prepared = idempotency.once_more_on_conflict(
        session, lambda: _prepare(str(app_id), body, request, principal, session, state)
    )
    if isinstance(prepared, Response):
        return prepared
    try:
        mail.send(state.settings, prepared.to, prepared.message)
    except mail.MailUnavailable as exc:
        _forget(session, prepared.delivery_id)
        raise _unavailable(str(exc)) from None
    except mail.RecipientRefused as exc:
        _forget(session, prepared.delivery_id)
        raise _field("to", str(exc)) from None
    return _finish(str(app_id), body, prepared, principal, session, state, user_id, user_name)


def _request_hash(principal: Principal, app_id: str, body: DeliveryRequest) -> str:
    payload = body.model_dump(mode="json")
    if not payload.get("issued_codes"):  # a one-document request hashes as it always did
        payload.pop("issued_codes", None)
    payload["application_id"] = app_id
    return idempotency.request_hash(principal.user.id, payload)


def _decide(principal: Principal, state: ServerState, app: Application, claimed: bool) -> Any:
    service = state.catalogue.services.get(app.service_code)
    return authority.decide(
        principal.actor,
        app.office_code,
        service,
        WState(app.status),
        Action.DELIVER,
        reason=None,
        holds_claim=claimed,
    )


def _prepare(
    app_id: str,
    body: DeliveryRequest,
    request: Request,
    principal: Principal,
    session: Session,
    state: ServerState,
) -> Prepared | Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    rhash = _request_hash(principal, app.id, body)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, KIND, key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    pending = session.execute(
        select(Delivery.id).where(Delivery.transaction_id == key)
    ).scalar_one_or_none()
    if pending is not None:
        raise ProblemError(
            409,
            "delivery_in_progress",
            "Pengiriman dengan transaksi ini sedang berlangsung atau terputus sebelum tercatat; "
            "dokumen tidak dikirim dua kali. Periksa kotak masuk penerima sebelum mengirim ulang.",
        )
    decided = _decide(principal, state, app, ops.holds_claim(app, principal.user.id, now))
    if isinstance(decided, Refusal):
        raise ops.refusal_problem(session, app, decided, now)
    found: list[IssuedDocument] = []
    for wanted in _wanted_codes(body):
        one = _attachable(session, state, app, wanted)
        if all(one.code != seen.code for seen in found):
            found.append(one)
    to = body.to.strip()
    problem = mail.address_problem(to)
    if problem is not None:
        raise _field("to", problem)
    attached = [(one, state.blobs.path_for(one.sha256).read_bytes()) for one in found]
    try:
        mail.check_configured(state.settings)
    except mail.MailUnavailable as exc:
        raise _unavailable(str(exc)) from None
    office = session.get(Office, app.office_code)
    letters = [(_letter(state, request, app, office, doc), content) for doc, content in attached]
    (letter, pdf), more = letters[0], letters[1:]
    message = mail.build_message(state.settings, to, letter, pdf, more=more)
    doc = attached[0][0]
    documents = [
        {"code": one.code, "sha256": one.sha256, "filename": mail.file_name(text)}
        for (one, _pdf), (text, _bytes) in zip(attached, letters, strict=True)
    ]
    row = Delivery(
        id=str(uuid.uuid4()),
        application_id=app.id,
        issued_code=doc.code,
        channel=body.channel,
        recipient=to,
        sha256=doc.sha256,
        filename=mail.file_name(letter),
        message_id=str(message["Message-ID"]),
        status=SENDING,
        transaction_id=key,
        sent_by=principal.user.id,
        created_at=now,
        sent_at=None,
        history_entry_id=None,
    )
    session.add(row)
    prepared = Prepared(row.id, to, message, documents)
    session.commit()
    return prepared


def _wanted_codes(body: DeliveryRequest) -> list[str]:
    """`issued_code` first, then `issued_codes` (issue 13: every document in one message)."""
    return [body.issued_code, *body.issued_codes]


def _attachable(
    session: Session, state: ServerState, app: Application, wanted: str
) -> IssuedDocument:
    """The application's valid issued document `wanted` whose signed PDF is uploaded."""
    canonical = issued.normalize_code(wanted)
    doc = session.get(IssuedDocument, canonical) if canonical is not None else None
    if doc is None or doc.application_id != app.id:
        raise not_found("Dokumen terbit")
    if doc.status != issued.VALID:
        raise ProblemError(
            409,
            "document_void",
            f"Dokumen ini sudah dibatalkan ({doc.void_reason}) dan tidak boleh dikirim.",
        )
    stored = (
        session.execute(
            select(Document)
            .where(Document.application_id == app.id, Document.sha256 == doc.sha256)
            .order_by(Document.uploaded_at)
        )
        .scalars()
        .first()
    )
    if stored is None or not state.blobs.path_for(doc.sha256).is_file():
        raise ProblemError(
            409,
            "document_missing",
            "Berkas PDF yang ditandatangani belum diunggah ke permohonan ini (tidak ada berkas "
            "dengan SHA-256 dokumen terbit); unggah dulu, lalu kirim lagi.",
        )
    return doc


def _letter(
    state: ServerState,
    request: Request,
    app: Application,
    office: Office | None,
    doc: IssuedDocument,
) -> mail.Letter:
    kind = state.catalogue.document_types.get(doc.document_type)
    return mail.Letter(
        type_name=kind.name if kind is not None else doc.document_type,
        number=doc.letter_number,
        office_name=office.name if office is not None else app.office_code,
        holder_name=app.name,
        verify_url=_verify_url(state, request, doc.code),
        code=doc.code,
        document_type=doc.document_type,
    )


def _forget(session: Session, delivery_id: str) -> None:
    """Nothing was sent: the row goes, so the same request may be tried again."""
    session.rollback()
    session.execute(delete(Delivery).where(Delivery.id == delivery_id))
    session.commit()


def _finish(
    app_id: str,
    body: DeliveryRequest,
    prepared: Prepared,
    principal: Principal,
    session: Session,
    state: ServerState,
    user_id: str,
    user_name: str,
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    row = session.get(Delivery, prepared.delivery_id)
    if row is None:  # pragma: no cover - only this request deletes its own row
        raise not_found("Pengiriman")
    row.status = SENT
    row.sent_at = now
    key = row.transaction_id
    current = WState(app.status)
    # The claim was checked before sending; the message is out, so it is recorded even if
    # the lease ran out during the conversation with the relay.
    decided = _decide(principal, state, app, True)
    details = {
        "delivery": {
            "id": row.id,
            "channel": row.channel,
            "to": row.recipient,
            "issued_code": row.issued_code,
            "sha256": row.sha256,
            "filename": row.filename,
            "documents": prepared.documents,
        }
    }
    entry_id: str | None = None
    if not isinstance(decided, Refusal):
        ops.apply_transition(state, session, app, principal, Action.DELIVER, decided.target, now)
        entry = ops.add_history(
            session,
            app,
            principal,
            action=Action.DELIVER.value,
            role=decided.role.value,
            now=now,
            from_status=current.value,
            to_status=decided.target.value,
            device_time=body.device_time,
            transaction_id=key,
            details=details,
        )
        entry_id = entry.id
        row.history_entry_id = entry.id
    # The audit row names the document and the channel, not the address (kept in the row).
    ops.touch(
        session,
        app,
        principal,
        now,
        "document_delivered",
        {
            "delivery": row.id,
            "code": row.issued_code,
            "channel": row.channel,
            "sha256": row.sha256,
            "documents": [(d["code"], d["sha256"]) for d in prepared.documents],
            "entry": entry_id,
        },
    )
    response = {
        "delivery": delivery_dict(row, user_name, prepared.documents),
        "application": detail_dict(session, app, now),
    }
    idempotency.remember(
        session, KIND, key, user_id, _request_hash(principal, app.id, body), 201, response, now
    )
    session.commit()
    return idempotency.json_response(response, 201)


@router.get(
    "/applications/{app_id}/deliveries",
    response_model=DeliveryList,
    responses=errors(*AUTHED, 404),
)
def list_deliveries(app_id: UUID, principal: CurrentPrincipal, session: DbSession) -> Response:
    """What was sent to whom, oldest first (also the `sending` ones left by a stop)."""
    app = ops.load_in_scope(session, principal, str(app_id))
    rows = session.execute(
        select(Delivery, User.full_name)
        .join(User, User.id == Delivery.sent_by)
        .where(Delivery.application_id == app.id)
        .order_by(Delivery.created_at, Delivery.id)
    ).all()
    items = [delivery_dict(r, name, _documents_of(session, r)) for r, name in rows]
    return idempotency.json_response({"items": items})


def _documents_of(session: Session, row: Delivery) -> list[dict[str, str]] | None:
    """Every document the message carried, as its `deliver` entry recorded them (no entry -
    someone else completed the application meanwhile - or an older one: the row's own)."""
    entry = session.get(HistoryEntry, row.history_entry_id) if row.history_entry_id else None
    recorded = ((entry.details or {}).get("delivery") or {}).get("documents") if entry else None
    if not isinstance(recorded, list):
        return None
    return [dict(d) for d in recorded if isinstance(d, dict)]
