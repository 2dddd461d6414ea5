"""The HTTP client and "Uji koneksi" against real sockets: the live server, refused ports,
silent sockets, a self-signed TLS server, and scripted servers that answer garbage."""

from __future__ import annotations

import contextlib
import email.utils
import json
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services.api import diagnose
from desktop.services.api.client import ApiClient, normalise_server_url
from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure, FailureKind
from tests.desktop.support import ScriptedHttpServer, self_signed_cert, send
from tests.live_server import LiveServer


def test_normalise_server_url() -> None:
    assert normalise_server_url("loket.example.go.id") == "https://loket.example.go.id"
    assert normalise_server_url("https://x.go.id/api/v1/") == "https://x.go.id"
    assert normalise_server_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    for bad in ("", "ftp://x", "http://", "https://a b.go.id", "http://x:99999"):
        with pytest.raises(ConnectionFailure) as info:
            normalise_server_url(bad)
        assert info.value.kind is FailureKind.INVALID_URL


def test_probe_live_server_ok(live_server: LiveServer) -> None:
    report = diagnose.probe_server(live_server.url)
    assert report.ok and report.kind == "ok"
    assert "Tersambung" in report.message and report.server_version
    assert report.warning == ""  # http on loopback is fine (make run)


def test_problem_json_becomes_api_error(live_server: LiveServer) -> None:
    client = ApiClient(live_server.url, device_id="t")
    with pytest.raises(ApiError) as info:
        client.post_json(
            "/auth/login", {"username": "nobody", "password": "x" * 8, "device_id": "t"}, auth=False
        )
    assert info.value.status == 401 and info.value.code == "invalid_credentials"
    assert "salah" in info.value.detail
    with pytest.raises(ApiError) as info2:
        client.get_json("/me", auth=False)
    assert info2.value.code in ("token_invalid", "unauthorized")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_probe_refused() -> None:
    report = diagnose.probe_server(f"http://127.0.0.1:{free_port()}")
    assert not report.ok and report.kind == "refused"
    assert "menolak sambungan" in report.message


def test_probe_dns_failure() -> None:
    report = diagnose.probe_server("https://server-yang-tidak-ada.invalid")
    assert not report.ok and report.kind == "dns"
    assert "tidak ditemukan" in report.message


def test_probe_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts the TCP handshake, never answers
    try:
        report = diagnose.probe_server(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=1)
    finally:
        silent.close()
    assert not report.ok and report.kind == "timeout"
    assert "batas waktu" in report.message


def test_probe_invalid_address_and_missing_ca_file(tmp_path: Path) -> None:
    assert diagnose.probe_server("").kind == "invalid_url"
    report = diagnose.probe_server("https://x.go.id", ca_bundle=str(tmp_path / "nope.pem"))
    assert report.kind == "tls" and "tidak ditemukan" in report.message


def health(status: str = "ok", version: str = "1") -> bytes:
    return json.dumps(
        {"status": status, "api_version": version, "server_time": "x", "server_version": "9.9"}
    ).encode()


def test_probe_not_loket_and_wrong_version() -> None:
    with ScriptedHttpServer() as srv:
        report = diagnose.probe_server(srv.url)  # 404 html everywhere
        assert report.kind == "not_loket" and "bukan server Loket" in report.message
        srv.route(
            "GET",
            "/api/v1/health",
            lambda h: send(h, 200, b"<html>router login</html>", "text/html"),
        )
        assert diagnose.probe_server(srv.url).kind == "not_loket"
        srv.route("GET", "/api/v1/health", lambda h: send(h, 200, health(version="2")))
        report = diagnose.probe_server(srv.url)
        assert report.kind == "version" and "versi 2" in report.message
        srv.route("GET", "/api/v1/health", lambda h: send(h, 200, health()))
        assert diagnose.probe_server(srv.url).ok


def make_cert(directory: Path, name: str = "cert") -> tuple[Path, Path]:
    """A self-signed certificate for IP 127.0.0.1 (its own CA), as PEM files."""
    return self_signed_cert(directory, name, cn=f"127.0.0.1 {name}", san="IP:127.0.0.1")


