"""The lock screen: its message is shown whole at 1366x768 and smaller (issue 8, item 5), and
the password field's Enter unlocks and never does anything else (item 1), by real keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.auth import UserInfo
from desktop.services.tasks import default_runner
from desktop.views.shell.lock_overlay import LockOverlay
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

PASSWORD = "loket-demo"
LONG_REASON = (
    "Akun Anda dinonaktifkan oleh administrator, sehingga sesi diakhiri dan kredensial masuk di "
    "komputer ini dihapus. Hubungi administrator Disdukcapil/Diskominfo bila ini keliru."
)


def locked_page(qtbot: QtBot, width: int, height: int) -> tuple[QWidget, LockOverlay, list[str]]:
    page = QWidget()
    qtbot.addWidget(page)
    page.resize(width, height)
    events: list[str] = []

    def reauthenticate(password: str) -> UserInfo:
        raise AssertionError("local mode never goes to the server")

    overlay = LockOverlay(
        page,
        default_runner(),
        verify_local=lambda p: p == PASSWORD,
        reauthenticate=reauthenticate,
        user_label="Hj. Siti Nurhaliza Lubis binti Abdullah Rahman (verifikator.kecamatan01)",
    )
    overlay.unlocked.connect(lambda: events.append("unlocked"))
    overlay.sign_out_requested.connect(lambda: events.append("signed out"))
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page, overlay, events


def assert_whole(overlay: LockOverlay) -> None:
    """Every label of the card shows all its lines, and the card lies inside the cover."""
    card = overlay.password_edit.parentWidget()
    assert card is not None
    assert overlay.rect().contains(card.geometry()), (card.geometry(), overlay.rect())
    for label in card.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        needed = (
            label.heightForWidth(label.width())
            if label.wordWrap()
            else label.sizeHint().height()
        )
        assert label.height() >= needed, (label.text(), label.height(), needed)
        assert label.width() >= min(label.sizeHint().width(), card.contentsRect().width() - 48)
        assert card.rect().contains(label.geometry()), label.text()


@pytest.mark.parametrize(("width", "height"), [(1216, 690), (874, 540), (600, 420)])
def test_lock_message_is_shown_whole(qtbot: QtBot, width: int, height: int) -> None:
    """1216x690 is the central area of a maximised window on 1366x768 (taskbar, status bar);
    874x540 of the smallest window; 600x420 smaller still."""
    _page, overlay, _events = locked_page(qtbot, width, height)
    overlay.lock("reauth")  # the longest built-in message
    qtbot.wait(20)
    assert_whole(overlay)
    overlay.lock("reauth", LONG_REASON)
    overlay._fail("Kata sandi salah 3 kali. Coba lagi dalam 2 detik. " * 2)
    qtbot.wait(20)
    assert_whole(overlay)


def test_enter_in_the_password_unlocks_and_nothing_else(qtbot: QtBot) -> None:
    _page, overlay, events = locked_page(qtbot, 1216, 690)
    overlay.lock("local", "Loket dikunci.")
    assert QApplication.focusWidget() is overlay.password_edit

    for _ in range(3):  # three wrong passwords: the third makes it wait
        qtbot.keyClicks(QApplication.focusWidget(), "salah")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert "Coba lagi dalam" in overlay.error_label.text()
    # While waiting, keys typed on go nowhere: not to "Keluar dan ganti pengguna".
    focus = QApplication.focusWidget()
    assert focus is not None and focus.isEnabled()
    assert "Keluar" not in getattr(focus, "text", lambda: "")()
    qtbot.keyClicks(focus, "kata sandi")  # a space among the keys
    qtbot.keyClick(focus, Qt.Key.Key_Return)
    qtbot.keyClick(focus, Qt.Key.Key_Space)
    assert events == [] and overlay.locked

    qtbot.waitUntil(overlay.password_edit.isEnabled, timeout=5000)
    assert QApplication.focusWidget() is overlay.password_edit
    qtbot.keyClicks(QApplication.focusWidget(), PASSWORD)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert events == ["unlocked"] and not overlay.locked
