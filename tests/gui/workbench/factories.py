"""Real test inputs for the workbench: PDFs made with reportlab, scans made with Pillow, and
`ApplicationDetail` objects parsed from JSON shaped exactly like the server's (api-v1.md).

Also used by `screenshot.py`, so the screenshot shows the same realistic application the tests
exercise.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from desktop.domain.records import ApplicationDetail, DocumentInfo

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 25, 10, 32, tzinfo=WIB).astimezone(UTC)
USER_ID = "7a1c2e0b-4c55-4d8e-9a8f-3b9c2d1e0f01"
OTHER_ID = "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
APP_ID = "3f2b8c1e-9d4a-4e6f-8b7c-5a1d2e3f4a5b"
NIK_FEMALE = "1471015208900001"
"""Kec. Sukajadi, Kota Pekanbaru; day 52 = 12 + 40: a woman born 12 August 1990."""

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("C:/Windows/Fonts"))


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    names = ("DejaVuSans-Bold.ttf", "arialbd.ttf") if bold else ("DejaVuSans.ttf", "arial.ttf")
    for folder in _FONT_DIRS:
        for name in names:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- documents ------------------------------------------------------------------------------------


def ktp_image(fmt: str = "JPEG", nik: str = NIK_FEMALE) -> bytes:
    """A KTP-el-like scan (1011x638 px, the card's 85.6 x 54 mm at 300 dpi)."""
    img = Image.new("RGB", (1011, 638), (188, 214, 236))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 4, 1006, 633), radius=28, outline=(90, 120, 160), width=4)
    draw.text((505, 30), "PROVINSI RIAU", font=font(34, True), fill="black", anchor="mt")
    draw.text((505, 72), "KOTA PEKANBARU", font=font(34, True), fill="black", anchor="mt")
    draw.text((40, 125), f"NIK  :  {nik}", font=font(40, True), fill="black")
    rows = (
        ("Nama", "SITI RAHMAWATI"),
        ("Tempat/Tgl Lahir", "PEKANBARU, 12-08-1990"),
        ("Jenis Kelamin", "PEREMPUAN      Gol. Darah : O"),
        ("Alamat", "JL. DURIAN GG. SEPAKAT NO. 7"),
        ("     RT/RW", "003/005"),
        ("     Kel/Desa", "KAMPUNG MELAYU"),
        ("     Kecamatan", "SUKAJADI"),
        ("Agama", "ISLAM"),
        ("Status Perkawinan", "KAWIN"),
        ("Pekerjaan", "KARYAWAN SWASTA"),
        ("Kewarganegaraan", "WNI"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    )
    for i, (key, value) in enumerate(rows):
        y = 190 + i * 34
        draw.text((40, y), key, font=font(24), fill="black")
        draw.text((290, y), f":  {value}", font=font(24), fill="black")
    draw.rectangle((780, 170, 960, 420), fill=(200, 40, 40))
    draw.ellipse((830, 200, 910, 290), fill=(240, 205, 170))
    draw.rounded_rectangle((805, 295, 935, 420), radius=30, fill=(30, 30, 60))
    draw.text((870, 440), "PEKANBARU", font=font(18), fill="black", anchor="mt")
    draw.text((870, 465), "15-03-2019", font=font(18), fill="black", anchor="mt")
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def kk_pdf() -> bytes:
    """A Kartu Keluarga: landscape A4, family table; second page portrait (the back)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=landscape(A4), invariant=1)
    w, h = landscape(A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(w / 2, h - 50, "KARTU KELUARGA")
    c.setFont("Helvetica", 11)
    c.drawCentredString(w / 2, h - 68, "No. 1471012003150004")
    info = (
        ("Nama Kepala Keluarga", "AHMAD FAUZI"),
        ("Alamat", "JL. DURIAN GG. SEPAKAT NO. 7"),
        ("RT/RW", "003/005"),
        ("Desa/Kelurahan", "KAMPUNG MELAYU"),
        ("Kecamatan", "SUKAJADI"),
        ("Kabupaten/Kota", "KOTA PEKANBARU"),
        ("Provinsi", "RIAU"),
    )
    for i, (k, v) in enumerate(info):
        c.drawString(50, h - 100 - i * 15, k)
        c.drawString(190, h - 100 - i * 15, f": {v}")
    head = ("No", "Nama Lengkap", "NIK", "JK", "Tempat Lahir", "Tgl Lahir", "Hubungan")
    xs = (40, 70, 240, 380, 420, 520, 610)
    members = (
        (
            "1",
            "AHMAD FAUZI",
            "1471010505870002",
            "L",
            "BANGKINANG",
            "05-05-1987",
            "KEPALA KELUARGA",
        ),
        ("2", "SITI RAHMAWATI", NIK_FEMALE, "P", "PEKANBARU", "12-08-1990", "ISTRI"),
        ("3", "M. RIZKY FAUZI", "1471011707150001", "L", "PEKANBARU", "17-07-2015", "ANAK"),
    )
    y = h - 230
    c.setFont("Helvetica-Bold", 10)
    for x, t in zip(xs, head, strict=True):
        c.drawString(x, y, t)
    c.line(35, y - 5, w - 35, y - 5)
    c.setFont("Helvetica", 10)
    for r, member in enumerate(members):
        for x, t in zip(xs, member, strict=True):
            c.drawString(x, y - 22 - r * 18, t)
    c.drawString(w - 260, 80, "PEKANBARU, 20-03-2015")
    c.drawString(w - 260, 64, "KEPALA DINAS DUKCAPIL")
    c.showPage()
    c.setPageSize(A4)
    c.setFont("Helvetica", 11)
    c.drawString(60, A4[1] - 80, "Halaman belakang: catatan mutasi keluarga (kosong).")
    c.showPage()
    c.save()
    return buf.getvalue()


def letter_pdf() -> bytes:
    """A kelurahan letter, portrait A4, one page."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    w, h = A4
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(w / 2, h - 60, "PEMERINTAH KOTA PEKANBARU")
    c.drawCentredString(w / 2, h - 78, "KECAMATAN SUKAJADI - KELURAHAN KAMPUNG MELAYU")
    c.line(50, h - 90, w - 50, h - 90)
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(w / 2, h - 125, "SURAT KETERANGAN")
    c.setFont("Helvetica", 11)
    c.drawCentredString(w / 2, h - 140, "Nomor: 474.1/112/KM/XI/2026")
    text = (
        "Yang bertanda tangan di bawah ini Lurah Kampung Melayu menerangkan bahwa:",
        "",
        "Nama           : SITI RAHMAWATI",
        f"NIK            : {NIK_FEMALE}",
        "Alamat         : Jl. Durian Gg. Sepakat No. 7 RT 003/RW 005",
        "",
        "benar telah melangsungkan perkawinan dan status perkawinan yang bersangkutan",
        "berubah dari BELUM KAWIN menjadi KAWIN sesuai buku nikah terlampir.",
        "",
        "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
    )
    for i, line in enumerate(text):
        c.drawString(70, h - 190 - i * 17, line)
    c.drawString(w - 230, h - 420, "Pekanbaru, 20 November 2026")
    c.drawString(w - 230, h - 436, "Lurah Kampung Melayu")
    c.drawString(w - 230, h - 500, "HENDRA SAPUTRA, S.STP")
    c.showPage()
    c.save()
    return buf.getvalue()


def multipage_pdf(pages: int = 3, landscape_page: int = 1) -> bytes:
    """`pages` pages, page index `landscape_page` landscape, each labelled with its number."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for i in range(pages):
        size = landscape(A4) if i == landscape_page else A4
        c.setPageSize(size)
        c.setFont("Helvetica-Bold", 40)
        c.drawCentredString(size[0] / 2, size[1] / 2, f"Halaman {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def png_image(width: int = 400, height: int = 300, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "white" if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


def tiff_pages(count: int = 3) -> bytes:
    frames = [Image.new("RGB", (300, 420), c) for c in ("red", "green", "blue", "gray")[:count]]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


@functools.cache
def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """Huge dimensions, tiny file: a valid 1-bit all-white PNG, written chunk by chunk
    (Pillow's encoder would take seconds for 900 megapixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def zip_named_pdf() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("berkas.pdf", multipage_pdf(1))
        archive.writestr("catatan.txt", "bukan pdf")
    return out.getvalue()


# -- application JSON ----------------------------------------------------------------------------


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_json(
    doc_id: str, requirement: str | None, filename: str, content_type: str, data: bytes
) -> dict[str, Any]:
    return {
        "id": doc_id,
        "requirement_code": requirement,
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "sha256": sha256(data),
        "uploaded_at": _iso(NOW - timedelta(days=1, hours=2)),
        "uploaded_by": "rina.marlina",
    }


@functools.cache
def _standard_documents() -> dict[str, tuple[dict[str, Any], bytes]]:
    ktp, kk, letter = ktp_image(), kk_pdf(), letter_pdf()
    return {
        "KTP-EL": (
            document_json(
                "d1a2b3c4-0001-4000-8000-000000000001", "KTP-EL", "ktp-siti.jpg", "image/jpeg", ktp
            ),
            ktp,
        ),
        "KK": (
            document_json(
                "d1a2b3c4-0002-4000-8000-000000000002",
                "KK",
                "kk-1471012003150004.pdf",
                "application/pdf",
                kk,
            ),
            kk,
        ),
        "DOKUMEN-PENDUKUNG": (
            document_json(
                "d1a2b3c4-0003-4000-8000-000000000003",
                "DOKUMEN-PENDUKUNG",
                "surat-keterangan-kelurahan.pdf",
                "application/pdf",
                letter,
            ),
            letter,
        ),
    }


def standard_documents() -> dict[str, tuple[dict[str, Any], bytes]]:
    """KTP image, KK PDF, supporting letter PDF: (document JSON, bytes) by requirement."""
    return copy.deepcopy(_standard_documents())


def history_json() -> list[dict[str, Any]]:
    operator = {"user_id": OTHER_ID, "username": "rina.marlina", "full_name": "Rina Marlina"}
    verifier = {
        "user_id": "5b6c7d8e-1111-4222-8333-944455566677",
        "username": "andi.pratama",
        "full_name": "Andi Pratama",
    }
    submitted = NOW - timedelta(days=1, hours=2, minutes=20)
    revision = NOW - timedelta(days=1, minutes=27)
    resubmitted = NOW - timedelta(hours=1, minutes=2)
    return [
        {
            "id": "e0000000-0000-4000-8000-000000000001",
            "action": "submit",
            "from_status": "draft",
            "to_status": "submitted",
            "actor": operator,
            "role": "operator",
            "office_code": "14.71.01.1002",
            "device_id": "c3d4e5f6-0000-4000-8000-0000000000d3",
            "device_time": _iso(submitted - timedelta(minutes=1)),
            "server_time": _iso(submitted),
            "reason": None,
            "checklist": None,
        },
        {
            "id": "e0000000-0000-4000-8000-000000000002",
            "action": "request_revision",
            "from_status": "submitted",
            "to_status": "needs_revision",
            "actor": verifier,
            "role": "verifier",
            "office_code": "14.71",
            "device_id": "c3d4e5f6-0000-4000-8000-0000000000a1",
            "device_time": _iso(revision),
            "server_time": _iso(revision),
            "reason": "Foto KK buram pada bagian NIK; mohon unggah ulang hasil pindai yang jelas.",
            "checklist": [
                {"requirement_code": "KK", "ok": False, "note": "buram, NIK tidak terbaca"},
                {"requirement_code": "KTP-EL", "ok": True, "note": None},
            ],
        },
        {
            "id": "e0000000-0000-4000-8000-000000000003",
            "action": "resubmit",
            "from_status": "needs_revision",
            "to_status": "submitted",
            "actor": operator,
            "role": "operator",
            "office_code": "14.71.01.1002",
            "device_id": "c3d4e5f6-0000-4000-8000-0000000000d3",
            "device_time": _iso(resubmitted - timedelta(hours=2)),
            "server_time": _iso(resubmitted),
            "reason": None,
            "checklist": None,
        },
    ]


def claim_json(user_id: str = USER_ID, minutes: int = 13) -> dict[str, Any]:
    names = {
        USER_ID: ("dewi.lestari", "Dewi Lestari"),
        OTHER_ID: ("budi.santoso", "Budi Santoso"),
    }
    username, full_name = names.get(user_id, ("petugas", "Petugas Lain"))
    return {
        "user_id": user_id,
        "username": username,
        "full_name": full_name,
        "expires_at": _iso(NOW + timedelta(minutes=minutes)),
    }


def application_json(
    *,
    status: str = "submitted",
    claim: dict[str, Any] | str | None = "mine",
    sex: str | None = "P",
    documents: list[dict[str, Any]] | None = None,
    service_code: str = "KTPEL-UBAH-WNI",
    due_in: timedelta = timedelta(hours=21, minutes=40),
) -> dict[str, Any]:
    if documents is None:
        documents = [doc for doc, _ in standard_documents().values()]
    if claim == "mine":
        claim = claim_json(USER_ID)
    return copy.deepcopy(
        {
            "id": APP_ID,
            "registration_number": "1471-261124-0042-6",
            "provisional_number": None,
            "service_code": service_code,
            "status": status,
            "version": 4,
            "office_code": "14.71.01.1002",
            "applicant": {
                "nik": NIK_FEMALE,
                "name": "Siti Rahmawati",
                "birth_date": "1990-08-12",
                "sex": sex,
                "kk_number": "1471012003150004",
                "phone": "081277654321",
                "email": "siti.rahmawati@example.id",
                "address": "Jl. Durian Gg. Sepakat No. 7, RT 003/RW 005, Kampung Melayu",
            },
            "channel": "counter",
            "created_at": _iso(NOW - timedelta(days=1, hours=2, minutes=30)),
            "updated_at": _iso(NOW - timedelta(hours=1)),
            "submitted_at": _iso(NOW - timedelta(days=1, hours=2, minutes=20)),
            "due_at": _iso(NOW + due_in),
            "claim": claim,
            "seq": 1042,
            "documents": documents,
            "history": history_json(),
            "unknown_future_field": {"ignored": True},
        }
    )


def detail(**kwargs: Any) -> ApplicationDetail:
    return ApplicationDetail.from_json(application_json(**kwargs))


class Loader:
    """The shell's `load_document`: bytes by document id; records calls and their threads;
    can fail or block per document."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = dict(blobs)
        self.calls: list[str] = []
        self.threads: list[int] = []
        self.errors: dict[str, Exception] = {}
        self.gate: threading.Event | None = None
        self.gated: set[str] | None = None
        """Ids that wait for `gate` (None: all)."""
        self._lock = threading.Lock()

    def __call__(self, doc: DocumentInfo) -> bytes:
        with self._lock:
            self.calls.append(doc.id)
            self.threads.append(threading.get_ident())
        if self.gate is not None and (self.gated is None or doc.id in self.gated):
            self.gate.wait(10)
        if doc.id in self.errors:
            raise self.errors[doc.id]
        return self.blobs[doc.id]


def standard_loader() -> Loader:
    return Loader({doc["id"]: data for doc, data in standard_documents().values()})


def fixed_clock(now: datetime = NOW) -> Callable[[], datetime]:
    return lambda: now
