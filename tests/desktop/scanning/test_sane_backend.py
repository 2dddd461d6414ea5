"""SaneBackend against the real SANE `test` backend (libsane, python-sane; no mocks).

The devices, their feeder of 10 pages and the faults (read-return-value: sane_read() returns
JAMMED / NO_DOCS / COVER_OPEN) are the test driver's own; conftest.py points SANE at it
through a private SANE_CONFIG_DIR (sane_env.py). After every fault a further scan of the same
device must work: the test driver answers "Device busy" to an open of a device still open,
so that is the proof the backend closed it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("sane", reason="python-sane is Linux-only (SANE)")

from desktop.services.scanning import sane_backend
from desktop.services.scanning.device import (
    PAPER_MM,
    CancelToken,
    ColourMode,
    Paper,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.sane_backend import SaneBackend
from tests.desktop.scanning.sane_env import ADF_PAGES, OTHER_DEVICE


def pixels(paper: Paper, dpi: int) -> tuple[int, int]:
    """The size SANE gives for the paper's area at `dpi` (it truncates)."""
    w, h = PAPER_MM[paper]
    return int(w / 25.4 * dpi), int(h / 25.4 * dpi)


FEEDER = ScanSettings(source=Source.FEEDER, dpi=100, mode=ColourMode.GREY)


def drain(pages: Iterator[ScannedPage], into: list[ScannedPage]) -> None:
    for page in pages:
        into.append(page)


def still_scans(device: str) -> None:
    """The device was closed: it opens and scans again (the test driver refuses a second
    open with "Device busy"). The fault a test set is switched off: the test driver keeps
    option values across close/open."""
    backend = SaneBackend(extra_options={"read_return_value": "Default"})
    pages = list(backend.scan(device, ScanSettings(dpi=100), CancelToken()))
    assert len(pages) == 1


class JamAfter(SaneBackend):
    """The test driver's jam, switched on before page `n + 1` is started: the first `n`
    pages are real pages off its feeder, and the next sane_read() returns
    SANE_STATUS_JAMMED, as a feeder that jams on page n + 1."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def _before_page(self, dev: Any, index: int) -> None:
        if index == self.n:
            dev.read_return_value = "SANE_STATUS_JAMMED"


def test_devices_lists_the_test_scanners(sane_test_device: str) -> None:
    devices = SaneBackend().devices()
    assert [d.id for d in devices] == [sane_test_device, OTHER_DEVICE]
    assert devices[0].name == "frontend-tester"  # "Noname" vendor left out
    assert devices[0].backend == "sane" and "test:0" in devices[0].detail


def test_capabilities_flatbed_feeder_resolutions_modes(sane_test_device: str) -> None:
    caps = SaneBackend().capabilities(sane_test_device)
    assert caps.sources == (Source.FLATBED, Source.FEEDER)
    # the range 100..1200 in steps of 100, offered as the standard steps it can take
    assert caps.resolutions == (100, 200, 300, 400, 600, 1200)
    assert caps.modes == (ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW)
    assert caps.max_width_mm == 400.0 and caps.max_height_mm == 400.0
    assert caps.nearest_dpi(150) == 200


def test_flatbed_a4_300_grey_is_one_page_of_the_paper_size(sane_test_device: str) -> None:
    settings = ScanSettings(source=Source.FLATBED, dpi=300, mode=ColourMode.GREY, paper=Paper.A4)
    pages = list(SaneBackend().scan(sane_test_device, settings, CancelToken()))
    assert len(pages) == 1
    page = pages[0]
    assert page.image.size == pixels(Paper.A4, 300) == (2480, 3507)
    assert page.image.mode == "L"
    assert (page.index, page.dpi, page.reported_dpi, page.side) == (0, 300, 300, "front")
    still_scans(sane_test_device)


def test_flatbed_f4_colour(sane_test_device: str) -> None:
    settings = ScanSettings(dpi=200, mode=ColourMode.COLOUR, paper=Paper.F4)
    (page,) = SaneBackend().scan(sane_test_device, settings, CancelToken())
    assert page.image.mode == "RGB"
    assert page.image.size == pixels(Paper.F4, 200)


def test_feeder_batch_of_ten_pages_then_ends(sane_test_device: str) -> None:
    pages = SaneBackend().scan(sane_test_device, FEEDER, CancelToken())
    got = list(pages)
    assert len(got) == ADF_PAGES == 10
    assert [p.index for p in got] == list(range(10))
    assert all(p.image.size == pixels(Paper.A4, 100) for p in got)
    still_scans(sane_test_device)


def test_feeder_pages_stream_one_at_a_time(sane_test_device: str) -> None:
    """The first page is in the caller's hands before the second is read off the device."""
    stream = SaneBackend().scan(sane_test_device, FEEDER, CancelToken())
    first = next(stream)
    assert first.index == 0
    stream.close()  # the caller stops reading: the feeder is cancelled and the device closed
    still_scans(sane_test_device)


