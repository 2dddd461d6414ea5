"""The administrator pages against the real reference server: a signed-in admin's client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from desktop.controllers.admin import AdminController
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import SessionExpired
from desktop.services.tasks import TaskRunner
from desktop.views.admin import DevicesPage, StaffPage
from tests.gui.shell_helpers import DOC_SHOTS
from tests.live_server import LiveServer
from tests.server.conftest import Api

WAIT = 20_000
SCREENSHOTS = DOC_SHOTS  # docs/screenshots only with LOKET_UPDATE_SCREENSHOTS=1


class Tokens:
    """The test account's bearer token for the desktop's `ApiClient`."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def access_token(self) -> str | None:
        token: str = self.api.tokens["access_token"]
        return token

    def refresh_access(self, stale: str) -> str | None:
        return None

    def session_ended(self, code: str) -> SessionExpired:
        return SessionExpired("Sesi berakhir.", code)


def client_for(server: LiveServer, api: Api) -> ApiClient:
    return ApiClient(server.url, device_id=api.device_id, tokens=Tokens(api))


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(10_000)


@pytest.fixture
def admin(live_server: LiveServer) -> Api:
    username, password = live_server.accounts["admin"]
    return Api(live_server, username, password)


@pytest.fixture
def controller(live_server: LiveServer, admin: Api, runner: TaskRunner) -> AdminController:
    return AdminController(runner, client_for(live_server, admin))


@pytest.fixture
def offices(admin: Api) -> dict[str, str]:
    r = admin.get("/offices")
    assert r.status_code == 200, r.text
    return {o["code"]: o["name"] for o in r.json()["items"]}


def new_operator(admin: Api, office: str = "14.71.01.1002") -> tuple[str, str, str]:
    username = "g" + uuid.uuid4().hex[:10]
    password = "rahasia-" + uuid.uuid4().hex[:6]
    body = {
        "username": username,
        "full_name": "Uji Halaman Admin",
        "password": password,
        "roles": ["operator"],
        "office_code": office,
    }
    r = admin.post("/users", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"], username, password


Page = TypeVar("Page", StaffPage, DevicesPage)


def show_page(qtbot: QtBot, page: Page) -> Page:
    """The page at the usual width, shown, with the server's list read."""
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=WAIT)
    return page


def choose_row(qtbot: QtBot, table: QTableWidget, row: int) -> None:
    """`row` chosen by keys: the list focused at its top, then Down."""
    table.setFocus()
    table.setCurrentCell(0, 0)
    for _ in range(row):
        qtbot.keyClick(table, Qt.Key.Key_Down)


def select_member(qtbot: QtBot, page: StaffPage, username: str) -> int:
    qtbot.waitUntil(lambda: any(m.username == username for m in page.members), timeout=WAIT)
    row = next(i for i, m in enumerate(page.members) if m.username == username)
    choose_row(qtbot, page.table, row)
    selected = page.selected()
    assert selected is not None and selected.username == username
    return row


def server_user(admin: Api, username: str) -> dict[str, Any]:
    (found,) = [u for u in admin.get("/users").json()["items"] if u["username"] == username]
    return dict(found)
