"""The session ends on the server, the user moves office, the cache is corrupt, the server hangs
at sign-out, a slot raises: the real desktop against the real server, the way a person meets it."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.logs import setup_logging
from desktop.models.store_locator import (
    STORE_SET_ASIDE_MESSAGE,
    legacy_store_path,
    store_location,
)
from desktop.services.api.client import normalise_server_url
from desktop.services.operations import OpKind
from desktop.services.tasks import TaskHandle
from desktop.session import TEARDOWN_LANE
from tests.desktop.fixtures import LoketDirs
from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import PASSWORD, WAIT, running_app, sign_in, wait_open, workbench
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def in_scope(scope: str, office: str) -> bool:
    return office == scope or office.startswith(scope + ".")


class Admin(Remote):
    def __init__(self, server: LiveServer) -> None:
        super().__init__(server.api, "admin", PASSWORD)

    def new_user(self, office: str = "14.71", roles: list[str] | None = None) -> dict[str, Any]:
        name = "sesi" + uuid.uuid4().hex[:8]
        r = self.http.post(
            self.api + "/users",
            json={
                "username": name,
                "full_name": "Petugas Uji Sesi",
                "password": PASSWORD,
                "roles": roles or ["verifier"],
                "office_code": office,
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
        user: dict[str, Any] = r.json()
        return user

    def patch(self, user_id: str, change: dict[str, Any]) -> None:
        r = self.http.patch(f"{self.api}/users/{user_id}", json=change, timeout=30)
        assert r.status_code == 200, r.text

    def kecamatan_with_work(self, count: int = 2) -> list[str]:
        """Kecamatan offices that have applications a verifier sees (from the seeded queue)."""
        seen: dict[str, int] = {}
        since = 0
        while True:
            page = self.http.get(
                self.api + "/applications/changes", params={"since": since, "limit": 500}
            ).json()
            for item in page["items"]:
                parts = item["office_code"].split(".")
                if len(parts) >= 3 and item["status"] == "submitted":
                    kec = ".".join(parts[:3])
                    seen[kec] = seen.get(kec, 0) + 1
            since = page["last_seq"]
            if not page["has_more"]:
                break
        offices = [o for o, _n in sorted(seen.items(), key=lambda kv: -kv[1])]
        assert len(offices) >= count, seen
        return offices[:count]


def open_own_application(qtbot: QtBot, server: LiveServer, loket: LoketApp) -> str:
    """Open (and claim) an application made for this test, so that no other test's claim on a
    shared queue row gets in the way, nor this test's claim in another test's way."""
    created = Remote(server.api, "operator1", PASSWORD).create("Pemohon Uji Sesi")
    assert loket.shell is not None
    loket.shell.open_application(created["id"])
    wait_open(qtbot, loket, created["id"])
    app_id: str = created["id"]
    return app_id


def cached_offices(loket: LoketApp) -> set[str]:
    assert loket.store is not None
    return set(loket.store.distinct("office_code"))


# -- finding 1: a session disabled on the server ends like an expired one -------------------------


def test_disabled_account_locks_with_its_own_message_and_the_old_password_fails(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    admin = Admin(live_server)
    account = admin.new_user()
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, account["username"])
        opened = open_own_application(qtbot, live_server, loket)
        assert loket.window is not None and loket.auth is not None
        assert memory_keyring.sessions and loket.auth.verify_password(PASSWORD)
        admin.patch(account["id"], {"disabled": True})
        assert loket.workbench is not None
        loket.workbench.claim()  # the next request of any kind
        overlay = loket.window.overlay
        qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=WAIT)
        assert "dinonaktifkan" in overlay.reason_label.text()
        assert not loket.window.stack.isEnabled()  # the open application is covered
        assert memory_keyring.sessions == {}  # the local credential is wiped
        (record,) = memory_keyring.offline_records.values()  # the offline verifier too:
        assert '"off":1' in record and '"c":' not in record and '"u":' not in record
        assert not loket.auth.verify_password(PASSWORD)  # so is the unlock hash
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(overlay.error_label.isVisible, timeout=WAIT)
        assert "dinonaktifkan" in overlay.error_label.text()
        assert overlay.locked  # the old password does not unlock
        wb = workbench(loket)
        assert wb.application is not None and wb.application.id == opened  # nothing lost
        admin.patch(account["id"], {"disabled": False})  # re-enabled: the same overlay signs in
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not overlay.locked, timeout=WAIT)
        assert loket.auth.verify_password(PASSWORD) and memory_keyring.sessions


# -- finding 2: the local cache belongs to one office ---------------------------------------------


def test_moved_to_another_office_sign_in_again_sees_only_the_new_office(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    admin = Admin(live_server)
    first, second = admin.kecamatan_with_work(2)
    account = admin.new_user(first)
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, account["username"])
        assert loket.store is not None
        old_path = loket.store.path
        before = cached_offices(loket)
        assert before and all(in_scope(first, o) for o in before)
        admin.patch(account["id"], {"office_code": second})
        loket.sign_out()
        qtbot.waitUntil(lambda: loket.signin_dialog is not None, timeout=WAIT)
        sign_in(qtbot, loket, account["username"])
        after = cached_offices(loket)
        assert after and all(in_scope(second, o) for o in after), after
        assert loket.store is not None and loket.store.path != old_path
        qtbot.waitUntil(lambda: not old_path.exists(), timeout=WAIT)  # the old office's data


def test_moved_while_signed_in_the_sign_in_again_overlay_rebuilds_the_queue(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    admin = Admin(live_server)
    first, second = admin.kecamatan_with_work(2)
    account = admin.new_user(first)
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, account["username"])
        assert loket.store is not None and loket.window is not None and loket.shell is not None
        old_path, old_window = loket.store.path, loket.window
        assert all(in_scope(first, o) for o in cached_offices(loket))
        admin.patch(account["id"], {"office_code": second})  # revokes the session
        loket.shell.pull()
        overlay = loket.window.overlay
        qtbot.waitUntil(lambda: overlay.locked and overlay.mode == "reauth", timeout=WAIT)
        # The failed pull locks the overlay a second time (its own path); a re-lock drops a
        # sign-in already under way, so type once that has happened (reported separately).
        qtbot.waitUntil(lambda: not loket.shell.pulling, timeout=WAIT)  # type: ignore[union-attr]
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: loket.window is not None and loket.window is not old_window, timeout=WAIT
        )
        qtbot.waitUntil(
            lambda: (
                loket.shell is not None
                and loket.shell.last_pull is not None
                and not loket.shell.pulling
            ),
            timeout=WAIT,
        )
        after = cached_offices(loket)
        assert after and all(in_scope(second, o) for o in after), after
        assert loket.notice_box is not None and "Kantor Anda sekarang" in loket.notice_box.text()
        qtbot.waitUntil(lambda: not old_path.exists(), timeout=WAIT)


# -- finding 5: sign-out and exit never wait for a hanging server ---------------------------------


class HangingProxy:
    """Forwards to the server until `hang` is set; then the server "hangs" (never answers)."""

    def __init__(self, target_port: int) -> None:
        self.hang = False
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._target = target_port
        self._socks: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._target))
            self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not self.hang:
                    dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self._listener.close()
        for s in self._socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)  # wakes the blocked reads on both sides
            s.close()


@pytest.fixture
def hanging(live_server: LiveServer) -> Iterator[HangingProxy]:
    proxy = HangingProxy(int(live_server.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def claim_holder(server: LiveServer, app_id: str) -> str | None:
    claim = Remote(server.api, "supervisor1", PASSWORD).get(app_id)["claim"]
    return claim["username"] if claim else None


def test_sign_out_and_exit_do_not_freeze_on_a_hanging_server(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, hanging: HangingProxy
) -> None:
    admin = Admin(live_server)
    account = admin.new_user()
    app_id = ""
    loket: LoketApp | None = None
    try:
        with running_app(hanging.url, memory_keyring, request_timeout_seconds=15.0) as loket:
            sign_in(qtbot, loket, account["username"])
            app_id = open_own_application(qtbot, live_server, loket)  # sign-out releases it
            assert claim_holder(live_server, app_id) == account["username"]
            hanging.hang = True
            assert loket.shell is not None
            loket.shell.pull()  # and a pull is stuck on the hung server as well
            qtbot.wait(200)
            started = time.monotonic()
            loket.sign_out()
            took = time.monotonic() - started
            assert took < 0.5, f"sign-out blocked the window for {took:.1f} s"
            assert loket.window is None
            assert loket.signin_dialog is not None and loket.signin_dialog.isVisible()
            assert memory_keyring.sessions == {}  # forgotten at once, not after the timeouts
            started = time.monotonic()
            loket.shutdown()  # the app exits: at most ~2 s in all, best effort
            took = time.monotonic() - started
            assert took < 2.6, f"exit took {took:.1f} s"
    finally:
        hanging.hang = False
        hanging.close()  # the stuck requests fail now instead of at their 15 s timeout
        if loket is not None:
            loket.runner.wait_idle(10_000)
            qtbot.wait(50)
        if app_id and claim_holder(live_server, app_id) == account["username"]:
            # The claim could not be released through the hung server; it expires on its own
            # in 15 minutes (fine). Released here only to leave the shared server tidy.
            Remote(live_server.api, account["username"], PASSWORD).release(app_id)


def test_sign_out_releases_and_revokes_in_the_background(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    admin = Admin(live_server)
    account = admin.new_user()
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, account["username"])
        app_id = open_own_application(qtbot, live_server, loket)
        assert loket.auth is not None
        refresh = loket.auth._tokens.refresh  # type: ignore[union-attr]
        assert claim_holder(live_server, app_id) == account["username"]
        started: list[TaskHandle] = []
        loket.runner.task_started.connect(started.append)
        loket.sign_out()
        assert loket.signin_dialog is not None and memory_keyring.sessions == {}
        # on the runner's teardown lane, not a thread of its own
        teardown = [h for h in started if h.kind == OpKind.SIGN_OUT and h.lane == TEARDOWN_LANE]
        assert len(teardown) == 1, [(h.kind, h.lane) for h in started]
        assert not [t for t in threading.enumerate() if t.name == "loket-sign-out"]
        qtbot.waitUntil(lambda: claim_holder(live_server, app_id) is None, timeout=WAIT)
        assert loket.teardowns.wait(WAIT / 1000)  # release, then revocation, in the background
        # Asked once: refreshing a live token rotates it, and asking again with the old one
        # would revoke the session itself (a poll would make the check come true).
        r = requests.post(live_server.api + "/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 401, r.text


def test_exit_right_after_sign_out_still_releases_and_revokes(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """Exit cancels every op but the teardowns, and waits for them (within its budget)."""
    admin = Admin(live_server)
    account = admin.new_user()
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, account["username"])
        app_id = open_own_application(qtbot, live_server, loket)
        assert loket.auth is not None
        refresh = loket.auth._tokens.refresh  # type: ignore[union-attr]
        loket.sign_out()
        assert loket.shutdown() is True  # no waiting in between: exit at once
        assert claim_holder(live_server, app_id) is None  # released before shutdown returned
        r = requests.post(live_server.api + "/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 401, r.text


# -- finding 6: a corrupt cache is rebuilt, never an invisible process ----------------------------


def test_corrupt_local_cache_is_rebuilt_and_the_person_is_told(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, loket_dirs: LoketDirs
) -> None:
    server = normalise_server_url(live_server.url)
    garbage = b"garbage after a power cut" * 100
    here = store_location(loket_dirs.data, server, "verifier1", "14.71")
    older = [  # where older versions kept it: moved here first, then found corrupt
        legacy_store_path(loket_dirs.data, server, "verifier1@14.71"),
        legacy_store_path(loket_dirs.data, server, "verifier1"),
    ]
    for path in older:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(garbage)
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        assert loket.window is not None and loket.window.isVisible()
        box = loket.notice_box
        # The store is encrypted and its key new: a file it does not open is set aside (kept),
        # saying it may be damaged or locked with a key no longer here.
        assert box is not None and box.isVisible() and box.text() == STORE_SET_ASIDE_MESSAGE
        assert "rusak" in loket.window.statusBar().currentMessage()
        assert loket.store is not None and loket.store.count() > 0  # pulled again
        moved = list(here.parent.glob(here.name + ".rusak-*"))
        assert moved and moved[0].read_bytes() == garbage
        assert not any(path.exists() for path in older)


# -- finding 8: an exception in a slot is logged (masked) and shown; the work stays ---------------


@pytest.mark.qt_no_exception_capture
def test_unexpected_exception_is_logged_masked_and_shown_without_quitting(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, loket_dirs: LoketDirs
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    log_path = setup_logging(loket_dirs.data / "logs")
    try:
        with running_app(live_server.url, memory_keyring) as loket:
            sign_in(qtbot, loket, "verifier1")
            opened = open_own_application(qtbot, live_server, loket)
            loket.errors.install()
            try:

                def broken_slot() -> None:
                    raise ValueError("rusak untuk NIK 1471015208900001 token=rahasia-sekali-123")

                with qtbot.waitSignal(loket.errors.unexpected_error, timeout=WAIT):
                    QTimer.singleShot(0, broken_slot)  # a slot raising inside the event loop

                def broken_thread() -> None:
                    raise RuntimeError("di thread lain")

                with qtbot.waitSignal(loket.errors.unexpected_error, timeout=WAIT):
                    threading.Thread(target=broken_thread, name="uji").start()
            finally:
                loket.errors.uninstall()
            assert loket.window is not None and loket.window.isVisible()  # not quit
            wb = workbench(loket)
            assert wb.application is not None and wb.application.id == opened
            box = loket.errors.error_box
            assert isinstance(box, QMessageBox) and box.isVisible()
            assert "tidak terduga" in box.text() and "tidak hilang" in box.text()
            for h in root.handlers:
                h.flush()
            text = log_path.read_text(encoding="utf-8")
            assert "ValueError" in text and "RuntimeError" in text
            assert "1471015208900001" not in text and "147101******0001" in text
            assert "rahasia-sekali-123" not in text
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
