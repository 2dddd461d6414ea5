"""Pages from files: images and PDFs the officer picks or drops, and the hot folder's files.

`FileImportBackend` is the "file:" device: the page editor hands it paths (`set_files`), then
scans it like any scanner, so imported pages go through the same pipeline, editor and PDF as
scanned ones. `pages_from_file` is the one reader both it and the hot folder use.

Why it is written this way:

- **The attachment checks first** (`attachments.check_file`: size, type by content, complete
  decode, the pixel limit against decompression bombs, the page limit). A refusal becomes
  `ScanError(BAD_FILE)` with the attachment message, which already names the file in Indonesian.
  Nothing here re-implements those limits.
- **One page at a time**: TIFF frames are decoded one by one and PDF pages are rendered one by
  one, each yielded before the next is read, so a 60-page 600 dpi PDF never sits in memory.
- **A PDF page's pixel size is checked before it is rendered**: a PDF has no pixels of its own,
  and a page 5 m wide rendered at 300 dpi is the same bomb as a 20,000 x 20,000 PNG.
- **EXIF orientation is applied** (a phone photo of a KTP held upright arrives upright).
- **`dpi` is what the officer chose**, `reported_dpi` what the file says (for the log only); a
  PDF is rendered AT the chosen dpi, so its pages come out at their true paper size.
- PDFium is not thread-safe: every call runs under the viewer's lock
  (`desktop.services.rendering`), taken per page, never across a `yield`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from desktop.services.attachments import (
    DEFAULT_LIMITS,
    AttachmentError,
    CheckedFile,
    Limits,
    check_file,
    safe_name,
)
from desktop.services.rendering import _PDFIUM_LOCK as PDFIUM_LOCK
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

log = logging.getLogger(__name__)

DEVICE_ID = "file:"
POINTS_PER_INCH = 72.0
_KEEP_MODES = {"1", "L", "RGB"}


def unreadable(display: str, *, pages_done: int, detail: str = "") -> ScanError:
    """The refusal for a file that passed the checks but cannot be decoded after all."""
    return ScanError(
        ScanProblem.BAD_FILE,
        pages_done=pages_done,
        detail=detail,
        message=f"Berkas '{display}' tidak dapat dibaca sebagai gambar atau PDF.",
    )


def _cancelled(pages_done: int) -> ScanError:
    return ScanError(ScanProblem.CANCELLED, pages_done=pages_done)


def _reported_dpi(info: Mapping[Any, Any]) -> int | None:
    dpi = info.get("dpi")
    if isinstance(dpi, tuple) and dpi:
        try:
            value = round(float(dpi[0]))
        except (TypeError, ValueError):
            return None
        return value if value > 0 else None
    return None


def _normalised(image: Image.Image) -> Image.Image:
    """Upright, and in a mode the pipeline knows ("1", "L" or "RGB"); transparency on white
    (a PNG cut-out of a KTP must not turn black)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in _KEEP_MODES:
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def pages_from_file(
    path: Path,
    settings: ScanSettings,
    cancel: CancelToken,
    *,
    first_index: int = 0,
    limits: Limits = DEFAULT_LIMITS,
    checked: CheckedFile | None = None,
) -> Iterator[ScannedPage]:
    """Every page of one image or PDF file, one at a time, numbered from `first_index`.

    Raises `ScanError(BAD_FILE)` naming the file (pages_done counts from `first_index`, so the
    pages of earlier files are counted too) or `ScanError(CANCELLED)` between pages.
    `checked`: `check_file`'s answer when the caller already has it (the hot folder)."""
    display = safe_name(path.name)
    if checked is None:
        try:
            checked = check_file(path, limits=limits)
        except AttachmentError as exc:
            raise ScanError(
                ScanProblem.BAD_FILE, pages_done=first_index, detail=str(path), message=exc.message
            ) from exc
    if checked.media_type == "application/pdf":
        yield from _pdf_pages(path, display, settings, cancel, first_index, limits)
    else:
        yield from _image_pages(path, display, settings, cancel, first_index)


