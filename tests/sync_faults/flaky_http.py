"""An HTTP proxy in front of the real server that answers 500, 503 and 429 (with Retry-After)
at random from a seeded schedule: the reference server has no such fault hook (no maintenance
mode, no rate limit on actions), and the TCP-level `tests.faultproxy.FaultProxy` cannot speak
HTTP status codes.

Faults (drawn per request under ``/applications`` with probability `rate`; sign-in, refresh
and health always pass):

- ``500``: answered before the request reaches the server (nothing committed);
- ``500-after``: the request is forwarded and committed, then the answer replaced by a 500
  (the answer lost in a crashing gateway: the replay must not double it);
- ``503``: a load balancer's HTML page with ``Retry-After: 7``;
- ``429``: a problem body with ``Retry-After: 3``.

`log` records every request (method, path, Idempotency-Key, fault or ""), for the assertions
on retry storms and Retry-After.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import requests

FAULTS = ("500", "500-after", "503", "429")
RETRY_AFTER = {"503": 7, "429": 3}
HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "content-encoding",
}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    key: str
    fault: str


class FlakyHttp:
    def __init__(self, upstream: str, *, seed: int, rate: float = 0.35) -> None:
        self.upstream = upstream.rstrip("/")
        self.rng = random.Random(seed)
        self.rate = rate
        self.lock = threading.Lock()
        self.log: list[Seen] = []
        self.session = requests.Session()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def faults(self, kind: str | None = None) -> int:
        with self.lock:
            return sum(1 for s in self.log if s.fault and (kind is None or s.fault == kind))

    def _draw(self, path: str) -> str:
        if "/applications" not in path:
            return ""
        with self.lock:
            if self.rng.random() >= self.rate:
                return ""
            return self.rng.choice(FAULTS)

    def _body(self, handler: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(handler.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    handler.rfile.readline()
                    return out
                out += handler.rfile.read(size)
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = self._body(handler)
        fault = self._draw(handler.path)
        with self.lock:
            key = handler.headers.get("Idempotency-Key", "")
            self.log.append(Seen(handler.command, handler.path, key, fault))
        if fault in ("500", "503", "429"):
            self._fault(handler, fault)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP}
        try:
            resp = self.session.request(
                handler.command, self.upstream + handler.path, headers=headers, data=body,
                timeout=60, allow_redirects=False,
            )  # fmt: skip
        except requests.RequestException:
            self._send(handler, 502, b"bad gateway", "text/plain", {})
            return
        if fault == "500-after":  # committed upstream; the answer is lost
            self._fault(handler, "500")
            return
        kept = {k: v for k, v in resp.headers.items() if k.lower() not in HOP}
        self._send(handler, resp.status_code, resp.content, None, kept)

    def _fault(self, handler: BaseHTTPRequestHandler, fault: str) -> None:
        if fault == "503":
            self._send(handler, 503, b"<html>503 Service Unavailable</html>", "text/html",
                       {"Retry-After": str(RETRY_AFTER["503"])})  # fmt: skip
        elif fault == "429":
            problem = {"status": 429, "code": "rate_limited", "detail": "Terlalu banyak."}
            self._send(handler, 429, json.dumps(problem).encode(), "application/problem+json",
                       {"Retry-After": str(RETRY_AFTER["429"])})  # fmt: skip
        else:
            problem = {"status": 500, "code": "internal", "detail": "Kesalahan server."}
            self._send(handler, 500, json.dumps(problem).encode(), "application/problem+json", {})

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        ctype: str | None,
        headers: dict[str, str],
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if ctype is not None:
            handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
        self.session.close()

    def __enter__(self) -> FlakyHttp:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
