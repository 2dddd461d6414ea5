"""Unsent work carried on a USB stick (issue 10, "long outages"; DESIGN section 6).

A counter with no connection for days exports its unsent outbox entries, with the documents
they name, to ONE file (``.loket``); IT staff take it to another PC of the same office, signed
in online, which imports it: each entry is sent as the original device and user, with its
original transaction id.

The file::

    LOKET-KIRIMAN 1\\n
    {"office_code": ..., "key_id": ..., "nonce": ...}\\n      header (authenticated, not secret)
    AES-256-GCM ciphertext of {"manifest": "<json>", "signature": ..., "documents": {...}}

- **Encrypted** with the office's transfer key (`transfer_keys`): only a PC of the same office
  can read it. Another office's file is refused before anything is decrypted ("Berkas ini
  bukan untuk kantor ini"); a changed byte anywhere fails the GCM tag ("Berkas rusak atau
  diubah").
- **Signed** by the exporting device (Ed25519): the manifest names every entry, every request
  with its body's sha256 and its own signature (`desktop.domain.origin`), and every document's
  sha256. The importing PC checks the manifest's signature with the device key the server
  holds, every document and body against its sha256, all before sending anything: a file is
  imported whole or not at all. The server checks each request's signature again.
- **Idempotent**: entries keep their transaction ids, and the import first asks the server
  which it already has (``POST /transfer/seen``), so a second import sends nothing ("0 baru").
  The original PC sending the same entries later when it is back online is answered with the
  first answer, too (same transaction ids, same bodies, same user).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.domain import origin
from desktop.models.outbox import UNSENT, OutboxEntry
from desktop.models.store import Store
from desktop.services.api.client import API_PREFIX, ApiClient, expect_mapping
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    LoketError,
    SessionExpired,
)
from desktop.services.transfer_keys import (
    OfficeKey,
    TransferError,
    b64,
    public_bytes,
    unb64,
)
from desktop.services.transfer_requests import NotTransferable, PlannedRequest, plan

log = logging.getLogger(__name__)

MAGIC = b"LOKET-KIRIMAN 1\n"
FORMAT = 1
SUFFIX = ".loket"

NOT_A_TRANSFER_FILE = "Berkas ini bukan berkas kiriman Loket."
FOREIGN = "Berkas ini bukan untuk kantor ini."
DAMAGED = "Berkas rusak atau diubah."


# -- what goes into a file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Who exported: the server, office and device (the users are per entry)."""

    server_url: str
    office_code: str
    device_id: str


@dataclass
class ExportResult:
    path: str
    entries: int
    documents: int
    size: int
    by_kind: dict[str, int]
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """(label, why) of unsent entries that could not go into the file (they stay queued)."""


def _sign(key: Ed25519PrivateKey, who: Origin, user_id: str, request: PlannedRequest) -> str:
    message = origin.statement(
        device_id=who.device_id,
        office_code=who.office_code,
        user_id=user_id,
        method=request.method,
        path=API_PREFIX + request.path,
        idempotency_key=request.idempotency_key,
        body_sha256=request.body_sha256,
    )
    return b64(key.sign(message))


def unsent_entries(store: Store) -> list[OutboxEntry]:
    """The entries the server does not have yet, in order (konflik and ditolak too: they are
    unsent work, and the other PC's server may answer them the same way, which is then seen)."""
    return [e for e in store.outbox_entries() if e.state.value in UNSENT]


