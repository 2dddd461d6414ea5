"""The IKM report on the Laporan page against the real reference server with the hand-worked
survey set (tests/desktop/reports/ikm_seeded.py), driven by keys: "Survei kepuasan (IKM)" shows
the index, band and NRRs the regulation's formula gives; an empty month says "Tidak ada data";
no number of the survey opens the queue (respondents are not applications)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from desktop.controllers.reports import ReportsController
from desktop.services.api.client import ApiClient
from desktop.services.reports.model import ReportKind
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.reports.page import ReportsPage
from server.demo import KECAMATAN, KELURAHAN
from tests.desktop.reports.ikm_seeded import OVERALL_NRR, SCOPE, camat_client, ikm_server
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import DOC_SHOTS

WAIT = 30_000
SCREENSHOTS = DOC_SHOTS
NAMES = {"SK-DOMISILI": "Surat Keterangan Domisili", "SK-USAHA": "Surat Keterangan Usaha"}
OFFICES = {KECAMATAN: SCOPE, KELURAHAN: "Kelurahan Jadirejo"}
ALT = Qt.KeyboardModifier.AltModifier
pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture(scope="module")
def client() -> Iterator[ApiClient]:
    with ikm_server() as live:
        yield camat_client(live)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(WAIT)


def reload_by(qtbot: QtBot, page: ReportsPage, widget: object, key: Qt.Key) -> None:
    before = page.loaded
    qtbot.keyClick(widget, key)  # type: ignore[arg-type]
    qtbot.waitUntil(
        lambda: page.loaded is not before and not page.progress.isVisible(), timeout=WAIT
    )


def cells(table: QTableWidget, row: int) -> list[str]:
    items = [table.item(row, c) for c in range(table.columnCount())]
    return [item.text() if item is not None else "" for item in items]


def test_the_ikm_report_by_keys(
    qtbot: QtBot, client: ApiClient, runner: TaskRunner, tmp_path: Path
) -> None:
    controller = ReportsController(
        runner, client, office_code=KECAMATAN, office_name=SCOPE, service_names=NAMES
    )
    # "Hari ini" is 5 April 2027: the survey's default period "Bulan lalu" is March 2027.
    page = ReportsPage(
        controller, settings=Settings(), office_names=OFFICES, today=lambda: date(2027, 4, 5)
    )
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.isActiveWindow(), timeout=WAIT)
    qtbot.waitUntil(lambda: page.loaded is not None and not page.progress.isVisible(), timeout=WAIT)
    # Laporan (Alt+L), then "S" picks "Survei kepuasan (IKM)" by its first letter
    qtbot.keyClick(page, Qt.Key.Key_L, ALT)
    assert page.kind_combo.hasFocus()
    reload_by(qtbot, page, page.kind_combo, Qt.Key.Key_S)
    assert page.kind_combo.currentData() == ReportKind.IKM
    assert page.preset_combo.currentText() == "Bulan lalu"
    assert page.loaded is not None and page.loaded.report.request.start == date(2027, 3, 1)
    # the index instead of the activity totals; the survey is not per officer
    assert page.headline_label.isVisible()
    assert page.headline_label.text() == "IKM keseluruhan: 85,00 — mutu B (Baik), 5 responden"
    assert not any(b.isVisible() for b in page.total_buttons.values())
    assert not page.officer_combo.isEnabled()
    index = page.tabs.widget(0)
    assert isinstance(index, QTableWidget) and page.tabs.tabText(0).startswith("Indeks")
    rows = [cells(index, r) for r in range(index.rowCount())]
    assert ["Kantor", "Kelurahan Jadirejo", "5", "85,00", "B (Baik)"] in rows
    assert ["Layanan", "Surat Keterangan Domisili", "4", "81,25", "B (Baik)"] in rows
    assert ["Layanan", "Surat Keterangan Usaha", "1", "100,00", "A (Sangat Baik)"] in rows
    assert rows[-1] == ["Keseluruhan", SCOPE, "5", "85,00", "B (Baik)"]
    nrr = page.tabs.widget(1)
    assert isinstance(nrr, QTableWidget)
    assert [nrr.item(r, 4).text() for r in range(9)] == OVERALL_NRR
    assert nrr.item(0, 1).text() == "U1 Persyaratan"
    charts = [page.chart_column.itemAt(i).widget() for i in range(page.chart_column.count())]
    assert [c.accessibleName() for c in charts] == ["NRR per unsur (keseluruhan, skala 1–4)"]
    assert not charts[0].pixmap().isNull()
    page.grab().save(str(SCREENSHOTS / "report-ikm-page.png"))

    # no number of the survey is a way into the queue: neither a click nor Enter
    respondents = index.item(0, 2)
    assert respondents.text() == "5" and not respondents.toolTip()
    with qtbot.assertNotEmitted(page.open_in_queue, wait=300):
        qtbot.mouseClick(
            index.viewport(),
            Qt.MouseButton.LeftButton,
            pos=index.visualItemRect(respondents).center(),
        )
        index.setFocus()
        index.setCurrentCell(len(rows) - 1, 3)
        qtbot.keyClick(index, Qt.Key.Key_Return)
    assert page.drill_filters("respondents") is None

    # the PDF the page prints (Cetak / Simpan PDF build this very one), pages looked at
    pdf = tmp_path / "ikm.pdf"
    pdf.write_bytes(controller.pdf(page.loaded, "A4"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "85,00" in text and "Krejcie" in text
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    for n in (1, 2):
        (tmp_path / f"p-{n}.png").replace(SCREENSHOTS / f"report-ikm-pdf-{n}.png")

    # Periode (Alt+P), Up: "Bulan ini" (April 2027): nobody answered - "Tidak ada data", no 0
    qtbot.keyClick(page, Qt.Key.Key_P, ALT)
    assert page.preset_combo.hasFocus()
    reload_by(qtbot, page, page.preset_combo, Qt.Key.Key_Up)
    assert page.preset_combo.currentText() == "Bulan ini"
    assert page.headline_label.text() == "IKM keseluruhan: Tidak ada data"
    assert "tidak ada data" in page.status_label.text()
    empty = page.tabs.widget(0)
    assert isinstance(empty, QTableWidget) and cells(empty, 0)[0] == "Tidak ada data"
    assert "0" not in cells(empty, 0)
    # back to another report: the activity totals return, the officer filter too
    qtbot.keyClick(page, Qt.Key.Key_L, ALT)
    reload_by(qtbot, page, page.kind_combo, Qt.Key.Key_Home)
    assert page.kind_combo.currentData() == ReportKind.DAILY
    assert page.officer_combo.isEnabled() and not page.headline_label.isVisible()
    assert all(b.isVisible() for b in page.total_buttons.values())
