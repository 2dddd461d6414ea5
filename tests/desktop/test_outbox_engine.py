"""The outbox engine's seams (issue 10): one sender per entry kind (others add theirs through
`senders=`), an unknown kind refused as unreadable, and *dibuang* (discarded by a person) as
finished work: never due, never counted, never holding up the entries after it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from desktop.models import outbox as outbox_table
from desktop.models.outbox import UNSENT, EntryKind, EntryState, OutboxEntry, has_unsent
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    FailureKind,
    SessionExpired,
)
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.outbox import UNREADABLE, OutboxSender
from desktop.services.retry import Backoff, is_transient, retry_after_seconds
from tests.desktop.support import Remote
from tests.desktop.test_outbox import PASSWORD, service_for
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer


def _add(store: Store, tx: str, app_id: str, kind: str, payload: object = None) -> None:
    store.write(
        lambda conn: conn.exec_driver_sql(
            "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, state, "
            "attempts, reason, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, '', 'u', ?, 0, '', 1, 1)",
            (tx, app_id, kind, '{"x": 1}' if payload is None else payload, "menunggu"),
        )
    )


def _apps(store: Store) -> ApplicationService:
    return ApplicationService(ApiClient("http://127.0.0.1:9", device_id="d"), store)


def test_registered_senders_are_used_and_an_unknown_kind_is_refused(store: Store) -> None:
    sent: list[OutboxEntry] = []
    _add(store, "t-doc", "a1", EntryKind.DOCUMENT.value)
    _add(store, "t-app", "a2", EntryKind.APPLICATION.value)
    _add(store, "t-new", "a3", "from-a-newer-version")
    _add(store, "t-flaky", "a4", EntryKind.DOCUMENT.value, '{"flaky": true}')

    def document(entry: OutboxEntry) -> None:
        if entry.payload.get("flaky"):
            raise ConnectionFailure(FailureKind.NETWORK, "putus")
        sent.append(entry)

    sender = OutboxSender(
        _apps(store),
        store,
        senders={EntryKind.DOCUMENT: document, EntryKind.APPLICATION: sent.append},
        clock=lambda: 1_000.0,
    )
    report = sender.send_due()
    assert [e.transaction_id for e in sent] == ["t-doc", "t-app"]
    assert report.sent == ["t-doc", "t-app"] and report.retry == ["t-flaky"]
    assert report.refused == ["t-new"]
    (refused,) = store.outbox_entries("a3")
    assert refused.state is EntryState.REFUSED and refused.reason == UNREADABLE
    # the built-in kinds stay when others are added
    assert {EntryKind.DECISION, EntryKind.RELEASE} <= set(sender.senders)


def test_a_discarded_entry_is_done_and_holds_nothing_up(store: Store, tmp_path: Path) -> None:
    assert "dibuang" not in UNSENT and EntryState.DISCARDED.label == "dibuang"
    _add(store, "t-1", "a1", EntryKind.DOCUMENT.value)
    _add(store, "t-2", "a1", EntryKind.DOCUMENT.value)
    store.write(
        lambda conn: outbox_table.finish(
            conn, "t-1", EntryState.DISCARDED, now=2, reason="dibuang oleh petugas"
        )
    )
    assert store.outbox_counts() == {EntryState.WAITING: 1}
    taken = store.write(lambda conn: outbox_table.take_due(conn, 10))
    assert [e.transaction_id for e in taken] == ["t-2"]  # the discarded one holds nothing up
    store.write(lambda conn: outbox_table.finish(conn, "t-2", EntryState.DISCARDED, now=3))
    assert store.outbox_counts() == {}
    assert not has_unsent(store.path)


# -- one backoff, one verdict (services.retry) --------------------------------------------------


def test_one_backoff_capped_exponential_with_full_jitter() -> None:
    top = Backoff(5, 600, rng=lambda: 1.0)
    assert [top.delay(n) for n in (0, 1, 2, 7, 19)] == [5, 10, 20, 600, 600]
    assert Backoff(5, 600, rng=lambda: 0.0).delay(4) == 0  # full jitter: from 0
    assert top.delay(0, retry_after=42) == 42  # never before the server's Retry-After
    counting = Backoff(1, 10, rng=lambda: 0.5)
    assert [counting.next_delay() for _ in range(5)] == [0.5, 1, 2, 4, 5]
    counting.reset()
    assert counting.next_delay() == 0.5
    with pytest.raises(ValueError):
        Backoff(20, 10)


def test_one_transient_verdict() -> None:
    assert is_transient(ConnectionFailure(FailureKind.NETWORK, "putus"))
    assert is_transient(BadResponse("rusak"))
    assert all(is_transient(ApiError(s, "x", "x")) for s in (500, 503, 408, 425, 429))
    assert not any(is_transient(ApiError(s, "x", "x")) for s in (400, 403, 404, 409, 422))
    assert not is_transient(SessionExpired("habis"))
    assert retry_after_seconds(ApiError(503, "x", "x", {"retry_after": 120})) == 120
    assert retry_after_seconds(ApiError(429, "x", "x", {"retry_after": "30"})) == 30
    assert retry_after_seconds(ConnectionFailure(FailureKind.NETWORK, "putus")) is None


# -- claim releases through the outbox ----------------------------------------------------------


def holder(operator: Remote, app_id: str) -> str | None:
    claim = operator.get(app_id).get("claim") or {}
    return claim.get("username")


def test_a_release_that_cannot_reach_the_server_waits_in_the_outbox_then_goes(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Lepas Luring " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps = service_for(proxy.url, "verifier1", store)
        apps.claim(app_id)
        proxy.reset_after_request()  # the release reaches no answer (nor, maybe, the server)
        assert apps.release(app_id) is False
        (entry,) = store.outbox_entries(app_id)
        assert entry.kind == EntryKind.RELEASE.value and entry.state is EntryState.WAITING
        proxy.pass_through()
        assert OutboxSender(apps, store).send_due().sent == [entry.transaction_id]
        assert holder(operator, app_id) is None


def test_a_release_goes_after_the_decision_waiting_before_it(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Lepas Urut " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(live_server.url, "verifier1", store)
    apps.claim(app_id)
    detail = apps.fetch_detail(app_id)
    pending = PendingDecision.create(
        app_id, "verify", expected_version=detail.version, seen_status=detail.status_raw
    )
    apps.keep_decision(pending, label="verify")
    assert apps.release(app_id) is False  # queued behind the decision, not sent first
    assert holder(operator, app_id) == "verifier1"
    kinds = [e.kind for e in store.outbox_entries(app_id)]
    assert kinds == [EntryKind.DECISION.value, EntryKind.RELEASE.value]
    report = OutboxSender(apps, store).send_due()
    assert len(report.sent) == 2 and not report.conflicts
    assert operator.get(app_id)["status"] == "verified" and holder(operator, app_id) is None


def test_claiming_again_drops_a_release_still_waiting(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Lepas Ambil " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps = service_for(proxy.url, "verifier1", store)
        apps.claim(app_id)
        proxy.reset_after_request()
        apps.release(app_id)
        proxy.pass_through()
        apps.claim(app_id)  # the person took it again before the outbox sent the release
        (entry,) = store.outbox_entries(app_id)
        assert entry.state is EntryState.DISCARDED
        assert OutboxSender(apps, store).send_due().sent == []
        assert holder(operator, app_id) == "verifier1"


def test_a_release_on_its_way_when_the_person_claims_again_leaves_them_the_claim(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Lepas Balapan " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps = service_for(proxy.url, "verifier1", store)
        apps.claim(app_id)
        proxy.black_hole()  # the release never reaches the server
        assert apps.release(app_id, timeout=0.5) is False  # queued
        proxy.pass_through()
        # A round takes it (mengirim) ...
        (taken,) = store.write(lambda conn: outbox_table.take_due(conn, 10**10))
        apps.claim(app_id)  # ... the person claims again meanwhile (not dropped: under way)
        assert holder(operator, app_id) == "verifier1"
        # ... and the release reaches the server only after that new claim.
        tx = taken.transaction_id
        store.write(lambda conn: outbox_table.put_back(conn, tx, "", now=1))
        assert OutboxSender(apps, store).send_due().sent == [tx]
        assert holder(operator, app_id) == "verifier1"  # the new claim is theirs again


def test_a_release_queued_after_the_last_claim_does_not_claim_again(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Lepas Biasa " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps = service_for(proxy.url, "verifier1", store)
        apps.claim(app_id)
        proxy.black_hole()
        assert apps.release(app_id, timeout=0.5) is False
        proxy.pass_through()
        assert len(OutboxSender(apps, store).send_due().sent) == 1
        assert holder(operator, app_id) is None
