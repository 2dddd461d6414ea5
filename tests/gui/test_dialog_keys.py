"""Enter does the dialog's main action; a closing button is never the default (issue 8, item 1).

Driven by real key events on whatever widget has focus (`QApplication.focusWidget()`), in an
active window, the way a person at the counter uses the keyboard: the sign-in dialog, the
first-run server dialog, and the lock screen.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.services.api.client import ApiClient
from desktop.settings import load_settings
from desktop.views.dialogs import main_button, set_main_button
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, running_app, wait_pulled
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def press(qtbot: QtBot, key: Qt.Key) -> None:
    qtbot.keyClick(focused(), key)


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def make_active(qtbot: QtBot, window: QWidget) -> None:
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def quits(loket: LoketApp) -> list[bool]:
    seen: list[bool] = []
    loket.quit_requested.connect(lambda: seen.append(True))
    return seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoginGate:
    """Holds every POST /auth/login of the desktop until `open()`; the login then really happens
    on the server. Records the refresh tokens the server handed out."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.waiting = threading.Event()
        self.refresh_tokens: list[str] = []

    def open(self) -> None:
        self.opened.set()


@contextmanager
def gated_login(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoginGate]:
    gate = LoginGate()
    real = ApiClient.post_json

    def post_json(self: ApiClient, path: str, body: Any, **kwargs: Any) -> Any:
        if path == "/auth/login":
            gate.waiting.set()
            assert gate.opened.wait(30)
            answer = real(self, path, body, **kwargs)
            gate.refresh_tokens.append(answer["refresh_token"])
            return answer
        return real(self, path, body, **kwargs)

    monkeypatch.setattr(ApiClient, "post_json", post_json)
    try:
        yield gate
    finally:
        gate.open()


def revoked(server: LiveServer, refresh_token: str) -> bool:
    """One refresh with the token: 401 when its session was revoked. Call it once, after the
    desktop's work is done: a live token is rotated by the call (and reusing it would revoke
    the session, so polling would make itself true)."""
    r = requests.post(server.api + "/auth/refresh", json={"refresh_token": refresh_token})
    if r.status_code == 200:  # tidy up the session this check kept alive
        requests.post(
            server.api + "/auth/logout", json={"refresh_token": r.json()["refresh_token"]}
        )
    return r.status_code == 401


def default_buttons(widget: QWidget) -> list[str]:
    return [b.text() for b in widget.findChildren(QPushButton) if b.isDefault()]


# -- the sign-in dialog ------------------------------------------------------------------------