def test_jam_after_three_pages_keeps_them(sane_test_device: str) -> None:
    got: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        drain(JamAfter(3).scan(sane_test_device, FEEDER, CancelToken()), got)
    assert caught.value.problem is ScanProblem.JAMMED
    assert caught.value.pages_done == 3
    assert [p.index for p in got] == [0, 1, 2]
    assert "jammed" in caught.value.detail
    assert "macet" in str(caught.value) and "3 halaman" in str(caught.value)
    still_scans(sane_test_device)


def test_jam_on_the_first_page(sane_test_device: str) -> None:
    backend = SaneBackend(extra_options={"read_return_value": "SANE_STATUS_JAMMED"})
    with pytest.raises(ScanError) as caught:
        list(backend.scan(sane_test_device, FEEDER, CancelToken()))
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.JAMMED, 0)
    still_scans(sane_test_device)


def test_cover_open(sane_test_device: str) -> None:
    backend = SaneBackend(extra_options={"read_return_value": "SANE_STATUS_COVER_OPEN"})
    with pytest.raises(ScanError) as caught:
        list(backend.scan(sane_test_device, ScanSettings(dpi=100), CancelToken()))
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.COVER_OPEN, 0)
    assert "Penutup" in str(caught.value)
    still_scans(sane_test_device)


def test_empty_feeder_at_the_start_is_no_paper(sane_test_device: str) -> None:
    backend = SaneBackend(extra_options={"read_return_value": "SANE_STATUS_NO_DOCS"})
    with pytest.raises(ScanError) as caught:
        list(backend.scan(sane_test_device, FEEDER, CancelToken()))
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.NO_PAPER, 0)
    still_scans(sane_test_device)


def test_io_error_is_unplugged(sane_test_device: str) -> None:
    backend = SaneBackend(extra_options={"read_return_value": "SANE_STATUS_IO_ERROR"})
    with pytest.raises(ScanError) as caught:
        list(backend.scan(sane_test_device, FEEDER, CancelToken()))
    assert caught.value.problem is ScanProblem.UNPLUGGED


def test_unknown_device_is_unplugged(sane_test_device: str) -> None:
    del sane_test_device
    with pytest.raises(ScanError) as caught:
        list(SaneBackend().scan("sane:test:7", ScanSettings(), CancelToken()))
    assert caught.value.problem is ScanProblem.UNPLUGGED
    with pytest.raises(ScanError):
        SaneBackend().capabilities("sane:test:7")


def test_device_open_elsewhere_is_busy(sane_test_device: str) -> None:
    import sane  # type: ignore[import-untyped]

    SaneBackend()  # sane.init() done
    with sane_backend._SANE_LOCK:
        holder = sane.open("test:0")
    try:
        with pytest.raises(ScanError) as caught:
            list(SaneBackend().scan(sane_test_device, ScanSettings(dpi=100), CancelToken()))
        assert caught.value.problem is ScanProblem.BUSY
    finally:
        with sane_backend._SANE_LOCK:
            holder.close()
    still_scans(sane_test_device)


def test_cancel_mid_batch_keeps_the_pages_and_closes(sane_test_device: str) -> None:
    cancel = CancelToken()
    got: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        for page in SaneBackend().scan(sane_test_device, FEEDER, cancel):
            got.append(page)
            if len(got) == 4:
                cancel.cancel()
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.CANCELLED, 4)
    assert len(got) == 4
    # closed, and the feeder is whole again for the next batch
    assert len(list(SaneBackend().scan(sane_test_device, FEEDER, CancelToken()))) == ADF_PAGES


