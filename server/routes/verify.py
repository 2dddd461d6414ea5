"""Issued documents (staff, under /api/v1) and their public verification (`/verify/{code}`).

Staff: after signing, the desktop registers the signed PDF's SHA-256 under the verification
code it put in the document's QR (`POST /applications/{id}/issued`), replay-safe by
`transaction_id`; only whoever may sign the application (`authority.decide` for `sign`) may.
A document is voided with a reason by whoever may sign there (`.../issued/{code}/void`); it
stays registered, marked void, so its letter number is never issued again and the gap in the
agenda is explained. Both are written to the server's audit log.

Public, no sign-in: `GET /verify/{code}` answers a phone (small HTML, Indonesian, the upload
form) or a program (JSON when `Accept` prefers it or `?format=json`) with the type, number,
office, date, status (valid / void with the reason) and SHA-256; the holder's name only
masked, never the NIK or the address. `POST /verify/{code}` with the file (multipart field
`file`, or the raw PDF) says whether it is byte for byte the issued one. A malformed and an
unknown code get the same 404 after the same single query, and count as failures against the
client's address (`server.status_limit`, shared with the status page).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from html import escape
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from desktop.domain import authority
from desktop.domain.formatting import format_date
from desktop.domain.workflow import Action, Refusal, RefusalCode
from desktop.domain.workflow import State as WState
from server import applications as ops
from server import audit, idempotency, issued
from server.deps import CurrentPrincipal, DbSession, Principal, State
from server.models import Application, IssuedDocument
from server.problems import ProblemError, not_found, problem_response
from server.routes import AUTHED, errors
from server.routes.status import HEADERS, wants_json
from server.schemas import (
    IssuedDocumentOut,
    IssuedList,
    IssueRequest,
    Problem,
    PublicDocument,
    UploadCheck,
    VoidRequest,
)
from server.state import ServerState
from server.status_limit import client_key
from server.status_page import STYLE

api_router = APIRouter(tags=["issued documents"])
router = APIRouter(tags=["verify"])

REGISTERABLE = frozenset({WState.VALIDATED, WState.SIGNED})
"""An output is registered between signing and the `sign` action (validated) or after it."""
OLDEST_ISSUE_DAYS = 366
UNKNOWN = "Dokumen tidak dikenal"
UNKNOWN_TEXT = (
    "Kode verifikasi ini tidak terdaftar. Periksa kode pada dokumen atau pindai ulang kode "
    "QR-nya. Dokumen tanpa kode yang terdaftar tidak dapat dipastikan keasliannya."
)


# -- staff: register and void -------------------------------------------------------------


def _may_sign(principal: Principal, state: ServerState, session: Session, app: Application) -> None:
    """Raise unless the caller may sign this application (scope, role, service, level)."""
    service = state.catalogue.services.get(app.service_code)
    decided = authority.decide(
        principal.actor,
        app.office_code,
        service,
        WState.VALIDATED,
        Action.SIGN,
        reason=None,
        holds_claim=True,
    )
    if isinstance(decided, Refusal):
        if decided.code is RefusalCode.ROLE_NOT_ALLOWED:
            raise ProblemError(
                403,
                "forbidden",
                "Hanya pejabat yang berwenang menandatangani permohonan ini yang dapat "
                f"mendaftarkan atau membatalkan dokumennya. {decided.message}",
            )
        raise ops.refusal_problem(session, app, decided, state.now())


def _field(loc: str, message: str) -> ProblemError:
    return ProblemError(
        422, "validation_error", message, errors=[{"loc": ["body", loc], "msg": message}]
    )


@api_router.post(
    "/applications/{app_id}/issued",
    status_code=201,
    response_model=IssuedDocumentOut,
    responses=errors(*AUTHED, 404, 409),
)
def register(
    app_id: UUID,
    body: IssueRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Register a signed output under its verification code. A replayed `transaction_id` gets
    the first answer (201 again); the same id with another body is 409
    `idempotency_conflict`; a code or a letter number already registered is 409
    `code_taken` / `number_taken` (a voided letter's number included)."""
    return idempotency.once_more_on_conflict(
        session, lambda: _register(str(app_id), body, principal, session, state)
    )


