"""A round whose outcomes cannot be written (another program holds the database's write lock,
for real, with SQLite's own lock) ends with that error, and the entries it took are due again
in the same session: never stuck on *mengirim* (OpenCRVS #12292)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from desktop.models.outbox import EntryKind, EntryState, OutboxEntry
from desktop.models.store import Store
from desktop.models.store_errors import StoreProblem, store_problem
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.outbox import NOT_RECORDED, OutboxSender


def _add(store: Store, tx: str, app_id: str) -> None:
    store.write(
        lambda conn: conn.exec_driver_sql(
            "INSERT INTO outbox (transaction_id, app_id, kind, payload, label, user_id, state, "
            "attempts, reason, created_at, updated_at) "
            "VALUES (?, ?, ?, '{}', '', 'u', 'menunggu', 0, '', 1, 1)",
            (tx, app_id, EntryKind.DOCUMENT.value),
        )
    )


@contextmanager
def short_busy_timeout(store: Store) -> Iterator[None]:
    """Wait 50 ms for a lock instead of 30 s (the pool is emptied so every connection gets it)."""

    def busy(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout = 50")

    store.engine.dispose()
    event.listen(store.engine, "connect", busy)
    try:
        yield
    finally:
        event.remove(store.engine, "connect", busy)
        store.engine.dispose()


class Locker:
    """Another program's connection holding the write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, store: Store) -> None:
        self.conn = sqlite3.connect(store.path, isolation_level=None, timeout=5)
        self.held = False

    def lock(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("ROLLBACK")
            self.held = False
        self.conn.close()


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    s = Store(tmp_path / "kantor.sqlite3")
    yield s
    s.close()


def test_outcomes_that_cannot_be_written_leave_the_batch_due_again_in_the_session(
    store: Store,
) -> None:
    for n in range(3):  # three applications: one batch of three taken entries
        _add(store, f"t-{n}", f"a{n}")
    locker = Locker(store)
    sent: list[str] = []

    def send(entry: OutboxEntry) -> None:
        sent.append(entry.transaction_id)
        if sent == ["t-0"]:
            locker.lock()  # another program writes from now on: no outcome can be recorded

    outbox = OutboxSender(
        ApplicationService(ApiClient("http://127.0.0.1:9", device_id="d"), store),
        store,
        senders={EntryKind.DOCUMENT: send},
        clock=lambda: 1_000.0,
    )
    with short_busy_timeout(store):
        with pytest.raises(OperationalError) as raised:
            outbox.send_due()
        assert store_problem(raised.value) is StoreProblem.LOCKED
        assert sent == ["t-0"]  # the round stopped at the first outcome it could not write
        assert {e.state for e in store.outbox_entries()} == {EntryState.SENDING}
        with pytest.raises(OperationalError):  # still locked: the next round takes nothing
            outbox.send_due()
        assert sent == ["t-0"]
        locker.release()
        report = outbox.send_due()  # the same session, no reopening of the store
    assert sorted(report.sent) == ["t-0", "t-1", "t-2"]
    assert {e.state for e in store.outbox_entries()} == {EntryState.SENT}


def test_outcomes_not_written_are_put_back_at_once_when_the_store_takes_that_write(
    store: Store,
) -> None:
    _add(store, "t-0", "a0")
    _add(store, "t-1", "a1")
    fail = [True]

    def send(entry: OutboxEntry) -> None:
        if fail[0]:
            fail[0] = False
            # The store's own write fails inside the sender (as writing a detail may).
            raise OperationalError(
                "INSERT", (), sqlite3.OperationalError("database or disk is full")
            )

    outbox = OutboxSender(
        ApplicationService(ApiClient("http://127.0.0.1:9", device_id="d"), store),
        store,
        senders={EntryKind.DOCUMENT: send},
        clock=lambda: 1_000.0,
    )
    with pytest.raises(OperationalError) as raised:
        outbox.send_due()
    assert store_problem(raised.value) is StoreProblem.FULL
    entries = store.outbox_entries()
    assert [(e.state, e.attempts, e.reason) for e in entries] == [
        (EntryState.WAITING, 0, NOT_RECORDED),
        (EntryState.WAITING, 0, NOT_RECORDED),
    ]
    assert outbox.stranded == set()
    assert sorted(outbox.send_due().sent) == ["t-0", "t-1"]
