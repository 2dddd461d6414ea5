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

Except one case (issue 13, "offline it waits in the outbox and happens at sync"): the signer
is BSrE and BSrE cannot be reached (connection refused, DNS, timeout; never a refusal such as
a wrong passphrase). Then the numbered letter is kept UNSIGNED in the same private folder and
queued as a SIGNATURE entry ("Menunggu tanda tangan elektronik") that comes before the upload,
registration and sign entries, which `keep_and_queue` queues once it is signed
(`sign_pending`: by the outbox round, `signature_sender`, or by the official now,
`IssuingService.sign_waiting`). The number stays that letter's (never burnt, never reused);
the passphrase is held in memory only (`signing_secrets`), a TOTP never. `void_pending`
voids such a letter with a reason (registered and voided, as an unused number is).
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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import Connection

from desktop.domain.catalogue import Catalogue, Service
from desktop.domain.letter_template import LetterDataError, LetterTemplate, TemplateError
from desktop.domain.records import Applicant, ApplicationDetail
from desktop.domain.verification import new_code, verify_url
from desktop.domain.workflow import Action, State
from desktop.models import audit_log
from desktop.models import outbox as outbox_table
from desktop.models.outbox import DONE, EntryKind, EntryState, OutboxEntry
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
from desktop.services.signing import (
    BsreSigner,
    Rect,
    Signer,
    SigningError,
    SignProblem,
    SignRequest,
    StampPlacement,
)
from desktop.services.signing_secrets import HeldSecrets, held_secrets
from desktop.settings import private_dir

log = logging.getLogger(__name__)

PLACEHOLDER_NUMBER: Final = "(nomor diberikan saat ditandatangani)"
PLACEHOLDER_CODE: Final = "(kode verifikasi diberikan saat ditandatangani)"
UNUSED_REASON: Final = "tidak jadi diterbitkan"
"""Why a number taken for a letter that was not issued is voided (with the cause after it)."""
PDF_MEDIA: Final = "application/pdf"
WAITING_LABEL: Final = "Menunggu tanda tangan elektronik"
OFFLINE_PROBLEMS: Final = (SignProblem.UNREACHABLE, SignProblem.TIMEOUT)
"""BSrE could not be reached: the letter waits (a refusal keeps the old handling)."""


def waiting_message(letter_number: str) -> str:
    """What the official reads about a letter waiting for BSrE (dialog, outbox, errors)."""
    return (
        f"Surat nomor {letter_number} menunggu tanda tangan elektronik; akan ditandatangani "
        "saat layanan BSrE terjangkau."
    )


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
    note: str = ""
    """Something the official should know about this signature (e.g. made without a
    timestamp because the TSA was unreachable); '' = nothing."""


