"""The page pipeline (issue 12, seam 8): one decoded page from any backend in, one small file
out, ready for the PDF without re-encoding.

Steps: deskew (the text lines' angle), crop to the chosen paper at the ASKED dpi (a flatbed
scans more than the paper; devices misreport their dpi: NAPS2 #71, #629, #411), blank
detection, then compression: colour/grey -> JPEG, black-and-white -> CCITT G4 TIFF. Budgets
(DESIGN 9): an A4 page at 300 dpi in <= 400 ms, <= 250 KB colour/grey, <= 60 KB bw.

Pure and thread-safe: no shared state, every call writes only its own file, so pages of a
batch can be processed on workers while the device feeds the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from desktop.services.scanning.device import ColourMode, ScannedPage, ScanSettings


@dataclass(frozen=True)
class ProcessedPage:
    """One page on disk. `path` is a .jpg (colour, grey) or a .tif with CCITT G4 (bw); its
    pixel size is the paper's at `dpi` exactly, and `dpi` is the one asked for (written into
    the file), whatever the device claimed."""

    path: Path
    width_px: int
    height_px: int
    dpi: int
    mode: ColourMode
    blank: bool
    skew_degrees: float  # the angle corrected (0.0 when deskew was off or found nothing)
    size_bytes: int


def process_page(
    page: ScannedPage, settings: ScanSettings, folder: Path, name: str
) -> ProcessedPage:
    """Deskew, crop to `settings.paper` at `settings.dpi`, detect a blank page and write
    `folder/name.jpg` or `folder/name.tif`. Blank pages are written too (the caller decides
    whether to drop them: the page editor may want a blank separator sheet)."""
    raise NotImplementedError


def is_blank(image: Image.Image) -> bool:
    """True when a page carries no content: robust to scanner noise, dust, a punched hole and
    faint show-through from the back; a page with one short line of text is NOT blank."""
    raise NotImplementedError


def thumbnail(page: ProcessedPage, side: int) -> Image.Image:
    """A small RGB or L image fitting in `side` x `side` for the page editor (decoded with
    Pillow's draft mode for JPEG, so a 600 dpi page is not decoded at full size)."""
    raise NotImplementedError
