"""The pages of a PDF about to be signed, or just signed, in a signing dialog (issue 13): rendered
by PDFium on a worker (`BackgroundRenderer`, as the print preview does), one label per page as
wide as the view (never over 1.5x the page's size), a line of status while there are none.

Shared by the letter's sign dialog and the SIAK outputs' dialog. A later `show_pdf` wins: pages
of an earlier one that arrive late are dropped, and old labels are hidden at once (a label only
waiting for deletion must not stay drawn over the new page).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.services.rendering import RenderError
from desktop.views.print_preview.pages import PREVIEW_SCALE, BackgroundRenderer, RenderedPage


class PagePreview(QScrollArea):
    """See the module docstring. `failed` words a rendering error for the status line."""

    def __init__(self, parent: QWidget, failed: Callable[[str], str] = lambda m: m) -> None:
        super().__init__(parent)
        self._failed = failed
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QScrollArea { background: #808080; }")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.page_host = QWidget()
        self.page_host.setStyleSheet("background: #808080;")
        self.column = QVBoxLayout(self.page_host)
        self.column.setSpacing(12)
        self.column.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: white; padding: 12px;")
        self.column.addWidget(self.status)
        self.setWidget(self.page_host)
        self.pages: list[RenderedPage] = []
        self.labels: list[QLabel] = []
        self._generation = 0
        self._shown_generation = 0
        self._renderer = BackgroundRenderer(self)
        self._renderer.done.connect(self._rendered)

    @property
    def rendering(self) -> bool:
        """Pages of the latest PDF still on their way."""
        return self._shown_generation != self._generation

    def show_status(self, text: str) -> None:
        """No pages, only `text` (and any rendering under way is forgotten)."""
        self._generation += 1
        self._shown_generation = self._generation
        self._clear()
        self.status.setText(text)
        self.status.setVisible(True)

    def wait(self, text: str) -> None:
        """Pages are coming (`show_pdf` follows): `text` until they arrive."""
        self._generation += 1
        self._clear()
        self.status.setText(text)
        self.status.setVisible(True)

    def show_pdf(self, pdf: bytes, text: str | None = None) -> None:
        """Render `pdf` on a worker; the pages on screen stay until the new ones arrive
        unless `text` is given (then it stands in for them meanwhile)."""
        if text is not None:
            self.wait(text)
        else:
            self._generation += 1
        self._renderer.start(pdf, PREVIEW_SCALE, self._generation)

    def _rendered(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # another PDF was asked for meanwhile
        self._shown_generation = generation
        if isinstance(result, RenderError):
            self._clear()
            self.status.setText(self._failed(result.message))
            self.status.setVisible(True)
            return
        assert isinstance(result, list)
        self._clear()
        self.pages = result
        self.status.setVisible(False)
        for index, _page in enumerate(self.pages):
            label = QLabel()
            label.setObjectName(f"page-{index + 1}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.column.addWidget(label)
            self.labels.append(label)
        self.fit_width()

    def _clear(self) -> None:
        self.pages = []
        for label in self.labels:
            label.hide()
            self.column.removeWidget(label)
            label.deleteLater()
        self.labels = []

    def fit_width(self) -> None:
        """Every page as wide as the view (minus a margin), never wider than 1.5x its size."""
        available = max(200, self.viewport().width() - 32)
        for label, page in zip(self.labels, self.pages, strict=False):
            width = min(available, int(page.size_pt.width() * 1.5 * self.devicePixelRatioF()))
            pixmap = QPixmap.fromImage(page.image).scaledToWidth(
                width, Qt.TransformationMode.SmoothTransformation
            )
            label.setPixmap(pixmap)
            label.setFixedSize(pixmap.size())  # the column re-lays out now, not at next show

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_width()


__all__ = ["PagePreview"]