def _register(
    app_id: str, body: IssueRequest, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    payload = body.model_dump(mode="json")
    payload["application_id"] = app.id
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, "issue", key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    _may_sign(principal, state, session, app)
    current = WState(app.status)
    if current not in REGISTERABLE:
        raise ProblemError(
            409,
            "wrong_state",
            f"Dokumen hanya didaftarkan untuk permohonan yang tervalidasi atau ditandatangani; "
            f"permohonan ini berstatus '{current.label}'.",
        )
    service = state.catalogue.services.get(app.service_code)
    outputs = {o.code for o in service.outputs} if service is not None else set()
    if body.document_type not in outputs:
        raise _field(
            "document_type",
            f"Dokumen '{body.document_type}' bukan keluaran layanan permohonan ini.",
        )
    if service is not None and service.letter_type is not None and body.letter_number is None:
        raise _field("letter_number", "Surat kelurahan harus didaftarkan dengan nomornya.")
    today = state.local_date(now)
    if not today - timedelta(days=OLDEST_ISSUE_DAYS) <= body.issued_on <= today:
        raise _field("issued_on", "Tanggal terbit harus hari ini atau dalam setahun terakhir.")
    code = body.code or issued.new_code()
    if session.get(IssuedDocument, code) is not None:
        raise ProblemError(
            409, "code_taken", "Kode verifikasi sudah dipakai; buat kode acak yang baru."
        )
    year = body.issued_on.year
    if body.letter_number is not None:
        holder = session.execute(
            select(IssuedDocument.code).where(
                IssuedDocument.office_code == app.office_code,
                IssuedDocument.year == year,
                IssuedDocument.letter_number == body.letter_number,
            )
        ).first()
        if holder is not None:
            raise ProblemError(
                409,
                "number_taken",
                f"Nomor surat {body.letter_number} sudah terdaftar pada dokumen lain (juga bila "
                "dokumen itu dibatalkan, nomornya tidak dipakai lagi).",
            )
    doc = IssuedDocument(
        code=code,
        application_id=app.id,
        document_type=body.document_type,
        letter_number=body.letter_number,
        office_code=app.office_code,
        year=year,
        issued_on=body.issued_on,
        sha256=body.sha256,
        signer_name=principal.user.full_name,
        signer_id=principal.user.id,
        registered_at=now,
        transaction_id=key,
        status=issued.VALID,
    )
    session.add(doc)
    session.flush()
    audit.append(
        session,
        "document_issued",
        at=now,
        actor_id=principal.user.id,
        application_id=app.id,
        details={
            "code": code,
            "document_type": body.document_type,
            "letter_number": body.letter_number,
            "office": app.office_code,
            "sha256": body.sha256,
        },
    )
    response = issued.issued_dict(doc)
    idempotency.remember(session, "issue", key, principal.user.id, rhash, 201, response, now)
    session.commit()
    return idempotency.json_response(response, 201)


@api_router.get(
    "/applications/{app_id}/issued",
    response_model=IssuedList,
    responses=errors(*AUTHED, 404),
)
def list_issued(app_id: UUID, principal: CurrentPrincipal, session: DbSession) -> Response:
    """The application's issued documents, valid and void, oldest first."""
    app = ops.load_in_scope(session, principal, str(app_id))
    docs = session.execute(
        select(IssuedDocument)
        .where(IssuedDocument.application_id == app.id)
        .order_by(IssuedDocument.registered_at, IssuedDocument.code)
    ).scalars()
    return idempotency.json_response({"items": [issued.issued_dict(d) for d in docs]})


@api_router.post(
    "/applications/{app_id}/issued/{code}/void",
    response_model=IssuedDocumentOut,
    responses=errors(*AUTHED, 404, 409),
)
def void(
    app_id: UUID,
    code: str,
    body: VoidRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Void an issued document with a reason. It stays registered and keeps its number; the
    public page shows it void with the reason. Replay-safe by `transaction_id`; voiding a
    void document again is 409 `already_void`."""
    return idempotency.once_more_on_conflict(
        session, lambda: _void(str(app_id), code, body, principal, session, state)
    )


def _void(
    app_id: str,
    code: str,
    body: VoidRequest,
    principal: Principal,
    session: Session,
    state: ServerState,
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    payload = body.model_dump(mode="json")
    payload["application_id"] = app.id
    payload["code"] = code
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, "void", key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    canonical = issued.normalize_code(code)
    doc = session.get(IssuedDocument, canonical) if canonical is not None else None
    if doc is None or doc.application_id != app.id:
        raise not_found("Dokumen terbit")
    _may_sign(principal, state, session, app)
    if doc.status == issued.VOID:
        raise ProblemError(409, "already_void", f"Dokumen ini sudah dibatalkan: {doc.void_reason}")
    doc.status = issued.VOID
    doc.void_reason = body.reason
    doc.voided_by = principal.user.id
    doc.voided_at = now
    audit.append(
        session,
        "document_voided",
        at=now,
        actor_id=principal.user.id,
        application_id=app.id,
        details={
            "code": doc.code,
            "document_type": doc.document_type,
            "letter_number": doc.letter_number,
            "office": doc.office_code,
            "reason": body.reason,
        },
    )
    response = issued.issued_dict(doc)
    idempotency.remember(session, "void", key, principal.user.id, rhash, 200, response, now)
    session.commit()
    return idempotency.json_response(response)


# -- public: the verification page -----------------------------------------------------------

Format = Annotated[
    Literal["json", "html"] | None,
    Query(description="`json` for a program that cannot set `Accept`"),
]
_HTML: dict[str, Any] = {"content": {"text/html": {"schema": {"type": "string"}}}}
_PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown (or malformed) code", **_HTML},
    422: {"model": Problem, "description": "Problem", **_HTML},
    429: {"model": Problem, "description": "Too many failed look-ups", **_HTML},
}


def _json(request: Request, fmt: str | None) -> bool:
    return fmt == "json" or (fmt is None and wants_json(request))


def _client(request: Request) -> str:
    return client_key(request.client.host) if request.client is not None else "unknown"


def _page(status_code: int, title: str, body: str, headers: dict[str, str]) -> Response:
    html = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f"<title>{escape(title)} - Verifikasi Dokumen</title>"
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
    return Response(
        html.encode("utf-8"),
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )


def _problem(
    request: Request,
    fmt: str | None,
    status: int,
    code: str,
    title: str,
    text: str,
    headers: dict[str, str] | None = None,
) -> Response:
    headers = {**HEADERS, **(headers or {})}
    if _json(request, fmt):
        return problem_response(status, code, text, headers)
    body = f"<h1>{escape(title)}</h1><div class='card'><p>{escape(text)}</p></div>"
    return _page(status, title, body, headers)


def _lookup(
    request: Request, fmt: str | None, code: str, session: Session, state: ServerState
) -> IssuedDocument | Response:
    """The document, or the answer: 429 past the failure burst, else one 404 for malformed
    and unknown codes alike (one query either way), counted as a failure."""
    now = state.now()
    wait = state.status_limiter.retry_after(_client(request), now)
    if wait is not None:
        detail = (
            f"Terlalu banyak pencarian yang gagal dari alamat ini. Coba lagi {wait} detik lagi."
        )
        return _problem(
            request,
            fmt,
            429,
            "rate_limited",
            "Terlalu banyak percobaan",
            detail,
            {"Retry-After": str(wait)},
        )
    canonical = issued.normalize_code(code)
    doc = session.get(IssuedDocument, canonical or "-")
    if doc is None:
        state.status_limiter.failed(_client(request), now)
        return _problem(request, fmt, 404, "not_found", UNKNOWN, UNKNOWN_TEXT)
    return doc


def _details(info: dict[str, Any]) -> str:
    void = info["status"] == issued.VOID
    badge = (
        "<span class='status stop'>DIBATALKAN</span>"
        if void
        else "<span class='status done'>SAH</span>"
    )
    rows = [
        ("Jenis dokumen", escape(info["type_name"])),
        ("Nomor", escape(info["number"] or "-")),
        ("Kantor penerbit", escape(info["office"])),
        ("Tanggal terbit", escape(format_date(_day(info["issued_on"])))),
        ("Atas nama", escape(info["holder"])),
        ("Ditandatangani oleh", escape(info["signer"])),
        ("Status", badge),
    ]
    if void:
        voided = info["voided_on"]
        rows.append(("Alasan pembatalan", escape(info["void_reason"] or "-")))
        if voided:
            rows.append(("Dibatalkan pada", escape(format_date(_day(voided)))))
    rows.append(
        ("SHA-256 berkas PDF", f"<code style='word-break:break-all'>{info['sha256']}</code>")
    )
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _upload_form(code: str) -> str:
    action = escape(issued.verify_path(code))
    return (
        f"<form class='card' method='post' enctype='multipart/form-data' action='{action}' "
        "style='margin-top:1rem'><label for='file'>Cocokkan berkas PDF yang Anda terima</label>"
        "<input id='file' name='file' type='file' accept='application/pdf,.pdf' required>"
        "<button type='submit'>Periksa berkas</button></form>"
        "<p class='note'>Berkas diperiksa dengan sidik jari SHA-256-nya dan tidak disimpan.</p>"
    )


def _document_page(info: dict[str, Any], extra: str = "") -> Response:
    void = info["status"] == issued.VOID
    note = (
        "Dokumen ini telah DIBATALKAN oleh kantor penerbit dan tidak berlaku lagi."
        if void
        else "Dokumen ini terdaftar sebagai dokumen yang diterbitkan oleh kantor di atas."
    )
    body = (
        f"<h1>Verifikasi Dokumen</h1>{extra}<div class='card'>{_details(info)}"
        f"<p class='note'>{escape(note)}</p></div>{_upload_form(info['code'])}"
    )
    return _page(200, "Dokumen", body, HEADERS)


@router.get(
    issued.VERIFY_PATH + "/{code}",
    response_model=PublicDocument,
    responses={
        200: {"description": "The document (HTML for a phone, or JSON)", **_HTML},
        **_PUBLIC_ERRORS,
    },
    summary="Public verification of an issued document (no sign-in)",
)
def verify(
    code: str,
    request: Request,
    session: DbSession,
    state: State,
    format: Format = None,
) -> Response:
    found = _lookup(request, format, code, session, state)
    if isinstance(found, Response):
        return found
    info = issued.public_dict(session, state, found)
    if _json(request, format):
        response = idempotency.json_response(info)
        response.headers.update(HEADERS)
        return response
    return _document_page(info)


@router.post(
    issued.VERIFY_PATH + "/{code}",
    response_model=UploadCheck,
    responses={
        200: {"description": "Whether the file is the issued one (HTML or JSON)", **_HTML},
        413: {"model": Problem, "description": "File too large", **_HTML},
        415: {"model": Problem, "description": "Neither a PDF nor a form", **_HTML},
        **_PUBLIC_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
    summary="Compare a PDF with the issued document (no sign-in)",
)
async def compare(
    code: str,
    request: Request,
    session: DbSession,
    state: State,
    format: Format = None,
) -> Response:
    """The file (multipart field `file`, or the raw PDF) is hashed and compared; not stored."""
    found = await run_in_threadpool(_lookup, request, format, code, session, state)
    if isinstance(found, Response):
        return found
    limit = state.settings.max_upload_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            text = f"Berkas terlalu besar (maksimum {limit // (1024 * 1024)} MiB)."
            return _problem(request, format, 413, "payload_too_large", "Berkas terlalu besar", text)
    try:
        data = issued.uploaded_file(request.headers.get("content-type", ""), bytes(body))
    except issued.UploadError as exc:
        name = "unsupported_media_type" if exc.status == 415 else "validation_error"
        return _problem(request, format, exc.status, name, "Berkas tidak terbaca", str(exc))
    if not data:
        return _problem(
            request,
            format,
            422,
            "validation_error",
            "Berkas kosong",
            "Pilih berkas PDF yang akan diperiksa.",
        )
    digest = hashlib.sha256(data).hexdigest()
    info = await run_in_threadpool(issued.public_dict, session, state, found)
    same = hmac.compare_digest(digest, info["sha256"])
    result = {"matches": same, "uploaded_sha256": digest, "size": len(data), "document": info}
    if _json(request, format):
        response = idempotency.json_response(result)
        response.headers.update(HEADERS)
        return response
    if same:
        verdict = (
            "<p class='done' style='padding:.7rem;border-radius:.4rem' role='status'>"
            "Berkas ini <strong>sama dengan dokumen yang diterbitkan</strong>.</p>"
        )
    else:
        verdict = (
            "<p class='err' role='alert'>Berkas ini <strong>BERBEDA</strong> dari dokumen yang "
            "diterbitkan: isinya telah berubah atau bukan dokumen ini.</p>"
        )
    verdict += (
        "<p class='note'>SHA-256 berkas Anda: "
        f"<code style='word-break:break-all'>{digest}</code></p>"
    )
    return _document_page(info, verdict)
