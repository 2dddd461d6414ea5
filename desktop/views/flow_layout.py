"""A layout that puts its items in a row and wraps onto the next line when they do not fit.

One implementation for every such row (after Qt's "Flow Layout" example): the queue's status
tabs (eleven labels with counts are wider than a 1366-pixel screen, and a squeezed button cuts
its text) and the workbench's `WrapRow` (the header's claim line, the applicant's contact
line). Items keep their preferred width, are centred vertically on their line, and hidden
items take no room. `separators` holds the gaps between neighbours on one line (never at a line
start) for a widget that wants to draw them.
"""

from __future__ import annotations

from PySide6.QtCore import QLine, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """`spacing` between items on a line, `line_spacing` (default: `spacing`) between lines."""

    def __init__(
        self, parent: QWidget | None = None, spacing: int = 4, line_spacing: int | None = None
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._line_spacing = spacing if line_spacing is None else line_spacing
        self.separators: list[QLine] = []
        """Where a separator between neighbours goes, as of the last `setGeometry`."""
        self.lines = 0
        """Lines in use as of the last `setGeometry`."""
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """One line holding everything: what the row asks for when space is plentiful."""
        width = height = 0
        for item in self._visible():
            hint = _hint(item)
            width += hint.width() + (self._spacing if width else 0)
            height = max(height, hint.height())
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def minimumSize(self) -> QSize:
        """The widest item: narrower than that, an item would be cut whatever the wrapping."""
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Place items left to right, wrapping; return the height used."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        lines: list[list[tuple[QLayoutItem, int, QSize]]] = [[]]
        x = area.x()
        for item in self._visible():
            hint = _hint(item)
            width = min(hint.width(), max(area.width(), 0))
            if lines[-1] and x + width > area.x() + area.width():
                lines.append([])
                x = area.x()
            lines[-1].append((item, x, QSize(width, hint.height())))
            x += width + self._spacing
        y = area.y()
        separators: list[QLine] = []
        for line in lines:
            if not line:
                continue
            height = max(size.height() for _, _, size in line)
            if apply:
                previous_right: int | None = None
                for item, left, size in line:
                    top = y + (height - size.height()) // 2
                    item.setGeometry(QRect(QPoint(left, top), size))
                    if previous_right is not None:
                        middle = (previous_right + left) // 2
                        separators.append(QLine(middle, y + 3, middle, y + height - 3))
                    previous_right = left + size.width()
            y += height + self._line_spacing
        if apply:
            self.separators = separators
            self.lines = sum(1 for line in lines if line)
        used = y - self._line_spacing - area.y() if any(lines) else 0
        return used + margins.top() + margins.bottom()


def _hint(item: QLayoutItem) -> QSize:
    """The widget's own size hint: `QWidgetItem.sizeHint` says 0 wide for an `Ignored` policy,
    which an eliding label uses so that it never widens a box layout."""
    widget = item.widget()
    if widget is None:
        return item.sizeHint()
    return widget.sizeHint().expandedTo(item.minimumSize()).boundedTo(item.maximumSize())
