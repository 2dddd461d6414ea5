"""The lock screen: its message is shown whole at 1366x768 and smaller (issue 8, item 5), the
password field's Enter unlocks and never does anything else (item 1), by real keys; the password
check runs on a worker while the window stays responsive (issue 9, item 5)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError
from desktop.services.auth import AuthService, UserInfo
from desktop.services.secrets import SecretStore
from desktop.services.tasks import TaskRunner
from desktop.views.shell.lock_overlay import LockOverlay
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

PASSWORD = "loket-demo"
LONG_REASON = (
    "Akun Anda dinonaktifkan oleh administrator, sehingga sesi diakhiri dan kredensial masuk di "
    "komputer ini dihapus. Hubungi administrator Disdukcapil/Diskominfo bila ini keliru."
)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def locked_page(
    qtbot: QtBot,
    width: int,
    height: int,
    runner: TaskRunner,
    verify_local: Callable[[str], bool] = lambda p: p == PASSWORD,
) -> tuple[QWidget, LockOverlay, list[str]]:
    page = QWidget()
    qtbot.addWidget(page)
    page.resize(width, height)
    events: list[str] = []

    def reauthenticate(password: str) -> UserInfo:
        raise AssertionError("local mode never goes to the server")

    overlay = LockOverlay(
        page,
        runner,
        verify_local=verify_local,
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
            label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        )
        assert label.height() >= needed, (label.text(), label.height(), needed)
        assert label.width() >= min(label.sizeHint().width(), card.contentsRect().width() - 48)
        assert card.rect().contains(label.geometry()), label.text()


@pytest.mark.parametrize(("width", "height"), [(1216, 690), (874, 540), (600, 420)])
def test_lock_message_is_shown_whole(
    qtbot: QtBot, runner: TaskRunner, width: int, height: int
) -> None:
    """1216x690 is the central area of a maximised window on 1366x768 (taskbar, status bar);
    874x540 of the smallest window; 600x420 smaller still."""
    _page, overlay, _events = locked_page(qtbot, width, height, runner)
    overlay.lock("reauth")  # the longest built-in message
    qtbot.wait(20)
    assert_whole(overlay)
    overlay.lock("reauth", LONG_REASON)
    overlay._fail("Kata sandi salah 3 kali. Coba lagi dalam 2 detik. " * 2)
    qtbot.wait(20)
    assert_whole(overlay)


def test_enter_in_the_password_unlocks_and_nothing_else(qtbot: QtBot, runner: TaskRunner) -> None:
    _page, overlay, events = locked_page(qtbot, 1216, 690, runner)
    overlay.lock("local", "Loket dikunci.")
    assert QApplication.focusWidget() is overlay.password_edit

    for _ in range(3):  # three wrong passwords: the third makes it wait
        qtbot.keyClicks(QApplication.focusWidget(), "salah")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.checking)
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
    qtbot.waitUntil(lambda: events == ["unlocked"])
    assert not overlay.locked


# -- the check runs on a worker (issue 9, item 5) -------------------------------------------------


class GatedCheck:
    """A local check that waits until the test lets it answer, recording where it ran."""

    def __init__(self) -> None:
        self.calls: list[int] = []  # thread ids
        self.started = threading.Event()
        self.answer = threading.Event()

    def __call__(self, password: str) -> bool:
        self.calls.append(threading.get_ident())
        self.started.set()
        assert self.answer.wait(10), "the test never let the check answer"
        return password == PASSWORD


def type_password(qtbot: QtBot, text: str) -> None:
    field = QApplication.focusWidget()
    assert field is not None
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_the_check_runs_on_a_worker_and_a_second_enter_starts_nothing(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    check = GatedCheck()
    _page, overlay, events = locked_page(qtbot, 1216, 690, runner, check)
    overlay.lock("local", "Loket dikunci.")
    assert QApplication.focusWidget() is overlay.password_edit
    ticks: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(check.started.is_set()))
    timer.start(5)

    type_password(qtbot, PASSWORD)  # returns at once: the check waits on a worker
    assert check.started.wait(5)
    assert overlay.checking and not overlay.unlock_button.isEnabled()
    assert overlay.unlock_button.text() == "Memeriksa…" and overlay.progress.isVisible()
    qtbot.waitUntil(lambda: ticks.count(True) >= 5)  # the event loop runs meanwhile
    assert QApplication.focusWidget() is overlay.password_edit
    type_password(qtbot, PASSWORD)  # Enter again while checking
    assert len(check.calls) == 1 and check.calls[0] != threading.get_ident()
    assert events == [] and overlay.locked

    check.answer.set()
    qtbot.waitUntil(lambda: events == ["unlocked"])
    timer.stop()
    assert not overlay.locked and not overlay.checking and len(check.calls) == 1
    assert overlay.unlock_button.text() == "Buka kunci" and overlay.unlock_button.isEnabled()


def test_an_unlock_that_comes_back_after_the_session_ended_does_nothing(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    check = GatedCheck()
    _page, overlay, events = locked_page(qtbot, 1216, 690, runner, check)
    overlay.lock("local", "Loket dikunci.")
    type_password(qtbot, PASSWORD)
    assert check.started.wait(5) and overlay.checking
    # The server ends the session meanwhile: the shell locks again, asking to sign in again.
    overlay.lock("reauth", "Sesi Anda di server telah berakhir.")
    assert not overlay.checking and overlay.unlock_button.isEnabled()
    handles = runner.active()
    assert [h.kind for h in handles] == ["unlock"]
    check.answer.set()  # the right password, but for a question nobody asks now
    qtbot.waitUntil(lambda: handles[0].finished)  # its outcome was delivered (and dropped)
    assert events == [] and overlay.locked and overlay.mode == "reauth"
    assert overlay.unlock_button.isEnabled() and not overlay.error_label.isVisible()
    assert QApplication.focusWidget() is overlay.password_edit


def test_being_told_again_keeps_a_sign_in_under_way(qtbot: QtBot, runner: TaskRunner) -> None:
    """A failed pull after the one that locked says "session ended" again while the person's
    sign-in is being checked: the check still answers, nothing is cleared or started twice."""
    page = QWidget()
    qtbot.addWidget(page)
    page.resize(1216, 690)
    answer, calls = threading.Event(), []

    def reauthenticate(password: str) -> UserInfo:
        calls.append(password)
        answer.wait(5)
        raise ApiError(401, "invalid_credentials", "Nama pengguna atau kata sandi salah.")

    overlay = LockOverlay(
        page,
        runner,
        verify_local=lambda p: False,
        reauthenticate=reauthenticate,
        user_label="Siti (verifier1)",
    )
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    reason = "Sesi Anda di server telah berakhir."
    overlay.lock("reauth", reason)
    field = QApplication.focusWidget()
    assert field is overlay.password_edit
    qtbot.keyClicks(field, "sandi-dike")
    overlay.lock("reauth", reason)  # told again while typing: the typing stays
    assert overlay.password_edit.text() == "sandi-dike"
    qtbot.keyClicks(field, "tik")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: calls == ["sandi-diketik"])
    overlay.lock("reauth", reason)  # and again while the sign-in is checked
    assert overlay.checking and not overlay.unlock_button.isEnabled()
    longer = reason + " Akun Anda dipindahkan ke kantor lain."
    overlay.lock("reauth", longer)  # a new reason is shown, the check still runs
    assert overlay.reason_label.text() == longer and overlay.checking
    handles = [h for h in runner.active() if h.kind == "unlock"]
    answer.set()
    qtbot.waitUntil(lambda: all(h.finished for h in handles))
    qtbot.waitUntil(lambda: not overlay.checking)
    assert calls == ["sandi-diketik"]  # one check, and its answer arrived:
    assert "kata sandi salah" in overlay.error_label.text() and overlay.error_label.isVisible()


@pytest.fixture(scope="module")
def signed_in(live_server: LiveServer) -> Iterator[AuthService]:
    api = ApiClient(live_server.url, device_id=str(uuid.uuid4()), timeout=10)
    auth = AuthService(api, SecretStore(MemoryKeyring()))  # type: ignore[arg-type]
    auth.sign_in("verifier1", PASSWORD)
    yield auth
    auth.sign_out()


def test_the_real_scrypt_check_leaves_the_window_responsive(
    qtbot: QtBot, runner: TaskRunner, signed_in: AuthService
) -> None:
    """The session's own check (`AuthService.verify_password`, scrypt at its real cost, about
    60 ms here): a 5 ms timer keeps firing while it runs, and the right password unlocks."""
    _page, overlay, events = locked_page(qtbot, 1216, 690, runner, signed_in.verify_password)
    during: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: during.append(overlay.checking))
    timer.start(5)
    overlay.lock("local", "Loket dikunci.")
    type_password(qtbot, "salah-sandi")
    qtbot.waitUntil(lambda: "salah" in overlay.error_label.text())
    type_password(qtbot, PASSWORD)
    qtbot.waitUntil(lambda: events == ["unlocked"])
    timer.stop()
    assert during.count(True) >= 2, during  # ticks delivered while a check was running
