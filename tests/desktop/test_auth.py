"""Sign-in, refresh and sign-out against the real server; secrets only in the keyring."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest
import requests
from keyring.backends import fail, null

from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError, InsecureKeyringError, SessionExpired
from desktop.services.auth import AuthService, SignInError
from desktop.services.secrets import SecretStore, StoredSession, insecure_reason
from tests.access_log import ServerRequests
from tests.desktop.support import MemoryKeyring, TcpProxy
from tests.live_server import LiveServer, start_server
from tests.server.harness import ServerClock

PASSWORD = "loket-demo"
ACCESS_TTL = 900.0  # the server's default access-token lifetime (seconds)
PAST_EXPIRY = ACCESS_TTL + 60


class ClientClock:
    """The desktop's clock (`AuthService(clock=...)`): the wall clock plus an offset we move."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def make_auth(url: str, backend: MemoryKeyring | None = None, **kw: object) -> AuthService:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    return AuthService(api, SecretStore(backend or MemoryKeyring()), **kw)  # type: ignore[arg-type]


def admin_create_user(server: LiveServer, roles: list[str] | None = None) -> str:
    """A throwaway account (the shared demo accounts must never be locked or disabled)."""
    s = requests.Session()
    r = s.post(
        server.api + "/auth/login",
        json={"username": "admin", "password": PASSWORD, "device_id": "admin-test"},
    )
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    name = "uji" + uuid.uuid4().hex[:8]
    r = s.post(
        server.api + "/users",
        json={
            "username": name,
            "full_name": "Pengguna Uji",
            "password": PASSWORD,
            "roles": roles or ["verifier"],
            "office_code": "14.71",
        },
    )
    assert r.status_code == 201, r.text
    return name


def admin_patch(server: LiveServer, username: str, change: dict[str, object]) -> None:
    s = requests.Session()
    r = s.post(
        server.api + "/auth/login",
        json={"username": "admin", "password": PASSWORD, "device_id": "admin-test"},
    )
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    users = s.get(server.api + "/users").json()["items"]
    uid = next(u["id"] for u in users if u["username"] == username)
    r = s.patch(f"{server.api}/users/{uid}", json=change)
    assert r.status_code == 200, r.text


def admin_disable(server: LiveServer, username: str) -> None:
    admin_patch(server, username, {"disabled": True})


def test_sign_in_stores_only_the_refresh_token_in_the_keyring(live_server: LiveServer) -> None:
    backend = MemoryKeyring()
    auth = make_auth(live_server.url, backend)
    user = auth.sign_in("verifier1", PASSWORD)
    assert user.username == "verifier1" and user.roles and user.office.code == "14.71"
    (((service, username), secret),) = backend.entries.items()
    assert service == f"Loket {live_server.url}" and username == "verifier1"
    stored = StoredSession.from_secret(secret)
    assert stored is not None and stored.refresh_token
    assert auth.access_token() not in secret  # the access token stays in memory
    assert PASSWORD not in secret
    assert auth.api.get_json("/me")["username"] == "verifier1"
    auth.sign_out()
    assert backend.entries == {}
    assert not auth.signed_in


def test_wrong_password_message(live_server: LiveServer) -> None:
    with pytest.raises(SignInError) as info:
        make_auth(live_server.url).sign_in("verifier1", "salah-sandi")
    assert info.value.code == "invalid_credentials"
    assert info.value.message == "Nama pengguna atau kata sandi salah."


def test_locked_account_message_names_the_time(live_server: LiveServer) -> None:
    name = admin_create_user(live_server)
    auth = make_auth(live_server.url)
    for _ in range(5):
        with pytest.raises(SignInError):
            auth.sign_in(name, "salah-sandi")
    with pytest.raises(SignInError) as info:
        auth.sign_in(name, PASSWORD)
    assert info.value.code == "account_locked"
    assert "dikunci" in info.value.message and "pukul" in info.value.message
    assert "menit lagi" in info.value.message


def test_disabled_account_message(live_server: LiveServer) -> None:
    name = admin_create_user(live_server)
    admin_disable(live_server, name)
    with pytest.raises(SignInError) as info:
        make_auth(live_server.url).sign_in(name, PASSWORD)
    assert info.value.code == "account_disabled"
    assert "dinonaktifkan" in info.value.message


