"""Signing a kelurahan letter from the workbench (issue 13): the preview and the signature, each
on a worker, for the sign dialog (`views.workbench.sign_dialog`).

The signer comes from this PC's settings (Pengaturan > Tanda tangan elektronik): a PKCS#12
file, or the BSrE esign client with its client credentials from the OS keyring. The official's
secret (passphrase, TOTP) is an argument of `sign` only: it goes into the one `SignRequest` and
is kept nowhere, neither here nor in the settings.

A PKCS#12 certificate is opened and its dates checked *before* `IssuingService.issue` takes a
letter number: a mistyped passphrase or an expired certificate then costs no number at all
(the service would record a taken number void, correctly, but a void number is still a gap
the office has to explain). BSrE can only be asked by signing, so there the service's own
handling (number recorded void, Indonesian message) is what the person sees — except when
BSrE cannot be reached: the letter is numbered and waits in the outbox (`waiting`), its
passphrase held in memory only (`signing_secrets`), and `sign_waiting` signs the official's
waiting letters with one passphrase or a fresh TOTP when nothing is held any more.

PKCS#12 with a TSA configured and the TSA unreachable: the letter is signed without the
timestamp (PAdES-B-B, the signing time from this PC's clock) and the result says "tanpa cap
waktu"; the signature is local and valid, and a counter without internet must still issue.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.domain.records import ApplicationDetail
from desktop.services.documents.letter import Official
from desktop.services.documents.pdf_parts import Paper
from desktop.services.issuing import (
    IssuedLetter,
    IssuingService,
    PendingSignature,
    WaitingLetter,
    WaitingOutcome,
    waiting_signature,
    waiting_signatures,
)
from desktop.services.operations import Op, OpKind
from desktop.services.signing import (
    BsreApi,
    BsreSigner,
    Pkcs12Signer,
    Signer,
    SigningError,
    SignProblem,
    SignRequest,
)
from desktop.services.signing_setup import BsreCredentials, bsre_config, read_certificate
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.settings import Settings

log = logging.getLogger(__name__)

SIGNING_LANE = "signing"
"""One signature at a time, never queued behind a download or a pull."""


def _tr(text: str) -> str:
    return QCoreApplication.translate("Signing", text)


@dataclass(frozen=True)
class Secret:
    """What the official types for one signature; never stored, never logged."""

    passphrase: str = ""
    nik: str = ""
    totp: str = ""

    def __repr__(self) -> str:
        return "Secret(***)"


@dataclass
class SigningAccess:
    """What the workbench needs to sign letters in this session (built by the shell).
    `settings` is replaced whenever the settings are saved (`Shell.apply_settings`)."""

    runner: TaskRunner
    issuing: IssuingService
    settings: Settings
    credentials: BsreCredentials
    official: Official
    on_settings_saved: Callable[[Settings], None]
    office_code: str = ""
    """The signer's office: only its own letters are numbered and signed here (the server
    gives an office's letter numbers to its own staff only); '' = any (tests)."""
    send_outbox: Callable[[], None] = lambda: None
    """A round of the outbox now (the session's sync controller, set by the shell): waiting
    letters signed here go at once, not at the next idle check a minute later."""


def setup_problem(settings: Settings) -> str:
    """Why this PC cannot sign yet (Indonesian, with where to fix it); '' when it can."""
    where = _tr("Buka Pengaturan > Tanda tangan elektronik untuk mengaturnya.")
    if settings.sign_method == "pkcs12":
        if not settings.sign_pkcs12_path.strip():
            return _tr("Berkas sertifikat PKCS#12 belum dipilih di komputer ini.") + " " + where
        return ""
    if settings.sign_method == "bsre":
        if not settings.bsre_url.strip():
            return _tr("Alamat layanan BSrE belum diisi di komputer ini.") + " " + where
        return ""
    return _tr("Tanda tangan elektronik belum diatur di komputer ini.") + " " + where


def uses_totp_choice(settings: Settings) -> bool:
    """BSrE API v2 accepts a TOTP code instead of the passphrase."""
    return settings.sign_method == "bsre" and settings.bsre_api == BsreApi.V2.value


