"""Synthetic scanned document pages for the page-pipeline tests and bench/scan.py (issue 12),
seeded and deterministic.

A page is rendered with Pillow and the DejaVu fonts at the asked dpi the way a counter's
documents look (a letterhead, a title, a block of 11 pt text, a signature line, in colour a
blue letterhead and a red stamp), on slightly grey paper, then degraded like a scan: rotated by
a known angle, Gaussian noise, optionally a punched hole, faint show-through of the back, and a
scan area larger than the paper (a flatbed). `blank_page` and `one_line_page` are the two sides
of blank detection.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAPER_MM = {"A4": (210.0, 297.0), "F4": (215.0, 330.0)}
PAPER_GREY = 236

_PROSE = (
    "yang bertanda tangan di bawah ini menerangkan bahwa penduduk tersebut benar berdomisili "
    "di wilayah kelurahan kami dan surat keterangan ini dibuat untuk keperluan pengurusan "
    "dokumen kependudukan sesuai ketentuan peraturan daerah nomor tahun tentang pelayanan "
    "administrasi dengan sebenarnya agar dapat dipergunakan sebagaimana mestinya oleh pihak "
    "berwenang kepala seksi pemerintahan camat lurah sekretaris rukun tetangga warga"
)
_WORDS = _PROSE.split()


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def _canvas(dpi: int, paper: str, colour: bool) -> Image.Image:
    width_mm, height_mm = PAPER_MM[paper]
    size = (_px(width_mm, dpi), _px(height_mm, dpi))
    fill: int | tuple[int, int, int] = (
        (PAPER_GREY, PAPER_GREY, PAPER_GREY - 4) if colour else PAPER_GREY
    )
    return Image.new("RGB" if colour else "L", size, fill)


def _ink(colour: bool, rgb: tuple[int, int, int] = (20, 20, 25)) -> int | tuple[int, int, int]:
    return rgb if colour else round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])


def document_page(
    dpi: int = 300,
    *,
    paper: str = "A4",
    colour: bool = False,
    lines: int = 18,
    seed: int = 0,
) -> Image.Image:
    """A clean typical one-page letter (before any scan degradation)."""
    rng = random.Random(seed)
    image = _canvas(dpi, paper, colour)
    draw = ImageDraw.Draw(image)
    pt = dpi / 72
    left, top = _px(25, dpi), _px(20, dpi)
    head = _ink(colour, (20, 50, 150))
    draw.text(
        (left, top),
        "PEMERINTAH KOTA PEKANBARU",
        font=_font("DejaVuSans-Bold.ttf", round(14 * pt)),
        fill=head,
    )
    draw.text(
        (left, top + round(20 * pt)),
        "KELURAHAN JADIREJO  -  KECAMATAN SUKAJADI",
        font=_font("DejaVuSans.ttf", round(11 * pt)),
        fill=head,
    )
    rule_y = top + round(38 * pt)
    draw.line((left, rule_y, image.width - left, rule_y), fill=head, width=max(1, round(2 * pt)))
    draw.text(
        (left + _px(40, dpi), rule_y + round(14 * pt)),
        "SURAT KETERANGAN DOMISILI",
        font=_font("DejaVuSans-Bold.ttf", round(13 * pt)),
        fill=_ink(colour),
    )
    body = _font("DejaVuSans.ttf", round(11 * pt))
    y = rule_y + round(44 * pt)
    right = image.width - left
    for _ in range(lines):
        words: list[str] = []
        while True:
            candidate = " ".join([*words, rng.choice(_WORDS)])
            if draw.textlength(candidate, font=body) > right - left:
                break
            words = candidate.split()
        draw.text((left, y), " ".join(words), font=body, fill=_ink(colour))
        y += round(16 * pt)
        if y > image.height - _px(60, dpi):
            break
    sign_x = image.width - _px(80, dpi)
    draw.text((sign_x, y + round(20 * pt)), "Lurah Jadirejo,", font=body, fill=_ink(colour))
    if colour:
        r = _px(14, dpi)
        cx, cy = sign_x + _px(10, dpi), y + round(60 * pt)
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r), outline=(170, 30, 40), width=max(1, round(2 * pt))
        )
    draw.text(
        (sign_x, y + round(100 * pt)),
        "DRS. H. AHMAD FAUZI",
        font=_font("DejaVuSans-Bold.ttf", round(11 * pt)),
        fill=_ink(colour),
    )
    return image


def blank_page(dpi: int = 300, *, paper: str = "A4", colour: bool = False) -> Image.Image:
    return _canvas(dpi, paper, colour)


def one_line_page(
    dpi: int = 300, *, paper: str = "A4", text: str = "Halaman ini sengaja dikosongkan"
) -> Image.Image:
    """Blank but for one short line of 11 pt text, placed mid-page: NOT blank."""
    image = _canvas(dpi, paper, colour=False)
    ImageDraw.Draw(image).text(
        (_px(70, dpi), _px(140, dpi)),
        text,
        font=_font("DejaVuSans.ttf", round(11 * dpi / 72)),
        fill=30,
    )
    return image


def punch_holes(image: Image.Image, dpi: int, *, dark: bool = True) -> Image.Image:
    """Two punched holes 12 mm from the left edge, 6 mm across, 80 mm apart: dark when the
    feeder's backing shows through them."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    r, cx, cy = _px(3, dpi), _px(12, dpi), out.height // 2
    fill = _ink(out.mode == "RGB", (25, 25, 25) if dark else (200, 200, 200))
    for dy in (-_px(40, dpi), _px(40, dpi)):
        draw.ellipse((cx - r, cy + dy - r, cx + r, cy + dy + r), fill=fill)
    return out


