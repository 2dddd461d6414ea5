"""The "Mode luring" banner (issue 10, Connectivity), with real widgets and the real server
stopped and started again on the same port: it appears with the time of the first failure in
the office's zone and the reason, "Coba sekarang" is reached with the keyboard and probes at
once, the window stays within 1366x768 without cutting other text, and the banner goes by
itself when the server is back. Also the proxy field of Pengaturan (keyboard, Enter, schema)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.domain.formatting import local, zone_for_region, zone_name
from desktop.settings import settings_path
from desktop.views.shell.settings_page import SettingsPage
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    WAIT,
    focused,
    pull_now,
    running_app,
    shot,
    sign_in,
    type_slowly,
)
from tests.gui.test_reconnect import restartable_server, start_again, stop
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
__all__ = ["restartable_server"]  # the fixture, shared with the reconnect test

BANNER = re.compile(
    r"^Mode luring sejak (\d{2}\.\d{2}) (WIB|WITA|WIT) — pekerjaan disimpan di komputer ini "
    r"dan dikirim otomatis$"
)


def test_banner_while_the_server_is_down_and_gone_when_it_is_back(
    qtbot: QtBot, restartable_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    server = restartable_server
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, shell = loket.window, loket.shell
        assert window is not None and shell is not None
        banner = window.offline_banner
        window.showNormal()
        window.resize(1366, 768)
        qtbot.waitUntil(lambda: "Tersambung" in window.connection_label.text(), timeout=WAIT)
        assert not banner.isVisible()
        queue_height = window.stack.height()

        stop(server)
        pull_now(qtbot, loket)  # the first request that fails: the outage starts here
        qtbot.waitUntil(banner.isVisible, timeout=WAIT)
        text = banner.text_label.text()
        match = BANNER.match(text)
        assert match, text
        zone = zone_for_region(window.user.office.code)
        assert match.group(2) == zone_name(local(datetime.now(UTC), zone))  # the office's zone
        assert zone is not None  # a real office: its zone, not the PC's
        since = shell.connection.offline_since
        assert since is not None
        assert "menolak sambungan" in banner.details.toolTip()  # the reason, whole
        assert banner.details.toolTip() == banner.text_label.toolTip()
        assert not banner.reason_label.isVisible()

        # Fits: the banner takes its height from the pages, not from the screen, and cuts
        # neither itself nor the status bar.
        qtbot.waitUntil(lambda: window.stack.height() < queue_height, timeout=WAIT)
        assert window.size().height() == 768 and window.size().width() == 1366  # not pushed
        assert banner.text_label.height() >= banner.text_label.heightForWidth(
            banner.text_label.width()
        )
        assert window.statusBar().isVisible() and window.statusBar().geometry().bottom() < 768
        assert banner.retry_button.width() >= banner.retry_button.sizeHint().width()
        state = window.connection_label  # "● Tidak tersambung", never cut to "Tidak tersan"
        assert "Tidak tersambung" in state.text()
        qtbot.waitUntil(lambda: state.width() >= state.sizeHint().width(), timeout=WAIT)
        shot(window, "banner.png")
        window.resize(1024, 600)  # the smallest window: still one readable banner
        qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT)
        shot(window, "banner_small.png")
        assert banner.retry_button.width() >= banner.retry_button.sizeHint().width()
        window.resize(1366, 768)

        # "Coba sekarang" with the keyboard: Tab from "Rincian", then Space probes at once.
        watch = shell.connection
        qtbot.waitUntil(lambda: watch.probe_timer.isActive(), timeout=WAIT)
        window.activateWindow()
        banner.details.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(focused(), Qt.Key.Key_Space)  # "Rincian": the reason unfolds
        assert banner.reason_label.isVisible()
        assert "menolak sambungan" in banner.reason_label.text()
        shot(window, "banner_details.png")
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        assert focused() is banner.retry_button
        qtbot.keyClick(banner.retry_button, Qt.Key.Key_Space)
        assert watch.probing and not watch.probe_timer.isActive()  # under way, not waiting
        qtbot.waitUntil(lambda: watch.probe_timer.isActive(), timeout=WAIT)  # failed: waits
        assert banner.isVisible() and shell.connection.offline_since == since  # same outage

        start_again(server)
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=15_000)  # no click, no F5
        assert "Tersambung" in window.connection_label.text()
        qtbot.waitUntil(lambda: window.stack.height() == queue_height, timeout=WAIT)


def test_proxy_field_keyboard_enter_and_schema(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        assert loket.session is not None and loket.session.shell.settings_page is not None
        window.open_page(loket.session.shell.settings_page)
        page = window.stack.currentWidget()
        assert isinstance(page, SettingsPage)
        window.activateWindow()
        page.refresh_spin.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        # the form's order, as on screen: idle, refresh, language, proxy
        assert focused() is page.proxy_edit
        type_slowly(qtbot, "proxy.kantor.go.id")  # a person (a fast burst is a scan)
        qtbot.keyClick(page.proxy_edit, Qt.Key.Key_Return, delay=80)  # Simpan, which refuses
        assert "Proxy tidak disimpan" in page.status_label.text()
        assert "port proxy belum ditulis" in page.status_label.text()
        assert window.isVisible() and focused() is page.proxy_edit
        assert loket.settings.proxy == ""
        type_slowly(qtbot, ":8080")
        qtbot.keyClick(page.proxy_edit, Qt.Key.Key_Return, delay=80)
        assert page.status_label.text() == "Tersimpan."
        assert loket.settings.proxy == "http://proxy.kantor.go.id:8080"
        saved = json.loads(settings_path().read_text(encoding="utf-8"))
        assert saved["proxy"] == "http://proxy.kantor.go.id:8080"
        assert window.isVisible() and not [
            w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window
        ]
        # The server is on this computer: it is still reached directly, at once.
        assert loket.connection is not None
        assert loket.connection.api.route.source == "loopback"
        pull_now(qtbot, loket)
        assert loket.shell is not None and "gagal" not in window.sync_label.text()

        # A saved password is never shown again; saving the masked text keeps it.
        page.proxy_edit.setText("http://petugas:Sandi-Proxy-1@proxy.kantor.go.id:8080")
        qtbot.keyClick(page.proxy_edit, Qt.Key.Key_Return, delay=80)
        assert page.proxy_edit.text() == "http://***@proxy.kantor.go.id:8080"
        qtbot.keyClick(page.proxy_edit, Qt.Key.Key_Return, delay=80)
        assert loket.settings.proxy == "http://petugas:Sandi-Proxy-1@proxy.kantor.go.id:8080"
