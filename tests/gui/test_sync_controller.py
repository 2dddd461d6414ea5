"""`SyncController` and `ConnectionWatch` without a window (issue 9, item 4): the one place a
pull is scheduled, tested through its signals. Real server, real store file, a real TCP proxy
to take the server away; the backoff is shortened so the test does not wait 1-10 s per probe."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.controllers.connection import ConnectionWatch
from desktop.controllers.sync import SyncController
from desktop.models import outbox as outbox_table
from desktop.models.outbox import EntryKind, EntryState, OutboxEntry
from desktop.models.store import Store, SyncState
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ConnectionFailure, SessionExpired
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.auth import AuthService
from desktop.services.outbox import OutboxSender
from desktop.services.retry import Backoff
from desktop.services.secrets import SecretStore
from desktop.services.sync import PullResult, SyncService
from desktop.services.tasks import TaskRunner
from tests.desktop.support import MemoryKeyring, Remote, TcpProxy
from tests.gui.shell_helpers import PASSWORD, WAIT
from tests.live_server import LiveServer


class Parts:
    def __init__(
        self, url: str, store: Store, runner: TaskRunner, outbox: OutboxSender | None = None
    ) -> None:
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
            outbox=outbox,
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
    assert sync.pulling
    # an empty cache: "Memuat antrean…" (read on a worker, never on the GUI thread)
    qtbot.waitUntil(lambda: parts.loading[:1] == [(True, "")], timeout=WAIT)
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


def test_back_after_an_outage_what_waits_in_the_outbox_goes_at_once(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner
) -> None:
    """An entry whose next attempt is ten minutes away is sent as soon as the connection
    watch says the server is back (`reconnected`), not when its backoff runs out; a pull
    alone does not make it due."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Kembali " + uuid.uuid4().hex[:6])["id"]
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        api = ApiClient(proxy.url, device_id=str(uuid.uuid4()), timeout=5)
        user = AuthService(api, SecretStore(MemoryKeyring())).sign_in("verifier1", PASSWORD)
        apps = ApplicationService(api, store)
        apps.my_user_id = user.id
        apps.claim(app_id)
        detail = apps.fetch_detail(app_id)
        pending = PendingDecision.create(
            app_id, "verify", expected_version=detail.version, seen_status=detail.status_raw
        )
        assert apps.keep_decision(pending, label="verify")
        sender = OutboxSender(apps, store, rng=lambda: 1.0, base_seconds=600)
        proxy.down()
        sender.send_due()  # fails: coba lagi, its next attempt ten minutes away
        proxy.up()
        (entry,) = store.outbox_entries(app_id)
        assert entry.state is EntryState.RETRY and entry.next_attempt_at is not None
        assert entry.next_attempt_at - time.time() > 500

        parts = Parts(live_server.url, store, runner, outbox=sender)
        parts.start()
        qtbot.waitUntil(lambda: len(parts.pulls) == 1, timeout=WAIT)
        qtbot.waitUntil(lambda: not parts.sync.sending, timeout=WAIT)  # the round after it
        assert store.outbox_entries(app_id)[0].state is EntryState.RETRY  # not due yet
        parts.connection.reconnected.emit()  # what ConnectionWatch says when it is back
        qtbot.waitUntil(lambda: operator.get(app_id)["status"] == "verified", timeout=WAIT)
        # The server answers before the round writes the outcome here (seen under load).
        qtbot.waitUntil(
            lambda: store.outbox_entries(app_id)[0].state is EntryState.SENT, timeout=WAIT
        )
        parts.stop()
    finally:
        proxy.close()


# -- probe backoff: capped exponential, full jitter (issue 10, Connectivity) ---------------------


def test_probe_backoff_is_full_jitter_under_a_capped_exponential_step() -> None:
    draws = iter([0.0, 0.5, 0.999, 0.25, 0.5, 0.5, 0.5, 0.5])
    backoff = Backoff(1.0, 10.0, rng=lambda: next(draws))
    delays = [backoff.next_delay() for _ in range(7)]
    # ceilings 1, 2, 4, 8, 10, 10, 10; each wait is rng() times its ceiling (0 allowed)
    assert delays == pytest.approx([0.0, 1.0, 3.996, 2.0, 5.0, 5.0, 5.0])
    assert [backoff.step(n) for n in range(6)] == [1, 2, 4, 8, 10, 10]
    assert backoff.attempts == 7
    backoff.reset()
    assert backoff.attempts == 0 and backoff.next_delay() == pytest.approx(0.5)  # short again
    with pytest.raises(ValueError):
        Backoff(20, 10)


