"""Tanda terima: the paper a citizen takes home after handing in an application (Perwali
Pekanbaru Pasal 8: a resi with the registration number).

Two layouts, one content:

- ``"half"``: the top half of an A4 or F4 sheet, portrait, with a cut line across the middle
  (offices print on the paper they have and cut it; the bottom half stays free for the next).
- ``"roll80"``: an 80 mm thermal receipt roll, 72 mm printable, the page as long as the content.

The number is printed large and as a Code 128 barcode (the counter's barcode reader types it
back), and the status link as a QR code. The link carries the application's random status token
(registration numbers are sequential and guessable; see the server's /status). A provisional
number (made offline) is marked as such: the official one follows after synchronisation, and the
provisional one keeps working for the status check.

Long names, long addresses and many documents wrap; on the half sheet the content is first
drawn a little smaller, then continues on the next sheet's top half, so nothing is ever clipped.
Everything is text in the PDF (searchable, `pdftotext` reads it back), the NIK is always masked.

Qt-free and quick (~10 ms, bench/receipt.py): rendered on the GUI thread or a worker alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Final, Literal

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop.domain.formatting import format_date, format_time, local, zone_for_region, zone_name
from desktop.domain.identity import mask_nik
from desktop.services.documents.pdf_parts import (
    FONT,
    FONT_BOLD,
    PAPERS,
    Paper,
    Paragraph,
    QrFlowable,
    Styles,
    canvas_maker,
    field_table,
    letterhead,
    numbered,
    register_fonts,
    text,
    to_bytes,
    total_height,
)
from desktop.services.documents.revision_list import (
    RevisionItem as RevisionItem,
)
from desktop.services.documents.revision_list import (
    RevisionListData as RevisionListData,
)
from desktop.services.documents.revision_list import (
    render_revision_list as render_revision_list,
)

Layout = Literal["half", "roll80"]
LAYOUTS: Final = ("half", "roll80")

PROVISIONAL_NOTICE: Final = "NOMOR SEMENTARA — nomor resmi menyusul"
ROLL_WIDTH: Final = 80 * mm
ROLL_PRINTABLE: Final = 72 * mm
"""An 80 mm roll prints 72 mm (576 dots at 203 dpi) on the common ESC/POS printers."""
ROLL_MIN_HEIGHT: Final = 100 * mm
HALF_MARGIN_X: Final = 15 * mm
HALF_MARGIN_TOP: Final = 12 * mm
HALF_MARGIN_BOTTOM: Final = 10 * mm
"""Above the cut line: a slightly crooked cut still keeps the last line."""
MIN_SCALE: Final = 0.78
"""The half sheet's content is drawn smaller down to this scale; below it, it continues on the
next sheet's top half instead (smaller print is hard to read at the counter)."""
MAX_BAR_WIDTH: Final = 0.33 * mm
"""Code 128 module width cap: wider reads no better and eats the paper."""


@dataclass(frozen=True)
class ReceiptData:
    """What a tanda terima says. Text is printed as given (never recased, never invented):
    empty letterhead lines are left out. `masked_nik` is masked again when printed, so a full
    NIK passed by mistake still never reaches the paper."""

    office_name: str
    office_address: str
    number: str
    provisional: bool
    service_name: str
    applicant_name: str
    masked_nik: str
    documents: Sequence[str]
    received_at: datetime
    """When the counter received the file (aware); printed in the office's zone."""
    expected: date | None
    """Expected completion (working days, domain.sla); None prints 'diberitahukan kemudian'."""
    officer: str
    status_url: str | None
    """The public status link with the application's token; None: no QR (not known yet)."""
    government: str = ""
    """The line above the office, e.g. 'Pemerintah Kota Pekanbaru' (printed upper case)."""
    office_code: str = ""
    """The office's region code: chooses WIB/WITA/WIT (domain.formatting.zone_for_region)."""
    logo: Path | None = None
    """The city's emblem (pdf_parts.default_logo() finds one installed in resources)."""
    documents_note: str = ""
    """An optional line under the documents (e.g. 'asli diperlihatkan, salinan diterima')."""
    extra: Sequence[tuple[str, str]] = field(default_factory=tuple)
    """More label/value rows for a service that needs them (printed after the officer)."""


