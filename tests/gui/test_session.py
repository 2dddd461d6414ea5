"""`Session.close`: one signed-in user's objects end in one place, once, on the runner's teardown
lane; the window goes at once; the session's own ops are cancelled (their callbacks never poke the
closed window). Real components throughout: the reference server, a SQLite file, the widgets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop.models.store import Store
from desktop.models.store_locator import PreparedStore, store_location
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService, UserInfo
from desktop.services.operations import OpKind
from desktop.services.secrets import SecretStore
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner
from desktop.session import TEARDOWN_LANE, Connection, Prepared, Session, load_catalogue_for
from desktop.settings import Settings, load_settings
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


class CountingStore(Store):
    """A real store that remembers how often, and on which thread, it was closed."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.closed_on: list[threading.Thread] = []

    def close(self) -> None:
        self.closed_on.append(threading.current_thread())
        super().close()


class CountingApi(ApiClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closes = 0

    def close(self) -> None:
        self.closes += 1
        super().close()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(WAIT)


def open_session(
    live_server: LiveServer, keyring: MemoryKeyring, runner: TaskRunner, data: Path
) -> tuple[Session, CountingStore, CountingApi]:
    settings: Settings = load_settings().with_changes(server_url=live_server.url)
    api = CountingApi(live_server.url, device_id=settings.device_id, timeout=10)
    auth = AuthService(api, SecretStore(keyring))
    user: UserInfo = auth.sign_in("verifier1", PASSWORD)
    store = CountingStore(store_location(data, api.server_url, user.username, user.office.code))
    prepared = Prepared(
        PreparedStore(api.server_url, user.username, user.office.code, store),
        load_catalogue_for(user.office.code),
    )
    session = Session(
        user=user,
        connection=Connection(api, auth),
        prepared=prepared,
        runner=runner,
        settings=settings,
        on_settings_saved=lambda _s: None,
        reauthenticate=auth.reauthenticate,
    )
    return session, store, api


def revoked(server: LiveServer, refresh_token: str) -> bool:
    r = requests.post(server.api + "/auth/refresh", json={"refresh_token": refresh_token})
    return r.status_code == 401


def test_sign_out_closes_everything_once_on_the_teardown_lane(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    session, store, api = open_session(live_server, memory_keyring, runner, tmp_path)
    window = session.shell.window
    session.start(None)
    qtbot.waitExposed(window)
    refresh = session.auth._tokens.refresh  # type: ignore[union-attr]
    assert memory_keyring.sessions

    gate = threading.Event()

    def busy(_ctx: TaskContext) -> None:  # one of the session's ops, still running
        gate.wait(WAIT / 1000)

    heard: list[object] = []
    own = runner.submit("uji", busy, on_done=heard.append, on_error=heard.append)
    started: list[TaskHandle] = []
    runner.task_started.connect(started.append)
    ended = session.close(sign_out=True, timeout=2.0)

    assert session.close(sign_out=True, timeout=2.0) is ended  # idempotent: nothing twice
    assert own.cancelled  # the session's op: its callback never comes
    assert not window.isVisible() and memory_keyring.sessions == {}  # at once
    assert [(h.kind, h.lane) for h in started] == [(OpKind.SIGN_OUT.value, TEARDOWN_LANE)]
    assert not [t for t in threading.enumerate() if t.name == "loket-sign-out"]
    gate.set()
    assert ended.wait(WAIT / 1000)
    assert len(store.closed_on) == 1 and api.closes == 1
    assert store.closed_on[0] is not threading.main_thread()
    assert store.closed_on[0].name != "loket-sign-out"
    qtbot.waitUntil(lambda: not isValid(window), timeout=WAIT)  # deleted
    assert session.events._unsubscribe is None
    assert revoked(live_server, refresh)
    runner.wait_idle(WAIT)
    qtbot.wait(50)  # the callbacks of the finished ops would have come by now
    assert heard == []
    session.close(sign_out=True, timeout=2.0)
    assert len(store.closed_on) == 1 and api.closes == 1


def test_moving_office_closes_the_store_and_deletes_it_but_keeps_the_connection(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    session, store, api = open_session(live_server, memory_keyring, runner, tmp_path)
    session.start(None)
    qtbot.waitExposed(session.shell.window)
    ended = session.close(sign_out=False, timeout=2.0, discard_store=True)
    assert ended.wait(WAIT / 1000)
    assert len(store.closed_on) == 1 and not store.path.exists()  # the old office's data
    assert api.closes == 0 and session.auth.session_valid  # the next session's connection
    assert memory_keyring.sessions
    session.auth.sign_out()
    api.close()
