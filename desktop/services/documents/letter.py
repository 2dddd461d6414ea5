"""Surat kelurahan as PDF: a checked template (desktop.domain.letter_template) filled with an
application's values, under the office's kop surat, in the tata naskah dinas layout (Permendagri
1/2023): kop, place and date at the right, Nomor / Sifat / Lampiran / Hal, the addressee, the
title, the body, and the signature block (jabatan, an empty box for the electronic signature's
visible stamp, name, NIP). Every page carries the verification code, its link and a QR at the foot.

The renderer reports where the signature box landed (`RenderedLetter.signature_box`, PDF points,
origin bottom-left as PDF has it): the signer (desktop.services.signing) puts the visible PAdES
stamp exactly there, so nothing of the letter is ever covered.

Same input, same bytes (the creation date is an argument, never the clock): the verification
page compares the SHA-256 of what was issued, and a re-render for a reprint must not differ.

Field text in a script the letter cannot print right is refused, naming the field (Arabic:
reportlab does not shape or reorder it; Javanese: the embedded font has no glyphs). Letters are
issued in Latin script as on the KTP-el; the refusal says so instead of printing broken text.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Final

from PIL import Image as PilImage
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop.domain.formatting import format_date
from desktop.domain.letter_template import (
    LETTER_KEYS,
    DataRows,
    LetterDataError,
    LetterTemplate,
    Paragraf,
    TemplateError,
    fill,
    label,
    load_template,
    placeholders,
)
from desktop.domain.wilayah import code_digits, get_wilayah
from desktop.services.documents.pdf_parts import (
    FONT,
    FONT_BOLD,
    PAPERS,
    RESOURCES,
    Paper,
    Paragraph,
    QrFlowable,
    canvas_maker,
    kop_surat,
    register_fonts,
    text,
    to_bytes,
    unprintable,
)

LETTERS_DIR: Final = RESOURCES / "letters"
TEMPLATES_DIR: Final = LETTERS_DIR / "surat"
LETTERHEADS_DIR: Final = LETTERS_DIR / "kop"

MARGIN_LEFT: Final = 25 * mm
MARGIN_RIGHT: Final = 20 * mm
MARGIN_TOP: Final = 12 * mm
FOOT_HEIGHT: Final = 27 * mm
"""Below the text frame: the verification QR and its lines, on every page."""
QR_SIDE: Final = 20 * mm
SIGNATURE_WIDTH: Final = 70 * mm
SIGNATURE_BOX: Final = (62 * mm, 28 * mm)
"""The empty rectangle kept for the visible signature stamp (width, height)."""
BODY_SIZE: Final = 11.0


@dataclass(frozen=True)
class Letterhead:
    """One office's kop surat and signing office (resources/letters/kop/<kode kantor>.toml)."""

    office_code: str
    lines: tuple[str, ...]
    address: str
    place: str
    """Where the letter is dated: 'Pekanbaru, 3 Desember 2026'."""
    jabatan: str
    """The signing official's post, e.g. 'Lurah Jadirejo'."""
    logo: Path | None = None


@dataclass(frozen=True)
class Official:
    """Who signs: the person (name and NIP) changes, the post comes from the letterhead unless
    `jabatan` is given (e.g. 'a.n. Lurah Jadirejo, Sekretaris Kelurahan')."""

    name: str
    nip: str
    jabatan: str | None = None


@dataclass(frozen=True)
class LetterData:
    number: str
    """Already allocated and formatted (desktop.domain.numbering.format_letter_number)."""
    issued: date
    applicant: Mapping[str, str]
    """The application's applicant fields (applicant_rules.APPLICANT_KEYS)."""
    service_data: Mapping[str, str]
    """The service's own fields, flat keys ('anak.nama')."""
    official: Official
    verification_code: str
    verification_url: str
    """The public /verify link with the code: printed and in the QR."""


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    signature_box: tuple[int, float, float, float, float]
    """(page index from 0, x0, y0, x1, y1) in PDF points, origin bottom-left of the page."""
    pages: int
    paper: Paper = "A4"
    keys_used: tuple[str, ...] = field(default=())


class LetterheadError(ValueError):
    """The office's letterhead file cannot be used; the message is Indonesian."""


