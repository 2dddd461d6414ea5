"""The Sinkronisasi page on its own (issue 10): a real store file with outbox entries in every
state, the real page controller reading it on a worker, real key events. The list is grouped
and counted; the entry's side says why; a ditolak entry is discarded only with a typed reason
(Enter in the reason is a new line, Esc cancels, Ctrl+Enter discards), and the discard is in
the audit log. Screenshots at 1366x768 with long Indonesian names (/tmp/e_page_states.png)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controllers.outbox_page import OutboxPageController, age_text
from desktop.domain.formatting import zone_for_region
from desktop.domain.records import ApplicationSummary
from desktop.models import outbox as outbox_table
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.tasks import TaskRunner
from desktop.views.sync_page import SyncPage
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import shot

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

WAIT = 10_000
NOW = 1_800_000_000
USER = "user-verifier1"
LONG = "Raden Roro Siti Nurhaliza Kusumawardhani Prameswari Putri Ayu Ningrat"


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def app_raw(app_id: str, number: str, name: str, status: str = "submitted") -> dict[str, Any]:
    return {
        "id": app_id,
        "registration_number": number,
        "provisional_number": None,
        "service_code": "SK-DOMISILI",
        "status": status,
        "version": 3,
        "office_code": "14.71.01",
        "applicant": {"nik": "1471015501850101", "name": name},
        "channel": "counter",
        "created_at": _iso(NOW - 86_400),
        "updated_at": _iso(NOW - 3600),
        "submitted_at": _iso(NOW - 86_400),
        "due_at": _iso(NOW + 86_400),
        "claim": None,
        "seq": 7,
    }


def server_now(app_id: str, number: str, name: str) -> dict[str, Any]:
    """What the server answered with the 409: rejected by a colleague, with its history."""
    raw = app_raw(app_id, number, name, "rejected")
    raw["version"] = 5
    raw["documents"] = []
    raw["history"] = [
        {
            "id": str(uuid.uuid4()),
            "action": "reject",
            "from_status": "submitted",
            "to_status": "rejected",
            "actor": {"username": "verifier2", "full_name": "Bambang Sutrisno Wicaksono"},
            "role": "verifier",
            "office_code": "14.71",
            "server_time": _iso(NOW - 600),
            "reason": "Alamat di KK berada di luar wilayah kelurahan; pemohon diarahkan ke "
            "kelurahan asal sesuai domisili.",
        }
    ]
    return raw


def put(
    store: Store,
    state: EntryState,
    name: str,
    *,
    reason: str = "",
    server: bool = False,
    age: int = 720,
    next_at: int | None = None,
) -> str:
    """One application in the cache and one outbox entry for it, brought to `state`."""
    app_id = str(uuid.uuid4())
    number = f"1471-261124-{abs(hash(app_id)) % 10_000:04d}-6"
    raw = app_raw(app_id, number, name)
    store.save_summary(ApplicationSummary.from_json(raw), raw)
    tx = str(uuid.uuid4())
    payload = {
        "v": 1,
        "app_id": app_id,
        "seen_status": "submitted",
        "action": "verify",
        "expected_version": 3,
        "reason": None,
        "transaction_id": tx,
        "device_time": _iso(NOW - age),
    }

    def write(conn: Any) -> None:
        outbox_table.add_entry(
            conn,
            transaction_id=tx,
            app_id=app_id,
            kind=EntryKind.DECISION,
            payload=payload,
            label=f"Verifikasi {number}",
            user_id=USER,
            now=NOW - age,
        )
        if state is EntryState.WAITING:
            return
        outbox_table.take_due(conn, NOW - age)
        if state is EntryState.SENDING:
            return
        outbox_table.finish(
            conn,
            tx,
            state,
            now=NOW - age,
            reason=reason,
            next_attempt_at=next_at,
            server_state=server_now(app_id, number, name) if server else None,
        )

    store.write(write)
    return tx


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    del qtbot
    r = TaskRunner()
    yield r
    r.shutdown(5000)


@pytest.fixture
def filled(store: Store) -> dict[EntryState, str]:
    # take_due takes every due entry: the menunggu one is written last, so it stays menunggu.
    found = {
        EntryState.SENDING: put(store, EntryState.SENDING, "Ahmad Fauzi", age=30),
        EntryState.RETRY: put(
            store,
            EntryState.RETRY,
            "Ni Luh Putu Ayu Sekarini Dewantari",
            reason="Server tidak dapat dihubungi (koneksi ditolak). Pekerjaan tidak hilang.",
            next_at=NOW + 900,
            age=3 * 3600,
        ),
        EntryState.CONFLICT: put(
            store,
            EntryState.CONFLICT,
            "Andi Muhammad Ikhsan Daeng Mappasessu",
            reason="Permohonan ini sudah diputuskan lebih dulu oleh Bambang Sutrisno Wicaksono "
            "(verifier2): Tolak. Status sekarang: Ditolak.",
            server=True,
            age=2 * 86_400,
        ),
        EntryState.REFUSED: put(
            store,
            EntryState.REFUSED,
            "Theresia Margaretha Simanjuntak Boru Hutapea",
            reason="Data yang dikirim tidak valid: tindakan tidak dikenal server.",
            age=40 * 60,
        ),
    }
    found[EntryState.WAITING] = put(store, EntryState.WAITING, LONG, age=95)
    return found


@pytest.fixture
def page(
    qtbot: QtBot, store: Store, runner: TaskRunner
) -> Iterator[tuple[SyncPage, OutboxPageController]]:
    events = StoreEvents(store)
    retried: list[int] = []
    logic = OutboxPageController(
        store,
        runner,
        user_id=USER,
        tz=zone_for_region("14.71"),
        events=events,
        retry_now=lambda: retried.append(1),
        clock=lambda: float(NOW),
    )
    widget = SyncPage()
    widget.bind(logic)
    qtbot.addWidget(widget)
    widget.resize(1366 - 150, 768 - 60)  # the window's page area at 1366x768
    widget.show()
    qtbot.waitExposed(widget)
    logic.start()
    yield widget, logic
    logic.stop()
    events.close()


def wait_total(qtbot: QtBot, widget: SyncPage, total: int) -> None:
    qtbot.waitUntil(lambda: widget.state.total == total, timeout=WAIT)


def test_groups_counts_and_words(
    qtbot: QtBot, filled: dict[EntryState, str], page: tuple[SyncPage, OutboxPageController]
) -> None:
    widget, _logic = page
    wait_total(qtbot, widget, 5)
    titles = [widget.tree.topLevelItem(i).text(0) for i in range(widget.tree.topLevelItemCount())]  # type: ignore[union-attr]
    assert titles == [
        "Menunggu (1)",
        "Mengirim (1)",
        "Coba lagi (1)",
        "Konflik (1)",
        "Ditolak server (1)",
    ]
    assert widget.summary.text().startswith(
        "1 menunggu · 1 mengirim · 1 coba lagi · 1 konflik · 1 ditolak server."
    )
    rows = {r.data(0, Qt.ItemDataRole.UserRole + 1): r for r in widget.rows()}
    retry = rows[filled[EntryState.RETRY]]
    assert retry.text(3).startswith("coba lagi pukul ")
    assert "koneksi ditolak" in retry.text(3)
    assert retry.text(2) == "3 jam lalu"
    assert rows[filled[EntryState.WAITING]].text(0).endswith(LONG)
    assert rows[filled[EntryState.WAITING]].text(2) == "1 menit lalu"
    # What needs a person is selected first: the konflik, local beside server.
    assert widget.current_transaction_id() == filled[EntryState.CONFLICT]
    panel = widget.panel
    assert "Anda memutuskan: Verifikasi" in panel.local_text.text()
    assert "versi 3" in panel.local_text.text()
    server = panel.server_text.text()
    assert "Status di server: Ditolak (versi 5)" in server
    assert "Tolak oleh Bambang Sutrisno Wicaksono (verifier2)" in server
    assert "luar wilayah kelurahan" in server
    assert panel.redo_button.isVisible() and panel.discard_button.isVisible()
    shot(widget, "e_page_states.png")
    # A ditolak entry: the server's reason, "Buang" only.
    assert widget.select(filled[EntryState.REFUSED])
    assert "Alasan dari server: Data yang dikirim tidak valid" in panel.state.text()
    assert not panel.redo_button.isVisible() and panel.discard_button.isVisible()
    shot(widget, "e_page_refused.png")
    # Nothing to settle on a waiting entry.
    assert widget.select(filled[EntryState.WAITING])
    assert not panel.redo_button.isVisible() and not panel.discard_button.isVisible()


def test_coba_sekarang_asks_the_sync_controller(
    qtbot: QtBot, filled: dict[EntryState, str], page: tuple[SyncPage, OutboxPageController]
) -> None:
    widget, logic = page
    wait_total(qtbot, widget, 5)
    calls: list[str] = []
    logic._retry_now = lambda: calls.append("retry")
    widget.retry_button.setFocus()
    qtbot.keyClick(widget.retry_button, Qt.Key.Key_Space)
    assert calls == ["retry"]
    assert widget.notice.text() == "Mengirim sekarang…"


def test_discard_needs_a_typed_reason_enter_never_discards_esc_cancels(
    qtbot: QtBot,
    store: Store,
    filled: dict[EntryState, str],
    page: tuple[SyncPage, OutboxPageController],
) -> None:
    widget, _logic = page
    wait_total(qtbot, widget, 5)
    tx = filled[EntryState.REFUSED]
    assert widget.select(tx)
    widget.tree.setFocus()
    qtbot.keyClick(widget.tree, Qt.Key.Key_Return)  # Enter on a row: to its first action
    assert QApplication.focusWidget() is widget.panel.discard_button
    qtbot.keyClick(widget.panel.discard_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: widget.discard_dialog is not None, timeout=WAIT)
    dialog = widget.discard_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.editor, timeout=WAIT)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)  # Enter: a new line, nothing discarded
    qtbot.keyClicks(dialog.editor, "   ")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and not dialog.ok_button.isEnabled()  # blanks are no reason
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Escape)  # Esc: cancelled, nothing changes
    qtbot.waitUntil(lambda: widget.discard_dialog is None, timeout=WAIT)
    (entry,) = [e for e in store.outbox_entries() if e.transaction_id == tx]
    assert entry.state is EntryState.REFUSED

    widget.select(tx)
    qtbot.mouseClick(widget.panel.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.discard_dialog is not None, timeout=WAIT)
    dialog = widget.discard_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.editor, timeout=WAIT)
    qtbot.keyClicks(dialog.editor, "  Versi Loket lama; keputusan dibuat ulang di PC lain.  ")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)  # still only a new line
    assert dialog.isVisible()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: widget.state.total == 4, timeout=WAIT)
    (entry,) = [e for e in store.outbox_entries() if e.transaction_id == tx]
    assert entry.state is EntryState.DISCARDED
    assert entry.reason == "Versi Loket lama; keputusan dibuat ulang di PC lain."
    assert "Ditolak server" not in " ".join(
        widget.tree.topLevelItem(i).text(0)
        for i in range(widget.tree.topLevelItemCount())  # type: ignore[union-attr]
    )
    qtbot.waitUntil(lambda: "Dibuang: Verifikasi" in widget.notice.text(), timeout=WAIT)
    from desktop.models import audit_log

    (event,) = [e for e in store.read(audit_log.events) if e.kind == "outbox_discarded"]
    assert event.app_id == entry.app_id and event.user_id == USER
    assert event.details["reason"] == entry.reason
    assert event.details["transaction_id"] == tx


def test_an_entry_that_no_longer_waits_is_said_so_and_left_alone(
    qtbot: QtBot,
    store: Store,
    filled: dict[EntryState, str],
    page: tuple[SyncPage, OutboxPageController],
) -> None:
    """Buang or Ulangi on an entry the sender settled meanwhile (here: still menunggu): the
    page says so, the entry stays as it was, nothing is audited, the workbench is not asked."""
    widget, logic = page
    wait_total(qtbot, widget, 5)
    tx = filled[EntryState.WAITING]
    redone: list[str] = []
    logic.redo_ready.connect(redone.append)

    def said_so(text: str, kind: str) -> bool:
        return "sudah tidak menunggu penyelesaian" in text and kind == "error"

    with qtbot.waitSignal(logic.message, timeout=WAIT, check_params_cb=said_so):
        logic.discard(tx, "Sudah diputuskan di PC lain.")
    with qtbot.waitSignal(logic.message, timeout=WAIT, check_params_cb=said_so):
        logic.redo(tx)
    (entry,) = [e for e in store.outbox_entries() if e.transaction_id == tx]
    assert entry.state is EntryState.WAITING and entry.reason == ""
    from desktop.models import audit_log

    assert [e.kind for e in store.read(audit_log.events) if e.kind.startswith("outbox_")] == []
    assert redone == []


def test_esc_asks_to_go_back(
    qtbot: QtBot, filled: dict[EntryState, str], page: tuple[SyncPage, OutboxPageController]
) -> None:
    widget, _logic = page
    wait_total(qtbot, widget, 5)
    widget.tree.setFocus()
    with qtbot.waitSignal(widget.back_requested, timeout=WAIT):
        qtbot.keyClick(widget.tree, Qt.Key.Key_Escape)


def test_age_words() -> None:
    assert age_text(10) == "baru saja"
    assert age_text(12 * 60 + 5) == "12 menit lalu"
    assert age_text(3 * 3600) == "3 jam lalu"
    assert age_text(2 * 86_400 + 5) == "2 hari lalu"
