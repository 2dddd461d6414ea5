"""mDNS discovery of eSCL scanners, on loopback with real zeroconf on both sides.

Multicast works on this sandbox's loopback when both ends bind to 127.0.0.1 only
(`interfaces=["127.0.0.1"]`, IPv4): the registrar below answers the browser's queries there
exactly as a scanner answers on the office LAN. Names carry a random tag per process, and the
assertions look only for this process's services: under pytest-xdist the module's fixture runs
in each worker that gets one of its tests, announcing the same labels and ports on the same
224.0.0.251:5353 at the same time.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from desktop.services.scanning.device import CancelToken, ScannerInfo, ScanSettings
from desktop.services.scanning.escl import EsclBackend
from desktop.services.scanning.escl_discovery import USCAN, USCANS, discover
from tests.escl_simulator import EsclSimulator

LOOPBACK = ["127.0.0.1"]


class Announcer:
    """A scanner's mDNS responder on loopback."""

    def __init__(self) -> None:
        self.zc = Zeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
        self.tag = uuid.uuid4().hex[:8]
        self.infos: list[ServiceInfo] = []

    def announce(self, label: str, port: int, *, kind: str = USCAN, **txt: str) -> str:
        name = f"{label} {self.tag}.{kind}"
        info = ServiceInfo(
            kind,
            name,
            addresses=[socket.inet_aton("127.0.0.1")],
            port=port,
            properties=txt,
            server=f"scanner-{self.tag}-{len(self.infos)}.local.",
        )
        # A test network has no name conflicts to probe for: announce at once.
        self.zc.register_service(info, cooperating_responders=True)
        self.infos.append(info)
        return name

    def close(self) -> None:
        for info in self.infos:
            self.zc.unregister_service(info)
        self.zc.close()


@pytest.fixture(scope="module")
def sim() -> Iterator[EsclSimulator]:
    with EsclSimulator() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def lan(sim: EsclSimulator) -> Iterator[Announcer]:
    """Five services (four scanners) announced once for the module."""
    announcer = Announcer()
    tag = announcer.tag
    announcer.announce("Kantor Lt1", sim.port, rs="eSCL", ty=f"Loket Simulasi {tag}")
    announcer.announce("Tanpa rs", 8081)
    announcer.announce("Aman", 8443, kind=USCANS, rs="/escl/", ty=f"Secure Only {tag}")
    announcer.announce("Ganda", 8082, kind=USCAN, ty=f"Both Ways {tag}")
    announcer.announce("Ganda", 8444, kind=USCANS, ty=f"Both Ways {tag}")
    yield announcer
    announcer.close()


def ours(found: list[ScannerInfo], lan: Announcer) -> dict[str, ScannerInfo]:
    """This process's scanners by name, tag dropped (another worker's share ports and labels);
    each name once."""
    mine = [(info.name.replace(f" {lan.tag}", ""), info) for info in found if lan.tag in info.name]
    assert len({name for name, _ in mine}) == len(mine), mine
    return dict(mine)


def test_scanners_announced_on_the_network_are_found(lan: Announcer, sim: EsclSimulator) -> None:
    started = time.monotonic()
    found = ours(discover(3.0, interfaces=LOOPBACK, ip_version=IPVersion.V4Only), lan)
    assert time.monotonic() - started < 3.0 + 3  # its window, and slack for a loaded machine

    assert found["Loket Simulasi"].id == f"escl:http://127.0.0.1:{sim.port}/eSCL"
    assert found["Loket Simulasi"].backend == "escl"
    # No `ty`: the instance's own label; no `rs`: the standard root.
    assert found["Tanpa rs"].id == "escl:http://127.0.0.1:8081/eSCL"
    # Only https announced: https, with `rs` slashes trimmed.
    assert found["Secure Only"].id == "escl:https://127.0.0.1:8443/escl"
    # Both announced: once, over http (see escl_discovery.discover).
    assert found["Both Ways"].id == "escl:http://127.0.0.1:8082/eSCL"
    assert len(found) == 4


def test_a_browse_ends_with_its_window() -> None:
    """The scan dialog waits on discovery: it must end on time whatever the network does
    (what it finds here depends on other workers' announcements, so only time is asserted)."""
    started = time.monotonic()
    discover(1.0, interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    assert time.monotonic() - started < 1.0 + 3  # its window, and slack for a loaded machine


def test_the_backend_lists_typed_and_discovered_and_scans_a_discovered_one(
    lan: Announcer, sim: EsclSimulator
) -> None:
    typed_elsewhere = "http://127.0.0.1:8081/eSCL"  # also announced: listed once, as typed
    backend = EsclBackend(
        [typed_elsewhere],
        discover=True,
        timeout=1.0,
        discovery_window=3.0,
        discovery_interfaces=LOOPBACK,
    )
    devices = backend.devices()
    ids = [d.id for d in devices]
    assert ids[0] == f"escl:{typed_elsewhere}"  # typed first
    assert ids.count(f"escl:{typed_elsewhere}") == 1
    assert devices[0].detail.endswith("(tidak terjangkau)")  # nobody listens on 8081

    discovered = next(d for d in devices if d.name == f"Loket Simulasi {lan.tag}")
    assert backend.capabilities(discovered.id).resolutions
    pages = list(backend.scan(discovered.id, ScanSettings(dpi=75), CancelToken()))
    assert len(pages) == 1
