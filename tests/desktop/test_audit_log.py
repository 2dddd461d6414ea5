"""The local audit log: appended in the change's own transaction, hash-chained, one chain per
store file, never a full NIK, never lost with the cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection

from desktop.domain.audit_chain import GENESIS
from desktop.models import audit_log
from desktop.models.outbox import EntryKind
from desktop.models.store import Store


def _append(conn: Connection, kind: str = "claim", app_id: str | None = "app-1") -> None:
    audit_log.append(
        conn, kind=kind, user_id="user-1", app_id=app_id, details={"n": 1}, now=1_800_000_000
    )


def test_events_chain_from_genesis_with_the_device(store: Store) -> None:
    store.write(lambda conn: audit_log.use_device(conn, "pc-1"))
    for kind in ("claim", "decision_queued", "release"):
        store.write(lambda conn, k=kind: _append(conn, k))
    events = store.read(audit_log.events)
    assert [e.kind for e in events] == ["claim", "decision_queued", "release"]
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert {e.chain_id for e in events} == {events[0].chain_id}
    assert {e.device_id for e in events} == {"pc-1"}
    assert all(e.chain_event().hash(e.prev_hash) == e.hash for e in events)
    assert store.read(audit_log.first_break) is None
    assert store.read(audit_log.count_unpushed) == 3


def test_an_event_is_written_with_its_change_or_not_at_all(store: Store) -> None:
    def decide_then_fail(conn: Connection) -> None:
        Store.add_outbox_entry(
            conn,
            transaction_id="tx-1",
            app_id="app-1",
            kind=EntryKind.DECISION,
            payload={},
            label="x",
            user_id="u",
            now=1,
        )
        _append(conn, "decision_queued")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write(decide_then_fail)
    assert store.read(audit_log.events) == [] and store.outbox_entries() == []


def test_a_full_nik_is_refused_and_nothing_written(store: Store) -> None:
    with pytest.raises(ValueError):
        store.write(
            lambda conn: audit_log.append(
                conn, kind="x", user_id="u", app_id=None, details={"nik": "1471011001900001"},
                now=1,
            )
        )  # fmt: skip
    assert store.read(audit_log.events) == []


def test_an_edited_event_breaks_the_local_chain(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    s = Store(path)
    for _ in range(3):
        s.write(_append)
    s.close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE audit_log SET details = '{\"n\":2}' WHERE seq = 2")
    s = Store(path)
    try:
        assert s.read(audit_log.first_break) == 2
    finally:
        s.close()


def test_each_store_is_its_own_chain(tmp_path: Path) -> None:
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    try:
        a.write(_append)
        b.write(_append)
        (ea,), (eb,) = a.read(audit_log.events), b.read(audit_log.events)
        assert ea.chain_id != eb.chain_id and ea.prev_hash == eb.prev_hash == GENESIS
    finally:
        a.close()
        b.close()


def test_pushed_marks_only_what_was_accepted(store: Store) -> None:
    for _ in range(3):
        store.write(_append)
    first, *_rest = store.read(lambda conn: audit_log.unpushed(conn, 10))
    assert store.write(lambda conn: audit_log.mark_pushed(conn, [first.id], 5)) == 1
    left = store.read(lambda conn: audit_log.unpushed(conn, 10))
    assert [e.seq for e in left] == [2, 3]


def test_a_queued_decision_is_recorded_in_the_same_write(store: Store) -> None:
    from desktop.domain.workflow import Action
    from desktop.services.api.client import ApiClient
    from desktop.services.applications import ApplicationService, PendingDecision

    apps = ApplicationService(ApiClient("http://127.0.0.1:9", device_id="pc-1"), store)
    apps.my_user_id = "user-1"
    pending = PendingDecision.create("app-7", Action.VERIFY, expected_version=3)
    assert apps.keep_decision(pending, label="Verifikasi")
    (event,) = store.read(audit_log.events)
    assert (event.kind, event.app_id, event.user_id) == ("decision_queued", "app-7", "user-1")
    assert event.details == {
        "action": "verify",
        "transaction_id": pending.transaction_id,
        "expected_version": 3,
    }
    apps.api.close()
