"""The page editor's thumbnails: a list model over the `ScanBatch` and an icon-mode view.

The model mirrors the batch (reset after each change: a change may touch every row, and a
batch is tens of pages) and keeps each thumbnail as a pixmap per page key and rotation, so an
undo or a rotation back never decodes a file again. A blank page kept only as a separator
(`BatchPage.dropped_blank`) is drawn dimmed and named "kosong, dibuang": it is there for
"Pisah di lembar kosong" and never goes into a PDF. Reorder by drag and drop goes through the
model (`dropMimeData` -> `ScanBatch.move_many`: one undo step), never through QListView's free
icon positions, which would move pictures without changing the page order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QPainter,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from desktop.services.scanning.batch import BatchPage, ScanBatch

MIME = "application/x-loket-scan-pages"
ICON_SIDE = 128

Index = QModelIndex | QPersistentModelIndex


def pixmap_of(image: Image.Image) -> QPixmap:
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(qimage.copy())  # copy: `data` dies with this frame


def placeholder(side: int) -> QPixmap:
    """A grey sheet for a page whose thumbnail could not be made."""
    pixmap = QPixmap(int(side * 0.7), side)
    pixmap.fill(QColor("#e0e0e0"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#808080"))
    painter.drawRect(0, 0, pixmap.width() - 1, pixmap.height() - 1)
    painter.end()
    return pixmap


def local_files(mime: QMimeData) -> list[Path]:
    """The local files a drag carries (from Explorer or a file manager); none for our pages."""
    if mime.hasFormat(MIME) or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def dimmed(pixmap: QPixmap) -> QPixmap:
    """The picture faded into grey: a page that stays out of the PDFs."""
    out = QPixmap(pixmap.size())
    out.fill(QColor("#d0d0d0"))
    painter = QPainter(out)
    painter.setOpacity(0.35)
    painter.drawPixmap(0, 0, pixmap)
    painter.end()
    return out


class PageListModel(QAbstractListModel):
    """Rows = the batch's pages in order. Text: "3 · Kartu Keluarga"."""

    KeyRole = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self,
        batch: ScanBatch,
        thumbnails: Callable[[BatchPage], Image.Image | None],
        names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.batch = batch
        self._thumbnails = thumbnails
        self.names = names
        self._pixmaps: dict[tuple[int, int, bool], QPixmap] = {}
        self._unassigned = self.tr("belum ditetapkan")
        self._dropped = self.tr("kosong, dibuang")
        self.moved_rows: list[int] = []
        self.token = uuid.uuid4().hex
        """The dragged pages' new rows after the last drop (the view selects them)."""
        batch.subscribe(self._batch_changed)

    def _batch_changed(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.batch)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.batch):
            return None
        page = self.batch[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if page.dropped_blank:
                return f"{index.row() + 1} · {self._dropped}"
            name = self.names.get(page.requirement or "", page.requirement or self._unassigned)
            return f"{index.row() + 1} · {name}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row(), page)
        if role == Qt.ItemDataRole.DecorationRole:
            return self.pixmap(page)
        if role == Qt.ItemDataRole.ForegroundRole and page.dropped_blank:
            return QColor("#8a8886")
        if role == self.KeyRole:
            return page.key
        return None

    def _tooltip(self, row: int, page: BatchPage) -> str:
        text = self.tr("Halaman %1").replace("%1", str(row + 1))
        if page.rotation:
            text += self.tr(", diputar %1°").replace("%1", str(page.rotation))
        if page.dropped_blank:
            text += self.tr(
                ", kosong: tidak ikut dilampirkan (tetap berguna sebagai lembar pemisah)"
            )
        elif page.page.blank:
            text += self.tr(", kosong")
        return text

    def pixmap(self, page: BatchPage) -> QPixmap:
        wanted = (page.key, page.rotation, page.dropped_blank)
        cached = self._pixmaps.get(wanted)
        if cached is not None:
            return cached
        upright = self._pixmaps.get((page.key, 0, False))
        if upright is None:
            image = self._thumbnails(page)
            upright = pixmap_of(image) if image is not None else placeholder(ICON_SIDE)
            if upright.width() > ICON_SIDE or upright.height() > ICON_SIDE:
                upright = upright.scaled(
                    ICON_SIDE,
                    ICON_SIDE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self._pixmaps[(page.key, 0, False)] = upright
        turned = (
            upright.transformed(QTransform().rotate(page.rotation)) if page.rotation else upright
        )
        if page.dropped_blank:
            turned = dimmed(turned)
        self._pixmaps[wanted] = turned
        return turned

    def key_at(self, row: int) -> int:
        return self.batch[row].key

    # -- drag and drop: reorder through the batch ---------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return self.rows_mime(rows)

    def rows_mime(self, rows: Sequence[int]) -> QMimeData:
        """ "<this model's token>:<rows>": rows mean something only to the model they came from
        (a drag from another dialog's pages is refused)."""
        mime = QMimeData()
        payload = f"{self.token}:" + ",".join(map(str, rows))
        mime.setData(MIME, QByteArray(payload.encode()))
        return mime

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Move the dragged pages before `row` (-1 or past the end: to the end; dropped on a
        page: before that page). The batch does the move; the model follows its reset."""
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        token, _, raw = bytes(data.data(MIME).data()).decode().partition(":")
        if token != self.token:
            return False
        rows = [int(r) for r in raw.split(",") if r.strip().isdigit()]
        rows = [r for r in rows if 0 <= r < len(self.batch)]
        if not rows:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self.batch)
        target = row - sum(1 for r in rows if r < row)  # the slot among the pages left behind
        self.moved_rows = self.batch.move_many(rows, target)
        return True


class PageListView(QListView):
    """Thumbnails in rows that wrap; number keys 1-9 assign the selection (`number_pressed`);
    a drop of this view's own pages becomes a move in the batch (`dropped`); the model refuses
    pages dragged from another dialog (its token)."""

    number_pressed = Signal(int)
    dropped = Signal(list)
    """The new rows of the pages just moved by drag and drop."""
    files_dropped = Signal(list)
    """list[Path]: files dropped on the pages from outside (imported like "Impor berkas")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Snap)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.setGridSize(QSize(ICON_SIDE + 36, ICON_SIDE + 44))
        self.setSpacing(4)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # DragDrop, not InternalMove: InternalMove refuses any drag whose source is not this
        # view object, which is right but leaves nothing to test offscreen; the model's token
        # refuses another dialog's pages instead.
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.number_pressed.emit(key - Qt.Key.Key_0)
            event.accept()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Files from outside: imported (`files_dropped`). Our own pages dropped here: before
        the page under the pointer (after it when the pointer is on its right half), or at the
        end past the last one. QListView's icon mode would only move the picture; the model
        moves the page."""
        files = local_files(event.mimeData())
        if files:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.files_dropped.emit(files)
            return
        model = self.model()
        if not isinstance(model, PageListModel) or not event.mimeData().hasFormat(MIME):
            event.ignore()
            return
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        if index.isValid():
            rect = self.visualRect(index)
            row = index.row() + (1 if pos.x() > rect.center().x() else 0)
        else:
            row = -1
        if model.dropMimeData(event.mimeData(), Qt.DropAction.MoveAction, row, 0, QModelIndex()):
            event.acceptProposedAction()  # the model has no removeRows: nothing is taken twice
            self.dropped.emit(list(model.moved_rows))
        else:
            event.ignore()
