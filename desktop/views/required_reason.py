"""The part every "write the reason" dialog shares, so they all keep the same keys and rules.

A reason is required: the confirm button stays disabled until something other than blanks is
typed (and no longer than the limit), with a counter under the text. Enter is a new line in
the reason, so no button is the default (`set_main_button(dialog, None)`): Enter on a focused
button does nothing, Space presses it; Ctrl+Enter confirms when the reason is there; Esc
cancels. Used by the decision's reason dialog (workbench) and the outbox's "Buang" dialog.
"""

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

from desktop.views.dialogs import set_main_button

DANGER_STYLE = "QPushButton:enabled { background: #c50f1f; color: white; padding: 4px 14px; }"


class RequiredReasonDialog(QDialog):
    """Modal; builds the editor, counter and buttons. A subclass names `ok_button`, adds what
    stands above the editor with `lay_out(...)`; read `reason()` after `accepted`."""

    def __init__(
        self,
        *,
        max_length: int,
        danger: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.max_length = max_length
        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.counter = QLabel(self)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counter.setStyleSheet("QLabel { color: #605e5c; }")
        self.buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton(self)  # the subclass names it
        if danger:
            self.ok_button.setStyleSheet(DANGER_STYLE)
        self.cancel_button = QPushButton(self.tr("Batal"), self)
        self.cancel_button.setToolTip(self.tr("Batal (Esc)"))
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        # Enter is a new line in the reason, so no button is the default: not the destructive
        # one (Tab to "Batal" + Enter must never confirm), not "Batal" (Enter must not throw
        # the text away).
        set_main_button(self, None)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self).activated.connect(self._accept_if_valid)

    def lay_out(self, *above: QWidget, height: int) -> None:
        """Stack `above`, the editor, the counter and the buttons; then the counter is kept
        up to date and the editor has focus. Call at the end of the subclass's `__init__`."""
        layout = QVBoxLayout(self)
        for widget in above:
            layout.addWidget(widget)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.counter)
        layout.addWidget(self.buttons)
        self.resize(520, height)
        self.editor.textChanged.connect(self._update)
        self._update()
        self.editor.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)  # the reason first, always

    def reason(self) -> str:
        return self.editor.toPlainText().strip()

    def _update(self) -> None:
        length, most = len(self.reason()), self.max_length
        self.ok_button.setEnabled(0 < length <= most)
        if length == 0:
            self.counter.setText(self.tr("Alasan wajib diisi"))
        elif length > most:
            self.counter.setText(
                self.tr("{n}/{max} karakter — terlalu panjang").format(n=length, max=most)
            )
        else:
            self.counter.setText(self.tr("{n}/{max} karakter").format(n=length, max=most))

    def _accept_if_valid(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()


__all__ = ["DANGER_STYLE", "RequiredReasonDialog"]
