"""The requirements checklist: each required document of the service with the files attached.

One `RequirementBox` per catalogue requirement: its name (and "wajib"), the files kept for it
(name, size, pages), "Impor berkas…" (several at once; checked off the GUI thread by the
controller), "Hapus" for the selected file, "Pindai" (the scan dialog, its new pages going to
this requirement; Ctrl+Shift+P on the page), and a message line for a refused file or a
missing mandatory document. A refused file touches nothing else. Files dropped on a box (from
the file manager, an e-mail) are imported exactly like "Impor berkas…".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
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


def dropped_files(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
    """The local files a drag carries (a link or text dragged in carries none)."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


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
    scan_requested = Signal(str)  # requirement code

    def __init__(self, requirement: Requirement, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.requirement = requirement
        self.code = requirement.document_code
        self.name = title
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
        self.scan_button = QPushButton(self.tr("Pindai…"), self)
        self.set_scanning(False)
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
        self.scan_button.clicked.connect(lambda: self.scan_requested.emit(self.code))
        self.files.currentRowChanged.connect(lambda r: self.remove_button.setEnabled(r >= 0))
        self.busy = 0

    def set_scanning(self, available: bool) -> None:
        """ "Pindai" works only where the page was given a scanner setup (the counter's)."""
        self.scan_button.setEnabled(available)
        self.scan_button.setToolTip(
            self.tr("Pindai dokumen ini dengan pemindai (Ctrl+Shift+P)")
            if available
            else self.tr("Pemindai tidak tersedia di sini")
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_files(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_files(event)
        if paths:
            event.acceptProposedAction()
            self.request_import(paths)

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
        self.expect(len(paths))
        self.import_requested.emit(self.code, list(paths))

    def expect(self, count: int) -> None:
        """`count` files are on their way in (imported, dropped or scanned): "Memeriksa…"
        until each was attached or refused."""
        self.show_message("")
        self.busy += count
        self.import_button.setText(self.tr("Memeriksa…"))

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
    scan_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Persyaratan"), parent)
        self.boxes: dict[str, RequirementBox] = {}
        self.scanning = False
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
            box.scan_requested.connect(self.scan_requested)
            box.set_scanning(self.scanning)
            self._layout.addWidget(box)
            self.boxes[req.document_code] = box
        self.empty.setVisible(not requirements)

    def set_scanning(self, available: bool) -> None:
        self.scanning = available
        for box in self.boxes.values():
            box.set_scanning(available)

    def scan_target(self, focus: QWidget | None) -> RequirementBox | None:
        """Where Ctrl+Shift+P scans to: the box holding the focus, else the first mandatory
        one still without a file, else the first."""
        for box in self.boxes.values():
            if focus is not None and (focus is box or box.isAncestorOf(focus)):
                return box
        missing = self.missing()
        if missing:
            return missing[0]
        return next(iter(self.boxes.values()), None)

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
