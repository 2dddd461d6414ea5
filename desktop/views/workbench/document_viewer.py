"""The page viewer: one page at a time, zoom, fit, rotate (the view only), thumbnails.

Pages are rendered by `desktop.services.rendering` in the "render" lane of the app's
`TaskRunner`; the GUI thread only turns finished images into pixmaps. Renders for a document
that is no longer shown are cancelled, so flipping quickly never queues stale work. Rotation
and zoom are a view transform, so they are instant and never change the stored document. A
file that cannot be shown puts a message where the page would be; the rest of the workbench
keeps working.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PIL import Image, ImageOps
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.operations import Op, OpKind
from desktop.services.rendering import DocumentKind, DocumentProbe, RenderError, probe, render_pages
from desktop.services.tasks import TaskRunner
from desktop.views.workbench import shortcuts

PDF_RENDER_SCALE = 2.0
"""Pixels per PDF point when rendering (144 dpi): sharp up to 150% zoom, cheap enough for A4."""
IMAGE_MAX_SIDE = 4000
"""Longest side of a rendered scan; a 300 dpi A4 scan (3508 px) stays at full resolution."""
THUMB_SIDE = 96
SCREEN_PX_PER_POINT = 96 / 72
ZOOM_MIN = 0.1
ZOOM_MAX = 8.0
ZOOM_STEP = 1.25
PAGE_CACHE = 8
FIT_MARGIN = 8
RENDER_LANE = "render"
RENDER_THREADS = 2
"""CPU work in its own lane: a slow download never delays a page, nor a page a decision."""


class FitMode(enum.Enum):
    NONE = "none"
    WIDTH = "width"
    PAGE = "page"


@dataclass(frozen=True)
class _Opened:
    probe: DocumentProbe
    first: QImage


def to_qimage(image: Image.Image) -> QImage:
    """A deep-copied RGB888 QImage; safe to build on a worker thread."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return qimage.copy()


def _render_one(data: bytes, kind: DocumentKind, index: int) -> QImage:
    if kind is DocumentKind.PDF:
        pages = render_pages(data, scale=PDF_RENDER_SCALE, pages=[index])
    else:
        pages = render_pages(data, pages=[index], max_side=IMAGE_MAX_SIDE)
    return to_qimage(pages[0])


def _open_job(data: bytes, content_type: str | None) -> _Opened:
    found = probe(data, content_type)
    return _Opened(found, _render_one(data, found.kind, 0))


def _thumbs_job(data: bytes, side: int) -> list[QImage]:
    """Thumbnails with a thin grey frame, so a white page stands out on a white list."""
    pages = render_pages(data, max_side=side - 2)
    return [to_qimage(ImageOps.expand(page, border=1, fill=(150, 150, 150))) for page in pages]


