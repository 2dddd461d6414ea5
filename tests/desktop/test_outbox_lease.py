"""A decision kept through an outage longer than its claim's lease (issue 10): the real server's
clock is moved past the lease (`start_server(clock=True)`), so the claim has lapsed when the
outbox sends. Nobody else took it or decided: the sender claims again and sends the same
decision (same transaction id, applied once). Someone else holds or decided it: konflik, with
the server's current state kept for a person."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.outbox import OutboxSender
from tests.desktop.support import Remote
from tests.desktop.test_outbox import PASSWORD, keep, service_for, state_of, tx_count
from tests.live_server import LiveServer, start_server
from tests.server.harness import ServerClock


@pytest.fixture(scope="module")
def clock_server() -> Iterator[LiveServer]:
    """Its clock only moves forward: each test makes its own application and signs in anew
    after its own jump (access tokens live 15 minutes; the client refreshes)."""
    with start_server(applications=3, clock=True) as server:
        yield server


def _decided_offline(server: LiveServer, store: Store, name: str) -> tuple[str, str, OutboxSender]:
    """verifier1 claims, decides while the line is down (kept), and the lease runs out."""
    operator = Remote(server.api, "operator1", PASSWORD)
    app_id = operator.create(name + " " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(server.url, "verifier1", store)
    apps.claim(app_id)
    tx = keep(apps, app_id)
    ServerClock(server).advance(minutes=16)  # the 15-minute lease has lapsed on the server
    return app_id, tx, OutboxSender(apps, store)


def test_a_lapsed_claim_is_taken_again_and_the_same_decision_sent_once(
    clock_server: LiveServer, store: Store
) -> None:
    app_id, tx, sender = _decided_offline(clock_server, store, "Lewat Sewa")
    sender.apps.release(app_id)  # the person left: a release queued behind the decision
    report = sender.send_due()
    _decision, release = store.outbox_entries(app_id)
    assert release.kind == EntryKind.RELEASE.value
    assert report.sent == [tx, release.transaction_id] and not report.conflicts
    remote = Remote(clock_server.api, "operator1", PASSWORD)
    assert remote.get(app_id)["status"] == "verified"
    assert tx_count(remote, app_id, tx) == 1  # the same transaction, applied once
    actions = [h["action"] for h in remote.get(app_id)["history"]]
    assert actions.count("claim") == 2  # taken again by the sender
    assert remote.get(app_id).get("claim") is None  # and given back after, as queued


def test_someone_else_holding_it_now_is_a_conflict(clock_server: LiveServer, store: Store) -> None:
    app_id, tx, sender = _decided_offline(clock_server, store, "Sewa Diambil")
    colleague = Remote(clock_server.api, "verifier2", PASSWORD)
    assert colleague.claim(app_id).status_code == 200
    report = sender.send_due()
    assert report.conflicts == [tx]
    (entry,) = store.outbox_entries(app_id)
    assert entry.state is EntryState.CONFLICT
    assert "Andi Saputra" in entry.reason  # who holds it now
    assert entry.server_state["status"] == "submitted"
    assert colleague.get(app_id)["claim"]["username"] == "verifier2"  # never taken from them


def test_someone_else_deciding_meanwhile_is_a_conflict(
    clock_server: LiveServer, store: Store
) -> None:
    app_id, tx, sender = _decided_offline(clock_server, store, "Sewa Diputus")
    colleague = Remote(clock_server.api, "verifier2", PASSWORD)
    colleague.decide(app_id, "request_revision", "Foto KTP buram")
    assert sender.send_due().conflicts == [tx]
    assert state_of(store, tx) is EntryState.CONFLICT
    remote = Remote(clock_server.api, "operator1", PASSWORD)
    assert tx_count(remote, app_id, tx) == 0
    assert remote.get(app_id)["status"] == "needs_revision"