@dataclass(frozen=True)
class WaitingLetter:
    """A letter numbered and rendered while BSrE was unreachable: kept unsigned on this PC,
    waiting in the outbox (one SIGNATURE entry) for its signature."""

    app_id: str
    document_type: str
    number: TakenLetterNumber
    code: str
    verify_url: str
    path: Path
    """The unsigned PDF (with its number, code and QR) in the store's private folder."""
    transaction_id: str
    secret_held: bool
    """The passphrase is held in memory for the outbox round (False: TOTP, or none)."""

    @property
    def message(self) -> str:
        return waiting_message(self.number.formatted)


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
        self.secrets: HeldSecrets = held_secrets

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
    ) -> IssuedLetter | WaitingLetter:
        """Number, render, sign, keep and queue one letter (module docstring); a
        `WaitingLetter` when BSrE cannot be reached (signed at sync). `request`
        carries the official's secret for this one signature (never kept); its
        `verification_url` and `stamp` are set here. `official` defaults to the request's
        `signer_name` without NIP. Raises `IssuingError` (or the numbers' `LoketError`, e.g.
        `LetterNumbersExhausted`) with an Indonesian message."""
        if detail.status is not State.VALIDATED:
            raise IssuingError(
                "Surat hanya diterbitkan untuk permohonan berstatus Tervalidasi; permohonan ini "
                f"berstatus '{detail.status.label if detail.status else detail.status_raw}'."
            )
        pending = waiting_signature(self.store, detail.id)
        if pending is not None:  # numbered already: a second Tandatangani takes no number
            raise IssuingError(waiting_message(pending.letter_number))
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
            full = dataclasses.replace(
                request,
                verification_url=url,
                stamp=StampPlacement(page, Rect(x0, y0, x1, y1)),
                signer_name=request.signer_name or official.name,
                location=request.location or head.place,
            )
            signed = signer.sign(rendered.pdf, full)
        except (SigningError, LetterDataError, TemplateError, ValueError, OSError) as exc:
            if (
                isinstance(exc, SigningError)
                and exc.problem in OFFLINE_PROBLEMS
                and isinstance(signer, BsreSigner)
                and rendered is not None
            ):
                try:
                    return self._keep_waiting(detail, template.code, taken, code, rendered, full)
                except Exception:
                    log.exception("letter %s could not be kept to sign later", taken.formatted)
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

    def _keep_waiting(
        self,
        detail: ApplicationDetail,
        document_type: str,
        taken: TakenLetterNumber,
        code: str,
        rendered: RenderedLetter,
        request: SignRequest,
    ) -> WaitingLetter:
        """BSrE unreachable: the numbered letter kept unsigned, one SIGNATURE entry queued (in
        one write with its audit record), the passphrase held in memory only."""
        folder = documents_folder(self.store.path)
        private_dir(folder)
        private_dir(folder / detail.id)
        name = f"{uuid.uuid4()}.unsigned.pdf"
        path = folder / detail.id / name
        write_durably(path, rendered.pdf)
        tx, now, user = str(uuid.uuid4()), int(self.clock()), self.user_id
        assert request.stamp is not None
        rect = request.stamp.rect
        payload: dict[str, Any] = {
            "v": 1,
            "app": {
                "id": detail.id,
                "number": detail.number,
                "version": detail.version,
                "status": detail.status_raw,
                "service_code": detail.service_code,
                "office_code": detail.office_code,
            },
            "document_type": document_type,
            "code": code,
            "verify_url": request.verification_url,
            "number": dataclasses.asdict(taken),
            "issued_on": self.today().isoformat(),
            "unsigned": f"{detail.id}/{name}",
            "stamp": [request.stamp.page, rect.x0, rect.y0, rect.x1, rect.y1],
            "signer_name": request.signer_name,
            "nik": request.nik,
            "reason": request.reason,
            "location": request.location,
            "totp": bool(request.totp),
        }

        def write(conn: Connection) -> None:
            Store.add_outbox_entry(
                conn,
                transaction_id=tx,
                app_id=detail.id,
                kind=EntryKind.SIGNATURE,
                payload=payload,
                label=f"{WAITING_LABEL}: surat {taken.formatted}",
                user_id=user,
                now=now,
            )
            audit_log.append(
                conn,
                kind="letter_waiting_signature",
                user_id=user,
                app_id=detail.id,
                details={
                    "letter_number": taken.formatted,
                    "number_source": taken.source,
                    "code": code,
                    "document_type": document_type,
                },
                now=now,
            )

        try:
            self.store.write(write)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        held = not request.totp and bool(request.passphrase)
        if held:
            self.secrets.hold(tx, request.passphrase)
        log.info("letter %s waits for BSrE (%s)", taken.formatted, taken.source)
        return WaitingLetter(
            detail.id, document_type, taken, code, request.verification_url, path, tx, held
        )

    def sign_waiting(
        self, signer: Signer, *, nik: str = "", passphrase: str = "", totp: str = ""
    ) -> WaitingOutcome:
        """The official's letters waiting for BSrE, signed now with one secret (the dialog's
        "Tandatangani surat yang menunggu"). BSrE still unreachable: the passphrase is held
        and they wait for the next round; a refusal: they wait with BSrE's message."""
        outcome = WaitingOutcome()
        for pending in waiting_signatures(self.store, user_id=self.user_id):
            if nik.strip() and not pending.nik:
                pending = dataclasses.replace(pending, nik=nik.strip())
            tx = pending.transaction_id
            if not self._take_one(tx):
                continue  # a round has it now
            state, reason = EntryState.WAITING, ""  # an unexpected error: the next round
            try:
                kept = sign_pending(
                    self.store,
                    pending,
                    signer,
                    passphrase=passphrase,
                    totp=totp,
                    user_id=self.user_id,
                    now=int(self.clock()),
                )
                outcome.signed.append((pending.letter_number, kept))
                self.secrets.forget(tx)
                state = EntryState.SENT
            except SigningError as exc:
                if exc.problem in (*OFFLINE_PROBLEMS, SignProblem.SERVICE_ERROR):
                    state, reason = EntryState.WAITING, waiting_message(pending.letter_number)
                    if passphrase and not totp:
                        self.secrets.hold(tx, passphrase)
                    outcome.waiting.append(pending.letter_number)
                else:
                    state, reason = EntryState.NEEDS_ACTION, refused_message(pending, exc)
                    self.secrets.forget(tx)
                    outcome.refused.append(reason)
            except (OSError, ValueError) as exc:
                state = EntryState.NEEDS_ACTION
                reason = unreadable_message(pending, exc)
                outcome.refused.append(reason)
            finally:
                self._finish(tx, state, reason)
        return outcome

    def _take_one(self, transaction_id: str) -> bool:
        now = int(self.clock())

        def take(conn: Connection) -> bool:
            return outbox_table.take_one(conn, transaction_id, now=now)

        return self.store.write(take)

    def _finish(self, transaction_id: str, state: EntryState, reason: str) -> None:
        now = int(self.clock())

        def finish(conn: Connection) -> None:
            Store.finish_outbox_entry(conn, transaction_id, state, now=now, reason=reason)

        self.store.write(finish)

    def void_waiting(self, pending: PendingSignature, reason: str) -> None:
        """See `void_pending` (the session's store, user and clock)."""
        void_pending(
            self.store, pending, reason, user_id=self.user_id, now=int(self.clock()),
            secrets=self.secrets,
        )  # fmt: skip

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


