"""Issue 10: the status bar's outbox counts open the Sinkronisasi page not only by F9 but by
the keyboard's Tab + Enter and by a mouse click, in the real signed-in window. The count comes
from a real store write (an entry the outbox cannot read: waiting, then refused; it stays)."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.models import outbox
from desktop.models.outbox import EntryKind
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, activate, key, running_app, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
MAX_TABS = 80


def test_counts_open_the_page_by_tab_and_enter_and_by_a_click(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, shell, store = loket.window, loket.shell, loket.store
        assert window is not None and shell is not None and store is not None
        button = shell.outbox_label
        assert loket.session is not None
        sync_page = loket.session.shell.sync_page
        assert sync_page is not None
        store.write(
            lambda conn: outbox.add_entry(
                conn,
                transaction_id=str(uuid.uuid4()),
                app_id=str(uuid.uuid4()),
                kind=EntryKind.DECISION,
                payload={},  # unreadable: refused by the sender, kept and counted
                label="verify",
                user_id="u",
                now=0,
            )
        )
        # "1 menunggu" (until a round refuses it: "1 ditolak server"); either way counted.
        qtbot.waitUntil(lambda: button.text().startswith("1 "), timeout=WAIT)
        qtbot.waitUntil(button.isVisible, timeout=WAIT)
        assert window.current_page is loket.queue_page

        # Tab from the queue until the counts have the focus, then Enter.
        activate(qtbot, loket)
        for _ in range(MAX_TABS):
            if QApplication.focusWidget() is button:
                break
            key(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is button, "the counts are not in the Tab order"
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is sync_page, timeout=WAIT)

        # Back to Antrean (Esc on the page), then a click on the counts.
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: window.current_page is loket.queue_page, timeout=WAIT)
        assert window.stack.currentWidget() is not sync_page
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is sync_page, timeout=WAIT)
        assert window.current_page is sync_page
