"""Issue 10, the Sinkronisasi page with real conflicts: the desktop decides while the server is
out of reach (a TCP proxy in front of the real server is taken down), a colleague decides the
same application on the server meanwhile, and when the proxy is back the send comes back as
konflik. F9 opens the page; both resolutions are made with real keys:

- "Buang" with a typed reason: the entry is dibuang with that reason, the local audit log has
  it, the status bar's counts drop;
- "Ulangi pada versi terbaru": the old entry is dibuang ("diulang pada versi terbaru",
  audited), the application opens in the workbench at the server's current version, and the
  decision taken again reaches the server with a NEW transaction id.

Screenshot of the conflict view in the 1366x768 window: /tmp/e_conflict_window.png."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.models.outbox import EntryState
from desktop.models.outbox_resolution import REDO_REASON
from desktop.views.sync_page import SyncPage
from tests.desktop.support import MemoryKeyring, Remote, TcpProxy
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    activate,
    answer_yes,
    key,
    open_row,
    running_app,
    search,
    shot,
    sign_in,
    tick_all,
    verify_by_keys,
    workbench,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def open_app(qtbot: QtBot, loket: LoketApp, tag: str, app_id: str) -> None:
    search(qtbot, loket, tag)
    page = loket.queue_page
    assert page is not None
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.id_at(0) is not None, timeout=WAIT)
    assert open_row(qtbot, loket, 0) == app_id


def decide_offline_then_conflict(
    qtbot: QtBot,
    loket: LoketApp,
    proxy: TcpProxy,
    tag: str,
    app_id: str,
    colleague_acts: object,
    expected_label: str,
) -> str:
    """Open `app_id` (claimed), cut the line, verify it here, close it; the colleague acts on
    the server; the line back, the send gives konflik. Returns the entry's transaction id."""
    store = loket.store
    shell = loket.shell
    assert store is not None and shell is not None
    open_app(qtbot, loket, tag, app_id)
    tick_all(loket)
    proxy.down()
    verify_by_keys(qtbot, loket)
    qtbot.waitUntil(lambda: bool(store.outbox_entries(app_id)), timeout=WAIT)
    (entry,) = [e for e in store.outbox_entries(app_id) if e.state is not EntryState.DISCARDED]
    qtbot.waitUntil(lambda: not workbench(loket).busy, timeout=WAIT)
    activate(qtbot, loket)
    workbench(loket).setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT)
    key(qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)  # close; the claim is kept
    qtbot.waitUntil(lambda: workbench(loket).application is None, timeout=WAIT)
    assert callable(colleague_acts)
    colleague_acts()
    proxy.up()
    # The release queued when it was closed waits behind the konflik (one application's
    # entries go in order).
    try:
        qtbot.waitUntil(lambda: expected_label in shell.outbox_label.text(), timeout=60_000)
    except Exception:
        print("DEBUG", shell.outbox_label.text(), store.outbox_entries(app_id))
        raise
    return entry.transaction_id


def conflicts(page: SyncPage) -> int:
    return sum(len(g.rows) for g in page.state.groups if g.state is EntryState.CONFLICT)


