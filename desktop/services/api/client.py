"""HTTP client for the central API: one place for base URL, auth, device header, TLS and errors.

Every call goes through `ApiClient.request`, so the rules hold everywhere:

- TLS is always verified, against the operating system's trust store (`truststore`: the Windows
  certificate store, where IT installs government internal CAs; macOS Keychain; OpenSSL's
  system CAs on Linux) plus the optional CA bundle, which *adds* CAs; there is no switch to turn
  verification off. Plain ``http://`` is refused except to this computer (loopback);
- an HTTP(S) proxy is used when the setting, the environment or Windows names one
  (`desktop.services.api.proxy`; never for loopback); https:// goes through ``CONNECT``, so TLS
  is still verified end to end against the same trust store. A proxy that cannot be reached or
  wants a password (407) is a `ConnectionFailure` of its own kind (``proxy``, ``proxy_auth``),
  told apart from the server being down;
- ``Authorization: Bearer`` comes from a `TokenProvider`; on 401 ``token_expired`` or
  ``token_invalid`` the client asks the provider for a fresh token once and retries once,
  transparently. A session the server ended (``token_invalid``/``refresh_invalid`` after that
  one attempt, 403 ``account_disabled``) is handed to `TokenProvider.session_ended` and raised as
  `SessionExpired`, never as a plain `ApiError`;
- problems (``application/problem+json``) become `ApiError`, transport failures become
  `ConnectionFailure` (kind + Indonesian explanation), unusable bodies become `BadResponse`.

Requests are made from worker threads, never the GUI thread; each thread gets its own
`requests.Session` because sessions are not documented as thread-safe.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import truststore
from requests.adapters import HTTPAdapter

from desktop.domain.records import ApplicationDetail, DuplicateInfo, RecordError
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    CaBundleError,
    ConnectionFailure,
    FailureKind,
    SessionExpired,
)
from desktop.services.api.proxy import (
    ProxyRoute,
    SystemProxy,
    is_loopback_host,
    proxy_password,
    resolve_proxy,
    system_proxy,
)
from desktop.services.logmask import register_secret

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
        """A fresh access token after the server said `stale` expired, or None if impossible.

        Raises `SessionExpired` when the server refuses the refresh."""
        ...

    def session_ended(self, code: str) -> SessionExpired:
        """The server ended the session (`code`: ``token_invalid``, ``refresh_invalid``,
        ``account_disabled``): forget it locally and return the error to raise."""
        ...


SESSION_ENDED_CODES = frozenset({"token_invalid", "refresh_invalid"})
DEVICE_REVOKED = "device_revoked"
"""403: an administrator revoked this PC; raised as `DeviceRevoked` (a `SessionExpired`)."""
"""401 codes that mean the session is over once a refresh has been tried."""


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
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConnectionFailure(
            FailureKind.INVALID_URL,
            f"Alamat http://{parts.hostname} tidak diizinkan: tanpa enkripsi, kata sandi dan data "
            "warga akan terkirim terbuka di jaringan. Gunakan https:// (http:// hanya boleh untuk "
            "server di komputer ini: 127.0.0.1 atau localhost).",
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


def describe_proxy_error(chain: list[BaseException], host: str, proxy: str) -> ConnectionFailure:
    """The proxy answered the tunnel with an error, or could not be reached at all."""
    text = " ".join(str(e) for e in chain).lower()
    status = _tunnel_status(text)
    if status == 407:
        return ConnectionFailure(
            FailureKind.PROXY_AUTH,
            f"Proxy {proxy} meminta nama pengguna dan kata sandi (HTTP 407), atau menolak yang "
            "diberikan. Tulis alamat proxy lengkap dengan nama pengguna dan kata sandinya di "
            "Pengaturan (http://nama:sandi@proxy:port), atau minta administrator jaringan "
            "mengizinkan komputer ini. Server Loket belum dihubungi.",
        )
    if status in (502, 503, 504):
        return ConnectionFailure(
            FailureKind.REFUSED,
            f"Server {host} tidak dapat dihubungi melalui proxy {proxy} (proxy menjawab HTTP "
            f"{status}): server mati atau tidak terjangkau dari proxy. Coba lagi nanti.",
        )
    if status is not None:
        return ConnectionFailure(
            FailureKind.PROXY,
            f"Proxy {proxy} menolak sambungan ke server {host} (HTTP {status}). Minta "
            f"administrator jaringan mengizinkan alamat {host} pada proxy.",
        )
    return ConnectionFailure(
        FailureKind.PROXY,
        f"Proxy {proxy} tidak dapat dihubungi (mati, alamat/port salah, atau jaringan kantor "
        "terputus). Server Loket belum dihubungi. Periksa alamat proxy di Pengaturan atau "
        "hubungi administrator jaringan.",
    )


def _tunnel_status(text: str) -> int | None:
    """The status in urllib3's "Tunnel connection failed: 407 Proxy Authentication Required"."""
    marker = "tunnel connection failed:"
    at = text.find(marker)
    if at < 0:
        return None
    word = text[at + len(marker) :].split(maxsplit=1)
    return int(word[0]) if word and word[0].isdigit() else None


