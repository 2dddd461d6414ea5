"""The outbox end to end against the real reference server and real store files: a decision
taken while the server cannot be reached is kept on this PC and sent once when it is back;
nothing lost (schema change, clear, kill mid-send, stale-office removal), nothing doubled (an
answer reset after the server committed), every conflict seen, a refusal never retried."""

from __future__ import annotations

import json
import sqlite3
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.controllers.workbench import WorkbenchController
from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ChecklistItem
from desktop.domain.workflow import Action
from desktop.models import audit_log
from desktop.models import store as store_module
from desktop.models.changes import Part, StoreChange
from desktop.models.outbox import EntryKind, EntryState, summary_text
from desktop.models.outbox_resolution import AUDIT_DISCARDED
from desktop.models.store import Store
from desktop.models.store_locator import prepare_store, store_location
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.auth import AuthService, UserInfo
from desktop.services.outbox import OutboxSender
from desktop.services.secrets import SecretStore
from desktop.services.tasks import TaskRunner
from tests.desktop.support import MemoryKeyring, Remote, ScriptedHttpServer, TcpProxy, send
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
WAIT = 20_000


class Clock:
    """A clock the test moves (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signed_in(url: str, username: str, store: Store) -> tuple[ApplicationService, UserInfo]:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    user = AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, PASSWORD)
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    return apps, user


def service_for(url: str, username: str, store: Store) -> ApplicationService:
    return signed_in(url, username, store)[0]


def tx_count(remote: Remote, app_id: str, tx: str) -> int:
    return [h.get("transaction_id") for h in remote.get(app_id)["history"]].count(tx)


def keep(apps: ApplicationService, app_id: str, action: str = "verify", **kw: Any) -> str:
    """A decision on the application's current version, written to the outbox directly."""
    detail = apps.fetch_detail(app_id)
    pending = PendingDecision.create(
        app_id, action, expected_version=detail.version, seen_status=detail.status_raw, **kw
    )
    assert apps.keep_decision(pending, label=f"{action} {detail.number}")
    return pending.transaction_id


def state_of(store: Store, tx: str) -> EntryState:
    (entry,) = [e for e in store.outbox_entries() if e.transaction_id == tx]
    return entry.state


# -- kept on this PC: the controller, the server unreachable --------------------------------------


