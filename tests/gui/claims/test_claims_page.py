"""The Klaim page against the real reference server (issue 14): a supervisor sees a claim held
by another officer, reassigns it by keys with a reason (the chooser lists only staff who can act
on it now) or releases it; the former holder's own desktop, whose workbench still has the
application open, is told on its next claim renewal: "Klaim permohonan X dialihkan ... oleh Y:
alasan" - and does not silently take the claim back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controllers.claims_supervision import ClaimsSupervisionController
from desktop.services.tasks import TaskRunner
from desktop.views.claims import ClaimsPage
from desktop.views.claims.dialogs import ReassignDialog, ReleaseDialog
from tests.desktop.support import MemoryKeyring
from tests.gui.admin.conftest import SCREENSHOTS, WAIT, client_for
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import running_app, sign_in, wait_message, wait_open, workbench
from tests.live_server import LiveServer
from tests.server.conftest import Api, new_nik

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(10_000)


def _page(qtbot: QtBot, live_server: LiveServer, runner: TaskRunner) -> ClaimsPage:
    username, password = live_server.accounts["supervisor"]
    supervisor = Api(live_server, username, password)
    controller = ClaimsSupervisionController(runner, client_for(live_server, supervisor))
    page = ClaimsPage(controller, service_names={"SK-DOMISILI": "Surat Keterangan Domisili"})
    qtbot.addWidget(page)
    page.resize(1366, 720)
    page.show()
    qtbot.waitExposed(page)
    _activate(qtbot, page)
    return page


def _activate(qtbot: QtBot, page: ClaimsPage) -> None:
    """The buttons' Alt keys and F5 work in the active window (after a dialog closed, the
    offscreen platform may leave none active for a moment)."""
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    page.table.setFocus()


def _select(qtbot: QtBot, page: ClaimsPage, app_id: str) -> None:
    """Select the row of `app_id` with Up/Down from the first row, as a person would."""
    qtbot.waitUntil(lambda: any(c.app_id == app_id for c in page.claims), timeout=WAIT)
    row = next(i for i, c in enumerate(page.claims) if c.app_id == app_id)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Home)
    for _ in range(row):
        qtbot.keyClick(page.table, Qt.Key.Key_Down)
    chosen = page.selected()
    assert chosen is not None and chosen.app_id == app_id


def _holder(api: Api, app_id: str) -> str | None:
    claim = api.get(f"/applications/{app_id}").json().get("claim") or {}
    return claim.get("username")


def test_reassign_by_keys_and_the_former_holder_is_told(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, runner: TaskRunner
) -> None:
    operator = Api(live_server, *live_server.accounts["operator"])
    app = operator.create(nik=new_nik())
    number = app["registration_number"]
    with running_app(live_server.url, memory_keyring) as loket:
        # The holder: lurah1 has the application open in the workbench (claimed, renewing).
        sign_in(qtbot, loket, "lurah1")
        assert loket.shell is not None and loket.workbench is not None
        loket.shell.open_application(app["id"])
        wait_open(qtbot, loket, app["id"])
        qtbot.waitUntil(lambda: loket.workbench.holds(app["id"]), timeout=WAIT)  # type: ignore[union-attr]
        assert _holder(operator, app["id"]) == "lurah1"

        page = _page(qtbot, live_server, runner)
        _select(qtbot, page, app["id"])
        row = page.table.currentRow()
        assert page.table.item(row, 0).text() == number
        assert page.table.item(row, 1).text() == "Surat Keterangan Domisili"
        assert page.table.item(row, 4).text() == "Tengku Said Hamzah, S.Sos. (lurah1)"
        assert page.table.item(row, 6).text().endswith("mnt")
        page.grab().save(str(SCREENSHOTS / "claims-page.png"))

        qtbot.keyClick(page.table, Qt.Key.Key_A, ALT)  # "&Alihkan ke…"
        qtbot.waitUntil(lambda: isinstance(page.dialog, ReassignDialog), timeout=WAIT)
        dialog = page.dialog
        assert isinstance(dialog, ReassignDialog)
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)  # its Ctrl+Enter
        names = [c.username for c in dialog.candidates]
        assert "verifier1" in names and "lurah1" not in names and "operator1" not in names
        assert QApplication.focusWidget() is dialog.chooser
        while dialog.chosen() is None or dialog.chosen().username != "verifier1":  # type: ignore[union-attr]
            qtbot.keyClick(dialog.chooser, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.chooser, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dialog.editor
        qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)  # no reason: nothing happens
        assert dialog.isVisible() and not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.editor, "Lurah dinas luar")
        dialog.grab().save(str(SCREENSHOTS / "claims-reassign.png"))
        qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)  # Enter is a new line, never confirms
        assert dialog.isVisible()
        qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        qtbot.waitUntil(
            lambda: any(
                c.app_id == app["id"] and c.holder_username == "verifier1" for c in page.claims
            ),
            timeout=WAIT,
        )
        assert _holder(operator, app["id"]) == "verifier1"

        # The former holder's desktop: its next renewal is refused once with the notice.
        wb = workbench(loket)
        loket.workbench.controller.renew_timer.timeout.emit()  # type: ignore[union-attr]
        text = wait_message(qtbot, loket, "warning")
        assert text == (
            f"Klaim permohonan {number} dialihkan kepada Siti Nurhaliza Lubis oleh "
            "Drs. Hendra Gunawan: Lurah dinas luar"
        )
        qtbot.waitUntil(lambda: not loket.workbench.holds(app["id"]), timeout=WAIT)  # type: ignore[union-attr]
        assert _holder(operator, app["id"]) == "verifier1"  # not taken back
        line = wb.claim_line.claim_label
        qtbot.waitUntil(
            lambda: "Sedang ditangani oleh Siti Nurhaliza Lubis" in line.text(), timeout=WAIT
        )
        loket.window.resize(1366, 768)  # type: ignore[union-attr]
        loket.window.grab().save(str(SCREENSHOTS / "claims-former-holder.png"))  # type: ignore[union-attr]


def test_release_by_keys_needs_a_reason_and_empties_the_row(
    qtbot: QtBot, live_server: LiveServer, runner: TaskRunner
) -> None:
    operator = Api(live_server, *live_server.accounts["operator"])
    holder = Api(live_server, *live_server.accounts["verifier2"])
    app = operator.create(nik=new_nik())
    holder.claim(app["id"])
    page = _page(qtbot, live_server, runner)
    _select(qtbot, page, app["id"])
    qtbot.keyClick(page.table, Qt.Key.Key_L, ALT)  # "&Lepas klaim…" (an animated click)
    qtbot.waitUntil(lambda: isinstance(page.dialog, ReleaseDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, ReleaseDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)  # its Ctrl+Enter
    qtbot.keyClicks(dialog.editor, "ab")
    assert not dialog.ok_button.isEnabled()  # at least three characters
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Escape)  # Esc cancels: nothing released
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert _holder(operator, app["id"]) == "verifier2"
    page.dialog = None
    _activate(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: isinstance(page.dialog, ReleaseDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, ReleaseDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)  # its Ctrl+Enter
    qtbot.keyClicks(dialog.editor, "Ditinggal sejak pagi")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: all(c.app_id != app["id"] for c in page.claims), timeout=WAIT)
    # Still said once the list that follows is shown (it wrote only the count over it: CI
    # polled after the refresh and never saw "dilepas").
    assert "dilepas" in page.message.text() and "klaim aktif" in page.message.text()
    assert _holder(operator, app["id"]) is None
    # The holder's next claim request tells them, once.
    r = holder.post(f"/applications/{app['id']}/claim")
    assert r.status_code == 409 and r.json()["detail"].endswith(": Ditinggal sejak pagi")
    # F5 reloads the list.
    holder.claim(app["id"])
    _activate(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(c.app_id == app["id"] for c in page.claims), timeout=WAIT)
