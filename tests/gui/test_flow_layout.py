"""The one flow layout (queue status tabs, workbench `WrapRow`): where items go as the width
changes, that hidden items take no room, and that heightForWidth matches what is laid out."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QSizePolicy, QWidget
from pytestqt.qtbot import QtBot

from desktop.views.flow_layout import FlowLayout
from desktop.views.workbench.wrap_row import WrapRow
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
_hosts: list[QWidget] = []  # kept alive for the test (qtbot closes them afterwards)


class Box(QWidget):
    """A widget of a fixed preferred size."""

    def __init__(self, width: int, height: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._hint = QSize(width, height)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return self._hint


def row(qtbot: QtBot, sizes: list[tuple[int, int]], **kw: int) -> tuple[FlowLayout, list[Box]]:
    host = QWidget()
    qtbot.addWidget(host)
    _hosts[:] = [host]
    layout = FlowLayout(host, **kw)
    boxes = [Box(w, h, host) for w, h in sizes]
    for box in boxes:
        layout.addWidget(box)
    return layout, boxes


def test_items_wrap_when_the_line_is_full_and_are_centred_on_their_line(qtbot: QtBot) -> None:
    layout, (a, b, c, d) = row(qtbot, [(100, 20), (100, 30), (100, 20), (50, 10)], spacing=10)
    # 320 px: a, b and c fit exactly (c ends at x 320); d starts the second line.
    layout.setGeometry(QRect(0, 0, 320, 200))
    assert [w.geometry() for w in (a, b, c)] == [
        QRect(0, 5, 100, 20),  # centred on a 30 px line
        QRect(110, 0, 100, 30),
        QRect(220, 5, 100, 20),
    ]
    assert d.geometry() == QRect(0, 40, 50, 10)  # next line: 30 + 10 line spacing
    assert layout.lines == 2
    assert layout.heightForWidth(320) == 50
    # One pixel less: c moves down to start the second line, d follows it.
    layout.setGeometry(QRect(0, 0, 319, 200))
    assert c.geometry() == QRect(0, 40, 100, 20) and d.geometry() == QRect(110, 45, 50, 10)
    assert layout.heightForWidth(319) == 60
    # Wide: everything on one line, and the size hint is that line.
    layout.setGeometry(QRect(0, 0, 1000, 200))
    assert layout.lines == 1 and layout.heightForWidth(1000) == 30
    assert layout.sizeHint() == QSize(100 + 100 + 100 + 50 + 30, 30)
    assert layout.minimumSize() == QSize(100, 30)  # the widest (Fixed) item, the tallest


def test_separators_sit_between_neighbours_never_at_a_line_start(qtbot: QtBot) -> None:
    layout, _ = row(qtbot, [(100, 20), (100, 20), (100, 20)], spacing=20, line_spacing=2)
    layout.setGeometry(QRect(0, 0, 250, 100))  # two on the first line, one on the second
    assert [(s.x1(), s.y1(), s.y2()) for s in layout.separators] == [(110, 3, 17)]
    assert layout.heightForWidth(250) == 42


def test_hidden_items_take_no_room(qtbot: QtBot) -> None:
    layout, (_a, b, c) = row(qtbot, [(100, 20), (100, 40), (100, 20)], spacing=10)
    b.hide()
    layout.setGeometry(QRect(0, 0, 215, 100))
    assert c.geometry() == QRect(110, 0, 100, 20)  # takes b's place on the first line
    assert layout.lines == 1 and layout.heightForWidth(215) == 20  # b's 40 px do not count
    assert layout.sizeHint() == QSize(210, 20)
    b.show()
    assert layout.heightForWidth(215) == 40 + 10 + 20


def test_margins_and_an_item_wider_than_the_row(qtbot: QtBot) -> None:
    layout, (a, b) = row(qtbot, [(300, 20), (50, 20)], spacing=4)
    layout.setContentsMargins(5, 6, 7, 8)
    layout.setGeometry(QRect(0, 0, 112, 100))
    assert a.geometry() == QRect(5, 6, 100, 20)  # cut to the row, never beyond it
    assert b.geometry() == QRect(5, 30, 50, 20)
    assert layout.heightForWidth(112) == 6 + 20 + 4 + 20 + 8


@pytest.mark.parametrize(("width", "lines"), [(600, 1), (250, 2), (120, 3)])
def test_wrap_row_takes_the_height_its_lines_need(qtbot: QtBot, width: int, lines: int) -> None:
    """The widget the workbench uses, in a real window: height follows the width."""
    wrap = WrapRow(spacing=10, line_spacing=2)
    qtbot.addWidget(wrap)
    for _ in range(3):
        wrap.add_widget(Box(100, 20, wrap))
    wrap.resize(width, wrap.heightForWidth(width))
    wrap.show()
    qtbot.waitExposed(wrap)
    assert wrap.line_count() == lines
    assert wrap.height() == lines * 20 + (lines - 1) * 2
