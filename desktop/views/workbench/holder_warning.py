"""Before signing with a PKCS#12: is the certificate's holder the official who is signed in?
(issue 13). The certificate can only be read with the passphrase, so this is checked when
signing starts (on a worker: opening a PKCS#12 takes a moment), never before.

- The holder (CN) is the official (`domain.person_names.same_person`: titles, degrees, case
  aside): signing goes on at once, nothing shown - a legitimate match is never blocked.
- Another name: an amber line "Sertifikat atas nama …, bukan … yang sedang masuk." and the
  sign button reads "Tetap tandatangani (Ctrl+Enter)"; the next Ctrl+Enter (or the button)
  signs. Asked once per dialog and certificate: the confirmation holds for the holder shown.
- The certificate cannot be opened (a wrong passphrase, …) or is out of its dates: signing
  goes on and reports it
  exactly as before (`check_certificate` in the controller), so there is one message only.

BSrE signs with the official's NIK at the service; there is no local certificate to compare.
Shared by the letter's sign dialog and the SIAK outputs' dialog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.controllers.signing import Secret, SigningAccess
from desktop.domain.person_names import same_person
from desktop.services.operations import Op, OpKind
from desktop.services.signing_setup import read_certificate

KEEP_SIGNING = "Tetap tandatangani (Ctrl+Enter)"


def mismatch_text(holder: str, official: str) -> str:
    return f"Sertifikat atas nama {holder}, bukan {official} yang sedang masuk."


class HolderGate(QObject):
    """One per dialog. `check(secret, proceed, warn)`: `proceed()` when signing may go on now
    (at once, or after the worker's reading), `warn(text)` when the official should confirm."""

    def __init__(self, access: SigningAccess, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.checking = False
        self.confirmed: str | None = None
        """The holder the official chose to sign as anyway (the warning was shown)."""

    def check(
        self, secret: Secret, proceed: Callable[[], None], warn: Callable[[str], None]
    ) -> None:
        settings = self.access.settings
        if self.checking:
            return
        if settings.sign_method != "pkcs12" or not secret.passphrase:
            proceed()
            return
        path, passphrase = Path(settings.sign_pkcs12_path), secret.passphrase
        official = self.access.official.name
        self.checking = True

        def read(_ctx: object) -> str | None:
            info = read_certificate(path, passphrase)
            if not info.not_before <= datetime.now(UTC) <= info.not_after:
                return None  # expired or not yet valid: signing says so, nothing to compare
            return info.holder

        def done(holder: str | None) -> None:
            self.checking = False
            if holder is None or same_person(holder, official) or holder == self.confirmed:
                proceed()
                return
            self.confirmed = holder  # the next attempt signs: "Tetap tandatangani"
            warn(mismatch_text(holder, official))

        def failed(_exc: Exception, _message: str) -> None:
            self.checking = False
            proceed()  # signing reports why the certificate cannot be used

        Op(OpKind.DECIDE, self.tr("Membaca sertifikat elektronik"), read, quiet=True).success(
            done
        ).failure(failed).run(self.access.runner)


__all__ = ["KEEP_SIGNING", "HolderGate", "mismatch_text"]
