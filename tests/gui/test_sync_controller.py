"""`SyncController` and `ConnectionWatch` without a window (issue 9, item 4): the one place a
pull is scheduled, tested through its signals. Real server, real store file, a real TCP proxy
to take the server away; the backoff is shortened so the test does not wait 1-10 s per probe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.controllers.connection import ConnectionWatch
from desktop.controllers.sync import SyncController
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService
from desktop.services.secrets import SecretStore
from desktop.services.sync import Backoff, PullResult, SyncService
from desktop.services.tasks import TaskRunner
from tests.desktop.support import MemoryKeyring, TcpProxy
from tests.gui.shell_helpers import PASSWORD, WAIT
from tests.live_server import LiveServer


class Parts:
    def __init__(self, url: str, store: Store, runner: TaskRunner) -> None:
        self.api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
        AuthService(self.api, SecretStore(MemoryKeyring())).sign_in("verifier1", PASSWORD)
        self.locked = False
        self.service = SyncService(self.api, store)
        self.connection = ConnectionWatch(
            self.api, self.service.probe, runner, backoff=Backoff(0.05, 0.2)
        )
        self.sync = SyncController(
            self.service,
            store,
            runner,
            self.connection,
            refresh_seconds=3600,
            paused=lambda: self.locked,
        )
        self.states: list[str] = []
        self.loading: list[tuple[bool, str]] = []
        self.failures: list[str] = []
        self.pulls: list[PullResult] = []
        self.sync.state_changed.connect(lambda text, _tip: self.states.append(text))
        self.sync.loading_changed.connect(lambda *a: self.loading.append(a))
        self.sync.pull_failed.connect(self.failures.append)
        self.sync.pulled.connect(self.pulls.append)

    def start(self) -> None:
        self.connection.start()
        self.sync.start()

    def stop(self) -> None:
        self.sync.stop()
        self.connection.stop()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "cache.sqlite3")
    yield store
    store.close()


def test_first_pull_loads_then_pulls_only_when_unlocked_and_running(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner
) -> None:
    parts = Parts(live_server.url, store, runner)
    sync = parts.sync
    parts.start()
    assert sync.pulling and parts.loading == [(True, "")]  # an empty cache: "Memuat antrean…"
    assert parts.states[-1] == "Memperbarui antrean…"
    qtbot.waitUntil(lambda: len(parts.pulls) == 1, timeout=WAIT)
    assert parts.loading[-1] == (False, "")
    assert parts.states[-1].startswith("Antrean diperbarui pukul")
    assert store.count() > 0

    parts.locked = True  # nothing is pulled behind the lock screen
    sync.pull()
    assert not sync.pulling
    parts.locked = False
    sync.resume()  # the lock screen was left
    assert sync.pulling
    qtbot.waitUntil(lambda: len(parts.pulls) == 2, timeout=WAIT)

    parts.stop()  # the session ends: no more pulls
    sync.pull()
    assert not sync.pulling and not parts.connection.check_timer.isActive()


def test_an_outage_is_probed_with_backoff_and_ends_in_a_pull(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        parts = Parts(proxy.url, store, runner)
        online: list[bool | None] = []
        parts.connection.changed.connect(lambda state, _why: online.append(state))
        parts.start()
        qtbot.waitUntil(lambda: len(parts.pulls) == 1, timeout=WAIT)
        assert online[-1] is True

        proxy.down()
        parts.sync.pull()
        qtbot.waitUntil(lambda: len(parts.failures) == 1, timeout=WAIT)
        assert "pembaruan terakhir gagal" in parts.states[-1]
        assert parts.connection.probing
        qtbot.waitUntil(lambda: online[-1] is False, timeout=WAIT)
        qtbot.waitUntil(lambda: parts.connection.backoff.attempts >= 3, timeout=WAIT)
        assert len(parts.pulls) == 1  # while down, probes only: no pull is tried

        with qtbot.waitSignal(parts.connection.reconnected, timeout=WAIT):
            proxy.up()
        qtbot.waitUntil(lambda: len(parts.pulls) == 2, timeout=WAIT)  # at once, no F5
        assert online[-1] is True and parts.connection.backoff.attempts == 0
        assert "gagal" not in parts.states[-1]
        parts.stop()
    finally:
        proxy.close()
