"""The HTTP client and "Uji koneksi" against real sockets: the live server, refused ports,
silent sockets, a self-signed TLS server, and scripted servers that answer garbage."""

from __future__ import annotations

import json
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
from tests.desktop.support import ScriptedHttpServer, send
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
