"""A row of small widgets that wraps onto a second line instead of eliding or clipping.

The header's status line (deadline, claim, channel/office/submission) is short on a wide
monitor and long on a 1366-pixel counter PC with the navigation beside it; wrapping keeps every
fact readable in both. Neighbours on one line get a thin separator, none at a line start.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.views.flow_layout import FlowLayout

SEPARATOR_COLOR = "#c8c6c4"


class WrapRow(QWidget):
    """Add widgets with `add_widget`; they keep their preferred width and wrap as needed."""

    def __init__(
        self, parent: QWidget | None = None, *, spacing: int = 22, line_spacing: int = 2
    ) -> None:
        super().__init__(parent)
        self._layout = FlowLayout(self, spacing, line_spacing)
        self._layout.setContentsMargins(0, 0, 0, 0)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add_widget(self, widget: QWidget) -> None:
        self._layout.addWidget(widget)

    def line_count(self) -> int:
        """Lines in use at the current width (tests)."""
        return self._layout.lines

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.setPen(QColor(SEPARATOR_COLOR))
        for line in self._layout.separators:
            painter.drawLine(line)
