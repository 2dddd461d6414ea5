"""The shell wires issue 14's pages and the survey (the page and dialog tests build them by hand):

- a supervisor's window has the Laporan page; a number clicked there opens Antrean with the
  filters it can apply and says which it cannot;
- an administrator's window has "Pengguna" and "Perangkat", whose tables fill from the real
  server when opened; an operator's has neither;
- in the operator's session, a handover kept by the workbench's handover controller opens the
  citizen's survey over the workbench; nine answers by keys and Enter queue it, and the
  session's own outbox round sends it to the server (one row).

The handover itself is driven by keys in tests/gui/survey/test_survey_dialog.py (controller
level); here its controller's `handed_over` is emitted with a real, completed application."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop.services.applications import ApplicationService
from desktop.services.reports.model import QueueFilters
from desktop.views.admin import DevicesPage, StaffPage
from desktop.views.claims import ClaimsPage
from desktop.views.reports.page import ReportsPage
from desktop.views.survey import SurveyDialog
from desktop.views.sync_page import SyncPage
from server.demo import DEMO_NIPS
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, activate, key, running_app, sign_in
from tests.gui.shell_helpers import workbench as shell_workbench
from tests.gui.survey.test_survey_dialog import rows
from tests.live_server import LiveServer
from tests.server.conftest import Api
from tests.server.test_survey import completed

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def page_titles(loket: object) -> list[str]:
    window = getattr(loket, "window", None)
    assert window is not None
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_administrators_get_staff_and_device_pages(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "admin")
        titles = page_titles(loket)
        assert "Pengguna" in titles and "Perangkat" in titles and "Audit" in titles
        window = loket.window
        assert window is not None
        staff = window.findChild(StaffPage)
        devices = window.findChild(DevicesPage)
        assert staff is not None and devices is not None
        window.nav.setCurrentRow(titles.index("Pengguna"))
        qtbot.waitUntil(lambda: staff.table.rowCount() >= 5, timeout=WAIT)
        window.nav.setCurrentRow(titles.index("Perangkat"))
        qtbot.waitUntil(lambda: devices.table.rowCount() >= 1, timeout=WAIT)
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "operator1")
        titles = page_titles(loket)
        assert "Pengguna" not in titles and "Perangkat" not in titles and "Audit" not in titles
        assert "Klaim" not in titles


def test_a_kept_handover_offers_the_survey_and_the_session_sends_it(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    staff = {r: Api(live_server, *live_server.accounts[r]) for r in ("operator", "lurah")}
    app = completed(staff.__getitem__)
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "operator1")
        wb = shell_workbench(loket)
        binding = loket.workbench
        assert binding is not None
        handover = binding.controller.handover
        assert handover is not None
        apps: ApplicationService = binding.controller.apps
        detail = apps.fetch_detail(app["id"])
        handover.handed_over.emit(detail)
        qtbot.waitUntil(
            lambda: any(isinstance(w, SurveyDialog) and w.isVisible() for w in wb.children()),
            timeout=WAIT,
        )
        dialog = next(w for w in wb.children() if isinstance(w, SurveyDialog))
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
        for key in "443344332":
            qtbot.keyClick(dialog, key)
        assert dialog.on_last_step
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
        # Closed and deleted (the shell's survey dialogs delete themselves on close).
        qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=WAIT)
        qtbot.waitUntil(lambda: len(rows(live_server, app["id"])) == 1, timeout=30_000)
        assert rows(live_server, app["id"])[0][:9] == (4, 4, 3, 3, 4, 4, 3, 3, 2)


def test_supervisors_get_the_reports_page_and_a_number_opens_the_queue(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "supervisor1")
        window = loket.window
        assert window is not None
        titles = page_titles(loket)
        page = window.findChild(ReportsPage)
        assert page is not None
        assert "Audit" in titles and "Klaim" in titles and "Pengguna" not in titles
        claims = window.findChild(ClaimsPage)
        assert claims is not None
        window.nav.setCurrentRow(titles.index("Klaim"))
        qtbot.waitUntil(lambda: claims.isVisible(), timeout=WAIT)
        window.nav.setCurrentRow(titles.index("Laporan"))
        qtbot.waitUntil(lambda: page.loaded is not None, timeout=WAIT)
        queue = loket.queue_page
        assert queue is not None
        page.open_in_queue.emit(
            QueueFilters(statuses=("verified",), service_code="SK-DOMISILI", officer_id="x")
        )
        assert window.nav.currentRow() == titles.index("Antrean")
        assert queue.status_buttons["verified"].isChecked()
        assert queue.service_combo.currentData() == "SK-DOMISILI"
        assert queue.notice_label.isVisible() and "Dari Laporan" in queue.notice_label.text()
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "operator1")
        window = loket.window
        assert window is not None and window.findChild(ReportsPage) is None


def test_the_signing_officials_sync_page_can_sign_waiting_letters(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """Issue 13: the Sinkronisasi page gets the session's signing (a letter waiting for BSrE is
    signed or voided there) for those who number letters; a supervisor's page only says where."""
    for username, signs in (("lurah1", True), ("supervisor1", False)):
        with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
            sign_in(qtbot, loket, username)
            window = loket.window
            assert window is not None
            page = window.findChild(SyncPage)
            assert page is not None
            assert (page.letters is not None) is signs and page.panel.can_sign is signs
            signing = shell_workbench(loket).signing
            if signs:  # the official signs with the NIP the server keeps for them
                assert signing is not None and signing.official.nip == DEMO_NIPS[username]


