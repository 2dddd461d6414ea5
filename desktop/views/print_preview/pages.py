"""PDF pages as QImages for the preview and the printer, rendered by PDFium (the very bytes
that are saved and printed; no second drawing of the same content)."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QSizeF, QThreadPool, Signal
from PySide6.QtGui import QImage

from desktop.services.rendering import RenderError, probe, render_pages

PREVIEW_SCALE = 2.0
"""Pixels per PDF point for the preview (144 dpi): sharp on screen when fitted to the width."""
MAX_PRINT_DPI = 600
"""A receipt at 1200 dpi is ~100 MB of pixels for no visible gain on a counter printer."""
BACKGROUND_FROM_PAGES = 3
"""PDFs with more pages are rendered off the GUI thread (a receipt has one or two)."""


@dataclass(frozen=True)
class RenderedPage:
    image: QImage
    size_pt: QSizeF
    """The page's size in PDF points (1/72 inch), for the printer's paper."""


def to_qimage(image: Image.Image) -> QImage:
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return qimage.copy()  # own the pixels: `data` dies with this frame


def render(pdf: bytes, scale: float) -> list[RenderedPage]:
    """Every page at `scale` pixels per point. Raises RenderError (Indonesian message)."""
    pages = []
    for image in render_pages(pdf, scale=scale):
        size = QSizeF(image.width / scale, image.height / scale)
        pages.append(RenderedPage(to_qimage(image), size))
    return pages


def page_count(pdf: bytes) -> int:
    return probe(pdf).page_count


class _Signals(QObject):
    done = Signal(int, object)
    """(generation, list[RenderedPage] | RenderError)"""


class _Job(QRunnable):
    def __init__(self, pdf: bytes, scale: float, generation: int, signals: _Signals) -> None:
        super().__init__()
        self.pdf, self.scale, self.generation, self.signals = pdf, scale, generation, signals

    def run(self) -> None:
        try:
            result: object = render(self.pdf, self.scale)
        except RenderError as exc:
            result = exc
        self.signals.done.emit(self.generation, result)


class BackgroundRenderer(QObject):
    """Renders on the global thread pool; `done` arrives on the GUI thread (queued)."""

    done = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()
        self._signals.done.connect(self.done)

    def start(self, pdf: bytes, scale: float, generation: int) -> None:
        QThreadPool.globalInstance().start(_Job(pdf, scale, generation, self._signals))
