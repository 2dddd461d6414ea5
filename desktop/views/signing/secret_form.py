"""What every signing dialog shares (issue 13): the official's secret fields, and the dialog's
rules for keys and closing. One place, so the letter's dialog, the SIAK outputs' dialog and the
Sinkronisasi page's "Tandatangani sekarang…" cannot drift apart on what a secret is or what
Enter does.

`SecretFields` adds the rows to a form: NIK (BSrE only), "Dengan" Passphrase / Kode TOTP (BSrE
API v2 only), the passphrase, the TOTP code. The secret goes into one `Secret` and the fields
are emptied after every attempt (`forget`): never stored.

`SigningDialog` is the base: Enter alone presses nothing (a passphrase is confirmed with Enter
out of habit: that must never sign nor close), Esc / close do nothing while a signature is
under way, and the secret is forgotten when the dialog goes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from desktop.controllers.signing import Secret, setup_problem, uses_totp_choice
from desktop.settings import Settings
from desktop.views.message_styles import MESSAGE_STYLES


class SecretFields(QObject):
    """The secret's rows in `form`; `settings()` is read each time (saved settings apply at
    once). `bsre_only`: the dialog only ever signs through BSrE (letters waiting for it).
    `nik_label`: another mnemonic where the dialog's own fields take Alt+N."""

    def __init__(
        self,
        form: QFormLayout,
        parent: QWidget,
        settings: Callable[[], Settings],
        *,
        nik: str = "",
        bsre_only: bool = False,
        nik_label: str = "",
    ) -> None:
        super().__init__(parent)
        self.form = form
        self._settings = settings
        self._bsre_only = bsre_only
        self.nik_edit = QLineEdit(nik, parent)
        self.nik_edit.setMaxLength(16)
        self.nik_edit.setPlaceholderText(self.tr("16 digit NIK pejabat"))
        self.secret_kind = QComboBox(parent)
        self.secret_kind.addItem(self.tr("Passphrase"), "passphrase")
        self.secret_kind.addItem(self.tr("Kode TOTP"), "totp")
        self.passphrase_edit = QLineEdit(parent)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(self.tr("tidak disimpan"))
        self.totp_edit = QLineEdit(parent)
        self.totp_edit.setMaxLength(8)
        self.totp_edit.setPlaceholderText(self.tr("6 digit dari aplikasi autentikator"))
        for text, field in (
            (nik_label or self.tr("&NIK:"), self.nik_edit),
            (self.tr("&Dengan:"), self.secret_kind),
            (self.tr("&Passphrase:"), self.passphrase_edit),
            (self.tr("Kode &TOTP:"), self.totp_edit),
        ):
            label = QLabel(text, parent)
            label.setBuddy(field)
            form.addRow(label, field)
        self.secret_kind.currentIndexChanged.connect(lambda _i: self.show())

    @property
    def fields(self) -> tuple[QWidget, ...]:
        return (self.nik_edit, self.secret_kind, self.passphrase_edit, self.totp_edit)

    def method(self) -> str:
        """'pkcs12', 'bsre', or '' when this PC is not set up to sign."""
        if self._bsre_only:
            return "bsre"
        settings = self._settings()
        return settings.sign_method if not setup_problem(settings) else ""

    def uses_totp(self) -> bool:
        return uses_totp_choice(self._settings()) and self.secret_kind.currentData() == "totp"

    def show(self) -> None:
        """The rows this PC's signer needs, and no other."""
        method, totp = self.method(), self.uses_totp()
        self.form.setRowVisible(self.nik_edit, method == "bsre")
        self.form.setRowVisible(self.secret_kind, uses_totp_choice(self._settings()))
        self.form.setRowVisible(self.passphrase_edit, bool(method) and not totp)
        self.form.setRowVisible(self.totp_edit, totp)

    def hide_all(self) -> None:
        for field in self.fields:
            self.form.setRowVisible(field, False)

    def secret(self) -> Secret:
        totp = self.uses_totp()
        return Secret(
            passphrase="" if totp else self.passphrase_edit.text(),
            nik=self.nik_edit.text() if self.method() == "bsre" else "",
            totp=self.totp_edit.text() if totp else "",
        )

    def missing(self) -> tuple[str, QWidget] | None:
        """What the official still has to type, and where (None: complete)."""
        secret = self.secret()
        if self.method() == "bsre":
            nik = secret.nik.strip()
            if len(nik) != 16 or not nik.isdigit():
                return self.tr("NIK penanda tangan harus 16 angka."), self.nik_edit
        if self.uses_totp() and not secret.totp.strip():
            return self.tr("Isi kode TOTP dari aplikasi autentikator."), self.totp_edit
        if self.method() and not self.uses_totp() and not secret.passphrase:
            return self.tr("Isi passphrase sertifikat elektronik."), self.passphrase_edit
        return None

    def first_field(self) -> QWidget | None:
        """Where the keyboard starts: the first field still to fill (None: no field shown)."""
        method = self.method()
        if method == "bsre" and len(self.nik_edit.text().strip()) != 16:
            return self.nik_edit
        if self.uses_totp():
            return self.totp_edit
        return self.passphrase_edit if method else None

    def secret_field(self) -> QWidget:
        """The field to type again after a refusal."""
        return self.totp_edit if self.uses_totp() else self.passphrase_edit

    def set_enabled(self, enabled: bool) -> None:
        for field in self.fields:
            field.setEnabled(enabled)

    def forget(self) -> None:
        self.passphrase_edit.clear()
        self.totp_edit.clear()


class SigningDialog(QDialog):
    """The keys and closing rules of a signing dialog (module docstring). Subclasses give
    `busy`, `message` (a QLabel) and `secret_fields`."""

    message: QLabel
    secret_fields: SecretFields
    message_kind = ""

    @property
    def busy(self) -> bool:
        raise NotImplementedError

    def show_message(self, text: str, kind: str = "info") -> None:
        self.message_kind = kind if text else ""
        style = MESSAGE_STYLES.get(kind, MESSAGE_STYLES["info"])
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
        """Esc / Batal / Tutup: not while a signature is being made."""
        if self.busy:
            return
        self.secret_fields.forget()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        self.secret_fields.forget()
        super().closeEvent(event)


__all__ = ["SecretFields", "SigningDialog"]