def test_unreachable_server_message() -> None:
    proxy = TcpProxy(1)  # forwards nowhere
    proxy.down()
    with pytest.raises(SignInError) as info:
        make_auth(proxy.url).sign_in("verifier1", PASSWORD)
    assert info.value.code == "unreachable"
    assert "tidak dapat dihubungi" in info.value.message


def test_empty_fields() -> None:
    with pytest.raises(SignInError):
        make_auth("http://127.0.0.1:9").sign_in("  ", "x")


def test_local_password_check_for_idle_lock(live_server: LiveServer) -> None:
    auth = make_auth(live_server.url)
    assert not auth.verify_password(PASSWORD)  # nothing before sign-in
    auth.sign_in("verifier1", PASSWORD)
    assert auth.verify_password(PASSWORD)
    assert not auth.verify_password("loket-demO")
    auth.sign_out()
    assert not auth.verify_password(PASSWORD)


@pytest.fixture(scope="module")
def clock_server() -> Iterator[LiveServer]:
    """A server with a movable clock: tokens expire when a test moves time, not after a sleep.
    Access tokens have their usual 15-minute lifetime; the clock only moves forward, and every
    test signs in after the previous one's jumps (refresh tokens live 8 hours)."""
    with start_server(applications=3, clock=True) as server:
        yield server


def test_transparent_refresh_and_retry_on_token_expired(clock_server: LiveServer) -> None:
    frozen = time.time()
    # A clock stuck at sign-in time: the client believes its token is fresh, so the server's
    # 401 token_expired triggers the transparent refresh-and-retry path.
    auth = make_auth(clock_server.url, clock=lambda: frozen)
    auth.sign_in("verifier1", PASSWORD)
    old_access = auth.access_token()
    assert old_access is not None
    old_refresh = auth._tokens.refresh  # type: ignore[union-attr]
    ServerClock(clock_server).advance(seconds=PAST_EXPIRY)  # expired on the server only
    r = requests.get(clock_server.api + "/me", headers={"Authorization": "Bearer " + old_access})
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    assert auth.api.get_json("/me")["username"] == "verifier1"
    assert auth.access_token() != old_access
    assert auth._tokens.refresh != old_refresh  # type: ignore[union-attr]  # rotated
    # the keyring follows the rotation
    stored = auth.secrets.load(auth.api.server_url, "verifier1")
    assert stored is not None and stored.refresh_token == auth._tokens.refresh  # type: ignore[union-attr]


def test_refresh_before_expiry_and_only_once_across_threads(clock_server: LiveServer) -> None:
    clock = ClientClock()
    auth = make_auth(clock_server.url, clock=clock)
    auth.sign_in("verifier1", PASSWORD)
    calls = {"n": 0}
    original = auth.api.post_json

    def counting(path: str, *a: object, **kw: object) -> object:
        if path == "/auth/refresh":
            calls["n"] += 1
        return original(path, *a, **kw)  # type: ignore[arg-type]

    auth.api.post_json = counting  # type: ignore[method-assign]
    # Inside the last minute of the 15-minute lifetime (the refresh margin), not yet expired:
    # due for refresh, and the server still takes the old access token meanwhile.
    clock.advance(ACCESS_TTL - 30)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            auth.api.get_json("/me")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The first caller refreshes before expiry; every other thread reuses that token instead of
    # presenting the now-dead refresh token (which would revoke the whole family).
    assert not errors
    assert calls["n"] == 1
    assert auth.session_valid


