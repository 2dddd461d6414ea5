"""What the counter's papers share: the embedded font, paper sizes, styles, the letterhead, and
building a PDF into bytes that are the same for the same input (tests compare them).

The font is DejaVu Sans, shipped in resources/fonts (licence beside it): the standard PDF fonts
only cover WinAnsi, and names typed at the counter hold letters outside it (Ŋ, ğ, ə, Arabic) and
the receipt itself prints an em dash. A TrueType font is embedded as a subset, so a PDF opened on
a PC without DejaVu looks the same. A character the font lacks prints as its empty box, never
an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Literal
from xml.sax.saxutils import escape

# reportlab finds its C helpers (the rl-accel distribution) by itself; importing them here makes
# a broken install fail at once instead of rendering every receipt ~15% slower.
import _rl_accel  # noqa: F401
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, HRFlowable, Image, Table, TableStyle
from reportlab.platypus import Paragraph as PlatypusParagraph

from desktop.services.documents.qr import qr_modules as qr_modules

Paper = Literal["A4", "F4"]
PAPERS: Final[dict[str, tuple[float, float]]] = {
    "A4": (210 * mm, 297 * mm),
    "F4": (215 * mm, 330 * mm),
}
"""Portrait (width, height) in points. F4 as Indonesian offices buy it (215 x 330 mm, also sold
as "folio"/"Legal Indonesia")."""

FONT: Final = "LoketSans"
FONT_BOLD: Final = "LoketSans-Bold"
RESOURCES: Final = Path(__file__).resolve().parents[3] / "resources"
FONT_DIR: Final = RESOURCES / "fonts"
LOGO_CANDIDATES: Final = (RESOURCES / "branding" / "logo.png", RESOURCES / "branding" / "logo.jpg")
"""Where a city puts its emblem for the letterhead; none is shipped (no invented data)."""

_FONT_LOCK = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the embedded font once per process (parsing the TTF costs ~20 ms)."""
    global _fonts_ready
    with _FONT_LOCK:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
        _fonts_ready = True


def default_logo() -> Path | None:
    """The city's emblem from resources/branding, when one was installed."""
    return next((p for p in LOGO_CANDIDATES if p.is_file()), None)


def text(value: str) -> str:
    """Plain text for a Paragraph: markup characters escaped, control characters dropped."""
    cleaned = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)
    return escape(cleaned).replace("\n", "<br/>")


class Paragraph(PlatypusParagraph):  # type: ignore[misc]
    """reportlab's Paragraph, wrapped (its lines broken) once per width. reportlab wraps a
    paragraph each time it is asked: for the measuring, for the frame, and again to draw a
    table cell; that was a quarter of a receipt's time. The lines depend on the width only
    (no shrink-to-fit or ellipsis here), so the answer for the same width is kept."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        wrapped = self._wrapped
        # split() deletes blPara when the paragraph moves on whole: then wrap it anew
        if wrapped is not None and wrapped[0] == availWidth and "blPara" in self.__dict__:
            return wrapped[1]
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size)
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """The parts are new paragraphs that copy this one's attributes: not its wrap."""
        parts: list[Flowable] = super().split(availWidth, availHeight)
        for part in parts:
            if isinstance(part, Paragraph):
                part._wrapped = None
        return parts


class Styles:
    """Paragraph styles at one scale (a long receipt shrinks a little before it spills over)."""

    def __init__(self, scale: float = 1.0, *, base: float = 9.0) -> None:
        size = base * scale
        self.scale = scale
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=size, leading=size * 1.25)
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=size * 0.85, leading=size * 1.05
        )
        self.label = ParagraphStyle("label", parent=self.small, textColor=colors.HexColor("#444"))
        self.bold = ParagraphStyle("bold", parent=self.body, fontName=FONT_BOLD)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.center_small = ParagraphStyle("center_small", parent=self.small, alignment=TA_CENTER)
        self.government = ParagraphStyle(
            "government", parent=self.center, fontName=FONT_BOLD, fontSize=size, leading=size * 1.2
        )
        self.office = ParagraphStyle(
            "office",
            parent=self.center,
            fontName=FONT_BOLD,
            fontSize=size * 1.3,
            leading=size * 1.55,
        )
        self.title = ParagraphStyle(
            "title",
            parent=self.center,
            fontName=FONT_BOLD,
            fontSize=size * 1.15,
            leading=size * 1.45,
            spaceBefore=size * 0.4,
            spaceAfter=size * 0.3,
        )
        self.number = ParagraphStyle(
            "number",
            parent=self.center,
            fontName=FONT_BOLD,
            fontSize=size * 1.9,
            leading=size * 2.3,
        )
        self.notice = ParagraphStyle(
            "notice",
            parent=self.center,
            fontName=FONT_BOLD,
            borderColor=colors.black,
            borderWidth=0.8,
            borderPadding=size * 0.35,
            spaceBefore=size * 0.5,
            spaceAfter=size * 0.7,
        )


