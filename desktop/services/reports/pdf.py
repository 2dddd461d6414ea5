"""The printable report: the office's kop surat (the letters' letterhead file), the letters'
paper (A4 or F4), the embedded DejaVu font, the tables with their "Jumlah" row, the charts
(200 dpi PNGs, see `charts`), and a signature block for the supervisor.

The numbers are written with `model.format_cell`, as in the page and the CSV; a table without
rows says "Tidak ada data" under its title, never a row of zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop.services.documents.letter import Letterhead
from desktop.services.documents.pdf_parts import (
    FONT,
    FONT_BOLD,
    PAPERS,
    Paper,
    Paragraph,
    canvas_maker,
    kop_surat,
    register_fonts,
    text,
)
from desktop.services.reports import charts as chart_images
from desktop.services.reports.data import period_label
from desktop.services.reports.model import NO_DATA, ColumnKind, Report, format_cell
from desktop.services.reports.model import Table as ReportTable
from desktop.services.reports.periods import long_date

MARGIN = 15 * mm
BASE = 7.5

Charts = Callable[[Report], list[tuple[str, bytes | None]]]


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("rbody", fontName=FONT, fontSize=BASE, leading=BASE * 1.25)
    return {
        "body": body,
        "head": ParagraphStyle("rhead", parent=body, fontName=FONT_BOLD),
        "head_num": ParagraphStyle(
            "rheadnum",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=6.3,
            leading=7.5,
            alignment=TA_RIGHT,
        ),
        "title": ParagraphStyle(
            "rtitle", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15, alignment=1
        ),
        "sub": ParagraphStyle("rsub", parent=body, fontSize=8.5, leading=11, alignment=1),
        "h2": ParagraphStyle(
            "rh2", parent=body, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=8
        ),
        "note": ParagraphStyle("rnote", parent=body, textColor=colors.HexColor("#444")),
        "sign": ParagraphStyle("rsign", parent=body, fontSize=9, leading=12),
    }


def chart_pngs(report: Report) -> list[tuple[str, bytes | None]]:
    """(title, PNG or None when the chart has nothing to draw) per chart."""
    return [
        (c.title, chart_images.png(c) if chart_images.has_values(c) else None)
        for c in report.charts
    ]


def build_pdf(
    report: Report,
    letterhead: Letterhead,
    *,
    paper: Paper = "A4",
    charts: list[tuple[str, bytes | None]] | None = None,
    created: datetime | None = None,
) -> bytes:
    """The report as PDF bytes. `charts` lets the caller reuse the PNGs the page already drew."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper: {paper!r}")
    register_fonts()
    page_w, page_h = PAPERS[paper]
    width = page_w - 2 * MARGIN
    s = _styles()
    flows: list[Flowable] = kop_surat(
        width, letterhead.lines, letterhead.address, logo=letterhead.logo, size=10.5
    )
    flows += [
        Paragraph(text(report.title.upper()), s["title"]),
        Paragraph(text(f"Periode: {period_label(report)}"), s["sub"]),
        Paragraph(text(f"Wilayah: {report.scope_label}; {report.filters_label}"), s["sub"]),
        Spacer(1, 3 * mm),
    ]
    for table in report.tables:
        flows += _table(table, width, s)
    for note in report.notes:
        flows.append(Spacer(1, 2 * mm))
        flows.append(Paragraph(text(note), s["note"]))
    pictures = charts if charts is not None else chart_pngs(report)
    if pictures:
        flows.append(Paragraph("Grafik", s["h2"]))
    for title, image in pictures:
        if image is None:
            flows.append(Paragraph(text(f"{title}: {NO_DATA}"), s["note"]))
            continue
        px_w, px_h = ImageReader(BytesIO(image)).getSize()
        draw_w = min(width, 170 * mm)
        draw_h = draw_w * px_h / px_w
        flows.append(Spacer(1, 2 * mm))
        flows.append(Image(BytesIO(image), width=draw_w, height=draw_h))
    flows.append(_signature(report, letterhead, width, s))
    stamp = report.generated_at

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(colors.HexColor("#555"))
        canvas.drawString(
            MARGIN,
            8 * mm,
            f"{report.title} — dibuat {stamp.strftime('%d-%m-%Y %H:%M')} oleh Loket",
        )
        canvas.drawRightString(page_w - MARGIN, 8 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=(page_w, page_h),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=f"{report.title} {period_label(report)}",
        author="Loket",
        creator="Loket",
    )
    doc.build(
        flows,
        onFirstPage=footer,
        onLaterPages=footer,
        canvasmaker=canvas_maker(created or report.generated_at),
    )
    return out.getvalue()


def _table(table: ReportTable, width: float, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    head: list[Flowable] = [Paragraph(text(table.title), s["h2"])]
    if table.note:
        head.append(Paragraph(text(table.note), s["note"]))
    if table.empty:
        return [KeepTogether([*head, Paragraph(NO_DATA, s["body"])])]
    columns = table.columns
    text_cols = [i for i, c in enumerate(columns) if c.kind is ColumnKind.TEXT]
    num_w = 18.5 * mm
    rest = width - num_w * (len(columns) - len(text_cols))
    widths = [rest / len(text_cols) if i in text_cols else num_w for i in range(len(columns))]
    data: list[list[Flowable | str]] = [
        [
            Paragraph(text(c.title), s["head"] if c.kind is ColumnKind.TEXT else s["head_num"])
            for c in columns
        ]
    ]
    # Plain strings where they fit (a Paragraph per cell made a city's month take 11 s):
    # numbers always, text when short for its column; longer text wraps in a Paragraph.
    fits = {i: int(widths[i] / (BASE * 0.58)) for i in text_cols}
    for row in table.rows:
        cells: list[Flowable | str] = []
        for index, (value, column) in enumerate(zip(row.cells, columns, strict=True)):
            shown = format_cell(value, column.kind)
            if column.kind is ColumnKind.TEXT and len(shown) > fits[index]:
                cells.append(Paragraph(text(shown), s["head"] if row.total else s["body"]))
            else:
                cells.append(shown)
        data.append(cells)
    grid = Table(data, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), BASE),
        ("LEADING", (0, 0), (-1, -1), BASE * 1.25),
        *(("ALIGN", (i, 1), (i, -1), "RIGHT") for i in range(len(columns)) if i not in text_cols),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if table.rows[-1].total:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f2f1")))
        commands.append(("FONTNAME", (0, -1), (-1, -1), FONT_BOLD))
    grid.setStyle(TableStyle(commands))
    return [*head, grid]


def _signature(
    report: Report, letterhead: Letterhead, width: float, s: dict[str, ParagraphStyle]
) -> Flowable:
    place = letterhead.place or ""
    when = long_date(report.generated_at.date())
    lines = [
        f"{place}, {when}" if place else when,
        letterhead.jabatan or "Kepala Kantor",
        "",
        "",
        "",
        "(.................................................)",
    ]
    block = [Paragraph(text(line) if line else "&nbsp;", s["sign"]) for line in lines]
    table = Table([["", block]], colWidths=[width - 75 * mm, 75 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def fallback_letterhead(office_code: str, office_name: str) -> Letterhead:
    """When the office has no kop surat file yet: its name alone, nothing invented."""
    return Letterhead(
        office_code=office_code,
        lines=(office_name.upper(),) if office_name else (),
        address="",
        place="",
        jabatan="",
    )
