"""Ask for the reason of a revision request or a rejection.

The reason reaches the applicant (and the operator who must fix the file), so it is required:
the confirm button stays disabled until something other than blanks is typed. For a revision
the text is prefilled with one line per checklist item marked "not OK", with the verifier's
note, so the per-item reasons are not typed twice. Enter is a new line; Ctrl+Enter confirms;
Esc cancels; no button is the default, so Enter on a focused button does nothing (Space
presses it).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.workflow import Action
from desktop.views.dialogs import set_main_button

MAX_REASON = 2000


def prefill(items: Sequence[tuple[str, str]]) -> str:
    """ "- Kartu Keluarga: foto buram" per not-OK item; the name alone when there is no note."""
    lines = []
    for name, note in items:
        lines.append(f"- {name}: {note}" if note else f"- {name}: tidak sesuai")
    return "\n".join(lines)


class ReasonDialog(QDialog):
    """Modal; read `reason()` after `accepted`."""

    def __init__(
        self,
        action: Action,
        *,
        not_ok_items: Sequence[tuple[str, str]] = (),
        number: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.action = action
        self.setModal(True)
        revision = action is Action.REQUEST_REVISION
        if revision:
            self.setWindowTitle(self.tr("Minta perbaikan"))
            intro = self.tr(
                "Tulis apa yang harus diperbaiki pemohon/operator. Alasan ini dikirim bersama "
                "permohonan {number} dan tercatat di riwayat."
            )
        else:
            self.setWindowTitle(self.tr("Tolak permohonan"))
            intro = self.tr(
                "Tulis alasan penolakan permohonan {number}. Penolakan mengakhiri permohonan; "
                "alasan ini dibaca pemohon dan tercatat di riwayat."
            )
        label = QLabel(intro.format(number=number).replace("  ", " "), self)
        label.setWordWrap(True)

        self.items_label = QLabel(self)
        self.items_label.setWordWrap(True)
        self.items_label.setTextFormat(Qt.TextFormat.PlainText)
        if not_ok_items:
            self.items_label.setText(
                self.tr("Persyaratan yang ditandai tidak sesuai: {names}").format(
                    names=", ".join(name for name, _ in not_ok_items)
                )
            )
        self.items_label.setVisible(bool(not_ok_items))

        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(
            self.tr("Contoh: Foto KK buram; unggah ulang hasil pindai yang jelas.")
            if revision
            else self.tr("Contoh: Pemohon bukan penduduk wilayah ini (alamat KK di luar kota).")
        )
        if revision and not_ok_items:
            self.editor.setPlainText(prefill(not_ok_items))
        self.editor.setAccessibleName(self.tr("Alasan"))

        self.counter = QLabel(self)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counter.setStyleSheet("QLabel { color: #605e5c; }")

        self.buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton(action.label, self)
        self.ok_button.setDefault(False)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setToolTip(self.tr("Kirim (Ctrl+Enter)"))
        self.cancel_button = QPushButton(self.tr("Batal"), self)
        self.cancel_button.setToolTip(self.tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        if action is Action.REJECT:
            self.ok_button.setStyleSheet(
                "QPushButton:enabled { background: #c50f1f; color: white; padding: 4px 14px; }"
            )

        # Enter is a new line in the reason, so no button is the default: not "Tolak" (Tab to
        # "Batal" + Enter must never reject), not "Batal" (Enter must not throw the text away).
        set_main_button(self, None)

        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(self._accept_if_valid)

        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.items_label)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.counter)
        layout.addWidget(self.buttons)
        self.resize(520, 320)

        self.editor.textChanged.connect(self._update)
        self._update()
        self.editor.setFocus()
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)

    def reason(self) -> str:
        return self.editor.toPlainText().strip()

    def _update(self) -> None:
        length = len(self.reason())
        valid = 0 < length <= MAX_REASON
        self.ok_button.setEnabled(valid)
        if length > MAX_REASON:
            self.counter.setText(
                self.tr("{n}/{max} karakter — terlalu panjang").format(n=length, max=MAX_REASON)
            )
        elif length == 0:
            self.counter.setText(self.tr("Alasan wajib diisi"))
        else:
            self.counter.setText(self.tr("{n}/{max} karakter").format(n=length, max=MAX_REASON))

    def _accept_if_valid(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()
