"""The session during an outage: the access token (and then the refresh token) expiring while
the server cannot be reached, and the account disabled meanwhile. Sending resumes after the
refresh or a new sign-in; a disabled account's unsent work stays on disk, visible, never
deleted. Against a real server with a movable clock (`start_server(clock=True)`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.models.outbox import EntryState, has_unsent
from desktop.models.store import Store
from desktop.services.api.errors import SessionExpired
from desktop.services.auth import SignInError
from tests.desktop.support import Remote, TcpProxy
from tests.live_server import LiveServer, start_server
from tests.server.harness import ServerClock
from tests.sync_faults.desk import (
    PASSWORD,
    assert_nothing_left,
    assert_on_server_once,
    open_desk,
)


@pytest.fixture(scope="module")
def clock_server() -> Iterator[LiveServer]:
    with start_server(applications=0, clock=True) as server:
        yield server


@pytest.fixture
def line(clock_server: LiveServer) -> Iterator[TcpProxy]:
    proxy = TcpProxy(int(clock_server.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def new_operator(server: LiveServer) -> tuple[Remote, dict[str, Any]]:
    """A user of this test's own (the shared demo accounts are never disabled)."""
    admin = Remote(server.api, "admin", PASSWORD)
    office = Remote(server.api, "operator1", PASSWORD).me["office"]["code"]
    r = admin.http.post(
        server.api + "/users",
        json={
            "username": "luring" + uuid.uuid4().hex[:8],
            "full_name": "Petugas Uji Luring",
            "password": PASSWORD,
            "roles": ["operator"],
            "office_code": office,
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text
    user: dict[str, Any] = r.json()
    return admin, user


def test_tokens_expiring_during_the_outage_sending_resumes_after_refresh_then_sign_in(
    clock_server: LiveServer, line: TcpProxy, store: Store, tmp_path: Path
) -> None:
    desk = open_desk(line.url, store)
    line.down()
    first = desk.take_in(tmp_path / "scans", docs=2)
    assert desk.outbox.send_due().retry  # kept, coba lagi
    ServerClock(clock_server).advance(minutes=20)  # the access token expired meanwhile
    line.up()
    desk.drain()  # refreshed by itself, then sent
    remote = Remote(clock_server.api, "operator1", PASSWORD)  # signed in after the jump
    assert_on_server_once(remote, desk.intake, [first])

    line.down()
    second = desk.take_in(tmp_path / "scans", docs=2)
    desk.outbox.send_due()
    ServerClock(clock_server).advance(hours=9)  # the refresh token expired too
    line.up()
    desk.clock.now += 3600
    report = desk.outbox.send_due()
    assert report.session_expired  # said, and nothing more goes out until signed in again
    assert report.sent == [] and report.refused == [] and report.conflicts == []
    states = {e.state for e in store.outbox_entries(second.app.id)}
    assert states <= {EntryState.WAITING, EntryState.RETRY}  # kept, not refused, not stuck
    desk.auth.reauthenticate(PASSWORD)  # the lock overlay's sign-in again
    desk.drain()
    remote = Remote(clock_server.api, "operator1", PASSWORD)  # its token expired too
    assert_on_server_once(remote, desk.intake, [first, second])
    assert_nothing_left(store)
    desk.close()


def test_the_account_disabled_while_offline_keeps_its_unsent_work(
    clock_server: LiveServer, line: TcpProxy, store: Store, tmp_path: Path
) -> None:
    admin, user = new_operator(clock_server)
    desk = open_desk(line.url, store, user["username"])
    line.down()
    for _ in range(2):
        desk.take_in(tmp_path / "scans", docs=2)
    desk.outbox.send_due()
    r = admin.http.patch(f"{admin.api}/users/{user['id']}", json={"disabled": True}, timeout=30)
    assert r.status_code == 200, r.text
    line.up()
    desk.clock.now += 3600
    report = desk.outbox.send_due()
    assert report.session_expired and not report.sent and not report.refused
    kept = store.outbox_entries()
    assert len(kept) == 8 and all(e.state in (EntryState.WAITING, EntryState.RETRY) for e in kept)
    for m in desk.made:  # the documents are still on this PC
        local = desk.intake.get(m.app.id)
        assert local is not None and all(d.path.is_file() for d in local.documents)
    with pytest.raises((SessionExpired, SignInError)):
        desk.auth.reauthenticate(PASSWORD)
    desk.close()
    store.close()
    assert has_unsent(store.path)  # what keeps the file from any clean-up
    reopened = Store(store.path)
    try:
        assert [e.transaction_id for e in reopened.outbox_entries()] == [
            e.transaction_id for e in kept
        ]
        # An administrator enables the account again: the same work goes, once.
        r = admin.http.patch(f"{admin.api}/users/{user['id']}", json={"disabled": False})
        assert r.status_code == 200, r.text
        again = open_desk(clock_server.url, reopened, user["username"])
        again.made = desk.made
        again.drain()
        remote = Remote(clock_server.api, "operator1", PASSWORD)
        assert_on_server_once(remote, again.intake, desk.made)
        assert_nothing_left(reopened)
        again.close()
    finally:
        reopened.close()
