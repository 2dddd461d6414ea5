"""One scan run (issue 12, seam 10): the device's page stream through the pipeline onto disk,
one page at a time, so memory stays at one decoded page (plus the one the device is feeding)
whatever the batch size (NAPS2 #677, #574). A device fault ends the run but never loses the
pages already scanned: it is returned in `ScanOutcome.error`, not raised."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from desktop.services.scanning.device import (
    CancelToken,
    ScanError,
    ScannerBackend,
    ScanProblem,
    ScanSettings,
)
from desktop.services.scanning.pipeline import ProcessedPage, process_page

log = logging.getLogger(__name__)


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
    outcome = ScanOutcome()
    stream = backend.scan(device_id, settings, cancel)
    scanned = 0
    try:
        for page in stream:
            scanned += 1
            try:
                processed = process_page(
                    page, settings, folder, f"page-{scanned:04d}", release_source=True
                )
            except (OSError, ValueError, cv2.error) as exc:  # disk full, an undecodable page
                log.warning("page %d could not be processed: %s", scanned, exc)
                outcome.error = ScanError(
                    ScanProblem.FAILED, pages_done=len(outcome.pages), detail=str(exc)
                )
                break
            del page  # the decoded page goes before the device decodes the next one
            if processed.blank and settings.remove_blank:
                processed.path.unlink(missing_ok=True)
                outcome.blanks_removed += 1
            else:
                outcome.pages.append(processed)
                on_page(processed)
            if cancel.cancelled:
                outcome.error = ScanError(ScanProblem.CANCELLED, pages_done=len(outcome.pages))
                break
    except ScanError as exc:
        log.info(
            "scan of %s ended after %d pages: %s (%s)", device_id, scanned, exc.problem, exc.detail
        )
        outcome.error = exc
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # a generator backend releases the device (sane.close, eSCL DELETE)
    return outcome
