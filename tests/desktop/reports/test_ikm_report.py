"""The IKM report (Permenpan RB 14/2017) against the real reference server with a survey set
worked by hand (tests/desktop/reports/ikm_seeded.py): the PDF read back with pdftotext, the XLSX
with openpyxl and the CSV all carry the hand-worked IKM, band and NRRs; an empty period prints
"Tidak ada data", never 0; no number of the survey is a way into the queue."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.domain import ikm
from desktop.services.api.client import ApiClient
from desktop.services.reports.csv_export import build_csv
from desktop.services.reports.data import fetch
from desktop.services.reports.model import NO_DATA, Report, ReportKind, Request
from desktop.services.reports.pdf import build_pdf, fallback_letterhead
from desktop.services.reports.spreadsheet import build_xlsx
from tests.desktop.reports.ikm_seeded import (
    DOMISILI_NRR,
    EMPTY,
    KECAMATAN,
    MARCH,
    OVERALL_NRR,
    SCOPE,
    camat_client,
    ikm_server,
)

NAMES = {
    "SK-DOMISILI": "Surat Keterangan Domisili",
    "SK-USAHA": "Surat Keterangan Usaha",
}
NOW = datetime(2027, 4, 5, 9, 0)


@pytest.fixture(scope="module")
def client() -> Iterator[ApiClient]:
    with ikm_server() as live:
        yield camat_client(live)


def make(client: ApiClient, period: tuple[date, date], service: str | None = None) -> Report:
    request = Request(ReportKind.IKM, *period, service=service)
    return fetch(client, request, scope_label=SCOPE, service_names=NAMES, now=NOW)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "ikm.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def line(*texts: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(t) for t in texts))


def test_the_shaped_report_is_the_hand_worked_one(client: ApiClient) -> None:
    report = make(client, MARCH)
    index, nrr = report.tables
    rows = {(r.cells[0], r.cells[1]): r.cells[2:] for r in index.rows}
    assert rows[("Kantor", "Kelurahan Jadirejo")] == (5, 85.0, "B (Baik)")
    assert rows[("Layanan", "Surat Keterangan Domisili")] == (4, 81.25, "B (Baik)")
    assert rows[("Layanan", "Surat Keterangan Usaha")] == (1, 100.0, "A (Sangat Baik)")
    assert index.rows[-1].total and index.rows[-1].cells == (
        "Keseluruhan", SCOPE, 5, 85.0, "B (Baik)"
    )  # fmt: skip
    overall = [r for r in nrr.rows if r.cells[0] == "Keseluruhan"]
    assert [r.cells[1] for r in overall] == [f"{e.code} {e.name}" for e in ikm.ELEMENTS]
    assert [r.cells[3] for r in overall] == [18, 17, 15, 20, 17, 17, 19, 15, 15]
    assert [r.cells[4] for r in overall] == [3.6, 3.4, 3.0, 4.0, 3.4, 3.4, 3.8, 3.0, 3.0]
    assert [r.cells[5] for r in overall][:2] == [0.4, 0.3778]
    assert report.headline == "IKM keseluruhan: 85,00 — mutu B (Baik), 5 responden"
    # the chart: the overall NRR per element
    (chart,) = report.charts
    assert chart.series[0][1] == (3.6, 3.4, 3.0, 4.0, 3.4, 3.4, 3.8, 3.0, 3.0)
    # respondents are no applications: no number opens the queue
    assert all(
        report.drill(t, r, c) is None for t in report.tables for r in t.rows for c in t.columns
    )


def test_pdf_xlsx_and_csv_carry_the_hand_worked_ikm(client: ApiClient, tmp_path: Path) -> None:
    report = make(client, MARCH)
    text = pdf_text(build_pdf(report, fallback_letterhead(KECAMATAN, SCOPE)), tmp_path)
    assert "SURVEI KEPUASAN MASYARAKAT (IKM)" in text
    assert line("Kelurahan Jadirejo", "5", "85,00", "B (Baik)").search(text)
    assert line("Surat Keterangan Domisili", "4", "81,25", "B (Baik)").search(text)
    assert line("Surat Keterangan Usaha", "1", "100,00", "A (Sangat Baik)").search(text)
    assert line("Keseluruhan", SCOPE, "5", "85,00", "B (Baik)").search(text)
    for element, nrr in zip(ikm.ELEMENTS, OVERALL_NRR, strict=True):
        assert line(element.code, element.name.split()[0]).search(text)
        assert nrr in text
    assert line("U1 Persyaratan", "5", "18", "3,60", "0,4000").search(text)
    assert line("U3 Waktu penyelesaian", "4", "11", "2,75", "0,3056").search(text)
    flat = " ".join(text.split())
    assert " ".join(ikm.SAMPLE_NOTE.split()[:8]) in flat and "Krejcie" in flat

    book = load_workbook(BytesIO(build_xlsx(report)))
    sheet = book["Indeks Kepuasan Masyarakat per "]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Kelompok", "Nama", "Responden", "IKM", "Mutu pelayanan")
    assert ("Keseluruhan", SCOPE, 5, 85.0, "B (Baik)") in values
    assert ("Layanan", "Surat Keterangan Domisili", 4, 81.25, "B (Baik)") in values
    assert sheet.cell(row=2, column=4).number_format == "0.00"
    nrr = list(book["Nilai rata-rata per unsur (NRR)"].iter_rows(values_only=True))
    domisili = [r for r in nrr if r[0] == "Layanan Surat Keterangan Domisili"]
    assert [f"{r[4]:.2f}".replace(".", ",") for r in domisili] == DOMISILI_NRR
    assert any("Krejcie" in str(r[1]) for r in book["Keterangan"].iter_rows(values_only=True))

    csv_text = build_csv(report).decode("utf-8-sig")
    assert "Keseluruhan;Kecamatan Sukajadi;5;85,00;B (Baik)" in csv_text
    assert "Layanan;Surat Keterangan Usaha;1;100,00;A (Sangat Baik)" in csv_text
    assert "Keseluruhan;U1 Persyaratan;5;18;3,60;0,4000" in csv_text
    for nrr_text in DOMISILI_NRR:
        assert nrr_text in csv_text


def test_a_service_filter_narrows_to_its_index(client: ApiClient) -> None:
    report = make(client, MARCH, service="SK-DOMISILI")
    assert report.filters_label == "Layanan: Surat Keterangan Domisili"
    assert report.tables[0].rows[-1].cells[2:] == (4, 81.25, "B (Baik)")


def test_an_empty_period_prints_tidak_ada_data(client: ApiClient, tmp_path: Path) -> None:
    report = make(client, EMPTY)
    assert report.no_data and report.headline == "IKM keseluruhan: Tidak ada data"
    text = pdf_text(build_pdf(report, fallback_letterhead(KECAMATAN, SCOPE)), tmp_path)
    body = text.split("Periode", 1)[1].split("Kepala Kantor")[0]
    assert body.count(NO_DATA) >= 3  # both tables and the chart
    assert not re.search(r"\b0(,00)?\b", body.split("Jumlah sampel")[0])
    book = load_workbook(BytesIO(build_xlsx(report)))
    assert book["Indeks Kepuasan Masyarakat per "]["A2"].value == NO_DATA
    csv_text = build_csv(report).decode("utf-8-sig")
    assert csv_text.count(NO_DATA) == 2 and ";0;" not in csv_text