# -- data files ------------------------------------------------------------------------------


def check_logo(path: Path) -> None:
    """Refuse a logo that is not a PNG or JPEG image (a renamed document, a broken download)
    before it reaches a letter: reportlab would fail mid-letter with an unreadable error."""
    try:
        with PilImage.open(path) as image:
            kind = image.format
            image.verify()
    except FileNotFoundError:
        raise LetterheadError(f"Logo kop surat tidak ditemukan: {path}") from None
    except Exception:
        raise LetterheadError(
            f"Logo kop surat bukan gambar yang dapat dibaca: {path.name} (pakai PNG atau JPEG)"
        ) from None
    if kind not in ("PNG", "JPEG"):
        raise LetterheadError(f"Logo kop surat harus PNG atau JPEG, bukan {kind}: {path.name}")


def parse_letterhead(text_: str, *, source: str, base: Path) -> Letterhead:
    """A letterhead file's content; `base` is the folder a relative logo path starts from."""
    try:
        data = tomllib.loads(text_.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise LetterheadError(f"{source}: sintaks TOML tidak valid: {exc}") from None
    problems: list[str] = []
    lines = data.get("baris")
    if not (isinstance(lines, list) and lines and all(isinstance(v, str) for v in lines)):
        problems.append("'baris' harus daftar teks kop (mis. PEMERINTAH KOTA ...)")
        lines = []
    signer = data.get("penandatangan")
    jabatan = signer.get("jabatan") if isinstance(signer, dict) else None
    if not isinstance(jabatan, str) or not jabatan.strip():
        problems.append("[penandatangan] jabatan wajib diisi")
        jabatan = ""
    values: dict[str, str] = {}
    for key in ("kode_kantor", "alamat", "tempat"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"'{key}' wajib diisi")
            value = ""
        values[key] = value.strip()
    if problems:
        raise LetterheadError(f"{source}: " + "; ".join(problems))
    logo: Path | None = None
    if isinstance(data.get("logo"), str) and data["logo"].strip():
        logo = (base / data["logo"].strip()).resolve()
        check_logo(logo)
    return Letterhead(
        office_code=values["kode_kantor"],
        lines=tuple(str(line).strip() for line in lines),
        address=values["alamat"],
        place=values["tempat"],
        jabatan=jabatan.strip(),
        logo=logo,
    )


def load_letterhead(office_code: str, directory: Path | None = None) -> Letterhead:
    """The letterhead of an office by its wilayah code ('14.71.01.1002')."""
    folder = directory or LETTERHEADS_DIR
    path = folder / f"{office_code}.toml"
    if not path.is_file():
        raise LetterheadError(f"Kop surat kantor {office_code} belum dibuat ({path.name})")
    return parse_letterhead(path.read_text(encoding="utf-8"), source=path.name, base=folder)


def load_templates(directory: Path | None = None) -> dict[str, LetterTemplate]:
    """Every template of the folder by its code; the first bad file stops it (TemplateError
    naming the file and line): a letter type silently missing is worse than a clear refusal."""
    folder = directory or TEMPLATES_DIR
    out: dict[str, LetterTemplate] = {}
    for path in sorted(folder.glob("*.toml")):
        template = load_template(path.read_text(encoding="utf-8"), source=path.name)
        if template.code in out:
            raise TemplateError([f"{path.name}: kode {template.code} sudah dipakai templat lain"])
        out[template.code] = template
    return out


# -- values ----------------------------------------------------------------------------------


def region_text(code: str) -> str:
    """'Kelurahan Jadirejo, Kecamatan Sukajadi, Kota Pekanbaru'; the code itself when unknown."""
    digits = code_digits(code)
    if digits is None or len(digits) != 10:
        return code.strip()
    regions = get_wilayah()
    desa = regions.lookup(digits)
    if desa is None:
        return code.strip()
    parts = [f"{'Kelurahan' if digits[6] == '1' else 'Desa'} {desa.name}"]
    if (kecamatan := regions.lookup_digits(digits[:6])) is not None:
        parts.append(f"Kecamatan {kecamatan.name}")
    if (kabkota := regions.lookup_digits(digits[:4])) is not None:
        parts.append(kabkota.name)
    return ", ".join(parts)


def letter_values(
    template: LetterTemplate, head: Letterhead, data: LetterData
) -> tuple[dict[str, str], dict[str, str]]:
    """(values by key, overrides by 'key:format') for `fill`; refuses empty required fields and
    text the letter cannot print, naming the field."""
    values: dict[str, str] = {f"pemohon.{k}": v for k, v in data.applicant.items()}
    values.update(data.service_data)
    values.update(
        {
            "kantor.nama": head.lines[-1] if head.lines else "",
            "kantor.tempat": head.place,
            "kantor.alamat": head.address,
            "penandatangan.jabatan": data.official.jabatan or head.jabatan,
            "penandatangan.nama": data.official.name,
            "penandatangan.nip": data.official.nip,
            "naskah.nomor": data.number,
            "naskah.tanggal": format_date(data.issued),
        }
    )
    missing = [key for key in template.required if not str(values.get(key, "")).strip()]
    if missing:
        raise LetterDataError(
            "Isian wajib surat belum diisi: "
            + ", ".join(f"{label(key)} ({key})" for key in missing)
        )
    used = set(template.used_keys()) | {"penandatangan.nama", "penandatangan.jabatan"}
    for key in sorted(used):
        bad = unprintable(str(values.get(key, "")))
        if bad is not None:
            char, script = bad
            raise LetterDataError(
                f"Isian {label(key)} ({key}) memuat {script} ('{char}') yang tidak dapat "
                "dicetak pada surat. Tulis dengan huruf Latin seperti pada KTP-el/KK."
            )
    overrides: dict[str, str] = {}
    for value in template.texts():
        for key, fmt in placeholders(value):
            if fmt == "wilayah" and values.get(key, "").strip():
                overrides[f"{key}:wilayah"] = region_text(values[key])
    return values, overrides


# -- layout ----------------------------------------------------------------------------------


class _Styles:
    def __init__(self) -> None:
        size = BODY_SIZE
        self.body = ParagraphStyle("l_body", fontName=FONT, fontSize=size, leading=size * 1.4)
        self.justify = ParagraphStyle(
            "l_justify",
            parent=self.body,
            alignment=TA_JUSTIFY,
            firstLineIndent=10 * mm,
            spaceAfter=size * 0.6,
        )
        self.title = ParagraphStyle(
            "l_title",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=size * 1.1,
            alignment=TA_CENTER,
            spaceBefore=size * 0.6,
            spaceAfter=size * 1.0,
        )
        self.sign = ParagraphStyle("l_sign", parent=self.body, alignment=TA_CENTER)
        self.sign_name = ParagraphStyle("l_sign_name", parent=self.sign, fontName=FONT_BOLD)
        self.foot = ParagraphStyle("l_foot", fontName=FONT, fontSize=7.5, leading=9.5)


@functools.cache
def _styles() -> _Styles:
    return _Styles()


class SignatureBox(Flowable):  # type: ignore[misc]
    """An empty rectangle that remembers where it was drawn (page, absolute rectangle)."""

    def __init__(self, width: float, height: float, found: list[tuple[int, float, float]]) -> None:
        super().__init__()
        self.width, self.height = width, height
        self._found = found

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self._found.append((self.canv.getPageNumber() - 1, float(x), float(y)))


def _rows_table(rows: list[tuple[str, str]], width: float, indent: float) -> Table:
    """Label : value, the value wrapping under itself; a row taller than a page splits
    (splitInRow), so 2,000 characters in one field flow on without clipping."""
    s = _styles()
    label_w = 48 * mm
    data = [
        [Paragraph(text(k), s.body), Paragraph(":", s.body), Paragraph(text(v), s.body)]
        for k, v in rows
    ]
    table = Table(
        data,
        colWidths=[indent + label_w, 4 * mm, width - indent - label_w - 4 * mm],
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # never Helvetica (not embedded)
                ("LEFTPADDING", (0, 0), (0, -1), indent),
                ("LEFTPADDING", (1, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    table.spaceAfter = BODY_SIZE * 0.6
    return table


def _head_block(
    template: LetterTemplate,
    head: Letterhead,
    data: LetterData,
    width: float,
    fill_: dict[str, str],
    overrides: dict[str, str],
) -> list[Flowable]:
    s = _styles()
    place_date = f"{head.place}, {format_date(data.issued)}"
    rows = [
        ("Nomor", data.number),
        ("Sifat", template.sifat),
        ("Lampiran", template.lampiran),
        ("Hal", fill(template.hal, fill_, overrides)),
    ]
    left_w = width * 0.6
    meta = Table(
        [
            [Paragraph(k, s.body), Paragraph(":", s.body), Paragraph(text(v), s.body)]
            for k, v in rows
        ],
        colWidths=[22 * mm, 4 * mm, left_w - 26 * mm],
    )
    meta.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # never Helvetica (not embedded)
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    right = ParagraphStyle("l_date", parent=s.body, alignment=2)
    table = Table([[meta, Paragraph(text(place_date), right)]], colWidths=[left_w, width - left_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # never Helvetica (not embedded)
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    flows: list[Flowable] = [table, Spacer(1, 5 * mm)]
    for line in template.addressee:
        flows.append(Paragraph(text(fill(line, fill_, overrides)), s.body))
    if template.addressee:
        flows.append(Spacer(1, 3 * mm))
    flows.append(Paragraph(f"<u>{text(template.title)}</u>", s.title))
    return flows


def _signature(
    head: Letterhead,
    data: LetterData,
    width: float,
    found: list[tuple[int, float, float]],
    closing: Flowable | None,
) -> Flowable:
    s = _styles()
    jabatan = data.official.jabatan or head.jabatan
    box_w, box_h = SIGNATURE_BOX
    cells: list[list[Flowable]] = [
        [Paragraph(text(jabatan), s.sign)],
        [SignatureBox(box_w, box_h, found)],
        [Paragraph(f"<u>{text(data.official.name)}</u>", s.sign_name)],
        [Paragraph(text(f"NIP. {data.official.nip}" if data.official.nip else ""), s.sign)],
    ]
    table = Table(cells, colWidths=[SIGNATURE_WIDTH], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # never Helvetica (not embedded)
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return KeepTogether([*([closing] if closing is not None else []), Spacer(1, 4 * mm), table])


def _foot(canvas: Canvas, page_w: float, data: LetterData, page: int) -> None:
    """QR and the verification lines at the foot of every page."""
    s = _styles()
    width = page_w - MARGIN_LEFT - MARGIN_RIGHT
    y = 8 * mm
    canvas.saveState()
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_LEFT, y + QR_SIDE + 1.5 * mm, page_w - MARGIN_RIGHT, y + QR_SIDE + 1.5 * mm)
    qr = QrFlowable(data.verification_url, QR_SIDE)
    qr.drawOn(canvas, MARGIN_LEFT, y)
    lines = Paragraph(
        f"Kode verifikasi: <b>{text(data.verification_code)}</b><br/>"
        f"Periksa keaslian surat ini dengan memindai kode QR atau membuka "
        f"{text(data.verification_url)}<br/>"
        f"Nomor {text(data.number)} — halaman {page}",
        s.foot,
    )
    text_w = width - QR_SIDE - 3 * mm
    _w, h = lines.wrap(text_w, QR_SIDE)
    lines.drawOn(canvas, MARGIN_LEFT + QR_SIDE + 3 * mm, y + (QR_SIDE - h) / 2)
    canvas.restoreState()


def render_letter(
    template: LetterTemplate,
    letterhead: Letterhead,
    data: LetterData,
    *,
    paper: Paper = "A4",
    created: datetime | None = None,
) -> RenderedLetter:
    """The letter as PDF bytes, and where its signature box is. Raises LetterDataError (Indonesian,
    naming the field) when the application's values cannot make this letter."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper: {paper!r}")
    register_fonts()
    values, overrides = letter_values(template, letterhead, data)
    page_w, page_h = PAPERS[paper]
    width = page_w - MARGIN_LEFT - MARGIN_RIGHT
    s = _styles()
    flows: list[Flowable] = kop_surat(
        width, letterhead.lines, letterhead.address, logo=letterhead.logo
    )
    flows += _head_block(template, letterhead, data, width, values, overrides)
    for block in template.blocks:
        if isinstance(block, Paragraf):
            flows.append(Paragraph(text(fill(block.text, values, overrides)), s.justify))
        elif isinstance(block, DataRows):
            rows = [(fill(k, values, overrides), fill(v, values, overrides)) for k, v in block.rows]
            flows.append(_rows_table(rows, width, 10 * mm))
    found: list[tuple[int, float, float]] = []
    # the closing paragraph goes with the signature: a page holding only a signature is not a
    # letter (and the stamp would certify a page without text)
    closing = flows.pop() if template.blocks else None
    flows.append(_signature(letterhead, data, width, found, closing))
    pages: list[int] = []

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        pages.append(doc.page)
        _foot(canvas, page_w, data, doc.page)

    def build(out: object) -> None:
        doc = BaseDocTemplate(
            out,
            pagesize=(page_w, page_h),
            title=f"{template.title} {data.number}",
            author=letterhead.lines[-1] if letterhead.lines else "",
            subject=template.hal,
            creator="Loket",
            invariant=1,
        )
        frame = Frame(
            MARGIN_LEFT,
            FOOT_HEIGHT + 8 * mm,
            width,
            page_h - MARGIN_TOP - FOOT_HEIGHT - 8 * mm,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate("letter", [frame], onPage=on_page)])
        doc.build(flows, canvasmaker=canvas_maker(created))

    pdf = to_bytes(build)
    page_index, x, y = found[-1]
    box_w, box_h = SIGNATURE_BOX
    keys = tuple(k for k in template.used_keys() if k not in LETTER_KEYS)
    return RenderedLetter(
        pdf=pdf,
        signature_box=(page_index, x, y, x + box_w, y + box_h),
        pages=max(pages) if pages else 1,
        paper=paper,
        keys_used=keys,
    )


# -- sample ----------------------------------------------------------------------------------

SAMPLE_APPLICANT: Final[Mapping[str, str]] = {
    "nik": "1471015208900001",
    "name": "Siti Nur'aini binti Abdullah",
    "birth_place": "Pekanbaru",
    "birth_date": "1990-08-12",
    "sex": "P",
    "kk_number": "1471011208150003",
    "phone": "081234567890",
    "email": "siti@example.id",
    "address": "Jl. Durian Gg. Ikhlas No. 7",
    "rt": "3",
    "rw": "5",
    "village_code": "14.71.01.1002",
}


def sample_letter_data(
    template: LetterTemplate, *, number: str = "", issued: date | None = None
) -> LetterData:
    """A filled-in example for `template`: what an administrator previews after editing it, and
    what the tests, the bench and the screenshots render. Each service field gets a value of its
    kind from the catalogue (a date for tanggal, the first choice of a pilihan ...)."""
    from desktop.domain.catalogue import load_catalogue
    from desktop.domain.letter_template import service_for

    service = service_for(template.code, load_catalogue())
    values: dict[str, str] = {}
    if service is not None:
        for key, form_field in service.fields().items():
            kind = form_field.kind
            if kind == "tanggal":
                values[key] = "2026-11-20"
            elif kind == "pilihan":
                values[key] = form_field.choices[0]
            elif kind in ("nik", "kk"):
                values[key] = "1471010101900003" if kind == "nik" else "1471011208150003"
            elif kind == "wilayah":
                values[key] = "14.71.02.1001"
            elif kind == "angka":
                values[key] = "1500000" if "penghasilan" in key else "2"
            elif kind == "telepon":
                values[key] = "081234567890"
            elif form_field.code == "jam" or form_field.code.startswith("jam_"):
                values[key] = "14:30"
            elif kind == "teks_panjang":
                values[key] = "1471015208900001 Siti Aminah\n1471011003120002 Rahmat Hidayat"
            else:
                values[key] = f"Contoh {form_field.label.lower()}"
    issued = issued or date(2026, 12, 3)
    return LetterData(
        number=number or f"{template.klasifikasi}/0042/JDR/XII/{issued.year}",
        issued=issued,
        applicant=dict(SAMPLE_APPLICANT),
        service_data=values,
        official=Official("Tengku Said Hamzah, S.Sos.", "197805122005011003"),
        verification_code="K7QX-9M2P-DV4H",
        verification_url="http://127.0.0.1:8765/verify/K7QX9M2PDV4H",
    )