def test_keyboard_only_sign_in(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """Type the name, Enter, type the password, Enter: signed in, Loket did not close."""
    with running_app(live_server.url, memory_keyring) as loket:
        quit_seen = quits(loket)
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        make_active(qtbot, dialog)
        assert focused() is dialog.username_edit
        type_text(qtbot, "verifier1")
        press(qtbot, Qt.Key.Key_Return)
        assert focused() is dialog.password_edit
        assert not dialog.message_label.isVisible()  # Enter in the name is not an error
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        assert not quit_seen and dialog.busy
        qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
        assert not quit_seen
        wait_pulled(qtbot, loket)


def test_enter_and_escape_while_signing_in_never_close_loket(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the request is in flight: Enter does nothing, "Tutup aplikasi" is not the default,
    Esc cancels the sign-in (not Loket), and the late answer's session is revoked."""
    with gated_login(monkeypatch) as gate, running_app(live_server.url, memory_keyring) as loket:
        quit_seen = quits(loket)
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        make_active(qtbot, dialog)
        type_text(qtbot, "verifier1")
        press(qtbot, Qt.Key.Key_Return)
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        assert gate.waiting.wait(10)
        assert dialog.busy and not quit_seen
        assert "Tutup aplikasi" not in default_buttons(dialog)
        press(qtbot, Qt.Key.Key_Return)
        press(qtbot, Qt.Key.Key_Enter)
        assert dialog.isVisible() and dialog.busy and not quit_seen

        press(qtbot, Qt.Key.Key_Escape)  # cancels the sign-in, not the application
        assert dialog.isVisible() and not dialog.busy and not quit_seen
        assert "dibatalkan" in dialog.message_label.text()
        assert focused() is dialog.password_edit and dialog.password_edit.isEnabled()

        gate.open()  # the server answers after all: that session must not stay open
        qtbot.waitUntil(lambda: len(gate.refresh_tokens) == 1, timeout=WAIT)
        assert loket.runner.wait_idle(WAIT)
        qtbot.wait(100)  # callbacks of the finished op
        assert revoked(live_server, gate.refresh_tokens[0])
        assert loket.window is None and memory_keyring.sessions == {}

        dialog.password_edit.selectAll()
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Return)  # and a new attempt works
        qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
        assert not quit_seen


def test_closing_loket_while_signing_in_leaves_no_session_open(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with gated_login(monkeypatch) as gate, running_app(live_server.url, memory_keyring) as loket:
        quit_seen = quits(loket)
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        make_active(qtbot, dialog)
        type_text(qtbot, "verifier1")
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        assert gate.waiting.wait(10)
        quit_button = next(
            b for b in dialog.findChildren(QPushButton) if b.text() == "Tutup aplikasi"
        )
        qtbot.mouseClick(quit_button, Qt.MouseButton.LeftButton)  # a deliberate quit
        assert quit_seen
        threading.Timer(0.3, gate.open).start()  # the server answers while Loket exits
        loket.shutdown()
        assert loket.runner.wait_idle(WAIT)
        assert len(gate.refresh_tokens) == 1
        assert revoked(live_server, gate.refresh_tokens[0])
        assert memory_keyring.sessions == {}


# -- the first-run server dialog -----------------------------------------------------------------


def test_first_run_server_set_up_by_keyboard(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """Enter in the address tests it; once the test passed for exactly these values, Enter
    saves. A failed test followed by Enter tests again; it never cancels (and quits)."""
    with running_app("", memory_keyring) as loket:
        quit_seen = quits(loket)
        loket.start()
        dialog = loket.server_dialog
        assert dialog is not None
        make_active(qtbot, dialog)
        assert focused() is dialog.url_edit
        assert "Batal" not in default_buttons(dialog)

        type_text(qtbot, f"http://127.0.0.1:{free_port()}")
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            press(qtbot, Qt.Key.Key_Return)
        assert "menolak sambungan" in dialog.result_label.text()
        assert dialog.isVisible() and not quit_seen
        assert "Batal" not in default_buttons(dialog)

        # The mouse on "Uji koneksi" (the button is disabled while testing), then Enter.
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.progress.isVisible(), timeout=WAIT)
        assert "Batal" not in default_buttons(dialog)
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            press(qtbot, Qt.Key.Key_Return)  # tests again
        assert dialog.isVisible() and not quit_seen

        dialog.url_edit.setFocus()
        dialog.url_edit.selectAll()
        type_text(qtbot, live_server.url)
        with qtbot.waitSignal(dialog.tested, timeout=WAIT):
            press(qtbot, Qt.Key.Key_Return)
        assert "Tersambung ke server Loket" in dialog.result_label.text()
        assert default_buttons(dialog) == ["Simpan"]
        press(qtbot, Qt.Key.Key_Return)  # saves
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        assert load_settings().server_url == live_server.url
        assert not quit_seen


# -- the shared rule (desktop/views/dialogs.py) --------------------------------------------------


def small_dialog(qtbot: QtBot) -> tuple[QDialog, QLineEdit, QPushButton, QPushButton, list[str]]:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    edit = QLineEdit(dialog)
    box = QDialogButtonBox(dialog)
    send = box.addButton("Kirim", QDialogButtonBox.ButtonRole.AcceptRole)
    cancel = box.addButton("Batal", QDialogButtonBox.ButtonRole.RejectRole)
    assert isinstance(send, QPushButton) and isinstance(cancel, QPushButton)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(edit)
    layout.addWidget(box)
    seen: list[str] = []
    dialog.accepted.connect(lambda: seen.append("Kirim"))
    dialog.rejected.connect(lambda: seen.append("Batal"))
    return dialog, edit, send, cancel, seen


def test_no_main_button_means_enter_presses_nothing(qtbot: QtBot) -> None:
    """A dialog whose main action must not be one key away (a reason being typed): the
    button box does not sneak its first button in as the default when shown."""
    dialog, edit, _send, cancel, seen = small_dialog(qtbot)
    set_main_button(dialog, None)
    dialog.show()
    make_active(qtbot, dialog)
    assert default_buttons(dialog) == []
    edit.setFocus()
    type_text(qtbot, "alasan")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is cancel
    press(qtbot, Qt.Key.Key_Return)  # "Batal" has focus: Enter does not send
    assert seen == []
    press(qtbot, Qt.Key.Key_Space)  # Space presses the focused button
    assert seen == ["Batal"]


def test_main_button_holds_when_focus_moves_by_itself(qtbot: QtBot) -> None:
    dialog, edit, send, cancel, seen = small_dialog(qtbot)
    set_main_button(dialog, send)
    set_main_button(dialog, send)  # again: still one rule, one keeper
    assert main_button(dialog) is send
    dialog.show()
    make_active(qtbot, dialog)
    edit.setFocus()
    edit.setEnabled(False)  # focus moves on by itself, to a button
    assert focused() in (send, cancel)
    assert default_buttons(dialog) == ["Kirim"]
    press(qtbot, Qt.Key.Key_Return)
    assert seen == ["Kirim"]
