"""Letters waiting for the official's BSrE secret on the Sinkronisasi page (issue 13), by keys,
against the real reference server and the BSrE simulator, with a real store and the real page
controller: a SIGNATURE entry that is *perlu tindakan* (the passphrase was not held at the
outbox round: a restart) is listed and counted as such, and offers "Tandatangani sekarang…"
(the passphrase once, Ctrl+Enter: signed, then sent: the application signed on the server under
the same number) and "Batalkan surat…" (a reason, then a confirmation: the number voided on
the server with that reason)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.controllers.outbox_page import OutboxPageController
from desktop.controllers.signing import SigningAccess
from desktop.domain.catalogue import load_catalogue
from desktop.domain.workflow import State
from desktop.models.outbox import EntryState
from desktop.models.store_events import StoreEvents
from desktop.services.issuing import WaitingLetter
from desktop.services.secrets import SecretStore
from desktop.services.signing_secrets import HeldSecrets
from desktop.services.signing_setup import BsreCredentials
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.sync_page import SyncPage
from tests.bsre_simulator import AUTH, bsre_simulator
from tests.desktop.support import MemoryKeyring
from tests.desktop.test_issuing import DOMISILI, OFFICIAL, Desk, open_desk, operator_session
from tests.desktop.test_issuing_offline_bsre import (
    NIK,
    PASSPHRASE,
    bsre_signer,
    issued_items,
    request,
    sender_for,
    start,
    url,
)
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer
from tests.signing_ca import Pki, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 20_000


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def bsre(pki: Pki) -> Iterator[tuple[int, Pki]]:
    with bsre_simulator(pki, {NIK: (PASSPHRASE, pki.valid)}) as sim:
        port = int(sim.url.rsplit(":", 1)[1])
    yield port, pki


@pytest.fixture
def desk(live_server: LiveServer, tmp_path: Path) -> Iterator[Desk]:
    d = open_desk(live_server, "lurah1", tmp_path / "a.sqlite3", load_catalogue("1471"))
    d.issuing.secrets = HeldSecrets()
    yield d
    d.store.close()
    d.api.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    del qtbot
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(10_000)


def needs_action(desk: Desk, live_server: LiveServer, bsre: tuple[int, Pki]) -> WaitingLetter:
    """A letter numbered while BSrE was unreachable; at the next round (BSrE back) its
    passphrase is not held any more (as after a restart): *perlu tindakan*."""
    detail = desk.validated(operator_session(live_server), DOMISILI[0])
    letter = desk.issuing.issue(detail, bsre_signer(url(bsre)), request(), official=OFFICIAL)
    assert isinstance(letter, WaitingLetter)
    desk.issuing.secrets = HeldSecrets()  # the app restarted: nothing held
    with start(bsre):
        report = sender_for(desk, desk.store, url(bsre), HeldSecrets()).send_due()
    assert report.needs_action == [letter.transaction_id]
    return letter


def open_page(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, bsre: tuple[int, Pki]
) -> tuple[SyncPage, OutboxPageController]:
    credentials = BsreCredentials(SecretStore(MemoryKeyring()))
    credentials.save(url(bsre), *AUTH)
    settings = Settings(sign_method="bsre", bsre_url=url(bsre), bsre_api="v1")
    access = SigningAccess(
        runner, desk.issuing, settings, credentials, OFFICIAL, on_settings_saved=lambda _s: None
    )
    events = StoreEvents(desk.store)
    controller = OutboxPageController(desk.store, runner, user_id=desk.user.id, events=events)
    page = SyncPage()
    page.bind(controller)
    page.set_signing(access)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    controller.start()
    page._events = events  # type: ignore[attr-defined]  # kept alive with the page
    qtbot.waitUntil(lambda: page.state.total > 0, timeout=WAIT)
    return page, controller


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_a_waiting_letter_is_perlu_tindakan_and_signed_from_the_page(
    qtbot: QtBot,
    live_server: LiveServer,
    desk: Desk,
    runner: TaskRunner,
    bsre: tuple[int, Pki],
) -> None:
    letter = needs_action(desk, live_server, bsre)
    page, controller = open_page(qtbot, desk, runner, bsre)
    [group] = page.state.groups
    assert group.state is EntryState.NEEDS_ACTION and group.title == "Perlu tindakan (1)"
    assert page.summary.text().startswith("1 perlu tindakan.")
    entry = page.current_entry()  # selected when the page opens: it waits for a person
    assert entry is not None and entry.transaction_id == letter.transaction_id
    panel = page.panel
    assert panel.sign_button.isVisible() and panel.void_button.isVisible()
    assert not panel.discard_button.isVisible() and not panel.redo_button.isVisible()
    assert "passphrase" in panel.hint.text() and "Tandatangani sekarang" in panel.hint.text()
    page.grab().save("/tmp/sync-page-perlu-tindakan.png")

    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)  # Enter on the row: to its first action
    assert focused() is panel.sign_button
    qtbot.keyClick(panel.sign_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.sign_dialog is not None and page.sign_dialog.isVisible())
    dialog = page.sign_dialog
    assert dialog is not None
    assert letter.number.formatted in dialog.intro.text()
    qtbot.waitUntil(lambda: focused() is dialog.passphrase_edit)  # the NIK is the letter's
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)  # Enter alone: nothing
    assert not dialog.busy and dialog.isVisible() and dialog.outcome is None
    dialog.grab().save("/tmp/sync-page-sign-waiting.png")
    with start(bsre):
        qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60_000)
    outcome = dialog.outcome
    assert outcome is not None and [n for n, _k in outcome.signed] == [letter.number.formatted]
    assert dialog.passphrase_edit.text() == ""
    assert "Ditandatangani: " in dialog.message.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.sign_dialog is None)
    # The entry is done; the signed letter's upload, registration and sign action wait.
    qtbot.waitUntil(
        lambda: all(g.state is not EntryState.NEEDS_ACTION for g in page.state.groups),
        timeout=WAIT,
    )
    report = desk.sender.send_due()
    assert not (report.retry or report.refused or report.conflicts), report.reasons
    assert desk.apps.fetch_detail(letter.app_id).status is State.SIGNED
    [item] = issued_items(desk, letter.app_id)
    assert item["letter_number"] == letter.number.formatted and item["status"] == "valid"
    controller.stop()


def test_a_waiting_letter_is_voided_with_a_reason_after_a_confirmation(
    qtbot: QtBot,
    live_server: LiveServer,
    desk: Desk,
    runner: TaskRunner,
    bsre: tuple[int, Pki],
) -> None:
    letter = needs_action(desk, live_server, bsre)
    page, controller = open_page(qtbot, desk, runner, bsre)
    panel = page.panel
    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    qtbot.keyClick(panel.sign_button, Qt.Key.Key_Tab)
    assert focused() is panel.void_button
    qtbot.keyClick(panel.void_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.void_dialog is not None and page.void_dialog.isVisible())
    dialog = page.void_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: focused() is dialog.editor, timeout=WAIT)
    assert not dialog.ok_button.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.editor, "pemohon membatalkan permohonan")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    box = page.confirm_box
    assert isinstance(box, QMessageBox)
    assert letter.number.formatted in box.text()
    assert "pemohon membatalkan permohonan" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter = Kembali: nothing voided
    qtbot.waitUntil(lambda: page.confirm_box is None)
    assert [p.transaction_id for p in [page.current_entry()] if p] == [letter.transaction_id]

    # Again, and this time confirmed (Tab to "Batalkan surat", Space).
    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    qtbot.keyClick(panel.sign_button, Qt.Key.Key_Tab)
    qtbot.keyClick(panel.void_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.void_dialog is not None and page.void_dialog.isVisible())
    again = page.void_dialog
    assert again is not None
    qtbot.waitUntil(lambda: focused() is again.editor, timeout=WAIT)
    qtbot.keyClicks(again.editor, "pemohon membatalkan permohonan")
    qtbot.keyClick(again.editor, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    box = page.confirm_box
    assert box is not None
    go = next(b for b in box.buttons() if b.text() == "Batalkan surat")
    go.setFocus()
    qtbot.keyClick(go, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "dibatalkan" in page.notice.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: all(g.state is not EntryState.NEEDS_ACTION for g in page.state.groups))
    report = desk.sender.send_due()
    assert not (report.retry or report.refused), report.reasons
    [item] = issued_items(desk, letter.app_id)
    assert item["status"] == "void" and item["letter_number"] == letter.number.formatted
    assert item["void_reason"] == "pemohon membatalkan permohonan"
    controller.stop()
