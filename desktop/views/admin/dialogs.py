"""The administrator pages' dialogs: new user, confirm, choose office, NIP, temporary password,
revoke.

All open window-modal with `open()` (never a nested event loop), and none closes on Enter by
accident: the buttons are not default, and the form's action needs its own click or Alt key.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.admin import (
    PASSWORD_MIN,
    ROLES,
    USERNAME,
    nip_acceptable,
    normalized_nip,
)

ROLE_NAMES = {
    "operator": "Petugas loket",
    "verifier": "Verifikator",
    "validator": "Validator / pejabat",
    "supervisor": "Pengawas",
    "admin": "Administrator",
}


def _buttons(ok_text: str, parent: QDialog) -> tuple[QPushButton, QPushButton, QHBoxLayout]:
    ok = QPushButton(ok_text, parent)
    cancel = QPushButton(parent.tr("&Batal"), parent)
    for b in (ok, cancel):
        b.setAutoDefault(False)
        b.setDefault(False)
    ok.clicked.connect(parent.accept)
    cancel.clicked.connect(parent.reject)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(ok)
    row.addWidget(cancel)
    return ok, cancel, row


NIP_PROBLEM = "NIP: 18 angka, atau kosongkan."
NIP_PLACEHOLDER = "18 angka, mis. 19800101 200604 1 001 (boleh kosong)"


def nip_edit(parent: QWidget) -> QLineEdit:
    """The NIP as typed: room for the printed grouping's spaces, which `normalized_nip` drops."""
    edit = QLineEdit(parent)
    edit.setMaxLength(24)
    edit.setPlaceholderText(parent.tr(NIP_PLACEHOLDER))
    return edit