def describe_transport_error(exc: BaseException, host: str, proxy: str = "") -> ConnectionFailure:
    """Turn a requests/urllib3/socket exception into a kind and an Indonesian explanation.

    `proxy`: the proxy the request went through (masked), if any."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if proxy and (
        isinstance(exc, requests.exceptions.ProxyError)
        or any(type(e).__name__ == "ProxyError" for e in chain)
    ):
        return describe_proxy_error(chain, host, proxy)
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
            "atau sambungannya ditutup oleh pengaturan jaringan kantor; hubungi administrator.",
        )
    return ConnectionFailure(
        FailureKind.NETWORK,
        f"Tidak dapat tersambung ke server {host}: sambungan jaringan terputus. "
        "Periksa jaringan lalu coba lagi.",
    )


def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Verification against the OS trust store, plus the CAs of `ca_bundle` (PEM) if given.

    Raises `CaBundleError` with an Indonesian message naming the file when the bundle is missing,
    unreadable or not a PEM certificate file.
    """
    context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle:
        load_ca_bundle(context, ca_bundle)
    return context


def load_ca_bundle(context: ssl.SSLContext, ca_bundle: str) -> None:
    path = Path(ca_bundle)
    hint = "Pilih berkas sertifikat CA (PEM) yang benar di pengaturan koneksi."
    if not path.exists():
        raise CaBundleError(ca_bundle, f"Berkas CA '{ca_bundle}' tidak ditemukan. {hint}")
    if path.is_dir():
        raise CaBundleError(
            ca_bundle, f"'{ca_bundle}' adalah folder, bukan berkas sertifikat CA. {hint}"
        )
    try:
        with path.open("rb") as fh:
            fh.read(1)
        context.load_verify_locations(cafile=str(path))
    except PermissionError as exc:
        raise CaBundleError(
            ca_bundle,
            f"Berkas CA '{ca_bundle}' tidak dapat dibaca: izin ditolak. Minta administrator "
            f"memberi izin baca, atau {hint[0].lower() + hint[1:]}",
        ) from exc
    except ssl.SSLError as exc:
        raise CaBundleError(
            ca_bundle,
            f"Berkas CA '{ca_bundle}' bukan sertifikat CA berformat PEM (isinya tidak dapat "
            f"dibaca sebagai sertifikat). {hint}",
        ) from exc
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise CaBundleError(
            ca_bundle, f"Berkas CA '{ca_bundle}' tidak dapat dibaca ({reason}). {hint}"
        ) from exc


