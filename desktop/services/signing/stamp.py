"""The visible signature stamp: the verification QR beside the UU ITE statement.

Indonesian offices print, on every electronically signed document, the statement found on
BSrE-signed letters: "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat
elektronik yang diterbitkan oleh BSrE" and UU ITE No. 11 Tahun 2008 Pasal 5 Ayat 1 (an
electronic document and its print-out are valid legal evidence). The issuer is named from the
certificate, so a local test or agency certificate never claims to be BSrE's.

Local signing draws the stamp with pyHanko's own text stamp (the appearance stream of the
signature field); the QR modules come from zxing-cpp like the receipt's (`documents.qr`) and
are drawn as the stamp's background, left-aligned, so pyHanko needs no `qrcode` package.
BSrE composes its appearance from an image (`imageTTD` / `imageBase64`), so for BSrE the same
stamp is rendered as a PNG with Pillow.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from datetime import datetime, timedelta

from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from desktop.services.documents.pdf_parts import FONT_DIR
from desktop.services.documents.qr import qr_modules
from desktop.services.signing.request import Rect

UU_ITE = (
    'UU ITE No. 11 Tahun 2008 Pasal 5 Ayat 1: "Informasi Elektronik dan/atau Dokumen '
    'Elektronik dan/atau hasil cetaknya merupakan alat bukti hukum yang sah."'
)
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
QUIET = 2  # modules of quiet zone around the QR (small: the stamp's own margin adds to it)


def statement(issuer: str) -> str:
    return (
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat "
        f"elektronik yang diterbitkan oleh {issuer}."
    )


def indonesian_datetime(moment: datetime) -> str:
    """'5 Maret 2025 14:05 WIB' (the zone named the Indonesian way when it is one of ours)."""
    offset = moment.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in _ZONES:
        zone = _ZONES[int(hours)]
    else:
        sign = "+" if offset >= timedelta(0) else "-"
        minutes = int(abs(offset.total_seconds()) // 60)
        zone = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M} {zone}"


def stamp_lines(signer: str, issuer: str, moment: datetime, width: int = 58) -> list[str]:
    lines = ["Ditandatangani secara elektronik oleh:", signer, indonesian_datetime(moment), ""]
    lines += textwrap.wrap(statement(issuer), width)
    lines += textwrap.wrap(UU_ITE, width)
    return lines


def _ascii(text: str) -> str:
    """pyHanko's built-in stamp font is a simple Latin font: fold accents, '?' for the rest."""
    folded = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return kept.encode("ascii", "replace").decode("ascii")


def _qr_content(url: str, rect: Rect) -> content.RawContent:
    """The QR in the left square of a content box as big as the stamp (stretched onto the
    stamp 1:1, so its size does not depend on how pyHanko scales the text)."""
    modules = qr_modules(url)
    size = len(modules) + 2 * QUIET
    cell = rect.height / size
    ops = [b"q", b"%.4f 0 0 %.4f 0 0 cm" % (cell, cell), b"0 0 0 rg"]
    for row_index, row in enumerate(modules):
        y = size - QUIET - 1 - row_index
        for col_index, dark in enumerate(row):
            if dark:
                ops.append(b"%d %d 1 1 re" % (QUIET + col_index, y))
    ops += [b"f", b"Q"]
    return content.RawContent(b"\n".join(ops), box=layout.BoxConstraints(rect.width, rect.height))


def stamp_style(
    url: str, rect: Rect, signer: str, issuer: str, moment: datetime
) -> tuple[TextStampStyle, dict[str, str]]:
    """pyHanko's text stamp with the QR as a left-aligned background; the text to its right.

    Returns the style and the `appearance_text_params` for `PdfSigner.sign_pdf`: the text
    travels as a parameter, so a '%' in a name is never read as a template."""
    qr_side = rect.height
    style = TextStampStyle(
        stamp_text="%(body)s",
        text_box_style=TextBoxStyle(font_size=8),
        background=_qr_content(url, rect),
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            inner_content_scaling=layout.InnerScaling.STRETCH_FILL,
        ),
        background_opacity=1.0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=int(qr_side) + 2, right=2, top=2, bottom=2),
        ),
        border_width=0,
    )
    body = "\n".join(_ascii(line) for line in stamp_lines(signer, issuer, moment))
    return style, {"body": body}


def stamp_png(url: str, rect: Rect, signer: str, issuer: str, moment: datetime) -> bytes:
    """The same stamp as an image (4 px per point), for BSrE's `imageTTD`/`imageBase64`."""
    scale = 4
    width, height = max(int(rect.width * scale), 1), max(int(rect.height * scale), 1)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    modules = qr_modules(url)
    size = len(modules) + 2 * QUIET
    cell = height / size
    for row_index, row in enumerate(modules):
        for col_index, dark in enumerate(row):
            if dark:
                x = (QUIET + col_index) * cell
                y = (QUIET + row_index) * cell
                draw.rectangle((x, y, x + cell, y + cell), fill="black")
    left = height + 2 * scale
    lines = stamp_lines(signer, issuer, moment)
    font_size = max(int((height - 4 * scale) / (len(lines) * 1.2)), 6)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), font_size)
    y_text = 2.0 * scale
    for line in lines:
        draw.text((left, y_text), line, fill="black", font=font)
        y_text += font_size * 1.2
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
