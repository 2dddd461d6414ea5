"""One scan run (issue 12, seam 10): the device's page stream through the pipeline onto disk,
one page at a time, so memory stays at one decoded page (plus the one the device is feeding)
whatever the batch size (NAPS2 #677, #574). A device fault ends the run but never loses the
pages already scanned: it is returned in `ScanOutcome.error`, not raised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.services.scanning.device import CancelToken, ScanError, ScannerBackend, ScanSettings
from desktop.services.scanning.pipeline import ProcessedPage


@dataclass
class ScanOutcome:
    """What a run produced: the kept pages in scan order (files in the run's folder), the
    fault that ended it (None when the feeder simply ran out; CANCELLED when the officer
    stopped it) and how many blank pages were dropped."""

    pages: list[ProcessedPage] = field(default_factory=list)
    error: ScanError | None = None
    blanks_removed: int = 0


def run_scan(
    backend: ScannerBackend,
    device_id: str,
    settings: ScanSettings,
    cancel: CancelToken,
    folder: Path,
    on_page: Callable[[ProcessedPage], None],
) -> ScanOutcome:
    """Scan with `settings` into `folder` (page files named page-0001.jpg/.tif in scan order),
    calling `on_page` (on this worker thread) for each kept page; blank pages are dropped and
    counted when `settings.remove_blank`. Blocks: run on a worker. Never raises ScanError."""
    raise NotImplementedError
