"""Issue 8 item 9: after an outage Loket reconnects on its own, within seconds of the server
coming back (health probe with capped exponential backoff while offline, then a pull), without
F5 and without waiting for the periodic refresh. The real server is stopped and started again on
the same port and data directory."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, pull_now, running_app, sign_in
from tests.live_server import REPO, LiveServer, _env, _stop, _wait_healthy, start_server

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture
def restartable_server() -> Iterator[LiveServer]:
    with start_server(applications=5) as server:
        yield server


def stop(server: LiveServer) -> None:
    assert server.process is not None
    _stop(server.process)


def start_again(server: LiveServer) -> None:
    """`python -m server serve` on the same port and data, as after a server reboot."""
    port = server.url.rsplit(":", 1)[1]
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", port],
            cwd=REPO,
            env=_env(server.data_dir, server.database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    _wait_healthy(server, 60)


def test_reconnects_on_its_own_within_seconds_of_the_server_coming_back(
    qtbot: QtBot, restartable_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    server = restartable_server
    tag = "Kembali" + uuid.uuid4().hex[:6]
    # The periodic refresh is an hour away: only the reconnect logic can bring the app back.
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, shell, store = loket.window, loket.shell, loket.store
        assert window is not None and shell is not None and store is not None

        def connected() -> bool:
            text = window.connection_label.text()
            return "Tersambung" in text and "Tidak" not in text

        qtbot.waitUntil(connected, timeout=WAIT)
        stop(server)
        pull_now(qtbot, loket)  # F5 once, during the outage
        qtbot.waitUntil(lambda: "Tidak tersambung" in window.connection_label.text(), timeout=WAIT)
        assert "gagal" in window.sync_label.text()
        qtbot.wait(3000)  # some time offline: a few probes fail meanwhile
        assert "Tidak tersambung" in window.connection_label.text()

        start_again(server)
        created = Remote(server.api, "operator1", PASSWORD).create(f"{tag} Gilang")
        back = time.monotonic()
        qtbot.waitUntil(
            lambda: connected() and store.summary(created["id"]) is not None, timeout=WAIT
        )
        took = time.monotonic() - back
        assert took < 11, f"reconnected only after {took:.1f} s"
        qtbot.waitUntil(lambda: not shell.pulling, timeout=WAIT)
        assert "gagal" not in window.sync_label.text()
