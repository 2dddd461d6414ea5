"""Real test components shared by tests/desktop and tests/gui.

- `MemoryKeyring`: keyring has no in-memory backend; this one keeps secrets in a dict, so tests
  never touch the developer's real keyring and can inspect what was stored.
- `Remote`: a user of the live reference server over plain HTTP (the "second user" in 409 tests,
  and the operator that creates test applications).
- `ScriptedHttpServer`: a tiny HTTP server on 127.0.0.1 that answers with what a test scripts:
  garbage JSON, truncated bodies, a newer server's unknown enum values, a wrong API version.
- `TcpProxy`: a TCP forwarder in front of the live server that a test can take down and bring
  back up, to produce "server down" at exact moments (sign-in, refresh, mid-pull).
- `Pc`: one counter PC's own config/data folders (so its own device id), for the two-PC tests
  (USB transfer, key escrow).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import socket
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from desktop.domain.identity import encode_nik
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.secrets import SecretStore
from desktop.services.transfer_keys import prepare_offline_transfer

# -- keyring -----------------------------------------------------------------------------------


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict. ``priority`` is irrelevant: tests install it with `set_keyring`."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    @property
    def sessions(self) -> dict[tuple[str, str], str]:
        """The sign-in sessions (refresh tokens), without the offline records (`vault`) and the
        USB transfer keys (`transfer_keys`, "Loket kunci-…"), which outlive a sign-out by design."""
        return {
            k: v
            for k, v in self.entries.items()
            if not k[0].endswith(" luring") and not k[0].startswith("Loket kunci-")
        }

    @property
    def offline_records(self) -> dict[tuple[str, str], str]:
        return {k: v for k, v in self.entries.items() if k[0].endswith(" luring")}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not found")
        del self.entries[(service, username)]


# -- the live server as a second user ----------------------------------------------------------

_serials = itertools.count(101)
_rng = random.Random(17)


def new_nik(sex: str = "P") -> str:
    birth = date(1985, 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    return encode_nik("14.71.01", birth, sex, 1 + (next(_serials) * 37) % 9999)  # type: ignore[arg-type]


class Remote:
    """One user of the server over plain HTTP (not through the desktop's client)."""

    def __init__(self, api: str, username: str, password: str) -> None:
        self.api = api
        self.http = requests.Session()
        self.http.headers["X-Loket-Device"] = str(uuid.uuid4())
        r = self.http.post(
            api + "/auth/login",
            json={
                "username": username,
                "password": password,
                "device_id": self.http.headers["X-Loket-Device"],
            },
            timeout=30,
        )
        r.raise_for_status()
        self.tokens: dict[str, Any] = r.json()
        self.me: dict[str, Any] = self.tokens["user"]
        self.http.headers["Authorization"] = "Bearer " + self.tokens["access_token"]

    def create(
        self,
        name: str,
        *,
        service_code: str = "SK-DOMISILI",
        submit: bool = True,
        office_code: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "id": str(uuid.uuid4()),
            "service_code": service_code,
            "office_code": office_code or self.me["office"]["code"],
            "applicant": {
                "nik": new_nik(),
                "name": name,
                "birth_date": None,
                "sex": "P",
                "kk_number": None,
                "phone": "081234567890",
                "email": None,
                "address": "Jl. Riau No. 5, Pekanbaru",
            },
            "provisional_number": None,
            "submit": submit,
            "device_time": None,
        }
        r = self.http.post(
            self.api + "/applications",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    def get(self, app_id: str) -> dict[str, Any]:
        r = self.http.get(f"{self.api}/applications/{app_id}", timeout=30)
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    def claim(self, app_id: str) -> requests.Response:
        return self.http.post(f"{self.api}/applications/{app_id}/claim", timeout=30)

    def release(self, app_id: str) -> requests.Response:
        return self.http.delete(f"{self.api}/applications/{app_id}/claim", timeout=30)

    def act(
        self, app_id: str, action: str, version: int, reason: str | None = None
    ) -> requests.Response:
        return self.http.post(
            f"{self.api}/applications/{app_id}/actions",
            json={
                "action": action,
                "reason": reason,
                "expected_version": version,
                "transaction_id": str(uuid.uuid4()),
            },
            timeout=30,
        )

    def decide(self, app_id: str, action: str, reason: str | None = None) -> dict[str, Any]:
        """Claim, act on the current version, release: what a colleague at another PC does."""
        assert self.claim(app_id).status_code == 200
        version = self.get(app_id)["version"]
        r = self.act(app_id, action, version, reason)
        assert r.status_code == 200, r.text
        self.release(app_id)
        data: dict[str, Any] = r.json()["application"]
        return data


@dataclass
class Pc:
    """One counter PC: its own config and data folders (so its own device id)."""

    root: Path
    url: str

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOKET_CONFIG_DIR", str(self.root / "config"))
        monkeypatch.setenv("LOKET_DATA_DIR", str(self.root / "data"))
        monkeypatch.setenv("LOKET_SERVER_URL", self.url)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def store_path(self) -> Path:
        path = self.data / "stores" / "srv" / "u" / "kantor.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def keep_verify_for_transfer(
    api: ApiClient, store: Store, data: Path, *, username: str, user_id: str, app_id: str
) -> str:
    """Signed in online as `username`: keep this PC's USB transfer keys, claim `app_id` and
    keep a Verifikasi on its current version in `store`'s outbox (sent by nobody: the test
    decides what carries it). Returns the decision's transaction id."""
    assert (
        prepare_offline_transfer(
            api, SecretStore(), data, store.path, username=username, user_id=user_id
        )
        == ""
    )
    apps = ApplicationService(api, store)
    apps.my_user_id = user_id
    apps.claim(app_id)
    detail = apps.fetch_detail(app_id)
    pending = PendingDecision.create(
        app_id, "verify", expected_version=detail.version, seen_status=detail.status_raw
    )
    assert apps.keep_decision(pending, label=f"Verifikasi {detail.number}")
    return pending.transaction_id


# -- scripted HTTP server ------------------------------------------------------------------------

Responder = Callable[[BaseHTTPRequestHandler], None]


class ScriptedHttpServer:
    """127.0.0.1 HTTP server whose answers are Python callables keyed by (method, path prefix)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Responder]] = []
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _dispatch(self) -> None:
                outer.requests.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                for method, prefix, responder in outer.routes:
                    if method == self.command and self.path.startswith(prefix):
                        responder(self)
                        return
                send(self, 404, b"<html>not found</html>", "text/html")

            do_GET = do_POST = do_DELETE = do_PUT = _dispatch

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, method: str, prefix: str, responder: Responder) -> None:
        self.routes.insert(0, (method, prefix, responder))

    def __enter__(self) -> ScriptedHttpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    ctype: str = "application/json",
    *,
    declared_length: int | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer; `declared_length` larger than the body makes a truncated response."""
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(declared_length or len(body)))
    if declared_length:
        handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    if declared_length:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)