def letterhead(
    width: float,
    styles: Styles,
    *,
    government: str,
    office_name: str,
    office_address: str,
    logo: Path | None,
) -> list[Flowable]:
    """Kop surat: the government line, the office, its address, a rule. Empty lines are left
    out rather than filled with made-up text."""
    lines: list[Flowable] = []
    if government.strip():
        lines.append(Paragraph(text(government.strip().upper()), styles.government))
    if office_name.strip():
        lines.append(Paragraph(text(office_name.strip().upper()), styles.office))
    if office_address.strip():
        lines.append(Paragraph(text(office_address.strip()), styles.center_small))
    head: list[Flowable]
    if logo is not None:
        side = 16 * mm * styles.scale
        image = Image(str(logo), width=side, height=side, kind="proportional")
        table = Table([[image, lines]], colWidths=[side + 2 * mm, width - side - 2 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        head = [table]
    else:
        head = lines
    return [*head, HRFlowable(width="100%", thickness=1.2, spaceBefore=2, spaceAfter=3)]


def field_table(
    rows: Sequence[tuple[str, str]], width: float, styles: Styles, *, label_width: float
) -> Table:
    """Label/value pairs, both wrapping inside their column."""
    data = [[Paragraph(text(k), styles.label), Paragraph(text(v), styles.body)] for k, v in rows]
    table = Table(data, colWidths=[label_width, width - label_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def numbered(items: Sequence[str], styles: Styles) -> list[Flowable]:
    """1. ... 2. ... with a hanging indent, so a long line wraps under its text."""
    indent = styles.body.fontSize * 1.8
    style = ParagraphStyle(
        "item",
        parent=styles.body,
        leftIndent=indent,
        bulletIndent=0,
        bulletFontName=FONT,
        bulletFontSize=styles.body.fontSize,
    )
    return [Paragraph(text(item), style, bulletText=f"{i}.") for i, item in enumerate(items, 1)]


class QrFlowable(Flowable):  # type: ignore[misc]
    """A QR code of `side` points square, quiet zone included, drawn as one filled path of
    row runs (reportlab's QrCodeWidget encodes twice and draws a rectangle per module: 40 ms).
    The modules come from `qr.qr_modules` (zxing-cpp's encoder)."""

    QUIET = 4
    """Modules of white border the standard asks for."""

    def __init__(self, value: str, side: float) -> None:
        super().__init__()
        self.value = value
        self.side = side
        self.width = self.height = side

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.side, self.side

    def draw(self) -> None:
        modules = qr_modules(self.value)
        count = len(modules)
        unit = self.side / (count + 2 * self.QUIET)
        # In module units, one "x y w 1 re" per dark run, written as PDF operators: integer
        # coordinates need no float formatting (reportlab's rect() formats four floats per
        # call in Python: ~3 ms for a receipt's QR).
        top = count + self.QUIET - 1
        runs: list[str] = []
        for r, row in enumerate(modules):
            y = top - r
            c = 0
            while c < count:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < count and row[c]:
                    c += 1
                runs.append(f"{start + self.QUIET} {y} {c - start} 1 re")
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        canvas.scale(unit, unit)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()


def total_height(flowables: Sequence[Flowable], width: float) -> float:
    """Height the flowables take in one column of `width` (spacing included)."""
    height = 0.0
    for index, flowable in enumerate(flowables):
        _w, h = flowable.wrap(width, 1e6)
        height += h + flowable.getSpaceAfter()
        if index:
            height += flowable.getSpaceBefore()
    return height


def canvas_maker(created: datetime | None) -> Callable[..., Canvas]:
    """A Canvas whose output depends only on what is drawn: `created` (default 2000-01-01 UTC,
    reportlab's invariant date) is the creation date and the file id is fixed. Call
    register_fonts() first: the canvas starts in the embedded font."""

    stamp_time = (created or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def make(*args: Any, **kwargs: Any) -> Canvas:
        kwargs["invariant"] = 1
        # reportlab starts every page in Helvetica, which is then listed (not embedded) in the
        # PDF even if never used: start in the embedded font instead (pdffonts: all embedded)
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
        canvas = Canvas(*args, **kwargs)
        stamp = TimeStamp(invariant=1)
        stamp.t = stamp_time.timestamp()
        stamp.lt = stamp_time.timetuple()
        stamp.YMDhms = tuple(stamp.lt)[:6]
        canvas._doc._timeStamp = stamp
        return canvas

    return make


def to_bytes(build: Callable[[BytesIO], None]) -> bytes:
    out = BytesIO()
    build(out)
    return out.getvalue()


def kop_surat(
    width: float,
    lines: Sequence[str],
    address: str,
    *,
    logo: Path | None,
    size: float = 12.0,
) -> list[Flowable]:
    """A letter's kop surat (tata naskah dinas): the government lines centred, the last one (the
    office) largest, the address small under them, the emblem at the left, and the double rule
    (thick over thin) across the text width."""
    count = len(lines)
    flows: list[Flowable] = []
    for index, line in enumerate(lines):
        last = index == count - 1
        style = ParagraphStyle(
            f"kop{index}",
            fontName=FONT_BOLD,
            fontSize=size * (1.35 if last else 1.0),
            leading=size * (1.6 if last else 1.2),
            alignment=TA_CENTER,
        )
        flows.append(Paragraph(text(line), style))
    if address.strip():
        style = ParagraphStyle(
            "kop_address",
            fontName=FONT,
            fontSize=size * 0.72,
            leading=size * 0.9,
            alignment=TA_CENTER,
        )
        flows.append(Paragraph(text(address.strip()), style))
    head: list[Flowable]
    if logo is not None:
        side = 22 * mm
        image = Image(str(logo), width=side, height=side, kind="proportional")
        # the lines centred on the page, not on what is left beside the emblem
        table = Table(
            [[image, flows, ""]],
            colWidths=[side + 2 * mm, width - 2 * (side + 2 * mm), side + 2 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        head = [table]
    else:
        head = flows
    return [
        *head,
        HRFlowable(width="100%", thickness=2.2, spaceBefore=4, spaceAfter=1.2),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=0, spaceAfter=8),
    ]


def unprintable(value: str) -> tuple[str, str] | None:
    """(character, script name in Indonesian) of the first character the letter cannot print
    right, or None. Two kinds: right-to-left script (Arabic: DejaVu has the glyphs, but
    reportlab neither shapes nor reorders them, so the word would print as separate letters
    backwards) and characters the embedded font lacks (Javanese script: printed as empty
    boxes)."""
    import unicodedata

    register_fonts()
    glyphs = pdfmetrics.getFont(FONT).face.charToGlyph
    for ch in value:
        if ch in "\n\t":
            continue
        rtl = unicodedata.bidirectional(ch) in ("R", "AL", "AN")
        if rtl or ord(ch) not in glyphs:
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else ""
            return ch, SCRIPT_NAMES.get(script, f"huruf {script.title() or 'tak dikenal'}")
    return None


SCRIPT_NAMES: Final = {
    "ARABIC": "huruf Arab (Jawi/Pegon)",
    "JAVANESE": "aksara Jawa",
    "HEBREW": "huruf Ibrani",
    "BALINESE": "aksara Bali",
    "SUNDANESE": "aksara Sunda",
    "BUGINESE": "aksara Lontara",
    "CJK": "huruf Han",
}