def check_certificate(path: Path, passphrase: str, now: datetime | None = None) -> None:
    """Opens the PKCS#12 with `passphrase` and checks its dates, as the signer will: raises
    the signer's `SigningError` (Indonesian) before any number is taken."""
    info = read_certificate(path, passphrase)
    moment = now or datetime.now(UTC)
    if moment < info.not_before:
        raise SigningError(SignProblem.CERT_NOT_YET_VALID, detail=f"from {info.not_before}")
    if moment > info.not_after:
        raise SigningError(SignProblem.CERT_EXPIRED, detail=f"until {info.not_after}")


class SigningController(QObject):
    """Preview and signature of one application's letter (one dialog's worth)."""

    preview_ready = Signal(object)
    """`RenderedLetter` of the paper asked last."""
    preview_failed = Signal(str)
    progress = Signal(str)
    signed = Signal(object)
    """The `IssuedLetter`."""
    waiting = Signal(object)
    """The `WaitingLetter`: numbered, BSrE unreachable, signed at sync."""
    waiting_done = Signal(object)
    """The `WaitingOutcome` of `sign_waiting`."""
    sign_failed = Signal(str)

    def __init__(self, access: SigningAccess, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.access = access
        access.runner.add_lane(SIGNING_LANE, 1)
        self._preview_generation = 0
        self.busy = False

    @property
    def settings(self) -> Settings:
        return self.access.settings

    def _issuing(self, paper: Paper) -> IssuingService:
        """The session's service on `paper` (a shallow copy: the same store, numbers, API)."""
        service = copy.copy(self.access.issuing)
        service.paper = paper
        return service

    def preview(self, detail: ApplicationDetail, paper: Paper) -> None:
        """The letter as it will be signed, rendered on a worker; a later call wins."""
        self._preview_generation += 1
        generation = self._preview_generation
        issuing, official = self._issuing(paper), self.access.official
        Op(
            OpKind.RENDER,
            _tr("Menyiapkan pratinjau surat"),
            lambda _ctx: issuing.preview(detail, official),
            quiet=True,
        ).success(self.preview_ready.emit).failure(
            lambda _exc, message: self.preview_failed.emit(message)
        ).relevant_while(lambda: generation == self._preview_generation).run(self.access.runner)

    def sign(self, detail: ApplicationDetail, paper: Paper, secret: Secret) -> bool:
        """Number, render, sign and queue the letter on a worker (`signed` / `sign_failed`).
        False when a signature is already under way or this PC is not set up."""
        if self.busy or setup_problem(self.settings):
            return False
        self.busy = True
        settings, issuing = self.settings, self._issuing(paper)
        official, credentials = self.access.official, self.access.credentials

        def work(ctx: TaskContext) -> IssuedLetter | WaitingLetter:
            signer, request, optional_tsa = prepare_signer(
                settings, credentials, official.name, secret, ctx
            )
            ctx.progress(0, None, _tr("Mengambil nomor surat dan menandatangani…"))
            letter = issuing.issue(detail, signer, request, official=official)
            if optional_tsa is not None and optional_tsa.without_timestamp:
                assert isinstance(letter, IssuedLetter)
                letter = replace(letter, note=no_timestamp_note())
            return letter

        def done(letter: IssuedLetter | WaitingLetter) -> None:
            self.busy = False
            if isinstance(letter, WaitingLetter):
                self.waiting.emit(letter)
            else:
                self.signed.emit(letter)

        def failed(_exc: Exception, message: str) -> None:
            self.busy = False
            self.sign_failed.emit(message)

        Op(OpKind.DECIDE, _tr("Menandatangani surat"), work, lane=SIGNING_LANE).progress(
            lambda p: self.progress.emit(p.text)
        ).success(done).failure(failed).run(self.access.runner)
        return True

    # -- letters waiting for BSrE -------------------------------------------------------------

    def pending(self, app_id: str) -> PendingSignature | None:
        """The application's letter waiting for BSrE (numbered already), if any."""
        return waiting_signature(self.access.issuing.store, app_id)

    def pending_mine(self) -> list[PendingSignature]:
        """This official's letters waiting for BSrE."""
        issuing = self.access.issuing
        return waiting_signatures(issuing.store, user_id=issuing.user_id)

    def sign_waiting(self, secret: Secret) -> bool:
        """ "Tandatangani surat yang menunggu": the official's waiting letters signed now with
        one passphrase (or a fresh TOTP) on a worker (`waiting_done` / `sign_failed`)."""
        if self.busy or self.settings.sign_method != "bsre" or setup_problem(self.settings):
            return False
        self.busy = True
        settings, issuing, credentials = self.settings, self.access.issuing, self.access.credentials

        def work(ctx: TaskContext) -> WaitingOutcome:
            ctx.progress(0, None, _tr("Menandatangani surat yang menunggu…"))
            signer = BsreSigner(bsre_config(settings, credentials.load(settings.bsre_url)))
            return issuing.sign_waiting(
                signer,
                nik=secret.nik,
                passphrase="" if secret.totp.strip() else secret.passphrase,
                totp=secret.totp.strip(),
            )

        def done(outcome: WaitingOutcome) -> None:
            self.busy = False
            if outcome.signed:
                self.access.send_outbox()  # "dikirim ke server": now, not at the idle check
            self.waiting_done.emit(outcome)

        def failed(_exc: Exception, message: str) -> None:
            self.busy = False
            self.sign_failed.emit(message)

        Op(
            OpKind.DECIDE, _tr("Menandatangani surat yang menunggu"), work, lane=SIGNING_LANE
        ).progress(lambda p: self.progress.emit(p.text)).success(done).failure(failed).run(
            self.access.runner
        )
        return True


def prepare_signer(
    settings: Settings,
    credentials: BsreCredentials,
    signer_name: str,
    secret: Secret,
    ctx: TaskContext,
    reason: str = "",
) -> tuple[Signer, SignRequest, TsaOptional | None]:
    """This PC's signer and the one request carrying `secret` (on a worker): a PKCS#12 is
    opened and its dates checked first (a wrong passphrase is said before anything is taken)
    and signs with the settings' TSA, falling back to no timestamp (the third item says
    whether it did); BSrE with the client credentials from the keyring."""
    request = SignRequest(
        verification_url="",
        signer_name=signer_name,
        nik=secret.nik.strip(),
        passphrase=secret.passphrase,
        totp=secret.totp.strip(),
    )
    if reason:
        request = replace(request, reason=reason)
    if settings.sign_method == "pkcs12":
        path = Path(settings.sign_pkcs12_path)
        ctx.progress(0, None, _tr("Memeriksa sertifikat elektronik…"))
        check_certificate(path, secret.passphrase)
        optional_tsa = TsaOptional(Pkcs12Signer(path))
        return optional_tsa, _with_tsa(request, settings.tsa_url), optional_tsa
    signer = BsreSigner(bsre_config(settings, credentials.load(settings.bsre_url)))
    return signer, request, None


def no_timestamp_note() -> str:
    return _tr(
        "Ditandatangani tanpa cap waktu: server cap waktu (TSA) tidak dapat dihubungi; waktu "
        "penandatanganan diambil dari jam komputer ini."
    )


class TsaOptional:
    """A PKCS#12 signer whose TSA may be unreachable (a counter without internet): then the
    letter is signed without the timestamp (PAdES-B-B) and `without_timestamp` says so."""

    def __init__(self, inner: Signer) -> None:
        self.inner = inner
        self.without_timestamp = False

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        try:
            return self.inner.sign(pdf, request)
        except SigningError as exc:
            if exc.problem is not SignProblem.TIMESTAMP_FAILED or not request.tsa_url:
                raise
            log.info("TSA unreachable (%s): signing without a timestamp", exc.detail[:80])
            self.without_timestamp = True
            return self.inner.sign(pdf, replace(request, tsa_url=None))


def _with_tsa(request: SignRequest, tsa_url: str) -> SignRequest:
    return replace(request, tsa_url=tsa_url.strip() or None)


__all__ = [
    "Secret",
    "SigningAccess",
    "SigningController",
    "TsaOptional",
    "check_certificate",
    "prepare_signer",
    "setup_problem",
    "uses_totp_choice",
]
