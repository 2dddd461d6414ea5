"""Signing the Disdukcapil outputs that come from SIAK (issue 13), for the SIAK sign dialog
(`views.workbench.siak_dialog`): opening and checking each imported PDF, and the signature of
all of them, each on a worker.

The signer is this PC's (Pengaturan > Tanda tangan elektronik), as for kelurahan letters
(`controllers.signing`); the official's secret is an argument of `sign` only. Unlike a letter,
nothing is numbered by Loket here, so a refusal costs nothing and nothing waits: without BSrE
the official signs again once it is reachable (Disdukcapil works online; a kelurahan letter
is what must go on offline).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.controllers.signing import (
    SIGNING_LANE,
    Secret,
    SigningAccess,
    no_timestamp_note,
    prepare_signer,
    setup_problem,
)
from desktop.domain.records import ApplicationDetail
from desktop.services.operations import Op, OpKind
from desktop.services.siak_output import (
    MAX_SIAK_BYTES,
    ImportedOutput,
    IssuedOutput,
    OutputFile,
    SiakOutputService,
    SiakPdfError,
    read_siak_pdf,
)
from desktop.services.signing_setup import load_trust_roots
from desktop.services.tasks import TaskContext
from desktop.settings import Settings

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("SiakSigning", text)


class SiakSigningController(QObject):
    """Imports and signs one application's SIAK outputs (one dialog's worth)."""

    opened = Signal(str, object)
    """(document type, `ImportedOutput`) once a file is read and checked."""
    open_failed = Signal(str, str)
    """(document type, Indonesian message)."""
    progress = Signal(str)
    signed = Signal(object)
    """list[`IssuedOutput`], the main output first."""
    sign_failed = Signal(str)

    def __init__(self, access: SigningAccess, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.access = access
        access.runner.add_lane(SIGNING_LANE, 1)
        self.busy = False
        self.note = ""
        """Said after signing (e.g. signed without a timestamp); '' when nothing to say."""

    @property
    def settings(self) -> Settings:
        return self.access.settings

    def service(self) -> SiakOutputService:
        """The session's store, catalogue and user, as the letters' service has them."""
        issuing = self.access.issuing
        return SiakOutputService(
            issuing.store,
            catalogue=issuing.catalogue,
            user_id=issuing.user_id,
            server_url=issuing.server_url,
        )

    def open_file(self, document_type: str, path: Path) -> None:
        """Read and check `path` on a worker (`opened` / `open_failed`); its existing
        signatures are verified against the trust roots of the settings."""
        roots_file = self.settings.signature_trust_roots

        def work(_ctx: TaskContext) -> ImportedOutput:
            try:
                size = path.stat().st_size
            except OSError as exc:
                raise SiakPdfError(
                    _tr("Berkas %1 tidak dapat dibuka: %2")
                    .replace("%1", path.name)
                    .replace("%2", exc.strerror or type(exc).__name__)
                ) from exc
            if size > MAX_SIAK_BYTES:  # before reading it all into memory
                raise SiakPdfError(
                    _tr("Berkas %1 terlalu besar (%2 MB).")
                    .replace("%1", path.name)
                    .replace("%2", f"{size / 1024 / 1024:.1f}")
                )
            return read_siak_pdf(path.read_bytes(), path.name, load_trust_roots(roots_file))

        Op(OpKind.RENDER, _tr("Memeriksa PDF dari SIAK"), work, quiet=True).success(
            lambda imported: self.opened.emit(document_type, imported)
        ).failure(lambda _exc, message: self.open_failed.emit(document_type, message)).run(
            self.access.runner
        )

    def sign(self, detail: ApplicationDetail, files: Sequence[OutputFile], secret: Secret) -> bool:
        """Sign and queue `files` on a worker (`signed` / `sign_failed`). False when busy or
        this PC is not set up to sign."""
        if self.busy or setup_problem(self.settings) or not files:
            return False
        self.busy = True
        self.note = ""
        settings, service = self.settings, self.service()
        official, credentials = self.access.official, self.access.credentials
        chosen = list(files)

        def work(ctx: TaskContext) -> list[IssuedOutput]:
            signer, request, optional_tsa = prepare_signer(
                settings, credentials, official.name, secret, ctx, "Dokumen kependudukan"
            )
            ctx.progress(0, None, _tr("Menandatangani dokumen…"))
            issued = service.issue(detail, chosen, signer, request, official=official)
            if optional_tsa is not None and optional_tsa.without_timestamp:
                self.note = no_timestamp_note()
            return issued

        def done(issued: list[IssuedOutput]) -> None:
            self.busy = False
            self.signed.emit(issued)

        def failed(_exc: Exception, message: str) -> None:
            self.busy = False
            self.sign_failed.emit(message)

        Op(
            OpKind.DECIDE, _tr("Menandatangani dokumen dari SIAK"), work, lane=SIGNING_LANE
        ).progress(lambda p: self.progress.emit(p.text)).success(done).failure(failed).run(
            self.access.runner
        )
        return True


__all__ = ["SiakSigningController"]