def test_every_page_is_reached_by_keyboard(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The navigation list takes no focus: Alt+1..Alt+9 open its pages by row (found walking
    the supervisor's window by keys only: Laporan and Audit were out of reach)."""
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "supervisor1")
        window = loket.window
        assert window is not None
        titles = page_titles(loket)
        activate(qtbot, loket)
        for row in reversed(range(len(titles))):
            key(qtbot, getattr(Qt.Key, f"Key_{row + 1}"), Qt.KeyboardModifier.AltModifier)
            assert window.nav.currentRow() == row, titles[row]
            assert window.nav.item(row).toolTip() == f"Alt+{row + 1}"


def test_a_report_number_shows_exactly_its_applications_in_the_queue(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """supervisor1, Evaluasi bulanan: a click on an office's backlog ("Jumlah", open now) opens
    Antrean with exactly that office's open submitted applications, under "Dari Laporan: ...";
    Esc gives the whole queue back."""
    from PySide6.QtWidgets import QTableWidget

    from desktop.services.reports.model import ReportKind
    from tests.gui.shell_helpers import wait_pulled

    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "supervisor1")
        wait_pulled(qtbot, loket)
        window, store, queue = loket.window, loket.store, loket.queue_page
        assert window is not None and store is not None and queue is not None
        titles = page_titles(loket)
        page = window.findChild(ReportsPage)
        assert page is not None
        window.nav.setCurrentRow(titles.index("Laporan"))
        qtbot.waitUntil(lambda: page.loaded is not None, timeout=WAIT)
        before = page.loaded
        page.kind_combo.setFocus()
        qtbot.keyClick(page.kind_combo, Qt.Key.Key_Down)
        qtbot.waitUntil(
            lambda: page.loaded is not before and not page.progress.isVisible(), timeout=WAIT
        )
        assert page.loaded is not None
        assert page.loaded.report.request.kind is ReportKind.MONTHLY
        tables = page.loaded.report.tables
        t_index = next(i for i, t in enumerate(tables) if t.key == "backlog")
        backlog = tables[t_index]
        r = max(range(len(backlog.rows)), key=lambda i: backlog.rows[i].cells[1] or 0)
        office, number = backlog.rows[r].keys.office_code, backlog.rows[r].cells[1]
        assert isinstance(number, int) and number > 0
        open_states = ("submitted", "needs_revision", "verified", "validated", "signed")
        expected = {
            str(app)
            for (app,) in store.read(
                lambda c: c.exec_driver_sql(
                    "SELECT id FROM applications WHERE office_code = ? AND submitted_at IS NOT "
                    f"NULL AND status IN ({','.join('?' * len(open_states))})",
                    (office, *open_states),
                ).all()
            )
        }
        assert len(expected) == number
        page.tabs.setCurrentIndex(t_index)
        view = page.tabs.widget(t_index)
        assert isinstance(view, QTableWidget)
        rect = view.visualItemRect(view.item(r, 1))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: queue.report_ids is not None and queue.settled, timeout=WAIT)
        assert window.nav.currentRow() == titles.index("Antrean")
        model = queue.model
        assert {model.id_at(i) for i in range(model.rowCount())} == expected
        assert queue.report_caption.text().startswith("Dari Laporan: belum selesai, ")
        assert queue.report_caption.text().endswith(f"\u2014 {number} permohonan")
        assert not queue.notice_label.isVisible()  # exact: nothing it could not filter
        activate(qtbot, loket)
        queue.table.setFocus()
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: queue.report_ids is None and queue.settled, timeout=WAIT)
        assert not queue.report_chip.isVisible() and queue.model.rowCount() > number
