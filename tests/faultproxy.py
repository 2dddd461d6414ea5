"""A small fault-injecting TCP proxy to put in front of the real server in tests.

The network faults a counter PC meets, made on purpose and at a chosen moment, so the suite can
show that nothing is lost and nothing doubled (issue 10):

    with FaultProxy(live_server.url) as proxy:
        proxy.reset_after_request()     # the server commits, the answer never arrives
        requests.post(proxy.url + "/api/v1/...", ...)   # -> ConnectionError
        proxy.pass_through()

Modes (`Mode`), set from the test at any time:
- pass-through;
- latency: every chunk of the answer waits `ms` first;
- reset: the request reaches the server whole; when its answer starts, the client's
  connection is closed with a TCP RST and the answer dropped (so the server has committed);
- cut the response after N bytes (then RST), or cut the request body after N bytes (an
  upload broken off: the server sees the connection end mid-body, the client an error);
- black hole: connections are accepted and read, and never answered (the client's timeout).

A mode applies to connections opened after it was set: setting one closes every open
connection first (an HTTP client's idle keep-alive connection then reconnects), so the next
request meets the new mode. `once=True` turns the proxy back to pass-through after the fault
fired once. `faults` counts the faults made, to check the test met the one it meant.

Standard library only: one thread accepts, one thread per connection pumps both directions
with `select`. `close()` (or leaving the `with` block) stops them all and closes every
socket, so nothing leaks into the next test.
"""

from __future__ import annotations

import contextlib
import enum
import select
import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

CHUNK = 65536


class Mode(enum.Enum):
    PASS = "pass"
    LATENCY = "latency"
    RESET = "reset"
    CUT_RESPONSE = "cut_response"
    CUT_REQUEST = "cut_request"
    BLACK_HOLE = "black_hole"


@dataclass(frozen=True)
class Setting:
    mode: Mode = Mode.PASS
    amount: int = 0
    """Milliseconds (latency) or bytes (cuts)."""
    once: bool = False


