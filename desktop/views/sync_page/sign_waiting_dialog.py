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
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.signing import Secret, SigningAccess, SigningController, uses_totp_choice
from desktop.services.issuing import PendingSignature, WaitingOutcome
from desktop.views.dialogs import set_main_button

STYLES = {
    "info": "color: #323130; background: #f3f2f1;",
    "success": "color: #0e700e; background: #dff6dd;",
    "warning": "color: #6b3b00; background: #fff4ce;",
    "error": "color: #b3261e; background: #fde7e9;",
}


class SignWaitingDialog(QDialog):
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
        self.nik_edit = QLineEdit(pending.nik, self)
        self.nik_edit.setMaxLength(16)
        self.nik_edit.setPlaceholderText(self.tr("16 digit NIK pejabat"))
        self.secret_kind = QComboBox(self)
        self.secret_kind.addItem(self.tr("Passphrase"), "passphrase")
        self.secret_kind.addItem(self.tr("Kode TOTP"), "totp")
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(self.tr("tidak disimpan"))
        self.totp_edit = QLineEdit(self)
        self.totp_edit.setMaxLength(8)
        self.totp_edit.setPlaceholderText(self.tr("6 digit dari aplikasi autentikator"))
        self.form = QFormLayout()
        for text, field in (
            (self.tr("&NIK:"), self.nik_edit),
            (self.tr("&Dengan:"), self.secret_kind),
            (self.tr("&Passphrase:"), self.passphrase_edit),
            (self.tr("Kode &TOTP:"), self.totp_edit),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)
            self.form.addRow(label, field)
        self.secret_kind.currentIndexChanged.connect(lambda _i: self._show_fields())
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
        self._show_fields()
        if pending.reason:
            self.show_message(pending.reason, "warning")

    def _totp(self) -> bool:
        return uses_totp_choice(self.access.settings) and self.secret_kind.currentData() == "totp"

    def _show_fields(self) -> None:
        self.form.setRowVisible(self.secret_kind, uses_totp_choice(self.access.settings))
        self.form.setRowVisible(self.passphrase_edit, not self._totp())
        self.form.setRowVisible(self.totp_edit, self._totp())

    def first_field(self) -> QWidget:
        if len(self.nik_edit.text().strip()) != 16:
            return self.nik_edit
        return self.totp_edit if self._totp() else self.passphrase_edit

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def sign(self) -> None:
        if self.busy or not self.sign_button.isEnabled():
            return
        nik = self.nik_edit.text().strip()
        secret = Secret(
            passphrase="" if self._totp() else self.passphrase_edit.text(),
            nik=nik,
            totp=self.totp_edit.text().strip() if self._totp() else "",
        )
        problem = ""
        if len(nik) != 16 or not nik.isdigit():
            problem, field = self.tr("NIK penanda tangan harus 16 angka."), self.nik_edit
        elif self._totp() and not secret.totp:
            problem, field = self.tr("Isi kode TOTP dari aplikasi autentikator."), self.totp_edit
        elif not self._totp() and not secret.passphrase:
            problem = self.tr("Isi passphrase sertifikat elektronik.")
            field = self.passphrase_edit
        if problem:
            self.show_message(problem, "warning")
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if self.controller.sign_waiting(secret):
            self._set_busy(True)
            self.show_message(self.tr("Menandatangani surat yang menunggu…"), "info")

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.nik_edit, self.secret_kind, self.passphrase_edit, self.totp_edit):
            widget.setEnabled(not busy)
        self.sign_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)

    def _forget(self) -> None:
        self.passphrase_edit.clear()
        self.totp_edit.clear()

    def _done(self, outcome: WaitingOutcome) -> None:
        self.outcome = outcome
        self._set_busy(False)
        self._forget()
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
        self._forget()
        self.show_message(message, "error")
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def show_message(self, text: str, kind: str) -> None:
        style = STYLES.get(kind, STYLES["info"])
        self.message.setStyleSheet(f"QLabel {{ {style} border-radius: 3px; padding: 4px 8px; }}")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter alone presses nothing (QDialog would look for a default button)."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.busy:
            return
        self._forget()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        self._forget()
        super().closeEvent(event)


__all__ = ["SignWaitingDialog"]
