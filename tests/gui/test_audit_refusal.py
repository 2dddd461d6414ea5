"""A refused audit chain is seen and recovers (issue 10): a real store file whose audit log
breaks (an event the server has not got yet is deleted on the PC, after its predecessor was
accepted) is pushed to the real reference server, which answers 409 ``audit_chain_broken``.
The refusal is kept in the store: the Sinkronisasi page shows it as its own line (real widgets,
screenshots at 1366x768 /tmp/h2_page.png and at the window's page area /tmp/h2_page_area.png),
the status bar's outbox counts count it in their tooltip, and a restart (a new Store on the same
file) still shows it. When the record is put back (what an administrator restoring the file
does) and the hour's pause is over, the server accepts the log and the line goes away."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.controllers.connection import ConnectionWatch
from desktop.controllers.outbox_page import OutboxPageController, audit_line
from desktop.controllers.sync import SyncController
from desktop.domain.formatting import zone_for_region
from desktop.models import audit_log
from desktop.models.outbox import EntryState
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.audit_push import BROKEN_PAUSE_SECONDS, AuditPusher
from desktop.services.auth import AuthService, UserInfo
from desktop.services.outbox import OutboxSender
from desktop.services.retry import Backoff
from desktop.services.secrets import SecretStore
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskRunner
from desktop.views.sync_page import SyncPage
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, shot
from tests.gui.test_sync_page import LONG, put
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

TZ = zone_for_region("14.71")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    del qtbot
    r = TaskRunner()
    yield r
    r.shutdown(5000)


def _signed_in(url: str) -> tuple[ApiClient, UserInfo]:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=10)
    return api, AuthService(api, SecretStore(MemoryKeyring())).sign_in("verifier1", PASSWORD)


def _record(store: Store, user: UserInfo, n: int, at: int) -> None:
    for i in range(n):
        store.write(
            lambda conn, i=i: audit_log.append(
                conn, kind="claim", user_id=user.id, app_id=str(uuid.uuid4()),
                details={"n": i}, now=at + i,
            )
        )  # fmt: skip


def _sql(path: Path, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """One statement on the store file from outside the program (a tamperer, an admin)."""
    with closing(sqlite3.connect(path)) as raw, raw:
        return tuple(raw.execute(sql, params).fetchone() or ())


def _page(
    qtbot: QtBot, store: Store, runner: TaskRunner, events: StoreEvents, clock: Clock
) -> tuple[SyncPage, OutboxPageController]:
    logic = OutboxPageController(
        store, runner, user_id="user-verifier1", tz=TZ, events=events, clock=clock
    )
    widget = SyncPage()
    widget.bind(logic)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    logic.start()
    return widget, logic


def _fits(label: QLabel) -> bool:
    """The wrapped line is as tall as its text needs at its width (nothing cut off)."""
    return label.isVisible() and label.height() >= label.heightForWidth(label.width())


def test_a_refused_chain_is_shown_counted_kept_across_a_restart_and_cleared_once_accepted(
    qtbot: QtBot, live_server: LiveServer, runner: TaskRunner, tmp_path: Path
) -> None:
    path = tmp_path / "store.sqlite3"
    clock = Clock()
    store = Store(path)
    api, user = _signed_in(live_server.url)
    try:
        pusher = AuditPusher(api, store, clock=clock)
        _record(store, user, 2, int(clock.now) - 600)
        assert pusher.push().pushed == 2  # the server holds events 1-2
        _record(store, user, 3, int(clock.now) - 300)
        # Event 3 removed on the PC before it went (kept here to put back later).
        kept = _sql(path, "SELECT * FROM audit_log WHERE seq = 3")
        _sql(path, "DELETE FROM audit_log WHERE seq = 3")
        put(store, EntryState.WAITING, LONG, age=95)  # work waiting beside it

        report = pusher.push()
        assert report.waiting == "audit_chain_broken" and report.broken["reason"] == "prev_hash"
        refused = store.read(audit_log.refusal)
        assert refused is not None
        assert (refused.number, refused.unaccepted, refused.at) == (3, 2, int(clock.now))
        assert refused.event_id == report.broken["event_id"]

        # The page: its own line, in Indonesian, beside the work still waiting.
        events = StoreEvents(store)
        widget, logic = _page(qtbot, store, runner, events, clock)
        qtbot.waitUntil(lambda: widget.audit_line.isVisible(), timeout=WAIT)
        qtbot.waitUntil(lambda: widget.state.total == 1, timeout=WAIT)
        line = widget.audit_line.text()
        assert line.startswith("Catatan audit komputer ini ditolak server (pukul ")
        assert " WIB): rantai terputus pada catatan ke-3. " in line
        assert "2 catatan audit belum diterima server" in line
        assert line.endswith("Pekerjaan tetap terkirim; hubungi administrator.")
        assert _fits(widget.audit_line)
        shot(widget, "h2_page.png")
        widget.resize(1366 - 150, 768 - 60)  # the page area inside the window
        qtbot.waitUntil(lambda: _fits(widget.audit_line), timeout=WAIT)
        shot(widget, "h2_page_area.png")

        # The status bar's outbox counts: the sync controller of a session on this store.
        apps = ApplicationService(api, store)
        apps.my_user_id = user.id
        sync_service = SyncService(api, store)
        connection = ConnectionWatch(api, sync_service.probe, runner, backoff=Backoff(0.05, 0.2))
        sync = SyncController(
            sync_service,
            store,
            runner,
            connection,
            refresh_seconds=3600,
            outbox=OutboxSender(apps, store),
            events=events,
        )
        counts: list[tuple[str, str]] = []
        sync.outbox_changed.connect(lambda text, tip: counts.append((text, tip)))
        sync.start()
        qtbot.waitUntil(lambda: bool(counts) and "audit ditolak" in counts[-1][0], timeout=WAIT)
        qtbot.waitUntil(lambda: not sync.sending, timeout=WAIT)  # its round and push ended

        def counted() -> int:
            found = re.search(
                r"Catatan audit ditolak server: (\d+) catatan audit belum", counts[-1][1]
            )
            return int(found.group(1)) if found else -1

        # The round may add records of its own (a re-claim): the tooltip follows the store.
        qtbot.waitUntil(lambda: counted() == store.read(audit_log.count_unpushed), timeout=WAIT)
        sync.stop()
        assert counted() >= 2  # kept, never dropped
        assert "audit ditolak" in counts[-1][0].split(" · ")
        logic.stop()
        events.close()
        widget.close()
    finally:
        store.close()

    # A restart: a new Store on the same file still shows the refusal.
    store = Store(path)
    try:
        events = StoreEvents(store)
        widget, logic = _page(qtbot, store, runner, events, clock)
        qtbot.waitUntil(lambda: widget.audit_line.isVisible(), timeout=WAIT)
        assert "rantai terputus pada catatan ke-3" in widget.audit_line.text()
        assert "2 catatan audit belum diterima server" in widget.audit_line.text()

        # Within the hour nothing goes; the record put back (an administrator restored the
        # file) and the hour over, the server accepts the log: the line goes away.
        pusher = AuditPusher(api, store, clock=clock)
        assert pusher.push().waiting == "audit_chain_broken"  # this session's first try
        assert pusher.push().waiting == "chain_broken"  # then paused: no request
        _sql(path, f"INSERT INTO audit_log VALUES ({', '.join('?' * len(kept))})", kept)
        clock.now += BROKEN_PAUSE_SECONDS + 1
        assert pusher.push().pushed == 3
        assert store.read(audit_log.refusal) is None
        qtbot.waitUntil(lambda: not widget.audit_line.isVisible(), timeout=WAIT)
        assert store.read(audit_log.count_unpushed) == 0
        logic.stop()
        events.close()
    finally:
        store.close()
        api.close()


def test_the_line_names_an_altered_record_and_a_lost_one() -> None:
    at = 1_800_000_000
    altered = audit_log.Refusal(at, at, "hash", "e", 7, "c", unaccepted=4)
    line = audit_line(altered, at + 60, TZ)
    assert "(pukul 15.00 WIB): rantai terputus pada catatan ke-7 (isinya berubah" in line
    assert "4 catatan audit belum diterima server" in line
    lost = audit_log.Refusal(at, at, "prev_hash", "e", None, "c", unaccepted=0)
    assert "): rantai terputus. Catatan audit tetap tersimpan" in audit_line(lost, at, TZ)