# -- TCP proxy ---------------------------------------------------------------------------------


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target port; `down()` refuses and cuts, `up()` restores."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def close(self) -> None:
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


# -- secrecy checks ----------------------------------------------------------------------------


def files_containing(roots: Iterable[Path], secrets: Iterable[str]) -> list[str]:
    """Every file under `roots` whose bytes contain one of `secrets` (as UTF-8 or UTF-16)."""
    needles = [s for s in secrets if s]
    hits: list[str] = []
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            for secret in needles:
                if secret.encode() in data or secret.encode("utf-16-le") in data:
                    hits.append(f"{path}: contains a secret ({secret[:4]}…)")
    return hits


def records_containing(
    records: Iterable[logging.LogRecord], text: str, secrets: Iterable[str]
) -> list[str]:
    needles = [s for s in secrets if s]
    hits = [f"log text contains {s[:4]}…" for s in needles if s in text]
    for record in records:
        message = record.getMessage()
        hits += [f"record {record.name}: {s[:4]}…" for s in needles if s in message]
    return hits


def feed_items(api: str, username: str, password: str = "loket-demo") -> list[dict[str, Any]]:
    """Every application in `username`'s scope, read from the server's changes feed."""
    remote = Remote(api, username, password)
    items: list[dict[str, Any]] = []
    since = 0
    while True:
        page = remote.http.get(
            api + "/applications/changes", params={"since": since, "limit": 500}
        ).json()
        items += page["items"]
        since = page["last_seq"]
        if not page["has_more"]:
            return items


def past_retention(items: list[dict[str, Any]], days: int) -> set[str]:
    """Ids of finished applications last updated more than `days` ago (the cache drops them)."""
    from datetime import UTC, datetime, timedelta

    from desktop.domain.records import parse_datetime

    cutoff = datetime.now(UTC) - timedelta(days=days)
    return {
        i["id"]
        for i in items
        if i["status"] in {"completed", "rejected", "cancelled"}
        and parse_datetime(i["updated_at"]) < cutoff
    }


def summary_json(i: int, *, name: str | None = None, **changes: Any) -> dict[str, Any]:
    """One application as the changes feed sends it; `changes` override top-level fields."""
    raw = {
        "id": str(uuid.UUID(int=i)),
        "registration_number": None,
        "provisional_number": None,
        "service_code": "SKTM",
        "status": "submitted",
        "version": 1,
        "office_code": "14.71.01",
        "applicant": {"nik": "1471015208900001", "name": name or f"Pemohon {i}"},
        "channel": "counter",
        "created_at": "2026-11-24T01:00:00Z",
        "updated_at": "2026-11-24T01:00:00Z",
        "submitted_at": None,
        "due_at": None,
        "claim": None,
        "seq": i,
    }
    raw.update(changes)
    return raw


def self_signed_cert(directory: Path, stem: str, *, cn: str, san: str) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) as PEM files `<stem>.pem` and `<stem>-key.pem`;
    `san` is the subjectAltName, e.g. ``IP:127.0.0.1`` or ``DNS:loket.test``."""
    cert, key = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
    args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={cn}"]
    args += ["-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        ["openssl", *args],
        check=True,
        capture_output=True,
    )
    return cert, key
