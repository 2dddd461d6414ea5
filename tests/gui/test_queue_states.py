"""Issue 8: what the queue says while it loads, when nothing matches, where a supervisor starts,
the 30-day local window, the office filter of ~90 offices, plain status wording, and the
placeholder pages shown whole at 1366x768. Real app, real server, real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import TERMINAL_STATES
from tests.desktop.support import MemoryKeyring
from tests.faultproxy import FaultProxy, Setting
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    WAIT,
    activate,
    click_nav,
    focused,
    key,
    running_app,
    sign_in,
    type_slowly,
    wait_pulled,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

FINISHED = {s.label for s in TERMINAL_STATES}
FIRST_PULL_HELD_MS = 1000
"""Each answer of the first sign-in's connections waits this long (FaultProxy latency), so the
first pull is surely still on its way when the loading state is looked at, on a busy PC too."""


def test_first_pull_shows_loading_then_a_filter_without_result_says_so(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with FaultProxy(live_server.url) as proxy, running_app(proxy.url, memory_keyring) as loket:
        proxy.latency(FIRST_PULL_HELD_MS)
        sign_in(qtbot, loket, "verifier1", wait_pull=False)
        page = loket.queue_page
        shell = loket.shell
        assert page is not None and shell is not None
        qtbot.waitUntil(lambda: page.footer_label.text() == "Memuat antrean…", timeout=WAIT)
        assert shell.pulling and shell.last_pull is None  # the first pull is on its way
        assert page.empty_state.isVisible() and "Memuat antrean" in page.empty_state.text()
        assert page.model.rowCount() == 0
        proxy.set(Setting(), close_open=False)  # the held answers come; new connections pass
        wait_pulled(qtbot, loket)
        qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT)
        assert not page.empty_state.isVisible()
        assert page.footer_label.text().startswith("Menampilkan")

        activate(qtbot, loket)
        page.search_edit.setFocus()
        type_slowly(qtbot, "zzqx")
        assert page.model.rowCount() == 0
        assert page.empty_state.isVisible()
        assert "Tidak ada permohonan yang cocok" in page.empty_state.text()
        button = page.empty_state.clear_button
        assert button.isVisible() and button.text() == "Hapus saringan"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert page.search_edit.text() == ""
        assert page.model.rowCount() > 0 and not page.empty_state.isVisible()


def test_supervisor_starts_with_open_work_and_the_local_window_is_explained(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "supervisor1")
        page = loket.queue_page
        assert page is not None
        checked = page.status_group.checkedButton()
        assert checked is not None and checked.text().startswith("Belum selesai")
        assert page.model.rowCount() > 0
        statuses = {page.model.data(page.model.index(r, 4)) for r in range(page.model.rowCount())}
        assert not statuses & FINISHED
        assert not page.window_note.isVisible()  # open work is never purged locally

        for key_ in ("completed", ""):  # finished ones, and everything
            qtbot.mouseClick(page.status_buttons[key_], Qt.MouseButton.LeftButton)
            assert page.window_note.isVisible()
            note = page.window_note.text()
            assert "30 hari" in note and "server" in note


@pytest.mark.qt_log_ignore(
    OFFSCREEN_SIZE_HINTS,
    # the completer's popup, on the offscreen platform (no window manager)
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
)
def test_office_filter_is_grouped_by_kecamatan_and_searchable(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "supervisor1")
        page = loket.queue_page
        assert page is not None
        combo = page.office_combo
        qtbot.waitUntil(lambda: combo.findText("Kecamatan Sukajadi") > 0, timeout=WAIT)
        labels = [combo.itemText(i) for i in range(combo.count())]
        kecamatan = combo.findText("Kecamatan Sukajadi")
        jadirejo = combo.findText("Kelurahan Jadirejo")
        assert 0 < kecamatan < jadirejo
        # every office between the kecamatan and Jadirejo lies in that kecamatan
        for i in range(kecamatan, jadirejo + 1):
            assert str(combo.itemData(i)).startswith("14.71.01"), labels[i]
        assert combo.itemData(jadirejo, int(Qt.ItemDataRole.UserRole) + 2) == 1  # indented

        # Type to search, pick with the keyboard.
        activate(qtbot, loket)
        combo.setFocus()
        assert combo.isEditable() and focused() in (combo, combo.lineEdit())
        combo.lineEdit().selectAll()
        type_slowly(qtbot, "jadir")
        assert combo.lineEdit().text() == "jadir", (combo.lineEdit().text(), focused())
        completer = combo.completer()
        qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=WAIT)
        shown = [
            completer.completionModel().index(r, 0).data()
            for r in range(completer.completionCount())
        ]
        assert shown == ["Kelurahan Jadirejo"]
        key(qtbot, Qt.Key.Key_Down)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: combo.currentData() == "14.71.01.1002", timeout=WAIT)
        assert page.model.query.office_code == "14.71.01.1002"
        offices = {page.model.data(page.model.index(r, 5)) for r in range(page.model.rowCount())}
        assert offices <= {"Kelurahan Jadirejo"}

        # Text that names no office goes back to the chosen one; empty means all offices.
        combo.lineEdit().selectAll()
        type_slowly(qtbot, "tidak ada")
        key(qtbot, Qt.Key.Key_Tab)
        assert combo.currentText() == "Kelurahan Jadirejo"
        combo.setFocus()
        combo.lineEdit().selectAll()
        key(qtbot, Qt.Key.Key_Delete)
        key(qtbot, Qt.Key.Key_Return)
        assert combo.currentIndex() == 0 and page.model.query.office_code is None


def test_status_wording_is_plain(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        text = window.sync_label.text()
        assert "Antrean diperbarui" in text
        for jargon in ("Tarik", "tertunda", "penarikan"):
            assert jargon not in text and jargon not in window.sync_label.toolTip()


def test_placeholder_pages_show_their_whole_text_at_1366x768(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        window = loket.window
        assert window is not None
        window.resize(1366, 768)
        for title in ("Loket", "Laporan"):
            click_nav(qtbot, loket, title)
            page = window.stack.currentWidget()
            qtbot.waitExposed(page)
            qtbot.wait(50)
            labels = [label for label in page.findChildren(QLabel) if label.isVisible()]
            assert len(labels) >= 2
            for label in labels:
                if label.wordWrap():
                    needed = label.heightForWidth(label.contentsRect().width())
                    assert label.contentsRect().height() >= needed, (title, label.text())
                else:
                    assert label.width() >= label.sizeHint().width(), (title, label.text())
                inside = QRect(label.mapTo(page, QPoint(0, 0)), label.size())
                assert page.rect().contains(inside), (title, label.text())


def test_an_empty_status_tab_is_said_plainly_with_nothing_to_clear(
    qtbot: QtBot, fresh_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """operator1 starts on "Perlu perbaikan (0)": good news, not a filter problem, and
    "Hapus saringan" (which jumped to "Semua") has nothing to clear there. On a server of its
    own with no applications: the shared server's seed depends on the time of day (office hours
    from now), and at 19.30 WIB it gave operator1's office an application to revise."""
    with running_app(fresh_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        page = loket.queue_page
        assert page is not None
        checked = page.status_group.checkedButton()
        assert checked is not None and checked.text().startswith("Perlu perbaikan")
        qtbot.waitUntil(lambda: page.empty_state.isVisible(), timeout=WAIT)
        assert page.model.rowCount() == 0
        assert page.empty_state.text().startswith("Tidak ada permohonan berstatus Perlu perbaikan.")
        assert not page.empty_state.clear_button.isVisible()
        activate(qtbot, loket)
        page.search_edit.setFocus()
        type_slowly(qtbot, "zzqx")  # now a real filter: the way out is offered
        assert "Tidak ada permohonan yang cocok" in page.empty_state.text()
        assert page.empty_state.clear_button.isVisible()
