"""A pull never overwrites unsent local changes (issue 10): a row whose application has an
unsent outbox entry keeps its local state, the server's version is held aside and applied once
nothing is unsent for it; the queue says "belum terkirim" on such rows (screenshot looked at).
Real SQLite files and real widgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.records import ApplicationSummary
from desktop.models import outbox as outbox_table
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.tasks import TaskRunner
from desktop.views.queue.queue_page import QueuePage
from tests.desktop.support import summary_json
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, shot

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def item(i: int, **changes: Any) -> tuple[ApplicationSummary, dict[str, Any]]:
    raw = summary_json(i, name=f"Pemohon {i:03d}", **changes)
    return ApplicationSummary.from_json(raw), raw


def app_id(i: int) -> str:
    return item(i)[0].id


def queue(store: Store, i: int, kind: EntryKind = EntryKind.DECISION) -> str:
    tx = f"tx-{i}-{kind.value}"
    store.write(
        lambda conn: outbox_table.add_entry(
            conn,
            transaction_id=tx,
            app_id=app_id(i),
            kind=kind,
            payload={"v": 1},
            label=f"Verifikasi {i}",
            user_id="me",
            now=1,
        )
    )
    return tx


def status_of(store: Store, i: int) -> str:
    summary = store.summary(app_id(i))
    assert summary is not None
    return summary.status_raw


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "cache.sqlite3")
    store.save_summaries([item(i) for i in range(1, 6)])
    yield store
    store.close()


def test_a_pull_keeps_a_row_with_unsent_changes_and_applies_the_server_once_sent(
    store: Store,
) -> None:
    tx = queue(store, 1)
    queue(store, 2, EntryKind.RELEASE)  # a release changes no data: never holds a row
    pulled = [
        item(1, status="needs_revision", version=2, seq=101),
        item(2, status="verified", version=2, seq=102),
        item(3, status="verified", version=2, seq=103),
    ]
    store.save_summaries(pulled)
    assert status_of(store, 1) == "submitted"  # the local state, not the server's
    assert [status_of(store, i) for i in (2, 3)] == ["verified", "verified"]
    # an older server version arriving later never replaces the newer one held
    store.save_summaries([item(1, status="submitted", version=1, seq=90)])
    store.write(
        lambda conn: Store.finish_outbox_entry(conn, tx, EntryState.CONFLICT, now=2, reason="x")
    )
    assert status_of(store, 1) == "submitted"  # konflik is still unsent
    store.write(lambda conn: outbox_table.discard(conn, tx, "dibuang", now=3))
    store.save_summaries([])  # nothing new; the held version waits for the next write
    store.save_summaries([item(4, seq=104)])  # the next pull page applies it
    assert status_of(store, 1) == "needs_revision"


def test_the_entry_sent_writes_the_held_version_in_the_same_write(store: Store) -> None:
    tx = queue(store, 1)
    detail = dict(item(1, status="verified", version=2, seq=200)[1], documents=[], history=[])
    store.write(lambda conn: Store.put_detail(conn, ApplicationSummary.from_json(detail), detail))
    assert status_of(store, 1) == "submitted"
    assert "history" not in json.dumps(store.cached_raw(app_id(1)))  # the whole detail is held
    store.write(lambda conn: Store.finish_outbox_entry(conn, tx, EntryState.SENT, now=2))
    assert status_of(store, 1) == "verified"
    assert store.cached_raw(app_id(1))["history"] == []


def test_the_answer_to_the_own_decision_is_written_through(store: Store) -> None:
    queue(store, 1)
    store.save_summaries([item(1, status="needs_revision", version=3, seq=300)])  # held
    answer = item(1, status="verified", version=2, seq=250)
    store.write(lambda conn: Store.upsert_summaries(conn, [answer], answer=True))
    assert status_of(store, 1) == "verified"


def test_the_queue_says_belum_terkirim_on_rows_with_unsent_changes(
    qtbot: QtBot, store: Store
) -> None:
    runner, events = TaskRunner(), StoreEvents(store)
    try:
        page = QueuePage(QueueModel(store), runner, events=events)
        qtbot.addWidget(page)
        page.resize(1200, 320)
        page.show()
        qtbot.waitExposed(page)
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
        model = page.model
        column = QueueModel.COLUMNS.index("status")

        def status_text(i: int) -> str:
            row = model.row_of_id(app_id(i))
            return str(model.index(row, column).data())

        assert "belum terkirim" not in status_text(1)
        tx = queue(store, 1)  # the page follows the outbox's change by itself
        qtbot.waitUntil(lambda: status_text(1) == "Diajukan \u00b7 belum terkirim", timeout=WAIT)
        assert status_text(2) == "Diajukan"
        shot(page, "a2_queue.png")
        store.write(lambda conn: Store.finish_outbox_entry(conn, tx, EntryState.SENT, now=2))
        qtbot.waitUntil(lambda: status_text(1) == "Diajukan", timeout=WAIT)
    finally:
        events.close()
        runner.shutdown()
