"""HTTP(S) proxy support (issue 10, Connectivity): which proxy is chosen (setting, environment,
Windows), and the real client and "Uji koneksi" through a real forward proxy in front of the
real server. The server is addressed as ``https://loket.test:8443``, a name that resolves
nowhere: only the proxy (which maps it to a TLS front of the live server) can reach it, so a
request that succeeds went through the proxy."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.services.api import diagnose
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ConnectionFailure, FailureKind
from desktop.services.api.proxy import (
    DIRECT,
    ProxyRoute,
    SystemProxy,
    mask_proxy_url,
    no_proxy_matches,
    normalise_proxy_setting,
    parse_windows_proxy,
    resolve_proxy,
    system_proxy,
)
from desktop.services.logmask import install_log_masking
from tests.forward_proxy import ForwardProxy, TlsFront, make_host_cert
from tests.live_server import LiveServer

SERVER = "https://loket.test:8443"
USER, SECRET = "petugas", "Rahasia-Proxy-77"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def no_windows() -> SystemProxy | None:
    return None


# -- the choice -----------------------------------------------------------------------------------


def test_setting_then_environment_then_windows() -> None:
    windows = parse_windows_proxy(1, "win-proxy:3128", "")
    env = {"HTTPS_PROXY": "http://env-proxy:8080"}

    def choose(setting: str, environ: dict[str, str]) -> ProxyRoute:
        return resolve_proxy(setting, SERVER, environ=environ, system=lambda: windows)

    assert choose("http://set-proxy:9000", env) == ProxyRoute("http://set-proxy:9000", "setting")
    assert choose("", env) == ProxyRoute("http://env-proxy:8080", "environment")
    assert choose("", {}) == ProxyRoute("http://win-proxy:3128", "system")
    assert choose(DIRECT, env) == ProxyRoute(None, "direct")  # "langsung" beats both
    no_proxy = resolve_proxy("", SERVER, environ={}, system=no_windows)
    assert no_proxy == ProxyRoute(None, "none")


@pytest.mark.parametrize(
    "server",
    ["http://127.0.0.1:8000", "http://127.9.9.9:1", "http://localhost:8000", "http://[::1]:8000"],
)
def test_this_computer_never_goes_through_a_proxy(server: str) -> None:
    env = {"HTTPS_PROXY": "http://env:1", "HTTP_PROXY": "http://env:1", "ALL_PROXY": "http://env:1"}
    windows = parse_windows_proxy(1, "win:3128", "")
    for setting in ("http://set:9000", ""):
        route = resolve_proxy(setting, server, environ=env, system=lambda: windows)
        assert route == ProxyRoute(None, "loopback")


def test_environment_conventions() -> None:
    def env_route(environ: dict[str, str]) -> str | None:
        return resolve_proxy("", SERVER, environ=environ, system=no_windows).url

    # An https:// server uses HTTPS_PROXY (lower case first), else ALL_PROXY; HTTP_PROXY is
    # for http:// servers only (as curl and requests do).
    assert env_route({"https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:2"}) == "http://a:1"
    assert env_route({"HTTP_PROXY": "http://c:3"}) is None
    assert env_route({"ALL_PROXY": "d:4"}) == "http://d:4"
    assert env_route({"HTTPS_PROXY": "http://a:1", "NO_PROXY": ".test"}) is None
    assert env_route({"HTTPS_PROXY": "http://a:1", "no_proxy": "other.go.id"}) == "http://a:1"
    # A broken proxy in the environment is skipped (with a warning), not fatal.
    assert env_route({"HTTPS_PROXY": "socks5://a:1"}) is None


@pytest.mark.parametrize(
    ("entries", "host", "port", "matches"),
    [
        ("*", "loket.go.id", 443, True),
        ("loket.go.id", "loket.go.id", 443, True),
        ("go.id", "loket.go.id", 443, True),
        (".go.id", "loket.go.id", 443, True),
        ("*.go.id", "loket.go.id", 443, True),
        ("ket.go.id", "loket.go.id", 443, False),
        ("loket.go.id:8443", "loket.go.id", 443, False),
        ("loket.go.id:443", "loket.go.id", 443, True),
        ("10.0.0.0/8", "10.1.2.3", 443, True),
        ("10.0.0.0/8", "11.1.2.3", 443, False),
        ("10.1.2.3", "10.1.2.3", 443, True),
        ("a.go.id, b.go.id", "b.go.id", 443, True),
        ("", "loket.go.id", 443, False),
    ],
)
def test_no_proxy_entries(entries: str, host: str, port: int, matches: bool) -> None:
    assert no_proxy_matches(entries, host, port) is matches


def test_windows_internet_options_are_read_through_an_injected_reader() -> None:
    assert system_proxy(lambda: None) is None  # no key
    assert system_proxy(lambda: (0, "p:3128", "")) is None  # switched off
    one = system_proxy(lambda: (1, "proxy.kantor:3128", "<local>;*.intra.go.id;10.*"))
    assert one is not None
    assert one.for_url("https://loket.pekanbaru.go.id") == "http://proxy.kantor:3128"
    assert one.for_url("https://loket") is None  # <local>: no dot in the name
    assert one.for_url("https://app.intra.go.id") is None
    assert one.for_url("https://10.2.3.4:8443") is None
    per_scheme = parse_windows_proxy(1, "http=h:1;https=s:2;ftp=f:3", "")
    assert per_scheme is not None
    assert per_scheme.for_url("https://loket.go.id") == "http://s:2"
    assert per_scheme.for_url("http://loket.go.id") == "http://h:1"
    only_ftp = parse_windows_proxy(1, "ftp=f:3", "")
    assert only_ftp is None
    route = resolve_proxy("", SERVER, environ={}, system=lambda: one)
    assert route == ProxyRoute("http://proxy.kantor:3128", "system")


def test_a_broken_registry_reads_as_no_proxy() -> None:
    def broken() -> tuple[int, str, str] | None:
        raise PermissionError("akses ditolak")

    assert system_proxy(broken) is None


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="reads the Windows registry")
def test_the_real_windows_registry_can_be_read() -> None:  # pragma: no cover - Windows only
    found = system_proxy()
    assert found is None or found.proxies


def test_off_windows_no_system_proxy_is_read() -> None:
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("on Windows the registry may name one")
    assert system_proxy() is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("", ""),
        ("  ", ""),
        ("Langsung", DIRECT),
        ("proxy.kantor:8080", "http://proxy.kantor:8080"),
        ("HTTP://proxy.kantor:8080/", "http://proxy.kantor:8080"),
        ("https://u:p@proxy:443", "https://u:p@proxy:443"),
    ],
)
def test_setting_is_normalised(text: str, kept: str) -> None:
    assert normalise_proxy_setting(text) == kept


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("socks5://proxy:1080", "harus diawali http://"),
        ("proxy.kantor", "port proxy belum ditulis"),
        ("proxy.kantor:80x", "port proxy tidak valid"),
        ("http://proxy:8080/jalur", "tanpa jalur"),
        ("http://pro xy:8080", "tidak valid"),
    ],
)
def test_bad_settings_are_refused_in_indonesian(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        normalise_proxy_setting(text)


def test_credentials_are_masked() -> None:
    assert mask_proxy_url("http://u:s3cret@proxy:8080") == "http://***@proxy:8080"
    assert mask_proxy_url("http://proxy:8080") == "http://proxy:8080"
    route = ProxyRoute("http://u:s3cret@proxy:8080", "setting")
    assert "s3cret" not in route.shown and route.proxies()["https"] == route.url


# -- through a real proxy, to the real server ------------------------------------------------------


@dataclass
class Office:
    """The live server behind HTTPS (loket.test) behind a proxy."""

    cert: Path
    proxy: ForwardProxy
    locked: ForwardProxy  # the same, but wanting USER/SECRET
    server: LiveServer

    def client(self, proxy: str, **kwargs: object) -> ApiClient:
        return ApiClient(
            SERVER,
            device_id="uji-proxy",
            ca_bundle=str(self.cert),
            timeout=5,
            proxy=proxy,
            environ=kwargs.pop("environ", {}),  # type: ignore[arg-type]
            system_proxy_reader=kwargs.pop("system", no_windows),  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_host_cert(tmp_path_factory.mktemp("cert"), "loket.test")


@pytest.fixture
def office(live_server: LiveServer, certificate: tuple[Path, Path]) -> Iterator[Office]:
    cert, key = certificate
    port = int(live_server.url.rsplit(":", 1)[1])
    with TlsFront(cert, key, port) as front:
        hosts = {"loket.test:8443": ("127.0.0.1", front.port)}
        with (
            ForwardProxy(hosts=hosts) as proxy,
            ForwardProxy(hosts=hosts, credentials=(USER, SECRET)) as locked,
        ):
            yield Office(cert, proxy, locked, live_server)


def test_without_the_proxy_the_name_does_not_even_resolve(office: Office) -> None:
    client = office.client("")
    with pytest.raises(ConnectionFailure) as info:
        client.get_json("/health", auth=False)
    assert info.value.kind is FailureKind.DNS
    assert office.proxy.carried == []


def test_requests_go_through_the_proxy_from_each_source(office: Office) -> None:
    proxy = office.proxy
    by_setting = office.client(
        proxy.url, environ={"HTTPS_PROXY": f"http://127.0.0.1:{free_port()}"}
    )
    for _ in range(3):
        assert by_setting.get_json("/health", auth=False)["status"] == "ok"
    assert by_setting.route.source == "setting"
    assert proxy.carried and all(c == "CONNECT loket.test:8443" for c in proxy.carried)
    tunnels = proxy.tunnels

    by_environment = office.client("", environ={"HTTPS_PROXY": proxy.url})
    assert by_environment.get_json("/health", auth=False)["status"] == "ok"
    assert by_environment.route.source == "environment"
    windows = parse_windows_proxy(1, f"127.0.0.1:{proxy.port}", "<local>")
    by_windows = office.client("", system=lambda: windows)
    assert by_windows.get_json("/health", auth=False)["status"] == "ok"
    assert by_windows.route.source == "system"
    assert proxy.tunnels == tunnels + 2
    for client in (by_setting, by_environment, by_windows):
        client.close()


def test_tls_is_verified_through_the_tunnel(office: Office) -> None:
    """The tunnel carries the client's own TLS: without the office CA the certificate is refused,
    exactly as without a proxy (verification is never switched off)."""
    client = ApiClient(SERVER, device_id="t", timeout=5, proxy=office.proxy.url, environ={})
    with pytest.raises(ConnectionFailure) as info:
        client.get_json("/health", auth=False)
    assert info.value.kind is FailureKind.TLS and "CA" in info.value.message
    assert office.proxy.tunnels == 1


def test_a_new_proxy_setting_applies_to_the_next_request(office: Office) -> None:
    client = office.client(DIRECT)
    with pytest.raises(ConnectionFailure):
        client.get_json("/health", auth=False)
    client.set_proxy(office.proxy.url)
    assert client.get_json("/health", auth=False)["status"] == "ok"
    client.set_proxy(DIRECT)
    with pytest.raises(ConnectionFailure):
        client.get_json("/health", auth=False)
    assert office.proxy.tunnels == 1


def test_a_proxy_wanting_a_password_is_told_apart_and_never_logged(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking()
    caplog.set_level(logging.DEBUG)
    locked = office.locked
    report = diagnose.probe_server(
        SERVER, ca_bundle=str(office.cert), proxy=locked.url, timeout=5, environ={}
    )
    assert not report.ok and report.kind == "proxy_auth"
    assert "407" in report.message and "kata sandi" in report.message
    assert "Server Loket belum dihubungi" in report.message
    wrong = f"http://{USER}:salah-sekali@127.0.0.1:{locked.port}"
    wrong_report = diagnose.probe_server(
        SERVER, ca_bundle=str(office.cert), proxy=wrong, timeout=5, environ={}
    )
    assert wrong_report.kind == "proxy_auth"
    assert len(locked.refused) == 2 and locked.carried == []

    good = diagnose.probe_server(
        SERVER, ca_bundle=str(office.cert), proxy=locked.auth_url, timeout=5, environ={}
    )
    assert good.ok, good.message
    assert f"melalui proxy http://***@127.0.0.1:{locked.port}" in good.message
    assert locked.carried == ["CONNECT loket.test:8443"]
    assert locked.auth_seen[-1].startswith("Basic ")  # sent to the proxy, in the CONNECT
    for text in (caplog.text, good.message, report.message, wrong_report.message):
        assert SECRET not in text and "salah-sekali" not in text


def test_a_dead_proxy_is_not_called_a_dead_server(office: Office) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    report = diagnose.probe_server(
        SERVER, ca_bundle=str(office.cert), proxy=dead, timeout=5, environ={}
    )
    assert not report.ok and report.kind == "proxy"
    assert f"Proxy {dead} tidak dapat dihubungi" in report.message
    assert "Server Loket belum dihubungi" in report.message
    client = office.client(dead)
    with pytest.raises(ConnectionFailure) as info:
        client.get_json("/health", auth=False)
    assert info.value.kind is FailureKind.PROXY
    assert client.connection.online is False  # offline all the same: the server is not reachable


def test_a_server_down_behind_a_working_proxy_says_so(certificate: tuple[Path, Path]) -> None:
    cert, _key = certificate
    with ForwardProxy(hosts={"loket.test:8443": ("127.0.0.1", free_port())}) as proxy:
        report = diagnose.probe_server(
            SERVER, ca_bundle=str(cert), proxy=proxy.url, timeout=5, environ={}
        )
    assert not report.ok and report.kind == "refused"
    assert "tidak dapat dihubungi melalui proxy" in report.message and "502" in report.message
    assert proxy.refused == ["502 CONNECT loket.test:8443"]


def test_the_real_server_on_this_computer_ignores_any_proxy(live_server: LiveServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = ApiClient(
        live_server.url,
        device_id="t",
        proxy=dead,
        environ={"HTTPS_PROXY": dead, "HTTP_PROXY": dead, "ALL_PROXY": dead},
        system_proxy_reader=lambda: parse_windows_proxy(1, dead, ""),
    )
    assert client.get_json("/health", auth=False)["status"] == "ok"
    assert client.route == ProxyRoute(None, "loopback")
    client.close()


def test_absolute_uri_forwarding_of_the_test_proxy(live_server: LiveServer) -> None:
    """The proxy's plain-http path (the desktop itself never sends http:// beyond this computer,
    and this computer is never proxied): an absolute-URI GET reaches the real server."""
    import requests

    with ForwardProxy() as proxy:
        url = live_server.api + "/health"
        answer = requests.get(url, proxies={"http": proxy.url}, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert proxy.carried == [f"GET {url}"]
