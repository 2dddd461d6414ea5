"""Synthetic SIAK outputs for tests: PDFs shaped like what Disdukcapil's SIAK prints (a KK on
A4 landscape with its member table and the head of office's block at the bottom right, an
akta on F4 portrait), and the hostile variants the import must refuse.

No real person's data: names and numbers are made up (the NIKs fail no check on purpose)."""

from __future__ import annotations

import io

import pikepdf
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

F4 = (215 * mm, 330 * mm)


def kk_pdf(*, members: int = 4) -> bytes:
    """A KK: title, number, the member table across the page, the signature block bottom
    right (left empty below the name, as SIAK prints it for the TTE)."""
    out = io.BytesIO()
    width, height = landscape(A4)
    c = Canvas(out, pagesize=(width, height), pageCompression=0)
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(width / 2, height - 20 * mm, "KARTU KELUARGA")
    c.setFont("Helvetica", 10)
    c.drawCentredString(width / 2, height - 27 * mm, "No. 1471010101260001")
    top = height - 40 * mm
    c.drawString(15 * mm, top, "Nama Kepala Keluarga : BUDI SANTOSO")
    c.drawString(15 * mm, top - 6 * mm, "Alamat : JL. DURIAN NO. 7 RT 003 RW 005")
    row_h = 7 * mm
    table_top = top - 15 * mm
    for row in range(members + 1):
        y = table_top - row * row_h
        c.line(15 * mm, y, width - 15 * mm, y)
        label = (
            "No  Nama Lengkap  NIK  Jenis Kelamin  Tempat Lahir"
            if row == 0
            else (f"{row}  ANGGOTA {row}  14710101010100{row:02d}  L  PEKANBARU")
        )
        c.drawString(17 * mm, y - 5 * mm, label)
    c.line(
        15 * mm,
        table_top - (members + 1) * row_h,
        width - 15 * mm,
        table_top - (members + 1) * row_h,
    )
    c.drawString(15 * mm, 45 * mm, "Dikeluarkan tanggal : 04-12-2026")
    c.drawString(width - 95 * mm, 45 * mm, "KEPALA DINAS KEPENDUDUKAN DAN")
    c.drawString(width - 95 * mm, 40 * mm, "PENCATATAN SIPIL KOTA PEKANBARU")
    c.showPage()
    c.save()
    return out.getvalue()


def full_page_pdf() -> bytes:
    """A page with text from edge to edge: no room for a stamp."""
    out = io.BytesIO()
    _width, height = A4
    c = Canvas(out, pagesize=A4)
    c.setFont("Helvetica", 9)
    y = height - 8 * mm
    while y > 5 * mm:
        c.drawString(5 * mm, y, "KUTIPAN AKTA KELAHIRAN " * 8)
        y -= 4 * mm
    c.showPage()
    c.save()
    return out.getvalue()


def akta_f4_pdf() -> bytes:
    out = io.BytesIO()
    width, height = F4
    c = Canvas(out, pagesize=F4)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(width / 2, height - 40 * mm, "KUTIPAN AKTA KELAHIRAN")
    c.setFont("Helvetica", 10)
    c.drawCentredString(width / 2, height - 47 * mm, "Nomor 1471-LT-04122026-0007")
    c.drawString(25 * mm, height - 70 * mm, "Berdasarkan Akta Kelahiran, bahwa di PEKANBARU")
    c.drawString(
        25 * mm, height - 77 * mm, "pada tanggal dua puluh November dua ribu dua puluh enam"
    )
    c.drawString(25 * mm, height - 84 * mm, "telah lahir NUR AISYAH PUTRI")
    c.showPage()
    c.save()
    return out.getvalue()


def encrypted_pdf(source: bytes, *, user_password: str = "rahasia") -> bytes:
    """`source` encrypted; with an empty user password only the owner's restrictions hold."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(source)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="pemilik", user=user_password))
    return out.getvalue()


def with_javascript(source: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(source)) as pdf:
        action = pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        )
        pdf.Root.OpenAction = action
        pdf.save(out)
    return out.getvalue()


def with_attachment(source: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(source)) as pdf:
        pdf.attachments["muatan.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00")
        pdf.save(out)
    return out.getvalue()


def without_xref(source: bytes) -> bytes:
    """The cross-reference table cut off (a file saved half-way): readers rebuild it."""
    cut = source.rfind(b"xref")
    return source[:cut] if cut > 0 else source


def rotated(source: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(source)) as pdf:
        for page in pdf.pages:
            page.Rotate = 90
        pdf.save(out)
    return out.getvalue()
