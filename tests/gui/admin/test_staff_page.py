"""Pengguna page against the real server, signed in as the demo administrator, driven by keys:
create a user (the form never closes on Enter, refuses bad input), disable and enable with
confirmation, move to another office, reset a password shown once - and a user disabled while
signed in elsewhere gets the clear "dinonaktifkan" message on their next request."""

from __future__ import annotations

import logging
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controllers.admin import AdminController
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import SessionExpired
from desktop.services.auth import ACCOUNT_DISABLED_MESSAGE, AuthService
from desktop.services.secrets import SecretStore
from desktop.views.admin import StaffPage
from desktop.views.admin.dialogs import (
    ConfirmDialog,
    MoveDialog,
    NewUserDialog,
    PasswordShownDialog,
)
from tests.desktop.support import MemoryKeyring
from tests.gui.admin.conftest import (
    SCREENSHOTS,
    WAIT,
    new_operator,
    select_member,
    server_user,
    show_page,
)
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer
from tests.server.conftest import Api

SPACE = Qt.Key.Key_Space
pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def test_lists_and_creates_a_user_with_the_keyboard(
    qtbot: QtBot, controller: AdminController, offices: dict[str, str], admin: Api
) -> None:
    page = show_page(qtbot, StaffPage(controller, offices))
    assert any(m.username == "admin" for m in page.members)
    names = [page.table.item(r, 1).text() for r in range(page.table.rowCount())]
    assert "operator1" in names
    page.new_button.setFocus()
    qtbot.keyClick(page.new_button, SPACE)
    dialog = page.dialog
    assert isinstance(dialog, NewUserDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.ok_button.isEnabled()
    username = "k" + uuid.uuid4().hex[:8]
    qtbot.keyClicks(dialog.username_edit, "Bad Name")
    assert "Nama pengguna" in dialog.problems.text()
    dialog.username_edit.clear()
    qtbot.keyClicks(dialog.username_edit, username)
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Return)  # Enter never closes the form
    assert dialog.isVisible()
    # Tab walks the form in reading order.
    assert dialog.username_edit.nextInFocusChain() is dialog.name_edit
    assert dialog.name_edit.nextInFocusChain() is dialog.password_edit
    assert dialog.password_edit.nextInFocusChain() is dialog.office_combo
    qtbot.keyClicks(dialog.name_edit, "Nur Aini")
    qtbot.keyClicks(dialog.password_edit, "pendek")
    assert "minimal 8" in dialog.problems.text()
    qtbot.keyClicks(dialog.password_edit, "-sekali")
    index = dialog.office_combo.findData("14.71.01.1002")
    dialog.office_combo.setCurrentIndex(index)
    assert "Pilih sedikitnya satu peran" in dialog.problems.text()
    dialog.role_boxes["operator"].setFocus()
    qtbot.keyClick(dialog.role_boxes["operator"], SPACE)
    assert dialog.problems.text() == "" and dialog.ok_button.isEnabled()
    dialog.grab().save(str(SCREENSHOTS / "admin-new-user.png"))
    dialog.ok_button.setFocus()
    qtbot.keyClick(dialog.ok_button, SPACE)
    qtbot.waitUntil(lambda: "dibuat" in page.message.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: any(m.username == username for m in page.members), timeout=WAIT)
    created = server_user(admin, username)
    assert created["roles"] == ["operator"] and created["office_code"] == "14.71.01.1002"
    assert created["full_name"] == "Nur Aini"


def test_a_taken_username_is_told_and_nothing_created(
    qtbot: QtBot, controller: AdminController, offices: dict[str, str]
) -> None:
    page = show_page(qtbot, StaffPage(controller, {}))  # no names: the page loads them itself
    qtbot.waitUntil(lambda: page.offices == offices, timeout=WAIT)
    page.new_user()
    dialog = page.dialog
    assert isinstance(dialog, NewUserDialog)
    qtbot.keyClicks(dialog.username_edit, "operator1")
    qtbot.keyClicks(dialog.name_edit, "Rangkap")
    qtbot.keyClicks(dialog.password_edit, "rahasia-panjang")
    dialog.role_boxes["operator"].setChecked(True)
    dialog.office_combo.setCurrentIndex(dialog.office_combo.findData("14.71.01.1002"))
    qtbot.keyClick(dialog.ok_button, SPACE)
    qtbot.waitUntil(lambda: "sudah dipakai" in page.message.text(), timeout=WAIT)


