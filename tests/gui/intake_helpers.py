"""The intake page on its own (real store file, real DraftService/IntakeService, real widgets),
and typing into it the way an operator does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.controllers.intake import IntakeController, ReceiptSetup, RecentServices, Submitted
from desktop.domain.catalogue import load_catalogue
from desktop.domain.identity import encode_nik
from desktop.models.store import Store
from desktop.services.drafts import DraftService
from desktop.services.duplicates import find_open
from desktop.services.intake import IntakeService
from desktop.services.tasks import TaskRunner
from desktop.views.intake import IntakePage
from desktop.views.intake.scanning import ScanSetup

WAIT = 10_000
OFFSCREEN_POPUPS = (
    r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
)
"""What the offscreen platform says for every completer popup and new window (no effect)."""
TODAY = date(2026, 12, 3)
NIK_WOMAN = encode_nik("147101", date(1990, 5, 12), "P", 21)
"""A valid NIK (Pekanbaru, kecamatan 14.71.01): a woman born 12-05-1990."""


@dataclass
class Counter:
    page: IntakePage
    controller: IntakeController
    drafts: DraftService
    store: Store
    receipts: list[Submitted]


@contextmanager
def intake_page(
    qtbot: QtBot,
    store_path: Path,
    *,
    user_id: str = "u-operator1",
    scan: ScanSetup | None = None,
) -> Iterator[Counter]:
    """The page in a 1366x768-sized frame (the window without its 150 px navigation)."""
    store = Store(store_path)
    runner = scan.runner if scan is not None else TaskRunner()
    intake = IntakeService(store, office_code="14.71.01.1002", device_code="PC1", user_id=user_id)
    drafts = DraftService(store, intake, user_id=user_id)
    receipts: list[Submitted] = []
    controller = IntakeController(
        runner=runner,
        store=store,
        drafts=drafts,
        catalogue=load_catalogue("1471"),
        user_id=user_id,
        office_level="kelurahan",
        find_duplicates=lambda nik, service, draft: find_open(
            store, None, nik, service, exclude_draft=draft
        ),
        wait_official=intake.wait_official_number,
        receipt=ReceiptSetup(
            office_name="Kelurahan Sukajadi",
            office_code="14.71.01.1002",
            officer="Operator Satu",
            status_base=lambda: "http://127.0.0.1:8765/status",
        ),
        recent=RecentServices(user_id, store_path.with_name("recent.json")),
    )
    page = IntakePage(
        controller,
        today=lambda: TODAY,
        near="14.71.01.1002",
        show_receipt=lambda _parent, result: receipts.append(result),
        scan=scan,
    )
    qtbot.addWidget(page)
    page.resize(1366 - 150, 768 - 60)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitActive(page)
    try:
        yield Counter(page, controller, drafts, store, receipts)
    finally:
        page.close()
        runner.shutdown(5000)
        store.close()


def pick_service(qtbot: QtBot, page: IntakePage, typed: str) -> None:
    """Type into the picker, take the first match with Down and Enter."""
    page.picker.setFocus()
    qtbot.keyClicks(page.picker, typed)
    popup = page.picker.completer_.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.controller.current is not None, timeout=WAIT)
    settle(qtbot, page)


def settle(qtbot: QtBot, page: QWidget) -> None:
    """The offscreen platform leaves a closed popup the active window: the page's window
    takes the keyboard back as it would on a desktop."""
    window = page.window()
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)


def field(page: IntakePage, key: str) -> QWidget:
    rows = {**page.applicant.rows}
    for section in page.service_sections:
        rows.update(section.rows)
    return rows[key].input.focus_widget()


def type_into(qtbot: QtBot, page: IntakePage, key: str, text: str) -> None:
    widget = field(page, key)
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def message(page: IntakePage, key: str) -> str:
    rows = {**page.applicant.rows}
    for section in page.service_sections:
        rows.update(section.rows)
    row = rows[key]
    return row.message.text() if row.message.isVisibleTo(page) else ""
