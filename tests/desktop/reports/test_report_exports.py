"""The printable reports against the real reference server with R's hand-worked data set: the
PDF read back with pdftotext carries the very numbers of the XLSX (openpyxl) and the CSV; the
paper is exactly A4 or F4 (pdfinfo); every font is embedded (pdffonts); an empty period prints
"Tidak ada data", never zeros."""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.services.api.client import ApiClient
from desktop.services.documents.letter import load_letterhead
from desktop.services.reports.csv_export import build_csv
from desktop.services.reports.data import fetch
from desktop.services.reports.model import NO_DATA, Report, ReportKind, Request, format_cell
from desktop.services.reports.pdf import build_pdf
from desktop.services.reports.spreadsheet import build_xlsx, sheet_title
from server.demo import KELURAHAN
from tests.desktop.reports.seeded import seeded_server, supervisor_client

NAMES = {"SK-DOMISILI": "Surat Keterangan Domisili", "SKTM": "Surat Keterangan Tidak Mampu"}
NOW = datetime(2025, 6, 2, 16, 0)


@pytest.fixture(scope="module")
def client() -> Iterator[ApiClient]:
    with seeded_server() as live:
        yield supervisor_client(live)


def make(client: ApiClient, kind: ReportKind, start: date, end: date) -> Report:
    request = Request(kind, start, end)
    return fetch(client, request, scope_label="Kelurahan Jadirejo", service_names=NAMES, now=NOW)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "laporan.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def row_pattern(texts: list[str]) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(t) for t in texts))


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        (ReportKind.MONTHLY, date(2025, 5, 1), date(2025, 5, 31)),
        (ReportKind.DAILY, date(2025, 5, 22), date(2025, 5, 22)),
        (ReportKind.OFFICERS, date(2025, 5, 1), date(2025, 6, 30)),
    ],
)
def test_pdf_xlsx_and_csv_carry_the_same_numbers(
    client: ApiClient, kind: ReportKind, start: date, end: date, tmp_path: Path
) -> None:
    report = make(client, kind, start, end)
    text = pdf_text(build_pdf(report, load_letterhead(KELURAHAN)), tmp_path)
    book = load_workbook(BytesIO(build_xlsx(report)))
    sections = build_csv(report).decode("utf-8-sig").split("\r\n\r\n")[1:]
    assert len(sections) == len(report.tables)
    compared = 0
    for table, section in zip(report.tables, sections, strict=True):
        sheet = book[sheet_title(table.title)]
        header, *values = list(sheet.iter_rows(values_only=True))
        assert list(header) == [c.title for c in table.columns]
        csv_rows = list(csv.reader(StringIO(section), delimiter=";"))
        assert csv_rows[0] == [table.title] and csv_rows[1] == list(header)
        assert len(values) == len(csv_rows) - 2 == len(table.rows) > 0
        for xlsx_row, csv_row in zip(values, csv_rows[2:], strict=True):
            numbers = [
                (v, c) for v, c in zip(xlsx_row, table.columns, strict=True) if c.kind != "text"
            ]
            # numbers as numbers in the XLSX
            assert all(isinstance(v, int | float) or v == NO_DATA for v, _ in numbers)
            texts = [format_cell(v, c.kind) for v, c in numbers]
            assert [t for t, c in zip(csv_row, table.columns, strict=True) if c.kind != "text"] == (
                texts
            )
            assert row_pattern(texts).search(text), (table.title, texts)
            compared += 1
    assert compared >= 2


def test_monthly_numbers_are_the_hand_worked_ones(client: ApiClient) -> None:
    report = make(client, ReportKind.MONTHLY, date(2025, 5, 1), date(2025, 5, 31))
    activity = {r.cells[1] or r.cells[0]: r.cells[2:] for r in report.tables[0].rows}
    # R's data set: SK-DOMISILI in May received 4, verified 3, validated 2, signed 2,
    # delivered 2, rejected 1, sent back 1; 3000 SKTM received and verified.
    assert activity["Surat Keterangan Domisili"] == (4, 3, 2, 2, 2, 1, 1)
    assert activity["Surat Keterangan Tidak Mampu"] == (3000, 3000, 0, 0, 0, 0, 0)
    assert activity["Jumlah"] == (3004, 3003, 2, 2, 2, 1, 1)
    # SLA: A1 delivered exactly at the deadline (met), A3 a second late (missed): 50.0 %.
    sla = report.tables[1].rows[0].cells
    assert sla[2:] == (1, 1, 0, 50.0)
    daily = make(client, ReportKind.DAILY, date(2025, 5, 22), date(2025, 5, 22))
    by_officer = {r.cells[0]: r.cells[1:] for r in daily.tables[0].rows}
    assert by_officer["Jumlah"][:2] == (3000, 3000)


@pytest.mark.parametrize(
    ("paper", "size"), [("A4", "595.276 x 841.89"), ("F4", "609.449 x 935.433")]
)
def test_paper_size_is_exact_and_fonts_are_embedded(
    client: ApiClient, paper: str, size: str, tmp_path: Path
) -> None:
    report = make(client, ReportKind.MONTHLY, date(2025, 5, 1), date(2025, 5, 31))
    path = tmp_path / f"{paper}.pdf"
    path.write_bytes(build_pdf(report, load_letterhead(KELURAHAN), paper=paper))  # type: ignore[arg-type]
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Page size:"))
    assert size in line, line  # 215 x 330 mm = 609.449 x 935.433 pt
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(r.split()[-5] == "yes" for r in rows), fonts.stdout


def test_an_empty_period_prints_tidak_ada_data(client: ApiClient, tmp_path: Path) -> None:
    report = make(client, ReportKind.DAILY, date(2024, 1, 2), date(2024, 1, 2))
    assert report.no_data and report.totals is None
    text = pdf_text(build_pdf(report, load_letterhead(KELURAHAN)), tmp_path)
    assert "tidak ada data" in text.lower() and "Jumlah" not in text
    assert not re.search(r"\b0\b", text.split("Kegiatan per petugas", 1)[1].split("Pekanbaru")[0])
    book = load_workbook(BytesIO(build_xlsx(report)))
    assert book["Kegiatan per petugas"]["A2"].value == NO_DATA
    assert NO_DATA in build_csv(report).decode("utf-8-sig")
