"""Perangkat page against the real server, signed in as the demo administrator: the devices with
first/last seen and last user; revoking one needs a reason (typed with the keyboard), after
which its row shows it revoked - and that PC's own desktop client is told, clearly, that it was
revoked and that its unsent work stays and can be exported."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.controllers.admin import AdminController
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import DeviceRevoked
from desktop.services.auth import DEVICE_REVOKED_MESSAGE, AuthService, SignInError
from desktop.services.secrets import SecretStore
from desktop.views.admin import DevicesPage
from desktop.views.admin.dialogs import RevokeDialog
from tests.desktop.support import MemoryKeyring
from tests.gui.admin.conftest import SCREENSHOTS, WAIT, choose_row, new_operator, show_page
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer
from tests.server.conftest import Api

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
SPACE = Qt.Key.Key_Space


def _select(qtbot: QtBot, page: DevicesPage, device_id: str) -> None:
    qtbot.waitUntil(lambda: any(d.device_id == device_id for d in page.devices), timeout=WAIT)
    row = next(i for i, d in enumerate(page.devices) if d.device_id == device_id)
    choose_row(qtbot, page.table, row)
    selected = page.selected()
    assert selected is not None and selected.device_id == device_id


def test_revoke_a_device_and_its_desktop_is_told(
    qtbot: QtBot,
    controller: AdminController,
    offices: dict[str, str],
    admin: Api,
    live_server: LiveServer,
) -> None:
    _user_id, username, password = new_operator(admin)
    device_id = f"pc-{uuid.uuid4().hex[:10]}"
    counter = AuthService(
        ApiClient(live_server.url, device_id=device_id, timeout=10),
        SecretStore(MemoryKeyring()),  # type: ignore[arg-type]
    )
    counter.sign_in(username, password)

    page = show_page(qtbot, DevicesPage(controller, offices))
    _select(qtbot, page, device_id)
    row = page.table.currentRow()
    assert page.table.item(row, 4).text() == username
    assert page.table.item(row, 5).text() == "Aktif"
    assert page.table.item(row, 3).text() != "-"
    assert page.revoke_button.isEnabled()
    # The admin's own PC is listed too; revoking it is refused by the server with a reason.
    qtbot.keyClick(page.revoke_button, SPACE)
    dialog = page.dialog
    assert isinstance(dialog, RevokeDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "ab")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)  # a new line, never "revoke"
    assert dialog.isVisible()
    dialog.reason_edit.clear()
    qtbot.keyClicks(dialog.reason_edit, "Laptop hilang di kantor")
    assert dialog.ok_button.isEnabled()
    dialog.grab().save(str(SCREENSHOTS / "admin-revoke-device.png"))
    qtbot.keyClick(dialog.ok_button, SPACE)
    qtbot.waitUntil(lambda: "dicabut." in page.message.text(), timeout=WAIT)
    qtbot.waitUntil(
        lambda: any(d.device_id == device_id and d.revoked for d in page.devices), timeout=WAIT
    )
    row = next(i for i, d in enumerate(page.devices) if d.device_id == device_id)
    status = page.table.item(row, 5).text()
    assert status.startswith("Dicabut") and "Laptop hilang di kantor" in status
    assert "admin" in status
    page.table.selectRow(row)
    assert not page.revoke_button.isEnabled()  # a revoked row cannot be revoked again
    page.grab().save(str(SCREENSHOTS / "admin-devices.png"))

    # The revoked PC's desktop: its next request ends the session with the clear message.
    with pytest.raises(DeviceRevoked) as told:
        counter.api.get_json("/applications/changes", {"since": 0})
    assert told.value.message == DEVICE_REVOKED_MESSAGE
    assert "dicabut oleh administrator" in told.value.message
    assert "dapat diekspor" in told.value.message
    # Signing in again on it is refused with the server's explanation.
    with pytest.raises(SignInError) as refused:
        counter.sign_in(username, password)
    assert "dicabut oleh administrator" in refused.value.message
    # The same account on another PC still works.
    assert Api(live_server, username, password).get("/me").status_code == 200


def test_revoking_the_own_pc_is_refused_with_a_reason(
    qtbot: QtBot, controller: AdminController, offices: dict[str, str], admin: Api
) -> None:
    page = show_page(qtbot, DevicesPage(controller, {}))  # no names: the page loads them itself
    qtbot.waitUntil(lambda: page.offices == offices, timeout=WAIT)
    _select(qtbot, page, admin.device_id)
    assert page.table.item(page.table.currentRow(), 1).text() == offices["14.71"]
    page.revoke()
    dialog = page.dialog
    assert isinstance(dialog, RevokeDialog)
    qtbot.keyClicks(dialog.reason_edit, "uji")
    qtbot.keyClick(dialog.ok_button, SPACE)
    qtbot.waitUntil(lambda: "tidak dapat dicabut" in page.message.text(), timeout=WAIT)
    assert admin.get("/me").status_code == 200
