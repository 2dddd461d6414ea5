"""Pages that are planned but not built yet say so plainly."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

TEXT_WIDTH = 560
"""A readable line length; the text wraps within it and is always shown whole."""


class PlaceholderPage(QWidget):
    """A heading and a paragraph, centred. The paragraph is laid out by width (no alignment
    flag in the layout: with one, Qt gives a word-wrapped label its one-line height and cuts
    the rest off)."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(title, self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() + 4)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.body = QLabel(text, self)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.body.setStyleSheet("QLabel { color: #605e5c; }")
        column = QWidget(self)
        column.setMaximumWidth(TEXT_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(10)
        inner.addWidget(self.heading)
        inner.addWidget(self.body)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)


def counter_page() -> PlaceholderPage:
    """The "Loket" page: counter intake for operators (DESIGN 2.3), not the workbench."""
    return PlaceholderPage(
        QCoreApplication.translate("PlaceholderPage", "Loket"),
        QCoreApplication.translate(
            "PlaceholderPage",
            "Penerimaan berkas di loket — memilih layanan, mengisi data pemohon, memindai "
            "persyaratan dan mencetak tanda terima — segera hadir. Permohonan yang dibuka dari "
            "Antrean tampil di halaman Antrean.",
        ),
    )