# -- letters waiting for BSrE (SIGNATURE entries) ------------------------------------------------


@dataclass(frozen=True)
class PendingSignature:
    """One SIGNATURE entry, read: what signing it later needs (no secret in it)."""

    transaction_id: str
    app_id: str
    state: EntryState
    reason: str
    user_id: str
    letter_number: str
    code: str
    document_type: str
    nik: str
    totp: bool
    payload: Mapping[str, Any]

    @classmethod
    def from_entry(cls, entry: OutboxEntry) -> PendingSignature:
        """ValueError when the payload cannot be read (by this version)."""
        p = entry.payload
        try:
            return cls(
                entry.transaction_id,
                entry.app_id,
                entry.state,
                entry.reason,
                entry.user_id,
                str(p["number"]["formatted"]),
                str(p["code"]),
                str(p["document_type"]),
                str(p.get("nik", "")),
                bool(p.get("totp", False)),
                dict(p),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError("signature payload") from exc

    @property
    def message(self) -> str:
        return waiting_message(self.letter_number)


@dataclass
class WaitingOutcome:
    """What `IssuingService.sign_waiting` did: signed (number, kept), still waiting for BSrE
    (numbers), refused (messages)."""

    signed: list[tuple[str, KeptIssue | None]] = dataclasses.field(default_factory=list)
    waiting: list[str] = dataclasses.field(default_factory=list)
    refused: list[str] = dataclasses.field(default_factory=list)


def waiting_signatures(store: Store, *, user_id: str | None = None) -> list[PendingSignature]:
    """The letters waiting for their BSrE signature (of `user_id`), oldest first."""
    found = []
    for entry in store.outbox_entries():
        if entry.kind != EntryKind.SIGNATURE.value or entry.state.value in DONE:
            continue
        if user_id is not None and entry.user_id not in ("", user_id):
            continue
        try:
            found.append(PendingSignature.from_entry(entry))
        except ValueError:
            log.error("signature entry %s unreadable", entry.transaction_id)
    return found


def waiting_signature(store: Store, app_id: str) -> PendingSignature | None:
    """The application's letter waiting for BSrE, if any."""
    for pending in waiting_signatures(store):
        if pending.app_id == app_id:
            return pending
    return None


def refused_message(pending: PendingSignature, exc: LoketError) -> str:
    return (
        f"{exc.message} Surat nomor {pending.letter_number} tetap menunggu tanda tangan "
        "elektronik (nomornya tetap untuk surat ini): tandatangani lagi dengan passphrase yang "
        "benar, atau batalkan surat dengan alasan."
    )


def unreadable_message(pending: PendingSignature, exc: Exception) -> str:
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    return (
        f"Surat nomor {pending.letter_number} yang menunggu tanda tangan tidak dapat dibaca "
        f"di komputer ini ({why}); batalkan surat dengan alasan dan terbitkan lagi."
    )


def _stand_in(app: Mapping[str, Any]) -> ApplicationDetail:
    """The application as it was when the letter was numbered: what `keep_and_queue` reads
    (id, number, version, status); the sign action expects that version, so a change made
    meanwhile by someone else comes back as a conflict for a person."""
    moment = datetime.now(UTC)
    return ApplicationDetail(
        id=str(app["id"]),
        registration_number=str(app.get("number") or "") or None,
        provisional_number=None,
        service_code=str(app.get("service_code", "")),
        status=State.VALIDATED,
        status_raw=str(app.get("status", State.VALIDATED.value)),
        version=int(app["version"]),
        office_code=str(app.get("office_code", "")),
        applicant=Applicant("", ""),
        channel="",
        created_at=moment,
        updated_at=moment,
        submitted_at=None,
        due_at=None,
        claim=None,
        seq=0,
    )


def _queued_already(store: Store, code: str) -> bool:
    """A signed letter under `code` is queued already (signed, kept, then the app stopped
    before its SIGNATURE entry was marked done): never a second signature."""
    row = store.read(
        lambda c: c.exec_driver_sql(
            "SELECT 1 FROM outbox WHERE kind = ? AND json_extract(payload, '$.register.code') = ? "
            "AND json_extract(payload, '$.void') IS NULL LIMIT 1",
            (EntryKind.ISSUED.value, code),
        ).first()
    )
    return row is not None


def sign_pending(
    store: Store,
    pending: PendingSignature,
    signer: Signer,
    *,
    passphrase: str,
    totp: str = "",
    user_id: str,
    now: int,
) -> KeptIssue | None:
    """Sign a waiting letter (the unsigned PDF kept at numbering, same number, code and QR)
    and `keep_and_queue` it: upload, registration, sign action. None when it was queued
    already. Raises the signer's `SigningError`, OSError/ValueError for a lost file."""
    if _queued_already(store, pending.code):
        return None
    p = pending.payload
    path = documents_folder(store.path) / str(p["unsigned"])
    pdf = path.read_bytes()
    page, x0, y0, x1, y1 = p["stamp"]
    request = SignRequest(
        verification_url=str(p["verify_url"]),
        stamp=StampPlacement(int(page), Rect(float(x0), float(y0), float(x1), float(y1))),
        signer_name=str(p.get("signer_name", "")),
        nik=pending.nik,
        passphrase="" if totp else passphrase,
        totp=totp,
        reason=str(p.get("reason") or "Dokumen resmi"),
        location=str(p.get("location", "")),
    )
    signed = signer.sign(pdf, request)
    number = pending.letter_number
    kept = keep_and_queue(
        store,
        _stand_in(p["app"]),
        signed,
        document_type=pending.document_type,
        code=pending.code,
        letter_number=number,
        issued_on=date.fromisoformat(str(p["issued_on"])),
        filename=f"{pending.document_type} {number.replace('/', '-')}.pdf",
        label=f"Surat {number}",
        user_id=user_id,
        now=now,
        audit_kind="letter_issued",
        audit_details={"number_source": p["number"].get("source"), "signed_later": True},
    )
    path.unlink(missing_ok=True)
    log.info("waiting letter %s signed", number)
    return kept


def void_pending(
    store: Store,
    pending: PendingSignature,
    reason: str,
    *,
    user_id: str,
    now: int,
    secrets: HeldSecrets = held_secrets,
) -> None:
    """The official gives up on a waiting letter: its entry dibuang and, in the same write,
    its number registered under its code and voided with `reason` (the ISSUED path of an
    unused number), so the number stays in the office's agenda, explained."""
    why = reason.strip()
    if not why:
        raise IssuingError("Isi alasan pembatalan surat.")
    p = pending.payload
    path = documents_folder(store.path) / str(p["unsigned"])
    try:
        content = path.read_bytes()
    except OSError:
        content = b""
    payload = issued_payload(
        pending.app_id,
        transaction_id=str(uuid.uuid4()),
        code=pending.code,
        document_type=pending.document_type,
        letter_number=pending.letter_number,
        issued_on=date.fromisoformat(str(p["issued_on"])),
        sha256=hashlib.sha256(content).hexdigest(),
        void={"transaction_id": str(uuid.uuid4()), "reason": why[:2000]},
    )

    def write(conn: Connection) -> None:
        if not outbox_table.settle(
            conn, pending.transaction_id, EntryState.DISCARDED, f"dibatalkan: {why}", now=now
        ):
            raise IssuingError("Surat ini sedang ditandatangani; coba lagi sebentar lagi.")
        Store.add_outbox_entry(
            conn,
            transaction_id=str(payload["register"]["transaction_id"]),
            app_id=pending.app_id,
            kind=EntryKind.ISSUED,
            payload=payload,
            label=f"Nomor {pending.letter_number} dibatalkan",
            user_id=user_id,
            now=now,
        )
        audit_log.append(
            conn,
            kind="letter_number_unused",
            user_id=user_id,
            app_id=pending.app_id,
            details={"letter_number": pending.letter_number, "reason": why[:2000]},
            now=now,
        )

    store.write(write)
    secrets.forget(pending.transaction_id)
    path.unlink(missing_ok=True)


def _last_tx(conn: Connection, app_id: str) -> str:
    row = conn.exec_driver_sql(
        "SELECT transaction_id FROM outbox WHERE app_id = ? ORDER BY seq DESC LIMIT 1", (app_id,)
    ).first()
    return str(row[0]) if row is not None else ""


__all__ = [
    "PLACEHOLDER_NUMBER",
    "UNUSED_REASON",
    "WAITING_LABEL",
    "IssuedLetter",
    "IssuingError",
    "IssuingService",
    "KeptIssue",
    "NumberSource",
    "PendingSignature",
    "TakenLetterNumber",
    "WaitingLetter",
    "WaitingOutcome",
    "issued_payload",
    "keep_and_queue",
    "refused_message",
    "sign_pending",
    "unreadable_message",
    "void_pending",
    "waiting_message",
    "waiting_signature",
    "waiting_signatures",
    "write_durably",
]