def test_decision_while_server_unreachable_is_kept_then_sent_once(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Satu " + uuid.uuid4().hex[:6])["id"]
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        apps, user = signed_in(proxy.url, "verifier1", store)
        c = WorkbenchController(runner, apps, user, catalogue, neighbours=lambda _a: (None, None))
        messages: list[tuple[str, str]] = []
        c.message.connect(lambda text, kind: messages.append((text, kind)))
        with qtbot.waitSignal(c.opened, timeout=WAIT):
            c.open(app_id)
        assert c.holds(app_id)
        version = operator.get(app_id)["version"]
        proxy.down()  # the server cannot be reached from this PC
        items = [ChecklistItem("SURAT-PENGANTAR-RT-RW", True, None)]
        with qtbot.waitSignal(c.kept_offline, timeout=WAIT):
            c.decide(Action.VERIFY.value, "", items)
        text, kind = messages[-1]
        assert kind == "info"
        assert text.startswith(
            "Keputusan disimpan di komputer ini dan akan dikirim otomatis saat server tersambung."
        )
        assert "berlaku sampai" in text  # until when the claim holds
        (entry,) = store.outbox_entries(app_id)
        # Written first, then tried once by the outbox: coba lagi, its next attempt later.
        assert entry.state is EntryState.RETRY and entry.kind == EntryKind.DECISION.value
        assert entry.payload["expected_version"] == version
        assert operator.get(app_id)["status"] == "submitted"  # nothing reached the server
        # Leaving keeps the claim for the decision (a release first would make it a conflict).
        c.close()
        assert runner.wait_idle(10_000)
        assert (operator.get(app_id).get("claim") or {}).get("username") == "verifier1"

        proxy.up()
        sender = OutboxSender(apps, store)
        assert sender.retry_now() == 1  # what "Coba sekarang" / back online does
        report = sender.send_due()
        # the decision, then the release queued behind it when the person left
        _decision, release = store.outbox_entries(app_id)
        assert release.kind == EntryKind.RELEASE.value
        assert report.sent == [entry.transaction_id, release.transaction_id]
        assert state_of(store, entry.transaction_id) is EntryState.SENT
        assert tx_count(operator, app_id, entry.transaction_id) == 1
        assert operator.get(app_id)["status"] == "verified"
        cached = store.summary(app_id)
        assert cached is not None and cached.status_raw == "verified"  # the answer is kept
        assert OutboxSender(apps, store).send_due().sent == []  # nothing twice
        assert tx_count(operator, app_id, entry.transaction_id) == 1
    finally:
        proxy.close()


def test_answer_reset_after_the_server_committed_is_recognised_not_doubled(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Reset " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps, user = signed_in(proxy.url, "verifier1", store)
        api = apps.api
        c = WorkbenchController(runner, apps, user, catalogue, neighbours=lambda _a: (None, None))
        with qtbot.waitSignal(c.opened, timeout=WAIT):
            c.open(app_id)
        before = operator.get(app_id)["version"]
        proxy.reset_after_request()  # every answer lost, after the server has the request
        with qtbot.waitSignal(c.kept_offline, timeout=WAIT):
            c.decide(Action.VERIFY.value, "", [ChecklistItem("SURAT-PENGANTAR-RT-RW", True)])
        assert proxy.faults >= 2  # the decision and its immediate replay, both answered unseen
        (entry,) = store.outbox_entries(app_id)
        assert tx_count(operator, app_id, entry.transaction_id) == 1  # it did reach the server
        proxy.pass_through()
        sender = OutboxSender(apps, store)
        sender.retry_now()
        report = sender.send_due()
        assert report.sent == [entry.transaction_id] and not report.conflicts
        seen = operator.get(app_id)
        assert seen["version"] == before + 1  # applied once
        assert tx_count(operator, app_id, entry.transaction_id) == 1
        assert [h["action"] for h in seen["history"]].count("verify") == 1
        c.close()
        runner.wait_idle(10_000)
        api.close()


# -- what the server answers: conflict, refusal, "later" ------------------------------------------


def test_someone_else_decided_meanwhile_is_a_visible_conflict(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Konflik " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(live_server.url, "verifier1", store)
    apps.claim(app_id)
    tx = keep(apps, app_id, "verify")
    # The lease ended during the outage (given back on the server, not by this PC, which keeps
    # a claim whose decision waits); a colleague took it.
    Remote(live_server.api, "verifier1", PASSWORD).release(app_id)
    colleague = Remote(live_server.api, "verifier2", PASSWORD)
    colleague.decide(app_id, "reject", "Berkas tidak lengkap (diputuskan di PC lain)")
    report = OutboxSender(apps, store).send_due()
    assert report.conflicts == [tx] and not report.sent
    (entry,) = store.outbox_entries(app_id)
    assert entry.state is EntryState.CONFLICT
    assert entry.server_state["status"] == "rejected"  # the server's state, kept beside it
    assert "verifier2" in entry.reason  # who acted first, named
    assert tx_count(operator, app_id, tx) == 0
    assert OutboxSender(apps, store).send_due().conflicts == []  # waits for a person
    assert summary_text(store.outbox_counts()) == "1 konflik"


def test_a_refused_entry_is_kept_never_retried_and_blocks_no_other_application(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    bad_id = operator.create("Luring Ditolak " + uuid.uuid4().hex[:6])["id"]
    good_id = operator.create("Luring Lancar " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(live_server.url, "verifier1", store)
    apps.claim(bad_id)
    apps.claim(good_id)
    # An action this server does not know (as from a newer desktop): the real server answers
    # 422 validation_error, a permanent refusal.
    bad = keep(apps, bad_id, "teleport")
    good = keep(apps, good_id, "verify")
    report = OutboxSender(apps, store).send_due()
    assert report.refused == [bad] and report.sent == [good]
    (entry,) = store.outbox_entries(bad_id)
    assert entry.state is EntryState.REFUSED and entry.attempts == 1
    assert "tidak valid" in entry.reason
    assert OutboxSender(apps, store).send_due().refused == []  # never again in a loop
    (entry,) = store.outbox_entries(bad_id)
    assert entry.attempts == 1
    assert operator.get(good_id)["status"] == "verified"


def test_a_request_sent_after_sign_out_is_never_refused(
    live_server: LiveServer, store: Store
) -> None:
    """A send still running when the person signs out goes without a token; the server's 401
    is about the session, not the entry: it waits for the next session (it was marked
    ditolak: the decision was lost; seen in test_decision_survives_session_end under load)."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Keluar " + uuid.uuid4().hex[:6])["id"]
    api = ApiClient(live_server.url, device_id=str(uuid.uuid4()), timeout=5)
    auth = AuthService(api, SecretStore(MemoryKeyring()))
    auth.sign_in("verifier1", PASSWORD)
    apps = ApplicationService(api, store)
    apps.claim(app_id)
    tx = keep(apps, app_id)
    auth.sign_out()
    report = OutboxSender(apps, store).send_due()
    assert report.refused == [] and report.sent == []
    assert state_of(store, tx) is EntryState.WAITING
    assert operator.get(app_id)["status"] == "submitted"
    auth.sign_in("verifier1", PASSWORD)  # the next session sends it
    assert OutboxSender(apps, store).send_due().sent == [tx]
    assert operator.get(app_id)["status"] == "verified"


def problem(status: int, code: str, **extras: Any) -> bytes:
    return json.dumps({"status": status, "code": code, "detail": code, **extras}).encode()


def test_503_and_429_wait_for_retry_after_and_a_400_is_refused(store: Store) -> None:
    """The reference server never answers a decision with 503, 429 or 400 (it has no rate
    limit on actions, no maintenance mode, and FastAPI turns a bad decision into 422), so these
    three come from a tiny stdlib HTTP stub: the only fake in this file."""
    # The 503 is a proxy's or a load balancer's (HTML, no problem body): only its Retry-After
    # header says how long to wait. The 429 says it in the header too.
    answers: list[tuple[int, bytes, str, str]] = [
        (503, b"<html><body>503 Service Unavailable</body></html>", "text/html", "120"),
        (429, problem(429, "rate_limited"), "application/problem+json", "30"),
        (400, problem(400, "malformed_json"), "application/problem+json", ""),
    ]

    def respond(handler: BaseHTTPRequestHandler) -> None:
        status, body, ctype, after = answers[0]
        send(handler, status, body, ctype, headers={"Retry-After": after} if after else None)

    clock = Clock()
    with ScriptedHttpServer() as srv:
        srv.route("POST", "/api/v1/applications/", respond)
        apps = ApplicationService(ApiClient(srv.url, device_id="pc-1", timeout=5), store)
        sender = OutboxSender(apps, store, clock=clock, rng=lambda: 0.5, base_seconds=10)
        pending = PendingDecision.create(str(uuid.uuid4()), "verify", expected_version=2)
        apps.keep_decision(pending, label="verify X")
        tx = pending.transaction_id

        sender.send_due()
        (entry,) = store.outbox_entries()
        assert entry.state is EntryState.RETRY and entry.attempts == 1
        assert entry.next_attempt_at == clock.now + 120  # Retry-After beats 0.5 * 10 s
        posts = len(srv.requests)
        clock.now += 119
        assert sender.send_due().retry == [] and len(srv.requests) == posts  # not yet due
        answers.pop(0)
        clock.now += 1
        sender.send_due()
        (entry,) = store.outbox_entries()
        assert entry.state is EntryState.RETRY and entry.attempts == 2
        assert entry.next_attempt_at == clock.now + 30
        # "Coba sekarang": due at once, whatever the time said.
        answers.pop(0)
        assert sender.retry_now() == 1
        sender.send_due()
        assert state_of(store, tx) is EntryState.REFUSED
        posts = len(srv.requests)
        clock.now += 10_000
        sender.send_due()
        assert len(srv.requests) == posts  # a refusal is never sent again


def test_backoff_is_capped_exponential_with_full_jitter(store: Store) -> None:
    apps = ApplicationService(ApiClient("http://127.0.0.1:9", device_id="d"), store)
    top = OutboxSender(apps, store, rng=lambda: 1.0, base_seconds=5, cap_seconds=600)
    assert [top.backoff(n) for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 600, 600]
    assert OutboxSender(apps, store, rng=lambda: 0.0).backoff(5) == 0  # full jitter: from 0
    assert top.backoff(1, retry_after=42) == 42


# -- nothing lost: kill, schema change, clear, other office --------------------------------------


def test_killed_mid_send_is_sent_again_once_after_restart(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "pc.sqlite3"
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Mati " + uuid.uuid4().hex[:6])["id"]
    first = Store(path)
    apps = service_for(live_server.url, "verifier1", first)
    apps.claim(app_id)
    tx = keep(apps, app_id)
    taken = first.write(lambda conn: Store.take_due_entries(conn, 2_000_000_000))
    assert [e.state for e in first.outbox_entries()] == [EntryState.SENDING]
    # ...and the process dies here, before sending: the request may or may not have gone
    # out. Sending it first, as a killed process may have done, makes the replay the proof.
    assert taken and apps.decide(PendingDecision.from_payload(taken[0].payload))
    first.close()

    again = Store(path)
    try:
        assert [e.state for e in again.outbox_entries()] == [EntryState.WAITING]
        apps.store = again
        report = OutboxSender(apps, again).send_due()
        assert report.sent == [tx]
        assert tx_count(operator, app_id, tx) == 1
        assert [h["action"] for h in operator.get(app_id)["history"]].count("verify") == 1
    finally:
        again.close()


def _entry_in(store: Store, app_id: str = "app-1") -> str:
    pending = PendingDecision.create(app_id, "verify", expected_version=3)
    store.write(
        lambda conn: Store.add_outbox_entry(
            conn,
            transaction_id=pending.transaction_id,
            app_id=app_id,
            kind=EntryKind.DECISION,
            payload=pending.payload(),
            label="x",
            user_id="u",
            now=1,
        )
    )
    return pending.transaction_id


def test_schema_change_and_clear_keep_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    s = Store(path)
    tx = _entry_in(s)
    s.clear()
    assert [e.transaction_id for e in s.outbox_entries()] == [tx]
    s.close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", store_module.SCHEMA_VERSION + 1)
    rebuilt = Store(path)  # the cache is dropped and rebuilt; the outbox is not cache
    try:
        version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
        assert version == store_module.SCHEMA_VERSION
        assert [e.transaction_id for e in rebuilt.outbox_entries()] == [tx]
    finally:
        rebuilt.close()


def test_outbox_writes_are_announced(store: Store) -> None:
    seen: list[StoreChange] = []
    store.subscribe(seen.append)
    _entry_in(store, "app-9")
    assert seen[-1].touches(Part.OUTBOX) and seen[-1].about("app-9")
    assert summary_text(store.outbox_counts()) == "1 menunggu"


def test_stale_office_removal_keeps_a_store_with_unsent_entries(tmp_path: Path) -> None:
    server, user = "http://127.0.0.1:8765", "verifier1"
    old_path = store_location(tmp_path, server, user, "14.71.01")
    sent_path = store_location(tmp_path, server, user, "14.71.02")
    prepare_store(tmp_path, server, user, "14.71.01").store.close()
    old = Store(old_path)
    _entry_in(old)
    old.close()
    done = Store(sent_path)
    tx = _entry_in(done)
    done.write(lambda conn: Store.finish_outbox_entry(conn, tx, EntryState.SENT, now=2))
    done.close()

    moved = prepare_store(tmp_path, server, user, "14.71.03")  # the user moved office
    moved.store.close()
    assert old_path.exists()  # unsent work: never deleted by the program
    assert not sent_path.exists()  # everything sent: only cache, removed as before


def test_the_claim_is_kept_while_its_decision_waits_then_given_back(
    live_server: LiveServer, store: Store
) -> None:
    """Leaving the application, signing out or quitting all release through
    `ApplicationService.release`: while a decision on it waits in the outbox the release waits
    behind it in the outbox (sent before it, the decision would come back as a conflict)."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Luring Klaim " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(live_server.url, "verifier1", store)
    apps.claim(app_id)
    tx = keep(apps, app_id)

    def holder() -> str | None:
        claim = operator.get(app_id).get("claim") or {}
        return claim.get("username")

    assert apps.release(app_id) is False  # e.g. the person opened the next application
    assert holder() == "verifier1"  # queued behind the decision, not sent before it
    sent = OutboxSender(apps, store).send_due().sent
    assert sent[0] == tx and len(sent) == 2  # the decision, then the release
    assert operator.get(app_id)["status"] == "verified"
    assert holder() is None


def test_a_conflict_seen_where_it_was_decided_is_discarded_with_its_audit_record(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Dilihat " + uuid.uuid4().hex[:6])["id"]
    apps = service_for(live_server.url, "verifier1", store)
    apps.claim(app_id)
    tx = keep(apps, app_id, "verify")
    Remote(live_server.api, "verifier1", PASSWORD).release(app_id)
    Remote(live_server.api, "verifier2", PASSWORD).decide(app_id, "reject", "Tidak lengkap")
    assert OutboxSender(apps, store).send_due().conflicts == [tx]
    assert apps.discard_seen(tx, "Ditampilkan kepada petugas saat memutuskan")
    assert state_of(store, tx) is EntryState.DISCARDED
    (record,) = [e for e in store.read(audit_log.events) if e.kind == AUDIT_DISCARDED]
    assert record.app_id == app_id and record.details["transaction_id"] == tx
    assert record.details["server_status"] == "rejected"
    assert not apps.discard_seen(tx, "lagi")  # once
    assert len([e for e in store.read(audit_log.events) if e.kind == AUDIT_DISCARDED]) == 1
