"""Daftar perbaikan: what a citizen takes home when an application is returned (perlu
perbaikan, Perwali Pekanbaru Pasal 25: the reasons are given in writing).

One A4 or F4 page (more when the list is long): the number, the service, each requirement with
the verifier's reason, what to bring back, and the office hours. Same letterhead, font and
deterministic output as the receipt (pdf_parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Final

from reportlab.lib.units import mm
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
    PAPERS,
    Paper,
    Paragraph,
    Styles,
    canvas_maker,
    field_table,
    letterhead,
    numbered,
    register_fonts,
    text,
    to_bytes,
)

MARGIN: Final = 18 * mm


@dataclass(frozen=True)
class RevisionItem:
    """One requirement the verifier returned, with the reason as written (Indonesian)."""

    requirement: str
    reason: str


@dataclass(frozen=True)
class RevisionListData:
    office_name: str
    office_address: str
    number: str
    provisional: bool
    service_name: str
    applicant_name: str
    masked_nik: str
    items: Sequence[RevisionItem]
    bring: Sequence[str]
    """What to bring when coming back (originals, new copies...)."""
    office_hours: str
    """E.g. 'Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 WIB' (as the office gives it)."""
    returned_at: datetime
    officer: str
    government: str = ""
    office_code: str = ""
    logo: Path | None = None
    note: str = ""
    """The verifier's general note, if any."""


def render_revision_list(
    data: RevisionListData, *, paper: Paper = "A4", created: datetime | None = None
) -> bytes:
    """The list as PDF bytes; same bytes for the same arguments (see render_receipt)."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper: {paper!r}")
    register_fonts()
    page_w, page_h = PAPERS[paper]
    width = page_w - 2 * MARGIN
    styles = Styles(1.0, base=10.0)
    flows = _content(data, width, styles)
    number = data.number

    def page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(
            page_w - MARGIN, MARGIN / 2, f"Daftar perbaikan {number} — halaman {doc.page}"
        )

    def build(out: BytesIO) -> None:
        doc = BaseDocTemplate(
            out,
            pagesize=(page_w, page_h),
            title=f"Daftar perbaikan {number}",
            author=data.office_name,
            creator="Loket",
            invariant=1,
        )
        frame = Frame(
            MARGIN,
            MARGIN,
            width,
            page_h - 2 * MARGIN,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate("page", [frame], onPage=page)])
        doc.build(flows, canvasmaker=canvas_maker(created))

    return to_bytes(build)


def _content(data: RevisionListData, width: float, styles: Styles) -> list[Flowable]:
    flows: list[Flowable] = letterhead(
        width,
        styles,
        government=data.government,
        office_name=data.office_name,
        office_address=data.office_address,
        logo=data.logo,
    )
    flows.append(Paragraph("DAFTAR PERBAIKAN BERKAS PERMOHONAN", styles.title))
    tz = zone_for_region(data.office_code) if data.office_code else None
    loc = local(data.returned_at, tz)
    returned = f"{format_date(loc.date())} pukul {format_time(loc, tz)} {zone_name(loc)}"
    label = "Nomor sementara" if data.provisional else "Nomor pendaftaran"
    rows = [
        (label, data.number),
        ("Nama pemohon", data.applicant_name),
        ("NIK", mask_nik(data.masked_nik)),
        ("Layanan", data.service_name),
        ("Dikembalikan", returned),
        ("Petugas", data.officer),
    ]
    flows.append(field_table(rows, width, styles, label_width=38 * mm))
    flows.append(Spacer(1, 4 * mm))
    flows.append(
        Paragraph(
            "Berkas Anda <b>perlu perbaikan</b>. Persyaratan berikut belum dapat diterima:",
            styles.body,
        )
    )
    flows.append(Spacer(1, 2 * mm))
    flows.append(_items_table(data.items, width, styles))
    if data.note.strip():
        flows.append(Spacer(1, 2 * mm))
        flows.append(Paragraph("<b>Catatan petugas:</b> " + text(data.note), styles.body))
    flows.append(Spacer(1, 4 * mm))
    flows.append(Paragraph("<b>Yang perlu dibawa saat kembali:</b>", styles.body))
    flows.extend(numbered(list(data.bring), styles) or [Paragraph("—", styles.body)])
    flows.append(Spacer(1, 4 * mm))
    if data.office_hours.strip():
        flows.append(Paragraph("<b>Jam layanan:</b> " + text(data.office_hours), styles.body))
    flows.append(
        Paragraph(
            "Bawa daftar ini dan sebutkan nomor di atas di loket. Berkas lain yang sudah "
            "diterima tidak perlu diserahkan lagi.",
            styles.small,
        )
    )
    return flows


def _items_table(items: Sequence[RevisionItem], width: float, styles: Styles) -> Flowable:
    if not items:
        return Paragraph("—", styles.body)
    number_w = 9 * mm
    req_w = (width - number_w) * 0.4
    header = [
        Paragraph("<b>No.</b>", styles.small),
        Paragraph("<b>Persyaratan</b>", styles.small),
        Paragraph("<b>Alasan</b>", styles.small),
    ]
    rows: list[list[Flowable]] = [header]
    for index, item in enumerate(items, 1):
        rows.append(
            [
                Paragraph(str(index), styles.body),
                Paragraph(text(item.requirement), styles.body),
                Paragraph(text(item.reason), styles.body),
            ]
        )
    table = Table(rows, colWidths=[number_w, req_w, width - number_w - req_w], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.5, "#666666"),
                ("BACKGROUND", (0, 0), (-1, 0), "#e8e8e8"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
