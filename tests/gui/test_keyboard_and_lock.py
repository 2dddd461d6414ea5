"""Keyboard: Enter/Ctrl+F/F5, the USB barcode reader (keyboard wedge), and the idle lock."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    activate,
    open_row,
    running_app,
    search,
    sign_in,
    tick_all,
    wait_open,
    workbench,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def test_shortcuts_and_barcode_reader(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Pindai" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app = operator.create(f"{tag} Hana")
    number = app["registration_number"]
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None and loket.shell is not None
        activate(qtbot, loket)

        page.table.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert QApplication.focusWidget() is page.search_edit
        pulls: list[object] = []
        loket.shell.pulled.connect(pulls.append)
        qtbot.keyClick(page.search_edit, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: bool(pulls), timeout=WAIT)

        # A person types the number slowly into the search box and presses Enter: the search
        # shows it, and Enter opens exactly that number.
        page.search_edit.clear()
        qtbot.keyClicks(page.search_edit, number, delay=60)
        assert window.stack.currentIndex() == 0 and page.model.rowCount() == 1
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return, delay=60)
        wait_open(qtbot, loket, app["id"])
        assert loket.workbench is not None
        loket.workbench.close()
        qtbot.waitUntil(lambda: workbench(loket).application is None, timeout=WAIT)

        # The reader "types" the receipt's code in a few ms and sends Enter, wherever focus is
        # (typing on the table goes to the search box; the code is taken out again).
        activate(qtbot, loket)
        page.search_edit.clear()
        page.table.setFocus()
        for ch in number.replace("-", ""):
            qtbot.keyClick(QApplication.focusWidget() or window, ch)
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Return)
        wait_open(qtbot, loket, app["id"])
        assert workbench(loket).holds_claim()
        assert page.search_edit.text() == ""

        # A burst that is not a valid number (check digit wrong) is reported, nothing opens.
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
        qtbot.keyClicks(QApplication.focusWidget() or window, wrong)
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: "bukan nomor pendaftaran" in window.statusBar().currentMessage(), timeout=WAIT
        )
        assert workbench(loket).application is not None
        assert workbench(loket).application.id == app["id"]  # type: ignore[union-attr]

        # A number that is not cached is looked up on the server.
        other = operator.create(f"{tag} Indra")
        qtbot.keyClicks(QApplication.focusWidget() or window, other["registration_number"])
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Return)
        wait_open(qtbot, loket, other["id"])


def test_idle_lock_keeps_open_work(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Kunci" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Joko")
    with running_app(live_server.url, memory_keyring, idle_lock_minutes=1) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        search(qtbot, loket, tag.lower())
        assert open_row(qtbot, loket, 0) == app["id"]
        wb = workbench(loket)
        tick_all(loket)
        ticks = wb.checklist.judgements()

        window.idle.set_interval_ms(300)  # instead of minutes
        overlay = window.overlay
        qtbot.waitUntil(lambda: overlay.locked, timeout=WAIT)
        assert overlay.mode == "local" and "tidak ada aktivitas" in overlay.reason_label.text()
        assert not window.stack.isEnabled() and not window.nav.isEnabled()
        assert overlay.geometry() == window.centralWidget().rect()  # covers personal data
        assert not window.wedge.enabled

        qtbot.keyClicks(overlay.password_edit, "bukan-sandinya")
        qtbot.mouseClick(overlay.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not overlay.checking)  # the check runs on a worker
        assert overlay.locked and overlay.error_label.text() == "Kata sandi salah."
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.locked)
        assert window.stack.isEnabled()
        window.idle.set_minutes(10)
        assert wb.application is not None and wb.application.id == app["id"]
        assert wb.checklist.judgements() == ticks
        qtbot.waitUntil(wb.holds_claim, timeout=WAIT)  # the claim is renewed after unlock


@pytest.mark.parametrize("where", ["table", "note"])
def test_unlock_gives_the_focus_back_where_it_was(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, where: str
) -> None:
    """Ctrl+L, the password, Enter: the keys go on where they went before the lock (the queue
    row, the note being typed), not to whatever Qt finds next (it picked a status tab, seen in
    a walkthrough under Xvfb)."""
    tag = "Fokus" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Lina")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        activate(qtbot, loket)
        search(qtbot, loket, tag.lower())
        if where == "table":
            page.table.setFocus()
            page.table.selectRow(0)
            before = page.table
        else:
            assert open_row(qtbot, loket, 0) == app["id"]
            note = workbench(loket).findChild(QLineEdit)
            assert note is not None
            note.setFocus()
            qtbot.keyClicks(note, "difoto ulang")
            before = note
        qtbot.waitUntil(lambda: QApplication.focusWidget() is before, timeout=WAIT)

        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
        )
        overlay = window.overlay
        qtbot.waitUntil(lambda: overlay.locked, timeout=WAIT)
        assert QApplication.focusWidget() is overlay.password_edit
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is before, timeout=WAIT)
        if where == "note":
            qtbot.keyClicks(QApplication.focusWidget(), " lagi")
            assert before.text() == "difoto ulang lagi"  # type: ignore[attr-defined]