def show_through(image: Image.Image, back: Image.Image, strength: float = 0.12) -> Image.Image:
    """The back page, mirrored and faint, printed through the paper."""
    mirrored = (
        back.transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert(image.mode).resize(image.size)
    )
    front = np.asarray(image, dtype=np.float32)
    behind = np.asarray(mirrored, dtype=np.float32)
    paper = float(PAPER_GREY)
    mixed = front - strength * (paper - behind)
    return Image.fromarray(np.clip(mixed, 0, 255).astype(np.uint8), image.mode)


def scanned(
    image: Image.Image,
    *,
    angle: float = 0.0,
    noise: float = 6.0,
    seed: int = 0,
    extra_mm: tuple[float, float] = (0.0, 0.0),
    dpi: int = 300,
    blur: float = 0.8,
) -> Image.Image:
    """Degrade like a scan: rotate by `angle` degrees (counter-clockwise), scan an area
    `extra_mm` wider/taller than the paper (the flatbed's lid, white), blur by `blur` px at
    300 dpi (optics), add Gaussian noise."""
    fill: int | tuple[int, int, int] = (PAPER_GREY,) * 3 if image.mode == "RGB" else PAPER_GREY
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=fill) if angle else image
    if extra_mm != (0.0, 0.0):
        lid: int | tuple[int, int, int] = (250, 250, 250) if image.mode == "RGB" else 250
        bigger = Image.new(
            image.mode, (out.width + _px(extra_mm[0], dpi), out.height + _px(extra_mm[1], dpi)), lid
        )
        bigger.paste(out, (0, 0))
        out = bigger
    if blur:  # the scanner's optics: no scan is as sharp as rendered text
        out = out.filter(ImageFilter.GaussianBlur(blur * dpi / 300))
    if noise:
        pixels = np.asarray(out, dtype=np.float32)
        jitter = np.random.default_rng(seed).normal(0.0, noise, pixels.shape).astype(np.float32)
        out = Image.fromarray(np.clip(pixels + jitter, 0, 255).astype(np.uint8), out.mode)
    return out
