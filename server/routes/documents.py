"""Document upload and download: raw bytes, SHA-256 checked, type sniffed, size bounded.

The body is streamed to a temporary file while it is hashed, never held whole in memory, and
the upload stops as soon as it passes the limit.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from desktop.domain.workflow import Refusal, RefusalCode
from desktop.domain.workflow import State as WState
from server import applications as ops
from server import idempotency
from server.deps import CurrentPrincipal, DbSession, Principal, State
from server.files import SNIFF_BYTES, safe_filename, sniff
from server.handover import LETTER_CODE
from server.models import Application, Document
from server.problems import ProblemError, not_found
from server.routes import AUTHED, errors
from server.schemas import DocumentOut
from server.serialize import document_dict
from server.state import ServerState

router = APIRouter(tags=["documents"])

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "payload_too_large",
        f"Berkas terlalu besar (maksimum {limit // (1024 * 1024)} MiB).",
    )


async def _receive_to_file(request: Request, state_limit: int, fd: int) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    with os.fdopen(fd, "wb") as out:
        async for chunk in request.stream():
            if not chunk:
                continue
            size += len(chunk)
            if size > state_limit:
                raise _too_large(state_limit)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size, head


@router.put(
    "/applications/{app_id}/documents/{doc_id}",
    status_code=201,
    response_model=DocumentOut,
    responses={
        200: {"model": DocumentOut, "description": "Identical replay"},
        **errors(*AUTHED, 404, 409, 415),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("application/pdf", "image/jpeg", "image/png", "image/tiff")
            },
        }
    },
)
async def upload(
    request: Request,
    app_id: UUID,
    doc_id: UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    x_content_sha256: Annotated[str, Header(alias="X-Content-SHA256", max_length=64)],
    requirement_code: Annotated[str | None, Query(max_length=60)] = None,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    """Attach a scan. The stored type is the sniffed one; the declared type is a hint."""
    limit = state.settings.max_upload_bytes
    declared_length = request.headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise _too_large(limit)
    if not _HEX64.match(x_content_sha256):
        raise ProblemError(
            422,
            "validation_error",
            "Header X-Content-SHA256 harus 64 digit heksadesimal.",
            errors=[{"loc": ["header", "X-Content-SHA256"], "msg": "not a sha256 hex digest"}],
        )
    app_key = await run_in_threadpool(
        _precheck, session, principal, state, str(app_id), str(doc_id), requirement_code
    )
    fd, temp = state.blobs.temp_file()
    try:
        digest, size, head = await _receive_to_file(request, limit, fd)
        if size == 0:
            raise ProblemError(
                422,
                "validation_error",
                "Berkas kosong.",
                errors=[{"loc": ["body"], "msg": "empty body"}],
            )
        if digest != x_content_sha256.lower():
            raise ProblemError(
                422,
                "checksum_mismatch",
                "Berkas rusak di perjalanan (SHA-256 tidak cocok). Unggah ulang.",
            )
        content_type = sniff(head)
        if content_type is None:
            raise ProblemError(
                415,
                "unsupported_media_type",
                "Jenis berkas tidak didukung; hanya PDF, JPEG, PNG atau TIFF.",
            )
        return await run_in_threadpool(
            idempotency.once_more_on_conflict,
            session,
            lambda: _store(
                session,
                principal,
                state,
                app_key,
                str(doc_id),
                temp,
                digest,
                size,
                content_type,
                requirement_code,
                filename,
            ),
        )
    finally:
        temp.unlink(missing_ok=True)


OWNER_STATES = frozenset({WState.DRAFT, WState.NEEDS_REVISION})
"""States in which the operator who created the application may add documents without a claim
(the file is still being put together); uploads in them do not change `version`."""


def _may_upload(
    session: Session, app: Application, principal: Principal, now: datetime
) -> ProblemError | None:
    """Who may change the evidence: the claim holder, or (draft, needs revision) the operator
    who created the application while no one else holds a claim. Otherwise 409 claim_required."""
    if ops.holds_claim(app, principal.user.id, now):
        return None
    if (
        WState(app.status) in OWNER_STATES
        and app.created_by == principal.user.id
        and principal.has_any("operator")
        and not ops.active_claim(app, now)
    ):
        return None
    refusal = Refusal(
        RefusalCode.CLAIM_REQUIRED,
        "Ambil (klaim) permohonan ini terlebih dahulu sebelum menambah dokumen.",
    )
    return ops.refusal_problem(session, app, refusal, now)


def _precheck(
    session: Session,
    principal: Principal,
    state: ServerState,
    app_id: str,
    doc_id: str,
    requirement_code: str | None,
) -> str:
    app = ops.load_in_scope(session, principal, app_id)
    existing = session.get(Document, doc_id)
    if existing is not None and existing.application_id == app.id:
        session.rollback()  # a replay: answered (or refused) by _store
        return app.id
    if WState(app.status).terminal:
        raise ProblemError(
            409,
            "wrong_state",
            "Dokumen tidak dapat ditambahkan pada permohonan yang sudah selesai.",
        )
    problem = _may_upload(session, app, principal, state.now())
    if problem is not None:
        raise problem
    service = state.catalogue.services.get(app.service_code)
    allowed_codes = {r.document_code for r in service.requirements} if service else set()
    allowed_codes.add(LETTER_CODE)  # a surat kuasa, for a handover by proxy, on any service
    if requirement_code is not None and requirement_code not in allowed_codes:
        raise ProblemError(
            422,
            "validation_error",
            f"Persyaratan '{requirement_code}' tidak ada pada layanan ini.",
            errors=[{"loc": ["query", "requirement_code"], "msg": "unknown requirement"}],
        )
    # Release the write lock while the bytes arrive; storing happens in a new transaction.
    session.rollback()
    return app.id


def _store(
    session: Session,
    principal: Principal,
    state: ServerState,
    app_id: str,
    doc_id: str,
    temp: Path,
    digest: str,
    size: int,
    content_type: str,
    requirement_code: str | None,
    raw_filename: str | None,
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    name = safe_filename(raw_filename, content_type)
    existing = session.get(Document, doc_id)
    if existing is not None:
        same = (
            existing.application_id == app.id
            and existing.sha256 == digest
            and existing.requirement_code == requirement_code
        )
        if not same:
            raise idempotency.conflict("Id dokumen")
        return idempotency.json_response(document_dict(existing), 200)
    if WState(app.status).terminal:
        raise ProblemError(
            409,
            "wrong_state",
            "Dokumen tidak dapat ditambahkan pada permohonan yang sudah selesai.",
        )
    problem = _may_upload(session, app, principal, now)  # the claim may have lapsed meanwhile
    if problem is not None:
        raise problem
    state.blobs.commit(temp, digest)
    doc = Document(
        id=doc_id,
        application_id=app.id,
        requirement_code=requirement_code,
        filename=name,
        content_type=content_type,
        size=size,
        sha256=digest,
        uploaded_at=now,
        uploaded_by=principal.user.username,
    )
    session.add(doc)
    if WState(app.status) not in OWNER_STATES:
        # New evidence on a file under decision: whoever decides on the old version must
        # look again (their expected_version is now stale).
        app.version += 1
    session.flush()
    ops.touch(
        session,
        app,
        principal,
        now,
        "document_uploaded",
        {"document": doc_id, "sha256": digest, "requirement_code": requirement_code},
    )
    body = document_dict(doc)
    session.commit()
    return idempotency.json_response(body, 201)


@router.get(
    "/applications/{app_id}/documents/{doc_id}",
    response_class=Response,
    responses={
        200: {
            "description": "The document's bytes",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("application/pdf", "image/jpeg", "image/png", "image/tiff")
            },
        },
        **errors(*AUTHED, 404),
    },
)
def download(
    app_id: UUID, doc_id: UUID, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    app = ops.load_in_scope(session, principal, str(app_id))
    doc = session.get(Document, str(doc_id))
    if doc is None or doc.application_id != app.id:
        raise not_found("Dokumen")
    path = state.blobs.path_for(doc.sha256)
    if not path.is_file():
        raise not_found("Berkas dokumen")
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return FileResponse(
        path,
        media_type=doc.content_type,
        headers={
            "ETag": f'"{doc.sha256}"',
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=0",
        },
    )
