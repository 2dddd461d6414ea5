"""Scanned pages into one PDF (issue 12, seam 9): img2pdf embeds each JPEG and CCITT G4 file
as it is (no re-encoding, so no generation loss and no extra time), the page size is set from
the paper (A4 210 x 297 mm, F4 215 x 330 mm) never from the image's dpi, rotations from the
page editor become /Rotate, and the result is opened with pikepdf and checked before it is
moved into place atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop.services.scanning.device import Paper
from desktop.services.scanning.pipeline import ProcessedPage


def assemble_pdf(pages: Sequence[tuple[ProcessedPage, int]], paper: Paper, target: Path) -> Path:
    """Write `pages` (each with its rotation 0/90/180/270, clockwise, stored as /Rotate) to
    `target` as a PDF whose every page is exactly `paper`. Returns `target`. Raises
    `ScanError(FAILED)` if a page cannot be embedded or the written PDF does not check out
    (page count, page size); `target` is then left as it was."""
    raise NotImplementedError
