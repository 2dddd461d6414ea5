"""Handing the finished document over (serahkan), recording who collected it.

Perwali Pekanbaru Pasal 30: the applicant collects the document, or a representative with a
surat kuasa. The DELIVER action carries ``handover: {collector: "pemohon"|"kuasa", name, nik,
letter_document_id?}`` (seam 4); for a representative the letter is attached as a document.

`HandoverService.queue` writes in ONE store transaction, in the order the server needs:

1. for a representative, the letter as a DOCUMENT entry (the payload `intake_sender` sends,
   SHA-256 checked end to end);
2. the DELIVER decision with the handover, last.

A document uploaded to a signed application moves the server's version by one (new evidence
on a file under decision, `server/routes/documents.py`), so the decision is made on the
version after the letter. Both go through the outbox: a handover at a counter that has lost
its line is recorded at once and sent when the server answers.

Issue 13: `signed_document` finds the very signed PDF to print or e-mail - the application's
valid issued document (``GET /applications/{id}/issued``), its bytes from this PC's documents
folder when the letter was signed here, else downloaded from the application's documents by
the same SHA-256 (checked: a printed copy is never another file than the one registered).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import Connection

from desktop.domain.identity import check_nik, mask_nik, normalise_number
from desktop.domain.records import ApplicationDetail, DocumentInfo
from desktop.domain.workflow import Action, State
from desktop.models import audit_log
from desktop.models.outbox import EntryKind
from desktop.models.store import Store
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import BadResponse, ConnectionFailure
from desktop.services.applications import PendingDecision
from desktop.services.intake import documents_folder, queue_document
from desktop.services.revision import KeptFile, RevisionError, keep_file
from desktop.settings import private_dir

log = logging.getLogger(__name__)

LETTER_CODE = "SURAT-KUASA"
"""The catalogue's document type of a surat kuasa (the server takes it on any service)."""

Collector = Literal["pemohon", "kuasa"]
PEMOHON: Collector = "pemohon"
KUASA: Collector = "kuasa"


class HandoverError(RevisionError):
    """The handover could not be kept; nothing was saved (message in Indonesian)."""


@dataclass(frozen=True)
class Handover:
    """Who collects: the applicant (their name and NIK from the application) or a
    representative (name, NIK and the surat kuasa as a file)."""

    collector: Collector
    name: str
    nik: str
    letter: Path | None = None

    def problems(
        self, *, today: date | None = None, applicant_nik: str | None = None
    ) -> list[tuple[str, str]]:
        """(field, Indonesian message) for what blocks the handover (the server checks the
        same: a representative is someone else than the applicant)."""
        out: list[tuple[str, str]] = []
        if self.collector == KUASA:
            if applicant_nik and normalise_number(self.nik) == normalise_number(applicant_nik):
                out.append(
                    ("nik", "Kuasa adalah orang lain: NIK-nya tidak boleh sama dengan pemohon.")
                )
            if not self.name.strip():
                out.append(("name", "Nama penerima kuasa wajib diisi."))
            nik = check_nik(self.nik, today=today or date.today())
            if not nik.ok:
                out.append(("nik", "; ".join(p.message for p in nik.problems)))
            if self.letter is None:
                out.append(("letter", "Lampirkan surat kuasa."))
        elif not self.nik.strip() or not self.name.strip():
            out.append(("name", "Data pemohon tidak lengkap."))
        return out

    def body(self, letter_document_id: str | None) -> dict[str, Any]:
        """The ``handover`` of the DELIVER action (seam 4)."""
        out: dict[str, Any] = {
            "collector": self.collector,
            "name": self.name.strip(),
            "nik": normalise_number(self.nik),
        }
        if letter_document_id is not None:
            out["letter_document_id"] = letter_document_id
        return out

    def sentence(self) -> str:
        """ "Budi Santoso (NIK 147101******0003), kuasa dari pemohon" for the confirmation."""
        who = f"{self.name.strip()} (NIK {mask_nik(normalise_number(self.nik))})"
        return who if self.collector == PEMOHON else f"{who}, penerima kuasa pemohon"


def for_applicant(detail: ApplicationDetail) -> Handover:
    return Handover(PEMOHON, detail.applicant.name, detail.applicant.nik)


