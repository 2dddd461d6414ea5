"""Synthetic KTP and KK images for the OCR tests and bench (issue 12), seeded and deterministic.

No real card may be used (they carry real NIKs), so cards are rendered with Pillow and the
DejaVu fonts (Debian fonts-dejavu-core): a KTP at its real size (85.6 x 54 mm) at 300 dpi with
the bold "NIK : ..." line, and a KK as an A4 landscape page at 300 dpi with "No. ..." under its
title and a member table whose NIKs are distractors. Numbers are valid by construction
(`identity.encode_nik`/`encode_kk` over real kecamatan codes), then the image is degraded like a
cheap scan: rotation up to 5 degrees, blur, noise, low contrast, JPEG compression.

`card(seed)` gives the same image for the same seed on every machine with the same Pillow and
fonts; `cards(n, first_seed)` a run of them, alternating KTP and KK.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from desktop.domain.identity import encode_kk, encode_nik
from desktop.domain.wilayah import get_wilayah

DPI = 300
KTP_MM = (85.6, 54.0)
A4_LANDSCAPE_MM = (297.0, 210.0)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BOLD_FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf")
TEXT_FONTS = ("DejaVuSans.ttf", "DejaVuSansCondensed.ttf")

CardKind = Literal["ktp", "kk"]

_NAMES = (
    "SITI AMINAH",
    "BUDI SANTOSO",
    "RAHMAT HIDAYAT",
    "DEWI LESTARI",
    "AHMAD FAUZI",
    "NURUL HASANAH",
    "ANDI PRATAMA",
    "YULIANTI",
    "M. RIZKY SAPUTRA",
    "SRI WAHYUNI",
)
_PLACES = ("PEKANBARU", "MEDAN", "PADANG", "DUMAI", "BUKITTINGGI", "JAKARTA", "BITUNG")
_STREETS = ("JL. SUDIRMAN NO. 12", "JL. DURIAN GG. MAWAR", "JL. TUANKU TAMBUSAI", "JL. ARIFIN")
_JOBS = ("PELAJAR/MAHASISWA", "WIRASWASTA", "KARYAWAN SWASTA", "PEGAWAI NEGERI SIPIL")


@dataclass(frozen=True)
class Degradation:
    """How the clean render was spoiled (kept with the card so a failure can be explained)."""

    rotation: float  # degrees, counter-clockwise
    blur: float  # Gaussian radius in px
    noise: float  # Gaussian sigma in grey levels
    contrast: float  # 1.0 unchanged, 0.5 washed out
    jpeg_quality: int


@dataclass(frozen=True)
class SyntheticCard:
    kind: CardKind
    number: str  # the NIK printed on a KTP, the KK number printed on a KK
    image: Image.Image
    seed: int
    degradation: Degradation


def mm_to_px(mm: float, dpi: int = DPI) -> int:
    return round(mm / 25.4 * dpi)


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


@cache
def _kecamatan_codes() -> tuple[str, ...]:
    return tuple(sorted(r.digits for r in get_wilayah().regions("kecamatan", current_only=True)))


def make_nik(rng: random.Random, *, today: date | None = None) -> str:
    """A NIK that passes `check_nik`: a current kecamatan, a real birth date 1940-2010
    (women: day + 40), serial 1-9999."""
    today = today or date.today()
    code = rng.choice(_kecamatan_codes())
    birth = date.fromordinal(
        rng.randint(date(1940, 1, 1).toordinal(), date(2010, 12, 31).toordinal())
    )
    assert birth <= today
    return encode_nik(code, birth, rng.choice(("L", "P")), rng.randint(1, 9999))


def make_kk(rng: random.Random) -> str:
    """A KK number that passes `check_kk`: recorded 2000-2023."""
    code = rng.choice(_kecamatan_codes())
    recorded = date.fromordinal(
        rng.randint(date(2000, 1, 1).toordinal(), date(2023, 12, 31).toordinal())
    )
    return encode_kk(code, recorded, rng.randint(1, 9999))


def _background(
    size: tuple[int, int], rng: random.Random, tint: tuple[int, int, int]
) -> Image.Image:
    """A pale tinted background with faint wavy guilloche-like lines, as printed cards have."""
    img = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(img)
    w, h = size
    shade = tuple(max(0, c - 18) for c in tint)
    step = max(8, h // 40)
    phase = rng.uniform(0, 50)
    for y in range(-h, 2 * h, step):
        points = [(x, y + int(12 * ((x + phase) % 97) / 97)) for x in range(0, w + 40, 40)]
        draw.line(points, fill=shade, width=1)  # type: ignore[arg-type]
    return img


def render_ktp(nik: str, rng: random.Random) -> Image.Image:
    """A clean KTP front at 300 dpi: header, the bold NIK line, the data lines, a photo box."""
    w, h = mm_to_px(KTP_MM[0]), mm_to_px(KTP_MM[1])
    img = _background((w, h), rng, (205, 225, 240))
    draw = ImageDraw.Draw(img)
    head = _font("DejaVuSans-Bold.ttf", 30)
    for text, y in (("PROVINSI RIAU", 18), ("KOTA PEKANBARU", 54)):
        tw = draw.textlength(text, font=head)
        draw.text(((w - tw) / 2, y), text, font=head, fill=(20, 20, 20))
    bold = _font(rng.choice(BOLD_FONTS), rng.randint(38, 44))
    draw.text((30, 100), "NIK", font=bold, fill=(10, 10, 10))
    draw.text((150, 100), f":  {nik}", font=bold, fill=(10, 10, 10))
    small = _font(rng.choice(TEXT_FONTS), 24)
    birth = f"{rng.choice(_PLACES)}, {nik[6:8]}-{nik[8:10]}-19{nik[10:12]}"
    lines = (
        ("Nama", rng.choice(_NAMES)),
        ("Tempat/Tgl Lahir", birth),
        ("Jenis Kelamin", rng.choice(("LAKI-LAKI", "PEREMPUAN")) + "   Gol. Darah : O"),
        ("Alamat", rng.choice(_STREETS)),
        ("RT/RW", f"{rng.randint(1, 9):03d}/{rng.randint(1, 15):03d}"),
        ("Kel/Desa", "JADIREJO"),
        ("Kecamatan", "SUKAJADI"),
        ("Agama", "ISLAM"),
        ("Status Perkawinan", rng.choice(("BELUM KAWIN", "KAWIN"))),
        ("Pekerjaan", rng.choice(_JOBS)),
        ("Kewarganegaraan", "WNI"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    )
    y = 160
    for label, value in lines:
        draw.text((30, y), label, font=small, fill=(25, 25, 25))
        draw.text((260, y), f": {value}", font=small, fill=(25, 25, 25))
        y += 36
    box = (w - 250, 150, w - 40, 420)
    draw.rectangle(box, fill=(175, 190, 205), outline=(120, 120, 120), width=2)
    draw.text((w - 230, 440), "PEKANBARU", font=small, fill=(25, 25, 25))
    draw.text((w - 230, 472), "12-08-2019", font=small, fill=(25, 25, 25))
    return img


def render_kk(kk: str, rng: random.Random) -> Image.Image:
    """A clean KK page (A4 landscape, 300 dpi): title, "No. <kk>", head-of-family block and a
    member table whose NIK column holds other valid 16-digit numbers (distractors)."""
    w, h = mm_to_px(A4_LANDSCAPE_MM[0]), mm_to_px(A4_LANDSCAPE_MM[1])
    img = _background((w, h), rng, (250, 250, 245))
    draw = ImageDraw.Draw(img)
    title = _font("DejaVuSans-Bold.ttf", 80)
    text = "KARTU KELUARGA"
    draw.text(((w - draw.textlength(text, font=title)) / 2, 120), text, font=title, fill=(0, 0, 0))
    number_font = _font(rng.choice(BOLD_FONTS), rng.randint(50, 58))
    text = f"No. {kk}"
    draw.text(
        ((w - draw.textlength(text, font=number_font)) / 2, 230),
        text,
        font=number_font,
        fill=(0, 0, 0),
    )
    small = _font(rng.choice(TEXT_FONTS), 34)
    left = (
        ("Nama Kepala Keluarga", rng.choice(_NAMES)),
        ("Alamat", rng.choice(_STREETS)),
        ("RT/RW", f"{rng.randint(1, 9):03d}/{rng.randint(1, 15):03d}"),
        ("Desa/Kelurahan", "JADIREJO"),
    )
    right = (
        ("Kecamatan", "SUKAJADI"),
        ("Kabupaten/Kota", "PEKANBARU"),
        ("Kode Pos", "28121"),
        ("Provinsi", "RIAU"),
    )
    for i, ((l1, v1), (l2, v2)) in enumerate(zip(left, right, strict=True)):
        y = 380 + i * 52
        draw.text((150, y), l1, font=small, fill=(0, 0, 0))
        draw.text((600, y), f": {v1}", font=small, fill=(0, 0, 0))
        draw.text((1900, y), l2, font=small, fill=(0, 0, 0))
        draw.text((2250, y), f": {v2}", font=small, fill=(0, 0, 0))
    top = 640
    draw.rectangle((150, top, w - 150, top + 60 * 6), outline=(0, 0, 0), width=3)
    cell = _font("DejaVuSans.ttf", 30)
    for x, head in ((170, "No"), (260, "Nama Lengkap"), (900, "NIK"), (1500, "Jenis Kelamin")):
        draw.text((x, top + 12), head, font=cell, fill=(0, 0, 0))
    for row in range(1, 5):
        y = top + row * 60
        draw.line((150, y, w - 150, y), fill=(0, 0, 0), width=2)
        draw.text((170, y + 12), str(row), font=cell, fill=(0, 0, 0))
        draw.text((260, y + 12), rng.choice(_NAMES), font=cell, fill=(0, 0, 0))
        draw.text((900, y + 12), make_nik(rng), font=cell, fill=(0, 0, 0))
        draw.text((1500, y + 12), rng.choice(("LAKI-LAKI", "PEREMPUAN")), font=cell, fill=(0, 0, 0))
    return img


def degrade(img: Image.Image, rng: random.Random) -> tuple[Image.Image, Degradation]:
    """Spoil a clean render the way a worn card on a cheap scanner does."""
    d = Degradation(
        rotation=round(rng.uniform(-5.0, 5.0), 2),
        blur=round(rng.uniform(0.0, 1.4), 2),
        noise=round(rng.uniform(0.0, 14.0), 1),
        contrast=round(rng.uniform(0.5, 1.0), 2),
        jpeg_quality=rng.randint(30, 90),
    )
    out = img.rotate(d.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    if d.blur:
        out = out.filter(ImageFilter.GaussianBlur(d.blur))
    out = ImageEnhance.Contrast(out).enhance(d.contrast)
    if d.noise:
        noisy = np.asarray(out, dtype=np.float32)
        noisy += np.random.default_rng(rng.getrandbits(32)).normal(0.0, d.noise, noisy.shape)
        out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=d.jpeg_quality)
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return decoded, d


def card(seed: int, kind: CardKind | None = None) -> SyntheticCard:
    """One degraded card; even seeds are KTPs, odd seeds KKs unless `kind` says."""
    rng = random.Random(f"loket-card-{seed}")
    kind = kind or ("ktp" if seed % 2 == 0 else "kk")
    if kind == "ktp":
        number = make_nik(rng)
        clean = render_ktp(number, rng)
    else:
        number = make_kk(rng)
        clean = render_kk(number, rng)
    image, degradation = degrade(clean, rng)
    return SyntheticCard(kind, number, image, seed, degradation)


def cards(count: int, first_seed: int = 0) -> Iterator[SyntheticCard]:
    for seed in range(first_seed, first_seed + count):
        yield card(seed)
