"""Every Qt item model under Qt's own model checker (`qtmodeltester`, issue 9 item 6).

The checker stays attached while the test drives the model the way the app does (queries,
sorts, a windowed read completed later, a pull adding rows, the office list refilled); any
broken contract (an index for a missing row, a reset without begin/end, rows counted wrong)
is reported as a Qt warning, which fails the test (``qt_log_level_fail``). Both of its
flavours run: Qt's C++ `QAbstractItemModelTester` and pytest-qt's Python one, which re-checks
everything after every signal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from bench.fakedata import summaries
from desktop.models.queue_model import QueueModel
from desktop.models.store import QueueQuery, Store
from desktop.views.queue.office_filter import CODE_ROLE, OfficeCombo

FLAVOURS = pytest.mark.parametrize("force_py", [False, True], ids=["qt", "python"])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    s.bulk_insert(summaries(300, seed=5, user_id="me"))
    yield s
    s.close()


@FLAVOURS
def test_queue_model(
    qapp: object, qtmodeltester: ModelTester, store: Store, force_py: bool
) -> None:
    model = QueueModel(store, user_id="me", block_size=64, cache_blocks=2)
    qtmodeltester.check(model, force_py=force_py)  # empty: no query read yet
    model.refresh()
    assert model.rowCount() == 300 and model.columnCount() == len(QueueModel.COLUMNS)
    for column in range(model.columnCount()):  # every column, both ways, through Qt's `sort`
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            assert model.rowCount() == 300
    model.sort(99)  # no such column: ignored
    model.set_query(QueueQuery(statuses=("submitted",), text="a"))
    some = model.rowCount()
    assert 0 < some < 300
    model.set_query(QueueQuery(text="tidak ada pemohon bernama ini"))
    assert model.rowCount() == 0
    model.set_query(QueueQuery(claimed_by="me", sort="name", descending=True))
    model.set_query(QueueQuery(overdue=True, sort="nik"))

    # A windowed read (what a keystroke gets), then the rest appended from a worker's read.
    model.set_window(50)
    model.set_query(QueueQuery())
    assert model.rowCount() == 50 and not model.is_complete
    completion = model.pending_completion()
    assert completion is not None
    assert model.complete(completion, completion.run()) == "appended"
    assert model.rowCount() == 300 and model.is_complete
    # The data changed between the two reads: the model resets instead.
    model.set_query(QueueQuery(sort="name"))
    completion = model.pending_completion()
    assert completion is not None
    store.bulk_insert(summaries(40, seed=6, user_id="me"))
    assert model.complete(completion, completion.run()) in ("appended", "reset")
    assert model.rowCount() == 340
    # A pull adds rows: the shell refreshes, keeping at least the rows shown.
    store.bulk_insert(summaries(30, seed=7, user_id="me"))
    model.refresh(min_rows=model.rowCount())
    model.set_window(None)
    model.refresh()
    assert model.rowCount() == 370
    for row in (0, 63, 64, 369):  # rows in blocks loaded, evicted and loaded again
        assert model.index(row, 0).data()


@pytest.fixture
def combo(qapp: object) -> Iterator[OfficeCombo]:
    """Set up before `qtmodeltester` (argument order), so torn down after it: the checker
    lets go of the model before the combo and its model are deleted."""
    combo = OfficeCombo("Semua kantor")
    yield combo
    combo.deleteLater()


@FLAVOURS
def test_office_filter_model(
    combo: OfficeCombo, qtmodeltester: ModelTester, force_py: bool
) -> None:
    items = combo.model()
    assert isinstance(items, QStandardItemModel)
    qtmodeltester.check(items, force_py=force_py)  # only "Semua kantor"
    names = {
        "14.71": "Disdukcapil Kota Pekanbaru",
        "14.71.01": "Kecamatan Sukajadi",
        "14.71.01.1002": "Kelurahan Jadirejo",
    }
    codes = ["14.71", "14.71.01.1002", "14.71.01.1001", "14.71.02.1001"]
    combo.fill(codes, names)  # as the queue fills it once office names arrive
    assert items.rowCount() == 1 + 1 + 2 + 2 + 1  # all, dinas, 2 kecamatan, 3 kelurahan
    combo.setCurrentIndex(combo.findData("14.71.01.1002", CODE_ROLE))
    combo.fill([*codes, "14.71.03.1001"], names)  # a pull brings an office never seen
    assert combo.currentData(CODE_ROLE) == "14.71.01.1002"
    combo.fill([], {})  # signed in again elsewhere: only "Semua kantor"
    assert items.rowCount() == 1


@pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
)
def test_office_filter_keeps_typed_text_when_a_pull_refills_it(
    combo: OfficeCombo, qtbot: QtBot
) -> None:
    """A supervisor types into the filter while a pull brings rows: the list is refilled
    (the same offices, or one more), and the typed text and its completion list stay."""
    names = {"14.71.01": "Kecamatan Sukajadi", "14.71.01.1002": "Kelurahan Jadirejo"}
    codes = ["14.71.01.1002", "14.71.01.1001"]
    combo.fill(codes, names)
    qtbot.addWidget(combo)
    combo.show()
    qtbot.waitExposed(combo)
    combo.activateWindow()
    combo.setFocus()
    qtbot.waitUntil(lambda: combo.lineEdit().hasFocus())
    combo.lineEdit().selectAll()  # "Semua kantor" is shown; typing replaces it
    qtbot.keyClicks(combo.lineEdit(), "jadir", delay=20)
    popup = combo.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    for refill in (codes, [*codes, "14.71.02.1001"]):
        combo.fill(refill, names)  # what the queue does as pulled rows arrive
        assert combo.lineEdit().text() == "jadir"
        assert combo.lineEdit().cursorPosition() == len("jadir")
        qtbot.waitUntil(popup.isVisible)
        shown = [
            combo.completer().completionModel().index(r, 0).data()
            for r in range(combo.completer().completionCount())
        ]
        assert shown == ["Kelurahan Jadirejo"]
    assert combo.currentIndex() == 0  # nothing chosen until Enter


@pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
)
def test_office_filter_keeps_the_selection_when_a_pull_refills_it(
    combo: OfficeCombo, qtbot: QtBot
) -> None:
    """The field has the focus with "Semua kantor" selected (Tab into it, or Ctrl+A), and a
    pull refills the list before the first key: the selection stays, so typing replaces the
    text (it used to be cleared by the refill, and "jadir" became "Semua kantorjadir", which
    names no office; seen in CI as a flaky queue test)."""
    names = {"14.71.01": "Kecamatan Sukajadi", "14.71.01.1002": "Kelurahan Jadirejo"}
    combo.fill(["14.71.01.1002"], names)
    qtbot.addWidget(combo)
    combo.show()
    qtbot.waitExposed(combo)
    combo.activateWindow()
    combo.setFocus()
    line = combo.lineEdit()
    qtbot.waitUntil(line.hasFocus)
    line.selectAll()
    combo.fill(["14.71.01.1002", "14.71.01.1001"], names)  # a pull brings another office
    assert line.selectedText() == "Semua kantor"
    qtbot.keyClicks(line, "jadir", delay=20)
    assert line.text() == "jadir"
    # Part of the text selected, the cursor elsewhere: both stay as they were.
    line.setText("Kelurahan")
    line.setSelection(0, 3)
    combo.fill(["14.71.01.1002"], names)
    assert (line.text(), line.selectedText()) == ("Kelurahan", "Kel")
    line.deselect()
    line.setCursorPosition(4)
    combo.fill(["14.71.01.1002", "14.71.01.1001"], names)
    assert (line.text(), line.cursorPosition(), line.hasSelectedText()) == ("Kelurahan", 4, False)
