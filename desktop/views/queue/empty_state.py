"""What the table says when it has no rows: loading, could not load, nothing matches (with a way
out), or an empty queue. It lies over the table's viewport, so the column headers stay."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    def __init__(self, view: QAbstractScrollArea) -> None:
        super().__init__(view.viewport())
        self._viewport = view.viewport()
        self.setAutoFillBackground(False)
        self.title_label = QLabel(self)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title_label.setWordWrap(True)
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.title_label.setFont(font)
        self.detail_label = QLabel(self)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.detail_label.setWordWrap(True)
        self.detail_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.clear_button = QPushButton(self.tr("Hapus saringan"), self)
        self.clear_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addWidget(self.title_label)
        layout.addWidget(self.detail_label)
        layout.addSpacing(8)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self._viewport.installEventFilter(self)
        self.hide()

    def text(self) -> str:
        """Everything it says, for tests and accessibility."""
        return "\n".join(t for t in (self.title_label.text(), self.detail_label.text()) if t)

    def show_message(self, title: str, detail: str = "", *, clear: bool = False) -> None:
        self.title_label.setText(title)
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))
        self.clear_button.setVisible(clear)
        self.setGeometry(self._viewport.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._viewport.rect())
        return False
