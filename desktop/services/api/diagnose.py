""" "Uji koneksi": tell a counter officer, in plain Indonesian, why the server cannot be used.

The first-run dialog and the connectivity probe call `probe_server`; it never raises. The
distinctions matter on site: a DNS failure is a typo or a dead office network, a refused
connection is a stopped server, a TLS problem is a certificate or missing internal CA, and an
answer that is not ``/health`` of API v1 is the wrong address (or a server too new/old). Behind
an office proxy, a proxy that cannot be reached (``proxy``) or wants a password (``proxy_auth``,
HTTP 407) is said as such: the server itself was not asked, so it is not called down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop.services.api.client import ApiClient, normalise_server_url
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
)

SUPPORTED_API_VERSION = "1"


@dataclass(frozen=True)
class ConnectionReport:
    """Outcome of a connection test. `kind` is "ok", a `FailureKind`, "not_loket" or "version"."""

    ok: bool
    kind: str
    message: str
    server_url: str = ""
    server_version: str = ""
    warning: str = ""


def probe_server(
    server_url: str,
    *,
    ca_bundle: str | None = None,
    device_id: str = "",
    timeout: float = 8.0,
    proxy: str = "",
    environ: Mapping[str, str] | None = None,
) -> ConnectionReport:
    """Probe ``GET /api/v1/health`` and explain the result; never raises.

    `proxy`: the proxy setting ("" automatic: environment, then Windows; `environ` replaces
    the process environment in tests)."""
    try:
        url = normalise_server_url(server_url)
    except ConnectionFailure as exc:
        return ConnectionReport(False, exc.kind.value, exc.message)
    try:
        # A missing/unreadable CA bundle is a `CaBundleError` naming the file (https only).
        client = ApiClient(
            url,
            device_id=device_id or "uji-koneksi",
            ca_bundle=ca_bundle,
            timeout=timeout,
            proxy=proxy,
            environ=environ,
        )
    except ConnectionFailure as exc:
        return ConnectionReport(False, exc.kind.value, exc.message, url)
    try:
        body = client.get_json("/health", auth=False)
    except ConnectionFailure as exc:
        return ConnectionReport(False, exc.kind.value, exc.message, url)
    except (BadResponse, ApiError) as exc:
        detail = exc.message
        return ConnectionReport(
            False,
            "not_loket",
            f"Alamat {client.host} menjawab, tetapi bukan server Loket API v1 ({detail}). "
            "Periksa alamat server.",
            url,
        )
    finally:
        client.close()
    return _judge(body, url, client.route.shown)


def _judge(body: Any, url: str, proxy: str = "") -> ConnectionReport:
    host = urlsplit(url).netloc
    if not isinstance(body, dict) or body.get("status") != "ok" or "api_version" not in body:
        return ConnectionReport(
            False,
            "not_loket",
            f"Alamat {host} menjawab, tetapi jawabannya bukan dari server Loket. "
            "Periksa alamat server.",
            url,
        )
    version = str(body.get("api_version"))
    server_version = str(body.get("server_version", ""))
    if version != SUPPORTED_API_VERSION:
        return ConnectionReport(
            False,
            "version",
            f"Server Loket di {host} memakai API versi {version}, sedangkan aplikasi ini "
            f"memerlukan versi {SUPPORTED_API_VERSION}. Perbarui aplikasi Loket atau hubungi "
            "administrator.",
            url,
            server_version,
        )
    # http:// to anything but this computer never gets here (normalise_server_url refuses it).
    warning = ""
    via = f" melalui proxy {proxy}" if proxy else ""
    return ConnectionReport(
        True,
        "ok",
        f"Tersambung ke server Loket {host}{via} "
        f"(versi server {server_version or '?'}, API v{version}).",
        url,
        server_version,
        warning,
    )
