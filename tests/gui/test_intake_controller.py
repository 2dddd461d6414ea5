"""IntakeController without the page where it can be, and the page's smaller promises: saves are
debounced (many keystrokes, one write), recently used services lead (per user), a known
applicant is offered from the local cache after confirmation, the Tab order follows the form,
and the page fits a 1366x768 screen."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controllers.intake import (
    SAVE_DELAY_MS,
    SAVE_MAX_WAIT_MS,
    RecentServices,
    known_applicant,
)
from desktop.views.intake.fields import ChoiceInput
from tests.gui.intake_helpers import (
    NIK_WOMAN,
    OFFSCREEN_POPUPS,
    WAIT,
    field,
    intake_page,
    pick_service,
    settle,
    type_into,
)
from tests.gui.shell_helpers import shot
from tests.gui.test_intake_form import fill_applicant

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)


def test_recent_services_lead_per_user(tmp_path: Path) -> None:
    path = tmp_path / "recent.json"
    mine, theirs = RecentServices("u1", path), RecentServices("u2", path)
    mine.used("SKTM")
    mine.used("AKTA-LAHIR")
    mine.used("SKTM")
    theirs.used("KIA")
    assert mine.get() == ["SKTM", "AKTA-LAHIR"]
    assert RecentServices("u2", path).get() == ["KIA"]


def test_saves_are_debounced_and_typing_never_waits(qtbot: QtBot, tmp_path: Path) -> None:
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page, controller = counter.page, counter.controller
        pick_service(qtbot, page, "skck")
        saves: list[str] = []
        controller.saved.connect(saves.append)
        type_into(qtbot, page, "name", "Siti Nur'aini binti Abdullah")
        assert controller.save_pending  # typing only started the timer
        assert saves == []
        qtbot.waitUntil(lambda: bool(saves), timeout=SAVE_DELAY_MS * 10)
        assert len(saves) == 1, "one write for a whole name, not one per key"
        assert saves[0].startswith("Tersimpan ")
        stored = counter.drafts.load(controller.current.id)
        assert stored is not None and stored.applicant["name"] == "Siti Nur'aini binti Abdullah"
        # One pick, one draft (the completer's Enter reaches the field too; a second draft
        # opening late used to empty the form being filled).
        assert [d.id for d in counter.drafts.list()] == [controller.current.id]


def test_a_typist_who_never_pauses_is_saved_at_least_every_max_wait(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The debounce alone never fired while keys came faster than SAVE_DELAY_MS apart: a power
    cut after a minute of unbroken typing lost all of it."""
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page, controller = counter.page, counter.controller
        pick_service(qtbot, page, "skck")
        saves: list[str] = []
        controller.saved.connect(saves.append)
        edit = field(page, "address")
        edit.setFocus()
        keys = 0
        while keys * (SAVE_DELAY_MS // 4) < SAVE_MAX_WAIT_MS * 2.5:
            qtbot.keyClick(edit, "a")
            keys += 1
            qtbot.wait(SAVE_DELAY_MS // 4)  # a key every 125 ms: never a pause
        assert controller.save_pending  # still typing
        assert len(saves) >= 2, saves
        stored = counter.drafts.load(controller.current.id)
        assert stored is not None and len(stored.applicant["address"]) >= keys // 3


def test_known_applicant_fills_the_rest_after_confirmation(qtbot: QtBot, tmp_path: Path) -> None:
    good = tmp_path / "kk.png"
    Image.new("RGB", (60, 40), "white").save(good)
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        pick_service(qtbot, page, "skck")
        fill_applicant(qtbot, page)
        type_into(qtbot, page, "surat.keperluan", "Melamar kerja")
        for box in page.requirements.boxes.values():
            box.request_import([good])
        qtbot.waitUntil(
            lambda: all(b.count() == 1 for b in page.requirements.boxes.values()), timeout=WAIT
        )
        settle(qtbot, page)
        qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(counter.receipts) == 1, timeout=WAIT)
        assert known_applicant(counter.store, NIK_WOMAN)["name"] == "Siti Nur'aini"

        # The same citizen again, for another letter: the NIK is enough.
        pick_service(qtbot, page, "domisili")
        type_into(qtbot, page, "nik", NIK_WOMAN)
        qtbot.waitUntil(page.known_bar.isVisible, timeout=WAIT)
        assert "Siti Nur'aini" in page.known_label.text()
        assert QApplication.focusWidget() is field(page, "nik")  # typing goes on undisturbed
        assert page.applicant.values()["name"] == ""  # nothing filled without asking
        shot(page, "intake-known-applicant.png")
        qtbot.mouseClick(page.known_fill, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.applicant.values()["name"] == "Siti Nur'aini", timeout=WAIT)
        values = page.applicant.values()
        assert values["birth_date"] == "1990-05-12"
        assert values["village_code"].startswith("1471")


def test_tab_order_follows_the_form_and_the_page_fits_the_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        assert page.minimumSizeHint().height() <= 768 - 120  # taskbar, title, status bar
        pick_service(qtbot, page, "skck")
        order = ["nik", "kk_number", "name", "birth_place", "birth_date", "sex", "phone"]
        order += ["email", "address", "rt", "rw", "village_code", "surat.keperluan"]
        field(page, order[0]).setFocus()
        for here, there in itertools.pairwise(order):
            assert QApplication.focusWidget() is field(page, here), here
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is field(page, there), f"{here} -> {there}"
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        first_box = next(iter(page.requirements.boxes.values()))
        assert QApplication.focusWidget() in (first_box.files, first_box.import_button)


def test_a_letter_picks_the_choice_at_any_pace(qtbot: QtBot) -> None:
    """P for one citizen right after P for the previous one still means Perempuan (Qt's own
    search joined the two into "pp" and found nothing)."""
    choice = ChoiceInput((("L", "Laki-laki"), ("P", "Perempuan")))
    qtbot.addWidget(choice)
    choice.show()
    qtbot.waitExposed(choice)
    qtbot.keyClick(choice.combo, Qt.Key.Key_P)
    assert choice.value() == "P"
    choice.set_value("")  # the next draft
    qtbot.keyClick(choice.combo, Qt.Key.Key_P)
    assert choice.value() == "P"
    qtbot.keyClick(choice.combo, Qt.Key.Key_L)
    assert choice.value() == "L"
