"""What an uploaded file really is (by its first bytes) and a safe display name for it.

The declared Content-Type is only a hint from the client: a PNG sent as application/pdf is
stored as image/png, because every later consumer (viewer, PDF builder) must trust the stored
type. Anything that is not PDF, JPEG, PNG or TIFF by content is refused (415).
"""

from __future__ import annotations

import re

from server.text import strip_invisible

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
SNIFF_BYTES = 1024
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
}
MAX_FILENAME = 120


def sniff(head: bytes) -> str | None:
    """Content type from the first bytes; a PDF may have a little junk before `%PDF-`."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return "application/pdf"
    return None


_UNSAFE = re.compile(r"[<>:\"|?*]")


def safe_filename(raw: str | None, content_type: str) -> str:
    """Display-only base name: no directories (either slash), no invisible characters (controls,
    bidi and other format characters: `server.text`), NFC, no leading dots, bounded length;
    falls back to `dokumen.<ext>`."""
    ext = EXTENSIONS[content_type]
    name = strip_invisible(raw or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("", name)
    name = " ".join(name.split()).strip(" .")
    if name in ("", "..", "."):
        return "dokumen" + ext
    if len(name) > MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 8:
            name = stem[: MAX_FILENAME - len(suffix) - 1] + "." + suffix
        else:
            name = name[:MAX_FILENAME]
    return name
