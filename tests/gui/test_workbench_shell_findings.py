"""Issue 8, the workbench inside the shell, against the real server: unsent marks survive every
way out of an application, a server that is down still shows the last copy (read-only), a
release that did not reach the server is said and retried, "Ditangani oleh: Saya" goes at
once, times are in the office's zone, and Tandatangani says what it records."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.workflow import Action
from desktop.views.workbench import WorkbenchWidget
from server.specimens import specimen_pdf
from tests.desktop.support import MemoryKeyring, Remote, TcpProxy
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    activate,
    click_nav,
    running_app,
    search,
    sign_in,
    wait_message,
    wait_open,
    workbench,
)
from tests.gui.shell_helpers import open_row as _open_row
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
CLAIM_COLUMN = 8  # "Ditangani oleh"


def press(qtbot: QtBot, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key, mods)


def focus_workbench(qtbot: QtBot, wb: WorkbenchWidget) -> None:
    """The window active and the keyboard in the checklist, as after a click there."""
    wb.activateWindow()
    qtbot.waitUntil(wb.isActiveWindow, timeout=WAIT)
    wb.checklist.scroll_area.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT)


def mark_by_keys(qtbot: QtBot, wb: WorkbenchWidget, note: str) -> dict[str, Any]:
    """First requirement OK, the second not OK with a typed note (cursor left in the note)."""
    focus_workbench(qtbot, wb)
    rows = [r for r in wb.checklist.rows if r.judgeable]
    assert rows, "the service has requirements"
    wb.checklist.select(rows[0].data.code)
    press(qtbot, Qt.Key.Key_O, CTRL_SHIFT)
    if len(rows) > 1:
        press(qtbot, Qt.Key.Key_PageDown, CTRL)
        press(qtbot, Qt.Key.Key_N, CTRL_SHIFT)  # not OK: the cursor goes to its note
        assert QApplication.focusWidget() is rows[1].note_edit
        qtbot.keyClicks(rows[1].note_edit, note)
    marks = wb.checklist.judgements()
    assert wb.has_unsent_marks()
    return marks


def open_row(qtbot: QtBot, loket: LoketApp, row: int = 0) -> str:
    """`shell_helpers.open_row` after a pause: search text typed by `keyClicks` comes faster
    than a person types, and its Enter must not look like the end of a barcode scan."""
    qtbot.wait(120)
    return _open_row(qtbot, loket, row)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def claim_holder(remote: Remote, app_id: str) -> str | None:
    claim = remote.get(app_id).get("claim") or {}
    return claim.get("username")


def claim_cell(loket: LoketApp, app_id: str) -> str:
    page = loket.queue_page
    assert page is not None
    for row in range(page.model.rowCount()):
        if page.model.id_at(row) == app_id:
            return str(page.model.data(page.model.index(row, CLAIM_COLUMN)) or "")
    raise AssertionError(f"{app_id} not in the queue")


# -- 7. unsent marks: every way out keeps them, reopening restores them ----------------------------


def _esc_esc(qtbot: QtBot, loket: LoketApp) -> None:
    press(qtbot, Qt.Key.Key_Escape)  # out of the note
    press(qtbot, Qt.Key.Key_Escape)  # out of the application


def _ctrl_w(qtbot: QtBot, loket: LoketApp) -> None:
    press(qtbot, Qt.Key.Key_W, CTRL)


def _ctrl_f(qtbot: QtBot, loket: LoketApp) -> None:
    activate(qtbot, loket)
    press(qtbot, Qt.Key.Key_F, CTRL)


def _antrean(qtbot: QtBot, loket: LoketApp) -> None:
    click_nav(qtbot, loket, "Antrean")


def _next(qtbot: QtBot, loket: LoketApp) -> None:
    press(qtbot, Qt.Key.Key_Right, ALT)


WAYS_OUT: dict[str, Callable[[QtBot, LoketApp], None]] = {
    "esc_esc": _esc_esc,
    "ctrl_w": _ctrl_w,
    "ctrl_f": _ctrl_f,
    "antrean": _antrean,
    "next": _next,
}


@pytest.mark.parametrize("way", list(WAYS_OUT))
def test_unsent_marks_survive_every_way_out(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, way: str
) -> None:
    tag = "Keluar" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    first = op.create(f"{tag} A")
    op.create(f"{tag} B")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        assert open_row(qtbot, loket, 0) == first["id"]
        wb = workbench(loket)
        marks = mark_by_keys(qtbot, wb, "foto buram, minta pindai ulang")

        WAYS_OUT[way](qtbot, loket)
        wc = loket.workbench
        assert wc is not None
        qtbot.wait(300)
        assert wc.leave_box is None  # nothing to ask: nothing is lost
        qtbot.waitUntil(lambda: wc.current_id != first["id"], timeout=WAIT)
        qtbot.waitUntil(lambda: claim_holder(op, first["id"]) is None, timeout=WAIT)

        search(qtbot, loket, f"{tag} a".lower())
        assert open_row(qtbot, loket, 0) == first["id"]
        qtbot.waitUntil(lambda: wb.checklist.judgements() == marks, timeout=WAIT)
        assert "dipulihkan" in wb.message_label.text()
        assert wb.has_unsent_marks()  # still not sent: still kept


def test_marks_survive_signing_out_and_go_once_decided(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Simpan" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} C")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        marks = mark_by_keys(qtbot, workbench(loket), "cap RT tidak terbaca")
        assert loket.window is not None
        loket.window.sign_out_requested.emit()  # "Keluar" straight from the note
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        wb = workbench(loket)
        qtbot.waitUntil(lambda: wb.checklist.judgements() == marks, timeout=WAIT)

        for row in wb.checklist.rows:  # all OK now, and verify
            if row.judgeable:
                row.set_judgement(True, "")
        focus_workbench(qtbot, wb)
        press(qtbot, Qt.Key.Key_Y, CTRL_SHIFT)
        box = wb.confirm_box  # no document was uploaded: asked, and answered "Tetap"
        assert box is not None and "belum diunggah" in box.text()
        accept = next(
            b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        )
        qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
        assert "berhasil diverifikasi" in wait_message(qtbot, loket, "success")
        assert loket.apps is not None
        qtbot.waitUntil(lambda: loket.apps.kept_marks(app["id"]) is None, timeout=WAIT)


# -- 9. server down: the last copy, read-only; a release that did not arrive -----------------------


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[TcpProxy]:
    tcp = TcpProxy(port_of(live_server.url))
    yield tcp
    tcp.close()


def test_server_down_opens_the_last_copy_read_only_and_comes_back(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, proxy: TcpProxy
) -> None:
    tag = "Luring" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    seen = op.create(f"{tag} Dilihat")
    only_pulled = op.create(f"{tag} Ditarik")
    with running_app(proxy.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        wb = workbench(loket)
        wc = loket.workbench
        assert wc is not None
        search(qtbot, loket, f"{tag} dilihat".lower())
        open_row(qtbot, loket, 0)  # online: the detail (documents, history) is kept
        focus_workbench(qtbot, wb)
        press(qtbot, Qt.Key.Key_W, CTRL)
        qtbot.waitUntil(lambda: claim_holder(op, seen["id"]) is None, timeout=WAIT)

        proxy.down()
        open_row(qtbot, loket, 0)
        text = wb.message_label.text()
        assert "Server tidak tersambung" in text and "salinan terakhir" in text
        assert "hanya baca" in text and wb.message_kind == "warning"
        assert wb.read_only and not any(b.isEnabled() for b in wb.action_buttons.values())
        assert wb.applicant_panel.name_value.text() == f"{tag} Dilihat"
        assert wb.history_view.decision_count >= 2  # Dibuat, Ajukan: from the kept detail
        assert all(not r.ok_button.isEnabled() for r in wb.checklist.rows if r.judgeable)

        focus_workbench(qtbot, wb)
        press(qtbot, Qt.Key.Key_W, CTRL)
        search(qtbot, loket, f"{tag} ditarik".lower())
        assert open_row(qtbot, loket, 0) == only_pulled["id"]  # only the queue's summary
        assert "salinan terakhir" in wb.message_label.text()
        assert wb.applicant_panel.name_value.text() == f"{tag} Ditarik"

        proxy.up()  # back on its own, within seconds: opened properly and claimed
        qtbot.waitUntil(lambda: wb.holds_claim() and not wb.read_only, timeout=WAIT)
        assert "salinan terakhir" not in wb.message_label.text()
        assert claim_holder(op, only_pulled["id"]) == "verifier1"


def test_a_release_that_did_not_reach_the_server_is_said_and_retried(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, proxy: TcpProxy
) -> None:
    tag = "Lepas" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    app = op.create(f"{tag} E")
    with running_app(proxy.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        assert claim_holder(op, app["id"]) == "verifier1"
        window = loket.window
        assert window is not None
        proxy.down()
        focus_workbench(qtbot, workbench(loket))
        press(qtbot, Qt.Key.Key_W, CTRL)
        qtbot.waitUntil(
            lambda: "belum dilepas" in window.statusBar().currentMessage(), timeout=WAIT
        )
        message = window.statusBar().currentMessage()
        assert app["registration_number"] in message and "otomatis" in message
        assert claim_holder(op, app["id"]) == "verifier1"  # (the server never heard)
        proxy.up()
        qtbot.waitUntil(lambda: claim_holder(op, app["id"]) is None, timeout=WAIT * 2)


# -- 10. the queue, the zone, Tandatangani --------------------------------------------------------


def test_closing_clears_ditangani_oleh_saya_at_once(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Saya" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} F")
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        qtbot.waitUntil(lambda: claim_cell(loket, app["id"]) == "Saya", timeout=WAIT)
        focus_workbench(qtbot, workbench(loket))
        press(qtbot, Qt.Key.Key_W, CTRL)
        qtbot.waitUntil(lambda: claim_cell(loket, app["id"]) == "", timeout=WAIT)
        assert loket.shell is not None and not loket.shell.pulling


def test_times_are_in_the_offices_zone_not_the_pcs(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/Sao_Paulo")  # a PC set to some other zone
    time.tzset()
    try:
        tag = "Zona" + uuid.uuid4().hex[:6]
        Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} G")
        with running_app(live_server.url, memory_keyring) as loket:
            sign_in(qtbot, loket, "verifier1")  # Disdukcapil Kota Pekanbaru: Riau, WIB
            search(qtbot, loket, tag.lower())
            open_row(qtbot, loket, 0)
            wb = workbench(loket)
            assert wb.claim_line.info_label.text().endswith("WIB")
            assert "WIB" in wb.claim_line.sla_label.text()
            assert "UTC" not in wb.history_view.plain_entries()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_sign_records_the_status_and_claims_no_signature(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Ttd" + uuid.uuid4().hex[:6]
    app = Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} H")
    Remote(live_server.api, "verifier1", PASSWORD).decide(app["id"], "verify")
    Remote(live_server.api, "validator1", PASSWORD).decide(app["id"], "validate")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "validator1")
        page = loket.queue_page
        assert page is not None
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        wb = workbench(loket)
        qtbot.waitUntil(lambda: wb.action_buttons[Action.SIGN].isEnabled(), timeout=WAIT)
        focus_workbench(qtbot, wb)
        press(qtbot, Qt.Key.Key_E, CTRL_SHIFT)
        box = wb.confirm_box
        assert box is not None and "tanda tangan elektronik" in box.text()
        accept = next(
            b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        )
        qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
        message = wait_message(qtbot, loket, "success")
        assert "berhasil ditandatangani" not in message
        assert "dicatat" in message and "tanda tangan elektronik" in message.lower()
        wait_open(qtbot, loket, app["id"])


# -- 9, review: an offline copy says what it does not know, never "not uploaded" ------------------


def _upload(remote: Remote, app_id: str, requirement: str) -> None:
    data = specimen_pdf(requirement, "luring")
    r = remote.http.put(
        f"{remote.api}/applications/{app_id}/documents/{uuid.uuid4()}",
        data=data,
        params={"filename": f"{requirement.lower()}.pdf", "requirement_code": requirement},
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text


def _with_documents(op: Remote, name: str) -> dict[str, Any]:
    """Submitted, with both mandatory documents of SK-DOMISILI uploaded while a draft."""
    app = op.create(name, submit=False)
    for requirement in ("SURAT-PENGANTAR-RT-RW", "KTP-EL"):
        _upload(op, app["id"], requirement)
    r = op.act(app["id"], "submit", op.get(app["id"])["version"])
    assert r.status_code == 200, r.text
    return op.get(app["id"])


UNAVAILABLE = "tidak tersedia di salinan komputer ini"


def test_an_offline_copy_never_says_documents_or_history_are_missing(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, proxy: TcpProxy
) -> None:
    tag = "Salinan" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    pulled = _with_documents(op, f"{tag} Ditarik")  # never opened on this PC
    seen = _with_documents(op, f"{tag} Dilihat")
    Remote(live_server.api, "verifier1", PASSWORD).decide(seen["id"], "verify")
    assert len(pulled["documents"]) == 2 and len(pulled["history"]) >= 2
    with running_app(proxy.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "verifier1")
        page = loket.queue_page
        assert page is not None
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        # Opened once online (read-only for a verifier, no claim): its detail is kept here.
        search(qtbot, loket, f"{tag} dilihat".lower())
        assert open_row(qtbot, loket, 0) == seen["id"]
        wb = workbench(loket)
        qtbot.waitUntil(lambda: wb.viewer.page_visible, timeout=WAIT)
        assert loket.window is not None
        loket.window.sign_out_requested.emit()  # a new session: no document bytes in memory
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        sign_in(qtbot, loket, "verifier1")
        page = loket.queue_page
        assert page is not None
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        proxy.down()

        # Only the queue's summary is on this PC: nothing about documents or history is said
        # as a fact; each place says it is not in the copy.
        search(qtbot, loket, f"{tag} ditarik".lower())
        assert open_row(qtbot, loket, 0) == pulled["id"]
        wb = workbench(loket)
        assert wb.read_only and "salinan terakhir" in wb.message_label.text()
        assert wb.applicant_panel.name_value.text() == f"{tag} Ditarik"
        viewer = wb.viewer.message_label.text()
        assert "tidak memiliki dokumen" not in viewer and UNAVAILABLE in viewer
        rows = [r for r in wb.checklist.rows if r.judgeable]
        assert [r.data.code for r in rows] == ["SURAT-PENGANTAR-RT-RW", "KTP-EL", "KK"]
        for row in rows:
            assert row.missing_label is not None
            assert "Belum diunggah" not in row.missing_label.text()
            assert "Tidak diunggah" not in row.missing_label.text()
            assert UNAVAILABLE in row.missing_label.text()
            assert row.property("state") != "missing" and not row.missing_mandatory
        assert "belum diunggah" not in wb.checklist.summary_label.text()
        assert "sesuai" not in wb.checklist.summary_label.text()
        history = wb.history_view.plain_entries()
        assert "Belum ada riwayat" not in history and UNAVAILABLE in history
        assert wb.tabs.tabText(1) == "Riwayat"
        claim_text = wb.claim_line.claim_label.text()
        assert "Belum ditangani" not in claim_text and "tidak diketahui" in claim_text
        wb.checklist.select("KTP-EL")
        viewer = wb.viewer.message_label.text()
        assert "Belum ada dokumen" not in viewer and UNAVAILABLE in viewer
        window = loket.window
        assert window is not None
        window.showNormal()
        window.resize(1366, 768)
        qtbot.wait(200)
        window.grab().save("/tmp/offline_copy.png")

        # The last detail is here, the documents' contents are not: said plainly, no download
        # tried against a server that is not there, and no "gagal".
        focus_workbench(qtbot, wb)
        press(qtbot, Qt.Key.Key_W, CTRL)
        search(qtbot, loket, f"{tag} dilihat".lower())
        assert open_row(qtbot, loket, 0) == seen["id"]
        wb = workbench(loket)
        assert [d.id for d in wb.documents.ordered()] == [d["id"] for d in seen["documents"]]
        assert wb.history_view.decision_count >= 3  # Dibuat, Ajukan, Verifikasi
        assert wb.current_document is not None
        for doc in wb.documents.ordered():
            wb.documents.activate(doc)
            qtbot.wait(100)
            assert wb.fetcher.pending == 0
            text = wb.viewer.message_label.text()
            assert "gagal" not in text.lower() and "Mengambil" not in text
            assert "tidak tersimpan di komputer ini" in text and "server tersambung" in text
        assert "tidak diketahui" in wb.claim_line.claim_label.text()
        window.grab().save("/tmp/offline_copy_detail.png")

        proxy.up()  # back: opened properly, the document shown
        qtbot.waitUntil(lambda: "salinan terakhir" not in wb.message_label.text(), timeout=WAIT)
        qtbot.waitUntil(lambda: wb.viewer.page_visible, timeout=WAIT)
        assert "tidak diketahui" not in wb.claim_line.claim_label.text()
