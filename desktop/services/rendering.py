"""Turn an uploaded document (PDF, JPEG, PNG, TIFF) into page images, without Qt.

The verifier's viewer calls this from a worker thread. Uploaded files come from citizens' phones,
old scanners and portals, so nothing about them is trusted: the real type is sniffed from the
first bytes (the declared content type is only used to say that the label was wrong), images
bigger than Pillow's decompression-bomb limit and PDFs with absurd page counts are refused, and
every failure becomes a `RenderError` with a message in Indonesian that can be shown as is.

PDFium is not thread-safe, so every PDFium call runs under one module-wide lock.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, cast

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES: Final = 64 * 1024 * 1024
"""Larger than any upload the server accepts (20 MiB), so only a broken source hits it."""
MAX_PAGES: Final = 200
"""A permohonan has a handful of pages; hundreds means a wrong file or an attack."""
DEFAULT_MAX_IMAGE_PIXELS: Final = 89_478_485
"""Pillow's own default, used when `Image.MAX_IMAGE_PIXELS` has been set to None."""
MAX_RENDER_PIXELS: Final = 40_000_000
"""Upper bound for one rendered bitmap; a huge PDF page is rendered smaller, not refused."""
PDF_POINTS_PER_INCH: Final = 72.0

_PDFIUM_LOCK = threading.Lock()
_PIL_OPEN_LOCK = threading.Lock()
"""`warnings.catch_warnings` edits global state; serialise our own uses of it."""


class DocumentKind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"

    @property
    def label(self) -> str:
        """Name a person at the counter recognises."""
        return _KIND_LABELS[self]

    @property
    def mime(self) -> str:
        return _KIND_MIME[self]


_KIND_LABELS: Final[dict[DocumentKind, str]] = {
    DocumentKind.PDF: "PDF",
    DocumentKind.JPEG: "gambar JPEG",
    DocumentKind.PNG: "gambar PNG",
    DocumentKind.TIFF: "gambar TIFF",
}
_KIND_MIME: Final[dict[DocumentKind, str]] = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.JPEG: "image/jpeg",
    DocumentKind.PNG: "image/png",
    DocumentKind.TIFF: "image/tiff",
}
_PIL_FORMAT: Final[dict[DocumentKind, str]] = {
    DocumentKind.JPEG: "JPEG",
    DocumentKind.PNG: "PNG",
    DocumentKind.TIFF: "TIFF",
}
_DECLARED: Final[dict[str, DocumentKind]] = {
    "application/pdf": DocumentKind.PDF,
    "application/x-pdf": DocumentKind.PDF,
    "image/jpeg": DocumentKind.JPEG,
    "image/jpg": DocumentKind.JPEG,
    "image/pjpeg": DocumentKind.JPEG,
    "image/png": DocumentKind.PNG,
    "image/tiff": DocumentKind.TIFF,
    "image/tif": DocumentKind.TIFF,
}
_OTHER_FORMATS: Final[tuple[tuple[bytes, str], ...]] = (
    (b"PK\x03\x04", "arsip ZIP (mungkin dokumen Word/Excel)"),
    (b"PK\x05\x06", "arsip ZIP kosong"),
    (b"Rar!", "arsip RAR"),
    (b"7z\xbc\xaf\x27\x1c", "arsip 7-Zip"),
    (b"\x1f\x8b", "arsip GZIP"),
    (b"\xd0\xcf\x11\xe0", "dokumen Office lama (.doc/.xls)"),
    (b"GIF8", "gambar GIF"),
    (b"BM", "gambar BMP"),
    (b"<!DOCTYPE", "halaman web (HTML)"),
    (b"<html", "halaman web (HTML)"),
    (b"<?xml", "berkas XML"),
)