def test_the_watch_waits_the_drawn_delays_and_comes_back_when_any_request_gets_through(
    qtbot: QtBot, live_server: LiveServer, runner: TaskRunner
) -> None:
    """The delays the watch schedules are the backoff's draws (random source injected); a
    request that reaches the server meanwhile ends the outage at the next one-second check,
    without waiting for the pending probe; "Coba sekarang" probes at once."""
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        api = ApiClient(proxy.url, device_id=str(uuid.uuid4()), timeout=3)
        probes: list[bool] = []

        def probe(ctx: object) -> bool:
            try:
                api.request("GET", "/health", auth=False, timeout=3)
            except ConnectionFailure:
                probes.append(False)
                return False
            probes.append(True)
            return True

        draws = [0.9, 0.9, 0.9, 0.9, 0.9]
        backoff = Backoff(30.0, 60.0, rng=lambda: draws.pop(0) if draws else 0.9)
        watch = ConnectionWatch(api, probe, runner, backoff=backoff, clock=lambda: 1_000.0)
        offline: list[tuple[object, str]] = []
        watch.offline_changed.connect(lambda since, why: offline.append((since, why)))
        reconnected: list[bool] = []
        watch.reconnected.connect(lambda: reconnected.append(True))
        watch.start()
        proxy.down()
        with pytest.raises(ConnectionFailure):
            api.get_json("/health", auth=False)
        watch.check()
        assert watch.offline_since is not None and offline[-1][0] == watch.offline_since
        assert "menolak sambungan" in offline[-1][1]
        assert watch.last_delay == pytest.approx(27.0)  # 0.9 x the first 30 s step
        assert watch.probe_timer.isActive() and probes == []

        watch.probe_now()  # "Coba sekarang": at once, then the next drawn wait
        qtbot.waitUntil(lambda: probes == [False], timeout=WAIT)
        qtbot.waitUntil(lambda: watch.probe_timer.isActive(), timeout=WAIT)
        assert watch.last_delay == pytest.approx(54.0)  # 0.9 x 60 (the capped second step)

        proxy.up()
        api.get_json("/health", auth=False)  # some other request gets through
        qtbot.waitUntil(lambda: reconnected == [True], timeout=3 * 1000)  # the 1 s check
        assert offline[-1] == (None, "") and watch.offline_since is None
        assert not watch.probe_timer.isActive() and backoff.attempts == 0
        assert probes == [False]  # no probe was needed
        watch.stop()
    finally:
        proxy.close()


class ThreadNotingStore(Store):
    """A real store that notes which thread asked for the sync state."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gui_reads = 0
        self.reads = 0

    def sync_state(self) -> SyncState:
        self.reads += 1
        if threading.current_thread() is threading.main_thread():
            self.gui_reads += 1
        return super().sync_state()


def test_the_sync_state_is_read_on_a_worker_never_on_the_gui_thread(
    qtbot: QtBot, live_server: LiveServer, tmp_path: Path, runner: TaskRunner
) -> None:
    store = ThreadNotingStore(tmp_path / "cache.sqlite3")
    try:
        parts = Parts(live_server.url, store, runner)
        parts.start()
        qtbot.waitUntil(lambda: len(parts.pulls) == 1, timeout=WAIT)
        qtbot.waitUntil(lambda: parts.states[-1].startswith("Antrean diperbarui"), timeout=WAIT)
        parts.sync.pull()
        qtbot.waitUntil(lambda: len(parts.pulls) == 2, timeout=WAIT)
        parts.stop()
        assert runner.wait_idle(10_000)
        assert store.reads >= 2 and store.gui_reads == 0
    finally:
        store.close()


def test_a_decision_waiting_for_a_round_hears_back_when_the_session_expires_or_ends(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner
) -> None:
    """`send_now` callbacks are always answered: the round that found the session expired
    runs no other, and a session that ends runs none (the entry stays kept: None)."""

    def expired(_entry: OutboxEntry) -> None:
        raise SessionExpired("Sesi Anda berakhir; masuk lagi.")

    for tx in ("t-expire", "t-mine"):
        store.write(
            lambda conn, tx=tx: outbox_table.add_entry(
                conn,
                transaction_id=tx,
                app_id="a-" + tx,
                kind=EntryKind.DOCUMENT,
                payload={"v": 1},
                label=tx,
                user_id="u",
                now=1,
            )
        )
    apps = ApplicationService(ApiClient(live_server.url, device_id="d"), store)
    outbox = OutboxSender(apps, store, senders={EntryKind.DOCUMENT: expired})
    parts = Parts(live_server.url, store, runner, outbox)
    heard: list[tuple[EntryState | None, str]] = []
    parts.start()  # the first round starts now
    parts.sync.send_now("t-mine", lambda state, why: heard.append((state, why)))  # the next
    qtbot.waitUntil(lambda: len(heard) == 1, timeout=WAIT)
    assert heard == [(None, "Sesi Anda berakhir; masuk lagi.")]
    assert {e.state for e in store.outbox_entries()} == {EntryState.WAITING}  # kept

    parts.sync.send_now("t-mine", lambda state, why: heard.append((state, why)))
    parts.stop()  # the session ends before any round answers it
    assert heard[1:] == [(None, "")]
    assert runner.wait_idle(10_000)
