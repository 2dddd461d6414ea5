"""The local audit log reaches the real server in order, in batches, exactly once: marked
pushed only on the server's acceptance, kept through an outage, and the server's chain check
passes end to end (and refuses a log with an event removed on the PC)."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from desktop.models import audit_log
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.audit_push import AuditPusher
from desktop.services.auth import AuthService, UserInfo
from desktop.services.secrets import SecretStore
from tests.desktop.support import MemoryKeyring, Remote, TcpProxy
from tests.live_server import LiveServer

PASSWORD = "loket-demo"


def _signed_in(url: str, username: str = "verifier1") -> tuple[ApiClient, UserInfo]:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    user = AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, PASSWORD)
    return api, user


def _record(store: Store, user: UserInfo, n: int, kind: str = "claim") -> None:
    for i in range(n):
        store.write(
            lambda conn, i=i: audit_log.append(
                conn, kind=kind, user_id=user.id, app_id=str(uuid.uuid4()),
                details={"n": i, "nik": "147101******0001"}, now=1_800_000_000 + i,
            )
        )  # fmt: skip


def _chain(live_server: LiveServer, store: Store) -> dict[str, Any]:
    admin = Remote(live_server.api, "admin", PASSWORD)
    chain_id = store.read(audit_log.events)[0].chain_id
    report = admin.http.get(live_server.api + "/audit/verify", timeout=30).json()
    (found,) = [c for c in report["chains"] if c["chain_id"] == chain_id]
    return dict(found)


def test_pushed_in_batches_in_order_and_verified(live_server: LiveServer, store: Store) -> None:
    api, user = _signed_in(live_server.url)
    try:
        pusher = AuditPusher(api, store, batch=4)
        _record(store, user, 10)
        report = pusher.push()
        assert report.pushed == 10 and report.waiting == ""
        assert store.read(audit_log.count_unpushed) == 0
        assert {e.device_id for e in store.read(audit_log.events)} == {api.device_id}
        found = _chain(live_server, store)
        assert found["ok"] and found["events"] == 10 and found["device_id"] == api.device_id
        assert found["head"] == store.read(audit_log.events)[-1].hash
        assert pusher.push().pushed == 0  # nothing left: no request sent
    finally:
        api.close()


def test_an_outage_keeps_events_unpushed_until_the_next_round(
    live_server: LiveServer, store: Store
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    api, user = _signed_in(proxy.url)
    try:
        pusher = AuditPusher(api, store, batch=3)
        _record(store, user, 2)
        assert pusher.push().pushed == 2
        _record(store, user, 5, kind="decision_queued")
        proxy.down()
        report = pusher.push()
        assert report.pushed == 0 and report.waiting
        assert store.read(audit_log.count_unpushed) == 5
        proxy.up()
        assert pusher.push().pushed == 5
        assert _chain(live_server, store)["events"] == 7
    finally:
        api.close()
        proxy.close()


def test_a_replayed_batch_is_a_no_op(live_server: LiveServer, store: Store) -> None:
    """The answer to a batch was lost: the events are still unpushed here and go again."""
    api, user = _signed_in(live_server.url)
    try:
        pusher = AuditPusher(api, store)
        _record(store, user, 3)
        wire = [e.wire() for e in store.read(audit_log.events)]
        answer = api.post_json("/audit", {"events": wire})  # reached the server; answer lost
        assert answer == {"accepted": 3, "duplicates": 0}
        assert pusher.push().pushed == 3
        assert _chain(live_server, store)["events"] == 3
    finally:
        api.close()


def test_an_event_removed_on_the_pc_is_refused_by_the_server(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    api, user = _signed_in(live_server.url)
    try:
        pusher = AuditPusher(api, store)
        _record(store, user, 2)
        assert pusher.push().pushed == 2
        _record(store, user, 3)
        with sqlite3.connect(path) as raw:
            raw.execute("DELETE FROM audit_log WHERE seq = 3")  # tampering before the push
        report = pusher.push()
        assert report.pushed == 0 and report.broken["reason"] == "prev_hash"
        assert report.broken["position"] == 0
        assert store.read(audit_log.count_unpushed) == 2  # kept, never marked
        assert pusher.push().waiting == "chain_broken"  # not resent every round
    finally:
        api.close()
        store.close()
