"""Printing the PDF bytes through Qt: each page rasterised by PDFium at the printer's resolution
and drawn on a page of the PDF's own size.

PySide6-Essentials has no QtPdf module (checked: 6.11, `from PySide6 import QtPdf` fails), so
QPdfDocument cannot be used; PDFium, already used for the verifier's viewer, draws the pages.
"""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from desktop.views.print_preview.pages import MAX_PRINT_DPI, render

POINTS_PER_MM = 72 / 25.4


def page_size_for(size_pt: QSizeF) -> QPageSize:
    """A4 and F4 by their names (drivers choose the tray by name), else a custom size (the
    80 mm roll, whose length follows the content)."""
    size_mm = QSizeF(size_pt.width() / POINTS_PER_MM, size_pt.height() / POINTS_PER_MM)
    for known in (QPageSize.PageSizeId.A4,):
        candidate = QPageSize(known)
        ref = candidate.size(QPageSize.Unit.Millimeter)
        if abs(ref.width() - size_mm.width()) < 1 and abs(ref.height() - size_mm.height()) < 1:
            return candidate
    name = "F4" if abs(size_mm.width() - 215) < 1 and abs(size_mm.height() - 330) < 1 else ""
    return QPageSize(size_mm, QPageSize.Unit.Millimeter, name, QPageSize.SizeMatchPolicy.ExactMatch)


def prepare(printer: QPrinter, first_page_pt: QSizeF) -> None:
    """Paper of the PDF's size, portrait, no margins (the PDF has its own)."""
    printer.setPageLayout(
        QPageLayout(
            page_size_for(first_page_pt),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    printer.setFullPage(True)


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Print every page on `printer` (already set up, e.g. by QPrintDialog); return the page
    count. Raises RenderError when the bytes cannot be drawn (they were made by us: a bug)."""
    dpi = min(max(printer.resolution(), 150), MAX_PRINT_DPI)
    pages = render(pdf, dpi / 72)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("printer tidak dapat dibuka")
    try:
        for index, page in enumerate(pages):
            if index:
                printer.setPageSize(page_size_for(page.size_pt))
                printer.newPage()
            target = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
            target.moveTo(0, 0)
            painter.drawImage(target, page.image)
    finally:
        painter.end()
    return len(pages)