def test_cancelled_before_the_start_opens_nothing(sane_test_device: str) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(ScanError) as caught:
        list(SaneBackend().scan(sane_test_device, FEEDER, cancel))
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.CANCELLED, 0)


def test_device_taking_another_dpi_still_yields_the_asked_dpi(sane_test_device: str) -> None:
    """The test device has 100-dpi steps: 150 asked, 200 taken. The page keeps dpi=150 (the
    PDF page size follows the paper and the asked DPI); what the device did is reported."""
    settings = ScanSettings(dpi=150)
    (page,) = SaneBackend().scan(sane_test_device, settings, CancelToken())
    assert page.dpi == 150
    assert page.reported_dpi == 200
    assert page.image.size == pixels(Paper.A4, 200)


def test_duplex_on_a_simplex_device_is_unsupported(sane_test_device: str) -> None:
    with pytest.raises(ScanError) as caught:
        list(
            SaneBackend().scan(sane_test_device, ScanSettings(source=Source.DUPLEX), CancelToken())
        )
    assert caught.value.problem is ScanProblem.UNSUPPORTED
    still_scans(sane_test_device)


def test_black_and_white_on_a_device_without_lineart_scans_grey(sane_test_device: str) -> None:
    (page,) = SaneBackend().scan(
        sane_test_device, ScanSettings(dpi=100, mode=ColourMode.BW), CancelToken()
    )
    assert page.image.mode == "L"  # the pipeline makes it black and white


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Flatbed", Source.FLATBED),
        ("Automatic Document Feeder", Source.FEEDER),
        ("ADF", Source.FEEDER),
        ("ADF Front", Source.FEEDER),
        ("ADF Back", None),
        ("ADF Duplex", Source.DUPLEX),
        ("Duplex", Source.DUPLEX),
        ("Document Table", Source.FLATBED),
        ("Transparency Adapter", None),
    ],
)
def test_driver_source_names(name: str, kind: Source | None) -> None:
    assert sane_backend._source_kind(name) is kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Color", ColourMode.COLOUR),
        ("24bit Color[Fast]", ColourMode.COLOUR),
        ("Gray", ColourMode.GREY),
        ("True Gray", ColourMode.GREY),
        ("Lineart", ColourMode.BW),
        ("Black & White", ColourMode.BW),
        ("Halftone", None),
    ],
)
def test_driver_mode_names(name: str, kind: ColourMode | None) -> None:
    assert sane_backend._mode_kind(name) is kind


class CancelledWhilePage(SaneBackend):
    """The officer presses Batal just as page `n + 1` starts (after the check between pages):
    the page is stopped by sane_cancel() within it, not read to its end and yielded."""

    def __init__(self, n: int, cancel: CancelToken) -> None:
        super().__init__()
        self.n = n
        self.token = cancel

    def _before_page(self, dev: Any, index: int) -> None:
        if index == self.n:
            self.token.cancel()


def test_cancel_within_a_page_stops_it(sane_test_device: str) -> None:
    cancel = CancelToken()
    got: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        drain(CancelledWhilePage(2, cancel).scan(sane_test_device, FEEDER, cancel), got)
    assert (caught.value.problem, caught.value.pages_done) == (ScanProblem.CANCELLED, 2)
    assert len(got) == 2
    still_scans(sane_test_device)


def test_listing_while_scanning_on_another_thread(sane_test_device: str) -> None:
    """The dialog lists devices and asks capabilities on one worker while another scans:
    every libsane call goes through one lock, so both finish whole (libsane is not
    thread-safe; without the lock this is undefined behaviour in C)."""
    backend = SaneBackend()
    errors: list[BaseException] = []
    listings: list[int] = []
    scanning = threading.Event()

    def lister() -> None:
        try:
            scanning.wait(30)
            for _ in range(20):
                listings.append(len(backend.devices()))
                backend.capabilities(OTHER_DEVICE)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=lister)
    thread.start()
    got = []
    for page in backend.scan(sane_test_device, FEEDER, CancelToken()):
        got.append(page.index)
        scanning.set()
    thread.join(60)
    assert not thread.is_alive() and not errors
    assert got == list(range(ADF_PAGES))
    assert listings == [2] * 20
