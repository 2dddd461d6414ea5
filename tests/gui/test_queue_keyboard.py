"""Issue 8, the queue by keyboard and barcode reader, driven by real key events on the focused
widget against the real reference server.

- A reader burst ("wedge scan") or a typed entry that is not an exact registration number opens
  nothing and says so (wrong check digit, a prefix of a real number, a valid number that exists
  nowhere), with the focus in the search box or on the table; only an exact number opens.
- The search box: Enter opens a single result, Down enters the results, Esc clears, and one Tab
  reaches the table.
- F1 opens the shortcut list from anywhere in the shell, in Indonesian ("Tutup").
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.numbering import format_registration_number
from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    activate,
    focused,
    key,
    reader_scan,
    running_app,
    search,
    sign_in,
    type_slowly,
    wait_open,
    workbench,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def scan(qtbot: QtBot, code: str) -> None:
    """A USB reader: the characters 5 ms apart by their own timestamps, then Enter."""
    del qtbot
    reader_scan(code)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize("where", ["search", "table"])
def test_only_an_exact_registration_number_opens_an_application(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, where: str
) -> None:
    tag = "Pindai" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    wulan = operator.create(f"{tag} Wulan Sari")
    target = operator.create(f"{tag} Tegar")
    number = target["registration_number"]  # e.g. 1471-261124-0042-6
    nowhere = format_registration_number("1471", date(2019, 1, 2), 9)  # valid, exists nowhere
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        activate(qtbot, loket)
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        wb = workbench(loket)
        controller = loket.workbench
        assert controller is not None

        def ready() -> None:
            """Wulan Sari selected (what Enter on the table opens); the focus on the table, or
            in the search box by Ctrl+F (which selects its text)."""
            activate(qtbot, loket)
            search(qtbot, loket, tag.lower())
            assert page.model.rowCount() == 2
            page.select_id(wulan["id"])
            page.table.setFocus()
            if where == "search":
                key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
            assert focused() is (page.search_edit if where == "search" else page.table)
            qtbot.wait(60)  # whatever comes next is not one burst with the search typed above

        def opened_nothing(said: str, *, scanned: bool) -> None:
            qtbot.wait(300)  # an open would have started by now
            assert wb.application is None and controller.current_id is None
            assert window.stack.currentWidget() is page
            if scanned:  # the reader's text is taken out again: the list is as it was
                assert page.search_edit.text() == tag.lower()
                assert page.current_id() == wulan["id"]
            else:  # what the person typed stays, to correct it
                assert page.search_edit.text() == code
            # said plainly, on the page (not only in the status bar, which others overwrite)
            qtbot.waitUntil(lambda: said in page.notice_label.text(), timeout=WAIT)
            assert page.notice_label.isVisible()

        cases = [
            (wrong_check_digit(number), "bukan nomor pendaftaran yang sah"),
            (number[:-2], "bukan nomor pendaftaran yang sah"),  # a prefix of a real number
            (number.replace("-", "")[:-2], "bukan nomor pendaftaran yang sah"),
            (nowhere, "tidak ditemukan"),  # valid check digit: the server is asked
        ]
        for code, said in cases:
            # -- scanned ---------------------------------------------------------------------
            ready()
            scan(qtbot, code)
            opened_nothing(said, scanned=True)
            # -- typed -----------------------------------------------------------------------
            ready()
            type_slowly(qtbot, code)
            key(qtbot, Qt.Key.Key_Return, delay=60)
            opened_nothing(said, scanned=False)

        # An exact number opens exactly that application, scanned or typed.
        ready()
        scan(qtbot, number)
        wait_open(qtbot, loket, target["id"])
        assert wb.holds_claim()
        activate(qtbot, loket)
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: wb.application is None, timeout=WAIT)
        ready()
        type_slowly(qtbot, number)
        key(qtbot, Qt.Key.Key_Return, delay=60)
        wait_open(qtbot, loket, target["id"])
        # The status bar does not keep "Mencari … di server…" once the work has ended.
        assert "Mencari" not in window.statusBar().currentMessage()


def test_search_box_enter_down_escape_and_tab(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Cari" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    ani = operator.create(f"{tag} Ani")
    operator.create(f"{tag} Budi")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        activate(qtbot, loket)
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        wb = workbench(loket)

        # Ctrl+F, type, Enter: the single result opens (the hint promises it).
        page.table.setFocus()
        key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert focused() is page.search_edit
        type_slowly(qtbot, f"{tag} ani")
        assert page.model.rowCount() == 1
        key(qtbot, Qt.Key.Key_Return, delay=60)
        wait_open(qtbot, loket, ani["id"])
        activate(qtbot, loket)
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: wb.application is None, timeout=WAIT)
        assert window.stack.currentWidget() is page

        # Several results: Down goes into them, on the first row; Enter there opens it.
        activate(qtbot, loket)
        key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert focused() is page.search_edit
        type_slowly(qtbot, tag.lower())
        assert page.model.rowCount() == 2
        key(qtbot, Qt.Key.Key_Down)
        assert focused() is page.table
        assert page.table.currentIndex().row() == 0
        assert page.table.selectionModel().isRowSelected(0)
        first = page.current_id()
        assert first is not None
        key(qtbot, Qt.Key.Key_Return)
        wait_open(qtbot, loket, first)
        activate(qtbot, loket)
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: wb.application is None, timeout=WAIT)

        # Enter with several results also goes into them (it cannot know which one to open).
        activate(qtbot, loket)
        key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        key(qtbot, Qt.Key.Key_Return, delay=60)
        assert focused() is page.table and page.table.currentIndex().row() == 0
        assert wb.application is None

        # Esc in the search box clears it; the whole queue is back.
        key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert page.search_edit.text() == tag.lower()
        key(qtbot, Qt.Key.Key_Escape)
        assert page.search_edit.text() == ""
        assert page.model.rowCount() > 2
        assert focused() is page.search_edit

        # One Tab from the search box reaches the table, Shift+Tab goes back.
        key(qtbot, Qt.Key.Key_Tab)
        assert focused() is page.table
        key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert focused() is page.search_edit

        # Typing on the table searches (and is visible in the search box).
        page.table.setFocus()
        type_slowly(qtbot, "bud")
        assert focused() is page.search_edit and page.search_edit.text() == "bud"


def shortcut_dialog() -> QDialog | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QDialog)
            and widget.isVisible()
            and "Pintasan" in widget.windowTitle()
        ):
            return widget
    return None


def test_f1_lists_every_shortcut_from_anywhere_in_indonesian(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Bantu" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Citra")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        activate(qtbot, loket)
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None

        for where in ("table", "search", "settings", "workbench"):
            activate(qtbot, loket)
            if where == "table":
                page.table.setFocus()
            elif where == "search":
                page.search_edit.setFocus()
            elif where == "settings":
                assert loket.session is not None and loket.session.shell.settings_page
                window.open_page(loket.session.shell.settings_page)
                window.stack.currentWidget().setFocus()
            else:
                window.open_page(page)
                search(qtbot, loket, tag.lower())
                page.table.setFocus()
                page.select_id(app["id"])
                qtbot.wait(60)  # not one fast burst with the search typed above (a "scan")
                key(qtbot, Qt.Key.Key_Return)
                wait_open(qtbot, loket, app["id"])
                qtbot.waitUntil(workbench(loket).holds_claim, timeout=WAIT)  # buttons settled
                activate(qtbot, loket)
            key(qtbot, Qt.Key.Key_F1)
            qtbot.waitUntil(lambda: shortcut_dialog() is not None, timeout=WAIT)
            dialog = shortcut_dialog()
            assert dialog is not None
            text = dialog.findChild(QWidget, "shortcut_table")
            assert text is not None
            listed = text.toPlainText()  # type: ignore[attr-defined]
            for needed in ("F5", "Ctrl+F", "Ctrl+L", "F1", "Esc", "Enter"):
                assert needed in listed, needed
            buttons = dialog.findChild(QDialogButtonBox)
            assert buttons is not None
            assert [b.text() for b in buttons.buttons()] == ["Tutup"]
            qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
            key(qtbot, Qt.Key.Key_Escape)
            qtbot.waitUntil(lambda: shortcut_dialog() is None, timeout=WAIT)