def test_server_down_during_refresh_keeps_the_session(clock_server: LiveServer) -> None:
    """The access token is due for refresh (a clock we advance) exactly while the server is
    down: the refresh fails as a connection failure, nothing is thrown away, and once the
    server is back the same session refreshes and carries on."""
    port = int(clock_server.url.rsplit(":", 1)[1])
    proxy = TcpProxy(port)
    now = [time.time()]
    auth = make_auth(proxy.url, clock=lambda: now[0])
    refreshes = {"n": 0}
    original = auth.api.post_json

    def counting(path: str, *a: object, **kw: object) -> object:
        if path == "/auth/refresh":
            refreshes["n"] += 1
        return original(path, *a, **kw)  # type: ignore[arg-type]

    auth.api.post_json = counting  # type: ignore[method-assign]
    auth.sign_in("verifier1", PASSWORD)
    old_access = auth._tokens.access  # type: ignore[union-attr]
    old_refresh = auth._tokens.refresh  # type: ignore[union-attr]
    now[0] += PAST_EXPIRY  # past the 15-minute lifetime: the next request must refresh first
    proxy.down()
    with pytest.raises(Exception) as info:
        auth.api.get_json("/me")
    assert type(info.value).__name__ == "ConnectionFailure"
    assert refreshes["n"] == 1  # the refresh really was attempted, and failed on the network
    assert auth.session_valid  # nothing thrown away: the refresh simply did not happen
    assert auth._tokens.refresh == old_refresh  # type: ignore[union-attr]
    stored = auth.secrets.load(auth.api.server_url, "verifier1")
    assert stored is not None and stored.refresh_token == old_refresh
    assert auth.verify_password(PASSWORD)  # the idle lock still works offline
    proxy.up()
    assert auth.api.get_json("/me")["username"] == "verifier1"
    assert refreshes["n"] == 2
    assert auth._tokens.access != old_access  # type: ignore[union-attr]
    assert auth._tokens.refresh != old_refresh  # type: ignore[union-attr]  # rotated
    proxy.close()


def test_revoked_refresh_token_means_session_expired(clock_server: LiveServer) -> None:
    backend = MemoryKeyring()
    clock = ClientClock()
    auth = make_auth(clock_server.url, backend, clock=clock)
    auth.sign_in("verifier1", PASSWORD)
    refresh = auth._tokens.refresh  # type: ignore[union-attr]
    # Someone revokes the family (sign-out elsewhere with the same refresh token).
    requests.post(clock_server.api + "/auth/logout", json={"refresh_token": refresh})
    # The access token runs out (on both clocks): the next request refreshes first, refused.
    ServerClock(clock_server).advance(seconds=PAST_EXPIRY)
    clock.advance(PAST_EXPIRY)
    with pytest.raises(SessionExpired) as info:
        auth.api.get_json("/me")
    assert "kata sandi" in info.value.message
    assert backend.entries == {}  # the dead token is not kept
    user = auth.reauthenticate(PASSWORD)  # the lock overlay's path
    assert user.username == "verifier1" and auth.api.get_json("/me")


