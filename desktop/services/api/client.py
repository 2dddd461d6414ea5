"""HTTP client for the central API: one place for base URL, auth, device header, TLS and errors.

Every call goes through `ApiClient.request`, so the rules hold everywhere:

- TLS is always verified (``verify=ca_bundle or True``; there is no switch to turn it off);
- ``Authorization: Bearer`` comes from a `TokenProvider`; on 401 ``token_expired`` the client asks
  the provider for a fresh token once and retries the request once, transparently;
- problems (``application/problem+json``) become `ApiError`, transport failures become
  `ConnectionFailure` (kind + Indonesian explanation), unusable bodies become `BadResponse`.

Requests are made from worker threads, never the GUI thread; each thread gets its own
`requests.Session` because sessions are not documented as thread-safe.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests

from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    FailureKind,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
USER_AGENT = "Loket-Desktop/0.1"
Expect = Literal["json", "bytes", "none"]


class TokenProvider(Protocol):
    """Supplies bearer tokens; implemented by `desktop.services.auth.AuthService`."""

    def access_token(self) -> str | None:
        """The current access token (refreshed first if it is about to expire), or None."""
        ...

    def refresh_access(self, stale: str) -> str | None:
        """A fresh access token after the server said `stale` expired, or None if impossible."""
        ...


def normalise_server_url(text: str) -> str:
    """``loket.example.go.id`` -> ``https://loket.example.go.id``; drops a trailing ``/api/v1``.

    Raises `ConnectionFailure` (INVALID_URL) with an Indonesian explanation.
    """
    value = text.strip()
    if not value:
        raise ConnectionFailure(FailureKind.INVALID_URL, "Alamat server belum diisi.")
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ConnectionFailure(
            FailureKind.INVALID_URL,
            f"Alamat server harus diawali https:// (bukan {parts.scheme}://).",
        )
    if not parts.hostname or any(c.isspace() for c in value):
        raise ConnectionFailure(
            FailureKind.INVALID_URL, f"Alamat server tidak valid: '{text.strip()}'."
        )
    try:
        _ = parts.port
    except ValueError:
        raise ConnectionFailure(
            FailureKind.INVALID_URL, "Nomor port pada alamat server tidak valid."
        ) from None
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes/contexts and urllib3 `reason`s, outermost first."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop(0)
        if any(cur is s for s in seen):
            continue
        seen.append(cur)
        for nxt in (getattr(cur, "reason", None), cur.__cause__, cur.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        for arg in cur.args:
            if isinstance(arg, BaseException):
                todo.append(arg)
    return seen


def describe_transport_error(exc: BaseException, host: str) -> ConnectionFailure:
    """Turn a requests/urllib3/socket exception into a kind and an Indonesian explanation."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, requests.exceptions.SSLError) or any(
        isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain
    ):
        if "hostname" in text or "doesn't match" in text or "not valid for" in text:
            why = "nama pada sertifikat tidak sesuai dengan alamat server"
        elif "expired" in text:
            why = "sertifikat server sudah kedaluwarsa"
        elif "self-signed" in text or "self signed" in text or "unable to get local issuer" in text:
            why = (
                "sertifikat server diterbitkan oleh CA yang tidak dikenal; bila kantor Anda "
                "memakai CA internal, pilih berkas CA (PEM) di pengaturan koneksi"
            )
        elif "wrong version number" in text or "record layer" in text:
            why = "server tidak berbicara HTTPS pada alamat ini (coba http:// untuk server lokal)"
        else:
            why = "sertifikat server tidak dapat diverifikasi"
        return ConnectionFailure(
            FailureKind.TLS,
            f"Koneksi aman ke {host} gagal: {why}. Demi keamanan data, Loket tidak akan "
            "tersambung tanpa sertifikat yang sah.",
        )
    if isinstance(exc, requests.exceptions.Timeout) or any(
        isinstance(e, socket.timeout | TimeoutError) for e in chain
    ):
        return ConnectionFailure(
            FailureKind.TIMEOUT,
            f"Server {host} tidak menjawab dalam batas waktu. Jaringan mungkin lambat atau "
            "server sedang sibuk; coba lagi sebentar lagi.",
        )
    dns_markers = (
        "name or service not known",
        "nodename nor servname",
        "getaddrinfo failed",
        "temporary failure in name resolution",
        "no address associated",
        "name resolution",
        "failed to resolve",
    )
    if any(isinstance(e, socket.gaierror) for e in chain) or any(m in text for m in dns_markers):
        return ConnectionFailure(
            FailureKind.DNS,
            f"Nama server '{host}' tidak ditemukan (DNS). Periksa ejaan alamat server dan "
            "sambungan internet/jaringan kantor.",
        )
    if (
        any(isinstance(e, ConnectionRefusedError) for e in chain)
        or "refused" in text
        or ("10061" in text)
    ):
        return ConnectionFailure(
            FailureKind.REFUSED,
            f"Server {host} menolak sambungan: layanan Loket tidak berjalan di alamat/port ini, "
            "atau diblokir firewall.",
        )
    return ConnectionFailure(
        FailureKind.NETWORK,
        f"Tidak dapat tersambung ke server {host}: sambungan jaringan terputus. "
        "Periksa jaringan lalu coba lagi.",
    )


