"""The main window fits the screen (issue 8, item 2): a 1366x768 screen with a taskbar leaves
1366x728 or less, and the status bar (connection, user, Keluar) must be on it.

The window opens maximised, or where it was last closed (saved in the settings), clamped to the
available area; its minimum size, and that of everything in it, never exceeds that area.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.settings import load_settings
from desktop.views.shell.main_window import WindowGeometry, fit_rect
from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    open_row,
    running_app,
    search,
    sign_in,
    workbench,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

REPO = Path(__file__).resolve().parents[2]
TASKBAR_SCREEN = QRect(0, 0, 1366, 728)  # 1366x768 less a 40 px taskbar


def test_fit_rect_clamps_into_the_available_area() -> None:
    # The old fixed size on a screen with a taskbar: shrunk to fit, frame included.
    assert fit_rect(QRect(0, 0, 1366, 768), TASKBAR_SCREEN) == QRect(0, 0, 1366, 728)
    framed = fit_rect(QRect(0, 0, 1366, 768), TASKBAR_SCREEN, (1, 30, 1, 1))
    assert framed == QRect(1, 30, 1364, 697)
    # Partly off-screen (a second monitor unplugged): moved back, size kept when it fits.
    assert fit_rect(QRect(1500, -50, 800, 600), TASKBAR_SCREEN) == QRect(566, 0, 800, 600)
    assert fit_rect(QRect(100, 100, 800, 600), TASKBAR_SCREEN) == QRect(100, 100, 800, 600)


def test_window_geometry_text_round_trip() -> None:
    saved = WindowGeometry(QRect(10, 20, 1200, 700), maximized=False)
    assert saved.text == "10,20,1200,700"
    assert WindowGeometry.parse(saved.text) == saved
    maxed = WindowGeometry.parse("0,0,1000,600,max")
    assert maxed is not None and maxed.maximized and maxed.rect == QRect(0, 0, 1000, 600)
    for bad in ("", "max", "1,2,3", "a,b,c,d", "0,0,0,600", "0,0,-5,600,max"):
        assert WindowGeometry.parse(bad) is None, bad


def assert_on_screen(window: object) -> None:
    from desktop.views.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    available = window.available_rect()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    bar = window.statusBar()
    bottom_left = bar.mapTo(window, bar.rect().bottomLeft())
    assert bottom_left.y() < window.height()  # the status bar is inside the window
    for widget in (window.connection_label, window.user_label, window.user_button):
        assert widget.isVisible() and widget.width() > 0


def test_opens_maximised_within_the_screen_and_remembers_where_it_was(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        qtbot.waitUntil(window.isMaximized, timeout=WAIT)
        assert_on_screen(window)
        # Taken out of maximised, moved and sized by the person, then signed out.
        window.showNormal()
        available, width = window.available_rect(), window.minimumWidth()
        place = QRect(available.x() + (available.width() - width) // 2, 40, width, 620)
        window.setGeometry(place)
        qtbot.waitUntil(lambda: window.geometry() == place, timeout=WAIT)
        loket.sign_out()
        text = f"{place.x()},{place.y()},{place.width()},{place.height()}"
        assert load_settings().window_geometry == text

        sign_in(qtbot, loket, "verifier1")  # comes back where it was
        again = loket.window
        assert again is not None and not again.isMaximized()
        assert again.geometry() == place
        assert_on_screen(again)
        again.showMaximized()
        qtbot.waitUntil(again.isMaximized, timeout=WAIT)
        again.close()  # exit: maximised, and the normal rectangle, are remembered
        assert load_settings().window_geometry == text + ",max"


def test_a_saved_geometry_larger_than_the_screen_is_clamped(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """A geometry saved on a bigger monitor (or the old fixed 1366x768) never exceeds this
    screen's available area."""
    with running_app(
        live_server.url, memory_keyring, window_geometry="-200,-100,3000,2000"
    ) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None and not window.isMaximized()
        assert_on_screen(window)
        available = QGuiApplication.primaryScreen().availableGeometry()
        assert window.minimumSize().width() <= available.width()
        assert window.minimumSize().height() <= available.height()


def test_nothing_in_the_window_needs_more_than_a_taskbar_screen(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The minimum size hints of the pages (queue, an open application in the workbench,
    placeholders, settings) leave room on 1366x728 for the window frame."""
    app = Remote(live_server.api, "operator1", PASSWORD).create("Geometri Rahmawati")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        search(qtbot, loket, "geometri")
        assert open_row(qtbot, loket, 0) == app["id"]
        assert workbench(loket).application is not None
        hint = window.minimumSizeHint()
        frame_allowance = 40  # title bar and borders of a typical window manager
        assert hint.height() <= TASKBAR_SCREEN.height() - frame_allowance, hint
        assert hint.width() <= TASKBAR_SCREEN.width(), hint
        assert window.minimumSize().height() <= TASKBAR_SCREEN.height() - frame_allowance


SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication, QLabel
    from desktop.services.auth import Office, UserInfo
    from desktop.services.tasks import TaskRunner
    from desktop.views.shell.main_window import MainWindow, WindowGeometry

    app = QApplication(sys.argv[:1])
    user = UserInfo("u1", "verifier1", "Siti Nurhaliza Lubis", ("verifier",),
                    Office("14.71", "Disdukcapil Kota Pekanbaru", "regency", None), "", 7)
    runner = TaskRunner()
    saved = WindowGeometry.parse(sys.argv[1])
    window = MainWindow(runner, user, pages=[("Antrean", QLabel("antrean"))], idle_minutes=10,
                        verify_local=lambda p: False, reauthenticate=lambda p: user)
    window.show_on_screen(saved)
    for _ in range(20):
        app.processEvents()
    available = window.screen().availableGeometry()
    frame = window.frameGeometry()
    print(available.width(), available.height(), frame.x(), frame.y(), frame.width(),
          frame.height(), int(window.isMaximized()))
    window.idle.stop()
    window.wedge.uninstall()
    """
)


@pytest.mark.parametrize("saved", ["", "0,0,1366,768", "300,200,1366,768"])
def test_on_a_1366x728_screen_the_window_stays_inside(tmp_path: Path, saved: str) -> None:
    """A real 1366x768 screen whose taskbar leaves 1366x728 (the offscreen platform, sized
    by its config file, in a child process)."""
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {"screens": [{"name": "s", "x": 0, "y": 0, "width": 1366, "height": 728,
                          "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
        )
    )
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, saved],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    aw, ah, x, y, w, h, maximised = (int(v) for v in done.stdout.split())
    assert (aw, ah) == (1366, 728)
    assert x >= 0 and y >= 0 and x + w <= aw and y + h <= ah, done.stdout
    assert bool(maximised) == (saved == "")
