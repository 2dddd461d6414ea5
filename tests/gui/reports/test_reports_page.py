"""The Laporan page against the real reference server with R's hand-worked data set (a Jadirejo
supervisor's own desktop client), driven by real key events and clicks: filters change the
numbers, a number opens the queue with the filters behind it, the export buttons write the
files. The OS save dialog is the one replaced call (`ReportsPage.ask_path`): it is the
platform's native dialog, which pytest-qt cannot drive."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from desktop.controllers.reports import ReportsController
from desktop.services.api.client import ApiClient
from desktop.services.reports.model import QueueFilters, ReportKind
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.print_preview.dialog import PrintPreviewDialog
from desktop.views.reports.page import ReportsPage
from server.demo import KECAMATAN, KELURAHAN
from tests.desktop.reports.seeded import seeded_server, supervisor_client
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import DOC_SHOTS

WAIT = 30_000
SCREENSHOTS = DOC_SHOTS
NAMES = {"SK-DOMISILI": "Surat Keterangan Domisili", "SKTM": "Surat Keterangan Tidak Mampu"}
OFFICES = {
    KECAMATAN: "Kecamatan Sukajadi",
    KELURAHAN: "Kelurahan Jadirejo",
    "14.71.01.1007": "Kelurahan Harjosari",
}
ALT = Qt.KeyboardModifier.AltModifier
pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture(scope="module")
def client() -> Iterator[ApiClient]:
    with seeded_server() as live:
        yield supervisor_client(live)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(WAIT)


def open_page(qtbot: QtBot, client: ApiClient, runner: TaskRunner, today: date) -> ReportsPage:
    controller = ReportsController(
        runner, client, office_code=KELURAHAN, office_name="Kelurahan Jadirejo", service_names=NAMES
    )
    page = ReportsPage(controller, settings=Settings(), office_names=OFFICES, today=lambda: today)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    wait_loaded(qtbot, page)
    return page


def wait_loaded(qtbot: QtBot, page: ReportsPage) -> None:
    qtbot.waitUntil(lambda: page.loaded is not None and not page.progress.isVisible(), timeout=WAIT)


def total(page: ReportsPage, key: str) -> str:
    return page.total_buttons[key].text().split("\n")[1]


def reload_by(qtbot: QtBot, page: ReportsPage, widget: object, key: Qt.Key) -> None:
    before = page.loaded
    qtbot.keyClick(widget, key)  # type: ignore[arg-type]
    qtbot.waitUntil(
        lambda: page.loaded is not before and not page.progress.isVisible(), timeout=WAIT
    )


def test_filters_change_the_numbers(qtbot: QtBot, client: ApiClient, runner: TaskRunner) -> None:
    # "Hari ini" is Thursday 2025-05-22: verifier2 verified 3000 SKTM applications that day.
    page = open_page(qtbot, client, runner, date(2025, 5, 22))
    # fits a 1366x768 screen beside the shell's navigation (~240 px)
    assert page.minimumSizeHint().width() <= 1366 - 240
    assert page.loaded is not None and page.loaded.report.request.kind is ReportKind.DAILY
    assert (total(page, "received"), total(page, "verified")) == ("3.000", "3.000")
    # Laporan (Alt+L) -> Kinerja petugas, whose default period is "Bulan ini" (1-22 May):
    # A1, A3, A4 (SK-DOMISILI, received 5 and 9 May) and the 3000 SKTM.
    qtbot.keyClick(page, Qt.Key.Key_L, ALT)
    assert page.kind_combo.hasFocus()
    reload_by(qtbot, page, page.kind_combo, Qt.Key.Key_End)
    assert page.kind_combo.currentData() == ReportKind.OFFICERS
    assert page.preset_combo.currentText() == "Bulan ini"
    assert total(page, "received") == "3.003"
    # Layanan (Alt+Y), Down: Surat Keterangan Domisili only.
    qtbot.keyClick(page, Qt.Key.Key_Y, ALT)
    assert page.service_combo.hasFocus()
    reload_by(qtbot, page, page.service_combo, Qt.Key.Key_Down)
    assert page.service_combo.currentData() == "SK-DOMISILI"
    assert (total(page, "received"), total(page, "verified"), total(page, "rejected")) == (
        "3",
        "2",
        "1",
    )
    # Periode (Alt+P) -> "Bulan lalu" (April 2025): nothing - "Tidak ada data", not 0.
    qtbot.keyClick(page, Qt.Key.Key_P, ALT)
    reload_by(qtbot, page, page.preset_combo, Qt.Key.Key_Down)
    assert page.preset_combo.currentText() == "Bulan lalu"
    assert total(page, "received") == "Tidak ada data"
    assert "tidak ada data" in page.status_label.text()
    table = page.tabs.widget(0)
    assert isinstance(table, QTableWidget) and table.item(0, 0).text() == "Tidak ada data"


def test_a_number_opens_the_queue_with_its_filters(
    qtbot: QtBot, client: ApiClient, runner: TaskRunner
) -> None:
    page = open_page(qtbot, client, runner, date(2025, 5, 22))
    assert page.loaded is not None
    table = page.tabs.widget(0)
    assert isinstance(table, QTableWidget)
    rows = page.loaded.report.tables[0].rows
    # verifier2's row: 3000 verified that day (R's busy officer)
    row = next(i for i, r in enumerate(rows) if r.cells[2] == 3000 and not r.total)
    officer = rows[row].keys.officer_id
    column = [c.key for c in page.loaded.report.tables[0].columns].index("verified")
    assert table.item(row, column).text() == "3.000"
    # a click on the number
    rect = table.visualItemRect(table.item(row, column))
    with qtbot.waitSignal(page.open_in_queue, timeout=WAIT) as signal:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    (filters,) = signal.args
    # the number's filters, and the applications behind it read from the server (exact list)
    assert replace(filters, listed=None) == QueueFilters(
        action="verify",
        officer_id=officer,
        date_from=date(2025, 5, 22),
        date_to=date(2025, 5, 22),
        report="activity",
        measure="verified",
        caption="diverifikasi oleh Andi Saputra, 22 Mei 2025",
    )
    assert (filters.listed.count, len(filters.listed.ids)) == (3000, 3000)
    assert filters.listed.caption.endswith("22 Mei 2025 \u2014 3.000 permohonan")
    # the keyboard: Enter on the "Diterima" cell of operator1's row (3000 received)
    operator = next(i for i, r in enumerate(rows) if r.cells[1] == 3000 and not r.total)
    table.setFocus()
    table.setCurrentCell(operator, column - 1)
    with qtbot.waitSignal(page.open_in_queue, timeout=WAIT) as signal:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert signal.args[0].action == "create"
    assert signal.args[0].officer_id == rows[operator].keys.officer_id != officer
    # a total by keys: Space on "Diterima" above the table: the day's received, any officer
    page.total_buttons["received"].setFocus()
    with qtbot.waitSignal(page.open_in_queue, timeout=WAIT) as signal:
        qtbot.keyClick(page.total_buttons["received"], Qt.Key.Key_Space)
    assert replace(signal.args[0], listed=None) == QueueFilters(
        action="create",
        date_from=date(2025, 5, 22),
        date_to=date(2025, 5, 22),
        report="activity",
        measure="received",
        caption="diterima, 22 Mei 2025",
    )
    assert signal.args[0].listed.count == 3000
    # a zero is no way in: nothing is emitted for it
    zero = [c.key for c in page.loaded.report.tables[0].columns].index("signed")
    assert table.item(row, zero).text() == "0"
    with qtbot.assertNotEmitted(page.open_in_queue):
        qtbot.mouseClick(
            table.viewport(),
            Qt.MouseButton.LeftButton,
            pos=table.visualItemRect(table.item(row, zero)).center(),
        )


def test_export_buttons_write_the_files(
    qtbot: QtBot, client: ApiClient, runner: TaskRunner, tmp_path: Path
) -> None:
    page = open_page(qtbot, client, runner, date(2025, 6, 10))
    # Evaluasi bulanan: "Bulan lalu" is May 2025.
    qtbot.keyClick(page, Qt.Key.Key_L, ALT)
    reload_by(qtbot, page, page.kind_combo, Qt.Key.Key_Down)
    assert page.kind_combo.currentData() == ReportKind.MONTHLY
    assert page.loaded is not None and page.loaded.report.request.start == date(2025, 5, 1)
    assert total(page, "received") == "3.004"
    asked: list[str] = []

    def ask_path(caption: str, suggested: str, file_filter: str) -> Path:
        asked.append(suggested)
        return tmp_path / suggested

    page.ask_path = ask_path  # type: ignore[method-assign]  # the OS save dialog only
    for key, suffix in ((Qt.Key.Key_M, "pdf"), (Qt.Key.Key_X, "xlsx"), (Qt.Key.Key_V, "csv")):
        qtbot.keyClick(page, key, ALT)
        qtbot.waitUntil(
            lambda s=suffix: (
                bool(asked)
                and asked[-1].endswith(s)
                and page.status_label.text() == f"Tersimpan: {tmp_path / asked[-1]}"
            ),
            timeout=WAIT,
        )
    assert asked == [
        f"Evaluasi_Bulanan_Pelayanan_2025-05-01_2025-05-31.{s}" for s in ("pdf", "xlsx", "csv")
    ]
    pdf = (tmp_path / asked[0]).read_bytes()
    assert pdf.startswith(b"%PDF")
    book = load_workbook(BytesIO((tmp_path / asked[1]).read_bytes()))
    sheet = book["Kegiatan per kantor dan layanan"]
    assert [c.value for c in sheet[sheet.max_row]][2:] == [3004, 3003, 2, 2, 2, 1, 1]
    assert "3.004" in (tmp_path / asked[2]).read_text(encoding="utf-8-sig")
    page.grab().save(str(SCREENSHOTS / "report-page.png"))
    # the pages as printed
    pdf_path = tmp_path / asked[0]
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "70",
            "-png",
            "-f",
            "1",
            "-l",
            "2",
            str(pdf_path),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    for n in (1, 2):
        (tmp_path / f"page-{n}.png").replace(SCREENSHOTS / f"report-monthly-{n}.png")
    # Cetak (Ctrl+P): the print preview shows the very PDF
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: isinstance(getattr(page, "preview", None), PrintPreviewDialog), timeout=WAIT
    )
    preview = page.preview
    qtbot.waitUntil(lambda: len(preview.pages) > 0, timeout=WAIT)
    assert preview.pdf.startswith(b"%PDF")
    preview.reject()
