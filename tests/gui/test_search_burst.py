"""The queue's search box remembers the text from before a run of fast keys (a barcode reader's
burst), to put it back after a refused scan. The run is measured by the key events' own
timestamps: on a slow PC each key's search can take longer than the 40 ms gap, and measured by
processing time the burst split, so the scan's first characters were "put back" (seen as a
flaky test_queue_keyboard under load)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.views.queue.queue_page import SearchEdit


def send_burst(widget: SearchEdit, code: str, *, stamp: int, slow_s: float) -> None:
    """Keys 5 ms apart by their timestamps, each taking `slow_s` to handle."""
    for ch in code:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key(ord(ch.upper())), Qt.KeyboardModifier.NoModifier, ch)
            event.setTimestamp(stamp)
            QApplication.sendEvent(widget, event)
        stamp += 5
        time.sleep(slow_s)  # the search this key started, on a slow PC


def test_a_slow_pc_does_not_split_a_readers_burst(qtbot: QtBot) -> None:
    edit = SearchEdit()
    qtbot.addWidget(edit)
    edit.setText("wulan")
    edit.selectAll()
    send_burst(edit, "1471261204", stamp=10_000, slow_s=0.06)
    assert edit.text() == "1471261204"
    assert edit.before_burst is not None and edit.before_burst[0] == "wulan"


def test_keys_apart_by_their_timestamps_start_a_new_run(qtbot: QtBot) -> None:
    """A person's keys (100 ms apart by their stamps) are separate runs even when handled at
    once (a queue of events after a freeze)."""
    edit = SearchEdit()
    qtbot.addWidget(edit)
    for i, ch in enumerate("ab"):
        event = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key(ord(ch.upper())), Qt.KeyboardModifier.NoModifier, ch
        )
        event.setTimestamp(20_000 + 100 * i)
        QApplication.sendEvent(edit, event)
    assert edit.text() == "ab"
    assert edit.before_burst is not None and edit.before_burst[0] == "a"
