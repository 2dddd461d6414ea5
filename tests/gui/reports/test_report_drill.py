"""A number clicked in Laporan shows exactly the applications behind it in Antrean (issue 14).

Against the real server with R's hand-worked data set, written straight into the server's
database (outside the change feed a pull reads): the supervisor's local store holds none of
them, as it lacks finished applications older than its 30-day window, so every row shown must
come from the report's list. The expected ids are read straight from the server's database,
not through the endpoint under test. Real clicks and key events; the queue page is wired to
the Laporan page as the shell wires it (`_show_in_queue`, tested in test_shell_supervision)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, select

from desktop.controllers.reports import ReportsController
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.api.client import ApiClient
from desktop.services.reports.drill import ReportList
from desktop.services.reports.model import QueueFilters, ReportKind
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.queue.queue_page import QueuePage
from desktop.views.reports.page import ReportsPage
from server.demo import KELURAHAN
from server.models import HistoryEntry, User
from tests.desktop.reports.seeded import seeded_server, supervisor_client
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer

WAIT = 30_000
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
NAMES = {"SK-DOMISILI": "Surat Keterangan Domisili", "SKTM": "Surat Keterangan Tidak Mampu"}
OFFICES = {KELURAHAN: "Kelurahan Jadirejo"}
ALT = Qt.KeyboardModifier.AltModifier
pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[LiveServer, ApiClient]]:
    with seeded_server() as live:
        yield live, supervisor_client(live)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(WAIT)
    tasks.shutdown()


def verified_by(server: LiveServer, username: str, start: str, end: str) -> set[str]:
    """Applications of Jadirejo `username` verified in [start, end] (WIB), from the database."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            uid = conn.execute(select(User.id).where(User.username == username)).scalar_one()
            rows = conn.execute(
                select(HistoryEntry.application_id, HistoryEntry.server_time).where(
                    HistoryEntry.actor_id == uid,
                    HistoryEntry.action == "verify",
                    HistoryEntry.office_code == KELURAHAN,
                )
            ).all()
    finally:
        engine.dispose()
    from datetime import timedelta, timezone

    wib = timezone(timedelta(hours=7))
    return {
        app
        for app, when in rows
        if start
        <= when.replace(tzinfo=when.tzinfo or UTC).astimezone(wib).date().isoformat()
        <= end
    }


def queue_ids(queue: QueuePage) -> list[str]:
    model = queue.model
    return [model.id_at(r) or "" for r in range(model.rowCount())]


