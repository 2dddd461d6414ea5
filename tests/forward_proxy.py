"""A small real HTTP forward proxy, and a TLS front, to put the real server behind an office proxy.

    with TlsFront(cert, key, server_port) as front, ForwardProxy(
        hosts={"loket.test:8443": ("127.0.0.1", front.port)}, credentials=("petugas", "rahasia")
    ) as proxy:
        ApiClient("https://loket.test:8443", ca_bundle=str(cert), proxy=proxy.auth_url)

`ForwardProxy` does what an office's Squid does for Loket: ``CONNECT host:port`` opens a tunnel
(the TLS inside is the client's and the server's; the proxy reads none of it), an absolute-URI
request (``GET http://host:port/path``) is forwarded. `hosts` maps the names asked for to real
addresses, so a name that resolves nowhere (``loket.test``) is reachable *only* through the
proxy: a request that succeeds went through it. With `credentials` it answers 407 to requests
without the right ``Proxy-Authorization: Basic``. It keeps what it carried (`carried`: "CONNECT
loket.test:8443", "GET http://…") and what it refused (`refused`: 407s and 502s).

`TlsFront` is the server's HTTPS: it terminates TLS with a certificate for ``loket.test`` and
passes the plain bytes to the live server's port (uvicorn serves http on loopback).

Standard library only; threads are daemons and `close()` closes every socket.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import ssl
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from tests.desktop.support import self_signed_cert

CHUNK = 65536


def make_host_cert(directory: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for DNS name `host`, as PEM files."""
    return self_signed_cert(directory, host, cn=host, san=f"DNS:{host}")


def _listen() -> socket.socket:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


def _pump(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until either side closes (TLS-aware: reads what OpenSSL buffered)."""
    socks = [a, b]
    try:
        while True:
            ready = [s for s in socks if isinstance(s, ssl.SSLSocket) and s.pending()]
            if not ready:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
            for s in ready:
                data = s.recv(CHUNK)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except (OSError, ValueError):  # closed meanwhile (`close()`: fd -1 in select)
        return
    finally:
        for s in socks:
            with contextlib.suppress(OSError):
                s.close()


class _Server:
    """Accepts on 127.0.0.1 and hands each connection to `handle` on its own thread."""

    def __init__(self) -> None:
        self._listener = _listen()
        self.port = int(self._listener.getsockname()[1])
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._keep(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn: socket.socket) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def __enter__(self) -> _Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ForwardProxy(_Server):
    """CONNECT tunnels and absolute-URI forwarding, optionally behind Basic proxy auth."""

    def __init__(
        self,
        *,
        hosts: dict[str, tuple[str, int]] | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.hosts = dict(hosts or {})
        self.credentials = credentials
        self.carried: list[str] = []
        self.refused: list[str] = []
        self.auth_seen: list[str] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        """The proxy URL with its credentials (as a person would write it in Pengaturan)."""
        if self.credentials is None:
            return self.url
        user, password = self.credentials
        return f"http://{user}:{password}@127.0.0.1:{self.port}"

    @property
    def tunnels(self) -> int:
        return sum(1 for c in self.carried if c.startswith("CONNECT "))

    def _target(self, authority: str) -> tuple[str, int]:
        if authority in self.hosts:
            return self.hosts[authority]
        host, _, port = authority.rpartition(":")
        return host.strip("[]"), int(port)

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.credentials is None:
            return True
        given = headers.get("proxy-authorization", "")
        self.auth_seen.append(given)
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return given == f"Basic {expected}"

    def handle(self, conn: socket.socket) -> None:
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                data = conn.recv(CHUNK)
                if not data:
                    conn.close()
                    return
                head += data
        except OSError:
            return
        raw_head, _, rest = head.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if not self._authorised(headers):
            self.refused.append(f"407 {method} {target}")
            with contextlib.suppress(OSError):
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="kantor"\r\n'
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                conn.close()
            return
        if method == "CONNECT":
            self._tunnel(conn, target, rest)
        else:
            self._forward(conn, method, target, version, lines[1:], rest)

    def _connect(self, conn: socket.socket, authority: str, what: str) -> socket.socket | None:
        try:
            upstream = socket.create_connection(self._target(authority), timeout=5)
        except OSError:
            self.refused.append(f"502 {what}")
            with contextlib.suppress(OSError):
                conn.sendall(
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                conn.close()
            return None
        upstream.settimeout(None)
        self._keep(upstream)
        return upstream

    def _tunnel(self, conn: socket.socket, authority: str, rest: bytes) -> None:
        upstream = self._connect(conn, authority, f"CONNECT {authority}")
        if upstream is None:
            return
        self.carried.append(f"CONNECT {authority}")
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        _pump(conn, upstream)

    def _forward(
        self,
        conn: socket.socket,
        method: str,
        target: str,
        version: str,
        header_lines: list[str],
        rest: bytes,
    ) -> None:
        parts = urlsplit(target)
        authority = parts.netloc.rsplit("@", 1)[-1]
        if ":" not in authority:
            authority += ":80"
        upstream = self._connect(conn, authority, f"{method} {target}")
        if upstream is None:
            return
        self.carried.append(f"{method} {target}")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        kept = [
            line
            for line in header_lines
            if line.split(":", 1)[0].strip().lower()
            not in ("proxy-authorization", "proxy-connection", "connection")
        ]
        request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
        upstream.sendall(request.encode("latin-1") + rest)
        _pump(conn, upstream)  # one request per connection: "Connection: close"


class TlsFront(_Server):
    """HTTPS for a plain-http server: TLS with `cert`/`key`, then the bytes to `target_port`."""

    def __init__(self, cert: Path, key: Path, target_port: int) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.target_port = target_port
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            tls = self.context.wrap_socket(conn, server_side=True)
            tls.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            upstream.settimeout(None)
        except OSError:  # a client that does not trust us, or the server is down
            with contextlib.suppress(OSError):
                conn.close()
            return
        self._keep(tls)
        self._keep(upstream)
        _pump(tls, upstream)
