"""Driving the real desktop (LoketApp) the way a person does, for the shell GUI tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from keyring.backend import KeyringBackend
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.workflow import Action
from desktop.services.vault import KdfParams
from desktop.settings import load_settings
from desktop.views.workbench import WorkbenchWidget

PASSWORD = "loket-demo"
TEST_KDF = KdfParams(time_cost=1, memory_kib=1024)
"""Cheap argon2id for tests, passed explicitly (the app's default is this PC's calibration)."""
WAIT = 20_000
SHOTS = Path(os.environ.get("LOKET_SHOTS_DIR", "/tmp"))
"""Where review screenshots go (`LOKET_SHOTS_DIR`, else /tmp): one place, not a path per test."""
DOC_SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("LOKET_UPDATE_SCREENSHOTS")
    else SHOTS
)
"""Where the screenshots the manual shows are saved: docs/screenshots only when asked
(`LOKET_UPDATE_SCREENSHOTS=1`); a plain test run must not change committed files."""


def shot(widget: QWidget, name: str) -> Path:
    """Save `widget` as it is now to SHOTS/`name` for a reviewer's eye; asserts nothing."""
    path = SHOTS / name
    widget.grab().save(str(path))
    return path


@contextmanager
def running_app(
    server_url: str, keyring_backend: KeyringBackend | None = None, **changes: object
) -> Iterator[LoketApp]:
    settings = load_settings().with_changes(server_url=server_url, **changes)
    loket = LoketApp(settings, keyring_backend=keyring_backend, kdf_params=TEST_KDF)
    try:
        yield loket
    finally:
        loket.shutdown()
        for w in QApplication.topLevelWidgets():
            w.close()
            w.deleteLater()


def sign_in(
    qtbot: QtBot,
    loket: LoketApp,
    username: str,
    password: str = PASSWORD,
    *,
    wait_pull: bool = True,
) -> None:
    if loket.signin_dialog is None:
        loket.start()
    dialog = loket.signin_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.username_edit.clear()
    qtbot.keyClicks(dialog.username_edit, username)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
    assert loket.window is not None
    qtbot.waitExposed(loket.window)
    if wait_pull:
        wait_pulled(qtbot, loket)


def activate(qtbot: QtBot, loket: LoketApp) -> None:
    """Window shortcuts (F5, Ctrl+F) fire only in the active window."""
    window = loket.window
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def wait_pulled(qtbot: QtBot, loket: LoketApp) -> None:
    """A pull has ended and the queue shows what it brought (it refreshes itself from the
    store's change events, a moment after the pull's last page)."""
    assert loket.shell is not None
    qtbot.waitUntil(
        lambda: (
            loket.shell is not None
            and loket.shell.last_pull is not None
            and not loket.shell.pulling
        ),
        timeout=WAIT,
    )
    wait_queue_current(qtbot, loket)


def wait_queue_current(qtbot: QtBot, loket: LoketApp) -> None:
    """No store change is waiting to be read by the queue page."""
    page = loket.queue_page
    assert page is not None
    qtbot.waitUntil(lambda: not page.refresh_pending, timeout=WAIT)


def pull_now(qtbot: QtBot, loket: LoketApp) -> None:
    """Trigger the F5 action and wait for the pull to end (either way).

    The action is triggered directly: whether the offscreen platform considers the window
    active is not what these tests are about (test_keyboard covers the key binding).
    """
    assert loket.window is not None and loket.shell is not None
    qtbot.waitUntil(lambda: not loket.shell.pulling, timeout=WAIT)  # type: ignore[union-attr]
    done: list[object] = []
    loket.shell.pulled.connect(done.append)
    loket.shell.pull_failed.connect(done.append)
    loket.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    wait_queue_current(qtbot, loket)


def workbench(loket: LoketApp) -> WorkbenchWidget:
    assert loket.workbench is not None
    return loket.workbench.workbench


def search(qtbot: QtBot, loket: LoketApp, text: str) -> None:
    page = loket.queue_page
    assert page is not None and loket.window is not None
    loket.window.open_page(page)
    page.search_edit.clear()
    qtbot.keyClicks(page.search_edit, text)


