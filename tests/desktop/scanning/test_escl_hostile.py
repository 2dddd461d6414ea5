"""Hostile eSCL documents: a device on the LAN (or something pretending to be one) must not be
able to blow up the worker with entity expansion, external entities or sheer size."""

from __future__ import annotations

import time

import pytest

from desktop.services.scanning.device import ScanError, ScanProblem
from desktop.services.scanning.escl import EsclBackend
from desktop.services.scanning.escl_xml import (
    MAX_XML_BYTES,
    HostileXml,
    parse_capabilities,
    parse_status,
    parse_xml,
)
from tests.escl_simulator import Behaviour, EsclSimulator, capabilities_xml

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10)
    ).replace(b"&lol0;", b"&lol;")
    + b"]><scan:ScannerCapabilities xmlns:scan='x'><pwg:MakeAndModel xmlns:pwg='y'>&lol9;"
    b"</pwg:MakeAndModel></scan:ScannerCapabilities>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<ScannerStatus><State>&e;</State></ScannerStatus>"
)


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        BILLION_LAUGHS.decode().replace('"1.0"', '"1.0" encoding="UTF-16"').encode("utf-16"),
        EXTERNAL_ENTITY,
        b'<!DOCTYPE s SYSTEM "http://127.0.0.1:9/evil.dtd"><ScannerStatus/>',
        b"<ScannerStatus><State>&undeclared;</State></ScannerStatus>",
        b"<ScannerStatus><State>Idle</State>",
        b"",
        b"<a>" + b"x" * MAX_XML_BYTES + b"</a>",
    ],
    ids=["billion-laughs", "utf16", "xxe", "external-dtd", "undeclared", "cut", "empty", "huge"],
)
def test_hostile_documents_are_refused_quickly(document: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(HostileXml):
        parse_xml(document)
    # an unguarded parser expands these for minutes (or runs out of memory); the bound is loose
    # for a loaded CI machine
    assert time.monotonic() - started < 5


def test_a_document_of_another_kind_is_refused() -> None:
    with pytest.raises(HostileXml, match="expected ScannerStatus"):
        parse_status(capabilities_xml(Behaviour()))


def test_namespaces_do_not_matter_only_names() -> None:
    """Devices use the default namespace, other pwg versions, or none at all."""
    document = (
        b'<ScannerCapabilities xmlns="http://schemas.hp.com/imaging/escl/2011/05/03">'
        b"<MakeAndModel>Brother X</MakeAndModel><Platen><PlatenInputCaps>"
        b"<MaxWidth>2550</MaxWidth><MaxHeight>3508</MaxHeight>"
        b"<ColorModes><ColorMode>Grayscale8</ColorMode></ColorModes>"
        b"<DiscreteResolutions><DiscreteResolution><XResolution>300</XResolution>"
        b"<YResolution>300</YResolution></DiscreteResolution></DiscreteResolutions>"
        b"</PlatenInputCaps></Platen></ScannerCapabilities>"
    )
    parsed = parse_capabilities(document)
    assert parsed.make_and_model == "Brother X"
    assert parsed.capabilities.resolutions == (300,)
    assert [m.value for m in parsed.capabilities.modes] == ["grey"]


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<x>" + b"y" * 3_000_000])
def test_the_client_refuses_a_hostile_device_as_failed(body: bytes) -> None:
    with EsclSimulator(Behaviour(capabilities_body=body)) as sim:
        backend = EsclBackend((), discover=False, timeout=5.0)
        with pytest.raises(ScanError) as caught:
            backend.capabilities(f"escl:{sim.base_url}")
        listed = EsclBackend([sim.base_url], discover=False, timeout=5.0).devices()
    assert caught.value.problem is ScanProblem.FAILED
    assert "Pemindaian gagal" in str(caught.value)
    assert listed[0].detail.endswith("(tidak terjangkau)")  # still listed, by its address


def test_a_huge_body_without_a_length_is_cut_off_at_the_limit() -> None:
    """No Content-Length to refuse early: the read itself stops past the limit."""
    behaviour = Behaviour(capabilities_body=b"<x>" + b"y" * 3_000_000, no_length=True)
    with EsclSimulator(behaviour) as sim, pytest.raises(ScanError) as caught:
        EsclBackend((), discover=False, timeout=5.0).capabilities(f"escl:{sim.base_url}")
    assert caught.value.problem is ScanProblem.FAILED
    assert f"exceeds {MAX_XML_BYTES}" in caught.value.detail
    assert "3000003" not in caught.value.detail  # refused while reading, not after


def test_a_normal_body_without_a_length_is_read() -> None:
    with EsclSimulator(Behaviour(no_length=True)) as sim:
        caps = EsclBackend((), discover=False, timeout=5.0).capabilities(f"escl:{sim.base_url}")
    assert caps.resolutions
