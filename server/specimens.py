"""Specimen scans for demo data: one small, clearly watermarked file per document type.

Every specimen says SPESIMEN - BUKAN DOKUMEN ASLI across the page, so a demo database can never
be mistaken for real personal data. Files are deterministic (same bytes every run) and shared
by every application (content-addressed), which keeps seeding 100,000 applications fast.
Card-like documents are PNG "photos"; letters and certificates are PDF "scans".
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

WATERMARK = "SPESIMEN - BUKAN DOKUMEN ASLI"
IMAGE_TYPES = frozenset({"KTP-EL", "KK", "KIA", "PAS-FOTO", "FOTO-TEMPAT-USAHA", "PASPOR", "KITAP"})


def specimen(code: str, name: str) -> tuple[bytes, str]:
    """(bytes, content type) of the specimen for document type `code`."""
    if code in IMAGE_TYPES:
        return specimen_png(code, name), "image/png"
    return specimen_pdf(code, name), "application/pdf"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType
        return ImageFont.load_default()


def specimen_png(code: str, name: str) -> bytes:
    width, height = 640, 400
    image = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, width - 9, height - 9), outline=90, width=3)
    draw.rectangle((8, 8, width - 9, 64), fill=200)
    draw.text((24, 22), f"CONTOH {code}", fill=30, font=_font(26))
    draw.text((24, 80), name[:48], fill=40, font=_font(20))
    for row in range(6):
        y = 130 + row * 34
        draw.rectangle((24, y, 180, y + 14), fill=170)
        draw.rectangle((200, y, 200 + 60 * ((row * 7) % 5 + 3), y + 14), fill=190)
    draw.rectangle((width - 170, 120, width - 40, 300), outline=120, width=2)
    stamp = Image.new("L", (width, 80), 0)
    ImageDraw.Draw(stamp).text((20, 20), WATERMARK, fill=255, font=_font(34))
    stamp = stamp.rotate(18, expand=True)
    red = Image.new("L", stamp.size, 60)
    image.paste(red, ((width - stamp.width) // 2, (height - stamp.height) // 2), stamp)
    image = image.quantize(colors=8)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def specimen_pdf(code: str, name: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setTitle(f"Spesimen {code}")
    pdf.setAuthor("Loket (data contoh)")
    width, height = A4
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(60, height - 80, f"CONTOH {code}")
    pdf.setFont("Helvetica", 12)
    pdf.drawString(60, height - 104, name[:80])
    pdf.setStrokeGray(0.6)
    for line in range(18):
        y = height - 160 - line * 26
        pdf.line(60, y, 60 + 120 + (line * 37) % 300, y)
    pdf.saveState()
    pdf.translate(width / 2, height / 2)
    pdf.rotate(35)
    pdf.setFillColorRGB(0.85, 0.1, 0.1)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(0, 0, WATERMARK)
    pdf.setFont("Helvetica-Bold", 60)
    pdf.drawCentredString(0, 80, "CONTOH")
    pdf.restoreState()
    pdf.setFont("Helvetica", 8)
    pdf.drawString(60, 40, "Dokumen ini dibuat otomatis untuk data demo Loket dan tidak sah.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
