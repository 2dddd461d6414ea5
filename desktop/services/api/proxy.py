"""Which HTTP(S) proxy a request to the Loket server goes through, if any.

Many government offices reach the server only through a forward proxy. The choice, in order:

1. the ``proxy`` setting (`normalise_proxy_setting`): a proxy URL, or ``langsung`` for "never
   a proxy" (an internal server behind a proxy meant for browsing);
2. the environment: ``HTTPS_PROXY`` for an https:// server (``HTTP_PROXY`` for http://; then
   ``ALL_PROXY``), lower case winning as in curl and requests, unless ``NO_PROXY`` names the
   host (``*``, a name or domain suffix, an address or a CIDR block, with or without a port);
3. the Windows system proxy (Internet Options, the per-user WinINet values in the registry),
   unless its exceptions ("ProxyOverride", ``<local>`` included) name the host. Only fixed
   proxies: an automatic configuration script (PAC/WPAD) is not evaluated.

This computer (127.0.0.0/8, ::1, ``localhost``) never goes through a proxy. TLS stays verified
end to end: an https:// server is reached through ``CONNECT`` (a tunnel the proxy cannot read).

A proxy URL may carry a user name and password (``http://user:secret@proxy:8080``); it is never
logged or shown as typed (`mask_proxy_url`), and its password is registered with the log mask.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

log = logging.getLogger(__name__)

DIRECT = "langsung"
"""The setting's word for "no proxy, whatever the environment or Windows say"."""

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 (also IPv4-mapped) and ``localhost``: this computer only."""
    if not host:
        return False
    name = host.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def normalise_proxy_setting(text: str) -> str:
    """The setting as kept: ``""`` (automatic), ``langsung``, or ``http(s)://[user:pw@]host:port``.

    ``proxy.kantor:8080`` gets ``http://`` (the usual proxy). Raises ValueError with an
    Indonesian reason (the settings schema puts it in its warning, the settings page shows it).
    """
    value = text.strip()
    if not value:
        return ""
    if value.lower() == DIRECT:
        return DIRECT
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    example = "contoh: http://proxy.kantor.go.id:8080"
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            f"alamat proxy harus diawali http:// atau https:// (bukan {parts.scheme}://); {example}"
        )
    if any(c.isspace() for c in value) or not parts.hostname:
        raise ValueError(f"alamat proxy tidak valid; {example}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"nomor port proxy tidak valid; {example}") from None
    if port is None:
        raise ValueError(f"nomor port proxy belum ditulis; {example}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"alamat proxy cukup nama dan port, tanpa jalur; {example}")
    return urlunsplit((parts.scheme.lower(), parts.netloc, "", "", ""))


def mask_proxy_url(url: str) -> str:
    """``http://user:secret@proxy:8080`` -> ``http://***@proxy:8080`` (for logs and screens)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))


def proxy_password(url: str) -> str | None:
    """The password in a proxy URL, decoded (to register with the log mask)."""
    password = urlsplit(url).password
    return unquote(password) if password else None


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80 if parts.scheme == "http" else None
    return (parts.hostname or "").lower(), port