def render_receipt(
    data: ReceiptData,
    *,
    layout: Layout = "half",
    paper: Paper = "A4",
    created: datetime | None = None,
) -> bytes:
    """The tanda terima as PDF bytes. `paper` matters for ``"half"`` only. The output is the
    same bytes for the same arguments: `created` (default 2000-01-01) is the PDF's creation
    date, never the clock."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown receipt layout: {layout!r}")
    if paper not in PAPERS:
        raise ValueError(f"unknown paper: {paper!r}")
    register_fonts()
    if layout == "roll80":
        return _render_roll(data, created)
    return _render_half(data, paper, created)


# -- content ----------------------------------------------------------------------------------


def received_text(data: ReceiptData) -> str:
    """24 November 2026 pukul 10.45 WIB, in the office's zone."""
    tz = zone_for_region(data.office_code) if data.office_code else None
    loc = local(data.received_at, tz)
    return f"{format_date(loc.date())} pukul {format_time(loc, tz)} {zone_name(loc)}"


def expected_text(expected: date | None) -> str:
    return format_date(expected) if expected is not None else "diberitahukan kemudian"


def _barcode(value: str, width: float, height: float) -> Code128:
    probe = Code128(value, barWidth=1, barHeight=height, humanReadable=False)
    bar_width = min(MAX_BAR_WIDTH, width / float(probe.width))
    code = Code128(value, barWidth=bar_width, barHeight=height, humanReadable=False)
    code.hAlign = "CENTER"
    return code


def _qr(value: str, side: float) -> QrFlowable:
    code = QrFlowable(value, side)
    code.hAlign = "CENTER"
    return code


def _number_style(number: str, width: float, styles: Styles) -> ParagraphStyle:
    """The number on one line: a long provisional number is set smaller, never wrapped (a
    number broken over two lines is misread)."""
    style = styles.number
    needed = stringWidth(number, FONT_BOLD, style.fontSize)
    if needed <= width:
        return style
    size = style.fontSize * width / needed * 0.98
    return ParagraphStyle("number_fit", parent=style, fontSize=size, leading=size * 1.2)


def _status_lines(data: ReceiptData, styles: Styles) -> list[Flowable]:
    lines = [
        Paragraph(
            "<b>Cek status berkas:</b> "
            + (
                "pindai kode QR dengan ponsel, atau "
                if data.status_url
                else "tanyakan di loket atau "
            )
            + "sebut nomor di atas beserta tanggal lahir pemohon.",
            styles.small,
        )
    ]
    if data.status_url:
        lines.append(Paragraph(text(data.status_url), styles.small))
    if data.provisional:
        lines.append(
            Paragraph(
                "Nomor sementara ini tetap dapat dipakai untuk cek status "
                "setelah nomor resmi terbit.",
                styles.small,
            )
        )
    return lines