def test_disable_enable_move_and_reset_password(
    qtbot: QtBot,
    controller: AdminController,
    offices: dict[str, str],
    admin: Api,
    live_server: LiveServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _user_id, username, password = new_operator(admin)
    # The user is signed in on another PC with the desktop's own client and auth service.
    elsewhere = AuthService(
        ApiClient(live_server.url, device_id=str(uuid.uuid4()), timeout=10),
        SecretStore(MemoryKeyring()),  # type: ignore[arg-type]
    )
    elsewhere.sign_in(username, password)
    assert elsewhere.api.get_json("/me")["username"] == username

    page = show_page(qtbot, StaffPage(controller, offices))
    select_member(qtbot, page, username)
    assert page.toggle_button.text() == "&Nonaktifkan…"
    qtbot.keyClick(page.toggle_button, SPACE)
    confirm = page.dialog
    assert isinstance(confirm, ConfirmDialog)
    qtbot.waitExposed(confirm)
    qtbot.keyClick(confirm.cancel_button, SPACE)  # cancelled: nothing happens
    assert not confirm.isVisible() and server_user(admin, username)["disabled"] is False
    qtbot.keyClick(page.toggle_button, SPACE)
    confirm = page.dialog
    assert isinstance(confirm, ConfirmDialog)
    confirm.grab().save(str(SCREENSHOTS / "admin-disable-confirm.png"))
    qtbot.keyClick(confirm.ok_button, SPACE)
    qtbot.waitUntil(lambda: "dinonaktifkan" in page.message.text(), timeout=WAIT)
    assert server_user(admin, username)["disabled"] is True
    qtbot.waitUntil(lambda: page.toggle_button.text() == "A&ktifkan…", timeout=WAIT)
    status = page.table.item(page.table.currentRow(), page.STATUS_COLUMN).text()
    assert status == "Nonaktif"
    page.grab().save(str(SCREENSHOTS / "admin-staff.png"))

    # Their next request on the other PC fails with the existing clear message.
    with pytest.raises(SessionExpired) as ended:
        elsewhere.api.get_json("/me")
    assert ended.value.disabled and ended.value.message == ACCOUNT_DISABLED_MESSAGE

    qtbot.keyClick(page.toggle_button, SPACE)
    confirm = page.dialog
    assert isinstance(confirm, ConfirmDialog)
    qtbot.keyClick(confirm.ok_button, SPACE)
    qtbot.waitUntil(lambda: "diaktifkan" in page.message.text(), timeout=WAIT)
    assert server_user(admin, username)["disabled"] is False

    # Move to another office.
    qtbot.keyClick(page.move_button, SPACE)
    move = page.dialog
    assert isinstance(move, MoveDialog)
    move.office_combo.setFocus()
    move.office_combo.setCurrentIndex(move.office_combo.findData("14.71.02.1001"))
    qtbot.keyClick(move.ok_button, SPACE)
    qtbot.waitUntil(lambda: "dipindahkan" in page.message.text(), timeout=WAIT)
    assert server_user(admin, username)["office_code"] == "14.71.02.1001"

    # Reset the password: shown once, works, the old one no longer does, never logged.
    qtbot.keyClick(page.reset_button, SPACE)
    confirm = page.dialog
    assert isinstance(confirm, ConfirmDialog)
    qtbot.keyClick(confirm.ok_button, SPACE)
    qtbot.waitUntil(lambda: isinstance(page.dialog, PasswordShownDialog), timeout=WAIT)
    shown = page.dialog
    assert isinstance(shown, PasswordShownDialog)
    qtbot.waitExposed(shown)
    temporary = shown.password_edit.text()
    assert len(temporary) >= 12 and shown.password_edit.isReadOnly()
    shown.grab().save(str(SCREENSHOTS / "admin-temporary-password.png"))
    qtbot.keyClick(shown.copy_button, SPACE)
    assert QApplication.clipboard().text() == temporary
    qtbot.keyClick(shown.close_button, SPACE)
    assert shown.password_edit.text() == ""
    assert Api(live_server, username, temporary).me["username"] == username
    r = admin.http.post(
        live_server.api + "/auth/login",
        json={"username": username, "password": password, "device_id": "x-" + username},
        timeout=30,
    )
    assert r.status_code == 401
    assert temporary not in caplog.text
    QApplication.clipboard().clear()


def test_typing_narrows_a_city_of_staff(
    qtbot: QtBot, controller: AdminController, offices: dict[str, str]
) -> None:
    """Found in a real window: the demo city has 189 staff and the page had no way to find
    one but scrolling. Alt+A, a few letters of a name / username / office, any case."""
    page = show_page(qtbot, StaffPage(controller, offices))
    total = page.table.rowCount()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(page, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is page.filter_edit
    qtbot.keyClicks(page.filter_edit, "OPERATOR1")
    shown = [r for r in range(total) if not page.table.isRowHidden(r)]
    assert [page.table.item(r, 1).text() for r in shown] == ["operator1"]
    assert page.message.text() == f"1 dari {total} pengguna"
    page.filter_edit.clear()
    assert not any(page.table.isRowHidden(r) for r in range(total))


def test_the_list_is_reached_by_keys_with_its_row_chosen(
    qtbot: QtBot, controller: AdminController, offices: dict[str, str]
) -> None:
    """Found in a real window: ↓ in Cari did nothing, and Tab reached the table with a current
    cell but no row selected, so every button stayed disabled; Tab inside the table walked its
    cells. Now ↓ goes to the list with its first shown row chosen, Tab to it chooses the row
    under the cursor, and Tab leaves it."""
    page = show_page(qtbot, StaffPage(controller, offices))
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(page, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(page.filter_edit, "lurah1")
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.table
    chosen = page.selected()
    assert chosen is not None and "lurah1" in chosen.username
    assert page.nip_button.isEnabled() and page.move_button.isEnabled()
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.table
    # Back by Shift+Tab after the selection was cleared: the row under the cursor is chosen.
    page.table.clearSelection()
    assert not page.nip_button.isEnabled()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is page.table
    assert page.selected() == chosen and page.nip_button.isEnabled()
