"""Pratinjau cetak: shows the very PDF bytes that are printed and saved (tanda terima, daftar
perbaikan), with Cetak (Qt's print dialog; the printer is remembered per PC), Simpan PDF and
Tutup.

Keys: Ctrl+P prints, Ctrl+S saves, Esc closes. Enter presses nothing (dialogs.set_main_button
with None): a stray Enter from the form the operator just left must not print or save.

The layout and paper can be changed here when the caller passes `rerender`: the PDF is made
again by the caller's function (Qt-free, desktop.services.documents) and the choice goes to
the settings (`settingsChanged`; the caller saves them, they are per PC).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.services.rendering import RenderError
from desktop.settings import Settings
from desktop.views.dialogs import fitting_size, set_main_button
from desktop.views.print_preview.pages import (
    BACKGROUND_FROM_PAGES,
    PREVIEW_SCALE,
    BackgroundRenderer,
    RenderedPage,
    page_count,
    render,
)
from desktop.views.print_preview.printing import prepare, print_pdf

Rerender = Callable[[str, str], bytes]
"""(layout, paper) -> PDF bytes."""

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def safe_file_name(name: str) -> str:
    """'Tanda terima 1471-261124-0123-2' -> 'Tanda_terima_1471-261124-0123-2.pdf'."""
    stem = _UNSAFE.sub("_", name.removesuffix(".pdf")).strip("._") or "dokumen"
    return stem[:100] + ".pdf"


WANTED_SIZE = (720, 760)
"""The window manager's title bar and borders around the dialog (not in its own size)."""