def _abort(sock: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a dropped line or a middlebox does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _content_length(head: bytes) -> int:
    """The request's body length from its headers; -1 when not given (chunked)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return -1
    return -1 if b"chunked" in head.lower() else 0


class _Connection:
    """One client connection and its upstream one, pumped by one thread."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, setting: Setting) -> None:
        self.proxy = proxy
        self.client = client
        self.setting = setting
        self.upstream: socket.socket | None = None
        self.stop = threading.Event()
        self.wake_r, self.wake_w = socket.socketpair()
        self.thread = threading.Thread(target=self._run, name="faultproxy-conn", daemon=True)
        self.response_bytes = 0
        self.request_body_bytes = 0
        self._head = b""
        self._body_left: int | None = None
        """Body bytes still to come of the current request (-1: unknown); None: in headers."""
        self._aborted = False

    def start(self) -> None:
        self.thread.start()

    def shut(self) -> None:
        """Ask the pump to end (from another thread); `join` waits for it."""
        self.stop.set()
        with contextlib.suppress(OSError):  # the pump may have ended and closed it
            self.wake_w.send(b"x")

    def join(self) -> None:
        self.thread.join(timeout=10)

    def _run(self) -> None:
        try:
            if self.setting.mode is not Mode.BLACK_HOLE:
                try:
                    self.upstream = socket.create_connection(self.proxy.upstream, timeout=10)
                    self.upstream.settimeout(None)
                except OSError:  # the server is down: the client sees a reset
                    self._fault(count=False)
                    return
            self._pump()
        finally:
            self._close_all()

    def _pump(self) -> None:
        while not self.stop.is_set() and not self._aborted:
            watched = [self.client, self.wake_r]
            if self.upstream is not None:
                watched.append(self.upstream)
            readable, _, _ = select.select(watched, [], [])
            if self.wake_r in readable or self.stop.is_set():
                return
            if self.client in readable and not self._from_client():
                return
            upstream_ready = self.upstream is not None and self.upstream in readable
            if upstream_ready and not self._from_upstream():
                return

    def _from_client(self) -> bool:
        try:
            data = self.client.recv(CHUNK)
        except OSError:
            return False
        if not data:
            return False
        mode = self.setting.mode
        if mode is Mode.BLACK_HOLE:
            return True  # read and forgotten
        if mode is Mode.CUT_REQUEST:
            data, cut = self._request_part(data)
            self._send(self.upstream, data)
            if cut:
                self._fault()
                return False
            return True
        return self._send(self.upstream, data)

    def _request_part(self, data: bytes) -> tuple[bytes, bool]:
        """The part of `data` to forward, and whether the request is cut there.

        Requests are followed by their `Content-Length`, so on a keep-alive connection a short
        request (a log-in) passes and the first body longer than the limit is cut; a body of
        unknown length (chunked) is cut once the limit is reached."""
        forward = b""
        while data:
            if self._body_left is None:  # in the headers
                seen = self._head + data
                end = seen.find(b"\r\n\r\n")
                if end < 0:
                    self._head = seen
                    return forward + data, False
                split = end + 4 - len(self._head)
                forward += data[:split]
                data = data[split:]
                self._body_left = _content_length(seen[: end + 4])
                self._head = b""
                self.request_body_bytes = 0
                if self._body_left == 0:
                    self._body_left = None
                continue
            room = self.setting.amount - self.request_body_bytes
            take = len(data) if self._body_left < 0 else min(len(data), self._body_left)
            if take > room:
                return forward + data[:room], True
            forward += data[:take]
            data = data[take:]
            self.request_body_bytes += take
            if self._body_left >= 0:
                self._body_left -= take
                if self._body_left == 0:
                    self._body_left = None
        return forward, False

    def _from_upstream(self) -> bool:
        assert self.upstream is not None
        try:
            data = self.upstream.recv(CHUNK)
        except OSError:
            return False
        if not data:
            return False
        mode = self.setting.mode
        if mode is Mode.RESET:
            self._fault()  # the whole request went up and was answered: drop the answer
            return False
        if mode is Mode.CUT_RESPONSE:
            room = self.setting.amount - self.response_bytes
            if len(data) >= room:
                self._send(self.client, data[:room])
                self._fault()
                return False
            self.response_bytes += len(data)
        if mode is Mode.LATENCY and self.stop.wait(self.setting.amount / 1000):
            return False
        return self._send(self.client, data)

    def _send(self, sock: socket.socket | None, data: bytes) -> bool:
        if sock is None or not data:
            return sock is not None
        try:
            sock.sendall(data)
        except OSError:
            return False
        return True

    def _fault(self, *, count: bool = True) -> None:
        """Break the client's connection with an RST now (counted first: the client may look
        at `faults` the moment it sees the error)."""
        if count:
            self.proxy._fault_made(self.setting)
        self._aborted = True
        _abort(self.client)

    def _close_all(self) -> None:
        if not self._aborted:
            self.client.close()
        if self.upstream is not None:
            self.upstream.close()
        self.wake_r.close()
        self.wake_w.close()
        self.proxy._forget(self)


class FaultProxy:
    """A TCP proxy on 127.0.0.1 (a free port) to `upstream` (`http://host:port` or a pair)."""

    def __init__(self, upstream: str | tuple[str, int]) -> None:
        if isinstance(upstream, str):
            parts = urlsplit(upstream)
            assert parts.hostname and parts.port, upstream
            upstream = (parts.hostname, parts.port)
        self.upstream = upstream
        self._setting = Setting()
        self._lock = threading.Lock()
        self._accepted_changed = threading.Condition(self._lock)
        self._connections: set[_Connection] = set()
        self._faults = 0
        self._accepted = 0
        self._closed = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)
        self._thread.start()

    # -- what a test sees ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    @property
    def faults(self) -> int:
        """How many faults the proxy has made (resets, cuts, refused upstreams excluded)."""
        with self._lock:
            return self._faults

    @property
    def accepted(self) -> int:
        """How many client connections were accepted."""
        with self._lock:
            return self._accepted

    def wait_accepted(self, count: int, timeout: float = 10) -> bool:
        """Wait until `count` connections were accepted in all (e.g. a request is in the hole)."""
        with self._accepted_changed:
            return self._accepted_changed.wait_for(lambda: self._accepted >= count, timeout)

    @property
    def mode(self) -> Mode:
        with self._lock:
            return self._setting.mode

    def pass_through(self) -> None:
        self.set(Setting())

    def latency(self, ms: int) -> None:
        self.set(Setting(Mode.LATENCY, ms))

    def reset_after_request(self, *, once: bool = False) -> None:
        self.set(Setting(Mode.RESET, 0, once))

    def cut_response(self, after_bytes: int, *, once: bool = False) -> None:
        self.set(Setting(Mode.CUT_RESPONSE, after_bytes, once))

    def cut_request_body(self, after_bytes: int, *, once: bool = False) -> None:
        self.set(Setting(Mode.CUT_REQUEST, after_bytes, once))

    def black_hole(self) -> None:
        self.set(Setting(Mode.BLACK_HOLE))

    def set(self, setting: Setting, *, close_open: bool = True) -> None:
        """Apply `setting` to every connection from now on; open ones are closed first, or
        with `close_open=False` keep the setting they were opened with (one slow request on
        its way while the next ones pass)."""
        with self._lock:
            self._setting = setting
            open_now = list(self._connections) if close_open else []
        for conn in open_now:
            conn.shut()
        for conn in open_now:
            conn.join()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake_w.send(b"x")
        self._thread.join(timeout=10)
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        with self._lock:
            open_now = list(self._connections)
        for conn in open_now:
            conn.shut()
        for conn in open_now:
            conn.join()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- machinery -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            readable, _, _ = select.select([self._listener, self._wake_r], [], [])
            if self._wake_r in readable:
                return
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    client.close()
                    return
                conn = _Connection(self, client, self._setting)
                self._connections.add(conn)
                self._accepted += 1
                self._accepted_changed.notify_all()
                conn.start()  # under the lock: `close` never joins a thread not started

    def _fault_made(self, setting: Setting) -> None:
        with self._lock:
            self._faults += 1
            if setting.once and self._setting is setting:
                self._setting = Setting()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._connections.discard(conn)