class _PageView(QGraphicsView):
    """Graphics view that reports resizes and turns Ctrl+wheel into zoom steps."""

    resized = Signal()
    zoom_step = Signal(int)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom_step.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class DocumentViewer(QWidget):
    """Shows one document's pages. Feed it with `set_document(key, data, content_type)`, or
    `show_loading()` / `show_error()` while the bytes are not there."""

    page_changed = Signal(int, int)
    """(current page index, page count) after navigation or a new document."""
    view_changed = Signal()
    """Zoom, fit or rotation changed."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
        shortcut_host: QWidget | None = None,
    ) -> None:
        """`runner`: the app's (pages render in its own lane, and stop at sign-out)."""
        super().__init__(parent)
        runner.add_lane(RENDER_LANE, RENDER_THREADS)
        self._tasks = runner.group(self)
        self._gen = 0
        self._key: str | None = None
        self._data = b""
        self._kind: DocumentKind | None = None
        self._page_count = 0
        self._current = 0
        self._shown_page: int | None = None
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._zoom = 1.0
        self._fit = FitMode.WIDTH
        self._rotation = 0
        self._error: str | None = None
        self._busy_jobs = 0
        self._syncing_thumbs = False
        self._build()
        self._install_shortcuts(shortcut_host or self)
        self.show_empty()

    # -- construction ----------------------------------------------------------------------

    def _tool(
        self, text: str, tip: str, slot: Callable[[], None], sid: str | None = None
    ) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        if sid is not None:
            tip = f"{tip} ({shortcuts.BY_ID[sid].keys_text})"
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _build(self) -> None:
        self.title_label = QLabel(self)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.prev_button = self._tool(
            "‹", self.tr("Halaman sebelumnya"), self.previous_page, "previous_page"
        )
        self.next_button = self._tool(
            "›", self.tr("Halaman berikutnya"), self.next_page, "next_page"
        )
        self.page_label = QLabel(self)
        self.page_label.setMinimumWidth(64)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_out_button = self._tool("−", self.tr("Perkecil"), self.zoom_out, "zoom_out")
        self.zoom_label = QLabel(self)
        self.zoom_label.setMinimumWidth(44)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = self._tool("+", self.tr("Perbesar"), self.zoom_in, "zoom_in")
        self.fit_width_button = self._tool(
            self.tr("Pas lebar"), self.tr("Pas lebar"), self.fit_width, "fit_width"
        )
        self.fit_page_button = self._tool(
            self.tr("Pas halaman"), self.tr("Pas halaman"), self.fit_page, "fit_page"
        )
        self.rotate_left_button = self._tool(
            "↺", self.tr("Putar tampilan berlawanan jarum jam"), self.rotate_left, "rotate_left"
        )
        self.rotate_right_button = self._tool(
            "↻", self.tr("Putar tampilan searah jarum jam"), self.rotate_right, "rotate_right"
        )
        for button in (self.fit_width_button, self.fit_page_button):
            button.setCheckable(True)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        bar.addWidget(self.title_label, 1)
        self._bar = bar
        for widget in (
            self.prev_button,
            self.page_label,
            self.next_button,
            _separator(self),
            self.zoom_out_button,
            self.zoom_label,
            self.zoom_in_button,
            self.fit_width_button,
            self.fit_page_button,
            _separator(self),
            self.rotate_left_button,
            self.rotate_right_button,
        ):
            bar.addWidget(widget)

        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(4)
        self.busy_bar.setVisible(False)
        self.busy_bar.setAccessibleName(self.tr("Sedang memuat"))

        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(
            "QLabel { background: #fff4ce; color: #5c4400; padding: 4px 6px; }"
        )
        self.note_label.setVisible(False)

        self.thumbnails = QListWidget(self)
        self.thumbnails.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.thumbnails.setFixedWidth(THUMB_SIDE + 30)
        self.thumbnails.setGridSize(QSize(THUMB_SIDE + 10, THUMB_SIDE + 24))
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbnails.setWrapping(False)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setSpacing(4)
        self.thumbnails.setUniformItemSizes(True)
        self.thumbnails.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.thumbnails.setAccessibleName(self.tr("Daftar halaman"))
        self.thumbnails.currentRowChanged.connect(self._thumb_selected)

        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.view = _PageView(self._scene, self)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.view.setBackgroundBrush(QColor("#6b6f76"))
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setAccessibleName(self.tr("Halaman dokumen"))
        self.view.resized.connect(self._refit)
        self.view.zoom_step.connect(self._zoom_step)

        self.message_label = QLabel(self)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setMargin(24)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.message_label)
        self.stack.addWidget(self.view)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.thumbnails)
        body.addWidget(self.stack, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.note_label)
        layout.addLayout(body, 1)

    def _install_shortcuts(self, host: QWidget) -> None:
        """Zoom/fit/rotate on `host` (the whole workbench); page keys only inside the viewer,
        where PgUp/PgDn cannot be meant for a text field."""
        host_bindings: dict[str, Callable[[], None]] = {
            "zoom_in": self.zoom_in,
            "zoom_out": self.zoom_out,
            "fit_page": self.fit_page,
            "fit_width": self.fit_width,
            "actual_size": self.actual_size,
            "rotate_right": self.rotate_right,
            "rotate_left": self.rotate_left,
        }
        local_bindings: dict[str, Callable[[], None]] = {
            "next_page": self.next_page,
            "previous_page": self.previous_page,
            "first_page": self.first_page,
            "last_page": self.last_page,
        }
        self.shortcuts: dict[str, list[QShortcut]] = {}
        for owner, bindings in ((host, host_bindings), (self, local_bindings)):
            for sid, slot in bindings.items():
                made = []
                for key in shortcuts.keys(sid):
                    shortcut = QShortcut(QKeySequence(key), owner)
                    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                    shortcut.activated.connect(slot)
                    made.append(shortcut)
                self.shortcuts[sid] = made

    def set_leading_widget(self, widget: QWidget) -> None:
        """Put `widget` (e.g. a document chooser) where the title is; the title is hidden."""
        self.title_label.setVisible(False)
        self._bar.insertWidget(0, widget, 1)

    # -- public state ------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return self._page_count

    @property
    def current_page(self) -> int:
        return self._current

    @property
    def zoom(self) -> float:
        """Effective zoom, 1.0 = natural size (PDF at 96 dpi, scans pixel for pixel)."""
        return self._zoom

    @property
    def rotation(self) -> int:
        return self._rotation

    @property
    def fit_mode(self) -> FitMode:
        return self._fit

    @property
    def error_text(self) -> str | None:
        return self._error

    @property
    def note_text(self) -> str | None:
        return self.note_label.text() if not self.note_label.isHidden() else None

    @property
    def document_key(self) -> str | None:
        return self._key

    @property
    def is_busy(self) -> bool:
        return self._busy_jobs > 0

    @property
    def page_visible(self) -> bool:
        return self.stack.currentWidget() is self.view and self._shown_page is not None

    def thumbnail_count(self) -> int:
        return self.thumbnails.count()

    # -- feeding -----------------------------------------------------------------------------

    def _reset(self, title: str) -> None:
        self._gen += 1
        self._tasks.cancel_all()
        self._busy_jobs = 0
        self._key = None
        self._data = b""
        self._kind = None
        self._page_count = 0
        self._current = 0
        self._shown_page = None
        self._cache.clear()
        self._item.setPixmap(QPixmap())
        self._error = None
        self._rotation = 0
        if self._fit is FitMode.NONE:
            self._fit = FitMode.WIDTH
        self._syncing_thumbs = True
        self.thumbnails.clear()
        self._syncing_thumbs = False
        self.thumbnails.setVisible(False)
        self.note_label.setVisible(False)
        self.title_label.setText(title)
        self.title_label.setToolTip(title)
        self._update_busy()
        self._update_controls()

    def _show_message(self, text: str, *, error: bool) -> None:
        color = "#a4262c" if error else "#323130"
        self.message_label.setStyleSheet(f"QLabel {{ color: {color}; font-size: 11pt; }}")
        self.message_label.setText(text)
        self.stack.setCurrentWidget(self.message_label)

    def show_empty(self, text: str | None = None, title: str = "") -> None:
        """Nothing to show (no document uploaded for this item, or none chosen)."""
        self._reset(title)
        self._show_message(text or self.tr("Pilih dokumen untuk ditampilkan."), error=False)

    def show_loading(self, title: str = "", text: str | None = None) -> None:
        """Busy state while the caller fetches the bytes."""
        self._reset(title)
        self._busy_jobs = 1
        self._update_busy()
        self._show_message(text or self.tr("Mengambil dokumen…"), error=False)

    def show_error(self, text: str, title: str | None = None) -> None:
        """A clear message in place of the page; the previous document is dropped."""
        self._reset(self.title_label.text() if title is None else title)
        self._error = text
        self._show_message("⚠\n" + text, error=True)

    def set_document(
        self, key: str, data: bytes, content_type: str | None, title: str = ""
    ) -> None:
        """Show `data`; `key` (the sha256) lets a repeated call keep the current page and view."""
        if key == self._key and self._error is None:
            self.title_label.setText(title)
            return
        self._reset(title)
        self._key = key
        self._data = data
        self._show_message(self.tr("Membuka dokumen…"), error=False)
        gen = self._gen
        self._start_job(
            partial(_open_job, data, content_type),
            partial(self._opened, gen),
            partial(self._failed, gen),
        )

    # -- jobs ------------------------------------------------------------------------------------

    def _start_job(
        self,
        fn: Callable[[], object],
        on_done: Callable[[object], None],
        on_error: Callable[[object], None],
    ) -> None:
        self._busy_jobs += 1
        self._update_busy()

        def done(result: object) -> None:
            self._job_finished()
            on_done(result)

        def failed(error: Exception, _message: str) -> None:
            self._job_finished()
            on_error(error)

        Op(
            OpKind.RENDER,
            self.tr("Menampilkan halaman"),
            lambda _ctx: fn(),
            lane=RENDER_LANE,
            quiet=True,
        ).success(done).failure(failed).run(self._tasks)

    def _job_finished(self) -> None:
        self._busy_jobs = max(0, self._busy_jobs - 1)
        self._update_busy()

    def _update_busy(self) -> None:
        self.busy_bar.setVisible(self._busy_jobs > 0)

    def _opened(self, gen: int, result: object) -> None:
        if gen != self._gen or not isinstance(result, _Opened):
            return
        self._kind = result.probe.kind
        self._page_count = result.probe.page_count
        note = result.probe.note
        self.note_label.setText(note or "")
        self.note_label.setVisible(bool(note))
        self._cache[0] = QPixmap.fromImage(result.first)
        self._syncing_thumbs = True
        placeholder = _placeholder_icon()
        for index in range(self._page_count):
            item = QListWidgetItem(placeholder, str(index + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setToolTip(self.tr("Halaman {n}").format(n=index + 1))
            self.thumbnails.addItem(item)
        self.thumbnails.setCurrentRow(0)
        self._syncing_thumbs = False
        self.thumbnails.setVisible(self._page_count > 1)
        self._display(0)
        self._start_job(
            partial(_thumbs_job, self._data, THUMB_SIDE),
            partial(self._thumbs_ready, gen),
            partial(self._thumbs_failed, gen),
        )
        self.page_changed.emit(self._current, self._page_count)

    def _failed(self, gen: int, error: object) -> None:
        if gen != self._gen:
            return
        self.show_error(_error_text(error, self.tr))
        self.page_changed.emit(0, 0)

    def _thumbs_ready(self, gen: int, result: object) -> None:
        if gen != self._gen or not isinstance(result, list):
            return
        for index, image in enumerate(result[: self.thumbnails.count()]):
            if isinstance(image, QImage):
                self.thumbnails.item(index).setIcon(QIcon(QPixmap.fromImage(image)))

    def _thumbs_failed(self, gen: int, error: object) -> None:
        """Thumbnails are a convenience: a page that fails shows its own message when opened."""
        del gen, error

    def _page_ready(self, gen: int, index: int, result: object) -> None:
        if gen != self._gen or not isinstance(result, QImage):
            return
        self._remember(index, QPixmap.fromImage(result))
        if index == self._current:
            self._display(index)

    def _page_failed(self, gen: int, index: int, error: object) -> None:
        if gen != self._gen or index != self._current:
            return
        self._shown_page = None
        self._show_message("⚠\n" + _error_text(error, self.tr), error=True)

    def _remember(self, index: int, pixmap: QPixmap) -> None:
        self._cache[index] = pixmap
        self._cache.move_to_end(index)
        while len(self._cache) > PAGE_CACHE:
            self._cache.popitem(last=False)

    # -- navigation ------------------------------------------------------------------------------

    def go_to_page(self, index: int) -> None:
        if self._page_count == 0 or self._kind is None:
            return
        index = max(0, min(index, self._page_count - 1))
        if index == self._current and self._shown_page == index:
            return
        self._current = index
        self._syncing_thumbs = True
        self.thumbnails.setCurrentRow(index)
        self._syncing_thumbs = False
        if index in self._cache:
            self._cache.move_to_end(index)
            self._display(index)
        else:
            gen = self._gen
            self._start_job(
                partial(_render_one, self._data, self._kind, index),
                partial(self._page_ready, gen, index),
                partial(self._page_failed, gen, index),
            )
        self._update_controls()
        self.page_changed.emit(self._current, self._page_count)

    def next_page(self) -> None:
        self.go_to_page(self._current + 1)

    def previous_page(self) -> None:
        self.go_to_page(self._current - 1)

    def first_page(self) -> None:
        self.go_to_page(0)

    def last_page(self) -> None:
        self.go_to_page(self._page_count - 1)

    def _thumb_selected(self, row: int) -> None:
        if not self._syncing_thumbs and row >= 0:
            self.go_to_page(row)

    def _display(self, index: int) -> None:
        pixmap = self._cache[index]
        self._item.setPixmap(pixmap)
        natural = SCREEN_PX_PER_POINT / PDF_RENDER_SCALE if self._kind is DocumentKind.PDF else 1.0
        self._item.setScale(natural)
        self._scene.setSceneRect(self._item.sceneBoundingRect())
        self._shown_page = index
        self.stack.setCurrentWidget(self.view)
        self._apply_view()
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().minimum())
        self._update_controls()

    # -- zoom and rotation ------------------------------------------------------------------------

    def _page_size(self) -> tuple[float, float] | None:
        if self._shown_page is None:
            return None
        rect = self._item.sceneBoundingRect()
        if rect.isEmpty():
            return None
        width, height = rect.width(), rect.height()
        return (height, width) if self._rotation in (90, 270) else (width, height)

    def _fit_zoom(self) -> float | None:
        size = self._page_size()
        if size is None:
            return None
        width, height = size
        viewport = self.view.viewport().size()
        avail_w = max(1.0, viewport.width() - 2 * FIT_MARGIN)
        avail_h = max(1.0, viewport.height() - 2 * FIT_MARGIN)
        if self._fit is FitMode.WIDTH:
            return avail_w / width
        return min(avail_w / width, avail_h / height)

    def _apply_view(self) -> None:
        if self._fit is not FitMode.NONE:
            fitted = self._fit_zoom()
            if fitted is not None:
                self._zoom = max(ZOOM_MIN, min(ZOOM_MAX, fitted))
        transform = QTransform()
        transform.rotate(self._rotation)
        transform.scale(self._zoom, self._zoom)
        self.view.setTransform(transform)
        self._update_controls()
        self.view_changed.emit()

    def _refit(self) -> None:
        if self._fit is not FitMode.NONE and self._shown_page is not None:
            self._apply_view()

    def set_zoom(self, zoom: float) -> None:
        self._fit = FitMode.NONE
        self._zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        self._apply_view()

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def _zoom_step(self, direction: int) -> None:
        if direction > 0:
            self.zoom_in()
        else:
            self.zoom_out()

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit_width(self) -> None:
        self._fit = FitMode.WIDTH
        self._apply_view()

    def fit_page(self) -> None:
        self._fit = FitMode.PAGE
        self._apply_view()

    def rotate_right(self) -> None:
        self._rotation = (self._rotation + 90) % 360
        self._apply_view()

    def rotate_left(self) -> None:
        self._rotation = (self._rotation - 90) % 360
        self._apply_view()

    def _update_controls(self) -> None:
        has_page = self._page_count > 0
        if has_page:
            self.page_label.setText(
                self.tr("Hal. {n}/{total}").format(n=self._current + 1, total=self._page_count)
            )
        else:
            self.page_label.setText("–")
        self.prev_button.setEnabled(has_page and self._current > 0)
        self.next_button.setEnabled(has_page and self._current < self._page_count - 1)
        self.zoom_label.setText(f"{round(self._zoom * 100)}%" if has_page else "")
        for button in (
            self.zoom_in_button,
            self.zoom_out_button,
            self.fit_width_button,
            self.fit_page_button,
            self.rotate_left_button,
            self.rotate_right_button,
        ):
            button.setEnabled(has_page)
        self.fit_width_button.setChecked(self._fit is FitMode.WIDTH)
        self.fit_page_button.setChecked(self._fit is FitMode.PAGE)


def _separator(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _placeholder_icon() -> QIcon:
    pixmap = QPixmap(int(THUMB_SIDE * 0.7), THUMB_SIDE)
    pixmap.fill(QColor("#e1dfdd"))
    return QIcon(pixmap)


def _error_text(error: object, tr: Callable[[str], str]) -> str:
    if isinstance(error, RenderError):
        return error.message
    if isinstance(error, MemoryError):
        return tr("Dokumen terlalu besar untuk ditampilkan di komputer ini.")
    return tr(
        "Dokumen tidak dapat ditampilkan karena kesalahan yang tidak terduga ({kind})."
    ).format(kind=type(error).__name__)
