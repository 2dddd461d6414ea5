"""Issuing a signed letter for a validated application: one Qt-free service the GUI calls (on a
worker, through `Op`), the same online and offline.

`IssuingService.preview` renders the letter as it will look, with a placeholder instead of the
number: looking at a letter never burns a number.

`IssuingService.issue` does, in this order:

1. checks everything that can be checked without a number (state, template, letterhead, the
   application's values): a refusal here takes nothing;
2. takes the letter number: online the server's atomic allocation (``POST /numbers/letter``,
   replayed once with the same transaction id when the answer is lost); without the server,
   the next number of this device's reserved block (`LetterNumbers.take`, a committed write);
3. makes a new random verification code (`desktop.domain.verification`), renders the letter
   with the number, the code and its link (server URL + ``/verify/<code>``) and signs it with
   the given `Signer`, the visible stamp in the renderer's signature box;
4. keeps the signed PDF durably in this store's private documents folder (temp, fsync,
   replace) and then, in ONE store write, queues in the outbox, in the order the server needs:
   the PDF's upload as a document of the application, its registration under the code
   (``POST /applications/{id}/issued`` with the SHA-256: `issuing_sender`), and the ``sign``
   action carrying the same SHA-256 (`document_sha256`: the server checks it against the
   registered document and keeps it in the history).

A failure after the number was taken (the letter cannot be rendered, the signer refuses: a
wrong passphrase, BSrE down) never burns the number silently: it is registered on the
application and voided at once with the reason "tidak jadi diterbitkan" (through the outbox,
so offline too), and written to the local audit log. The document stays unsigned, the
application validated, and the message says what happened, in Indonesian.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import Connection

from desktop.domain.catalogue import Catalogue, Service
from desktop.domain.letter_template import LetterDataError, LetterTemplate, TemplateError
from desktop.domain.records import ApplicationDetail
from desktop.domain.verification import new_code, verify_url
from desktop.domain.workflow import Action, State
from desktop.models import audit_log
from desktop.models.outbox import EntryKind
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    LoketError,
)
from desktop.services.applications import PendingDecision
from desktop.services.documents.letter import (
    LetterData,
    Letterhead,
    LetterheadError,
    Official,
    RenderedLetter,
    letter_values,
    load_letterhead,
    load_templates,
    render_letter,
)
from desktop.services.documents.pdf_parts import Paper
from desktop.services.intake import KeptDocument, documents_folder, queue_document
from desktop.services.letter_numbers import LetterNumbers
from desktop.services.signing import Rect, Signer, SigningError, SignRequest, StampPlacement
from desktop.settings import private_dir

log = logging.getLogger(__name__)

PLACEHOLDER_NUMBER: Final = "(nomor diberikan saat ditandatangani)"
PLACEHOLDER_CODE: Final = "(kode verifikasi diberikan saat ditandatangani)"
UNUSED_REASON: Final = "tidak jadi diterbitkan"
"""Why a number taken for a letter that was not issued is voided (with the cause after it)."""
PDF_MEDIA: Final = "application/pdf"

NumberSource = Literal["server", "cadangan"]


class IssuingError(LoketError):
    """The letter was not issued; the message (Indonesian) says why and what happened to the
    number, if one was taken. The application stays validated, nothing is signed."""


@dataclass(frozen=True)
class TakenLetterNumber:
    formatted: str
    number: int
    year: int
    source: NumberSource
    """'server' (allocated online) or 'cadangan' (this device's reserved block, offline)."""


@dataclass(frozen=True)
class IssuedLetter:
    """A signed letter kept on this PC and queued for the server."""

    app_id: str
    document_type: str
    number: TakenLetterNumber
    code: str
    verify_url: str
    sha256: str
    path: Path
    """The signed PDF in the store's private documents folder (what is uploaded and printed)."""
    doc_id: str
    signature_box: tuple[int, float, float, float, float]
    transaction_ids: tuple[str, str, str]
    """(document upload, registration, sign action): the outbox entries, in order."""


def write_durably(path: Path, content: bytes) -> None:
    """`content` at `path`, surviving a power cut once this returns: a temporary file, fsync,
    an atomic replace, and the folder's fsync (a half-written PDF never has the final name)."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # Windows cannot open a folder; NTFS journals it
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def issued_payload(
    app_id: str,
    *,
    transaction_id: str,
    code: str,
    document_type: str,
    letter_number: str | None,
    issued_on: date,
    sha256: str,
    void: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ISSUED outbox entry's payload (`issuing_sender.IssuingSender.send_issued` reads it):
    the registration's body, and for an unused number the void that follows it."""
    return {
        "v": 1,
        "app_id": app_id,
        "register": {
            "transaction_id": transaction_id,
            "code": code,
            "document_type": document_type,
            "letter_number": letter_number,
            "issued_on": issued_on.isoformat(),
            "sha256": sha256,
        },
        "void": dict(void) if void is not None else None,
    }


class IssuingService:
    """Previews and issues signed letters for one office (Qt-free; call from a worker)."""

    def __init__(
        self,
        api: ApiClient | None,
        store: Store,
        numbers: LetterNumbers,
        *,
        catalogue: Catalogue,
        user_id: str,
        server_url: str | None = None,
        templates: Callable[[], Mapping[str, LetterTemplate]] = load_templates,
        letterhead: Callable[[str], Letterhead] = load_letterhead,
        clock: Callable[[], float] = time.time,
        today: Callable[[], date] | None = None,
        paper: Paper = "A4",
    ) -> None:
        self.api = api
        self.store = store
        self.numbers = numbers
        self.catalogue = catalogue
        self.user_id = user_id
        url = server_url if server_url is not None else (api.server_url if api else "")
        self.server_url = url.rstrip("/")
        self._load_templates = templates
        self._load_letterhead = letterhead
        self.clock = clock
        self.today = today or date.today
        self.paper: Paper = paper
        self.folder = documents_folder(store.path)
        self._templates: Mapping[str, LetterTemplate] | None = None
        self._lock = threading.Lock()

    # -- what a letter needs ---------------------------------------------------------------

    def templates(self) -> Mapping[str, LetterTemplate]:
        """The letter templates by output document code (loaded once; a bad template file is
        an `IssuingError` naming the file and line)."""
        with self._lock:
            if self._templates is None:
                try:
                    self._templates = dict(self._load_templates())
                except TemplateError as exc:
                    raise IssuingError(f"Templat surat tidak dapat dipakai: {exc}") from exc
            return self._templates

    def _service(self, detail: ApplicationDetail) -> Service:
        service = self.catalogue.services.get(detail.service_code)
        if service is None or service.letter_type is None or not service.outputs:
            raise IssuingError(
                f"Layanan {detail.service_code} tidak menghasilkan surat kelurahan; dokumennya "
                "dilampirkan dari sistem asalnya."
            )
        return service

    def _parts(self, detail: ApplicationDetail) -> tuple[Service, LetterTemplate, Letterhead]:
        service = self._service(detail)
        code = service.outputs[0].code
        template = self.templates().get(code)
        if template is None:
            raise IssuingError(f"Templat surat {code} belum dibuat (resources/letters/surat).")
        try:
            head = self._load_letterhead(detail.office_code)
        except LetterheadError as exc:
            raise IssuingError(str(exc)) from exc
        return service, template, head

    def letter_data(
        self,
        detail: ApplicationDetail,
        official: Official,
        *,
        number: str,
        code: str,
        url: str,
    ) -> LetterData:
        a = detail.applicant
        applicant = {
            "nik": a.nik,
            "name": a.name,
            "birth_place": a.birth_place or "",
            "birth_date": a.birth_date.isoformat() if a.birth_date else "",
            "sex": a.sex or "",
            "kk_number": a.kk_number or "",
            "phone": a.phone or "",
            "email": a.email or "",
            "address": a.address or "",
            "rt": a.rt or "",
            "rw": a.rw or "",
            "village_code": a.village_code or "",
        }
        return LetterData(
            number=number,
            issued=self.today(),
            applicant=applicant,
            service_data=dict(detail.data),
            official=official,
            verification_code=code,
            verification_url=url,
        )

    # -- preview ---------------------------------------------------------------------------

    def preview(self, detail: ApplicationDetail, official: Official) -> RenderedLetter:
        """The letter as it will be issued, with a placeholder for the number and the code:
        nothing is taken, nothing is kept. `IssuingError` when it cannot be made."""
        _service, template, head = self._parts(detail)
        data = self.letter_data(
            detail,
            official,
            number=PLACEHOLDER_NUMBER,
            code=PLACEHOLDER_CODE,
            url=verify_url(self.server_url or "http://loket", "…"),
        )
        try:
            return render_letter(template, head, data, paper=self.paper)
        except (LetterDataError, TemplateError) as exc:
            raise IssuingError(str(exc)) from exc

    # -- issue -----------------------------------------------------------------------------

    def issue(
        self,
        detail: ApplicationDetail,
        signer: Signer,
        request: SignRequest,
        *,
        official: Official | None = None,
    ) -> IssuedLetter:
        """Number, render, sign, keep and queue one letter (module docstring). `request`
        carries the official's secret for this one signature (never kept); its
        `verification_url` and `stamp` are set here. `official` defaults to the request's
        `signer_name` without NIP. Raises `IssuingError` (or the numbers' `LoketError`, e.g.
        `LetterNumbersExhausted`) with an Indonesian message."""
        if detail.status is not State.VALIDATED:
            raise IssuingError(
                "Surat hanya diterbitkan untuk permohonan berstatus Tervalidasi; permohonan ini "
                f"berstatus '{detail.status.label if detail.status else detail.status_raw}'."
            )
        service, template, head = self._parts(detail)
        official = official or Official(request.signer_name.strip(), "")
        if not official.name:
            raise IssuingError("Nama pejabat penandatangan belum diisi.")
        # Everything checkable without a number first: a refusal here takes none.
        probe = self.letter_data(detail, official, number=PLACEHOLDER_NUMBER, code="", url="")
        try:
            letter_values(template, head, probe)
        except LetterDataError as exc:
            raise IssuingError(str(exc)) from exc
        assert service.letter_type is not None  # _service checked
        taken = self._take_number(detail, service.letter_type, service.klasifikasi)
        code = new_code()
        url = verify_url(self.server_url, code)
        data = self.letter_data(detail, official, number=taken.formatted, code=code, url=url)
        rendered: RenderedLetter | None = None
        try:
            rendered = render_letter(template, head, data, paper=self.paper)
            page, x0, y0, x1, y1 = rendered.signature_box
            signed = signer.sign(
                rendered.pdf,
                dataclasses.replace(
                    request,
                    verification_url=url,
                    stamp=StampPlacement(page, Rect(x0, y0, x1, y1)),
                    signer_name=request.signer_name or official.name,
                    location=request.location or head.place,
                ),
            )
        except (SigningError, LetterDataError, TemplateError, ValueError, OSError) as exc:
            why = exc.message if isinstance(exc, LoketError) else str(exc)
            self._record_unused(detail, template.code, taken, rendered, why)
            raise IssuingError(
                f"Surat tidak ditandatangani: {why} Nomor {taken.formatted} dicatat "
                f"'{UNUSED_REASON}'; terbitkan lagi untuk nomor baru."
            ) from exc
        try:
            return self._keep_and_queue(detail, template.code, taken, code, url, signed, rendered)
        except Exception as exc:
            self._record_unused(detail, template.code, taken, rendered, "gagal disimpan")
            why = exc.message if isinstance(exc, LoketError) else type(exc).__name__
            raise IssuingError(
                f"Surat bertanda tangan tidak dapat disimpan di komputer ini ({why}). Nomor "
                f"{taken.formatted} dicatat '{UNUSED_REASON}'."
            ) from exc

    def _take_number(
        self, detail: ApplicationDetail, letter_type: str, klasifikasi: str | None
    ) -> TakenLetterNumber:
        if self.api is not None:
            tx = str(uuid.uuid4())
            for attempt in (1, 2):
                try:
                    got = self.api.letter_number(
                        office_code=detail.office_code, letter_type=letter_type, transaction_id=tx
                    )
                    return TakenLetterNumber(
                        str(got["formatted"]), int(got["number"]), int(got["year"]), "server"
                    )
                except (KeyError, TypeError, ValueError) as exc:
                    raise IssuingError("Jawaban nomor surat dari server tidak lengkap.") from exc
                except (ConnectionFailure, BadResponse) as exc:
                    # Answer lost: the same transaction id once more gets the same number.
                    log.info("letter number: attempt %d failed (%s)", attempt, type(exc).__name__)
                except ApiError as exc:
                    if exc.status < 500:
                        raise IssuingError(f"Nomor surat tidak diberikan: {exc.message}") from exc
                    log.info("letter number: server error %d", exc.status)
        purpose = f"{letter_type} {detail.number or detail.id}"
        offline = self.numbers.take(letter_type, klasifikasi=klasifikasi, purpose=purpose)
        return TakenLetterNumber(offline.formatted, offline.number, offline.year, "cadangan")

    def _keep_and_queue(
        self,
        detail: ApplicationDetail,
        document_type: str,
        taken: TakenLetterNumber,
        code: str,
        url: str,
        signed: bytes,
        rendered: RenderedLetter | None,
    ) -> IssuedLetter:
        assert rendered is not None
        kept = keep_and_queue(
            self.store,
            detail,
            signed,
            document_type=document_type,
            code=code,
            letter_number=taken.formatted,
            issued_on=self.today(),
            filename=f"{document_type} {taken.formatted.replace('/', '-')}.pdf",
            label=f"Surat {taken.formatted}",
            user_id=self.user_id,
            now=int(self.clock()),
            audit_kind="letter_issued",
            audit_details={"number_source": taken.source},
        )
        log.info("letter %s issued for %s (%s)", taken.formatted, kept.label_no, taken.source)
        return IssuedLetter(
            app_id=detail.id,
            document_type=document_type,
            number=taken,
            code=code,
            verify_url=url,
            sha256=kept.sha256,
            path=kept.path,
            doc_id=kept.doc_id,
            signature_box=rendered.signature_box,
            transaction_ids=kept.transaction_ids,
        )

    def _record_unused(
        self,
        detail: ApplicationDetail,
        document_type: str,
        taken: TakenLetterNumber,
        rendered: RenderedLetter | None,
        why: str,
    ) -> None:
        """The number was taken and the letter not issued: registered and voided (through the
        outbox) with the reason, and in the local audit log. Never raises (logged): the
        person's error is the one to show."""
        reason = f"{UNUSED_REASON}: {why}"[:2000]
        content = rendered.pdf if rendered is not None else b""
        payload = issued_payload(
            detail.id,
            transaction_id=str(uuid.uuid4()),
            code=new_code(),
            document_type=document_type,
            letter_number=taken.formatted,
            issued_on=self.today(),
            sha256=hashlib.sha256(content).hexdigest(),
            void={"transaction_id": str(uuid.uuid4()), "reason": reason},
        )
        now, user = int(self.clock()), self.user_id

        def write(conn: Connection) -> None:
            Store.add_outbox_entry(
                conn,
                transaction_id=str(payload["register"]["transaction_id"]),
                app_id=detail.id,
                kind=EntryKind.ISSUED,
                payload=payload,
                label=f"Nomor {taken.formatted} tidak jadi diterbitkan",
                user_id=user,
                now=now,
            )
            audit_log.append(
                conn,
                kind="letter_number_unused",
                user_id=user,
                app_id=detail.id,
                details={
                    "letter_number": taken.formatted,
                    "number_source": taken.source,
                    "reason": reason,
                },
                now=now,
            )

        try:
            self.store.write(write)
        except Exception:
            log.exception("unused letter number %s could not be recorded", taken.formatted)


@dataclass(frozen=True)
class KeptIssue:
    """A signed output kept on this PC and queued: where, its hash, its outbox entries."""

    path: Path
    doc_id: str
    sha256: str
    transaction_ids: tuple[str, str, str]
    """(document upload, registration, sign action), in the order they are sent."""
    label_no: str


def keep_and_queue(
    store: Store,
    detail: ApplicationDetail,
    signed: bytes,
    *,
    document_type: str,
    code: str,
    letter_number: str | None,
    issued_on: date,
    filename: str,
    label: str,
    user_id: str,
    now: int,
    audit_kind: str,
    audit_details: Mapping[str, Any] | None = None,
    sign: bool = True,
) -> KeptIssue:
    """Keeps a signed output durably in the store's private documents folder and queues, in
    ONE store write and in the order the server needs: its upload as a document of the
    application, its registration under `code` (with `letter_number`, None for an output
    numbered by its own system such as SIAK), and the ``sign`` action carrying its SHA-256.
    Shared by kelurahan letters and imported SIAK outputs, so both reach the server alike.
    `sign` False queues no sign action: a further output of an application whose sign action
    is already queued (a birth registration's KK and KIA after its akta)."""
    app_id, label_no = detail.id, detail.number or detail.id[:8]
    folder = documents_folder(store.path)
    private_dir(folder)
    private_dir(folder / app_id)
    doc_id = str(uuid.uuid4())
    path = folder / app_id / f"{doc_id}.pdf"
    write_durably(path, signed)
    sha = hashlib.sha256(signed).hexdigest()
    kept = KeptDocument(doc_id, None, filename[:255], PDF_MEDIA, len(signed), sha, path)
    register_tx = str(uuid.uuid4())
    payload = issued_payload(
        app_id,
        transaction_id=register_tx,
        code=code,
        document_type=document_type,
        letter_number=letter_number,
        issued_on=issued_on,
        sha256=sha,
    )
    # The upload of the signed PDF moves a validated application's version by one.
    decision = PendingDecision.create(
        app_id,
        Action.SIGN,
        expected_version=detail.version + 1,
        seen_status=detail.status_raw,
        document_sha256=sha,
    )
    upload_tx: list[str] = []

    def write(conn: Connection) -> None:
        queue_document(
            conn, app_id, kept, label=f"{label} ({label_no})",
            user_id=user_id, now=now, audit=None,
        )  # fmt: skip
        upload_tx.append(_last_tx(conn, app_id))
        Store.add_outbox_entry(
            conn,
            transaction_id=register_tx,
            app_id=app_id,
            kind=EntryKind.ISSUED,
            payload=payload,
            label=f"Daftarkan {label[:1].lower()}{label[1:]}",
            user_id=user_id,
            now=now,
        )
        if sign:
            Store.add_outbox_entry(
                conn,
                transaction_id=decision.transaction_id,
                app_id=app_id,
                kind=EntryKind.DECISION,
                payload=decision.payload(),
                label=f"{Action.SIGN.label} {label_no}",
                user_id=user_id,
                now=now,
            )
        audit_log.append(
            conn,
            kind=audit_kind,
            user_id=user_id,
            app_id=app_id,
            details={
                "letter_number": letter_number,
                **dict(audit_details or {}),
                "code": code,
                "document_type": document_type,
                "sha256": sha,
                "doc_id": doc_id,
            },
            now=now,
        )

    try:
        store.write(write)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return KeptIssue(
        path,
        doc_id,
        sha,
        (upload_tx[0], register_tx, decision.transaction_id if sign else ""),
        label_no,
    )


def _last_tx(conn: Connection, app_id: str) -> str:
    row = conn.exec_driver_sql(
        "SELECT transaction_id FROM outbox WHERE app_id = ? ORDER BY seq DESC LIMIT 1", (app_id,)
    ).first()
    return str(row[0]) if row is not None else ""


__all__ = [
    "PLACEHOLDER_NUMBER",
    "UNUSED_REASON",
    "IssuedLetter",
    "IssuingError",
    "IssuingService",
    "KeptIssue",
    "NumberSource",
    "TakenLetterNumber",
    "issued_payload",
    "keep_and_queue",
    "write_durably",
]