def _image_pages(
    path: Path, display: str, settings: ScanSettings, cancel: CancelToken, first_index: int
) -> Iterator[ScannedPage]:
    index = first_index
    frame = 0
    while True:
        if cancel.cancelled:
            raise _cancelled(index)
        try:
            with Image.open(path) as im:
                try:
                    im.seek(frame)
                except EOFError:
                    return
                page = _normalised(im)  # always a new, loaded image: the file can close
                page.load()
                reported = _reported_dpi(im.info)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise unreadable(display, pages_done=index, detail=f"{path}: {exc}") from exc
        # The file is closed between frames (a hot folder file may be moved after this one).
        yield ScannedPage(image=page, index=index, dpi=settings.dpi, reported_dpi=reported)
        index += 1
        frame += 1


def _pdf_pages(
    path: Path,
    display: str,
    settings: ScanSettings,
    cancel: CancelToken,
    first_index: int,
    limits: Limits,
) -> Iterator[ScannedPage]:
    scale = settings.dpi / POINTS_PER_INCH
    grey = settings.mode in (ColourMode.GREY, ColourMode.BW)
    index = first_index
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(str(path))
            count = len(document)
    except pdfium.PdfiumError as exc:
        raise unreadable(display, pages_done=index, detail=f"{path}: {exc}") from exc
    try:
        for number in range(count):
            if cancel.cancelled:
                raise _cancelled(index)
            image = _render(document, number, scale, grey, display, index, limits, path)
            yield ScannedPage(image=image, index=index, dpi=settings.dpi, reported_dpi=None)
            index += 1
    finally:
        with PDFIUM_LOCK:
            document.close()


def _render(
    document: Any,
    number: int,
    scale: float,
    grey: bool,
    display: str,
    index: int,
    limits: Limits,
    path: Path,
) -> Image.Image:
    with PDFIUM_LOCK:
        try:
            page = document[number]
        except pdfium.PdfiumError as exc:
            raise unreadable(display, pages_done=index, detail=f"{path} p{number + 1}") from exc
        try:
            width, height = (float(v) for v in page.get_size())
            pixels = (width * scale) * (height * scale)
            if width <= 0 or height <= 0:
                raise unreadable(display, pages_done=index, detail=f"{path} p{number + 1} size")
            if pixels > limits.max_pixels:
                raise ScanError(
                    ScanProblem.BAD_FILE,
                    pages_done=index,
                    detail=f"{path} p{number + 1}: {width:.0f} x {height:.0f} pt at {scale:.2f}",
                    message=(
                        f"Halaman {number + 1} berkas '{display}' terlalu besar untuk resolusi "
                        "ini; impor dengan resolusi lebih rendah."
                    ),
                )
            bitmap = page.render(scale=scale, grayscale=grey)
            image = cast(Image.Image, bitmap.to_pil())
        except pdfium.PdfiumError as exc:
            raise unreadable(display, pages_done=index, detail=f"{path} p{number + 1}") from exc
        finally:
            page.close()
    if image.mode not in _KEEP_MODES:
        image = image.convert("RGB")
    return image


class FileImportBackend:
    """The "file:" device: the files given to `set_files`, in that order, page by page.

    A refused file ends the stream with `ScanError(BAD_FILE)` naming it; the pages of the files
    before it (and of its own pages before the bad one) have been yielded and are kept."""

    name = "file"

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._files: tuple[Path, ...] = ()

    def set_files(self, paths: Sequence[Path | str]) -> None:
        """The files the next `scan` reads (dropped or picked in the page editor)."""
        self._files = tuple(Path(p) for p in paths)

    def devices(self) -> list[ScannerInfo]:
        return [
            ScannerInfo(
                id=DEVICE_ID,
                name="Impor berkas",
                backend=self.name,
                detail="Gambar (JPEG, PNG, TIFF) atau PDF dari komputer ini",
            )
        ]

    def capabilities(self, device_id: str) -> Capabilities:
        self._check_id(device_id)
        return Capabilities(
            sources=(Source.FLATBED,),
            resolutions=(150, 200, 300, 400, 600),
            modes=(ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW),
        )

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        self._check_id(device_id)
        if not self._files:
            raise ScanError(
                ScanProblem.NO_PAPER, message="Belum ada berkas yang dipilih untuk diimpor."
            )
        return self._pages(self._files, settings, cancel)

    def _pages(
        self, files: tuple[Path, ...], settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        index = 0
        for path in files:
            for page in pages_from_file(
                path, settings, cancel, first_index=index, limits=self._limits
            ):
                yield page
                index += 1

    def _check_id(self, device_id: str) -> None:
        if device_id != DEVICE_ID:
            raise ScanError(ScanProblem.UNPLUGGED, detail=f"not a file import id: {device_id}")