def build(
    entries: Sequence[OutboxEntry],
    who: Origin,
    device_key: Ed25519PrivateKey,
    office_key: OfficeKey,
    *,
    now: datetime | None = None,
) -> tuple[bytes, list[tuple[str, str]], dict[str, int], int]:
    """The file's bytes for `entries`; also what was left out, the kinds and document count."""
    if office_key.office_code != who.office_code:
        raise TransferError(FOREIGN)
    items: list[dict[str, Any]] = []
    documents: dict[str, bytes] = {}
    left_out: list[tuple[str, str]] = []
    by_kind: dict[str, int] = {}
    for entry in entries:
        try:
            request = plan(entry)
        except NotTransferable as exc:
            left_out.append((entry.label or entry.kind, exc.reason))
            continue
        if not entry.user_id:
            left_out.append((entry.label or entry.kind, "Pengguna asal entri tidak tercatat."))
            continue
        described: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "idempotency_key": request.idempotency_key,
            "content_type": request.content_type,
            "body_sha256": request.body_sha256,
            "document_id": request.document_id,
            "signature": _sign(device_key, who, entry.user_id, request),
        }
        if request.document_id:
            documents[request.body_sha256] = request.body
        else:
            described["body"] = b64(request.body)
        items.append(
            {
                "transaction_id": entry.transaction_id,
                "app_id": entry.app_id,
                "kind": entry.kind,
                "label": entry.label,
                "user_id": entry.user_id,
                "state": entry.state.value,
                "created_at": entry.created_at,
                "payload": entry.payload,
                "request": described,
            }
        )
        by_kind[entry.kind] = by_kind.get(entry.kind, 0) + 1
    manifest = {
        "format": FORMAT,
        "server_url": who.server_url,
        "office_code": who.office_code,
        "device_id": who.device_id,
        "device_public_key": b64(public_bytes(device_key)),
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "entries": items,
        "documents": [{"sha256": sha, "size": len(data)} for sha, data in documents.items()],
    }
    manifest_text = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
    inner = {
        "manifest": manifest_text,
        "signature": b64(device_key.sign(manifest_text.encode("utf-8"))),
        "documents": {sha: b64(data) for sha, data in documents.items()},
    }
    nonce = os.urandom(12)
    header = json.dumps(
        {"office_code": who.office_code, "key_id": office_key.key_id, "nonce": b64(nonce)},
        sort_keys=True,
    ).encode("utf-8")
    aad = MAGIC + header + b"\n"
    sealed = AESGCM(office_key.key).encrypt(nonce, json.dumps(inner).encode("utf-8"), aad)
    return aad + sealed, left_out, by_kind, len(documents)


# -- reading a file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CarriedRequest:
    transaction_id: str
    app_id: str
    kind: str
    label: str
    user_id: str
    request: PlannedRequest
    signature: str


@dataclass(frozen=True)
class Bundle:
    """A file read, decrypted and checked: nothing in it was changed since it was signed."""

    server_url: str
    office_code: str
    device_id: str
    created_at: str
    entries: tuple[CarriedRequest, ...]