def _content(data: ReceiptData, width: float, styles: Styles, *, roll: bool) -> list[Flowable]:
    """The receipt top to bottom, at one scale, for one column of `width`."""
    s = styles.scale
    flows: list[Flowable] = letterhead(
        width,
        styles,
        government=data.government,
        office_name=data.office_name,
        office_address=data.office_address,
        logo=data.logo,
    )
    flows.append(Paragraph("TANDA TERIMA BERKAS PERMOHONAN", styles.title))
    if data.provisional:
        flows.append(Paragraph(text(PROVISIONAL_NOTICE), styles.notice))
    label = "Nomor sementara" if data.provisional else "Nomor pendaftaran"
    flows.append(Paragraph(label, styles.center_small))
    flows.append(Paragraph(text(data.number), _number_style(data.number, width, styles)))
    flows.append(_barcode(data.number, min(width, 95 * mm), 12 * mm * max(s, 0.85)))
    flows.append(Spacer(1, 2 * mm * s))
    rows = [
        ("Nama pemohon", data.applicant_name),
        ("NIK", mask_nik(data.masked_nik)),
        ("Layanan", data.service_name),
        ("Diterima", received_text(data)),
        ("Perkiraan selesai", expected_text(data.expected)),
        ("Petugas", data.officer),
        *data.extra,
    ]
    label_width = (24 if roll else 32) * mm * max(s, 0.85)
    flows.append(field_table(rows, width, styles, label_width=label_width))
    flows.append(Spacer(1, 1.5 * mm * s))
    flows.append(Paragraph(f"<b>Berkas yang diterima ({len(data.documents)}):</b>", styles.body))
    flows.extend(numbered(list(data.documents), styles) or [Paragraph("—", styles.body)])
    if data.documents_note.strip():
        flows.append(Paragraph(text(data.documents_note), styles.small))
    flows.append(Spacer(1, 2 * mm * s))
    status = _status_lines(data, styles)
    if data.status_url and not roll:
        side = 26 * mm * max(s, 0.85)
        table = Table(
            [[_qr(data.status_url, side), status]],
            colWidths=[side + 3 * mm, width - side - 3 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        flows.append(table)
    else:
        if data.status_url:
            flows.append(_qr(data.status_url, 30 * mm))
        flows.extend(status)
    flows.append(Spacer(1, 1.5 * mm * s))
    flows.append(
        Paragraph("Simpan tanda terima ini dan bawa saat mengambil dokumen.", styles.center_small)
    )
    return flows


# -- layouts ----------------------------------------------------------------------------------


def _render_half(data: ReceiptData, paper: Paper, created: datetime | None) -> bytes:
    """Laid out once, at full size, and measured; when taller than the half sheet, that very
    layout is drawn scaled down to fit (the canvas makes it smaller, nothing is laid out
    again; the column narrows by the same scale, centred). Below MIN_SCALE it continues on the
    next sheet's top half at that scale instead."""
    page_w, page_h = PAPERS[paper]
    width = page_w - 2 * HALF_MARGIN_X
    half = page_h / 2
    frame_h = half - HALF_MARGIN_TOP - HALF_MARGIN_BOTTOM
    flows = _content(data, width, Styles(1.0), roll=False)
    needed = total_height(flows, width)
    # a hair under the exact ratio: the frame must not find the content 1e-12 pt too tall
    scale = 1.0 if needed <= frame_h else max(MIN_SCALE, frame_h / needed * 0.999)
    left = (page_w - width * scale) / 2
    number = data.number

    def first(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        _cut_line(canvas, page_w, half)
        canvas.scale(scale, scale)  # the frame below is in these units

    def later(canvas: Canvas, doc: BaseDocTemplate) -> None:
        _cut_line(canvas, page_w, half)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            HALF_MARGIN_X,
            page_h - HALF_MARGIN_TOP + 2 * mm,
            f"Lanjutan tanda terima {number} — lembar {doc.page}",
        )
        canvas.scale(scale, scale)

    def frame() -> Frame:
        return Frame(
            left / scale,
            (half + HALF_MARGIN_BOTTOM) / scale,
            width,
            frame_h / scale,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    def build(out: object) -> None:
        doc = BaseDocTemplate(
            out,
            pagesize=(page_w, page_h),
            title=f"Tanda terima {number}",
            author=data.office_name,
            creator="Loket",
            invariant=1,
        )
        doc.addPageTemplates(
            [
                PageTemplate("first", [frame()], onPage=first, autoNextPageTemplate="later"),
                PageTemplate("later", [frame()], onPage=later),
            ]
        )
        doc.build(flows, canvasmaker=canvas_maker(created))

    return to_bytes(build)


def _cut_line(canvas: Canvas, page_w: float, y: float) -> None:
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.5)
    canvas.line(5 * mm, y, page_w - 5 * mm, y)
    canvas.setFont(FONT, 6.5)
    canvas.drawRightString(page_w - 6 * mm, y + 1.2 * mm, "potong di sini")
    canvas.restoreState()


def _render_roll(data: ReceiptData, created: datetime | None) -> bytes:
    margin_x = (ROLL_WIDTH - ROLL_PRINTABLE) / 2
    margin_y = 4 * mm
    width = ROLL_PRINTABLE
    flows = _content(data, width, Styles(1.0, base=8.0), roll=True)
    height = max(ROLL_MIN_HEIGHT, total_height(flows, width) + 2 * margin_y + 2 * mm)

    def build(out: object) -> None:
        doc = BaseDocTemplate(
            out,
            pagesize=(ROLL_WIDTH, height),
            title=f"Tanda terima {data.number}",
            author=data.office_name,
            creator="Loket",
            invariant=1,
        )
        frame = Frame(
            margin_x,
            margin_y,
            width,
            height - 2 * margin_y,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate("roll", [frame])])
        doc.build(flows, canvasmaker=canvas_maker(created))

    return to_bytes(build)