def test_a_number_shows_exactly_its_applications_and_esc_clears(
    qtbot: QtBot, seeded: tuple[LiveServer, ApiClient], runner: TaskRunner, tmp_path: Path
) -> None:
    server, client = seeded
    store = Store(tmp_path / "cache.sqlite3")
    events = StoreEvents(store)
    try:
        expected = verified_by(server, "verifier1", "2025-05-01", "2025-05-22")
        assert len(expected) == 2  # A1 and A3: completed in May 2025
        assert store.count() == 0
        queue = QueuePage(QueueModel(store), runner, events=events)
        qtbot.addWidget(queue)
        queue.resize(1200, 500)
        controller = ReportsController(
            runner,
            client,
            office_code=KELURAHAN,
            office_name="Kelurahan Jadirejo",
            service_names=NAMES,
        )
        page = ReportsPage(
            controller, settings=Settings(), office_names=OFFICES, today=lambda: date(2025, 5, 22)
        )
        qtbot.addWidget(page)
        page.resize(1366, 700)

        def show(filters: object) -> None:  # what the shell's _show_in_queue does with a list
            assert isinstance(filters, QueueFilters) and isinstance(filters.listed, ReportList)
            queue.show()
            queue.show_report_list(filters.listed.ids, filters.listed.caption, filters.listed.rows)

        page.open_in_queue.connect(show)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()
        qtbot.waitUntil(
            lambda: page.loaded is not None and not page.progress.isVisible(), timeout=WAIT
        )
        # Kinerja petugas (Alt+L, Down until it), "Bulan ini" = 1-22 May 2025.
        qtbot.keyClick(page, Qt.Key.Key_L, ALT)
        while page.kind_combo.currentData() != ReportKind.OFFICERS:
            before = page.loaded
            qtbot.keyClick(page.kind_combo, Qt.Key.Key_Down)
            qtbot.waitUntil(
                lambda b=before: page.loaded is not b and not page.progress.isVisible(),
                timeout=WAIT,
            )
        assert page.loaded is not None and page.loaded.report.request.kind is ReportKind.OFFICERS
        table = page.tabs.widget(0)
        assert isinstance(table, QTableWidget)
        report_table = page.loaded.report.tables[0]
        column = [c.key for c in report_table.columns].index("verified")
        row = next(
            i for i, r in enumerate(report_table.rows) if r.cells[0] == "Siti Nurhaliza Lubis"
        )
        assert table.item(row, column).text() == "2"
        # Enter on Siti's "Verifikasi" 2: the queue shows A1 and A3, fetched from the server.
        table.setFocus()
        table.setCurrentCell(row, column)
        with qtbot.waitSignal(page.open_in_queue, timeout=WAIT):
            qtbot.keyClick(table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: queue.report_ids is not None and queue.settled, timeout=WAIT)
        assert set(queue_ids(queue)) == expected and queue.model.rowCount() == 2
        caption = queue.report_caption.text()
        assert caption == (
            "Dari Laporan: diverifikasi oleh Siti Nurhaliza Lubis, 1 Mei 2025 s.d. "
            "22 Mei 2025 \u2014 2 permohonan"
        )
        assert queue.report_chip.isVisible()
        assert queue.status_buttons[""].isChecked() and queue.search_edit.text() == ""
        assert queue.service_combo.currentIndex() == 0 and not queue.overdue_check.isChecked()
        queue.activateWindow()
        qtbot.waitUntil(lambda: queue.table.hasFocus(), timeout=WAIT)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        queue.grab().save(str(SCREENSHOTS / "report-drill-queue.png"))
        # Esc on the table: the whole queue again, the chip gone.
        qtbot.keyClick(queue.table, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: queue.settled, timeout=WAIT)
        assert queue.report_ids is None and not queue.report_chip.isVisible()
        assert queue.total_rows() == store.count() == 2  # what the list brought

        # verifier2's 3000 of 22 May by a click: exactly those 3000 (open, in the store).
        page.activateWindow()
        row = next(i for i, r in enumerate(report_table.rows) if r.cells[column] == 3000)
        rect = table.visualItemRect(table.item(row, column))
        with qtbot.waitSignal(page.open_in_queue, timeout=WAIT) as signal:
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        listed = signal.args[0].listed
        assert (listed.count, listed.applications, listed.truncated) == (3000, 3000, False)
        qtbot.waitUntil(lambda: queue.report_ids is not None and queue.settled, timeout=WAIT)
        assert queue.total_rows() == 3000
        assert set(queue_ids(queue)) == verified_by(server, "verifier2", "2025-05-22", "2025-05-22")
        assert queue.report_caption.text().endswith("\u2014 3.000 permohonan")
        # Another filter ends the list (it combines with nothing): the "Diverifikasi" tab.
        qtbot.mouseClick(queue.status_buttons["verified"], Qt.MouseButton.LeftButton)
        assert queue.report_ids is None and not queue.report_chip.isVisible()
        # The ✕ on the chip clears it too.
        with qtbot.waitSignal(page.open_in_queue, timeout=WAIT):
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: queue.report_ids is not None, timeout=WAIT)
        qtbot.mouseClick(queue.report_clear, Qt.MouseButton.LeftButton)
        assert queue.report_ids is None and not queue.report_chip.isVisible()
    finally:
        assert runner.wait_idle(WAIT)
        events.close()
        store.close()
