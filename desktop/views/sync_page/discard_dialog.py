"""Ask why an outbox entry is thrown away ("Buang"). The reason is required and kept with the
entry and in the audit log, so nothing is ever discarded without one: "Buang" stays disabled
until something other than blanks is typed; Enter is a new line in the reason (never
discards); Ctrl+Enter discards when the reason is there; Esc cancels and nothing changes. No
button is the default (the same rule as the decision's reason dialog)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.outbox_resolution import MAX_REASON
from desktop.views.dialogs import set_main_button


class DiscardDialog(QDialog):
    """Window-modal; read `reason()` after `accepted`."""

    def __init__(self, what: str, application: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Buang entri"))
        self.setModal(True)
        intro = QLabel(
            self.tr(
                "Buang “%1” untuk permohonan %2? Entri ini tidak akan dikirim ke server. "
                "Tulis alasannya: alasan disimpan bersama entri dan di log audit."
            )
            .replace("%1", what)
            .replace("%2", application),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.editor.setAccessibleName(self.tr("Alasan membuang"))
        self.editor.setPlaceholderText(
            self.tr("Contoh: sudah diputuskan petugas lain dengan benar; tidak perlu diulang.")
        )
        self.counter = QLabel(self)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counter.setStyleSheet("QLabel { color: #605e5c; }")
        self.ok_button = QPushButton(self.tr("Buang"), self)
        self.ok_button.setToolTip(self.tr("Buang (Ctrl+Enter)"))
        self.ok_button.setStyleSheet(
            "QPushButton:enabled { background: #c50f1f; color: white; padding: 4px 14px; }"
        )
        self.cancel_button = QPushButton(self.tr("Batal"), self)
        self.cancel_button.setToolTip(self.tr("Batal (Esc)"))
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        set_main_button(self, None)  # Enter is a new line in the reason
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self).activated.connect(self._accept_if_valid)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.counter)
        layout.addWidget(buttons)
        self.resize(520, 300)
        self.editor.textChanged.connect(self._update)
        self._update()
        self.editor.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)  # the reason first, always

    def reason(self) -> str:
        return self.editor.toPlainText().strip()

    def _update(self) -> None:
        length = len(self.reason())
        self.ok_button.setEnabled(0 < length <= MAX_REASON)
        if length == 0:
            self.counter.setText(self.tr("Alasan wajib diisi"))
        elif length > MAX_REASON:
            self.counter.setText(
                self.tr("%1/%2 karakter — terlalu panjang")
                .replace("%1", str(length))
                .replace("%2", str(MAX_REASON))
            )
        else:
            self.counter.setText(
                self.tr("%1/%2 karakter").replace("%1", str(length)).replace("%2", str(MAX_REASON))
            )

    def _accept_if_valid(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()
