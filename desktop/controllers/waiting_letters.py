"""Letters waiting for their BSrE signature, acted on from the Sinkronisasi page (issue 13):
a *perlu tindakan* SIGNATURE entry is signed now (`SigningController.sign_waiting`, the one
the sign dialog uses: one passphrase or fresh TOTP for all of the official's waiting letters)
or voided with a reason (`IssuingService.void_waiting`: the entry dibuang and its number
registered void, so the office's agenda explains it). Both on a worker, through `Op`.

QtCore only (no widgets), like every controller.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.controllers.signing import SIGNING_LANE, SigningAccess, setup_problem
from desktop.services.issuing import PendingSignature, waiting_signatures
from desktop.services.operations import Op, OpKind


class WaitingLettersController(QObject):
    """The page's way to the session's signing service (`SigningAccess`)."""

    voided = Signal(str)
    """The letter's number: voided with the reason (its entry is dibuang)."""
    failed = Signal(str)
    """An Indonesian sentence: nothing changed."""

    def __init__(self, access: SigningAccess, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.access = access
        access.runner.add_lane(SIGNING_LANE, 1)

    def pending(self, transaction_id: str) -> PendingSignature | None:
        """The waiting letter of that outbox entry (None: signed or voided meanwhile)."""
        for found in waiting_signatures(self.access.issuing.store):
            if found.transaction_id == transaction_id:
                return found
        return None

    def setup_problem(self) -> str:
        """Why this PC cannot sign now ('' when it can): signing needs BSrE set up here."""
        problem = setup_problem(self.access.settings)
        if problem:
            return problem
        if self.access.settings.sign_method != "bsre":
            return self.tr(
                "Surat ini menunggu tanda tangan lewat BSrE, tetapi komputer ini diatur untuk "
                "sertifikat PKCS#12. Buka Pengaturan > Tanda tangan elektronik."
            )
        return ""

    def void(self, transaction_id: str, reason: str) -> bool:
        """ "Batalkan surat": the waiting letter voided with `reason` (required) on a worker.
        False when it no longer waits (then nothing is done)."""
        pending = self.pending(transaction_id)
        if pending is None:
            return False
        issuing, number = self.access.issuing, pending.letter_number
        Op(
            OpKind.OUTBOX_KEEP,
            self.tr("Membatalkan surat %1").replace("%1", number),
            lambda _ctx: issuing.void_waiting(pending, reason),
            lane=SIGNING_LANE,
        ).success(lambda _none: self.voided.emit(number)).failure(
            lambda _exc, message: self.failed.emit(message)
        ).run(self.access.runner)
        return True


__all__ = ["WaitingLettersController"]
