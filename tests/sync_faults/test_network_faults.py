"""Network and server faults during a push of offline-made applications, against the real
server subprocess: the server stopped between two entries, a black hole until the client's
timeout, 500/503/429 with Retry-After at random, the same entries sent twice (one after the
other and at the same moment from two copies of the store), and the device clock three days
wrong. Each ends with: on the server exactly once, every SHA-256 equal, nothing left unsent."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.intake import IntakeService
from desktop.services.outbox import OutboxSender
from tests.desktop.support import Remote
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer
from tests.sync_faults.conftest import start_again, stop
from tests.sync_faults.desk import (
    PASSWORD,
    Clock,
    Desk,
    assert_nothing_left,
    assert_on_server_once,
    open_desk,
)
from tests.sync_faults.flaky_http import RETRY_AFTER, FlakyHttp


def test_server_stopped_between_two_entries_of_a_push(
    own_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(own_server.api, "operator1", PASSWORD)
    desk = open_desk(own_server.url, store)
    for _ in range(3):
        desk.take_in(tmp_path / "scans", docs=2)
    real = desk.outbox.senders[EntryKind.DOCUMENT.value]
    uploads: list[str] = []

    def upload_then_server_dies(entry: object) -> None:
        real(entry)  # type: ignore[arg-type]
        uploads.append("ok")
        if len(uploads) == 2:
            stop(own_server)  # the server goes down right after the second document arrived

    desk.outbox.senders[EntryKind.DOCUMENT.value] = upload_then_server_dies
    try:
        report = desk.outbox.send_due()
        assert len(uploads) == 2 and report.retry  # the rest met a stopped server
        states = {e.state for e in store.outbox_entries()}
        assert EntryState.REFUSED not in states and EntryState.CONFLICT not in states
        assert EntryState.SENDING not in states  # nothing left "mengirim" forever
        sent_before = len([e for e in store.outbox_entries() if e.state is EntryState.SENT])
        assert sent_before >= 3  # the first application's create and two documents
    finally:
        start_again(own_server)
    desk.outbox.senders[EntryKind.DOCUMENT.value] = real
    desk.drain()
    assert_on_server_once(remote, desk.intake, desk.made)
    assert_nothing_left(store)
    desk.close()


def test_a_black_hole_until_the_timeout_keeps_everything_then_sends_once(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    with FaultProxy(live_server.url) as proxy:
        desk = open_desk(proxy.url, store, timeout=1)
        for _ in range(2):
            desk.take_in(tmp_path / "scans")
        proxy.black_hole()
        started = time.monotonic()
        report = desk.outbox.send_due()
        assert time.monotonic() - started < 30  # each request gave up at its timeout
        # One attempt per application's first entry (its create); the rest wait behind it.
        assert len(report.retry) == 2 and not report.sent
        for entry in store.outbox_entries():
            assert entry.state in (EntryState.RETRY, EntryState.WAITING)
            assert entry.attempts <= 1
        for m in desk.made:
            r = remote.http.get(f"{remote.api}/applications/{m.app.id}", timeout=30)
            assert r.status_code == 404  # never reached the server
        proxy.pass_through()
        desk.drain()
        desk.close()
    assert_on_server_once(remote, desk.intake, desk.made)
    assert_nothing_left(store)


@pytest.mark.parametrize("seed", [7, 2024])
def test_500_503_and_429_at_random_lose_nothing_and_wait_as_told(
    live_server: LiveServer, store: Store, tmp_path: Path, seed: int
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    with FlakyHttp(live_server.url, seed=seed, rate=0.4) as flaky:
        desk = open_desk(flaky.url, store)
        for _ in range(4):
            desk.take_in(tmp_path / "scans", docs=2)
        entries = len(store.outbox_entries())
        for _round in range(40):
            desk.outbox.send_due()
            now = desk.clock.now
            for entry in store.outbox_entries():
                if entry.state is not EntryState.RETRY:
                    continue
                assert entry.next_attempt_at is not None
                mine = [s for s in flaky.log if s.key == entry.transaction_id]
                if mine and mine[-1].fault in RETRY_AFTER:  # never earlier than the server said
                    assert entry.next_attempt_at >= now + RETRY_AFTER[mine[-1].fault]
            if not desk.unsent():
                break
            desk.clock.now += 700  # past the longest backoff (600 s cap)
        desk.close()
        assert flaky.faults() >= 4, flaky.log  # the schedule did fault
        kinds = {s.fault for s in flaky.log if s.fault}
        # No retry storm: a round tries each entry once (a decision is replayed once at once).
        assert len(flaky.log) <= 3 * entries + 2 * flaky.faults() + 5
    assert (kinds & {"503", "429"}) and (kinds & {"500", "500-after"}), kinds
    assert_on_server_once(remote, desk.intake, desk.made)
    assert_nothing_left(store)
    assert {e.state for e in store.outbox_entries()} == {EntryState.SENT}


def _copy(store: Store, target: Path) -> Store:
    """Another copy of the store file, taken now (SQLite's online backup)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(store.path), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return Store(target)


def test_the_same_entries_sent_twice_and_at_the_same_moment_are_applied_once(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    first = open_desk(live_server.url, store)
    for _ in range(3):
        first.take_in(tmp_path / "scans", docs=2)
    # Copies taken before anything was sent: each one will send every entry again.
    later, racer_a, racer_b = (
        _copy(store, tmp_path / name / "kantor.sqlite3") for name in ("later", "a", "b")
    )
    try:
        first.drain()
        assert_on_server_once(remote, first.intake, first.made)
        versions = {m.app.id: remote.get(m.app.id)["version"] for m in first.made}

        again = open_desk(live_server.url, later)  # the same entries, sent once more
        assert again.drain() == 1
        assert {e.state for e in later.outbox_entries()} == {EntryState.SENT}
        assert_on_server_once(remote, again.intake, first.made)
        assert {m.app.id: remote.get(m.app.id)["version"] for m in first.made} == versions

        # Two copies racing: every request of one meets the same request of the other.
        desks: list[Desk] = [open_desk(live_server.url, s) for s in (racer_a, racer_b)]
        errors: list[BaseException] = []

        def run(d: Desk) -> None:
            try:
                d.drain()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in desks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        for d in desks:
            assert {e.state for e in d.store.outbox_entries()} == {EntryState.SENT}
            assert_on_server_once(remote, d.intake, first.made)
            d.close()
        assert {m.app.id: remote.get(m.app.id)["version"] for m in first.made} == versions
        again.close()
        first.close()
    finally:
        for s in (later, racer_a, racer_b):
            s.close()


@pytest.mark.parametrize("days", [3, -3])
def test_a_device_clock_three_days_wrong_refuses_nothing_and_keeps_the_order(
    live_server: LiveServer, store: Store, tmp_path: Path, days: int
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    clock = Clock(time.time() + days * 86400)
    with FlakyHttp(live_server.url, seed=0, rate=0.0) as counting:  # counts, never faults
        desk = open_desk(counting.url, store, clock=clock)
        desk.intake = IntakeService(
            store,
            office_code=desk.user.office.code,
            device_code=desk.user.device_code,
            user_id=desk.user.id,
            clock=clock,
            today=lambda: datetime.fromtimestamp(clock.now, UTC).date(),
        )
        for _ in range(3):
            desk.take_in(tmp_path / "scans", docs=2)
        entries = store.outbox_entries()
        report = desk.outbox.send_due()  # one round: nothing refused, nothing to retry
        assert report.refused == [] and report.retry == [] and report.conflicts == []
        assert sorted(report.sent) == sorted(e.transaction_id for e in entries)
        for m in desk.made:  # each application's entries in the order they were kept
            mine = [e.transaction_id for e in entries if e.app_id == m.app.id]
            assert [tx for tx in report.sent if tx in mine] == mine
        pushed = [s for s in counting.log if "/applications" in s.path]
        assert len(pushed) == len(entries)  # no retry storm: one request per entry
        assert OutboxSender(desk.apps, store, clock=clock).send_due().sent == []
        desk.close()
    assert_on_server_once(remote, desk.intake, desk.made)
    for m in desk.made:
        seen = remote.get(m.app.id)
        assert [h["action"] for h in seen["history"]][:1] == ["create"]
        created = datetime.fromisoformat(seen["created_at"].replace("Z", "+00:00"))
        assert abs(created.timestamp() - time.time()) < 600  # the server's time, not the PC's
