"""The WIA backend's logic: feeder loop until WIA_ERROR_PAPER_EMPTY (the end of the batch, not a
fault), a jam mid-batch keeping the pages, faults mapped to the counter's problems, duplex sides,
cancel, unsupported sources.

WIA cannot run on Linux (it is a Windows COM service with a vendor driver behind it), so here
its COM layer is FAKED: `FakeWia` stands in for `ComWiaAdapter` at the `WiaAdapter` seam and
answers as a WIA driver does (HRESULTs from wia.h, PNG bytes per transfer). Everything above
that seam is the real code. `test_com_adapter_on_real_windows` exercises `ComWiaAdapter`
itself and runs only on Windows."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PIL import Image

from desktop.services.scanning.device import (
    CancelToken,
    ColourMode,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.wia_backend import (
    DATA_COLOUR,
    DATA_GREY,
    DATA_THRESHOLD,
    DOCS_COVER_OPEN,
    DUPLEX,
    FEEDER,
    FLATBED,
    INTENT_GREY,
    WIA_ERROR_BUSY,
    WIA_ERROR_COVER_OPEN,
    WIA_ERROR_DEVICE_COMMUNICATION,
    WIA_ERROR_OFFLINE,
    WIA_ERROR_PAPER_EMPTY,
    WIA_ERROR_PAPER_JAM,
    WIA_STATUS_END_OF_MEDIA,
    ComWiaAdapter,
    WiaBackend,
    WiaComError,
    WiaDeviceInfo,
    WiaDeviceProperties,
    WiaScanRequest,
    problem_for,
)

DEVICE = "{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0001"


def png(shade: int, dpi: int = 96) -> bytes:
    out = io.BytesIO()
    Image.new("L", (85, 110), shade).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


@dataclass
class FakeConnection:
    """One device as WIA automation shows it: properties, configure, one page per transfer."""

    props: WiaDeviceProperties
    sheets: list[bytes | int]  # what each transfer gives: image bytes, or an HRESULT to raise
    configured: list[WiaScanRequest] = field(default_factory=list)
    transfers: int = 0
    closed: bool = False

    def properties(self) -> WiaDeviceProperties:
        return self.props

    def document_status(self) -> int:
        return FEEDER if self.sheets else 0

    def configure(self, request: WiaScanRequest) -> None:
        self.configured.append(request)

    def transfer(self) -> bytes:
        self.transfers += 1
        if not self.sheets:
            raise WiaComError(WIA_ERROR_PAPER_EMPTY, "feeder empty")
        sheet = self.sheets.pop(0)
        if isinstance(sheet, int):
            raise WiaComError(sheet, "driver says no")
        return sheet

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeWia:
    connection: FakeConnection
    refuse_connect: int | None = None

    def devices(self) -> list[WiaDeviceInfo]:
        return [WiaDeviceInfo(DEVICE, "Canon DR-C225", "Canon")]

    def connect(self, device_id: str) -> FakeConnection:
        assert device_id == DEVICE
        if self.refuse_connect is not None:
            raise WiaComError(self.refuse_connect)
        return self.connection


FEEDER_DEVICE = WiaDeviceProperties(
    FLATBED | FEEDER | DUPLEX, (100, 150, 200, 300, 600), (DATA_THRESHOLD, DATA_GREY, DATA_COLOUR)
)


def fake(sheets: list[bytes | int], props: WiaDeviceProperties = FEEDER_DEVICE) -> FakeWia:
    return FakeWia(FakeConnection(props, list(sheets)))


def run(
    wia: FakeWia, settings: ScanSettings, cancel: CancelToken | None = None
) -> tuple[list[ScannedPage], ScanError | None]:
    pages: list[ScannedPage] = []
    try:
        for page in WiaBackend(wia).scan("wia:" + DEVICE, settings, cancel or CancelToken()):
            pages.append(page)
    except ScanError as exc:
        return pages, exc
    return pages, None


FEED = ScanSettings(source=Source.FEEDER, dpi=300, mode=ColourMode.GREY)


def test_feeder_batch_ends_at_paper_empty_without_a_fault() -> None:
    wia = fake([png(10 * i) for i in range(10)])

    pages, error = run(wia, FEED)

    assert error is None
    assert [p.index for p in pages] == list(range(10))
    assert all(p.dpi == 300 and p.reported_dpi == 96 for p in pages)  # the device lied: kept apart
    assert wia.connection.transfers == 11 and wia.connection.closed
    assert wia.connection.configured == [WiaScanRequest(FEEDER, 1, INTENT_GREY, 300)]


def test_end_of_media_status_also_ends_the_batch() -> None:
    pages, error = run(fake([png(1), png(2), WIA_STATUS_END_OF_MEDIA]), FEED)
    assert error is None and len(pages) == 2


def test_jam_on_page_7_keeps_six_pages() -> None:
    wia = fake([png(i) for i in range(6)] + [WIA_ERROR_PAPER_JAM, png(99)])

    pages, error = run(wia, FEED)

    assert len(pages) == 6
    assert error is not None and error.problem is ScanProblem.JAMMED and error.pages_done == 6
    assert "Kertas macet" in error.message and "6 halaman" in error.message
    assert error.detail == "WIA 0x80210002" and wia.connection.closed


def test_empty_feeder_at_the_start_is_no_paper() -> None:
    pages, error = run(fake([]), FEED)
    assert pages == [] and error is not None and error.problem is ScanProblem.NO_PAPER


@pytest.mark.parametrize(
    ("hresult", "problem"),
    [
        (WIA_ERROR_COVER_OPEN, ScanProblem.COVER_OPEN),
        (DOCS_COVER_OPEN, ScanProblem.COVER_OPEN),
        (WIA_ERROR_BUSY, ScanProblem.BUSY),
        (WIA_ERROR_OFFLINE, ScanProblem.UNPLUGGED),
        (WIA_ERROR_DEVICE_COMMUNICATION, ScanProblem.UNPLUGGED),
        (0x80004005, ScanProblem.FAILED),  # E_FAIL: the driver's own words stay in `detail`
    ],
)
def test_faults_on_the_flatbed(hresult: int, problem: ScanProblem) -> None:
    pages, error = run(fake([hresult]), ScanSettings(source=Source.FLATBED))
    assert pages == [] and error is not None and error.problem is problem


def test_wia_header_values_and_signed_hresults() -> None:
    """wia.h: MAKE_HRESULT(SEVERITY_ERROR, FACILITY_WIA = 0x21, n); comtypes gives them signed."""
    assert (WIA_ERROR_PAPER_JAM, WIA_ERROR_PAPER_EMPTY) == (0x80210002, 0x80210003)
    assert (WIA_ERROR_COVER_OPEN, WIA_ERROR_BUSY, WIA_ERROR_OFFLINE) == (
        0x80000000 | 0x21 << 16 | 16,
        0x80210006,
        0x80210005,
    )
    assert problem_for(-2145320958) is ScanProblem.JAMMED  # 0x80210002 as a signed int


def test_flatbed_gives_one_page_and_stops() -> None:
    wia = fake([png(50), png(60)], WiaDeviceProperties(0, (150, 300), (DATA_COLOUR,)))

    pages, error = run(wia, ScanSettings(source=Source.FLATBED, dpi=225))

    assert error is None and len(pages) == 1 and wia.connection.transfers == 1
    assert wia.connection.configured[0].handling_select == FLATBED
    assert wia.connection.configured[0].dpi == 300  # nearest offered, ties go up
    assert pages[0].dpi == 225


def test_duplex_alternates_sides() -> None:
    wia = fake([png(i) for i in range(4)])

    pages, error = run(wia, ScanSettings(source=Source.DUPLEX))

    assert error is None
    assert [p.side for p in pages] == ["front", "back", "front", "back"]
    assert wia.connection.configured[0].handling_select == FEEDER | DUPLEX


def test_no_feeder_is_unsupported_before_any_transfer() -> None:
    wia = fake([png(1)], WiaDeviceProperties(FLATBED, (300,), (DATA_GREY,)))

    _, error = run(wia, FEED)

    assert error is not None and error.problem is ScanProblem.UNSUPPORTED
    assert wia.connection.transfers == 0 and wia.connection.closed


def test_cancel_between_pages() -> None:
    wia = fake([png(i) for i in range(5)])
    cancel = CancelToken()
    stream = WiaBackend(wia).scan("wia:" + DEVICE, FEED, cancel)

    next(stream)
    next(stream)
    cancel.cancel()
    with pytest.raises(ScanError) as caught:
        next(stream)

    assert caught.value.problem is ScanProblem.CANCELLED and caught.value.pages_done == 2
    assert wia.connection.transfers == 2 and wia.connection.closed


def test_a_cut_image_is_a_device_gone_mid_page() -> None:
    pages, error = run(fake([png(1), png(2)[:40]]), FEED)
    assert len(pages) == 1 and error is not None and error.problem is ScanProblem.UNPLUGGED


def test_a_driver_that_never_says_empty_is_stopped() -> None:
    class Endless(FakeConnection):
        def transfer(self) -> bytes:
            self.transfers += 1
            return png(7)

    wia = FakeWia(Endless(FEEDER_DEVICE, []))
    pages = list(WiaBackend(wia, max_pages=12).scan("wia:" + DEVICE, FEED, CancelToken()))
    assert len(pages) == 12


def test_devices_capabilities_and_connect_faults() -> None:
    wia = fake([])
    backend = WiaBackend(wia)

    (info,) = backend.devices()
    caps = backend.capabilities(info.id)

    assert info.id == "wia:" + DEVICE and info.name == "Canon DR-C225" and info.backend == "wia"
    assert caps.sources == (Source.FLATBED, Source.FEEDER, Source.DUPLEX)
    assert caps.modes == (ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW)
    assert caps.resolutions == (100, 150, 200, 300, 600)
    wia.refuse_connect = WIA_ERROR_BUSY
    with pytest.raises(ScanError) as caught:
        backend.scan(info.id, FEED, CancelToken())
    assert caught.value.problem is ScanProblem.BUSY


@pytest.mark.skipif(sys.platform == "win32", reason="off Windows only")
def test_without_an_adapter_off_windows_there_are_no_wia_devices() -> None:
    assert WiaBackend().devices() == []


def _first_device(adapter: ComWiaAdapter) -> Iterator[WiaDeviceInfo]:
    yield from adapter.devices()[:1]


@pytest.mark.skipif(sys.platform != "win32", reason="WIA is a Windows COM service")
def test_com_adapter_on_real_windows() -> None:
    """Lists WIA scanners through COM for real (an empty list is fine on a CI runner without
    one); with a scanner attached, reads its capabilities and scans one flatbed page."""
    adapter = ComWiaAdapter()
    backend = WiaBackend(adapter)
    infos = backend.devices()
    assert all(i.id.startswith("wia:") for i in infos)
    for device in _first_device(adapter):
        caps = backend.capabilities("wia:" + device.id)
        assert caps.sources and caps.resolutions
        if Source.FLATBED in caps.sources:
            settings = ScanSettings(source=Source.FLATBED, dpi=caps.nearest_dpi(150))
            pages = list(backend.scan("wia:" + device.id, settings, CancelToken()))
            assert len(pages) == 1 and pages[0].image.width > 0
