"""Checking a file before it is attached to an application at the counter.

`check_file(path)` answers with a `CheckedFile` (sniffed media type, size, pages or pixel size,
a safe display name) or raises `AttachmentError` with an Indonesian message that names the file.
It reads the file (Pillow decodes images, pikepdf opens PDFs): call it off the GUI thread.

The decisions, and why:

- **Size first, from `stat`**: a 200 MB file is refused before a byte is read (`Limits.max_bytes`,
  20 MB per file by default, the server's own limit is larger); zero bytes is refused too.
- **Type by content, never by extension**: only PDF, JPEG, PNG and TIFF (what the server accepts;
  it sniffs as well). A ``.pdf`` that is really a Word file is refused.
- **Images are decoded completely** (a truncated JPEG or a PNG with a bad chunk is refused: the
  verifier would see half a KTP). A picture over `Limits.max_pixels` (80 megapixels: an A3 page
  scanned at 600 dpi is ~70) is refused *before* decoding: a 20,000 x 20,000 PNG of a few KB
  would need 1.2 GB of memory (a decompression bomb). Pillow's own guard warns from ~89 MP and
  refuses from ~179 MP; both are turned into the same refusal.
- **Pages**: a PDF or TIFF of more than `Limits.max_pages` (500) pages is refused, counted
  without reading further: a 12 MB PDF can hold 100,000 blank pages and a 2 MB TIFF 16,000
  frames (counting those took 5 s and each page is work for every later viewer). Every TIFF
  frame's pixel size is checked, not only the first one's (frame 2 could be the bomb).
- **PDF with a broken cross-reference table**: accepted when qpdf can rebuild it, with a `note`
  saying so ("diperbaiki"), and the file is kept AS GIVEN (its SHA-256 is the one of what the
  citizen brought). Why: every PDF viewer (the verifier's too) rebuilds such tables the same way,
  and scanners and phone apps often write them; refusing would send a citizen home for a file
  that opens everywhere. The note makes the operator look at it before submitting. A PDF that
  cannot be rebuilt, or has no pages, is refused.
- **Encrypted PDF**: refused when it needs a password to open (nobody at the office could read
  it). A PDF encrypted only against editing/printing (empty user password) opens for everyone
  and is accepted.
- **File name**: `safe_name` gives a display name without directories (``../``), control or
  bidirectional-override characters (U+202E makes "gpj.exe" look like "exe.jpg"); it is only
  ever shown and sent as the file name, never used as a path.
"""

from __future__ import annotations

import errno
import stat
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, UnidentifiedImageError

from desktop.services.api.errors import LoketError
from desktop.services.intake import MEDIA_TYPES, sniff  # one list of accepted types

MB = 1024 * 1024
HEAD = 16

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}
_WARNINGS_LOCK = threading.Lock()  # warnings.catch_warnings changes process-wide state


class AttachmentError(LoketError):
    """This file cannot be attached; `message` (Indonesian) names it and says why. Nothing
    already attached is touched."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MB
    max_pixels: int = 80_000_000
    max_pages: int = 500


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class CheckedFile:
    """A file fit to attach. `pages` for a PDF or TIFF, `width`/`height` for an image (the
    first page of a TIFF). `note` is a warning to show (empty when there is none)."""

    media_type: str
    size: int
    safe_name: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    note: str = ""


_DROP_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
"""Control, format (bidi overrides and isolates, zero-width), private, surrogate, unassigned."""
MAX_NAME = 120


def safe_name(name: str) -> str:
    """A name fit to show and to send as a file name: the last path component only, no control
    or bidi characters, no leading dots, at most `MAX_NAME` characters (the extension kept)."""
    text = unicodedata.normalize("NFC", name)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if unicodedata.category(c) in ("Zs", "Zl", "Zp") or c in "\t\n\r" else c
        for c in text
        if unicodedata.category(c) not in _DROP_CATEGORIES or c in "\t\n\r"
    )
    text = " ".join(text.split()).lstrip(". ").rstrip(" ")
    while ".." in text:
        text = text.replace("..", ".")
    if not text:
        return "berkas"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:MAX_NAME]
    return text


def _size_text(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".", ",")
    return f"{max(1, size // 1024)} KB"


def check_size(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> int:
    """The file's size from `stat`, refusing a folder, a missing or unreadable file, zero bytes
    and anything over the limit without reading it."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise AttachmentError(f"Berkas '{display}' tidak ditemukan.") from exc
    except ValueError as exc:  # a NUL in the path (a dropped URL with %00): no such file
        raise AttachmentError(f"Berkas '{display}' tidak ditemukan.") from exc
    except OSError as exc:
        raise AttachmentError(
            f"Berkas '{display}' tidak dapat dibaca ({exc.strerror or type(exc).__name__})."
        ) from exc
    if stat.S_ISDIR(info.st_mode):
        raise AttachmentError(f"'{display}' adalah folder, bukan berkas. Pilih berkasnya.")
    if not stat.S_ISREG(info.st_mode):
        raise AttachmentError(f"'{display}' bukan berkas biasa; tidak dapat dilampirkan.")
    if info.st_size == 0:
        raise AttachmentError(f"Berkas '{display}' kosong (0 byte).")
    if info.st_size > limits.max_bytes:
        raise AttachmentError(
            f"Berkas '{display}' terlalu besar ({_size_text(info.st_size)}; batas "
            f"{_size_text(limits.max_bytes)} per berkas). Pindai ulang dengan resolusi lebih "
            "rendah atau pecah menjadi beberapa berkas."
        )
    return info.st_size


