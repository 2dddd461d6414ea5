"""The tanda terima read back as a citizen's phone and the counter's barcode reader would:
text by `pdftotext` (poppler), codes decoded by zxing-cpp from a `pdftoppm` rendering."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image

from desktop.services.documents.receipt import (
    PROVISIONAL_NOTICE,
    ReceiptData,
    RevisionItem,
    RevisionListData,
    render_receipt,
    render_revision_list,
)

NIK = "1471015208900001"
STATUS_URL = "http://127.0.0.1:8765/status/Zx8aQ2mN7pL0wE4rT6yU1iO9"
PAGE_SIZES_PT = {"A4": (595.3, 841.9), "F4": (609.4, 935.4)}


def receipt(**changes: object) -> ReceiptData:
    data = ReceiptData(
        office_name="Kelurahan Sukajadi",
        office_address="Jl. Jend. Sudirman No. 1, Sukajadi, Pekanbaru",
        government="Pemerintah Kota Pekanbaru",
        office_code="14.71.01.1002",
        number="1471-261124-0123-2",
        provisional=False,
        service_name="Akta Kelahiran",
        applicant_name="Siti Nur'aini binti Abdullah",
        masked_nik=NIK,  # full on purpose: the receipt must mask it anyway
        documents=["Surat keterangan lahir", "Kartu Keluarga (asli)", "KTP-el orang tua"],
        received_at=datetime(2026, 11, 24, 3, 45, tzinfo=UTC),  # 10.45 WIB
        expected=date(2026, 11, 27),
        officer="Operator Satu",
        status_url=STATUS_URL,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def words(pdf: bytes, tmp_path: Path) -> Iterator[tuple[int, str, float, float, float, float]]:
    """(page, word, xMin, yMin, xMax, yMax) from `pdftotext -bbox`, and the page sizes."""
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    root = ElementTree.fromstring(html.replace("<!DOCTYPE", "<!--").replace('dtd">', 'dtd"-->'))
    ns = "{http://www.w3.org/1999/xhtml}"
    for number, page in enumerate(root.iter(f"{ns}page"), 1):
        yield number, "", 0, 0, float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iter(f"{ns}word"):
            box = [float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")]
            yield number, word.text or "", box[0], box[1], box[2], box[3]


def decoded(pdf: bytes, tmp_path: Path, dpi: int = 300) -> dict[str, str]:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "c")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("c*.png")))
    return {str(r.format): r.text for r in zxingcpp.read_barcodes(image)}


@pytest.mark.parametrize(("layout", "paper"), [("half", "A4"), ("half", "F4"), ("roll80", "A4")])
def test_receipt_reads_back(layout: str, paper: str, tmp_path: Path) -> None:
    pdf = render_receipt(receipt(), layout=layout, paper=paper)  # type: ignore[arg-type]
    text = pdf_text(pdf, tmp_path)
    assert "1471-261124-0123-2" in text
    assert "PEMERINTAH KOTA PEKANBARU" in text and "KELURAHAN SUKAJADI" in text
    for document in receipt().documents:
        assert document in text
    assert "24 November 2026 pukul 10.45" in text and "WIB" in text  # office zone, not the PC's
    assert "27 November 2026" in text
    assert "147101******0001" in text
    assert NIK not in text.replace(" ", "")
    assert "Operator Satu" in text and "Akta Kelahiran" in text
    assert "NOMOR SEMENTARA" not in text
    codes = decoded(pdf, tmp_path)
    assert codes.get("Code 128") == "1471-261124-0123-2", codes
    assert codes.get("QR Code") == STATUS_URL, codes
    sizes = {
        (round(w, 1), round(h, 1)) for _n, word, _x, _y, w, h in words(pdf, tmp_path) if not word
    }
    if layout == "half":
        assert sizes == {PAGE_SIZES_PT[paper]}
    else:
        ((width, height),) = sizes
        assert width == pytest.approx(226.8, abs=0.1)  # 80 mm
        assert 283 < height < 700  # fitted to the content


def test_provisional_receipt_is_marked_and_its_number_scans(tmp_path: Path) -> None:
    number = "SEM-1471011002-PC07-261124-0005"
    for layout in ("half", "roll80"):
        pdf = render_receipt(receipt(number=number, provisional=True), layout=layout)  # type: ignore[arg-type]
        text = pdf_text(pdf, tmp_path)
        assert PROVISIONAL_NOTICE in " ".join(text.split())  # wraps on the roll
        assert "Nomor sementara" in text and number in text
        # 600 dpi: the 31-character number's narrowest bar is ~0.2 mm on the roll
        assert decoded(pdf, tmp_path, dpi=600).get("Code 128") == number
        for png in tmp_path.glob("c*.png"):
            png.unlink()


def test_no_status_url_prints_no_qr_but_says_how_to_check(tmp_path: Path) -> None:
    pdf = render_receipt(receipt(status_url=None))
    assert "QR Code" not in decoded(pdf, tmp_path)
    assert "tanyakan di loket" in pdf_text(pdf, tmp_path)


@pytest.mark.parametrize(("layout", "paper"), [("half", "A4"), ("half", "F4"), ("roll80", "A4")])
def test_long_name_and_thirty_documents_stay_inside_the_page(
    layout: str, paper: str, tmp_path: Path
) -> None:
    name = ("Raden Ajeng Siti Nurhaliza Kusumawardhani Putri " * 5)[:200]
    long_word = "Sukamaju" * 12  # 96 letters without a space: must still break
    documents = [f"Dokumen persyaratan nomor {i} dengan keterangan tambahan" for i in range(1, 31)]
    data = receipt(
        applicant_name=name,
        office_address="Jl. " + long_word + ", RT 001 RW 002, " * 4,
        documents=documents,
    )
    pdf = render_receipt(data, layout=layout, paper=paper)  # type: ignore[arg-type]
    boxes = list(words(pdf, tmp_path))
    pages: dict[int, tuple[float, float]] = {}
    for page, word, x0, y0, x1, y1 in boxes:
        if not word:
            pages[page] = (x1, y1)
            continue
        width, height = pages[page]
        assert x0 >= 0 and x1 <= width, (word, x0, x1, width)
        assert y0 >= 0 and y1 <= height, (word, y0, y1, height)
        if layout == "half":  # above the cut line, every sheet
            assert y1 <= height / 2, (word, y1, height / 2)
        else:  # inside the 72 mm printable width of the roll
            assert x0 >= 11 and x1 <= width - 11, (word, x0, x1)
    text = pdf_text(pdf, tmp_path)
    for i in (1, 15, 30):
        assert f"Dokumen persyaratan nomor {i} dengan" in text
    compact = "".join(text.split())
    assert "".join(name.split()) in compact  # the whole name, wrapped, nothing cut off
    assert long_word in compact


def test_same_input_same_bytes_and_a_fixed_creation_date() -> None:
    first = render_receipt(receipt(), created=datetime(2026, 11, 24, 3, 45, tzinfo=UTC))
    again = render_receipt(receipt(), created=datetime(2026, 11, 24, 3, 45, tzinfo=UTC))
    assert first == again
    assert b"20261124034500" in first  # /CreationDate, not the clock
    assert render_receipt(receipt()) != render_receipt(receipt(officer="Operator Dua"))


def test_names_outside_latin1_do_not_break_the_receipt(tmp_path: Path) -> None:
    name = "Nguyễn Thị Ŋgọc Ayşe 🙂 عائشة"
    text = pdf_text(render_receipt(receipt(applicant_name=name)), tmp_path)
    assert "Nguyễn Thị" in text and "Ayşe" in text


def test_revision_list(tmp_path: Path) -> None:
    data = RevisionListData(
        office_name="Kelurahan Sukajadi",
        office_address="Jl. Jend. Sudirman No. 1",
        government="Pemerintah Kota Pekanbaru",
        office_code="14.71.01.1002",
        number="1471-261124-0123-2",
        provisional=False,
        service_name="Akta Kelahiran",
        applicant_name="Siti Nur'aini",
        masked_nik=NIK,
        items=[
            RevisionItem("Kartu Keluarga", "Foto buram, nomor KK tidak terbaca"),
            RevisionItem("Surat keterangan lahir", "Tanda tangan bidan tidak ada"),
        ],
        bring=["Kartu Keluarga asli", "Surat keterangan lahir yang sudah ditandatangani"],
        office_hours="Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 WIB",
        returned_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        officer="Verifikator Satu",
    )
    for paper in ("A4", "F4"):
        text = pdf_text(render_revision_list(data, paper=paper), tmp_path)  # type: ignore[arg-type]
        assert "DAFTAR PERBAIKAN" in text and "1471-261124-0123-2" in text
        assert "Foto buram, nomor KK tidak terbaca" in text
        assert "Tanda tangan bidan tidak ada" in text
        assert "Kartu Keluarga asli" in text
        assert "Senin–Kamis 08.00–15.00" in text
        assert "25 November 2026 pukul 09.00 WIB" in text
        assert "147101******0001" in text and NIK not in text.replace(" ", "")


def test_unknown_layout_or_paper_is_refused() -> None:
    with pytest.raises(ValueError):
        render_receipt(receipt(), layout="a5")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        render_receipt(receipt(), paper="Letter")  # type: ignore[arg-type]
