"""The eSCL client against the eSCL simulator (tests/escl_simulator.py) over real HTTP on
loopback: capabilities, flatbed and feeder jobs to 404, DELETE on cancel, 503 busy, a silent
device, a jam, a scanner switched off mid-batch, a lying JPEG DPI, typed addresses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.services.scanning.device import (
    CancelToken,
    ColourMode,
    Paper,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.escl import EsclBackend, normalise_address
from tests.desktop.support import self_signed_cert
from tests.escl_simulator import MAKE_AND_MODEL, Behaviour, EsclSimulator

FAST_BUSY = (0.01, 0.02, 0.04)
FEEDER = ScanSettings(source=Source.FEEDER, dpi=100, mode=ColourMode.GREY)
FLATBED = ScanSettings(source=Source.FLATBED, dpi=150, mode=ColourMode.COLOUR)


def device(**behaviour: Any) -> pytest.MarkDecorator:
    """The simulator of the test behaves so (see `Behaviour`)."""
    return pytest.mark.parametrize("sim", [Behaviour(**behaviour)], indirect=True, ids=["sim"])


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[EsclSimulator]:
    with EsclSimulator(getattr(request, "param", Behaviour())) as simulator:
        yield simulator


def backend(timeout: float = 5.0) -> EsclBackend:
    return EsclBackend((), discover=False, timeout=timeout, busy_delays=FAST_BUSY)


def scan_all(
    sim: EsclSimulator, settings: ScanSettings, kept: list[ScannedPage], timeout: float = 5.0
) -> None:
    """Scan into `kept` so the pages yielded before a ScanError stay visible to the test."""
    for page in backend(timeout).scan(f"escl:{sim.base_url}", settings, CancelToken()):
        kept.append(page)


def test_capabilities_are_read_from_the_device(sim: EsclSimulator) -> None:
    caps = backend().capabilities(f"escl:{sim.base_url}")
    assert caps.sources == (Source.FLATBED, Source.FEEDER, Source.DUPLEX)
    assert caps.modes == (ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW)
    assert caps.resolutions == (75, 100, 150, 200, 300, 600)
    assert caps.max_width_mm == pytest.approx(215.9)  # 2550/300 inch
    assert caps.max_height_mm == pytest.approx(355.6)  # the feeder's 4200/300 inch


@device(resolution_range=(50, 1200), modes=("Grayscale8", "RGB24"))
def test_a_resolution_range_becomes_the_usual_steps(sim: EsclSimulator) -> None:
    caps = backend().capabilities(f"escl:{sim.base_url}")
    assert caps.resolutions == (75, 100, 150, 200, 240, 300, 400, 600, 1200)
    assert caps.modes == (ColourMode.COLOUR, ColourMode.GREY)


def test_a_flatbed_scan_is_one_page_at_the_asked_dpi_and_paper(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, FLATBED, pages)

    assert len(pages) == 1
    page = pages[0]
    assert (page.index, page.dpi, page.reported_dpi, page.side) == (0, 150, 150, "front")
    assert page.image.mode == "RGB"
    assert page.image.size == (1240, 1754)  # A4 at 150 dpi: 2480 x 3508 / 300 inch, halved
    job = sim.jobs[0]
    assert (job.source, job.mode, job.dpi, job.duplex) == ("Platen", "RGB24", 150, False)
    assert sim.calls("GET", "NextDocument")[-1].status == 404  # asked until the job said done
    assert sim.calls("DELETE", "") == []  # a job that ended is not deleted


def test_a_ten_page_feeder_batch_ends_at_404_with_ten_pages(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, FEEDER, pages)

    assert [p.index for p in pages] == list(range(10))
    assert {p.image.mode for p in pages} == {"L"}
    statuses = [r.status for r in sim.calls("GET", "NextDocument")]
    assert statuses == [200] * 10 + [404]
    assert sim.jobs[0].source == "Feeder"


def test_an_f4_feeder_job_asks_for_the_f4_region(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    settings = ScanSettings(source=Source.DUPLEX, dpi=75, mode=ColourMode.BW, paper=Paper.F4)
    sim.behaviour.feeder_pages = 4
    scan_all(sim, settings, pages)

    job = sim.jobs[0]
    assert (job.width_300, job.height_300, job.duplex, job.mode) == (
        2539,
        3898,
        True,
        "BlackAndWhite1",
    )
    assert [p.side for p in pages] == ["front", "back", "front", "back"]


@device(reported_dpi=96)
def test_a_page_claiming_96_dpi_keeps_the_asked_dpi(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, ScanSettings(dpi=300), pages)
    assert (pages[0].dpi, pages[0].reported_dpi) == (300, 96)


def test_cancel_mid_batch_deletes_the_job_and_keeps_the_pages(sim: EsclSimulator) -> None:
    cancel = CancelToken()
    pages: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        for page in backend().scan(f"escl:{sim.base_url}", FEEDER, cancel):
            pages.append(page)
            if len(pages) == 3:
                cancel.cancel()

    assert caught.value.problem is ScanProblem.CANCELLED
    assert caught.value.pages_done == 3
    assert len(pages) == 3
    job = sim.jobs[0]
    assert [r.path for r in sim.calls("DELETE", "")] == [f"/eSCL/ScanJobs/{job.id}"]
    assert job.deleted and job.delivered == 3


def test_a_consumer_that_stops_reading_deletes_the_job(sim: EsclSimulator) -> None:
    stream = backend().scan(f"escl:{sim.base_url}", FEEDER, CancelToken())
    next(stream)
    stream.close()  # the scan dialog closed: the generator is finalised
    assert sim.jobs[0].deleted


@device(busy_first=2)
def test_busy_twice_then_the_page_comes(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, FLATBED, pages)
    assert len(pages) == 1
    statuses = [r.status for r in sim.calls("GET", "NextDocument")]
    assert statuses == [503, 503, 200, 404]


@device(busy_always=True)
def test_a_device_busy_for_good_is_reported_busy(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FLATBED, [])
    assert caught.value.problem is ScanProblem.BUSY
    assert len(sim.calls("GET", "NextDocument")) == len(FAST_BUSY) + 1
    assert sim.jobs[0].deleted  # the job is given back


@device(busy_always=True, busy_on=frozenset({"ScannerCapabilities"}))
def test_busy_capabilities_is_reported_busy(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        backend().capabilities(f"escl:{sim.base_url}")
    assert caught.value.problem is ScanProblem.BUSY
    assert "sedang dipakai" in str(caught.value)


@device(state="Processing")
def test_a_device_scanning_for_someone_else_is_busy_before_any_job(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FLATBED, [])
    assert caught.value.problem is ScanProblem.BUSY
    assert sim.calls("POST", "ScanJobs") == []


@device(silent_on=frozenset({"ScannerCapabilities"}))
def test_a_silent_device_is_no_answer_within_the_timeout(sim: EsclSimulator) -> None:
    started = time.monotonic()
    with pytest.raises(ScanError) as caught:
        backend(timeout=0.5).capabilities(f"escl:{sim.base_url}")
    assert caught.value.problem is ScanProblem.NO_ANSWER
    assert time.monotonic() - started < 2.5
    assert sim.calls("GET", "ScannerCapabilities")[0].status is None  # accepted, never answered


@device(silent_after_pages=4)
def test_a_device_falling_silent_mid_batch_keeps_the_pages(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    started = time.monotonic()
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FEEDER, pages, timeout=0.5)
    assert caught.value.problem is ScanProblem.NO_ANSWER
    assert caught.value.pages_done == 4 and len(pages) == 4
    assert "4 halaman yang sudah terpindai tetap tersimpan" in str(caught.value)
    assert time.monotonic() - started < 5
    assert sim.jobs[0].deleted  # the DELETE still went out (the device answers those)


@device(jam_after=6)
def test_a_jam_on_page_seven_keeps_six_pages(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FEEDER, pages)
    assert caught.value.problem is ScanProblem.JAMMED
    assert caught.value.pages_done == 6 and len(pages) == 6
    assert "macet" in str(caught.value)
    assert sim.jobs[0].deleted


@device(adf_state="ScannerAdfEmpty")
def test_an_empty_feeder_is_no_paper_before_any_job(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FEEDER, [])
    assert caught.value.problem is ScanProblem.NO_PAPER
    assert sim.calls("POST", "ScanJobs") == []


@device(adf_state="ScannerAdfHatchOpen")
def test_an_open_hatch_is_cover_open(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FEEDER, [])
    assert caught.value.problem is ScanProblem.COVER_OPEN


@device(feeder_pages=0)
def test_a_feeder_job_without_pages_is_no_paper(sim: EsclSimulator) -> None:
    with pytest.raises(ScanError) as caught:
        scan_all(sim, FEEDER, [])
    assert caught.value.problem is ScanProblem.NO_PAPER
    assert [r.status for r in sim.calls("GET", "NextDocument")] == [404]


def test_a_scanner_switched_off_mid_batch_is_unplugged(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        for page in backend().scan(f"escl:{sim.base_url}", FEEDER, CancelToken()):
            pages.append(page)
            if len(pages) == 2:
                sim.stop()  # the port now refuses connections
    assert caught.value.problem is ScanProblem.UNPLUGGED
    assert caught.value.pages_done == 2 and len(pages) == 2


def test_nothing_listening_is_unplugged() -> None:
    with EsclSimulator() as gone:
        url = gone.base_url
    with pytest.raises(ScanError) as caught:
        backend().capabilities(f"escl:{url}")
    assert caught.value.problem is ScanProblem.UNPLUGGED


@device(modes=("Grayscale8", "RGB24"))
def test_black_and_white_falls_back_to_grey_on_a_device_without_it(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, ScanSettings(dpi=75, mode=ColourMode.BW), pages)
    assert sim.jobs[0].mode == "Grayscale8" and len(pages) == 1


@device(resolutions=(200, 600))
def test_an_unoffered_dpi_asks_for_the_nearest_and_says_so(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, ScanSettings(dpi=300), pages)
    assert sim.jobs[0].dpi == 200
    assert pages[0].dpi == 200  # the DPI the pixels were scanned at, not a wish


@device(absolute_location=True)
def test_an_absolute_location_is_followed(sim: EsclSimulator) -> None:
    pages: list[ScannedPage] = []
    scan_all(sim, FLATBED, pages)
    assert len(pages) == 1


def test_typed_addresses_are_listed_with_their_model(sim: EsclSimulator) -> None:
    with EsclSimulator() as gone:
        dead = gone.base_url
    typed = [f"127.0.0.1:{sim.port}", dead, "not a url at all://", f"{sim.base_url}/"]
    devices = EsclBackend(typed, discover=False, timeout=1.0).devices()

    assert [(d.id, d.name, d.backend) for d in devices] == [
        (f"escl:{sim.base_url}", MAKE_AND_MODEL, "escl"),
        (f"escl:{dead}", "Pemindai jaringan 127.0.0.1", "escl"),
    ]
    assert "tidak terjangkau" in devices[1].detail


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("10.0.5.20", "http://10.0.5.20/eSCL"),
        ("10.0.5.20:8080", "http://10.0.5.20:8080/eSCL"),
        (" https://scan.kantor:8443/ ", "https://scan.kantor:8443/eSCL"),
        ("http://10.0.5.20/eSCL/", "http://10.0.5.20/eSCL"),
        ("http://[fd00::5]:80/escl", "http://[fd00::5]:80/escl"),
    ],
)
def test_typed_addresses_are_normalised(typed: str, base: str) -> None:
    assert normalise_address(typed) == base


@pytest.mark.parametrize("typed", ["", "ftp://10.0.0.5", "http://"])
def test_addresses_that_are_not_scanners_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalise_address(typed)


def test_https_with_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path, "scanner", cn="scanner", san="IP:127.0.0.1")
    with EsclSimulator(tls=(cert, key)) as sim:
        assert sim.base_url.startswith("https://")
        with pytest.raises(ScanError) as caught:
            backend().capabilities(f"escl:{sim.base_url}")
    assert caught.value.problem is ScanProblem.FAILED
    assert "sertifikat" in str(caught.value).lower()
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.detail


@device(page_delay=0.3, feeder_pages=3)
def test_slow_pages_within_the_timeout_all_arrive(sim: EsclSimulator) -> None:
    """The timeout is per answer, not per batch: a slow feeder is not a silent one."""
    pages: list[ScannedPage] = []
    scan_all(sim, FEEDER, pages, timeout=1.0)
    assert len(pages) == 3
    assert [r.status for r in sim.calls("GET", "NextDocument")] == [200, 200, 200, 404]