def no_proxy_matches(no_proxy: str, host: str, port: int | None) -> bool:
    """Whether ``NO_PROXY`` names `host` (``*``; ``kantor.go.id`` or ``.kantor.go.id`` for the
    domain and its hosts; an address; a CIDR block; any of them with ``:port``)."""
    host = host.strip("[]").lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.replace(";", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.count(":") == 1 and not entry.startswith("["):
            name, _, port_text = entry.partition(":")
            if port_text.isdigit():
                entry, entry_port = name, int(port_text)
        elif entry.startswith("[") and "]:" in entry:
            name, _, port_text = entry[1:].partition("]:")
            if port_text.isdigit():
                entry, entry_port = name, int(port_text)
        entry = entry.strip("[]")
        if entry_port is not None and entry_port != port:
            continue
        if "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if address is not None and address.version == network.version and address in network:
                return True
            continue
        entry = entry.lstrip("*").lstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def environment_proxy(environ: Mapping[str, str], scheme: str) -> tuple[str, str]:
    """(proxy URL or "", NO_PROXY) from the environment for a `scheme` server."""

    def read(name: str) -> str:
        return (environ.get(name.lower()) or environ.get(name.upper()) or "").strip()

    url = read(f"{scheme}_proxy") or read("all_proxy")
    return url, read("no_proxy")


# -- the Windows system proxy ------------------------------------------------------------------

RegistryValues = tuple[int, str, str]
"""(ProxyEnable, ProxyServer, ProxyOverride) of HKCU's Internet Settings."""
RegistryReader = Callable[[], RegistryValues | None]

INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"


@dataclass(frozen=True)
class SystemProxy:
    """The fixed proxy of Windows' Internet Options: per scheme, and the exceptions."""

    proxies: Mapping[str, str] = field(default_factory=dict)
    bypass: tuple[str, ...] = ()

    def for_url(self, url: str) -> str | None:
        scheme = urlsplit(url).scheme
        proxy = self.proxies.get(scheme)
        if not proxy:
            return None
        host, port = _host_port(url)
        for entry in self.bypass:
            pattern = entry.strip().lower()
            if not pattern:
                continue
            if pattern == "<local>":
                if "." not in host and ":" not in host:
                    return None
                continue
            if fnmatch.fnmatchcase(host, pattern) or fnmatch.fnmatchcase(f"{host}:{port}", pattern):
                return None
        return proxy


def parse_windows_proxy(enabled: int, server: str, override: str) -> SystemProxy | None:
    """Internet Options' values as a `SystemProxy` (None when no fixed proxy is on).

    ``ProxyServer`` is ``host:port`` for every scheme, or ``http=h:p;https=h:p;ftp=…``;
    an address without a scheme is an http:// proxy (an https:// server is reached through
    it with CONNECT). ``ProxyOverride`` lists exceptions separated by ``;``."""
    if not enabled or not server.strip():
        return None
    proxies: dict[str, str] = {}
    if "=" in server:
        for part in server.split(";"):
            scheme, _, address = part.partition("=")
            scheme, address = scheme.strip().lower(), address.strip()
            if scheme in ("http", "https") and address:
                proxies[scheme] = address if "://" in address else "http://" + address
    else:
        address = server.strip()
        url = address if "://" in address else "http://" + address
        proxies = {"http": url, "https": url}
    bypass = tuple(e.strip() for e in override.split(";") if e.strip())
    return SystemProxy(proxies, bypass) if proxies else None


def read_windows_registry() -> RegistryValues | None:  # pragma: no cover - Windows only
    """HKCU Internet Settings (what Internet Options and most Windows programs use)."""
    import winreg  # Windows only

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, INTERNET_SETTINGS) as key:  # type: ignore[attr-defined,unused-ignore]

            def value(name: str, default: object) -> object:
                try:
                    return winreg.QueryValueEx(key, name)[0]  # type: ignore[attr-defined,unused-ignore]
                except OSError:
                    return default

            enabled = value("ProxyEnable", 0)
            server = value("ProxyServer", "")
            override = value("ProxyOverride", "")
    except OSError:
        return None
    return (
        int(enabled) if isinstance(enabled, int) else 0,
        server if isinstance(server, str) else "",
        override if isinstance(override, str) else "",
    )


def system_proxy(reader: RegistryReader | None = None) -> SystemProxy | None:
    """The Windows system proxy (None elsewhere, or when none is set). `reader` replaces the
    registry (tests)."""
    if reader is None:
        if sys.platform != "win32":
            return None
        reader = read_windows_registry
    try:
        values = reader()
    except OSError as exc:
        log.warning("Windows proxy settings unreadable: %s", type(exc).__name__)
        return None
    return parse_windows_proxy(*values) if values is not None else None


# -- the choice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyRoute:
    """How requests to the server go: through `url` (None: directly), and why (`source`:
    ``setting``, ``environment``, ``system``, ``direct``, ``loopback``, ``none``)."""

    url: str | None
    source: str

    @property
    def shown(self) -> str:
        """The proxy for people and logs (credentials masked), or ""."""
        return mask_proxy_url(self.url) if self.url else ""

    def proxies(self) -> dict[str, str]:
        """For `requests`: the same proxy for both schemes (the server has one)."""
        return {"http": self.url, "https": self.url} if self.url else {}


def resolve_proxy(
    setting: str,
    server_url: str,
    *,
    environ: Mapping[str, str],
    system: Callable[[], SystemProxy | None] = system_proxy,
) -> ProxyRoute:
    """The route to `server_url`: setting, else environment, else Windows; loopback: direct.

    A bad proxy in the environment is skipped with a warning (it is not ours to refuse);
    a bad setting never gets here (the settings schema replaces it by its default)."""
    host, port = _host_port(server_url)
    if is_loopback_host(host):
        return ProxyRoute(None, "loopback")
    if setting == DIRECT:
        return ProxyRoute(None, "direct")
    if setting:
        return ProxyRoute(normalise_proxy_setting(setting), "setting")
    scheme = urlsplit(server_url).scheme
    env_url, no_proxy = environment_proxy(environ, scheme)
    if env_url:
        if no_proxy and no_proxy_matches(no_proxy, host, port):
            return ProxyRoute(None, "none")
        try:
            return ProxyRoute(normalise_proxy_setting(env_url), "environment")
        except ValueError as exc:
            log.warning("proxy in the environment ignored (%s): %s", mask_proxy_url(env_url), exc)
    if no_proxy and no_proxy_matches(no_proxy, host, port):
        return ProxyRoute(None, "none")
    windows = system()
    if windows is not None:
        url = windows.for_url(server_url)
        if url:
            try:
                return ProxyRoute(normalise_proxy_setting(url), "system")
            except ValueError as exc:
                log.warning("Windows proxy ignored (%s): %s", mask_proxy_url(url), exc)
    return ProxyRoute(None, "none")
