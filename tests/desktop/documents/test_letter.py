"""Letters read back with the tools an auditor would use: `pdftotext` (content and word boxes),
`pdfinfo` (page size), `pdffonts` (embedding), `qpdf --check` (structure), zxing-cpp on a
`pdftoppm` rendering (the verification QR). Every shipped template, on both papers."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image

from desktop.domain.letter_template import LetterDataError, LetterTemplate
from desktop.services.documents.letter import (
    MARGIN_LEFT,
    MARGIN_RIGHT,
    Letterhead,
    LetterheadError,
    RenderedLetter,
    load_letterhead,
    load_templates,
    parse_letterhead,
    render_letter,
    sample_letter_data,
)

TEMPLATES = load_templates()
OFFICE = "14.71.01.1002"
PAGE_PT = {"A4": (595.276, 841.89), "F4": (609.449, 935.433)}
"""210 x 297 mm and 215 x 330 mm in points (1 mm = 72/25.4 pt)."""
EXPECTED_CODES = {
    "SK-DOMISILI",
    "SK-USAHA",
    "SKTM",
    "SP-SKCK",
    "SK-KELAHIRAN",
    "SK-KEMATIAN",
    "SK-PINDAH",
    "SK-BELUM-MENIKAH",
    "SP-NIKAH",
    "SK-BEDA-NAMA",
}


def run(tool: list[str], pdf: bytes, tmp_path: Path, name: str = "l.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(
        [*tool, str(path)] if tool[-1] != "-" else [*tool[:-1], str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def words(pdf: bytes, tmp_path: Path) -> list[tuple[int, str, float, float, float, float]]:
    """(page from 0, word, xMin, yMin, xMax, yMax), y from the TOP as pdftotext gives it."""
    html = run(["pdftotext", "-bbox", "-"], pdf, tmp_path, "b.pdf")
    root = ElementTree.fromstring(html.replace("<!DOCTYPE", "<!--").replace('dtd">', 'dtd"-->'))
    ns = "{http://www.w3.org/1999/xhtml}"
    out = []
    for index, page in enumerate(root.iter(f"{ns}page")):
        for word in page.iter(f"{ns}word"):
            box = [float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")]
            out.append((index, word.text or "", box[0], box[1], box[2], box[3]))
    return out


def letter(code: str = "SK-DOMISILI", **changes: object) -> tuple[LetterTemplate, RenderedLetter]:
    template = TEMPLATES[code]
    data = replace(sample_letter_data(template), **changes)  # type: ignore[arg-type]
    return template, render_letter(template, load_letterhead(OFFICE), data)


def test_every_kelurahan_letter_of_the_catalogue_has_a_template() -> None:
    assert set(TEMPLATES) == EXPECTED_CODES


@pytest.mark.parametrize("paper", ["A4", "F4"])
@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_letter_reads_back(code: str, paper: str, tmp_path: Path) -> None:
    template = TEMPLATES[code]
    data = sample_letter_data(template, number=f"{template.klasifikasi}/0117/JDR/XII/2026")
    head = load_letterhead(OFFICE)
    rendered = render_letter(template, head, data, paper=paper)  # type: ignore[arg-type]

    text = run(["pdftotext", "-layout", "-"], rendered.pdf, tmp_path)
    flat = " ".join(text.split())
    assert f"Nomor : {template.klasifikasi}/0117/JDR/XII/2026" in flat
    assert f"Hal : {template.hal}" in flat
    assert "Sifat : Biasa" in flat and "Lampiran : -" in flat
    assert "Pekanbaru, 3 Desember 2026" in flat
    assert template.title in flat
    assert "KELURAHAN JADIREJO" in flat and "PEMERINTAH KOTA PEKANBARU" in flat
    assert "Tengku Said Hamzah, S.Sos." in flat and "NIP. 197805122005011003" in flat
    assert "Kode verifikasi: K7QX-9M2P-DV4H" in flat
    assert "{" not in text and "}" not in text  # every placeholder filled
    if "pemohon.name" in template.used_keys():
        assert "SITI NUR'AINI BINTI ABDULLAH" in flat

    info = run(["pdfinfo"], rendered.pdf, tmp_path)
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    w, h = (float(v) for v in size.split()[2:5:2])
    assert (round(w, 2), round(h, 2)) == tuple(round(v, 2) for v in PAGE_PT[paper])
    assert f"Pages: {rendered.pages}" in " ".join(info.split())

    fonts = run(["pdffonts"], rendered.pdf, tmp_path).splitlines()[2:]
    assert fonts, "no font listed"
    for line in fonts:
        assert "DejaVuSans" in line and " yes yes yes " in line, line

    page, x0, y0, x1, y1 = rendered.signature_box
    page_w, page_h = PAGE_PT[paper]
    assert 0 <= page < rendered.pages
    assert 0 < x0 < x1 <= page_w and 0 < y0 < y1 <= page_h
    assert x1 - x0 > 150 and y1 - y0 > 70  # room for a stamp with a QR
    # pdftotext's y runs from the top; the box's from the bottom
    top, bottom = page_h - y1, page_h - y0
    inside = [
        w
        for w in words(rendered.pdf, tmp_path)
        if w[0] == page and w[2] < x1 and w[4] > x0 and w[3] < bottom and w[5] > top
    ]
    assert inside == []


def test_qpdf_finds_no_error(tmp_path: Path) -> None:
    for code in ("SK-DOMISILI", "SK-PINDAH"):
        _template, rendered = letter(code)
        path = tmp_path / f"{code}.pdf"
        path.write_bytes(rendered.pdf)
        # qpdf comes with `make deps-debian`
        out = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "No syntax or stream encoding errors found" in out.stdout


def test_same_input_same_bytes() -> None:
    _t, first = letter()
    _t, again = letter()
    assert first.pdf == again.pdf
    _t, other = letter(number="470/0043/JDR/XII/2026")
    assert other.pdf != first.pdf
    template = TEMPLATES["SK-DOMISILI"]
    head = load_letterhead(OFFICE)
    later = render_letter(
        template, head, sample_letter_data(template), created=datetime(2026, 12, 3, tzinfo=UTC)
    )
    assert later.pdf != first.pdf


def test_qr_at_the_foot_carries_the_verification_link(tmp_path: Path) -> None:
    _t, rendered = letter()
    path = tmp_path / "q.pdf"
    path.write_bytes(rendered.pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "q")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("q*.png")))
    foot = image.crop((0, int(image.height * 0.85), image.width // 2, image.height))
    found = [r.text for r in zxingcpp.read_barcodes(foot)]
    assert found == ["http://127.0.0.1:8765/verify/K7QX9M2PDV4H"]


def test_two_thousand_characters_wrap_onto_more_pages_without_clipping(tmp_path: Path) -> None:
    template = TEMPLATES["SK-USAHA"]
    base = sample_letter_data(template)
    long_text = " ".join(f"kata{i:05d}" for i in range(200)) + "."
    assert len(long_text) == 2000
    unbroken = "X" * 300  # a "word" wider than the line must break too
    service = {**base.service_data, "usaha.alamat": long_text, "surat.keperluan": unbroken}
    data = replace(base, service_data=service)
    rendered = render_letter(template, load_letterhead(OFFICE), data)
    assert rendered.pages >= 2
    found = words(rendered.pdf, tmp_path)
    page_w = PAGE_PT["A4"][0]
    for _page, word, x0, _y0, x1, _y1 in found:
        assert x0 >= MARGIN_LEFT - 1 and x1 <= page_w - MARGIN_RIGHT + 1, word
    printed = [w[1] for w in found if w[1].startswith("kata")]
    assert printed == long_text.split()  # every word, in order, once
    assert sum(w[1].count("X") for w in found if set(w[1]) <= {"X", "."}) == 300
    page = rendered.signature_box[0]
    assert page == rendered.pages - 1


@pytest.mark.parametrize(
    ("text", "script"),
    [("محمد عبد الله", "huruf Arab"), ("ꦱꦶꦠꦶ ꦄꦩꦶꦤꦃ", "aksara Jawa")],
)
def test_script_the_letter_cannot_print_is_refused_naming_the_field(text: str, script: str) -> None:
    template = TEMPLATES["SK-DOMISILI"]
    base = sample_letter_data(template)
    data = replace(base, applicant={**base.applicant, "name": text})
    with pytest.raises(LetterDataError) as caught:
        render_letter(template, load_letterhead(OFFICE), data)
    message = str(caught.value)
    assert "'Nama' (pemohon.name)" in message and script in message
    assert "huruf Latin" in message


def test_latin_letters_beyond_ascii_print() -> None:
    template = TEMPLATES["SK-DOMISILI"]
    base = sample_letter_data(template)
    data = replace(base, applicant={**base.applicant, "name": "Ŋabu Çağrı Əliyev"})
    assert render_letter(template, load_letterhead(OFFICE), data).pages == 1


def test_empty_required_field_is_refused_by_name() -> None:
    template = TEMPLATES["SK-DOMISILI"]
    base = sample_letter_data(template)
    data = replace(base, service_data={**base.service_data, "surat.keperluan": "  "})
    with pytest.raises(LetterDataError, match=r"surat\.keperluan"):
        render_letter(template, load_letterhead(OFFICE), data)


def test_date_field_that_is_not_a_date_is_refused() -> None:
    template = TEMPLATES["SK-DOMISILI"]
    base = sample_letter_data(template)
    data = replace(base, applicant={**base.applicant, "birth_date": "kemarin"})
    with pytest.raises(LetterDataError, match=r"pemohon\.birth_date.*tanggal"):
        render_letter(template, load_letterhead(OFFICE), data)


KOP = """versi_skema = 1
kode_kantor = "14.71.01.1002"
baris = ["PEMERINTAH KOTA PEKANBARU", "KECAMATAN SUKAJADI", "KELURAHAN JADIREJO"]
alamat = "Jl. Contoh No. 1"
tempat = "Pekanbaru"
logo = "{logo}"

