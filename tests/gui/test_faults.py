"""Bad input and faults: server down mid-session and during refresh, garbage and newer-server
JSON, an expired session. None may crash the app or lose the open work."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import Action
from desktop.services.auth import AuthService
from tests.desktop.support import (
    MemoryKeyring,
    Remote,
    ScriptedHttpServer,
    TcpProxy,
    send,
    summary_json,
)
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    decide,
    open_row,
    pull_now,
    running_app,
    search,
    sign_in,
    tick_all,
    wait_message,
    workbench,
)
from tests.live_server import LiveServer, start_server
from tests.server.harness import ServerClock

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_server_down_mid_session_keeps_open_work(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Putus" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Gita")
    proxy = TcpProxy(port_of(live_server.url))
    try:
        with running_app(proxy.url, memory_keyring) as loket:
            sign_in(qtbot, loket, "verifier1")
            window = loket.window
            assert window is not None
            search(qtbot, loket, tag.lower())
            assert open_row(qtbot, loket, 0) == app["id"]
            wb = workbench(loket)
            tick_all(loket)
            ticks = wb.checklist.judgements()

            proxy.down()
            pull_now(qtbot, loket)
            assert "pembaruan terakhir gagal" in window.sync_label.text()
            qtbot.waitUntil(
                lambda: "Tidak tersambung" in window.connection_label.text(), timeout=WAIT
            )
            decide(qtbot, loket, Action.VERIFY)
            # Issue 10: the decision is kept on this PC (outbox), not refused with an error.
            message = wait_message(qtbot, loket, "info")
            assert "Keputusan disimpan di komputer ini" in message, message
            assert wb.application is not None and wb.application.id == app["id"]
            assert wb.checklist.judgements() == ticks  # nothing the person did is lost
            assert wb.read_only  # decided: not decided twice
            assert loket.queue_page is not None and loket.queue_page.model.rowCount() >= 1
            remote = Remote(live_server.api, "verifier2", PASSWORD)
            assert remote.get(app["id"])["status"] == "submitted"  # not sent yet

            proxy.up()  # sent by itself once the server answers again: once
            qtbot.waitUntil(lambda: remote.get(app["id"])["status"] == "verified", timeout=30_000)
            history = remote.get(app["id"])["history"]
            assert [h["action"] for h in history].count("verify") == 1
            pull_now(qtbot, loket)
            assert "gagal" not in window.sync_label.text()
            qtbot.waitUntil(
                lambda: (
                    "Tersambung" in window.connection_label.text()
                    and "Tidak" not in window.connection_label.text()
                ),
                timeout=WAIT,
            )
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def clock_server() -> Iterator[LiveServer]:
    """A server with a movable clock (tests/server/harness.py): time moves, nobody sleeps."""
    with start_server(applications=5, clock=True) as server:
        yield server


PAST_EXPIRY = 900 + 60  # past the access token's 15-minute lifetime (seconds)


def expire_access_token(server: LiveServer, auth: AuthService) -> None:
    """Sixteen minutes pass on the server's clock and on the desktop's (`AuthService`'s clock,
    moved for this session only): the access token has expired and both sides know it."""
    ServerClock(server).advance(seconds=PAST_EXPIRY)
    wall = auth._clock
    auth._clock = lambda: wall() + PAST_EXPIRY


def test_server_down_during_token_refresh(
    qtbot: QtBot, clock_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    proxy = TcpProxy(port_of(clock_server.url))
    try:
        with running_app(proxy.url, memory_keyring) as loket:
            sign_in(qtbot, loket, "verifier1")
            assert loket.auth is not None and loket.window is not None
            stale = loket.auth._tokens.access  # type: ignore[union-attr]
            refreshes: list[str] = []
            original = loket.auth.api.post_json

            def counting(path: str, *a: Any, **kw: Any) -> Any:
                if path == "/auth/refresh":
                    refreshes.append(path)
                return original(path, *a, **kw)

            loket.auth.api.post_json = counting  # type: ignore[method-assign]
            expire_access_token(clock_server, loket.auth)
            proxy.down()
            pull_now(qtbot, loket)  # needs a refresh first, which cannot reach the server
            assert "pembaruan terakhir gagal" in loket.window.sync_label.text()
            assert refreshes  # the refresh was attempted while the server was down
            assert loket.auth.session_valid and not loket.window.locked
            proxy.up()
            pull_now(qtbot, loket)
            assert "gagal" not in loket.window.sync_label.text()
            assert loket.auth._tokens.access != stale  # type: ignore[union-attr]
    finally:
        proxy.close()


def test_expired_session_asks_for_the_password_and_keeps_work(
    qtbot: QtBot, clock_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(clock_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        assert loket.auth is not None and loket.window is not None
        page = loket.queue_page
        assert page is not None
        search(qtbot, loket, "")
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        opened = open_row(qtbot, loket, 0)
        # An administrator (or a stolen-token alarm) revokes this session on the server.
        refresh = loket.auth._tokens.refresh  # type: ignore[union-attr]
        requests.post(clock_server.api + "/auth/logout", json={"refresh_token": refresh})
        expire_access_token(clock_server, loket.auth)
        # The next contact with the server finds out: this pull, or an op already under way
        # (a document still loading) that locked first, which disables F5.
        loket.window.refresh_action.trigger()
        overlay = loket.window.overlay
        qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=WAIT)
        assert "berakhir" in overlay.reason_label.text()
        assert not loket.window.stack.isEnabled()
        qtbot.keyClicks(overlay.password_edit, "salah-sandi")
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(overlay.error_label.isVisible, timeout=WAIT)
        assert "salah" in overlay.error_label.text()
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)
        assert loket.window.stack.isEnabled()
        wb = workbench(loket)
        assert wb.application is not None and wb.application.id == opened
        pull_now(qtbot, loket)
        assert "gagal" not in loket.window.sync_label.text()


# -- a scripted server that speaks just enough API v1 ------------------------------------------


def _json(handler: BaseHTTPRequestHandler, body: Any, status: int = 200) -> None:
    send(handler, status, json.dumps(body).encode())


ME = {
    "id": "u-1",
    "username": "verifier1",
    "full_name": "Petugas Uji",
    "roles": ["verifier", "future_role"],
    "office": {"code": "14.71", "name": "Dinas Uji", "level": "dinas", "parent_code": None},
    "device_code": "D01",
    "offline_policy": {"max_offline_days": 7},
    "new_field": True,
}


def summary(i: int, **changes: Any) -> dict[str, Any]:
    return summary_json(i, name=f"Pemohon Skrip {i}", **changes)


@pytest.fixture
def scripted_server() -> Iterator[ScriptedHttpServer]:
    with ScriptedHttpServer() as srv:
        srv.route(
            "POST",
            "/api/v1/auth/login",
            lambda h: _json(
                h,
                {
                    "access_token": "scripted-access-" + uuid.uuid4().hex,
                    "refresh_token": "scripted-refresh-" + uuid.uuid4().hex,
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_expires_in": 28800,
                    "user": ME,
                },
            ),
        )
        srv.route("POST", "/api/v1/auth/logout", lambda h: send(h, 204, b""))
        srv.route("GET", "/api/v1/offices", lambda h: _json(h, {"items": [ME["office"]]}))
        srv.route(
            "GET",
            "/api/v1/applications/changes",
            lambda h: _json(
                h,
                {
                    "items": [
                        summary(1, status="archived", priority="tinggi"),
                        summary(2, channel="kiosk"),
                        {"id": "rusak"},
                    ],
                    "last_seq": 3,
                    "has_more": False,
                    "server_hint": "x",
                },
            ),
        )
        yield srv


def test_garbage_truncated_and_newer_server_json(
    qtbot: QtBot, scripted_server: ScriptedHttpServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(scripted_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        assert page.model.rowCount() == 2  # the unreadable third item was skipped
        shown = {page.model.data(page.model.index(r, 4)) for r in range(2)}
        assert shown == {"archived (status tidak dikenal)", "Diajukan"}
        assert "Petugas verifikasi" in window.user_label.text()  # unknown role ignored

        for responder in (
            lambda h: send(h, 200, b'{"items": [{"id": '),  # malformed
            lambda h: send(h, 200, b"\x89PNG\r\n\x1a\n garbage", "image/png"),
            lambda h: send(h, 200, b'{"items": [], "last_', declared_length=4096),  # truncated
            lambda h: send(h, 502, b"<html>Bad Gateway</html>", "text/html"),
        ):
            scripted_server.route("GET", "/api/v1/applications/changes", responder)
            pull_now(qtbot, loket)
            assert "pembaruan terakhir gagal" in window.sync_label.text()
            assert page.model.rowCount() == 2  # local data untouched
        tooltip = window.sync_label.toolTip()
        assert "server" in tooltip.lower()


def test_offline_start_does_not_crash(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    proxy = TcpProxy(1)
    proxy.down()
    with running_app(proxy.url, memory_keyring) as loket:
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.username_edit, "verifier1")
        qtbot.keyClicks(dialog.password_edit, PASSWORD)
        with qtbot.waitSignal(dialog.failed, timeout=WAIT):
            dialog.submit()
        assert "tidak dapat dihubungi" in dialog.message_label.text()
    proxy.close()
    time.sleep(0)