class RenderError(Exception):
    """A document that cannot be shown. `str(error)` is Indonesian, for the person at the desk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DocumentProbe:
    """What a file really is, and how many pages it has."""

    kind: DocumentKind
    page_count: int
    declared: DocumentKind | None

    @property
    def mislabelled(self) -> bool:
        return self.declared is not None and self.declared is not self.kind

    @property
    def note(self) -> str | None:
        """A warning to show beside the pages when the label did not match the content."""
        if self.declared is None or not self.mislabelled:
            return None
        return (
            f"Berkas ini berlabel {self.declared.label}, tetapi isinya {self.kind.label}; "
            f"ditampilkan sesuai isinya."
        )


def sniff(data: bytes) -> DocumentKind | None:
    """The supported type by magic bytes, or None."""
    if data.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.PNG
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return DocumentKind.TIFF
    if b"%PDF-" in data[:1024] and _other_format(data) is None:
        # PDF readers accept a header within the first KiB (some scanners prepend junk), but a
        # ZIP that stores a PDF uncompressed must not pass as one.
        return DocumentKind.PDF
    return None


def _other_format(data: bytes) -> str | None:
    head = data[:16].lstrip()
    for magic, what in _OTHER_FORMATS:
        if head[: len(magic)].lower() == magic.lower():
            return what
    return None


def declared_kind(content_type: str | None) -> DocumentKind | None:
    """The type the uploader claimed, if it is one we know."""
    if not content_type:
        return None
    return _DECLARED.get(content_type.split(";", 1)[0].strip().lower())


def detect(data: bytes) -> DocumentKind:
    """The real type of `data`, or a `RenderError` that says what the file seems to be."""
    if not data:
        raise RenderError("empty", "Berkas kosong (0 byte); tidak ada yang dapat ditampilkan.")
    if len(data) > MAX_BYTES:
        raise RenderError(
            "too_large",
            f"Berkas terlalu besar ({len(data) / 1_048_576:.0f} MB; "
            f"batas {MAX_BYTES // 1_048_576} MB) untuk ditampilkan.",
        )
    kind = sniff(data)
    if kind is not None:
        return kind
    what = _other_format(data)
    if what is not None:
        raise RenderError(
            "unsupported",
            f"Berkas ini bukan PDF atau gambar (JPEG/PNG/TIFF), melainkan {what}; "
            f"tidak dapat ditampilkan.",
        )
    raise RenderError(
        "unsupported",
        "Jenis berkas tidak dikenali: bukan PDF, JPEG, PNG atau TIFF. "
        "Berkas mungkin rusak atau salah unggah.",
    )


def probe(
    data: bytes, content_type: str | None = None, *, max_pages: int = MAX_PAGES
) -> DocumentProbe:
    """Type and page count, checking every limit, without rendering anything."""
    kind = detect(data)
    if kind is DocumentKind.PDF:
        with _PDFIUM_LOCK:
            pdf = _open_pdf(data)
            try:
                count = _pdf_page_count(pdf, max_pages)
            finally:
                pdf.close()
    else:
        with _open_image(data, kind) as img:
            count = _frame_count(img, max_pages)
            for index in range(count):
                _seek(img, index)
                _check_pixels(img.size)
    return DocumentProbe(kind, count, declared_kind(content_type))


def render_pages(
    data: bytes,
    content_type: str | None = None,
    *,
    scale: float = 1.0,
    max_pages: int = MAX_PAGES,
    pages: Sequence[int] | None = None,
    max_side: int | None = None,
) -> list[Image.Image]:
    """Render `pages` (0-based; default all) as RGB images.

    `scale` is pixels per PDF point for PDFs (1.0 = 72 dpi) and a factor on the native size for
    images; `max_side` caps the longer side (thumbnails). `content_type` is not trusted: the
    content decides how the file is read.
    """
    del content_type  # sniffed instead; accepted so callers can pass what they have
    if scale <= 0:
        raise ValueError("scale must be positive")
    kind = detect(data)
    if kind is DocumentKind.PDF:
        return _render_pdf(data, scale=scale, max_pages=max_pages, pages=pages, max_side=max_side)
    return _render_image(
        data, kind, scale=scale, max_pages=max_pages, pages=pages, max_side=max_side
    )


# -- PDF -----------------------------------------------------------------------------------------


def _open_pdf(data: bytes) -> Any:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise RenderError(
                "encrypted",
                "PDF ini dilindungi kata sandi sehingga tidak dapat ditampilkan; "
                "minta berkas tanpa kata sandi.",
            ) from exc
        raise RenderError(
            "corrupt",
            "PDF rusak atau tidak lengkap (mungkin terpotong saat diunggah); "
            "tidak dapat ditampilkan.",
        ) from exc
    except MemoryError as exc:
        raise RenderError("too_large", "PDF terlalu besar untuk dibuka.") from exc


def _pdf_page_count(pdf: Any, max_pages: int) -> int:
    count = len(pdf)
    if count < 1:
        raise RenderError("corrupt", "PDF tidak berisi halaman.")
    if count > max_pages:
        raise RenderError(
            "too_many_pages",
            f"PDF berisi {count} halaman, melebihi batas {max_pages} halaman untuk ditampilkan.",
        )
    return count


def _render_pdf(
    data: bytes,
    *,
    scale: float,
    max_pages: int,
    pages: Sequence[int] | None,
    max_side: int | None,
) -> list[Image.Image]:
    out: list[Image.Image] = []
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
        try:
            # Form fields' appearances (a PAdES signature's visible stamp is a widget of the
            # signature field) are drawn only with the form environment, set up before any
            # page is loaded: without it the signed letter printed with an empty signature box.
            pdf.init_forms()
            count = _pdf_page_count(pdf, max_pages)
            for index in _indices(pages, count):
                page = pdf[index]
                try:
                    width, height = (float(v) for v in page.get_size())
                    if width <= 0 or height <= 0:
                        raise RenderError("corrupt", f"Halaman {index + 1} PDF tidak berukuran.")
                    factor = _fit(width, height, scale, max_side)
                    bitmap = page.render(scale=factor, may_draw_forms=True)
                    image = cast(Image.Image, bitmap.to_pil())
                    out.append(image if image.mode == "RGB" else image.convert("RGB"))
                except pdfium.PdfiumError as exc:
                    raise RenderError(
                        "corrupt", f"Halaman {index + 1} PDF rusak dan tidak dapat digambar."
                    ) from exc
                except MemoryError as exc:
                    raise RenderError(
                        "too_large", f"Halaman {index + 1} PDF terlalu besar untuk digambar."
                    ) from exc
                finally:
                    page.close()
        finally:
            pdf.close()
    return out


# -- images --------------------------------------------------------------------------------------


def _pixel_limit() -> int:
    limit = Image.MAX_IMAGE_PIXELS
    return int(limit) if limit else DEFAULT_MAX_IMAGE_PIXELS


def _bomb(size: tuple[int, int]) -> RenderError:
    return RenderError(
        "too_large",
        f"Gambar berukuran {size[0]} x {size[1]} piksel, melebihi batas aman "
        f"({_pixel_limit() / 1_000_000:.0f} juta piksel); tidak ditampilkan untuk mencegah "
        f"komputer macet.",
    )


def _check_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > _pixel_limit():
        raise _bomb(size)
    if size[0] < 1 or size[1] < 1:
        raise RenderError("corrupt", "Gambar tidak berukuran; berkas rusak.")


def _corrupt_image(kind: DocumentKind) -> RenderError:
    return RenderError(
        "corrupt",
        f"Berkas {kind.label} rusak atau tidak lengkap (mungkin terpotong saat diunggah); "
        f"tidak dapat ditampilkan.",
    )


def _open_image(data: bytes, kind: DocumentKind) -> Image.Image:
    with _PIL_OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]])
        except Image.DecompressionBombWarning as exc:
            raise RenderError(
                "too_large",
                f"Gambar melebihi batas aman ({_pixel_limit() / 1_000_000:.0f} juta piksel); "
                f"tidak ditampilkan untuk mencegah komputer macet.",
            ) from exc
        except Image.DecompressionBombError as exc:
            raise RenderError(
                "too_large",
                f"Gambar melebihi batas aman ({_pixel_limit() / 1_000_000:.0f} juta piksel); "
                f"tidak ditampilkan untuk mencegah komputer macet.",
            ) from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise _corrupt_image(kind) from exc
    _check_pixels(img.size)
    return img


def _frame_count(img: Image.Image, max_pages: int) -> int:
    count = int(getattr(img, "n_frames", 1) or 1)
    if count > max_pages:
        raise RenderError(
            "too_many_pages",
            f"Gambar berisi {count} halaman, melebihi batas {max_pages} halaman untuk ditampilkan.",
        )
    return count


def _seek(img: Image.Image, index: int) -> None:
    try:
        img.seek(index)
    except (EOFError, OSError, ValueError) as exc:
        raise RenderError("corrupt", f"Halaman {index + 1} gambar rusak.") from exc


def _to_rgb(frame: Image.Image) -> Image.Image:
    """RGB on a white background: transparent scans must not turn black."""
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if frame.mode.startswith("I;16") or frame.mode in ("I", "F"):
        # 16-bit / float greyscale (some scanners): stretch to 8 bits.
        grey = frame.convert("F")
        low, high = cast(tuple[float, float], grey.getextrema())
        span = (high - low) or 1.0
        return grey.point(lambda v: (v - low) * 255.0 / span).convert("L").convert("RGB")
    return frame if frame.mode == "RGB" else frame.convert("RGB")


def _render_image(
    data: bytes,
    kind: DocumentKind,
    *,
    scale: float,
    max_pages: int,
    pages: Sequence[int] | None,
    max_side: int | None,
) -> list[Image.Image]:
    out: list[Image.Image] = []
    with _open_image(data, kind) as img:
        count = _frame_count(img, max_pages)
        for index in _indices(pages, count):
            _seek(img, index)
            _check_pixels(img.size)
            factor = _fit(float(img.width), float(img.height), scale, max_side)
            try:
                if kind is DocumentKind.JPEG and factor < 1.0:
                    # Let libjpeg decode at 1/2, 1/4, 1/8 size: much faster for thumbnails.
                    img.draft("RGB", (int(img.width * factor), int(img.height * factor)))
                img.load()
                frame = ImageOps.exif_transpose(img) or img
                frame = _to_rgb(frame)
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise _corrupt_image(kind) from exc
            except MemoryError as exc:
                raise _bomb(img.size) from exc
            target = _fit(float(frame.width), float(frame.height), scale, max_side)
            if abs(target - 1.0) > 1e-3:
                size = (max(1, round(frame.width * target)), max(1, round(frame.height * target)))
                frame = frame.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
            out.append(frame)
    return out


# -- shared --------------------------------------------------------------------------------------


def _indices(pages: Sequence[int] | None, count: int) -> list[int]:
    if pages is None:
        return list(range(count))
    for index in pages:
        if not 0 <= index < count:
            raise RenderError(
                "no_such_page", f"Halaman {index + 1} tidak ada; dokumen berisi {count} halaman."
            )
    return list(pages)


def _fit(width: float, height: float, scale: float, max_side: int | None) -> float:
    """The scale to use: `scale`, reduced to respect `max_side` and the bitmap pixel budget."""
    factor = scale
    if max_side is not None and max(width, height) * factor > max_side:
        factor = max_side / max(width, height)
    if width * height * factor * factor > MAX_RENDER_PIXELS:
        factor = (MAX_RENDER_PIXELS / (width * height)) ** 0.5
    return factor