@contextlib.contextmanager
def tls_health_server(cert: Path, key: Path) -> Iterator[str]:
    srv = ScriptedHttpServer()
    srv.route("GET", "/api/v1/health", lambda h: send(h, 200, health()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.httpd.socket = ctx.wrap_socket(srv.httpd.socket, server_side=True)
    with srv:
        yield f"https://127.0.0.1:{srv.httpd.server_address[1]}"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real TLS server on 127.0.0.1 with a self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    srv = ScriptedHttpServer()
    srv.route("GET", "/api/v1/health", lambda h: send(h, 200, health()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.httpd.socket = ctx.wrap_socket(srv.httpd.socket, server_side=True)
    with srv:
        yield f"https://127.0.0.1:{srv.httpd.server_address[1]}", cert


def test_probe_untrusted_certificate_then_custom_ca(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    report = diagnose.probe_server(url, timeout=3)
    assert not report.ok and report.kind == "tls"
    assert "CA" in report.message and "sertifikat" in report.message
    trusted = diagnose.probe_server(url, ca_bundle=str(cert), timeout=3)
    assert trusted.ok, trusted.message


def test_probe_https_to_plain_http_port(live_server: LiveServer) -> None:
    report = diagnose.probe_server(live_server.url.replace("http://", "https://"), timeout=3)
    assert report.kind == "tls"


@pytest.mark.parametrize("body", [b'{"items": [', b"\x00\xffgarbage", b"<html>", b""])
def test_malformed_json_is_bad_response(body: bytes) -> None:
    with ScriptedHttpServer() as srv:
        srv.route("GET", "/api/v1/x", lambda h: send(h, 200, body))
        with pytest.raises(BadResponse) as info:
            ApiClient(srv.url, device_id="t").get_json("/x", auth=False)
    assert "server" in info.value.message.lower()


def test_truncated_body_is_bad_response() -> None:
    with ScriptedHttpServer() as srv:
        srv.route(
            "GET", "/api/v1/x", lambda h: send(h, 200, b'{"items": [1, 2', declared_length=5000)
        )
        with pytest.raises((BadResponse, ConnectionFailure)) as info:
            ApiClient(srv.url, device_id="t", timeout=3).get_json("/x", auth=False)
    assert "terpotong" in info.value.message or "terputus" in info.value.message


def test_non_problem_errors_get_plain_messages() -> None:
    with ScriptedHttpServer() as srv:
        srv.route(
            "GET", "/api/v1/a", lambda h: send(h, 502, b"<html>Bad gateway</html>", "text/html")
        )
        srv.route("GET", "/api/v1/b", lambda h: send(h, 500, b"oops", "text/plain"))
        client = ApiClient(srv.url, device_id="t")
        with pytest.raises(ApiError) as a:
            client.get_json("/a", auth=False)
        with pytest.raises(ApiError) as b:
            client.get_json("/b", auth=False)
    assert a.value.code == "unavailable" and "tidak tersedia" in a.value.detail
    assert b.value.code == "server_error"


def test_device_header_and_no_redirect_following() -> None:
    seen: dict[str, str] = {}

    def capture(h: object) -> None:
        seen.update(dict(h.headers))  # type: ignore[attr-defined]
        send(h, 200, b"{}")  # type: ignore[arg-type]

    with ScriptedHttpServer() as srv:
        srv.route("GET", "/api/v1/echo", capture)
        srv.route(
            "GET",
            "/api/v1/moved",
            lambda h: (
                h.send_response(301),
                h.send_header("Location", "http://example.invalid/"),
                h.send_header("Content-Length", "0"),
                h.end_headers(),
            ),
        )
        client = ApiClient(srv.url, device_id="dev-123")
        client.get_json("/echo", auth=False)
        with pytest.raises(BadResponse):
            client.get_json("/moved", auth=False)
    assert seen.get("X-Loket-Device") == "dev-123"
    assert "Authorization" not in seen


def test_client_is_thread_safe_with_one_session_per_thread(live_server: LiveServer) -> None:
    client = ApiClient(live_server.url, device_id="t")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                assert client.get_json("/health", auth=False)["status"] == "ok"
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(client._sessions) == 4
    client.close()


# -- plain http:// only to this computer (finding 3) ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://loket.pekanbaru.go.id",
        "http://10.20.30.40:8765",
        "http://192.168.1.5",
        "http://[fe80::1]:8765",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.go.id",
    ],
)
def test_plain_http_to_another_computer_is_refused(url: str) -> None:
    with pytest.raises(ConnectionFailure) as info:
        normalise_server_url(url)
    assert info.value.kind is FailureKind.INVALID_URL
    assert "https://" in info.value.message and "tidak diizinkan" in info.value.message
    report = diagnose.probe_server(url)  # "Uji koneksi" says the same, without any traffic
    assert not report.ok and report.kind == "invalid_url" and "https://" in report.message
    with pytest.raises(ConnectionFailure):
        ApiClient(url, device_id="t")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://127.1.2.3:8765",
        "http://localhost:8765",
        "http://LOCALHOST",
        "http://[::1]:8765",
        "https://loket.pekanbaru.go.id",
        "loket.pekanbaru.go.id",
    ],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert normalise_server_url(url)


# -- the CA bundle: precise messages, and it adds to the OS trust store (finding 7) --------------


def test_missing_or_unusable_ca_bundle_is_named_in_indonesian(tmp_path: Path) -> None:
    missing = tmp_path / "ca-kantor.pem"
    folder = tmp_path / "folder-ca"
    folder.mkdir()
    garbage = tmp_path / "bukan-sertifikat.pem"
    garbage.write_text("ini bukan sertifikat\n")
    cases = [
        (missing, "tidak ditemukan"),
        (folder, "folder"),
        (garbage, "bukan sertifikat CA berformat PEM"),
    ]
    for path, words in cases:
        # The request path: a ConnectionFailure naming the file, never a raw English OSError.
        with pytest.raises(ConnectionFailure) as info:
            ApiClient("https://127.0.0.1:9", device_id="t", ca_bundle=str(path)).get_json(
                "/health", auth=False
            )
        assert info.value.kind is FailureKind.TLS
        assert str(path) in info.value.message and words in info.value.message
        report = diagnose.probe_server("https://127.0.0.1:9", ca_bundle=str(path), timeout=2)
        assert report.kind == "tls" and str(path) in report.message and words in report.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_ca_bundle(tmp_path: Path) -> None:
    cert, _key = make_cert(tmp_path)
    cert.chmod(0)
    with pytest.raises(ConnectionFailure) as info:
        ApiClient("https://127.0.0.1:9", device_id="t", ca_bundle=str(cert))
    assert str(cert) in info.value.message and "izin ditolak" in info.value.message


def test_ca_bundle_adds_to_the_system_trust_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS trust store (stood in for by SSL_CERT_FILE, which OpenSSL's default paths read)
    trusts server A; the configured bundle trusts server B. Both must verify at once: the bundle
    adds to the trust store instead of replacing it; TLS checks stay on (hostname, unknown CA)."""
    cert_a, key_a = make_cert(tmp_path, "sistem")
    cert_b, key_b = make_cert(tmp_path, "internal")
    cert_c, key_c = make_cert(tmp_path, "asing")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_a))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with (
        tls_health_server(cert_a, key_a) as url_a,
        tls_health_server(cert_b, key_b) as url_b,
        tls_health_server(cert_c, key_c) as url_c,
    ):
        client_a = ApiClient(url_a, device_id="t", ca_bundle=str(cert_b), timeout=3)
        assert client_a.get_json("/health", auth=False)["status"] == "ok"  # OS store
        client_b = ApiClient(url_b, device_id="t", ca_bundle=str(cert_b), timeout=3)
        assert client_b.get_json("/health", auth=False)["status"] == "ok"  # the bundle
        client_c = ApiClient(url_c, device_id="t", ca_bundle=str(cert_b), timeout=3)
        with pytest.raises(ConnectionFailure) as unknown:
            client_c.get_json("/health", auth=False)
        assert unknown.value.kind is FailureKind.TLS and "CA" in unknown.value.message
        wrong_name = url_b.replace("127.0.0.1", "localhost")  # cert names only 127.0.0.1
        client_d = ApiClient(wrong_name, device_id="t", ca_bundle=str(cert_b), timeout=3)
        with pytest.raises(ConnectionFailure) as mismatch:
            client_d.get_json("/health", auth=False)
        assert mismatch.value.kind is FailureKind.TLS
        assert "nama pada sertifikat" in mismatch.value.message
        for c in (client_a, client_b, client_c, client_d):
            c.close()
        assert diagnose.probe_server(url_a, ca_bundle=str(cert_b), timeout=3).ok


def test_retry_after_header_in_seconds_or_as_a_date() -> None:
    """RFC 9110 allows both forms; a date in the past means "now"; garbage means "not said"."""
    from desktop.services.api.client import retry_after_header

    now = 1_790_000_000.0
    assert retry_after_header("120", now) == 120.0
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert retry_after_header(date, now) == pytest.approx(90.0)
    assert retry_after_header(email.utils.formatdate(now - 60, usegmt=True), now) == 0.0
    assert retry_after_header("soon", now) is None
    assert retry_after_header("", now) is None
    assert retry_after_header(None, now) is None
