"""First run, "Uji koneksi" and sign-in, with the real server and real failures."""

from __future__ import annotations

import logging
import socket

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.settings import load_settings
from tests.desktop.fixtures import LoketDirs
from tests.desktop.support import MemoryKeyring, TcpProxy, files_containing, records_containing
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, running_app, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_run_server_dialog_tests_the_connection(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app("", memory_keyring) as loket:
        loket.start()
        dialog = loket.server_dialog
        assert dialog is not None and loket.signin_dialog is None
        qtbot.waitExposed(dialog)
        assert not dialog.save_button.isEnabled()

        qtbot.keyClicks(dialog.url_edit, f"http://127.0.0.1:{free_port()}")
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert "menolak sambungan" in dialog.result_label.text()
        assert not dialog.save_button.isEnabled()

        dialog.url_edit.clear()
        qtbot.keyClicks(dialog.url_edit, live_server.url)
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert "Tersambung ke server Loket" in dialog.result_label.text()
        assert dialog.save_button.isEnabled()
        qtbot.keyClicks(dialog.url_edit, "x")  # edited after the test: test again first
        assert not dialog.save_button.isEnabled()
        qtbot.keyClick(dialog.url_edit, Qt.Key.Key_Backspace)
        assert dialog.save_button.isEnabled()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        assert live_server.url in loket.signin_dialog.server_label.text()  # type: ignore[union-attr]
        assert load_settings().server_url == live_server.url  # saved


def test_sign_in_failures_then_success(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    loket_dirs: LoketDirs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with running_app(live_server.url, memory_keyring) as loket:
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.username_edit, "verifier1")
        qtbot.keyClicks(dialog.password_edit, "salah-sandi")
        with qtbot.waitSignal(dialog.failed, timeout=WAIT) as failed:
            qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert failed.args == ["invalid_credentials"]
        assert dialog.message_label.text() == "Nama pengguna atau kata sandi salah."
        assert dialog.isVisible() and dialog.username_edit.text() == "verifier1"
        assert loket.window is None
        dialog.password_edit.clear()
        sign_in(qtbot, loket, "verifier1")
        assert loket.window is not None
        secrets = [
            loket.auth._tokens.access,
            loket.auth._tokens.refresh,  # type: ignore[union-attr]
            PASSWORD,
            "salah-sandi",
        ]
        assert load_settings().last_username == "verifier1"
        assert len(memory_keyring.sessions) == 1
    assert memory_keyring.sessions == {}  # exit signs out and clears the keyring
    assert files_containing(loket_dirs.roots, secrets) == []
    assert records_containing(caplog.records, caplog.text, secrets) == []


def test_server_down_at_sign_in_then_back(
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
            qtbot.keyClicks(dialog.password_edit, PASSWORD)
            with qtbot.waitSignal(dialog.failed, timeout=WAIT):
                qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
            text = dialog.message_label.text()
            assert "Server tidak dapat dihubungi" in text and "menolak sambungan" in text
            assert dialog.sign_in_button.isEnabled() and not dialog.busy
            assert dialog.password_edit.text() == PASSWORD  # nothing typed is lost
            proxy.up()
            qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
    finally:
        proxy.close()


def test_insecure_keyring_is_explained_and_nothing_is_written(
    qtbot: QtBot,
    live_server: LiveServer,
    loket_dirs: LoketDirs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One calm line, not a red warning, with "Mengapa?" explaining (by keyboard too); after
    sign-in a quiet permanent note in the status bar that hides nothing."""
    caplog.set_level(logging.DEBUG)
    with running_app(live_server.url, fail.Keyring()) as loket:
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        assert not dialog.message_label.isVisible()  # no red text
        note = dialog.keyring_note
        assert note.isVisible() and "hanya disimpan di memori" in note.text()
        assert "Mengapa?" in note.text()
        assert note.sizeHint().height() < 2 * note.fontMetrics().height()  # one line
        assert "#b3261e" not in note.styleSheet()
        note.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(note, Qt.Key.Key_Tab)  # the link itself takes keyboard focus
        qtbot.keyClick(note, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: note.box is not None and note.box.isVisible(), timeout=WAIT)
        assert note.box is not None
        explanation = note.box.informativeText()
        assert "berkas biasa" in explanation and "tidak aman" in explanation
        assert "memori" in explanation and "administrator" in explanation
        qtbot.keyClick(note.box, Qt.Key.Key_Return)  # "Mengerti" is the default
        qtbot.waitUntil(lambda: note.box is None or not note.box.isVisible(), timeout=WAIT)
        assert dialog.isVisible() and not dialog.message_label.isVisible()  # nothing else ran
        sign_in(qtbot, loket, "verifier1")
        assert loket.window is not None and loket.auth is not None
        window = loket.window
        assert window.keyring_note.isVisible() and "memori" in window.keyring_note.explanation
        assert window.statusBar().currentMessage() == ""  # nothing covers the states
        assert window.connection_label.isVisible()
        secrets = [loket.auth._tokens.access, loket.auth._tokens.refresh, PASSWORD]  # type: ignore[union-attr]
        assert files_containing(loket_dirs.roots, secrets) == []
    assert records_containing(caplog.records, caplog.text, secrets) == []


def test_change_server_from_sign_in(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: loket.server_dialog is not None, timeout=WAIT)
        server = loket.server_dialog
        assert server is not None and server.url_edit.text() == live_server.url
        server.reject()  # cancel: back to sign-in with the old server
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)


def test_quit_from_sign_in(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        loket.start()
        assert isinstance(loket, LoketApp) and loket.signin_dialog is not None
        with qtbot.waitSignal(loket.quit_requested, timeout=WAIT):
            loket.signin_dialog.reject()


def test_plain_http_to_another_computer_is_refused_in_the_server_dialog(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The connection test refuses http:// to a network server with a clear Indonesian reason
    (the password would cross the network unencrypted); http://127.0.0.1 (the demo) works."""
    with running_app("", memory_keyring) as loket:
        loket.start()
        dialog = loket.server_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        qtbot.keyClicks(dialog.url_edit, "http://192.0.2.10:8765")
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        text = dialog.result_label.text()
        assert "tidak diizinkan" in text and "https://" in text and "127.0.0.1" in text
        assert not dialog.save_button.isEnabled()
        dialog.url_edit.clear()
        qtbot.keyClicks(dialog.url_edit, live_server.url)  # http://127.0.0.1:<port>
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert "Tersambung ke server Loket" in dialog.result_label.text()
        assert dialog.save_button.isEnabled()


def test_saved_plain_http_server_is_refused_at_start(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    """A settings file (edited by hand, or from an older version) naming http:// to another
    computer: the app opens the server dialog with the reason instead of signing in over it."""
    with running_app("http://loket.pekanbaru.go.id", memory_keyring) as loket:
        loket.start()
        assert loket.signin_dialog is None and loket.server_dialog is not None
        assert "tidak diizinkan" in loket.server_dialog.result_label.text()
