"""Offline sign-in in the real sign-in dialog (issue 10): signed in online once on this PC, the
server then unreachable, the dialog offers "Masuk luring" by keyboard alone; the session opens on
the encrypted local store; when the server answers again the lock asks for the password once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.models import cipher
from tests.desktop.support import MemoryKeyring, TcpProxy
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, running_app, shot, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def test_offline_sign_in_by_keyboard_then_the_server_returns(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        with running_app(proxy.url, memory_keyring) as loket:
            sign_in(qtbot, loket, "verifier1")  # online once on this PC
            assert loket.store is not None and loket.store.encrypted
            store_path = loket.store.path
            loket.sign_out()
            assert cipher.is_plain(store_path) is False  # encrypted at rest
            proxy.down()
            dialog = loket.signin_dialog
            assert dialog is not None
            qtbot.waitExposed(dialog)
            assert dialog.username_edit.text() == "verifier1"
            qtbot.keyClicks(dialog.password_edit, PASSWORD)
            with qtbot.waitSignal(dialog.failed, timeout=WAIT):
                qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
            assert "Server tidak dapat dihubungi" in dialog.message_label.text()
            assert dialog.offline_mode and dialog.offline_label.isVisible()
            assert dialog.sign_in_button.text() == "Masuk luring"
            assert "pekerjaan dikirim saat server tersambung" in dialog.offline_label.text()
            qtbot.waitUntil(lambda: dialog.offline_label.height() > 20, timeout=WAIT)
            shot(dialog, "b_offline_signin_dialog.png")
            qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter = Masuk luring
            qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
            window = loket.window
            assert window is not None and loket.auth is not None and loket.auth.offline
            qtbot.waitExposed(window)
            assert "Masuk luring" in window.statusBar().currentMessage()
            assert loket.store is not None and loket.store.encrypted
            assert loket.store.path == store_path and loket.store.count() > 0  # the local copy
            shot(window, "b_offline_signin_window.png")
            proxy.up()  # signed out before: no refresh token, so the password once
            overlay = window.overlay
            qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=WAIT)
            assert "Server tersambung kembali" in overlay.reason_label.text()
            shot(window, "b_offline_reauth.png")
            qtbot.keyClicks(overlay.password_edit, PASSWORD)
            qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)
            assert not loket.auth.offline and loket.auth.session_valid
    finally:
        proxy.close()


def test_offline_sign_in_is_not_offered_to_a_user_never_signed_in_here(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    proxy.down()
    try:
        with running_app(proxy.url, memory_keyring) as loket:
            loket.start()
            dialog = loket.signin_dialog
            assert dialog is not None
            qtbot.keyClicks(dialog.username_edit, "verifier1")
            qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Return)
            qtbot.keyClicks(dialog.password_edit, PASSWORD)
            with qtbot.waitSignal(dialog.failed, timeout=WAIT):
                qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
            assert not dialog.offline_mode and not dialog.offline_label.isVisible()
            assert dialog.sign_in_button.text() == "Masuk"
    finally:
        proxy.close()