class _AltPlaintext(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here): same module path."""


_AltPlaintext.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), _AltPlaintext()],
    ids=["fail", "null", "keyrings.alt"],
)
def test_insecure_keyrings_are_refused_and_nothing_is_written(
    live_server: LiveServer, backend: object, loket_dirs: object
) -> None:
    store = SecretStore(backend)  # type: ignore[arg-type]
    assert insecure_reason(backend) is not None  # type: ignore[arg-type]
    problem = store.problem()
    assert problem and "tidak aman" in problem and "berkas biasa" in problem
    with pytest.raises(InsecureKeyringError):
        store.save("https://x", "u", StoredSession("r", 0))
    auth = AuthService(ApiClient(live_server.url, device_id="t"), store)
    user = auth.sign_in("verifier1", PASSWORD)  # works, session in memory only
    assert user.username == "verifier1"
    assert auth.keyring_warning and "memori" in auth.keyring_warning
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {}
    from tests.desktop.support import files_containing

    assert files_containing(loket_dirs.roots, [auth._tokens.refresh]) == []  # type: ignore[attr-defined, union-attr]
    auth.sign_out()


def test_leftover_session_from_a_crash_is_revoked(live_server: LiveServer) -> None:
    backend = MemoryKeyring()
    crashed = make_auth(live_server.url, backend)
    crashed.sign_in("verifier1", PASSWORD)
    refresh = crashed._tokens.refresh  # type: ignore[union-attr]
    fresh = make_auth(live_server.url, backend)
    fresh.discard_leftover_session("verifier1")
    assert backend.entries == {}
    r = requests.post(live_server.api + "/auth/refresh", json={"refresh_token": refresh})
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"


# -- the server ends the session (finding 1) ------------------------------------------------------


def test_account_disabled_while_signed_in_ends_the_session(live_server: LiveServer) -> None:
    """An administrator disables the account: the next request (403 account_disabled) ends the
    session like an expired one, with its own message, and wipes the keyring entry and the
    in-memory unlock hash, so the old password no longer unlocks the idle lock."""
    name = admin_create_user(live_server)
    backend = MemoryKeyring()
    auth = make_auth(live_server.url, backend)
    heard: list[SessionExpired] = []
    auth.session_listeners.append(heard.append)
    auth.sign_in(name, PASSWORD)
    assert backend.entries and auth.verify_password(PASSWORD)
    admin_disable(live_server, name)
    with pytest.raises(SessionExpired) as info:
        auth.api.get_json("/applications/changes", {"since": 0, "limit": 1})
    assert info.value.code == "account_disabled" and info.value.disabled
    assert "dinonaktifkan" in info.value.message and "administrator" in info.value.message
    assert backend.entries == {}  # the local credential is gone
    assert not auth.verify_password(PASSWORD)  # the idle lock no longer takes the old password
    assert not auth.session_valid
    assert [e.code for e in heard] == ["account_disabled"]  # the shell hears it, once
    with pytest.raises(SessionExpired) as again:  # every later request says the same
        auth.api.get_json("/me")
    assert again.value.code == "account_disabled" and len(heard) == 1
    with pytest.raises(SignInError) as relogin:  # the lock overlay's "sign in again"
        auth.reauthenticate(PASSWORD)
    assert relogin.value.code == "account_disabled"


def test_revoked_session_ends_after_one_refresh_attempt(live_server: LiveServer) -> None:
    """A new password set by an administrator revokes the sessions: the access token is now
    401 token_invalid. The client tries one refresh (refused: refresh_invalid) and the session
    ends, instead of every request failing one by one with a plain error."""
    name = admin_create_user(live_server)
    backend = MemoryKeyring()
    auth = make_auth(live_server.url, backend)
    heard: list[SessionExpired] = []
    auth.session_listeners.append(heard.append)
    calls: list[str] = []
    original = auth.api.post_json

    def counting(path: str, *a: object, **kw: object) -> object:
        calls.append(path)
        return original(path, *a, **kw)  # type: ignore[arg-type]

    auth.api.post_json = counting  # type: ignore[method-assign]
    auth.sign_in(name, PASSWORD)
    admin_patch(live_server, name, {"password": "sandi-baru-123"})
    with pytest.raises(SessionExpired) as info:
        auth.api.get_json("/me")
    assert info.value.code == "refresh_invalid" and "kata sandi" in info.value.message
    assert calls.count("/auth/refresh") == 1
    assert backend.entries == {} and not auth.verify_password(PASSWORD)
    assert len(heard) == 1
    with pytest.raises(SessionExpired):
        auth.api.get_json("/me")
    assert calls.count("/auth/refresh") == 1 and len(heard) == 1  # no more refresh attempts
    user = auth.reauthenticate("sandi-baru-123")
    assert user.username == name and auth.api.get_json("/me")["username"] == name
    assert auth.verify_password("sandi-baru-123") and backend.entries
    auth.sign_out()


# -- a refresh that hangs holds no lock (issue 9, item 5) -----------------------------------------


class StallingProxy(TcpProxy):
    """A `TcpProxy` whose traffic can be held: while `stall()`ed it accepts and reads but passes
    nothing on, so a request through it waits for an answer that does not come (a server that
    hangs) until `release()`."""

    def __init__(self, target_port: int) -> None:
        self._flowing = threading.Event()
        self._flowing.set()
        super().__init__(target_port)

    def stall(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:  # type: ignore[override]
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def waiting_for_the_refresh(thread: threading.Thread) -> bool:
    """True while `thread` waits in `Future.result` (the refresh in flight), read off its stack."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code is Future.result.__code__:
            return True
        frame = frame.f_back
    return False


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture
def stalled_refresh(
    clock_server: LiveServer,
) -> Iterator[tuple[AuthService, StallingProxy, list[str], threading.Event]]:
    """Signed in through a `StallingProxy`, the access token due (the desktop's clock moved),
    and the proxy stalled: the next request's refresh hangs. Yields (auth, proxy, paths posted,
    an event set when the refresh is on the wire). The request timeout is 10 s."""
    port = int(clock_server.url.rsplit(":", 1)[1])
    proxy = StallingProxy(port)
    clock = ClientClock()
    api = ApiClient(proxy.url, device_id=str(uuid.uuid4()), timeout=10)
    auth = AuthService(api, SecretStore(MemoryKeyring()), clock=clock)  # type: ignore[arg-type]
    auth.sign_in("verifier1", PASSWORD)
    posted: list[str] = []
    on_the_wire = threading.Event()
    original = api.post_json

    def counting(path: str, *a: object, **kw: object) -> object:
        posted.append(path)
        if path == "/auth/refresh":
            on_the_wire.set()
        return original(path, *a, **kw)  # type: ignore[arg-type]

    api.post_json = counting  # type: ignore[method-assign]
    clock.advance(PAST_EXPIRY)
    proxy.stall()
    yield auth, proxy, posted, on_the_wire
    proxy.release()
    proxy.close()


