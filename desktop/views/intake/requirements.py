"""The requirements checklist: each required document of the service with the files attached.

One `RequirementBox` per catalogue requirement: its name (and "wajib"), the files kept for it
(name, size, pages), "Impor berkas…" (several at once; checked off the GUI thread by the
controller), "Hapus" for the selected file, the scanner button (not yet: issue 12), and a
message line for a refused file or a missing mandatory document. A refused file touches nothing
else.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.catalogue import Catalogue, Requirement

FILE_FILTER = "Dokumen (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;Semua berkas (*)"


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def attachment_text(a: Any) -> str:
    parts = [str(a.filename), size_text(int(a.size))]
    if getattr(a, "pages", None):
        parts.append(f"{a.pages} hlm")
    text = " · ".join(parts)
    if getattr(a, "missing", False):
        text += " — berkas hilang, lampirkan ulang"
    elif getattr(a, "note", ""):
        text += f" — {a.note}"
    return text


class RequirementBox(QWidget):
    import_requested = Signal(str, list)  # requirement code, [Path]
    remove_requested = Signal(str, str)  # requirement code, attachment id

    def __init__(self, requirement: Requirement, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.requirement = requirement
        self.code = requirement.document_code
        self.title = QLabel(
            title + (self.tr(" (wajib)") if requirement.mandatory else self.tr(" (bila ada)")),
            self,
        )
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel(requirement.note or "", self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("QLabel { color: #605e5c; }")
        self.note.setVisible(bool(requirement.note))
        self.files = QListWidget(self)
        self.files.setMaximumHeight(66)
        self.files.hide()
        self.import_button = QPushButton(self.tr("Impor berkas…"), self)
        self.remove_button = QPushButton(self.tr("Hapus berkas"), self)
        self.remove_button.setEnabled(False)
        self.scan_button = QPushButton(self.tr("Pindai"), self)
        self.scan_button.setEnabled(False)
        self.scan_button.setToolTip(self.tr("Pemindai: segera (isu 12)"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("QLabel { color: #b3261e; }")
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.scan_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.files)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.import_button.clicked.connect(self._choose)
        self.remove_button.clicked.connect(self._remove)
        self.files.currentRowChanged.connect(lambda r: self.remove_button.setEnabled(r >= 0))
        self.busy = 0

    def _choose(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Impor berkas untuk %1").replace("%1", self.title.text()),
            "",
            FILE_FILTER,
        )
        if names:
            self.request_import([Path(n) for n in names])

    def request_import(self, paths: Sequence[Path]) -> None:
        self.show_message("")
        self.busy += len(paths)
        self.import_button.setText(self.tr("Memeriksa…"))
        self.import_requested.emit(self.code, list(paths))

    def _remove(self) -> None:
        item = self.files.currentItem()
        if item is not None:
            self.remove_requested.emit(self.code, str(item.data(Qt.ItemDataRole.UserRole)))

    def _done_one(self) -> None:
        self.busy = max(0, self.busy - 1)
        if not self.busy:
            self.import_button.setText(self.tr("Impor berkas…"))

    def add(self, attachment: Any) -> None:
        item = QListWidgetItem(attachment_text(attachment), self.files)
        item.setData(Qt.ItemDataRole.UserRole, attachment.id)
        item.setToolTip(item.text())
        self.files.show()
        self.files.setCurrentItem(item)
        self._done_one()
        if self.requirement.mandatory:
            self.show_message("")

    def failed(self, message: str) -> None:
        self._done_one()
        self.show_message(message)

    def remove(self, attachment_id: str) -> None:
        for row in range(self.files.count()):
            item = self.files.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == attachment_id:
                self.files.takeItem(row)
                break
        self.files.setVisible(self.files.count() > 0)

    def count(self) -> int:
        return self.files.count()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


class RequirementsPanel(QGroupBox):
    """Every requirement of one service; `missing()` names the mandatory ones without a file."""

    import_requested = Signal(str, list)
    remove_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Persyaratan"), parent)
        self.boxes: dict[str, RequirementBox] = {}
        self._layout = QVBoxLayout(self)
        self.empty = QLabel(self.tr("Layanan ini tidak mensyaratkan dokumen."), self)
        self._layout.addWidget(self.empty)

    def set_requirements(
        self, requirements: Sequence[Requirement], catalogue: Catalogue | None
    ) -> None:
        for box in self.boxes.values():
            self._layout.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for req in requirements:
            doc = catalogue.document_types.get(req.document_code) if catalogue else None
            box = RequirementBox(req, doc.name if doc is not None else req.document_code, self)
            box.import_requested.connect(self.import_requested)
            box.remove_requested.connect(self.remove_requested)
            self._layout.addWidget(box)
            self.boxes[req.document_code] = box
        self.empty.setVisible(not requirements)

    def set_attachments(self, attachments: Sequence[Any]) -> None:
        for box in self.boxes.values():
            box.files.clear()
            box.files.hide()
            box.show_message("")
        for a in attachments:
            found = self.boxes.get(a.requirement_code or "")
            if found is not None:
                found.busy += 1
                found.add(a)

    def missing(self) -> list[RequirementBox]:
        return [b for b in self.boxes.values() if b.requirement.mandatory and b.count() == 0]