def test_conflicts_are_seen_and_settled_on_the_sinkronisasi_page(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    port = int(live_server.url.rsplit(":", 1)[1])
    proxy = TcpProxy(port)
    tag = "Sinkron" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    redo_id = operator.create(
        f"{tag} Raden Roro Siti Nurhaliza Kusumawardhani Prameswari Putri Ayu Ningrat"
    )["id"]
    discard_id = operator.create(f"{tag} Andi Muhammad Ikhsan Daeng Mappasessu")["id"]
    mine = Remote(live_server.api, "verifier1", PASSWORD)  # this user's lease, ended elsewhere
    colleague = Remote(live_server.api, "verifier2", PASSWORD)

    def revision_then_resubmitted() -> None:
        mine.release(redo_id)
        colleague.decide(redo_id, "request_revision", "Foto KK buram; mohon pindai ulang.")
        version = operator.get(redo_id)["version"]
        assert operator.act(redo_id, "resubmit", version).status_code == 200

    def rejected() -> None:
        mine.release(discard_id)
        colleague.decide(
            discard_id, "reject", "Alamat di luar wilayah kelurahan (diputuskan di PC lain)."
        )

    try:
        with running_app(
            proxy.url, memory_keyring, refresh_interval_seconds=3600, request_timeout_seconds=3
        ) as loket:
            sign_in(qtbot, loket, "verifier1")
            window, shell, store = loket.window, loket.shell, loket.store
            assert window is not None and shell is not None and store is not None
            window.resize(1366, 768)
            old_tx = decide_offline_then_conflict(
                qtbot, loket, proxy, tag + " Raden", redo_id, revision_then_resubmitted, "1 konflik"
            )
            gone_tx = decide_offline_then_conflict(
                qtbot, loket, proxy, tag + " Andi", discard_id, rejected, "2 konflik"
            )

            # F9 opens the page; the list is grouped and counted.
            activate(qtbot, loket)
            key(qtbot, Qt.Key.Key_F9)
            assert loket.session is not None
            page = loket.session.shell.sync_page
            assert isinstance(page, SyncPage)
            assert window.stack.currentWidget() is page
            qtbot.waitUntil(lambda: conflicts(page) == 2, timeout=WAIT)
            titles = [g.title for g in page.state.groups]
            # Each application's claim release, queued when it was closed offline, waits
            # behind its konflik.
            assert titles == ["Menunggu (2)", "Konflik (2)"]
            assert [
                page.tree.topLevelItem(i).text(0)  # type: ignore[union-attr]
                for i in range(page.tree.topLevelItemCount())
            ] == titles
            assert QApplication.focusWidget() is page.tree

            # The rejected one: local beside server, then "Buang" with a reason.
            assert page.select(gone_tx)
            panel = page.panel
            assert "Anda memutuskan: Verifikasi" in panel.local_text.text()
            assert "Status di server: Ditolak" in panel.server_text.text()
            assert "Tolak oleh" in panel.server_text.text()
            assert "(verifier2)" in panel.server_text.text()
            shot(window, "e_conflict_window.png")
            page.tree.setFocus()
            qtbot.keyClick(page.tree, Qt.Key.Key_Return)  # to the row's first action
            focus = QApplication.focusWidget()
            assert focus is panel.redo_button
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is panel.discard_button
            qtbot.keyClick(panel.discard_button, Qt.Key.Key_Space)
            qtbot.waitUntil(lambda: page.discard_dialog is not None, timeout=WAIT)
            dialog = page.discard_dialog
            assert dialog is not None
            qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.editor, timeout=WAIT)
            qtbot.keyClicks(dialog.editor, "Sudah ditolak petugas lain dengan alasan yang benar.")
            qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: "2 konflik" not in shell.outbox_label.text(), timeout=WAIT)
            gone = store.outbox_entries(discard_id)[0]
            assert gone.transaction_id == gone_tx and gone.state is EntryState.DISCARDED
            assert gone.reason == "Sudah ditolak petugas lain dengan alasan yang benar."

            # The other: "Ulangi pada versi terbaru"; Enter in the question is "Batal".
            qtbot.waitUntil(lambda: conflicts(page) == 1, timeout=WAIT)
            assert page.select(old_tx)
            qtbot.mouseClick(panel.redo_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: page.confirm_box is not None, timeout=WAIT)
            box = page.confirm_box
            assert box is not None
            qtbot.waitUntil(box.isActiveWindow, timeout=WAIT)
            qtbot.keyClick(box, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: page.confirm_box is None, timeout=WAIT)
            assert store.outbox_entries(redo_id)[0].state is EntryState.CONFLICT
            qtbot.mouseClick(panel.redo_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: page.confirm_box is not None, timeout=WAIT)
            box = page.confirm_box
            assert box is not None
            answer_yes(qtbot, box)
            wb = workbench(loket)
            qtbot.waitUntil(
                lambda: wb.application is not None and wb.application.id == redo_id,
                timeout=WAIT,
            )
            assert window.current_page is loket.queue_page  # the workbench continues Antrean
            qtbot.waitUntil(lambda: "konflik" not in shell.outbox_label.text(), timeout=WAIT)
            current = operator.get(redo_id)
            assert wb.application is not None
            qtbot.waitUntil(lambda: not wb.busy, timeout=WAIT)
            assert wb.application.version == current["version"]  # the server's current one
            tick_all(loket)
            verify_by_keys(qtbot, loket)
            qtbot.waitUntil(lambda: operator.get(redo_id)["status"] == "verified", timeout=WAIT)
            txs = [h.get("transaction_id") for h in operator.get(redo_id)["history"]]
            assert old_tx not in txs  # the conflicting decision never applied
            entries = store.outbox_entries(redo_id)
            assert entries[0].transaction_id == old_tx
            assert entries[0].state is EntryState.DISCARDED and entries[0].reason == REDO_REASON
            new = [e for e in entries if e.transaction_id != old_tx]
            assert new and new[-1].transaction_id in txs  # sent with a NEW transaction id

            from desktop.models import audit_log

            kinds = {(e.kind, e.app_id) for e in store.read(audit_log.events)}
            assert ("outbox_discarded", discard_id) in kinds
            assert ("outbox_redone", redo_id) in kinds
    finally:
        proxy.close()
