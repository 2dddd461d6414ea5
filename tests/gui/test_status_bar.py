"""The status bar (issue 8, items 9 and 10): the connection state is never hidden by a message,
messages are elided to the room left (whole in the tooltip) and always go away; the decisions
still being sent are counted by op kind as they start and end (issue 9, item 3)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent, QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication, QLabel, QToolTip
from pytestqt.qtbot import QtBot

from desktop.services.auth import Office, UserInfo
from desktop.services.operations import OpKind
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.views.shell import main_window
from desktop.views.shell.main_window import MainWindow
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, running_app, sign_in
from tests.live_server import LiveServer

# The tooltip window: the offscreen platform cannot raise it (no effect on behaviour).
pytestmark = pytest.mark.qt_log_ignore(
    OFFSCREEN_SIZE_HINTS, r"This plugin does not support raise\(\)"
)

USER = UserInfo(
    "u1",
    "verifier1",
    "Siti Nurhaliza Lubis",
    ("verifier",),
    Office("14.71", "Dinas Kependudukan dan Pencatatan Sipil Kota Pekanbaru", "regency", None),
    "",
    7,
)
LONG = (
    "Kode terbaca, tetapi bukan nomor pendaftaran yang sah: digit pemeriksa tidak cocok "
    "(seharusnya 7). Periksa kembali tanda terima pemohon lalu pindai ulang dengan pembaca "
    "kode batang, atau ketik nomornya di kotak pencarian."
)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    runner = TaskRunner()
    win = MainWindow(
        runner,
        USER,
        pages=[("Antrean", QLabel("antrean"))],
        idle_minutes=10,
        verify_local=lambda p: False,
        reauthenticate=lambda p: USER,
    )
    qtbot.addWidget(win)
    win.resize(1366, 700)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.idle.stop()
    win.wedge.uninstall()
    runner.shutdown(1000)


def test_connection_and_user_stay_visible_under_any_message(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.set_connection(False, "Server tidak dapat dihubungi.")
    window.set_keyring_note("Penyimpanan kredensial sistem operasi tidak dapat dipakai.")
    window.show_status_message(LONG, 30000)
    qtbot.wait(20)
    bar = window.status_bar
    assert bar.currentMessage() == LONG
    for widget in (
        window.connection_label,
        window.sync_label,
        window.keyring_note,
        window.user_label,
        window.user_button,
    ):
        assert widget.isVisible(), widget
        assert bar.rect().contains(widget.geometry()), widget
    assert "Tidak tersambung" in window.connection_label.text()
    # The message takes only the room left of the states, elided there, whole in a tooltip.
    room = bar.message_rect()
    assert room.right() < window.connection_label.x()
    shown = bar.displayed_message()
    assert shown.endswith("…") and shown != LONG
    assert bar.fontMetrics().horizontalAdvance(shown) <= room.width()
    QApplication.sendEvent(
        bar,
        QHelpEvent(QHelpEvent.Type.ToolTip, room.center(), bar.mapToGlobal(room.center())),
    )
    assert QToolTip.text() == LONG
    QToolTip.hideText()


def test_a_message_fits_the_smallest_window_and_the_states_do_too(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.resize(window.minimumSize().width(), 600)
    window.show_status_message(LONG)
    qtbot.wait(20)
    bar = window.status_bar
    assert window.connection_label.isVisible()
    assert bar.rect().contains(window.user_button.geometry())
    assert bar.message_rect().width() >= 200  # the states shrink, the message keeps room
    assert bar.displayed_message().startswith("Kode terbaca")
    label = window.connection_label
    assert label.width() >= label.sizeHint().width()  # "● Tidak tersambung" is never cut
    assert window.user_label.toolTip().startswith(USER.full_name)  # elided: whole in tooltip


def test_messages_always_go_away(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_window, "MESSAGE_MS", 150)
    window.show_status_message("Mencari SEM-1471 di server…", 0)  # "until replaced" before
    assert window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "", timeout=3000)
    window.show_status_message("Mencari SEM-1471 di server…")
    window.clear_status_message("Pesan lain")  # someone else's message stays
    assert window.statusBar().currentMessage()
    window.clear_status_message("Mencari SEM-1471 di server…")
    assert window.statusBar().currentMessage() == ""
    window.show_status_message("baris satu\nbaris dua")  # one line in the bar
    assert window.statusBar().currentMessage() == "baris satu baris dua"


def test_keyring_note_is_one_quiet_line_with_why(qtbot: QtBot, window: MainWindow) -> None:
    note = window.keyring_note
    assert not note.isVisible()
    window.set_keyring_note("Penjelasan lengkap: berkas biasa tidak aman.")
    assert note.isVisible() and "memori" in note.text()
    note.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(note, Qt.Key.Key_Tab)
    qtbot.keyClick(note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: note.box is not None and note.box.isVisible(), timeout=3000)
    assert note.box is not None and "berkas biasa" in note.box.informativeText()
    qtbot.keyClick(note.box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: note.box is None, timeout=3000)


def test_decisions_being_sent_are_counted_by_kind_as_they_start_and_end(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """ "n keputusan sedang dikirim" follows the decisions (`OpKind.DECIDE`) as each starts and
    ends, with no pull in between; an op that merely has a decision's title is not one."""
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, shell = loket.window, loket.shell
        assert window is not None and shell is not None
        pulls = shell.last_pull
        label = window.sync_label
        assert "keputusan" not in label.text() and "pukul" in label.text()
        gates = [threading.Event() for _ in range(3)]

        def waiting(gate: threading.Event) -> Callable[[TaskContext], bool]:
            return lambda _ctx: gate.wait(WAIT / 1000)

        title = "Menyimpan keputusan"
        try:
            loket.runner.submit(title, waiting(gates[0]))  # same title, another kind
            loket.runner.submit(title, waiting(gates[1]), kind=OpKind.DECIDE.value)
            qtbot.waitUntil(lambda: "1 keputusan sedang dikirim" in label.text(), timeout=WAIT)
            loket.runner.submit(title, waiting(gates[2]), kind=OpKind.DECIDE.value)
            qtbot.waitUntil(lambda: "2 keputusan sedang dikirim" in label.text(), timeout=WAIT)
            gates[1].set()
            qtbot.waitUntil(lambda: "1 keputusan sedang dikirim" in label.text(), timeout=WAIT)
            gates[2].set()
            qtbot.waitUntil(lambda: "keputusan" not in label.text(), timeout=WAIT)
            assert "pukul" in label.text()
        finally:
            for gate in gates:
                gate.set()
        assert shell.last_pull is pulls  # none of it waited for a pull


class _PaintedRects(QObject):
    """Records the rectangles the status bar is asked to paint."""

    def __init__(self) -> None:
        super().__init__()
        self.region = QRegion()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            assert isinstance(event, QPaintEvent)
            self.region = self.region.united(event.region())
        return False


def test_a_message_that_goes_leaves_nothing_behind_in_the_message_room(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Qt repaints only its own message rectangle (left of the first permanent widget) when a
    message changes or times out; ours is painted into `message_room` too, so that part must
    be repainted as well: in a real window the tail of an expired message stayed on screen."""
    bar = window.status_bar
    window.show_status_message(LONG, 60_000)
    qtbot.waitExposed(window)
    room = bar.message_room.geometry()
    painted = _PaintedRects()
    bar.installEventFilter(painted)
    try:
        bar.clearMessage()
        qtbot.waitUntil(lambda: painted.region.contains(room), timeout=WAIT)
    finally:
        bar.removeEventFilter(painted)
    assert bar.currentMessage() == ""
