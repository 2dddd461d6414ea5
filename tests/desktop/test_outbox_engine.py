"""The outbox engine's seams (issue 10): one sender per entry kind (others add theirs through
`senders=`), an unknown kind refused as unreadable, and *dibuang* (discarded by a person) as
finished work: never due, never counted, never holding up the entries after it."""

from __future__ import annotations

from pathlib import Path

from desktop.models import outbox as outbox_table
from desktop.models.outbox import UNSENT, EntryKind, EntryState, OutboxEntry, has_unsent
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ConnectionFailure, FailureKind
from desktop.services.applications import ApplicationService
from desktop.services.outbox import UNREADABLE, OutboxSender


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
