"""Scanned pages into one PDF (issue 12, seam 9): img2pdf embeds each JPEG and CCITT G4 file
as it is (no re-encoding, so no generation loss and no extra time), the page size is set from
the paper (A4 210 x 297 mm, F4 215 x 330 mm) never from the image's dpi, rotations from the
page editor become /Rotate, and the result is opened with pikepdf and checked before it is
moved into place atomically."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import img2pdf  # type: ignore[import-untyped]  # no stubs; used in two calls
import pikepdf

from desktop.services.scanning.device import PAPER_MM, Paper, ScanError, ScanProblem
from desktop.services.scanning.pipeline import ProcessedPage

log = logging.getLogger(__name__)

ROTATIONS = (0, 90, 180, 270)
_FILTERS = {".jpg": "/DCTDecode", ".tif": "/CCITTFaxDecode"}


def paper_points(paper: Paper) -> tuple[float, float]:
    """The paper's width and height in PDF points (1/72 inch)."""
    width_mm, height_mm = PAPER_MM[paper]
    return float(img2pdf.mm_to_pt(width_mm)), float(img2pdf.mm_to_pt(height_mm))


def assemble_pdf(pages: Sequence[tuple[ProcessedPage, int]], paper: Paper, target: Path) -> Path:
    """Write `pages` (each with its rotation 0/90/180/270, clockwise, stored as /Rotate) to
    `target` as a PDF whose every page is exactly `paper`. Returns `target`. Raises
    `ScanError(FAILED)` if a page cannot be embedded or the written PDF does not check out
    (page count, page size); `target` is then left as it was."""
    if not pages:
        raise ScanError(ScanProblem.FAILED, detail="no pages to assemble")
    for page, rotation in pages:
        if rotation not in ROTATIONS:
            raise ScanError(ScanProblem.FAILED, detail=f"rotation {rotation} not a right angle")
        if page.path.suffix == ".jpg" and not _ends_with_eoi(page.path):
            raise ScanError(ScanProblem.FAILED, detail=f"{page.path.name} is truncated")
    size = paper_points(paper)
    layout = img2pdf.get_layout_fun(pagesize=size, fit=img2pdf.FitMode.into)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".scan-", suffix=".pdf", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        raw = img2pdf.convert(
            [str(page.path) for page, _rotation in pages],
            layout_fun=layout,
            rotation=img2pdf.Rotation.ifvalid,
        )
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            for pdf_page, (_page, rotation) in zip(pdf.pages, pages, strict=True):
                if rotation:
                    pdf_page.Rotate = rotation
            pdf.save(temp, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        _check(temp, pages, size)
        os.replace(temp, target)
    except ScanError:
        temp.unlink(missing_ok=True)
        raise
    except (OSError, ValueError, img2pdf.ImageOpenError, pikepdf.PdfError) as exc:
        temp.unlink(missing_ok=True)
        log.warning("assembling %d scanned pages failed: %s", len(pages), exc)
        raise ScanError(ScanProblem.FAILED, detail=str(exc)) from exc
    return target


def _check(
    path: Path, pages: Sequence[tuple[ProcessedPage, int]], size: tuple[float, float]
) -> None:
    """Open what was written: as many pages as asked, each exactly the paper, its one image
    still in the file's own encoding (DCT for JPEG, CCITT for G4), the asked /Rotate."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as exc:
        raise ScanError(ScanProblem.FAILED, detail=f"written PDF does not open: {exc}") from exc
    with pdf:
        if len(pdf.pages) != len(pages):
            raise ScanError(
                ScanProblem.FAILED, detail=f"{len(pdf.pages)} pages written of {len(pages)}"
            )
        for number, (pdf_page, (page, rotation)) in enumerate(
            zip(pdf.pages, pages, strict=True), 1
        ):
            box = [float(v) for v in pdf_page.mediabox]
            width, height = box[2] - box[0], box[3] - box[1]
            if abs(width - size[0]) > 0.01 or abs(height - size[1]) > 0.01:
                raise ScanError(
                    ScanProblem.FAILED, detail=f"page {number} is {width:.2f} x {height:.2f} pt"
                )
            if int(pdf_page.obj.get("/Rotate", 0)) != rotation:
                raise ScanError(ScanProblem.FAILED, detail=f"page {number} lost its rotation")
            images = list(pdf_page.get_images().values())
            wanted = _FILTERS.get(page.path.suffix)
            if len(images) != 1 or (wanted and _filters(images[0]) != [wanted]):
                raise ScanError(ScanProblem.FAILED, detail=f"page {number} image re-encoded")


def _filters(image: pikepdf.Object) -> list[str]:
    """An image stream's /Filter as names (a single name or an array of them)."""
    value = image.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(item) for item in value]
    return [str(value)]


def _ends_with_eoi(path: Path) -> bool:
    """img2pdf reads only a JPEG's header, so a cut-off file would go into the PDF unnoticed:
    a complete one ends with the EOI marker."""
    try:
        with path.open("rb") as file:
            file.seek(-2, os.SEEK_END)
            return file.read(2) == b"\xff\xd9"
    except OSError:
        return False