def check_file(
    path: Path, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> CheckedFile:
    """Check `path` (see the module's docstring). `name` is the name to show (the path's own
    name by default: pass the original name when checking a private copy)."""
    display = safe_name(name if name is not None else path.name)
    size = check_size(path, display, limits)
    try:
        with path.open("rb") as f:
            head = f.read(HEAD)
    except OSError as exc:
        raise AttachmentError(
            f"Berkas '{display}' tidak dapat dibaca ({exc.strerror or type(exc).__name__})."
        ) from exc
    media = sniff(head)
    if media is None:
        raise AttachmentError(
            f"Jenis berkas '{display}' tidak didukung: isinya bukan PDF, JPEG, PNG atau TIFF "
            "(nama berkas tidak menentukan jenisnya)."
        )
    if media == "application/pdf":
        return _check_pdf(path, display, size, limits)
    return _check_image(path, display, size, media, limits)


def _too_many_pages(display: str, limits: Limits) -> AttachmentError:
    return AttachmentError(
        f"Berkas '{display}' berisi lebih dari {limits.max_pages} halaman; lampirkan hanya "
        "halaman yang diperlukan."
    )


def _check_image(path: Path, display: str, size: int, media: str, limits: Limits) -> CheckedFile:
    broken = f"Berkas gambar '{display}' rusak atau terpotong; pindai atau salin ulang."
    too_many = (
        f"Gambar '{display}' terlalu besar dalam piksel (batas "
        f"{limits.max_pixels // 1_000_000} megapiksel); pindai ulang dengan resolusi lebih rendah."
    )
    try:
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[_PILLOW_FORMATS[media]]) as im:
                width, height = im.size
                if width * height > limits.max_pixels:
                    raise AttachmentError(too_many)
                frames = _tiff_frames(im, display, limits) if media == "image/tiff" else 1
                if media == "image/jpeg":
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AttachmentError(too_many) from exc
    except MemoryError as exc:
        raise AttachmentError(too_many) from exc
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EIO):
            raise AttachmentError(
                f"Berkas '{display}' tidak dapat dibaca ({exc.strerror})."
            ) from exc
        raise AttachmentError(broken) from exc
    except (UnidentifiedImageError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise AttachmentError(broken) from exc
    pages = frames if media == "image/tiff" else None
    return CheckedFile(media, size, display, pages=pages, width=width, height=height)


def _tiff_frames(im: Image.Image, display: str, limits: Limits) -> int:
    """Count a TIFF's frames up to the page limit, checking each one's pixel size (not
    `n_frames`, which walks every frame of the file first), and come back to the first."""
    count = 1
    while True:
        try:
            im.seek(count)
        except EOFError:
            break
        count += 1
        if count > limits.max_pages:
            raise _too_many_pages(display, limits)
        width, height = im.size
        if width * height > limits.max_pixels:
            raise Image.DecompressionBombError(f"frame {count}: {width} x {height}")
    im.seek(0)
    return count


REPAIRED_NOTE = (
    "Struktur PDF rusak tetapi dapat dibaca (diperbaiki otomatis saat dibuka, seperti di "
    "penampil PDF); berkas disimpan apa adanya. Periksa isinya sebelum diajukan."
)


def _check_pdf(path: Path, display: str, size: int, limits: Limits) -> CheckedFile:
    locked = (
        f"Berkas PDF '{display}' terkunci kata sandi; minta berkas tanpa kata sandi atau "
        "pindai dokumen aslinya."
    )
    broken = f"Berkas PDF '{display}' rusak dan tidak dapat dibaca; pindai atau salin ulang."
    try:
        pages, repaired = _pdf_pages(path, limits, display, recover=False), False
    except pikepdf.PasswordError as exc:
        raise AttachmentError(locked) from exc
    except (pikepdf.PdfError, ValueError, KeyError, AttributeError):
        try:
            pages, repaired = _pdf_pages(path, limits, display, recover=True), True
        except pikepdf.PasswordError as exc:
            raise AttachmentError(locked) from exc
        except (pikepdf.PdfError, ValueError, KeyError, AttributeError) as exc:
            raise AttachmentError(broken) from exc
    except OSError as exc:
        raise AttachmentError(
            f"Berkas '{display}' tidak dapat dibaca ({exc.strerror or type(exc).__name__})."
        ) from exc
    if pages < 1:
        raise AttachmentError(f"Berkas PDF '{display}' tidak berisi halaman.")
    note = REPAIRED_NOTE if repaired else ""
    return CheckedFile("application/pdf", size, display, pages=pages, note=note)


def _pdf_pages(path: Path, limits: Limits, display: str, *, recover: bool) -> int:
    """The page count, with the page tree walked (qpdf reads objects lazily: a broken table
    shows only when they are read). Without `recover`, qpdf's warnings count as broken. Over
    the page limit: refused before a page is read."""
    with pikepdf.open(path, attempt_recovery=recover) as pdf:
        declared = pdf.Root.Pages.get("/Count", 0)
        if isinstance(declared, int) and declared > limits.max_pages:
            raise _too_many_pages(display, limits)  # before qpdf flattens the whole tree
        pages = len(pdf.pages)
        if pages > limits.max_pages:
            raise _too_many_pages(display, limits)
        for page in pdf.pages:
            _ = page.mediabox
        if not recover and pdf.get_warnings():
            raise pikepdf.PdfError("; ".join(pdf.get_warnings()[:3]))
        return pages


__all__ = [
    "DEFAULT_LIMITS",
    "MEDIA_TYPES",
    "REPAIRED_NOTE",
    "AttachmentError",
    "CheckedFile",
    "Limits",
    "check_file",
    "check_size",
    "safe_name",
    "sniff",
]