[penandatangan]
jabatan = "Lurah Jadirejo"
"""


def test_logo_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"%PDF-1.4 this is a document, not an emblem")
    with pytest.raises(LetterheadError, match=r"bukan gambar.*logo\.png"):
        parse_letterhead(KOP.format(logo="logo.png"), source="kop.toml", base=tmp_path)
    with pytest.raises(LetterheadError, match="tidak ditemukan"):
        parse_letterhead(KOP.format(logo="hilang.png"), source="kop.toml", base=tmp_path)


def test_logo_image_is_drawn_in_the_kop(tmp_path: Path) -> None:
    Image.new("RGB", (120, 140), (200, 30, 30)).save(tmp_path / "lambang.png")
    head = parse_letterhead(KOP.format(logo="lambang.png"), source="kop.toml", base=tmp_path)
    assert isinstance(head, Letterhead) and head.logo == (tmp_path / "lambang.png").resolve()
    template = TEMPLATES["SP-SKCK"]
    rendered = render_letter(template, head, sample_letter_data(template))
    images = run(["pdfimages", "-list"], rendered.pdf, tmp_path).splitlines()[2:]
    assert len(images) == 1
    assert images[0].split()[3:5] == ["120", "140"]  # width, height of the emblem
    text = " ".join(run(["pdftotext", "-layout", "-"], rendered.pdf, tmp_path).split())
    assert "KELURAHAN JADIREJO" in text and "Jl. Contoh No. 1" in text


def test_letterhead_missing_parts_are_named() -> None:
    with pytest.raises(LetterheadError, match=r"jabatan wajib.*|'tempat' wajib"):
        parse_letterhead(
            'versi_skema = 1\nkode_kantor = "1"\nbaris = ["A"]\nalamat = "x"\n',
            source="kop.toml",
            base=Path("."),
        )
