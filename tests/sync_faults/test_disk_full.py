"""The disk full while saving (SQLite's SQLITE_FULL made real with ``PRAGMA max_page_count``
on every connection of the store): the person-facing write says "not saved" and keeps
nothing half-saved; nothing is shown as saved that is not on disk; the outbox is intact and
everything goes once when there is room again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from desktop.controllers.workbench import WorkbenchController
from desktop.domain.catalogue import Catalogue, load_catalogue
from desktop.domain.records import ChecklistItem
from desktop.domain.workflow import Action
from desktop.models.outbox import EntryState
from desktop.models.store import Store
from desktop.services.applications import PendingDecision
from desktop.services.intake import IntakeError
from desktop.services.tasks import TaskRunner
from tests.desktop.support import Remote
from tests.live_server import LiveServer
from tests.sync_faults.desk import (
    PASSWORD,
    Desk,
    assert_nothing_left,
    assert_on_server_once,
    open_desk,
)

WAIT = 20_000


@contextmanager
def disk_full(store: Store) -> Iterator[None]:
    """No page more than the file has now, on every connection (SQLite: 'database or disk is
    full'). The pool is emptied so that each connection is made again with the limit."""

    def limit(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {int(pages)}")
        cur.close()

    store.engine.dispose()
    event.listen(store.engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(store.engine, "connect", limit)
        store.engine.dispose()


def fill(desk: Desk, folder: Path) -> int:
    """Take applications in until the disk is full; returns how many were kept."""
    for kept in range(200):
        try:
            desk.take_in(folder, docs=1)
        except (OperationalError, IntakeError) as exc:
            assert "full" in str(exc)
            return kept  # take_in records only what was kept
    raise AssertionError("the disk never filled")


def fill_with_decisions(desk: Desk) -> int:
    """Keep decisions (the same write as the person's) until the disk is full."""
    for kept in range(5000):
        pending = PendingDecision.create(str(uuid.uuid4()), "verify", expected_version=1)
        try:
            desk.apps.keep_decision(pending, label="pengisi")
        except OperationalError as exc:
            assert "full" in str(exc)
            return kept
    raise AssertionError("the disk never filled")


def test_intake_on_a_full_disk_keeps_nothing_half_and_loses_nothing_before(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    desk = open_desk(live_server.url, store)
    desk.take_in(tmp_path / "scans", docs=2)  # saved before the disk filled
    with disk_full(store):
        kept = fill(desk, tmp_path / "scans")
        before = store.outbox_entries()
        apps_before = [a.id for a in desk.intake.all()]
        with pytest.raises(OperationalError, match="full"):
            desk.take_in(tmp_path / "scans", docs=2)
        # Nothing of the refused one: no application, no entry, no kept file.
        assert [a.id for a in desk.intake.all()] == apps_before
        assert store.outbox_entries() == before
        folders = {p.name for p in desk.intake.folder.iterdir()}
        assert folders == set(apps_before)
    assert len(desk.made) == 1 + kept
    desk.drain()  # room again: everything saved goes, once
    assert_on_server_once(remote, desk.intake, desk.made)
    assert_nothing_left(store)
    desk.close()


def test_a_full_disk_while_recording_a_conflict_leaves_nothing_stuck_in_the_session(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Disk Penuh Konflik " + uuid.uuid4().hex[:6])["id"]
    desk = open_desk(live_server.url, store, "verifier1")
    desk.apps.claim(app_id)
    detail = desk.apps.fetch_detail(app_id)
    pending = PendingDecision.create(
        app_id, "verify", expected_version=detail.version, seen_status=detail.status_raw
    )
    desk.apps.keep_decision(pending, label="Verifikasi")
    Remote(live_server.api, "verifier1", PASSWORD).release(app_id)  # the lease ended
    Remote(live_server.api, "verifier2", PASSWORD).decide(app_id, "reject", "Di PC lain")
    with disk_full(store):
        fill_with_decisions(desk)
        store.write(  # set aside in place (a DELETE would free pages)
            lambda conn: conn.exec_driver_sql(
                "UPDATE outbox SET state = 'dibuang' WHERE label = 'pengisi'"
            )
        )
        # The konflik comes back with the server's state, which no longer fits on the disk.
        with pytest.raises(OperationalError):
            desk.outbox.send_due()
    # Room again, the same session (no restart): the entry must not stay "mengirim".
    desk.clock.now += 3600
    desk.outbox.send_due()
    (entry,) = store.outbox_entries(app_id)
    assert entry.state is EntryState.CONFLICT and entry.server_state["status"] == "rejected"
    desk.close()


def test_a_decision_on_a_full_disk_says_not_saved_and_nothing_is_queued(
    qtbot: QtBot, live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Disk Penuh " + uuid.uuid4().hex[:6])["id"]
    desk = open_desk(live_server.url, store, "verifier1")
    catalogue: Catalogue = load_catalogue("1471")
    runner = TaskRunner()
    c = WorkbenchController(
        runner, desk.apps, desk.user, catalogue, neighbours=lambda _a: (None, None)
    )
    messages: list[tuple[str, str]] = []
    c.message.connect(lambda text, kind: messages.append((text, kind)))
    try:
        with qtbot.waitSignal(c.opened, timeout=WAIT):
            c.open(app_id)
        # Fill the disk with decisions kept here (on applications of no one: removed below).
        with disk_full(store):
            fill_with_decisions(desk)
            before = store.outbox_entries()
            kept_offline: list[str] = []
            c.kept_offline.connect(kept_offline.append)
            c.decide(Action.VERIFY.value, "", [ChecklistItem("SURAT-PENGANTAR-RT-RW", True)])
            qtbot.waitUntil(lambda: any(kind == "error" for _t, kind in messages), timeout=WAIT)
            text, kind = messages[-1]
            assert kind == "error" and "belum tersimpan" in text
            assert kept_offline == []  # never said "disimpan"
            assert store.outbox_entries() == before
        assert operator.get(app_id)["status"] == "submitted"  # nothing was sent either
        store.write(lambda conn: conn.exec_driver_sql("DELETE FROM outbox WHERE label = 'pengisi'"))
        assert c.holds(app_id)  # the claim is kept; the person may try again
        # Room again: the same choice is saved and sent.
        with qtbot.waitSignal(c.decided, timeout=WAIT):
            c.decide(Action.VERIFY.value, "", [ChecklistItem("SURAT-PENGANTAR-RT-RW", True)])
        assert operator.get(app_id)["status"] == "verified"
    finally:
        c.close()
        runner.wait_idle(10_000)
        runner.shutdown(5000)
        desk.close()
