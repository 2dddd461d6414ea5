"""The store announces each committed write: which applications, which parts, which op caused it.

Real SQLite files; the listeners are plain functions (the Qt bridge is tested too, with qtbot).
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from bench.fakedata import make_raw
from desktop.domain.records import ApplicationSummary
from desktop.models.changes import Part, StoreChange, caused_by
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def raw(n: int, **changes: Any) -> dict[str, Any]:
    r = make_raw(n, random.Random(n), NOW)
    r.update(changes)
    return r


def pair(r: dict[str, Any]) -> tuple[ApplicationSummary, dict[str, Any]]:
    return ApplicationSummary.from_json(r), r


def record(store: Store) -> list[StoreChange]:
    seen: list[StoreChange] = []
    store.subscribe(seen.append)
    return seen


def test_a_pull_page_is_one_change_listing_its_ids(store: Store) -> None:
    seen = record(store)
    rows = [pair(raw(n)) for n in range(1, 4)]

    def write(conn: Any) -> None:
        Store.upsert_summaries(conn, rows)
        Store.set_sync_values(conn, {"last_seq": "3"})

    store.write(write)
    assert len(seen) == 1
    change = seen[0]
    assert change.app_ids == frozenset(s.id for s, _ in rows)
    assert change.parts == {Part.QUEUE, Part.SYNC}
    assert not change.everything and change.cause is None
    assert change.touches(Part.QUEUE) and not change.touches(Part.MARKS)
    assert change.about(rows[0][0].id) and not change.about("someone-else")


def test_the_causing_operation_travels_from_the_calling_thread(store: Store) -> None:
    seen = record(store)
    summary, r = pair(raw(7))
    token = caused_by.set("claim")
    try:
        store.save_summary(summary, r)  # runs on the writer thread, which has no op of its own
    finally:
        caused_by.reset(token)
    store.save_summary(summary, r)
    assert [c.cause for c in seen] == ["claim", None]


def test_a_failed_write_announces_nothing_and_leaks_nothing_into_the_next(store: Store) -> None:
    seen = record(store)
    first, r1 = pair(raw(1))

    def broken(conn: Any) -> None:
        Store.upsert_summaries(conn, [(first, r1)])
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write(broken)
    assert seen == [] and store.count() == 0  # rolled back, not announced
    second, r2 = pair(raw(2))
    store.save_summary(second, r2)
    assert [c.app_ids for c in seen] == [frozenset({second.id})]  # not the rolled-back id


def test_marks_details_claims_and_purges_each_say_what_they_touched(store: Store) -> None:
    claim = {"user_id": "u1", "username": "v1", "full_name": "A", "expires_at": NOW.isoformat()}
    summary, r = pair(raw(3, claim=claim))
    store.save_summary(summary, r)
    seen = record(store)
    store.write(lambda conn: Store.put_marks(conn, summary.id, "{}", saved_at=1))
    store.write(lambda conn: Store.delete_marks(conn, summary.id))
    store.write(lambda conn: Store.put_detail(conn, summary, r))
    assert store.write(lambda conn: Store.drop_claim(conn, summary.id, "u1"))
    assert [c.parts for c in seen] == [
        {Part.MARKS},
        {Part.MARKS},
        {Part.QUEUE, Part.DETAIL},
        {Part.QUEUE, Part.DETAIL},
    ]
    assert all(c.app_ids == {summary.id} for c in seen)
    seen.clear()
    store.clear()
    assert len(seen) == 1 and seen[0].everything and seen[0].touches(Part.MARKS)


def test_a_write_that_changes_nothing_is_not_announced(store: Store) -> None:
    seen = record(store)
    store.write(lambda conn: Store.drop_claim(conn, "no-such-id", "u1"))
    store.write(lambda conn: Store.upsert_summaries(conn, []))
    store.purge_expired(30)
    assert seen == []


def test_a_broken_listener_does_not_fail_the_write_or_silence_others(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_change: StoreChange) -> None:
        raise ValueError("listener bug")

    store.subscribe(broken)
    seen = record(store)
    summary, r = pair(raw(4))
    store.save_summary(summary, r)
    assert store.count() == 1 and len(seen) == 1
    assert "store change listener failed" in caplog.text


def test_unsubscribe_stops_the_announcements(store: Store) -> None:
    seen: list[StoreChange] = []
    unsubscribe = store.subscribe(seen.append)
    unsubscribe()
    unsubscribe()  # twice is harmless
    summary, r = pair(raw(5))
    store.save_summary(summary, r)
    assert seen == []


def test_store_events_deliver_on_the_gui_thread_in_commit_order(store: Store, qtbot: QtBot) -> None:
    events = StoreEvents(store)
    got: list[tuple[StoreChange, bool]] = []
    events.changed.connect(
        lambda c: got.append((c, threading.current_thread() is threading.main_thread()))
    )
    rows = [pair(raw(n)) for n in range(10, 15)]
    done = threading.Event()

    def worker() -> None:  # writes from another thread, as ops do
        for s, r in rows:
            store.save_summary(s, r)
        done.set()

    threading.Thread(target=worker).start()
    assert done.wait(10)
    qtbot.waitUntil(lambda: len(got) == len(rows))
    assert [next(iter(c.app_ids)) for c, _ in got] == [s.id for s, _ in rows]
    assert all(on_gui for _, on_gui in got)
    events.close()
    store.save_summary(*pair(raw(20)))
    qtbot.wait(50)  # a queued delivery, if any, would arrive within this
    assert len(got) == len(rows)
