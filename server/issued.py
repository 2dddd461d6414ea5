"""Issued documents: what the public may see of one, and the uploaded file a visitor compares
with it. Verification codes (random, 20 Crockford base-32 characters; typed forgivingly) are
made and normalised in `desktop.domain.verification`: the desktop prints a code in the QR before
the server knows of it, so both sides share one definition.
"""

from __future__ import annotations

from email.message import Message
from typing import Any

from sqlalchemy.orm import Session

from desktop.domain.verification import (
    ALPHABET,
    CODE,
    CODE_LENGTH,
    VERIFY_PATH,
    new_code,
    normalize_code,
    verify_path,
)
from server.models import Application, IssuedDocument, Office
from server.routes.status import mask_name
from server.serialize import iso, iso_date
from server.state import ServerState

VALID = "valid"
VOID = "void"


def issued_dict(doc: IssuedDocument) -> dict[str, Any]:
    """The API's view (`schemas.IssuedDocumentOut`), for the staff of the office."""
    return {
        "code": doc.code,
        "application_id": doc.application_id,
        "document_type": doc.document_type,
        "letter_number": doc.letter_number,
        "office_code": doc.office_code,
        "issued_on": iso_date(doc.issued_on),
        "sha256": doc.sha256,
        "signer_name": doc.signer_name,
        "status": doc.status,
        "void_reason": doc.void_reason,
        "voided_at": iso(doc.voided_at),
        "registered_at": iso(doc.registered_at),
        "verify_path": verify_path(doc.code),
    }


def public_dict(session: Session, state: ServerState, doc: IssuedDocument) -> dict[str, Any]:
    """The public view (`schemas.PublicDocument`): no NIK, no address, the name masked."""
    office = session.get(Office, doc.office_code)
    app = session.get(Application, doc.application_id)
    kind = state.catalogue.document_types.get(doc.document_type)
    voided_on = state.local_date(doc.voided_at) if doc.voided_at is not None else None
    return {
        "code": doc.code,
        "type": doc.document_type,
        "type_name": kind.name if kind is not None else doc.document_type,
        "number": doc.letter_number,
        "office": office.name if office is not None else doc.office_code,
        "office_code": doc.office_code,
        "issued_on": iso_date(doc.issued_on),
        "status": doc.status,
        "void_reason": doc.void_reason,
        "voided_on": iso_date(voided_on),
        "sha256": doc.sha256,
        "holder": mask_name(app.name) if app is not None else "***",
        "signer": doc.signer_name,
    }


class UploadError(ValueError):
    """The uploaded body holds no file to compare; `status` is the HTTP answer (415, 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


UPLOAD_FIELD = "file"
RAW_TYPES = frozenset({"application/pdf", "application/octet-stream"})


def _param(header: str, name: str, value: str) -> str | None:
    message = Message()
    message[header] = value
    found = message.get_param(name, header=header)
    return found if isinstance(found, str) else None


def uploaded_file(content_type: str, body: bytes) -> bytes:
    """The file of a verification upload: the body itself (`application/pdf`, for programs),
    or the `file` part of `multipart/form-data` (the page's form), byte for byte.

    The multipart body is split on its boundary here rather than by a general MIME parser, so
    that nothing (line endings, a trailing newline) changes the bytes being hashed."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in RAW_TYPES:
        return body
    if media != "multipart/form-data":
        raise UploadError(
            415, "Kirim berkas PDF (application/pdf) atau formulir multipart/form-data."
        )
    boundary = _param("content-type", "boundary", content_type)
    if not boundary or len(boundary) > 200:
        raise UploadError(422, "Formulir unggahan tidak lengkap (batas multipart tidak ada).")
    parts = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    for part in parts[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            break
        for line in head.decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if (
                colon
                and name.strip().lower() == "content-disposition"
                and _param("content-disposition", "name", value.strip()) == UPLOAD_FIELD
            ):
                return content
    raise UploadError(422, "Formulir unggahan tidak berisi berkas (kolom 'file').")


__all__ = [
    "ALPHABET",
    "CODE",
    "CODE_LENGTH",
    "RAW_TYPES",
    "UPLOAD_FIELD",
    "VALID",
    "VERIFY_PATH",
    "VOID",
    "UploadError",
    "issued_dict",
    "new_code",
    "normalize_code",
    "public_dict",
    "uploaded_file",
    "verify_path",
]
