"""Acceptance (issue 5): the real widgets against the real reference server on loopback.

Sign-in, queue pull, filter and search, claim on open, verify, request revision with a reason,
reject, validate, next/previous, and the 409 case where a second user acted first (that user's
actions go over plain HTTP). Every test ends by proving that no token or password reached a file
under the config/data dirs or a log record.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import Action, State
from desktop.models.store import RETENTION_DAYS
from desktop.views.shell.placeholder import PlaceholderPage
from tests.desktop.fixtures import LoketDirs
from tests.desktop.support import (
    MemoryKeyring,
    Remote,
    feed_items,
    files_containing,
    past_retention,
    records_containing,
)
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    activate,
    assert_in_queue_flow,
    click_nav,
    decide,
    open_row,
    pull_now,
    running_app,
    search,
    sign_in,
    tick_all,
    wait_message,
    workbench,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def assert_no_secrets(
    dirs: LoketDirs, caplog: pytest.LogCaptureFixture, secrets: list[str]
) -> None:
    assert all(secrets), "secrets must have been captured while signed in"
    assert files_containing(dirs.roots, secrets) == []
    assert records_containing(caplog.records, caplog.text, secrets) == []


def capture_secrets(loket: object) -> list[str]:
    tokens = loket.auth._tokens  # type: ignore[attr-defined]
    return [tokens.access, tokens.refresh, PASSWORD]


def test_verifier_and_validator_work_the_queue(
    qtbot: QtBot,
    live_server: LiveServer,
    loket_dirs: LoketDirs,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tag = "Gui" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    made = {name: operator.create(f"{tag} {name}") for name in ("Ayu", "Bima", "Cahya", "Dodi")}
    secrets: list[str] = []

    with running_app(live_server.url, memory_keyring) as loket:
        # -- sign in and pull ------------------------------------------------------------------
        sign_in(qtbot, loket, "verifier1")
        secrets += capture_secrets(loket)
        assert memory_keyring.sessions  # the refresh token went to the keyring
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        assert "Siti Nurhaliza Lubis" in window.user_label.text()
        assert "Petugas verifikasi" in window.user_label.text()
        qtbot.waitUntil(lambda: "Tersambung" in window.connection_label.text(), timeout=WAIT)
        assert "Antrean diperbarui pukul" in window.sync_label.text()
        # Everything in scope is cached, except finished applications past retention.
        items = feed_items(live_server.api, "verifier1")
        kept = len(items) - len(past_retention(items, RETENTION_DAYS))
        assert loket.store is not None and loket.store.count() == kept
        # the verifier starts on "Diajukan"
        assert page.status_buttons["submitted"].isChecked()
        assert page.model.rowCount() > 0

        # -- filter and search -----------------------------------------------------------------
        search(qtbot, loket, tag.lower())
        assert page.model.rowCount() == 4
        names = {page.model.data(page.model.index(r, 1)) for r in range(4)}
        assert names == {f"{tag} {n}" for n in made}
        qtbot.waitUntil(lambda: page.counts.get("submitted") == 4, timeout=WAIT)
        assert "(4)" in page.status_buttons["submitted"].text()
        combo = page.service_combo
        combo.setCurrentIndex(combo.findData("SK-DOMISILI"))
        assert page.model.rowCount() == 4
        combo.setCurrentIndex(combo.findData("KIA")) if combo.findData("KIA") >= 0 else None
        if combo.currentData() == "KIA":
            assert page.model.rowCount() == 0
        combo.setCurrentIndex(0)
        qtbot.mouseClick(page.status_buttons["verified"], Qt.MouseButton.LeftButton)
        assert page.model.rowCount() == 0
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        assert page.model.rowCount() == 4
        search(qtbot, loket, made["Ayu"]["registration_number"])  # numbers work too
        assert page.model.rowCount() == 1

        # -- open = claim; verify ------------------------------------------------------------------
        app_a = open_row(qtbot, loket, 0)
        assert app_a == made["Ayu"]["id"]
        wb = workbench(loket)
        assert wb.holds_claim()
        remote_view = operator.get(app_a)
        assert remote_view["claim"]["username"] == "verifier1"
        tick_all(loket)
        decide(qtbot, loket, Action.VERIFY)
        assert "berhasil diverifikasi" in wait_message(qtbot, loket, "success")
        assert operator.get(app_a)["status"] == "verified"
        assert wb.application is not None and wb.application.status is State.VERIFIED

        # -- close releases; request revision with a reason ---------------------------------------
        qtbot.mouseClick(wb.header.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: operator.get(app_a)["claim"] is None, timeout=WAIT)
        assert window.stack.currentIndex() == 0
        search(qtbot, loket, f"{tag} Bima")
        app_b = open_row(qtbot, loket, 0)
        decide(qtbot, loket, Action.REQUEST_REVISION, "Foto KK buram; pindai ulang.")
        assert "dikembalikan untuk perbaikan" in wait_message(qtbot, loket, "success")
        detail_b = operator.get(app_b)
        assert detail_b["status"] == "needs_revision"
        assert detail_b["history"][-1]["reason"] == "Foto KK buram; pindai ulang."

        # -- next / previous through the queue, then reject with a reason --------------------------
        search(qtbot, loket, tag.lower())
        qtbot.mouseClick(page.status_buttons["submitted"], Qt.MouseButton.LeftButton)
        assert page.model.rowCount() == 2  # Cahya, Dodi
        first = open_row(qtbot, loket, 0)
        second = page.model.id_at(1)
        qtbot.mouseClick(wb.header.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: wb.application is not None and wb.application.id == second and not wb.busy,
            timeout=WAIT,
        )
        qtbot.waitUntil(lambda: operator.get(first)["claim"] is None, timeout=WAIT)
        qtbot.mouseClick(wb.header.previous_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: wb.application is not None and wb.application.id == first and not wb.busy,
            timeout=WAIT,
        )
        app_c = made["Cahya"]["id"]
        if first != app_c:
            qtbot.mouseClick(wb.header.next_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(
                lambda: wb.application is not None and wb.application.id == app_c and not wb.busy,
                timeout=WAIT,
            )
        decide(qtbot, loket, Action.REJECT, "Pemohon bukan penduduk wilayah ini.")
        assert "berhasil ditolak" in wait_message(qtbot, loket, "success")
        assert operator.get(app_c)["status"] == "rejected"

        # -- the queue learns about all of it --------------------------------------------------
        qtbot.mouseClick(wb.header.close_button, Qt.MouseButton.LeftButton)
        pull_now(qtbot, loket)
        search(qtbot, loket, tag.lower())
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: (
                page.counts == {"verified": 1, "needs_revision": 1, "rejected": 1, "submitted": 1}
            ),
            timeout=WAIT,
        )
        secrets += capture_secrets(loket)

        # -- sign out: keyring cleared; the validator validates ------------------------------------
        window.sign_out_requested.emit()
        assert memory_keyring.sessions == {}
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        assert loket.signin_dialog.username_edit.text() == "verifier1"  # type: ignore[union-attr]
        sign_in(qtbot, loket, "validator1")
        secrets += capture_secrets(loket)
        page = loket.queue_page
        assert page is not None and page.status_buttons["verified"].isChecked()
        search(qtbot, loket, tag.lower())
        assert page.model.rowCount() == 1
        assert open_row(qtbot, loket, 0) == app_a
        tick_all(loket)
        decide(qtbot, loket, Action.VALIDATE)
        assert "berhasil divalidasi" in wait_message(qtbot, loket, "success")
        assert operator.get(app_a)["status"] == "validated"

    assert memory_keyring.sessions == {}
    assert_no_secrets(loket_dirs, caplog, secrets)


def test_409_when_a_second_user_acted_first(
    qtbot: QtBot,
    live_server: LiveServer,
    loket_dirs: LoketDirs,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tag = "Konflik" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app = operator.create(f"{tag} Eka")
    colleague = Remote(live_server.api, "verifier2", PASSWORD)
    supervisor = Remote(live_server.api, "supervisor1", PASSWORD)

    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        secrets = capture_secrets(loket)
        search(qtbot, loket, tag.lower())
        assert open_row(qtbot, loket, 0) == app["id"]
        wb = workbench(loket)
        tick_all(loket)  # work in progress on screen
        ticked = wb.checklist.judgements()
        assert wb.holds_claim()

        # Meanwhile, over plain HTTP: the supervisor frees the claim, a colleague verifies.
        assert supervisor.release(app["id"]).status_code == 204
        colleague.decide(app["id"], "verify")

        decide(qtbot, loket, Action.REJECT, "Dokumen tidak sah.")
        message = wait_message(qtbot, loket, "warning")
        assert "sudah diverifikasi oleh Andi Saputra (verifier2" in message
        assert "Status sekarang: Terverifikasi" in message
        assert "periksa kembali" in message
        # reloaded: the workbench now shows the colleague's decision; nothing crashed
        assert wb.application is not None and wb.application.status is State.VERIFIED
        assert operator.get(app["id"])["status"] == "verified"
        assert wb.checklist.judgements().keys() == ticked.keys()
        # the verifier's queue shows it too
        qtbot.mouseClick(wb.header.close_button, Qt.MouseButton.LeftButton)
        page = loket.queue_page
        assert page is not None
        search(qtbot, loket, tag.lower())
        qtbot.mouseClick(page.status_buttons["verified"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)

        # Claim conflict on open: the colleague holds it, the desktop says who, read-only.
        app2 = operator.create(f"{tag} Fajar")
        assert colleague.claim(app2["id"]).status_code == 200
        pull_now(qtbot, loket)
        search(qtbot, loket, f"{tag} fajar")
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        open_row(qtbot, loket, 0)
        qtbot.waitUntil(
            lambda: "sedang ditangani oleh Andi Saputra (verifier2)" in wb.message_label.text(),
            timeout=WAIT,
        )
        assert "Hanya baca" in wb.message_label.text()
        assert not wb.holds_claim()
        assert not wb.action_buttons[Action.VERIFY].isEnabled()
        colleague.release(app2["id"])

    assert_no_secrets(loket_dirs, caplog, secrets)


def test_an_application_opened_from_the_queue_stays_under_antrean(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The workbench continues the queue: "Antrean" stays highlighted while an application is
    open ("Loket" is counter intake), and Esc, Tutup or a click on "Antrean" go back to the
    list as it was left: same selection, same scroll position, claim released."""
    supervisor = Remote(live_server.api, "supervisor1", PASSWORD)  # sees the whole city
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window, page = loket.window, loket.queue_page
        assert window is not None and page is not None
        wb = workbench(loket)
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() > 80, timeout=WAIT)
        text = page.model.data  # far enough down to scroll; one the verifier may claim
        row = next(
            r
            for r in range(40, page.model.rowCount())
            if text(page.model.index(r, 4)) == "Diajukan" and not text(page.model.index(r, 8))
        )
        page.table.scrollTo(
            page.model.index(row - 5, 0), QAbstractItemView.ScrollHint.PositionAtTop
        )
        page.table.setCurrentIndex(page.model.index(row, 0))
        scroll = page.table.verticalScrollBar().value()
        assert scroll > 0

        def back_in_the_queue(app_id: str) -> None:
            qtbot.waitUntil(lambda: wb.application is None, timeout=WAIT)
            assert window.stack.currentWidget() is page
            assert [i.text() for i in window.nav.selectedItems()] == ["Antrean"]
            assert page.current_id() == app_id
            assert page.table.verticalScrollBar().value() == scroll
            qtbot.waitUntil(lambda: supervisor.get(app_id)["claim"] is None, timeout=WAIT)

        # -- open with Enter: the workbench shows under "Antrean" -----------------------------
        qtbot.waitUntil(lambda: bool(page.model.office_names), timeout=WAIT)
        app_id = open_row(qtbot, loket, row)
        assert_in_queue_flow(loket)
        assert wb.holds_claim()
        assert wb.application is not None  # the header names the office, as the status bar does
        office = page.model.office_names[wb.application.office_code]
        assert f"· {office} ·" in wb.claim_line.info_label.text()

        # "Loket" is the counter-intake page; "Antrean" leads back to the open application.
        click_nav(qtbot, loket, "Loket")
        assert isinstance(window.stack.currentWidget(), PlaceholderPage)
        assert window.stack.currentWidget() is not loket.workbench.host  # type: ignore[union-attr]
        click_nav(qtbot, loket, "Antrean")
        assert_in_queue_flow(loket)
        assert wb.application is not None and wb.application.id == app_id

        # -- Esc: in a note it only leaves the note; then it closes ---------------------------
        activate(qtbot, loket)
        note = wb.checklist.rows[0].note_edit
        note.setFocus()
        qtbot.keyClick(note, Qt.Key.Key_Escape)
        assert wb.application is not None and not note.hasFocus()
        qtbot.keyClick(QApplication.focusWidget() or wb, Qt.Key.Key_Escape)
        back_in_the_queue(app_id)

        # -- a click on the highlighted "Antrean" is "back", too -----------------------------
        assert open_row(qtbot, loket, row) == app_id
        click_nav(qtbot, loket, "Antrean")
        back_in_the_queue(app_id)

        # -- and Tutup ---------------------------------------------------------------------------
        assert open_row(qtbot, loket, row) == app_id
        qtbot.mouseClick(wb.header.close_button, Qt.MouseButton.LeftButton)
        back_in_the_queue(app_id)
