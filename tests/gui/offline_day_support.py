"""What the offline-day GUI test (test_offline_day.py) does the way a person or the PC does it:
the offline sign-in in the real dialog, the password once when the server answers again, work
run on the app's own runner (a worker, as the views do), and reading the server as an
administrator would."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.models import audit_log
from desktop.models import outbox as outbox_table
from desktop.models.store import Store
from desktop.services.tasks import TaskContext
from tests.desktop.support import Remote
from tests.gui.shell_helpers import PASSWORD, WAIT, activate, key, workbench

T = TypeVar("T")

PDF_SIZE = 2048
KEPT = "Keputusan disimpan di komputer ini"


def small_pdf(folder: Path, name: str) -> Path:
    """A 2 KB scan: a PDF header and random bytes (the server sniffs the header only)."""
    path = folder / f"{name}.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(PDF_SIZE - 16) + b"\n%%EOF\n")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def on_worker(qtbot: QtBot, loket: LoketApp, name: str, fn: Callable[[], T], timeout: int) -> T:
    """Run `fn` on the app's runner (a worker thread, as a view's op does) and wait for it."""
    done: list[T] = []
    failed: list[Exception] = []

    def work(_ctx: TaskContext) -> T:
        return fn()

    loket.runner.submit(name, work, on_done=done.append, on_error=failed.append)
    qtbot.waitUntil(lambda: bool(done or failed), timeout=timeout)
    if failed:
        raise failed[0]
    return done[0]


def sign_in_offline(qtbot: QtBot, loket: LoketApp, username: str) -> None:
    """The real sign-in dialog with the server unreachable: name, password, Enter (refused:
    the server cannot be reached, "Masuk luring" offered), Enter again = Masuk luring."""
    if loket.signin_dialog is None:
        loket.start()
    dialog = loket.signin_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    if dialog.username_edit.text() != username:
        dialog.username_edit.clear()
        qtbot.keyClicks(dialog.username_edit, username)
    dialog.password_edit.setFocus()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.failed, timeout=WAIT):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert "Server tidak dapat dihubungi" in dialog.message_label.text()
    assert dialog.offline_mode and dialog.sign_in_button.text() == "Masuk luring"
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter = Masuk luring
    qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
    assert loket.window is not None and loket.auth is not None and loket.auth.offline
    qtbot.waitExposed(loket.window)


def password_once_when_back(qtbot: QtBot, loket: LoketApp, timeout: int) -> None:
    """Signed in offline after a sign-out (no refresh token kept): when the server answers
    again the window locks and asks the password once; typed, Enter. Nothing else is pressed:
    no sync button, no F5."""
    window = loket.window
    assert window is not None
    overlay = window.overlay
    qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=timeout)
    assert "Server tersambung kembali" in overlay.reason_label.text()
    overlay.password_edit.setFocus()
    qtbot.keyClicks(overlay.password_edit, PASSWORD)
    qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
    try:
        qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)
    except Exception:
        auth = loket.auth
        print(
            "still locked:", overlay.mode, repr(overlay.reason_label.text()),
            "error:", repr(overlay.error_label.text()), "checking:", overlay.checking,
            "session valid:", auth is not None and auth.session_valid,
        )  # fmt: skip
        raise
    assert loket.auth is not None and not loket.auth.offline and loket.auth.session_valid


def unsent(store: Store) -> int:
    """Outbox entries not yet done (terkirim or dibuang) plus audit events not yet accepted."""
    return store.read(
        lambda conn: sum(outbox_table.counts(conn).values()) + audit_log.count_unpushed(conn)
    )


def describe_unsent(store: Store) -> str:
    """What is still unsent, for a failure's message."""
    entries = [e for e in store.outbox_entries() if e.state.value in outbox_table.UNSENT]
    states: dict[str, int] = {}
    for e in entries:
        states[f"{e.kind}/{e.state}"] = states.get(f"{e.kind}/{e.state}", 0) + 1
    first = [(e.kind, e.state, e.reason) for e in entries[:3]]
    audit = store.read(audit_log.count_unpushed)
    return f"outbox {states}, first {first}, audit unpushed {audit}"


def chain_of(store: Store) -> tuple[str, int]:
    """(this store's audit chain id, its number of events)."""
    events = store.read(audit_log.events)
    assert events, "no audit events recorded"
    chains = {e.chain_id for e in events}
    assert len(chains) == 1, chains  # one chain per store
    return events[0].chain_id, len(events)


def server_search(remote: Remote, text: str) -> list[dict[str, Any]]:
    r = remote.http.get(remote.api + "/applications", params={"q": text, "limit": 200}, timeout=30)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def verify_by_keyboard(qtbot: QtBot, loket: LoketApp) -> None:
    """Ctrl+Shift+Y ("Verifikasi") in the workbench; a confirmation, if asked, answered with
    Space on its accept button; then the workbench says it is kept on this PC."""
    wb = workbench(loket)
    assert KEPT not in wb.message_label.text()  # the previous one's line is gone
    activate(qtbot, loket)  # window shortcuts fire only in the active window
    wb.setFocus()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    key(qtbot, Qt.Key.Key_Y, ctrl_shift)

    def asked() -> bool:
        return wb.confirm_box is not None and wb.confirm_box.isVisible()

    qtbot.waitUntil(lambda: asked() or KEPT in wb.message_label.text(), timeout=WAIT)
    box = wb.confirm_box
    if asked() and box is not None:  # "verify although ...?": yes, by keyboard
        yes = next(
            b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
        )
        yes.setFocus()
        qtbot.keyClick(yes, Qt.Key.Key_Space)
    try:
        qtbot.waitUntil(lambda: KEPT in wb.message_label.text(), timeout=WAIT)
    except Exception:
        print("workbench says:", wb.message_label.text())
        raise