class TrustStoreAdapter(HTTPAdapter):
    """HTTPS through one `ssl.SSLContext` (OS trust store + optional bundle), always verified.

    requests would otherwise load certifi's bundle into every connection (``verify=True``) or
    *replace* the trust store with a custom bundle (``verify=path``).
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # The tunnelled connection to the server is verified with the same context; requests
        # would otherwise give proxied pools its default CAs.
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Verification stays on whatever `verify` says; the CAs are the context's own.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


def problem_from_response(resp: requests.Response) -> ApiError:
    """Read a problem+json body; anything else becomes a generic error naming the status.

    A ``Retry-After`` header (seconds, or an HTTP date) lands in ``extras["retry_after"]`` as
    seconds, unless the body said it already: a 503 from a proxy or a load balancer has no
    problem body, and the outbox must still wait as long as it was told."""
    error = _problem(resp)
    if "retry_after" not in error.extras:
        wait = retry_after_header(resp.headers.get("Retry-After"))
        if wait is not None:
            error.extras["retry_after"] = wait
    return error


def retry_after_header(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value (RFC 9110: delay-seconds or an
    HTTP-date); None when absent or unreadable. A date in the past means "now" (0)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _problem(resp: requests.Response) -> ApiError:
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
        proxy: str = "",
        environ: Mapping[str, str] | None = None,
        system_proxy_reader: Callable[[], SystemProxy | None] = system_proxy,
    ) -> None:
        """`proxy`: the setting (`normalise_proxy_setting`: "" automatic, ``langsung``, a
        URL); `environ` and `system_proxy_reader` replace the process environment and the
        Windows registry (tests)."""
        self.server_url = normalise_server_url(server_url)
        self.base_url = self.server_url + API_PREFIX
        self.host = urlsplit(self.server_url).netloc
        self.device_id = device_id
        self.ca_bundle = ca_bundle or None
        self.verify = True  # always; the trusted CAs come from `tls_context`
        self._tls: ssl.SSLContext | None = None
        if urlsplit(self.server_url).scheme == "https":
            self._tls = tls_context(self.ca_bundle)  # CaBundleError names a bad bundle now
        self.timeout = timeout
        self.tokens = tokens
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self.connection = ConnectionState()
        self._environ = environ
        self._system_proxy = system_proxy_reader
        self.route = ProxyRoute(None, "none")
        self.set_proxy(proxy)

    def set_proxy(self, setting: str) -> None:
        """Use the proxy `setting` (or the environment, or Windows) from the next request on;
        connections already open to the old proxy are not reused for the new one."""
        route = resolve_proxy(
            setting,
            self.server_url,
            environ=os.environ if self._environ is None else self._environ,
            system=self._system_proxy,
        )
        if route.url:
            password = proxy_password(route.url)
            if password:
                register_secret(password)
        if route != self.route:
            log.info("server %s: proxy %s (%s)", self.host, route.shown or "-", route.source)
        self.route = route

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["X-Loket-Device"] = self.device_id
            # The environment is read once, by `resolve_proxy`, with the setting first.
            session.trust_env = False
            if self._tls is not None:
                session.mount("https://", TrustStoreAdapter(self._tls))
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
        data: bytes | IO[bytes] | None = None,
        auth: bool = True,
        expect: Expect = "json",
        timeout: float | None = None,
    ) -> Any:
        """Send one request; returns parsed JSON, ``(bytes, content_type)`` or None. `data` may
        be an open binary file: streamed, never read whole into memory (document uploads)."""
        tokens = self.tokens if auth else None
        token = tokens.access_token() if tokens is not None else None
        if tokens is not None and not token:
            # Signed out while work was still running (an outbox round, a pull): nothing is
            # sent on nobody's behalf. Answered here as the server would answer it (401), so
            # every caller keeps its work for the next session exactly as it did for the
            # server's 401, and no anonymous request leaves this PC. Not SessionExpired: that
            # tells the (already closed) window to ask for the password again.
            raise ApiError(
                401,
                "signed_out",
                "Sesi sudah berakhir. Masuk lagi untuk melanjutkan; pekerjaan tetap tersimpan.",
            )
        resp = self._send(method, path, json_body, params, headers, data, token, timeout)
        if tokens is not None and token:
            if resp.status_code == 401:
                problem = problem_from_response(resp)
                if problem.code in ("token_expired", "token_invalid"):
                    # One refresh attempt; a refused refresh raises SessionExpired itself.
                    fresh = tokens.refresh_access(token)
                    if fresh:
                        if not isinstance(data, bytes | None):
                            data.seek(0)  # a streamed body (a file) is sent again whole
                        resp = self._send(
                            method, path, json_body, params, headers, data, fresh, timeout
                        )
            if resp.status_code in (401, 403):
                problem = problem_from_response(resp)
                if (resp.status_code == 401 and problem.code in SESSION_ENDED_CODES) or (
                    resp.status_code == 403 and problem.code in ("account_disabled", DEVICE_REVOKED)
                ):
                    raise tokens.session_ended(problem.code) from problem
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
        data: bytes | IO[bytes] | None,
        token: str | None,
        timeout: float | None,
    ) -> requests.Response:
        hdrs: dict[str, str] = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        body: bytes | IO[bytes] | None = data
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        hdrs.setdefault("Accept", "application/json, application/problem+json")
        url = self.base_url + path
        route = self.route  # one route for this request, even if the setting changes meanwhile
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
                proxies=route.proxies(),
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
            failure = describe_transport_error(exc, self.host, route.shown)
            self.connection = ConnectionState(False, failure.message, time.time())
            raise failure from exc
        except OSError as exc:
            # Outside requests' own errors: a local file or socket problem, never a raw English
            # OSError for the person.
            log.warning("request failed locally: %s", type(exc).__name__)
            raise ConnectionFailure(
                FailureKind.NETWORK,
                f"Permintaan ke server {self.host} gagal karena masalah di komputer ini "
                f"({exc.strerror or type(exc).__name__}). Coba lagi; bila berulang, hubungi "
                "administrator.",
            ) from exc
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

    # -- applications at the counter (issue 11) -------------------------------------------

    def create_application(
        self,
        *,
        app_id: str,
        service_code: str,
        office_code: str,
        applicant: Mapping[str, Any],
        idempotency_key: str,
        provisional_number: str | None = None,
        submit: bool = False,
        device_time: str | None = None,
        data: Mapping[str, str] | None = None,
        status_token: str | None = None,
    ) -> ApplicationDetail:
        """``POST /applications`` (replay-safe by `idempotency_key`); the body as
        `create_application_body` makes it."""
        body = create_application_body(
            app_id=app_id,
            service_code=service_code,
            office_code=office_code,
            applicant=applicant,
            provisional_number=provisional_number,
            submit=submit,
            device_time=device_time,
            data=data,
            status_token=status_token,
        )
        answer = self.post_json("/applications", body, headers={"Idempotency-Key": idempotency_key})
        return _detail(answer, "permohonan baru")

    def update_application(
        self,
        app_id: str,
        *,
        expected_version: int,
        transaction_id: str,
        applicant: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        device_time: str | None = None,
    ) -> ApplicationDetail:
        """``PATCH /applications/{id}``: replace the applicant and/or the service data of a
        draft or an application returned for revision. Replay-safe by `transaction_id`;
        `ApiError` ``version_conflict`` (409, ``extras["current"]``) when it changed meanwhile,
        ``validation_error`` (422, ``extras["errors"]`` per field) when a value is refused."""
        body: dict[str, Any] = {
            "expected_version": expected_version,
            "transaction_id": transaction_id,
        }
        if applicant is not None:
            body["applicant"] = dict(applicant)
        if data is not None:
            body["data"] = dict(data)
        if device_time is not None:
            body["device_time"] = device_time
        answer = self.request("PATCH", f"/applications/{quote(app_id, safe='')}", json_body=body)
        return _detail(answer, "perubahan permohonan")

    def find_duplicates(self, nik: str, service_code: str) -> list[DuplicateInfo]:
        """Open applications with this NIK for this service (`GET /applications/duplicates`):
        full in the caller's scope, number and status only elsewhere."""
        answer = expect_mapping(
            self.get_json("/applications/duplicates", {"nik": nik, "service_code": service_code}),
            "permohonan ganda",
        )
        items = answer.get("items")
        if not isinstance(items, list):
            raise BadResponse("Jawaban server untuk permohonan ganda tidak berbentuk daftar.")
        try:
            return [DuplicateInfo.from_json(item) for item in items]
        except RecordError as exc:
            raise BadResponse(str(exc)) from exc

    def get_bytes(self, path: str) -> tuple[bytes, str]:
        result: tuple[bytes, str] = self.request("GET", path, expect="bytes")
        return result

    # -- issued documents (issue 13) ------------------------------------------------------

    def letter_number(
        self, *, office_code: str, letter_type: str, transaction_id: str
    ) -> dict[str, Any]:
        """``POST /numbers/letter``: the office's next agenda number, atomically (replay-safe by
        `transaction_id`: the same id answers the same number). ``{number, year, formatted}``."""
        body = {
            "office_code": office_code,
            "letter_type": letter_type,
            "transaction_id": transaction_id,
        }
        return expect_mapping(self.post_json("/numbers/letter", body), "nomor surat")

    def register_issued(self, app_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /applications/{id}/issued`` (body: transaction_id, code, document_type,
        letter_number, issued_on, sha256); replay-safe by the transaction id."""
        path = f"/applications/{quote(app_id, safe='')}/issued"
        return expect_mapping(self.post_json(path, dict(body)), "dokumen terbit")

    def void_issued(
        self, app_id: str, code: str, *, reason: str, transaction_id: str
    ) -> dict[str, Any]:
        """``POST /applications/{id}/issued/{code}/void``: the document stays registered (its
        number is never used again) and shows void with `reason`."""
        path = f"/applications/{quote(app_id, safe='')}/issued/{quote(code, safe='')}/void"
        body = {"transaction_id": transaction_id, "reason": reason}
        return expect_mapping(self.post_json(path, body), "pembatalan dokumen")

    # -- administration: users and devices (issue 14) ---------------------------------------

    def admin_users(self) -> dict[str, Any]:
        """``GET /users``: the accounts in the administrator's scope."""
        return expect_mapping(self.get_json("/users"), "daftar pengguna")

    def admin_create_user(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /users`` (username, full_name, password, roles, office_code)."""
        return expect_mapping(self.post_json("/users", dict(body)), "pengguna baru")

    def admin_patch_user(self, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``PATCH /users/{id}``: name, roles, office, password or (dis)abled; a new password,
        a move or disabling ends the user's sessions on the server."""
        path = f"/users/{quote(user_id, safe='')}"
        answer = self.request("PATCH", path, json_body=dict(body))
        return expect_mapping(answer, "perubahan pengguna")

    def admin_devices(self) -> dict[str, Any]:
        """``GET /devices``: the PCs seen at the offices in scope, revoked ones included."""
        return expect_mapping(self.get_json("/devices"), "daftar perangkat")

    def admin_revoke_device(
        self, device_id: str, *, reason: str, transaction_id: str
    ) -> dict[str, Any]:
        """``POST /devices/{id}/revoke``; revoking again answers the first revocation."""
        path = f"/devices/{quote(device_id, safe='')}/revoke"
        body = {"reason": reason, "transaction_id": transaction_id}
        return expect_mapping(self.post_json(path, body), "pencabutan perangkat")

    def report(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``GET /reports/{name}``: ``activity``, ``steps`` and ``sla`` take ``from``/``to``
        (local dates), ``group`` (day|month), ``office``, ``service``, ``officer`` and ``by``;
        ``backlog`` takes ``office``, ``service`` and ``by``. ``no_data`` true means "tidak
        ada data", never zero. None values are left out."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return expect_mapping(self.get_json(f"/reports/{quote(name, safe='')}", query), "laporan")

    # -- audit viewer (issue 14) ------------------------------------------------------------

    def audit_events(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET /audit/events``: ``user``, ``application``, ``kind``, ``device``, ``from``/``to``
        (local dates), ``ref``, ``limit`` (<= 500), ``cursor``; None values are left out."""
        query = {k: v for k, v in params.items() if v is not None}
        return expect_mapping(self.get_json("/audit/events", query), "log audit")

    def audit_verify(self) -> dict[str, Any]:
        """``GET /audit/verify``: each chain intact or, in ``where``, exactly where it breaks."""
        return expect_mapping(self.get_json("/audit/verify"), "pemeriksaan rantai audit")

    # -- queue supervision (issue 14) -------------------------------------------------------

    def claims(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``GET /claims``: the active claims in scope, longest held first (``office``,
        ``holder`` filters; None values are left out)."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return expect_mapping(self.get_json("/claims", query), "daftar klaim")

    def claim_candidates(self, app_id: str) -> dict[str, Any]:
        """``GET /applications/{id}/claim/candidates``: who could take the claim now."""
        path = f"/applications/{quote(app_id, safe='')}/claim/candidates"
        return expect_mapping(self.get_json(path), "petugas yang dapat menangani")

    def reassign_claim(
        self, app_id: str, *, to_user_id: str, reason: str, transaction_id: str
    ) -> dict[str, Any]:
        """``POST /applications/{id}/claim/reassign``; a replay answers the first time."""
        path = f"/applications/{quote(app_id, safe='')}/claim/reassign"
        body = {"to_user_id": to_user_id, "reason": reason, "transaction_id": transaction_id}
        return expect_mapping(self.post_json(path, body), "pengalihan klaim")

    def release_claim_of_other(self, app_id: str, *, reason: str, transaction_id: str) -> None:
        """``DELETE /applications/{id}/claim?reason=``: a supervisor releases anyone's claim;
        the `Idempotency-Key` keeps a retry from releasing a claim taken since."""
        self.request(
            "DELETE",
            f"/applications/{quote(app_id, safe='')}/claim",
            params={"reason": reason},
            headers={"Idempotency-Key": transaction_id},
            expect="none",
        )


def expect_mapping(value: Any, what: str) -> dict[str, Any]:
    """Guard for JSON that must be an object; a clear BadResponse otherwise."""
    if not isinstance(value, dict):
        raise BadResponse(f"Jawaban server untuk {what} tidak berbentuk yang diharapkan.")
    return value


def create_application_body(
    *,
    app_id: str,
    service_code: str,
    office_code: str,
    applicant: Mapping[str, Any],
    provisional_number: str | None = None,
    submit: bool = False,
    device_time: str | None = None,
    data: Mapping[str, str] | None = None,
    status_token: str | None = None,
) -> dict[str, Any]:
    """The body of ``POST /applications`` (the outbox keeps it and sends it later).
    `applicant` is `Applicant.to_json()` (the new keys birth_place, rt, rw, village_code
    included); `data` the service's flat fields; `status_token` the receipt's random token
    (`secrets.token_urlsafe(16)`), made here offline so the receipt's QR works before sync."""
    body: dict[str, Any] = {
        "id": app_id,
        "service_code": service_code,
        "office_code": office_code,
        "applicant": dict(applicant),
        "provisional_number": provisional_number,
        "submit": submit,
        "device_time": device_time,
    }
    if data:
        body["data"] = dict(data)
    if status_token is not None:
        body["status_token"] = status_token
    return body


def _detail(answer: Any, what: str) -> ApplicationDetail:
    try:
        return ApplicationDetail.from_json(expect_mapping(answer, what))
    except RecordError as exc:
        raise BadResponse(str(exc)) from exc
