"""A scan run (issue 12): pages stream from the device through the pipeline onto disk one at a
time, blanks are dropped and counted, a device fault or a cancel ends the run with the pages
kept (never raised). The device here is a small in-test double that renders pages and faults
on cue (the real drivers are tested in test_sane_*/test_escl_*), plus one run through the real
SANE test backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services.scanning.device import (
    CancelToken,
    Capabilities,
    ColourMode,
    ScanError,
    ScannedPage,
    ScannerInfo,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.pipeline import ProcessedPage
from desktop.services.scanning.scan_run import run_scan
from tests.synthetic_pages import blank_page, document_page, scanned

DPI = 75


class PagesDevice:
    """A feeder with `kinds` ("doc" or "blank") on it; raises `fault` after `fault_after`
    pages. Counts how many decoded pages are alive at once (it yields a page only when asked,
    so a pipeline that kept pages would show here)."""

    name = "test"

    def __init__(
        self, kinds: list[str], fault: ScanProblem | None = None, fault_after: int = 0
    ) -> None:
        self.kinds, self.fault, self.fault_after = kinds, fault, fault_after
        self.yielded = 0
        self.closed = False

    def devices(self) -> list[ScannerInfo]:
        return [ScannerInfo("test:0", "Uji", "test")]

    def capabilities(self, device_id: str) -> Capabilities:
        return Capabilities((Source.FEEDER,), (DPI,), tuple(ColourMode))

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        try:
            for index, kind in enumerate(self.kinds):
                if cancel.cancelled:
                    raise ScanError(ScanProblem.CANCELLED, pages_done=index)
                if self.fault and index == self.fault_after:
                    raise ScanError(self.fault, pages_done=index, detail="test fault")
                image = (
                    document_page(DPI, lines=4, seed=index) if kind == "doc" else blank_page(DPI)
                )
                self.yielded += 1
                yield ScannedPage(scanned(image, dpi=DPI, seed=index), index, DPI, 96)
        finally:
            self.closed = True


SETTINGS = ScanSettings(source=Source.FEEDER, dpi=DPI, mode=ColourMode.GREY, remove_blank=True)


def test_pages_stream_to_disk_and_blanks_are_dropped(tmp_path: Path) -> None:
    device = PagesDevice(["doc", "blank", "doc", "doc", "blank"])
    seen: list[tuple[ProcessedPage, int]] = []
    outcome = run_scan(
        device,
        "test:0",
        SETTINGS,
        CancelToken(),
        tmp_path,
        lambda p: seen.append((p, device.yielded)),
    )
    assert outcome.error is None and outcome.blanks_removed == 2
    assert [p.path.name for p in outcome.pages] == [
        "page-0001.jpg",
        "page-0003.jpg",
        "page-0004.jpg",
    ]
    assert [p for p, _ in seen] == outcome.pages
    # each page reached on_page before the device was asked for the next one
    assert [n for _, n in seen] == [1, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.path.name for p in outcome.pages]
    assert device.closed


def test_blanks_kept_when_not_removing(tmp_path: Path) -> None:
    device = PagesDevice(["doc", "blank"])
    settings = ScanSettings(source=Source.FEEDER, dpi=DPI, remove_blank=False)
    outcome = run_scan(device, "test:0", settings, CancelToken(), tmp_path, lambda p: None)
    assert [p.blank for p in outcome.pages] == [False, True]
    assert outcome.blanks_removed == 0


def test_a_jam_at_page_k_keeps_the_pages_before_it(tmp_path: Path) -> None:
    device = PagesDevice(["doc"] * 6, fault=ScanProblem.JAMMED, fault_after=3)
    got: list[ProcessedPage] = []
    outcome = run_scan(device, "test:0", SETTINGS, CancelToken(), tmp_path, got.append)
    assert outcome.error is not None
    assert (outcome.error.problem, outcome.error.pages_done) == (ScanProblem.JAMMED, 3)
    assert len(outcome.pages) == 3 == len(got)
    assert all(p.path.exists() for p in outcome.pages)
    assert device.closed


def test_cancel_stops_after_the_current_page(tmp_path: Path) -> None:
    device = PagesDevice(["doc"] * 10)
    cancel = CancelToken()

    def on_page(page: ProcessedPage) -> None:
        if len(list(tmp_path.glob("page-*"))) == 2:
            cancel.cancel()

    outcome = run_scan(device, "test:0", SETTINGS, cancel, tmp_path, on_page)
    assert outcome.error is not None and outcome.error.problem is ScanProblem.CANCELLED
    assert len(outcome.pages) == 2 and device.yielded == 2
    assert device.closed


def test_a_page_that_cannot_be_written_ends_the_run_keeping_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    device = PagesDevice(["doc"] * 4)

    def on_page(page: ProcessedPage) -> None:
        if page.path.name == "page-0002.jpg":  # page 3 cannot be written (as on a full disk)
            (folder / "page-0003.jpg.part").mkdir()

    outcome = run_scan(device, "test:0", SETTINGS, CancelToken(), folder, on_page)
    assert outcome.error is not None and outcome.error.problem is ScanProblem.FAILED
    assert [p.path.name for p in outcome.pages] == ["page-0001.jpg", "page-0002.jpg"]
    assert device.closed


def test_feeder_batch_through_the_real_sane_test_backend(
    sane_test_device: str, tmp_path: Path
) -> None:
    from desktop.services.scanning.sane_backend import SaneBackend

    backend = SaneBackend(extra_options={"test_picture": "Grid"})
    settings = ScanSettings(source=Source.FEEDER, dpi=75, mode=ColourMode.BW, remove_blank=True)
    got: list[ProcessedPage] = []
    outcome = run_scan(backend, sane_test_device, settings, CancelToken(), tmp_path, got.append)
    assert outcome.error is None
    assert len(outcome.pages) == 10 == len(got)
    assert outcome.blanks_removed == 0
    assert {(p.width_px, p.height_px, p.path.suffix) for p in outcome.pages} == {(620, 877, ".tif")}


def test_sane_jam_keeps_the_pages(sane_test_device: str, tmp_path: Path) -> None:
    from desktop.services.scanning.sane_backend import SaneBackend

    backend = SaneBackend(extra_options={"read_return_value": "SANE_STATUS_JAMMED"})
    settings = ScanSettings(source=Source.FEEDER, dpi=75)
    outcome = run_scan(backend, sane_test_device, settings, CancelToken(), tmp_path, lambda p: None)
    assert outcome.error is not None and outcome.error.problem is ScanProblem.JAMMED
    assert outcome.pages == []


@pytest.mark.parametrize("remove", [True, False])
def test_solid_black_page_is_not_blank(sane_test_device: str, tmp_path: Path, remove: bool) -> None:
    from desktop.services.scanning.sane_backend import SaneBackend

    settings = ScanSettings(dpi=75, remove_blank=remove)
    outcome = run_scan(
        SaneBackend(extra_options={"test_picture": "Solid black"}),
        sane_test_device,
        settings,
        CancelToken(),
        tmp_path,
        lambda p: None,
    )
    assert len(outcome.pages) == 1 and not outcome.pages[0].blank