class PrintPreviewDialog(QDialog):
    settingsChanged = Signal(object)
    """The settings with this PC's printer/layout/paper choice (a `Settings`); save them."""
    saved = Signal(str)
    printed = Signal(int)

    def __init__(
        self,
        pdf: bytes,
        *,
        title: str,
        settings: Settings,
        parent: QWidget | None = None,
        file_name: str = "",
        rerender: Rerender | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pratinjau cetak — %1").replace("%1", title))
        self._pdf = pdf
        self._settings = settings
        self._rerender = rerender
        self._file_name = safe_file_name(file_name or title)
        self._pages: list[RenderedPage] = []
        self._generation = 0
        self._renderer = BackgroundRenderer(self)
        self._renderer.done.connect(self._rendered)
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        """Kept across prints; tests point it at a PDF file (no real printer runs here)."""
        self.save_dialog_options = QFileDialog.Option.DontUseNativeDialog
        """Non-native by default: the same dialog on every PC, and drivable in tests."""
        self._build()
        self._show_pdf()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.resize(*fitting_size(self, WANTED_SIZE))
        layout = QVBoxLayout(self)
        options = QHBoxLayout()
        self.layout_box = QComboBox()
        self.layout_box.addItem(self.tr("Setengah lembar"), "half")
        self.layout_box.addItem(self.tr("Gulungan 80 mm"), "roll80")
        self.paper_box = QComboBox()
        self.paper_box.addItem("A4", "A4")
        self.paper_box.addItem(self.tr("F4 (215 × 330 mm)"), "F4")
        self.layout_box.setCurrentIndex(
            max(0, self.layout_box.findData(self._settings.receipt_layout))
        )
        self.paper_box.setCurrentIndex(
            max(0, self.paper_box.findData(self._settings.receipt_paper))
        )
        layout_label = QLabel(self.tr("&Bentuk:"))
        layout_label.setBuddy(self.layout_box)
        paper_label = QLabel(self.tr("&Kertas:"))
        paper_label.setBuddy(self.paper_box)
        for widget in (layout_label, self.layout_box, paper_label, self.paper_box):
            widget.setVisible(self._rerender is not None)
            options.addWidget(widget)
        options.addStretch(1)
        self.layout_box.currentIndexChanged.connect(self._choice_changed)
        self.paper_box.currentIndexChanged.connect(self._choice_changed)
        layout.addLayout(options)

        self.page_scroll = QScrollArea()
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_scroll.setStyleSheet("QScrollArea { background: #808080; }")
        self.page_host = QWidget()
        self.page_host.setStyleSheet("background: #808080;")
        self.page_column = QVBoxLayout(self.page_host)
        self.page_column.setSpacing(12)
        self.page_column.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.page_scroll.setWidget(self.page_host)
        layout.addWidget(self.page_scroll, 1)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        self.print_button = QPushButton(self.tr("&Cetak… (Ctrl+P)"))
        self.save_button = QPushButton(self.tr("&Simpan PDF… (Ctrl+S)"))
        self.close_button = QPushButton(self.tr("&Tutup"))
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_with_dialog)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_with_dialog)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_with_dialog)
        set_main_button(self, None)  # Enter presses nothing here

    # -- the pages ---------------------------------------------------------------------------

    @property
    def pdf(self) -> bytes:
        return self._pdf

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def pages(self) -> list[RenderedPage]:
        return list(self._pages)

    def _show_pdf(self) -> None:
        self._generation += 1
        self._busy(True)
        try:
            big = page_count(self._pdf) >= BACKGROUND_FROM_PAGES
        except RenderError as exc:
            self._rendered(self._generation, exc)
            return
        if big:
            self.status.setText(self.tr("Menyiapkan pratinjau…"))
            self._renderer.start(self._pdf, PREVIEW_SCALE, self._generation)
            return
        try:
            result: list[RenderedPage] | RenderError = render(self._pdf, PREVIEW_SCALE)
        except RenderError as exc:
            result = exc
        self._rendered(self._generation, result)

    def _rendered(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # an older PDF (layout changed meanwhile)
        self._busy(False)
        while self.page_column.count():
            item = self.page_column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if isinstance(result, RenderError):
            self._pages = []
            self.status.setText(result.message)
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            return
        assert isinstance(result, list)
        self._pages = result
        for index, _page in enumerate(self._pages):
            label = QLabel()
            label.setObjectName(f"page-{index + 1}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.page_column.addWidget(label)
        self.status.setText(self.tr("%n halaman", "", len(self._pages)))
        self._fit_width()

    def _busy(self, busy: bool) -> None:
        for button in (self.print_button, self.save_button):
            button.setEnabled(not busy)

    def _fit_width(self) -> None:
        """Every page as wide as the view (minus a margin), never wider than 1.5x its size."""
        if not self._pages:
            return
        available = max(200, self.page_scroll.viewport().width() - 32)
        for index, page in enumerate(self._pages):
            item = self.page_column.itemAt(index)
            label = item.widget() if item is not None else None
            if not isinstance(label, QLabel):
                continue
            width = min(available, int(page.size_pt.width() * 1.5 * self.devicePixelRatioF()))
            pixmap = QPixmap.fromImage(page.image).scaledToWidth(
                width, Qt.TransformationMode.SmoothTransformation
            )
            label.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_width()

    def _choice_changed(self) -> None:
        if self._rerender is None:
            return
        layout, paper = str(self.layout_box.currentData()), str(self.paper_box.currentData())
        self._settings = self._settings.with_changes(receipt_layout=layout, receipt_paper=paper)
        self.settingsChanged.emit(self._settings)
        self._pdf = self._rerender(layout, paper)
        self._show_pdf()

    # -- print -------------------------------------------------------------------------------

    def print_with_dialog(self) -> None:
        if not self._pages or not self.print_button.isEnabled():
            return
        printer = self.printer
        remembered = self._settings.last_printer
        if remembered and remembered in QPrinterInfo.availablePrinterNames():
            printer.setPrinterName(remembered)
        prepare(printer, self._pages[0].size_pt)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Cetak"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_now()

    def print_now(self) -> int:
        """Print on `self.printer` as it is set up now; return the page count."""
        try:
            count = print_pdf(self._pdf, self.printer)
        except (OSError, RenderError) as exc:
            message = exc.message if isinstance(exc, RenderError) else str(exc)
            self.status.setText(self.tr("Gagal mencetak: %1").replace("%1", message))
            return 0
        name = self.printer.printerName()
        if name and name != self._settings.last_printer:
            self._settings = self._settings.with_changes(last_printer=name)
            self.settingsChanged.emit(self._settings)
        self.status.setText(self.tr("Dikirim ke printer: %n halaman", "", count))
        self.printed.emit(count)
        return count

    # -- save --------------------------------------------------------------------------------

    def save_with_dialog(self) -> None:
        if not self._pages or not self.save_button.isEnabled():
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, self.tr("Simpan PDF"), folder, self.tr("PDF (*.pdf)"))
        dialog.setObjectName("save-pdf-dialog")
        dialog.setOptions(self.save_dialog_options)  # confirms before overwriting a file
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(self._file_name)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        self.save_to(Path(dialog.selectedFiles()[0]))

    def save_to(self, path: Path) -> bool:
        """Write the bytes atomically (a half-written PDF never replaces a good one)."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".loket-", suffix=".pdf", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(self._pdf)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.status.setText(
                self.tr("PDF tidak dapat disimpan ke %1: %2")
                .replace("%1", str(path))
                .replace("%2", exc.strerror or str(exc))
            )
            return False
        self.status.setText(self.tr("Tersimpan: %1").replace("%1", str(path)))
        self.saved.emit(str(path))
        return True
