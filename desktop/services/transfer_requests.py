"""Each outbox entry as the exact HTTP request the server will get (USB transfer).

The original device signs every request at export time, so the request must be fixed then:
method, path (with its query), idempotency key and body bytes. The PC that imports the file
sends these bytes unchanged and needs no knowledge of entry kinds. The bodies are the ones the
outbox's own senders send (`PendingDecision.body()` for a decision), so whichever PC delivers
an entry first, the server sees the same request and answers the other with its first answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.services.applications import PendingDecision
from desktop.services.intake import STEP_CREATE, STEP_SUBMIT


class NotTransferable(ValueError):
    """This entry cannot go into a transfer file (`reason`, Indonesian); it stays queued."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PlannedRequest:
    method: str
    path: str
    """After the API prefix, with ``?query`` if any (``/applications/<id>/actions``)."""
    idempotency_key: str
    content_type: str
    body: bytes
    document_id: str = ""
    """For a document upload: its id (what `POST /transfer/seen` checks) and the body is the
    document, kept once in the file by sha256."""

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _app_path(app_id: str, suffix: str = "") -> str:
    return f"/applications/{quote(app_id, safe='')}{suffix}"


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise NotTransferable(f"Isi entri tidak lengkap ({key}).")
    return value


def plan(entry: OutboxEntry) -> PlannedRequest:
    """The request for `entry`; `NotTransferable` when it cannot be carried."""
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    kind = entry.kind
    if kind == EntryKind.DECISION.value:
        return _decision(entry.payload)
    if kind == EntryKind.RELEASE.value:
        app_id = _text(payload, "app_id")
        return PlannedRequest("DELETE", _app_path(app_id, "/claim"), entry.transaction_id, "", b"")
    if kind == EntryKind.APPLICATION.value:
        return _application(entry, payload)
    if kind == EntryKind.DOCUMENT.value:  # the intake's uploads
        return _document(entry, payload)
    raise NotTransferable(f"Jenis entri '{kind}' belum dapat dibawa lewat berkas.")


def _decision(raw: Any) -> PlannedRequest:
    try:
        pending = PendingDecision.from_payload(raw)
    except ValueError as exc:
        raise NotTransferable("Entri keputusan tidak dapat dibaca.") from exc
    return PlannedRequest(
        "POST", _app_path(pending.app_id, "/actions"), "", "application/json",
        _json(pending.body()),
    )  # fmt: skip


def _application(entry: OutboxEntry, payload: dict[str, Any]) -> PlannedRequest:
    """The intake's two steps (`services.intake_sender`): ``create`` posts the body with the
    entry's transaction id as Idempotency-Key; ``submit`` is the decision it carries."""
    step = payload.get("step")
    if step == STEP_SUBMIT:
        return _decision(payload.get("decision"))
    body = payload.get("body")
    if step != STEP_CREATE or not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise NotTransferable("Entri permohonan baru tidak dapat dibaca.")
    return PlannedRequest(
        "POST", "/applications", entry.transaction_id, "application/json", _json(body)
    )


def _document(entry: OutboxEntry, payload: dict[str, Any]) -> PlannedRequest:
    app_id = _text(payload, "app_id")
    doc_id = _text(payload, "doc_id")
    sha = _text(payload, "sha256").lower()
    media = str(payload.get("media_type") or "application/octet-stream")
    local = Path(_text(payload, "path"))
    try:
        data = local.read_bytes()
    except OSError as exc:
        raise NotTransferable(
            f"Berkas dokumen tidak dapat dibaca ({exc.strerror or type(exc).__name__})."
        ) from exc
    if hashlib.sha256(data).hexdigest() != sha:
        raise NotTransferable("Berkas dokumen berubah sejak disimpan (SHA-256 tidak cocok).")
    # The same query and headers as `intake_sender.send_document` sends.
    query = {"filename": str(payload.get("filename") or local.name)}
    if isinstance(payload.get("requirement_code"), str):
        query["requirement_code"] = payload["requirement_code"]
    path = _app_path(app_id, f"/documents/{quote(doc_id, safe='')}")
    if query:
        path += "?" + urlencode(query, quote_via=quote)
    return PlannedRequest("PUT", path, entry.transaction_id, media, data, document_id=doc_id)