def problem_from_response(resp: requests.Response) -> ApiError:
    """Read a problem+json body; anything else becomes a generic error naming the status."""
    body: Any = None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        detail = body.get("detail")
        if not isinstance(detail, str) or not detail:
            detail = body.get("title") if isinstance(body.get("title"), str) else body["code"]
        extras = {
            k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "code")
        }
        return ApiError(resp.status_code, body["code"], str(detail), extras)
    status = resp.status_code
    if status in (502, 503, 504):
        detail = "Server sedang tidak tersedia (gangguan atau pemeliharaan). Coba lagi nanti."
        code = "unavailable"
    elif status == 404:
        detail = (
            "Alamat yang diminta tidak ada di server ini. Mungkin ini bukan server Loket "
            "atau versinya berbeda."
        )
        code = "not_found"
    elif status >= 500:
        detail = f"Server mengalami kesalahan (HTTP {status}). Coba lagi nanti."
        code = "server_error"
    else:
        detail = f"Server menolak permintaan (HTTP {status})."
        code = f"http_{status}"
    return ApiError(status, code, detail, {})


@dataclass(frozen=True)
class ConnectionState:
    """What the last request taught us about the server (for the status bar)."""

    online: bool | None = None  # None: nothing tried yet
    message: str = ""
    at: float = 0.0


class ApiClient:
    """A small, strict client for `/api/v1`. Thread-safe: one `requests.Session` per thread."""

    def __init__(
        self,
        server_url: str,
        *,
        device_id: str,
        ca_bundle: str | None = None,
        timeout: float = 15.0,
        tokens: TokenProvider | None = None,
    ) -> None:
        self.server_url = normalise_server_url(server_url)
        self.base_url = self.server_url + API_PREFIX
        self.host = urlsplit(self.server_url).netloc
        self.device_id = device_id
        self.verify: str | bool = ca_bundle or True
        self.timeout = timeout
        self.tokens = tokens
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self.connection = ConnectionState()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["X-Loket-Device"] = self.device_id
            session.trust_env = False  # proxies from env are an admin decision, not ambient
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._sessions_lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    # -- the one request path -------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        auth: bool = True,
        expect: Expect = "json",
        timeout: float | None = None,
    ) -> Any:
        """Send one request; returns parsed JSON, ``(bytes, content_type)`` or None."""
        token = self.tokens.access_token() if (auth and self.tokens) else None
        resp = self._send(method, path, json_body, params, headers, data, token, timeout)
        if resp.status_code == 401 and auth and self.tokens and token:
            problem = problem_from_response(resp)
            if problem.code == "token_expired":
                fresh = self.tokens.refresh_access(token)
                if fresh:
                    resp = self._send(
                        method, path, json_body, params, headers, data, fresh, timeout
                    )
            else:
                raise problem
        if resp.status_code >= 400:
            raise problem_from_response(resp)
        return self._decode(resp, expect)

    def _send(
        self,
        method: str,
        path: str,
        json_body: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        data: bytes | None,
        token: str | None,
        timeout: float | None,
    ) -> requests.Response:
        hdrs: dict[str, str] = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        body: bytes | None = data
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        hdrs.setdefault("Accept", "application/json, application/problem+json")
        url = self.base_url + path
        try:
            resp = self._session().request(
                method,
                url,
                params=dict(params) if params else None,
                data=body,
                headers=hdrs,
                timeout=timeout or self.timeout,
                verify=self.verify,
                allow_redirects=False,
            )
            # Read the whole body here so truncation surfaces as a transport error.
            _ = resp.content
        except requests.exceptions.ChunkedEncodingError as exc:
            raise BadResponse(
                "Jawaban server terpotong di tengah jalan (sambungan terputus). Coba lagi."
            ) from exc
        except requests.exceptions.ContentDecodingError as exc:
            raise BadResponse("Jawaban server rusak dan tidak dapat dibaca.") from exc
        except requests.exceptions.RequestException as exc:
            failure = describe_transport_error(exc, self.host)
            self.connection = ConnectionState(False, failure.message, time.time())
            raise failure from exc
        self.connection = ConnectionState(True, "", time.time())
        if 300 <= resp.status_code < 400:
            raise BadResponse(
                f"Server mengalihkan permintaan ke alamat lain (HTTP {resp.status_code}). "
                "Periksa alamat server di pengaturan (mungkin harus https://)."
            )
        log.debug("%s %s -> %s", method, path, resp.status_code)
        return resp

    @staticmethod
    def _decode(resp: requests.Response, expect: Expect) -> Any:
        if expect == "none":
            return None
        if expect == "bytes":
            return resp.content, resp.headers.get("Content-Type", "application/octet-stream")
        if resp.status_code == 204 or not resp.content:
            raise BadResponse("Server menjawab kosong padahal data diharapkan.")
        try:
            return json.loads(resp.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadResponse(
                "Jawaban server rusak atau terpotong (bukan JSON yang sah). Data lokal tidak "
                "diubah; coba lagi nanti atau hubungi administrator."
            ) from exc

    # -- conveniences ---------------------------------------------------------------------

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = True
    ) -> Any:
        return self.request("GET", path, params=params, auth=auth)

    def post_json(
        self,
        path: str,
        body: Any,
        *,
        auth: bool = True,
        headers: Mapping[str, str] | None = None,
        expect: Expect = "json",
    ) -> Any:
        return self.request("POST", path, json_body=body, auth=auth, headers=headers, expect=expect)

    def delete(self, path: str) -> None:
        self.request("DELETE", path, expect="none")

    def get_bytes(self, path: str) -> tuple[bytes, str]:
        result: tuple[bytes, str] = self.request("GET", path, expect="bytes")
        return result


def expect_mapping(value: Any, what: str) -> dict[str, Any]:
    """Guard for JSON that must be an object; a clear BadResponse otherwise."""
    if not isinstance(value, dict):
        raise BadResponse(f"Jawaban server untuk {what} tidak berbentuk yang diharapkan.")
    return value