def read_header(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """(header, authenticated prefix, ciphertext); `TransferError` for anything else."""
    if not data.startswith(MAGIC):
        raise TransferError(NOT_A_TRANSFER_FILE)
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise TransferError(DAMAGED)
    try:
        header = json.loads(data[len(MAGIC) : end].decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("header")
    except ValueError as exc:
        raise TransferError(DAMAGED) from exc
    return header, data[: end + 1], data[end + 1 :]


def open_bundle(
    data: bytes, office_key: OfficeKey, device_key: Callable[[str], Ed25519PublicKey]
) -> Bundle:
    """Decrypt and check the whole file (`device_key(device_id)`: the server's registered key
    of the exporting device). Raises `TransferError` (FOREIGN, DAMAGED) before anything is
    sent; never returns part of a file."""
    header, aad, sealed = read_header(data)
    if header.get("office_code") != office_key.office_code:
        raise TransferError(FOREIGN)
    if header.get("key_id") != office_key.key_id:
        raise TransferError(FOREIGN)
    try:
        nonce = unb64(str(header.get("nonce")))
        inner = json.loads(AESGCM(office_key.key).decrypt(nonce, sealed, aad))
        manifest_text = str(inner["manifest"])
        signature = unb64(str(inner["signature"]))
        manifest = json.loads(manifest_text)
        documents = {str(k): unb64(str(v)) for k, v in dict(inner["documents"]).items()}
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise TransferError(DAMAGED) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise TransferError(DAMAGED)
    if manifest.get("office_code") != office_key.office_code:
        raise TransferError(FOREIGN)
    device_id = str(manifest.get("device_id") or "")
    public = device_key(device_id)
    try:
        public.verify(signature, manifest_text.encode("utf-8"))
    except InvalidSignature as exc:
        raise TransferError(DAMAGED + " Tanda tangan perangkat asal tidak cocok.") from exc
    for sha, content in documents.items():
        if hashlib.sha256(content).hexdigest() != sha:
            raise TransferError(DAMAGED)
    try:
        entries = tuple(_carried(item, documents) for item in manifest["entries"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TransferError(DAMAGED) from exc
    return Bundle(
        str(manifest.get("server_url") or ""),
        office_key.office_code,
        device_id,
        str(manifest.get("created_at") or ""),
        entries,
    )


def _carried(item: dict[str, Any], documents: dict[str, bytes]) -> CarriedRequest:
    req = item["request"]
    sha = str(req["body_sha256"])
    body = documents[sha] if req.get("document_id") else unb64(str(req["body"]))
    request = PlannedRequest(
        str(req["method"]), str(req["path"]), str(req["idempotency_key"]),
        str(req["content_type"]), body, str(req.get("document_id") or ""),
    )  # fmt: skip
    if request.body_sha256 != sha:
        raise ValueError("body sha256")
    return CarriedRequest(
        str(item["transaction_id"]), str(item["app_id"]), str(item["kind"]),
        str(item.get("label") or ""), str(item["user_id"]), request, str(req["signature"]),
    )  # fmt: skip


# -- importing: sending as the origin -------------------------------------------------------------


@dataclass
class ImportResult:
    new: list[str] = field(default_factory=list)
    """Labels of entries the server did not have and has now."""
    already: int = 0
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    not_sent: list[tuple[str, str]] = field(default_factory=list)
    """Not attempted or not answered (server gone mid-way, an earlier entry of the same
    application failed): import the same file again later; what arrived is not sent twice."""

    @property
    def complete(self) -> bool:
        return not (self.conflicts or self.refused or self.not_sent)


def server_device_key(api: ApiClient) -> Callable[[str], Ed25519PublicKey]:
    """The exporting device's key as the server registered it (not the one in the file)."""

    def lookup(device_id: str) -> Ed25519PublicKey:
        try:
            body = expect_mapping(
                api.get_json(f"/devices/{quote(device_id, safe='')}/public-key"), "kunci"
            )
            return Ed25519PublicKey.from_public_bytes(unb64(str(body["public_key"])))
        except ApiError as exc:
            if exc.status == 404:
                raise TransferError(
                    "Perangkat asal berkas ini tidak terdaftar di kantor ini; berkas ditolak."
                ) from exc
            raise
        except (KeyError, ValueError) as exc:
            raise TransferError("Kunci perangkat asal dari server tidak dapat dibaca.") from exc

    return lookup


def _seen(api: ApiClient, bundle: Bundle) -> tuple[set[str], set[str]]:
    txs = [e.transaction_id for e in bundle.entries]
    docs = [e.request.document_id for e in bundle.entries if e.request.document_id]
    body = expect_mapping(
        api.post_json("/transfer/seen", {"transaction_ids": txs, "document_ids": docs}),
        "transaksi",
    )
    return (
        {str(t) for t in body.get("transaction_ids") or []},
        {str(d) for d in body.get("document_ids") or []},
    )


def send_bundle(api: ApiClient, bundle: Bundle) -> ImportResult:
    """Send every entry the server does not have yet, in the file's order, as its origin.

    One application's entries go in order: after a failure the rest of that application waits
    (sent at the next import); other applications go on. The session ending or the server
    going away stops the import; everything not attempted is reported as not sent."""
    result = ImportResult()
    seen_txs, seen_docs = _seen(api, bundle)
    blocked: set[str] = set()
    stop = ""
    for entry in bundle.entries:
        label = entry.label or entry.kind
        known = entry.transaction_id in seen_txs or (
            entry.request.document_id and entry.request.document_id in seen_docs
        )
        if known:
            result.already += 1
            continue
        if stop or entry.app_id in blocked:
            result.not_sent.append((label, stop or "Entri sebelumnya belum terkirim."))
            blocked.add(entry.app_id)
            continue
        try:
            _send(api, bundle, entry)
        except SessionExpired as exc:
            stop = exc.message
            result.not_sent.append((label, stop))
        except (ConnectionFailure, BadResponse) as exc:
            stop = exc.message
            result.not_sent.append((label, stop))
        except ApiError as exc:
            blocked.add(entry.app_id)
            if exc.status == 409:
                result.conflicts.append((label, exc.message))
            elif exc.status >= 500 or exc.status in (408, 425, 429):
                stop = exc.message
                result.not_sent.append((label, stop))
            else:
                result.refused.append((label, exc.message))
        except LoketError as exc:
            blocked.add(entry.app_id)
            result.refused.append((label, exc.message))
        else:
            result.new.append(label)
    return result


def _send(api: ApiClient, bundle: Bundle, entry: CarriedRequest) -> None:
    request = entry.request
    headers = {
        origin.HEADER_DEVICE: bundle.device_id,
        origin.HEADER_USER: entry.user_id,
        origin.HEADER_SIGNATURE: entry.signature,
    }
    if request.idempotency_key:
        headers["Idempotency-Key"] = request.idempotency_key
    if request.content_type:
        headers["Content-Type"] = request.content_type
    if request.document_id:
        headers["X-Content-SHA256"] = request.body_sha256
    log.info("carrying %s %s for device %s", request.method, entry.kind, bundle.device_id[:8])
    api.request(
        request.method,
        request.path,
        data=request.body if request.body or request.method != "DELETE" else None,
        headers=headers,
        expect="none",
    )