def test_a_hanging_refresh_never_blocks_the_gui_threads_calls(
    stalled_refresh: tuple[AuthService, StallingProxy, list[str], threading.Event],
) -> None:
    """The lock screen's password check and the shell's state reads return at once while a
    refresh waits for a server that does not answer; a second request waits for that one
    refresh (single flight) instead of presenting the same refresh token again."""
    auth, proxy, posted, on_the_wire = stalled_refresh
    results: dict[str, object] = {}

    def call(name: str) -> None:
        try:
            results[name] = auth.api.get_json("/me")["username"]
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            results[name] = exc

    first = threading.Thread(target=call, args=("first",), daemon=True)
    first.start()
    assert on_the_wire.wait(5)
    started = time.monotonic()
    assert auth.verify_password(PASSWORD)  # the idle lock's check (scrypt, a worker's lock read)
    assert auth.session_valid and auth.ended is None and auth.signed_in
    took = time.monotonic() - started
    assert took < 2.0, f"waited {took:.1f} s for a refresh that hangs (timeout 10 s)"

    second = threading.Thread(target=call, args=("second",), daemon=True)
    second.start()
    wait_for(lambda: waiting_for_the_refresh(second))
    assert posted.count("/auth/refresh") == 1 and first.is_alive()
    proxy.release()
    first.join(15)
    second.join(15)
    assert results == {"first": "verifier1", "second": "verifier1"}
    assert posted.count("/auth/refresh") == 1  # one refresh for both: the family survives
    assert auth.api.get_json("/me")["username"] == "verifier1"


def test_signing_out_during_a_hanging_refresh_is_instant_and_stays_signed_out(
    stalled_refresh: tuple[AuthService, StallingProxy, list[str], threading.Event],
) -> None:
    auth, proxy, _posted, on_the_wire = stalled_refresh
    backend = auth.secrets.backend
    assert isinstance(backend, MemoryKeyring) and backend.entries
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(auth.api.get_json("/me"))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    assert on_the_wire.wait(5)
    started = time.monotonic()
    refresh = auth.forget_session()  # the GUI thread's half of signing out
    took = time.monotonic() - started
    assert took < 2.0, f"sign-out waited {took:.1f} s for a refresh that hangs"
    assert refresh is not None and not auth.signed_in
    proxy.release()
    worker.join(15)
    # The refresh came back after the sign-out: the new tokens revive nothing.
    assert not auth.session_valid and not auth.signed_in and auth.user is None
    assert backend.entries == {}
    assert len(outcome) == 1 and isinstance(outcome[0], Exception)


def test_a_request_after_signing_out_is_refused_here_never_sent(live_server: LiveServer) -> None:
    """Work still running when the officer signs out (an outbox round, a pull) must not reach
    the server without a session: it stops before the request with the 401 the server would
    give (callers keep their work for the next session on a 401), not SessionExpired, which
    would tell the closed window to ask for the password (seen in CI: the torn-down shell's
    workbench paused on deleted widgets)."""
    auth = make_auth(live_server.url)
    auth.sign_in("operator1", "loket-demo")
    auth.api.get_json("/me")
    auth.sign_out()
    seen = ServerRequests(live_server)
    with pytest.raises(ApiError) as info:
        auth.api.post_json("/applications", {"id": str(uuid.uuid4())})
    assert (info.value.status, info.value.code) == (401, "signed_out")
    assert not isinstance(info.value, SessionExpired)
    answered = seen.answered(wait_for)
    assert not [line for line in answered if "/applications" in line], answered