def office_combo(offices: Mapping[str, str], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for code, name in sorted(offices.items()):
        combo.addItem(f"{name} ({code})", code)
    return combo


class NewUserDialog(QDialog):
    """A new account; the problems are listed under the form as they are typed."""

    def __init__(self, offices: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pengguna baru"))
        form = QFormLayout()
        self.username_edit = QLineEdit(self)
        self.username_edit.setMaxLength(64)
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(200)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.office_combo = office_combo(offices, self)
        self.nip_edit = nip_edit(self)
        self.role_boxes: dict[str, QCheckBox] = {}
        roles = QVBoxLayout()
        for role in ROLES:
            box = QCheckBox(self.tr(ROLE_NAMES[role]), self)
            self.role_boxes[role] = box
            roles.addWidget(box)
        for label, field in (
            (self.tr("&Nama pengguna:"), self.username_edit),
            (self.tr("Nama &lengkap:"), self.name_edit),
            (self.tr("&Kata sandi awal:"), self.password_edit),
            (self.tr("K&antor:"), self.office_combo),
            (self.tr("N&IP:"), self.nip_edit),
        ):
            lab = QLabel(label, self)
            lab.setBuddy(field)
            form.addRow(lab, field)
        form.addRow(QLabel(self.tr("Peran:"), self), roles)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #a40000;")
        self.ok_button, self.cancel_button, row = _buttons(self.tr("Buat &pengguna"), self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addLayout(row)
        for edit in (self.username_edit, self.name_edit, self.password_edit, self.nip_edit):
            edit.textChanged.connect(self._check)
        for box in self.role_boxes.values():
            box.toggled.connect(self._check)
        self._check()

    def roles(self) -> tuple[str, ...]:
        return tuple(r for r, box in self.role_boxes.items() if box.isChecked())

    def problems_found(self) -> list[str]:
        found = []
        if not USERNAME.match(self.username_edit.text()):
            found.append(
                self.tr(
                    "Nama pengguna: 3-64 huruf kecil, angka, titik, garis bawah atau tanda "
                    "hubung, diawali huruf atau angka."
                )
            )
        if not self.name_edit.text().strip():
            found.append(self.tr("Nama lengkap wajib diisi."))
        if len(self.password_edit.text()) < PASSWORD_MIN:
            found.append(self.tr("Kata sandi awal minimal %n karakter.", "", PASSWORD_MIN))
        if not self.roles():
            found.append(self.tr("Pilih sedikitnya satu peran."))
        if self.office_combo.currentData() is None:
            found.append(self.tr("Pilih kantor."))
        if not nip_acceptable(self.nip()):
            found.append(self.tr(NIP_PROBLEM))
        return found

    def nip(self) -> str:
        """The NIP to send: the digits typed, without the printed grouping's spaces ('' = none)."""
        return normalized_nip(self.nip_edit.text())

    def _check(self) -> None:
        found = self.problems_found()
        self.problems.setText("\n".join(found))
        self.ok_button.setEnabled(not found)

    def accept(self) -> None:
        if not self.problems_found():
            super().accept()


class ConfirmDialog(QDialog):
    """A yes/no question whose "yes" names the action (never plain OK)."""

    def __init__(self, title: str, text: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.ok_button, self.cancel_button, row = _buttons(action, self)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(row)
        self.cancel_button.setFocus()


class MoveDialog(QDialog):
    def __init__(
        self, username: str, current: str, offices: Mapping[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pindahkan %1 ke kantor lain").replace("%1", username))
        self.office_combo = office_combo(offices, self)
        index = self.office_combo.findData(current)
        if index >= 0:
            self.office_combo.setCurrentIndex(index)
        lab = QLabel(self.tr("&Kantor baru:"), self)
        lab.setBuddy(self.office_combo)
        note = QLabel(
            self.tr(
                "Sesi pengguna ini diakhiri; ia masuk lagi dan melihat antrean kantor barunya."
            ),
            self,
        )
        note.setWordWrap(True)
        self.ok_button, self.cancel_button, row = _buttons(self.tr("&Pindahkan"), self)
        layout = QVBoxLayout(self)
        layout.addWidget(lab)
        layout.addWidget(self.office_combo)
        layout.addWidget(note)
        layout.addLayout(row)

    def office_code(self) -> str:
        return str(self.office_combo.currentData())


class NipDialog(QDialog):
    """Change or clear an official's NIP. It stays open until the server has answered: a refusal
    is shown here with the typed NIP kept, and only a stored NIP closes it."""

    submitted = Signal(str)

    def __init__(
        self, username: str, full_name: str, current: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("NIP %1").replace("%1", username))
        text = QLabel(
            self.tr(
                "NIP %1 dicetak di bawah namanya pada surat yang ditandatangani. Kosongkan bila "
                "ia tidak ber-NIP."
            ).replace("%1", full_name),
            self,
        )
        text.setWordWrap(True)
        self.nip_edit = nip_edit(self)
        self.nip_edit.setText(current or "")
        lab = QLabel(self.tr("N&IP:"), self)
        lab.setBuddy(self.nip_edit)
        line = QHBoxLayout()
        line.addWidget(lab)
        line.addWidget(self.nip_edit, 1)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #a40000;")
        self.ok_button, self.cancel_button, row = _buttons(self.tr("&Simpan NIP"), self)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(line)
        layout.addWidget(self.problems)
        layout.addLayout(row)
        self.setMinimumWidth(460)
        self._saving = False
        self.nip_edit.textChanged.connect(self._check)
        self._check()
        self.nip_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.nip_edit.selectAll()

    def nip(self) -> str:
        return normalized_nip(self.nip_edit.text())

    def _check(self) -> None:
        good = nip_acceptable(self.nip())
        self.problems.setText("" if good else self.tr(NIP_PROBLEM))
        self.ok_button.setEnabled(good and not self._saving)

    def accept(self) -> None:
        """Asks the page to save (`submitted`); `saved` or `refused` follows."""
        if self._saving or not nip_acceptable(self.nip()):
            return
        self._saving = True
        self.problems.setText(self.tr("Menyimpan…"))
        self.ok_button.setEnabled(False)
        self.submitted.emit(self.nip())

    def saved(self) -> None:
        self._saving = False
        super().accept()

    def refused(self, message: str) -> None:
        """The server's answer, in place of the form's problems; the typed NIP stays."""
        self._saving = False
        self._check()
        self.problems.setText(message)


class PasswordShownDialog(QDialog):
    """The temporary password, shown this once: read-only, selectable, with a copy button."""

    def __init__(self, username: str, password: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Kata sandi sementara"))
        text = QLabel(
            self.tr(
                "Kata sandi sementara untuk %1. Sampaikan langsung kepada pemiliknya; Loket tidak "
                "menyimpannya dan tidak akan menampilkannya lagi. Sesi pengguna ini sudah diakhiri."
            ).replace("%1", username),
            self,
        )
        text.setWordWrap(True)
        self.password_edit = QLineEdit(password, self)
        self.password_edit.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 4)
        self.password_edit.setFont(font)
        self.copy_button = QPushButton(self.tr("&Salin"), self)
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self._copy)
        self.close_button = QPushButton(self.tr("&Tutup"), self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        line = QHBoxLayout()
        line.addWidget(self.password_edit, 1)
        line.addWidget(self.copy_button)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(line)
        layout.addLayout(row)
        self.setMinimumWidth(460)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.password_edit.text())
        self.copy_button.setText(self.tr("Tersalin"))

    def done(self, result: int) -> None:
        self.password_edit.clear()  # not left in a hidden widget's memory longer than needed
        super().done(result)


class RevokeDialog(QDialog):
    """Revoke a PC: the reason is required (at least 3 characters) and kept by the server."""

    def __init__(self, code: str, office: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cabut perangkat %1").replace("%1", code))
        text = QLabel(
            self.tr(
                "Perangkat %1 (%2) tidak akan dapat lagi masuk atau mengirim ke server. Pekerjaan "
                "yang belum terkirim tetap tersimpan di perangkat itu dan dapat diekspor. "
                "Pencabutan tidak dapat dibatalkan dari layar ini."
            )
            .replace("%1", code)
            .replace("%2", office),
            self,
        )
        text.setWordWrap(True)
        lab = QLabel(self.tr("&Alasan (wajib):"), self)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(80)
        lab.setBuddy(self.reason_edit)
        self.ok_button, self.cancel_button, row = _buttons(self.tr("&Cabut perangkat"), self)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(lab)
        layout.addWidget(self.reason_edit)
        layout.addLayout(row)
        self.reason_edit.textChanged.connect(self._check)
        self.setMinimumWidth(460)
        self._check()
        self.reason_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def _check(self) -> None:
        self.ok_button.setEnabled(3 <= len(self.reason()) <= 500)

    def accept(self) -> None:
        if 3 <= len(self.reason()) <= 500:
            super().accept()
