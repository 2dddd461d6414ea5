"""“Tandatangani sekarang…” from the Sinkronisasi page (issue 13): a letter waiting for its BSrE
signature is *perlu tindakan* (no passphrase held: the app was restarted, a TOTP was used, or
BSrE refused it). This dialog asks the official's secret ONCE and signs every letter of theirs
that waits, through the very controller call the sign dialog uses
(`SigningController.sign_waiting` -> `IssuingService.sign_waiting`).

The smallest form that works by keyboard: NIK (prefilled from the letter), passphrase or - on
BSrE API v2 - a fresh TOTP code, Ctrl+Enter signs, Enter alone does nothing (a habitual Enter
after the passphrase never signs by surprise), Esc closes (not while signing). The secret is
cleared after every attempt and never kept (DESIGN: never stored)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.signing import SigningAccess, SigningController
from desktop.services.issuing import PendingSignature, WaitingOutcome
from desktop.views.dialogs import set_main_button
from desktop.views.signing.secret_form import SecretFields, SigningDialog


class SignWaitingDialog(SigningDialog):
    """Window-modal. `done_signing` carries the `WaitingOutcome` once an attempt finished."""

    done_signing = Signal(object)

    def __init__(
        self, pending: PendingSignature, access: SigningAccess, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pending = pending
        self.access = access
        self.controller = SigningController(access, self)
        self.outcome: WaitingOutcome | None = None
        self.setWindowTitle(self.tr("Tandatangani surat yang menunggu"))
        self.setModal(True)
        self.intro = intro = QLabel(
            self.tr(
                "Surat nomor %1 menunggu tanda tangan elektronik BSrE. Ketik passphrase (atau "
                "kode TOTP baru) sekali: semua surat Anda yang menunggu ditandatangani sekaligus."
            ).replace("%1", pending.letter_number),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.form = QFormLayout()
        self.secret_fields = fields = SecretFields(
            self.form, self, lambda: self.access.settings, nik=pending.nik, bsre_only=True
        )
        self.nik_edit, self.secret_kind = fields.nik_edit, fields.secret_kind
        self.passphrase_edit, self.totp_edit = fields.passphrase_edit, fields.totp_edit
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        self.sign_button = QPushButton(self.tr("Tandatangani (Ctrl+Enter)"), self)
        self.close_button = QPushButton(self.tr("Tutup (Esc)"), self)
        self.sign_button.clicked.connect(self.sign)
        self.close_button.clicked.connect(self.reject)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.sign)
        set_main_button(self, None)  # Enter presses nothing here
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(520, 300)
        self.controller.progress.connect(lambda text: self.show_message(text, "info"))
        self.controller.waiting_done.connect(self._done)
        self.controller.sign_failed.connect(self._failed)
        self.secret_fields.show()
        if pending.reason:
            self.show_message(pending.reason, "warning")

    def first_field(self) -> QWidget:
        return self.secret_fields.first_field() or self.passphrase_edit

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def sign(self) -> None:
        if self.busy or not self.sign_button.isEnabled():
            return
        missing = self.secret_fields.missing()
        if missing is not None:
            problem, field = missing
            self.show_message(problem, "warning")
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        secret = self.secret_fields.secret()
        if self.controller.sign_waiting(secret):
            self._set_busy(True)
            self.show_message(self.tr("Menandatangani surat yang menunggu…"), "info")

    def _set_busy(self, busy: bool) -> None:
        self.secret_fields.set_enabled(not busy)
        self.sign_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)

    def _done(self, outcome: WaitingOutcome) -> None:
        self.outcome = outcome
        self._set_busy(False)
        self.secret_fields.forget()
        lines = []
        if outcome.signed:
            lines.append(
                self.tr("Ditandatangani: %1. Surat dan status dikirim ke server.").replace(
                    "%1", ", ".join(number for number, _kept in outcome.signed)
                )
            )
        if outcome.waiting:
            lines.append(
                self.tr(
                    "Layanan BSrE belum terjangkau; surat %1 ditandatangani saat terjangkau."
                ).replace("%1", ", ".join(outcome.waiting))
            )
        lines.extend(outcome.refused)
        if not lines:
            lines.append(self.tr("Tidak ada surat yang menunggu tanda tangan Anda."))
        kind = "error" if outcome.refused else ("success" if outcome.signed else "info")
        self.show_message("\n".join(lines), kind)
        if outcome.refused:
            self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.sign_button.setEnabled(False)
            self.close_button.setText(self.tr("Tutup"))
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.done_signing.emit(outcome)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.secret_fields.forget()
        self.show_message(message, "error")
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["SignWaitingDialog"]
