"""Finding eSCL (AirScan) scanners on the local network with mDNS (`zeroconf`).

Scanners announce `_uscan._tcp` (http) and `_uscans._tcp` (https); the `rs` TXT record is the
path of the eSCL root (default "eSCL"), `ty` the model the officer recognises. mDNS stays in
its own subnet, so a scanner elsewhere is typed by address instead (settings.escl_addresses;
NAPS2 #254, #360, #858): discovery is a convenience and may find nothing.

A browse runs for a fixed window and never longer than its `timeout`: the scan dialog waits
on it.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from zeroconf import (
    InterfaceChoice,
    IPVersion,
    ServiceBrowser,
    ServiceInfo,
    ServiceListener,
    Zeroconf,
)

from desktop.services.scanning.device import ScannerInfo

log = logging.getLogger(__name__)

USCAN = "_uscan._tcp.local."
USCANS = "_uscans._tcp.local."


@dataclass(frozen=True)
class Announcement:
    """One resolved mDNS service instance."""

    instance: str  # "HP LaserJet MFP._uscan._tcp.local."
    service_type: str
    base_url: str  # "http://10.0.0.5:80/eSCL"
    model: str  # the `ty` TXT record, or the instance's own label


class _Names(ServiceListener):
    """Collects instance names; zeroconf calls it from its own thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.found: list[tuple[str, str]] = []

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        with self.lock:
            if (type_, name) not in self.found:
                self.found.append((type_, name))

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.add_service(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        """A scanner saying goodbye during the window is simply not listed."""
        with self.lock:
            if (type_, name) in self.found:
                self.found.remove((type_, name))


def _txt(info: ServiceInfo, key: str) -> str:
    value = info.properties.get(key.encode())
    return value.decode("utf-8", "replace").strip() if value else ""


def base_url_of(info: ServiceInfo) -> str | None:
    """http(s)://address:port/rs, or None when the service has no address or port."""
    addresses = info.parsed_scoped_addresses()
    if not addresses or not info.port:
        return None
    # An IPv4 address first: link-local IPv6 needs a zone id that requests handles poorly.
    addresses.sort(key=lambda a: ":" in a)
    host = addresses[0]
    if ipaddress.ip_address(host.split("%")[0]).version == 6:
        host = f"[{host}]"
    scheme = "https" if info.type == USCANS else "http"
    root = _txt(info, "rs").strip("/") or "eSCL"
    return f"{scheme}://{host}:{info.port}/{root}"


def browse(
    timeout: float = 2.0,
    *,
    interfaces: Sequence[str] | None = None,
    ip_version: IPVersion | None = None,
) -> list[Announcement]:
    """Every eSCL service answering within `timeout` seconds (an empty list when there are none
    or this PC has no usable network). `interfaces`: addresses to use (default: all)."""
    deadline = time.monotonic() + timeout
    try:
        zc = Zeroconf(
            interfaces=list(interfaces) if interfaces is not None else InterfaceChoice.All,
            ip_version=ip_version,
        )
    except OSError as exc:
        log.warning("mDNS not available: %s", exc)
        return []
    names = _Names()
    browser = ServiceBrowser(zc, [USCAN, USCANS], listener=names)
    try:
        # Listen for most of the window; the rest resolves what the announcements left out
        # (usually nothing: SRV, TXT and A come with the PTR answer and are read from cache).
        time.sleep(max(0.0, timeout * 0.75))
        with names.lock:
            found = list(names.found)
        result: list[Announcement] = []
        for service_type, name in found:
            info = ServiceInfo(service_type, name)
            left_ms = int((deadline - time.monotonic()) * 1000)
            if not info.load_from_cache(zc) and left_ms > 0:
                info.request(zc, left_ms)
            base = base_url_of(info)
            if base is None:
                log.info("mDNS %s: no address or port within the window", name)
                continue
            label = name[: -len(service_type)].rstrip(".") or name
            result.append(Announcement(name, service_type, base, _txt(info, "ty") or label))
        return result
    finally:
        browser.cancel()
        zc.close()


def discover(
    timeout: float = 2.0,
    *,
    interfaces: Sequence[str] | None = None,
    ip_version: IPVersion | None = None,
) -> list[ScannerInfo]:
    """The scanners found, as `ScannerInfo`s with ids "escl:<base url>". A device announcing
    both http and https is listed once, over http: scanners ship self-signed certificates that
    our (always on) verification rightly refuses, so https is used only where it is the one
    announced or where the address was typed."""
    announced = browse(timeout, interfaces=interfaces, ip_version=ip_version)
    by_instance: dict[str, Announcement] = {}
    for item in announced:
        key = item.instance[: -len(item.service_type)]
        kept = by_instance.get(key)
        if kept is None or (kept.service_type == USCANS and item.service_type == USCAN):
            by_instance[key] = item
    return [
        ScannerInfo(id=f"escl:{a.base_url}", name=a.model, backend="escl", detail=a.base_url)
        for a in by_instance.values()
    ]