def open_row(qtbot: QtBot, loket: LoketApp, row: int = 0) -> str:
    """Select a queue row and press Enter; wait until the workbench shows it."""
    page = loket.queue_page
    assert page is not None and loket.window is not None
    app_id = page.model.id_at(row)
    assert app_id
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(row, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    wait_open(qtbot, loket, app_id)
    return app_id


def wait_open(qtbot: QtBot, loket: LoketApp, app_id: str) -> None:
    wb = workbench(loket)
    try:
        qtbot.waitUntil(
            lambda: wb.application is not None and wb.application.id == app_id and not wb.busy,
            timeout=WAIT,
        )
    except Exception:
        print(
            "DEBUG",
            wb.application and wb.application.id,
            app_id,
            wb.busy,
            wb.message_label.text(),
            loket.window.stack.currentIndex() if loket.window else None,
        )
        raise
    assert_in_queue_flow(loket)


def assert_in_queue_flow(loket: LoketApp) -> None:
    """The workbench is on screen as part of the queue: "Antrean" stays highlighted."""
    window, host = loket.window, loket.workbench and loket.workbench.host
    assert window is not None and host is not None
    assert window.stack.currentWidget() is host
    assert window.current_page is loket.queue_page
    assert [i.text() for i in window.nav.selectedItems()] == ["Antrean"]


def decide(qtbot: QtBot, loket: LoketApp, action: Action, reason: str = "") -> None:
    """Press the decision button; answer the reason dialog or confirmation like a person."""
    wb = workbench(loket)
    button: QPushButton = wb.action_buttons[action]
    qtbot.waitUntil(button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    if reason:
        qtbot.waitUntil(
            lambda: wb.reason_dialog is not None and wb.reason_dialog.isVisible(), timeout=WAIT
        )
        dialog = wb.reason_dialog
        assert dialog is not None
        dialog.editor.clear()
        qtbot.keyClicks(dialog.editor, reason)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.wait(50)
        box = wb.confirm_box
        if box is not None and box.isVisible():  # "verify although items are not ticked?"
            yes = next(
                b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
            )
            qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)


def press_verify(qtbot: QtBot, loket: LoketApp) -> None:
    """Ctrl+Shift+Y ("Verifikasi") on the open application, the window active first (window
    shortcuts fire only in the active window)."""
    wb = workbench(loket)
    activate(qtbot, loket)
    wb.setFocus()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    key(qtbot, Qt.Key.Key_Y, ctrl_shift)


def answer_yes(qtbot: QtBot, box: QMessageBox) -> None:
    """The box's accepting button, by keys: focus it and press Space (Enter is never a
    decision's default)."""
    yes = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    yes.setFocus()
    qtbot.keyClick(yes, Qt.Key.Key_Space)


def verify_by_keys(qtbot: QtBot, loket: LoketApp) -> None:
    """`press_verify`, then "verify anyway?" (no documents were uploaded) answered yes."""
    wb = workbench(loket)
    press_verify(qtbot, loket)
    qtbot.waitUntil(lambda: wb.confirm_box is not None and wb.confirm_box.isVisible(), timeout=WAIT)
    box = wb.confirm_box
    assert box is not None
    answer_yes(qtbot, box)


def wait_message(qtbot: QtBot, loket: LoketApp, kind: str) -> str:
    wb = workbench(loket)
    qtbot.waitUntil(lambda: not wb.busy and getattr(wb, "message_kind", "") == kind, timeout=WAIT)
    return str(wb.message_label.text())


def tick_all(loket: LoketApp) -> None:
    wb = workbench(loket)
    for row in wb.checklist.rows:
        wb.checklist.select(row.data.code)
        wb.checklist.mark_selected(True)


def click_nav(qtbot: QtBot, loket: LoketApp, text: str) -> None:
    """Click a navigation item with the mouse, as a person does."""
    window = loket.window
    assert window is not None
    item = window.nav.findItems(text, Qt.MatchFlag.MatchExactly)[0]
    qtbot.mouseClick(
        window.nav.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.nav.visualItemRect(item).center(),
    )


# -- keys where a real keyboard sends them ------------------------------------------------------


def focused() -> QWidget:
    """The widget with the keyboard focus; a test fails when nothing has it (as a person's
    keys would go nowhere)."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def key(
    qtbot: QtBot,
    k: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    delay: int = -1,
) -> None:
    """One key where a real keyboard sends it: an open popup, else the focused widget."""
    qtbot.keyClick(QApplication.activePopupWidget() or focused(), k, modifier, delay)


def type_slowly(qtbot: QtBot, text: str) -> None:
    """A person: 60 ms or more between keys (a faster burst ending in Enter reads as a scan)."""
    for ch in text:
        qtbot.keyClick(focused(), ch, delay=60)


_READER_KEYS = {"-": Qt.Key.Key_Minus, ".": Qt.Key.Key_Period, "/": Qt.Key.Key_Slash}


def reader_scan(code: str) -> None:
    """A USB barcode reader: each key 5 ms after the last BY THE EVENTS' OWN TIMESTAMPS (a real
    reader's X/Windows key events carry them, and the wedge reads them), then Enter, sent to the
    focused widget. QTest's key events carry timestamp 0, so the wedge fell back to processing
    time, which a loaded test machine stretched past its 40 ms: a scan became typing (flaky
    `test_offline_day` and scan cases under xdist)."""
    stamp = int(time.monotonic() * 1000)
    for ch in [*code, "\r"]:
        if ch == "\r":
            key, text = Qt.Key.Key_Return, "\r"
        else:
            key = _READER_KEYS.get(ch) or Qt.Key(ord(ch.upper()))
            text = ch
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            target = QApplication.focusWidget()
            assert target is not None, "nothing has the keyboard focus"
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            event.setTimestamp(stamp)
            QApplication.sendEvent(target, event)
        stamp += 5
    QApplication.processEvents()


def when_modal(qtbot: QtBot, kind: type, act: Callable[[QDialog], None]) -> list[QDialog]:
    """Run `act` on the modal dialog of `kind` once it is up (inside its own event loop)."""
    seen: list[QDialog] = []

    def drive() -> None:
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind))
        modal = QApplication.activeModalWidget()
        assert isinstance(modal, QDialog)
        seen.append(modal)
        try:
            act(modal)
        except BaseException:
            modal.reject()  # never leave a test hanging in a modal loop
            raise

    QTimer.singleShot(0, drive)
    return seen
