"""The status bar's outbox counts ("3 menunggu · 1 konflik") as a button: a click, Space or
Enter opens the Sinkronisasi page. Looks like the status text it replaces (flat, no frame)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QToolButton, QWidget


class OutboxCountButton(QToolButton):
    """Empty and hidden while nothing waits (`set_counts`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outbox_label")
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleDescription(self.tr("Buka halaman Sinkronisasi (F9)"))
        self.hide()

    def set_counts(self, text: str, tooltip: str) -> None:
        self.setText(text)
        hint = self.tr("Klik atau Enter: halaman Sinkronisasi (F9).")
        self.setToolTip(f"{tooltip}\n{hint}" if tooltip else hint)
        self.setVisible(bool(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)
