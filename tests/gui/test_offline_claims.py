"""Claims across an offline restart (issue 10): claims held when the session ended with the
server stopped leave their releases queued; after an offline sign-in the person opens those
applications, the queued release is dropped ("klaim dipakai lagi", audited in the same write)
and the claim is used ("diklaim sampai …"), the decisions wait in the outbox, and once the
server is back each decision reaches it once, with no release of the claim before it. An
application never claimed by this person stays read-only offline, saying why."""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.workflow import Action
from desktop.models.outbox import EntryKind, EntryState
from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    answer_yes,
    press_verify,
    running_app,
    search,
    sign_in,
    tick_all,
    wait_open,
    workbench,
)
from tests.gui.test_reconnect import start_again, stop
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def open_in_workbench(qtbot: QtBot, loket: LoketApp, app_id: str, tag: str) -> None:
    """From the queue, by keys: the row of `app_id` (searched by `tag`), Enter."""
    host, page = loket.workbench, loket.queue_page
    assert host is not None and page is not None and loket.window is not None
    search(qtbot, loket, tag)
    qtbot.waitUntil(lambda: page.model.row_of_id(app_id) >= 0, timeout=WAIT)
    row = page.model.row_of_id(app_id)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(row, 0))
    with qtbot.waitSignal(host.controller.opened, timeout=WAIT):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    wait_open(qtbot, loket, app_id)


def verify_by_keys(qtbot: QtBot, loket: LoketApp) -> None:
    """Ctrl+Shift+Y ("Verifikasi") on the open application, confirming "no documents"."""
    wb = workbench(loket)
    tick_all(loket)
    press_verify(qtbot, loket)
    saved = "Keputusan disimpan di komputer ini"

    def asked_or_saved() -> bool:
        box = wb.confirm_box
        return (box is not None and box.isVisible()) or saved in wb.message_label.text()

    try:
        qtbot.waitUntil(asked_or_saved, timeout=WAIT)
    except Exception:
        print("workbench says:", wb.message_label.text(), wb.read_only, wb.holds_claim())
        raise
    box = wb.confirm_box
    if box is not None and box.isVisible():  # "no documents uploaded: verify anyway?"
        answer_yes(qtbot, box)
    qtbot.waitUntil(lambda: saved in wb.message_label.text(), timeout=WAIT)


def sign_in_offline(qtbot: QtBot, loket: LoketApp) -> None:
    dialog = loket.signin_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.failed, timeout=WAIT):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.offline_mode and dialog.sign_in_button.text() == "Masuk luring"
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter = Masuk luring
    qtbot.waitUntil(lambda: loket.window is not None, timeout=WAIT)
    assert loket.auth is not None and loket.auth.offline


def test_claims_held_at_an_offline_exit_are_used_after_an_offline_sign_in(
    qtbot: QtBot, empty_restartable_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    server = empty_restartable_server
    tag = "KlaimLuring" + uuid.uuid4().hex[:6]
    operator = Remote(server.api, "operator1", PASSWORD)
    first, second, never = (operator.create(f"{tag} {n}")["id"] for n in ("Satu", "Dua", "Tiga"))
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        apps, host = loket.apps, loket.workbench
        assert apps is not None and host is not None
        open_in_workbench(qtbot, loket, never, tag)  # seen here (a kept copy), then left
        open_in_workbench(qtbot, loket, first, tag)  # claimed by opening it
        assert host.controller.holds(first)
        apps.claim(second)  # claimed by this session too (as "Tangani" does)

        stop(server)  # the outage begins; the person leaves the second one and quits
        assert apps.release(second) is False  # queued: the server cannot be reached
        loket.sign_out()  # the open one's release is queued on the way out
        sign_in_offline(qtbot, loket)
        store = loket.store
        assert store is not None
        releases = [e for e in store.outbox_entries() if e.kind == EntryKind.RELEASE.value]
        assert sorted(e.app_id for e in releases) == sorted([first, second])
        # The offline session's first outbox round may be trying them right now (mengirim,
        # refused by the stopped server a moment later): kept, never sent or refused.
        kept = {EntryState.WAITING, EntryState.RETRY}
        qtbot.waitUntil(
            lambda: {e.state for e in store.outbox_entries() if e.kind == "release"} <= kept,
            timeout=WAIT,
        )

        wb = workbench(loket)
        for app_id in (first, second):
            open_in_workbench(qtbot, loket, app_id, tag)
            text = wb.message_label.text()
            assert "diklaim sampai" in text and ("WIB" in text or "WITA" in text), text
            assert loket.workbench is not None and loket.workbench.controller.holds(app_id)
            (release,) = [e for e in store.outbox_entries(app_id) if e.kind == "release"]
            assert release.state is EntryState.DISCARDED and release.reason == "klaim dipakai lagi"
            verify_by_keys(qtbot, loket)

        open_in_workbench(qtbot, loket, never, tag)  # never claimed by this person: read-only
        assert wb.read_only or not wb.action_bar.isEnabled() or not wb.holds_claim()
        assert "tidak Anda klaim sebelum server terputus" in wb.message_label.text()

        dropped = store.read(
            lambda c: c.exec_driver_sql(
                "SELECT app_id, details FROM audit_log WHERE kind = 'claim_release_dropped'"
            ).all()
        )
        assert sorted(r[0] for r in dropped) == sorted([first, second])
        assert all(json.loads(r[1])["reason"] == "klaim dipakai lagi" for r in dropped)

        start_again(server)  # back: the password once (offline sign-in), then all goes
        window = loket.window
        assert window is not None
        overlay = window.overlay
        qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=30_000)
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)

        def decisions_sent() -> bool:
            return all(
                e.state in (EntryState.SENT, EntryState.DISCARDED)
                for e in store.outbox_entries()
                if e.kind == EntryKind.DECISION.value
            ) and any(e.kind == EntryKind.DECISION.value for e in store.outbox_entries())

        try:
            qtbot.waitUntil(decisions_sent, timeout=60_000)
        except Exception:
            print("outbox:", store.outbox_entries())
            raise
        for app_id in (first, second):
            (decision,) = [e for e in store.outbox_entries(app_id) if e.kind == "decision"]
            assert decision.state is EntryState.SENT
            history = operator.get(app_id)["history"]
            actions = [h["action"] for h in history]
            txs = [h.get("transaction_id") for h in history]
            assert txs.count(decision.transaction_id) == 1  # once
            assert actions.count(Action.VERIFY.value) == 1
            verified = actions.index(Action.VERIFY.value)
            assert "release" not in actions[actions.index("claim") : verified], actions
        assert operator.get(never)["status"] == "submitted"
