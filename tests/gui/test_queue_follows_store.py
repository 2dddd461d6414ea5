"""The queue refreshes itself from the store's change events (issue 9, item 3).

Nobody tells the queue page to reload after a pull, a claim given back or a decision: the store
announces each committed write (`StoreChange`), `StoreEvents` brings it to the GUI thread, and
the page re-reads when a change touches the queue, once for a whole burst, keeping the selected
application and the scroll position. Real SQLite files, the real server, real widgets.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.records import ApplicationSummary
from desktop.models.changes import Part, StoreChange
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.applications import ApplicationService
from desktop.services.operations import Op, OpKind
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.views.queue.queue_page import QueuePage
from tests.desktop.support import MemoryKeyring, Remote, summary_json
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, running_app, search, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def item(i: int, *, due: str | None = None) -> tuple[ApplicationSummary, Any]:
    raw = summary_json(i, name=f"Pemohon {i:03d}", due_at=due)
    return ApplicationSummary.from_json(raw), raw


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "cache.sqlite3")
    store.save_summaries(
        [item(i, due=f"2026-12-{10 + i % 15:02d}T08:00:00Z") for i in range(1, 61)]
    )
    yield store
    store.close()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def events(store: Store) -> Iterator[StoreEvents]:
    events = StoreEvents(store)
    yield events
    events.close()


@pytest.fixture
def page(
    qtbot: QtBot, store: Store, runner: TaskRunner, events: StoreEvents
) -> Iterator[QueuePage]:
    page = QueuePage(QueueModel(store), runner, events=events)
    qtbot.addWidget(page)
    page.resize(1200, 400)  # some ten rows on screen: the 60 need scrolling
    page.show()
    qtbot.waitExposed(page)
    qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)  # every status
    qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
    yield page


def test_a_burst_of_writes_is_one_refresh_that_keeps_selection_and_scroll(
    qtbot: QtBot, page: QueuePage, store: Store, runner: TaskRunner, events: StoreEvents
) -> None:
    model, table = page.model, page.table
    assert model.rowCount() == 60
    table.scrollTo(model.index(30, 0), table.ScrollHint.PositionAtTop)
    assert page.select_id(model.id_at(35) or "")
    selected, top = page.current_id(), model.id_at(table.rowAt(0))
    assert selected and top and table.rowAt(0) == 30
    resets: list[None] = []
    model.modelReset.connect(lambda: resets.append(None))
    seen: list[StoreChange] = []
    events.changed.connect(seen.append)

    # Twenty transactions, as a pull commits its pages (one application each here), in an op
    # on a worker: every new application is due first, so each row on screen moves down.
    def write_pages(_ctx: TaskContext) -> None:
        for i in range(101, 121):
            store.save_summaries([item(i, due="2026-12-01T08:00:00Z")])

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT):
        Op(OpKind.PULL, "Memperbarui antrean", write_pages).run(runner)
    qtbot.waitUntil(lambda: len(seen) == 20, timeout=WAIT)
    assert {c.cause for c in seen} == {OpKind.PULL.value}
    qtbot.waitUntil(lambda: not page.refresh_pending, timeout=WAIT)
    assert len(resets) == 1  # twenty changes, one query
    assert model.rowCount() == 80
    assert page.current_id() == selected and model.id_at(table.rowAt(0)) == top
    assert table.rowAt(0) == 50  # the same application at the top, 20 rows further down


def test_changes_that_do_not_touch_the_queue_leave_it_alone(
    qtbot: QtBot, page: QueuePage, store: Store, events: StoreEvents
) -> None:
    seen: list[StoreChange] = []
    events.changed.connect(seen.append)
    app_id = page.model.id_at(0) or ""
    store.write(lambda conn: Store.put_marks(conn, app_id, "{}", saved_at=1))
    store.write(lambda conn: Store.set_sync_values(conn, {"last_error": ""}))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=WAIT)
    assert [c.parts for c in seen] == [frozenset({Part.MARKS}), frozenset({Part.SYNC})]
    assert not page.refresh_pending


def test_a_write_by_another_op_shows_in_the_visible_queue_without_being_told(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The real app over the real server: an op that is not the shell's (its own
    `ApplicationService` and `SyncService` on the session's store file) writes, and the queue
    on screen shows it. No pull by the shell, no reload call: the periodic pull is an hour away."""
    tag = "Ikut" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        page, store, auth, shell = loket.queue_page, loket.store, loket.auth, loket.shell
        assert page is not None and store is not None and auth is not None and shell is not None
        pulls = shell.last_pull
        search(qtbot, loket, tag.lower())
        assert page.model.rowCount() == 0
        causes: list[StoreChange] = []
        unsubscribe = store.subscribe(causes.append)
        try:
            # Someone else registers an application; this PC looks its number up on the
            # server (the lookup keeps what it found in the cache).
            fajar = operator.create(f"{tag} Fajar")
            apps = ApplicationService(auth.api, store)
            Op(
                OpKind.FIND,
                "Mencari permohonan",
                lambda _ctx: apps.find_by_number(fajar["registration_number"]),
            ).run(loket.runner)
            qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
            assert page.model.id_at(0) == fajar["id"]
            assert any(c.cause == OpKind.FIND and fajar["id"] in c.app_ids for c in causes)
            assert page.select_id(fajar["id"])

            # Another application arrives with a pull that is not the shell's.
            gita = operator.create(f"{tag} Gita")
            sync = SyncService(auth.api, store)
            Op(OpKind.PULL, "Memperbarui antrean", sync.pull).run(loket.runner)
            qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
            assert {page.model.id_at(0), page.model.id_at(1)} == {fajar["id"], gita["id"]}
            assert page.current_id() == fajar["id"]  # the person's selection stays
            assert shell.last_pull is pulls  # the shell did not pull meanwhile
        finally:
            unsubscribe()