@dataclass(frozen=True)
class QueuedHandover:
    app_id: str
    letter: KeptFile | None
    decision: PendingDecision
    label: str


class HandoverService:
    """Keeps a handover on this PC and in the outbox (Qt-free; call from a worker)."""

    def __init__(
        self, store: Store, *, user_id: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.user_id = user_id
        self.clock = clock
        self.folder = documents_folder(store.path)

    def queue(self, detail: ApplicationDetail, handover: Handover) -> QueuedHandover:
        """The letter (a representative) then the DELIVER with the handover, one write.
        `HandoverError` (nothing kept) for a state that is not signed or missing data."""
        if detail.status is not State.SIGNED:
            raise HandoverError("Hanya permohonan berstatus Ditandatangani yang dapat diserahkan.")
        problems = handover.problems(applicant_nik=detail.applicant.nik)
        if problems:
            raise HandoverError(" ".join(m for _f, m in problems))
        app_id, number = detail.id, detail.number or detail.id[:8]
        letter: KeptFile | None = None
        if handover.collector == KUASA and handover.letter is not None:
            folder = self.folder / app_id
            private_dir(self.folder)
            private_dir(folder)
            doc_id = str(uuid.uuid4())
            try:
                kept = keep_file(handover.letter, folder / doc_id)
            except RevisionError as exc:
                raise HandoverError(exc.message) from exc
            letter = KeptFile(
                doc_id,
                LETTER_CODE,
                f"Surat kuasa - {handover.letter.name}"[:255],
                kept.media_type,
                kept.size,
                kept.sha256,
                kept.path,
            )
        # The letter's upload moves a signed application's version by one.
        version = detail.version + (1 if letter is not None else 0)
        decision = PendingDecision.create(
            app_id,
            Action.DELIVER,
            expected_version=version,
            seen_status=detail.status_raw,
            handover=handover.body(letter.id if letter is not None else None),
        )
        label = f"{Action.DELIVER.label} {number}"
        now, user = int(self.clock()), self.user_id

        def write(conn: Connection) -> None:
            if letter is not None:
                queue_document(
                    conn, app_id, letter, label=f"Surat kuasa ({number})",
                    user_id=user, now=now, audit=None,
                )  # fmt: skip
            Store.add_outbox_entry(
                conn,
                transaction_id=decision.transaction_id,
                app_id=app_id,
                kind=EntryKind.DECISION,
                payload=decision.payload(),
                label=label,
                user_id=user,
                now=now,
            )
            audit_log.append(
                conn,
                kind="handover_queued",
                user_id=user,
                app_id=app_id,
                details={
                    "transaction_id": decision.transaction_id,
                    "collector": handover.collector,
                    "letter_document_id": letter.id if letter is not None else None,
                },
                now=now,
            )

        try:
            self.store.write(write)
        except BaseException:
            if letter is not None:
                letter.path.unlink(missing_ok=True)
            raise
        log.info("handover of %s kept (%s)", number, handover.collector)
        return QueuedHandover(app_id, letter, decision, label)


@dataclass(frozen=True)
class SignedDocument:
    """The issued document of a signed application, with its bytes (what is printed and
    what the server e-mails: the same SHA-256)."""

    code: str
    document_type: str
    letter_number: str | None
    sha256: str
    pdf: bytes
    from_this_pc: bool
    others: tuple[SignedDocument, ...] = ()
    """The application's other valid issued documents (a birth registration's KK and KIA
    beside its akta): printed and e-mailed with it."""

    @property
    def all(self) -> tuple[SignedDocument, ...]:
        """This one first, then the others: what the counter hands over."""
        return (self, *self.others)

    @property
    def title(self) -> str:
        """ "SK-DOMISILI 470/701/Kel.Jadirejo/XII/2026" for the preview's title."""
        return f"{self.document_type} {self.letter_number or self.code}"


def _signed_entry(detail: ApplicationDetail) -> dict[str, Any] | None:
    """The ``document`` the last sign action recorded (sha256, code, type, number), if any:
    what this PC knows without the server."""
    for entry in reversed(detail.history):
        if entry.action_raw == "sign":
            raw = entry.details.get("document")
            return dict(raw) if isinstance(raw, dict) else None
    return None


def _issued(client: ApiClient, detail: ApplicationDetail) -> list[dict[str, Any]]:
    """Every valid issued document, the one the sign action recorded first, the others in
    the server's order."""
    answer = expect_mapping(
        client.get_json(f"/applications/{quote(detail.id, safe='')}/issued"), "dokumen terbit"
    )
    items = answer.get("items")
    if not isinstance(items, list):
        raise BadResponse("Jawaban server untuk dokumen terbit tidak berbentuk daftar.")
    valid = [i for i in items if isinstance(i, dict) and i.get("status") == "valid"]
    if not valid:
        raise HandoverError(
            "Permohonan ini belum punya dokumen terbit yang sah (atau dokumennya sudah batal)."
        )
    signed = _signed_entry(detail) or {}
    main = next((i for i in valid if i.get("sha256") == signed.get("sha256")), valid[-1])
    return [main, *(i for i in valid if i is not main)]


def _kept_here(folder: Path, app_id: str, doc: DocumentInfo | None, sha: str) -> bytes | None:
    """The signed PDF as `IssuingService` kept it (``<folder>/<app>/<document id>.pdf``)."""
    candidates = [folder / app_id / f"{doc.id}.pdf"] if doc is not None else []
    if doc is None and (folder / app_id).is_dir():
        candidates = sorted((folder / app_id).glob("*.pdf"))
    for path in candidates:
        try:
            content = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(content).hexdigest() == sha:
            return content
    return None


def signed_document(client: ApiClient, detail: ApplicationDetail, folder: Path) -> SignedDocument:
    """The application's valid issued documents and their signed PDFs (Qt-free; on a
    worker): the one the sign action recorded, with the others in `others` (issue 13: a
    birth registration's akta, KK and KIA are all handed over).

    Without the server, the sign action's record and this PC's copy still give it (printing
    needs no line); otherwise the `ConnectionFailure` is raised. `HandoverError` when there is
    no valid issued document or its PDF is not on the server; `LoketError`s otherwise."""
    try:
        items = _issued(client, detail)
    except ConnectionFailure:
        item = _signed_entry(detail) or {}
        sha = item.get("sha256")
        content = _kept_here(folder, detail.id, None, sha) if isinstance(sha, str) else None
        if content is None or not isinstance(sha, str):
            raise
        return SignedDocument(
            str(item.get("code") or ""),
            str(item.get("document_type") or ""),
            item.get("letter_number") if isinstance(item.get("letter_number"), str) else None,
            sha,
            content,
            True,
        )
    found = [_one(client, detail, folder, item) for item in items]
    return dataclasses.replace(found[0], others=tuple(found[1:]))


def _one(
    client: ApiClient, detail: ApplicationDetail, folder: Path, item: dict[str, Any]
) -> SignedDocument:
    sha, code = str(item.get("sha256") or ""), str(item.get("code") or "")
    number = item.get("letter_number") if isinstance(item.get("letter_number"), str) else None
    kind = str(item.get("document_type") or "")
    doc = next((d for d in detail.documents if d.sha256 == sha), None)
    content = _kept_here(folder, detail.id, doc, sha)
    if content is not None:
        return SignedDocument(code, kind, number, sha, content, True)
    if doc is None:
        raise HandoverError(
            f"PDF bertanda tangan {kind} belum ada di server (belum terkirim dari komputer "
            "penanda tangan). Sinkronkan komputer itu, lalu coba lagi."
        )
    content, _media = client.get_bytes(
        f"/applications/{quote(detail.id, safe='')}/documents/{quote(doc.id, safe='')}"
    )
    if hashlib.sha256(content).hexdigest() != sha:
        raise HandoverError("PDF yang diunduh tidak sama dengan dokumen terbit; tidak dipakai.")
    return SignedDocument(code, kind, number, sha, content, False)


__all__ = [
    "KUASA",
    "LETTER_CODE",
    "PEMOHON",
    "Collector",
    "Handover",
    "HandoverError",
    "HandoverService",
    "QueuedHandover",
    "SignedDocument",
    "for_applicant",
    "signed_document",
]
