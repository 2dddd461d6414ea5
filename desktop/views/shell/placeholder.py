"""Pages that are planned but not built yet say so plainly."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() + 4)
        font.setBold(True)
        heading.setFont(font)
        body = QLabel(text, self)
        body.setWordWrap(True)
        body.setStyleSheet("QLabel { color: #605e5c; }")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
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
