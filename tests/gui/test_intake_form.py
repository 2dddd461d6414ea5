"""The intake page driven by the keyboard: picking a service by typing, live checks, Enter moving
on (never submitting), drafts kept in the store across closing and reopening the page, a file
attached and a bad one refused beside its requirement, submit to the receipt.

Real store files, real DraftService/IntakeService, real widgets and key events; screenshots at
1366x768 (minus the navigation) go to LOKET_SHOTS_DIR (else /tmp) for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.gui.intake_helpers import (
    NIK_WOMAN,
    OFFSCREEN_POPUPS,
    WAIT,
    field,
    intake_page,
    message,
    pick_service,
    settle,
    type_into,
)
from tests.gui.shell_helpers import shot

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)


def fill_applicant(qtbot: QtBot, page: object) -> None:
    from desktop.views.intake import IntakePage

    assert isinstance(page, IntakePage)
    type_into(qtbot, page, "nik", NIK_WOMAN[:4] + " " + NIK_WOMAN[4:8] + "-" + NIK_WOMAN[8:])
    type_into(qtbot, page, "name", "Siti Nur'aini")
    type_into(qtbot, page, "birth_place", "Pekanbaru")
    type_into(qtbot, page, "birth_date", "12051990")
    sex = field(page, "sex")
    sex.setFocus()
    qtbot.keyClick(sex, Qt.Key.Key_P)
    type_into(qtbot, page, "address", "Jl. Soekarno-Hatta No. 12")
    type_into(qtbot, page, "rt", "1")
    type_into(qtbot, page, "rw", "3")
    village = field(page, "village_code")
    village.setFocus()
    qtbot.keyClicks(village, "Sukajadi")
    assert isinstance(village, QLineEdit)
    completer = village.completer()
    assert completer is not None
    popup = completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    # The office's city first: Pekanbaru's Sukajadi, not another province's.
    qtbot.waitUntil(
        lambda: page.applicant.values()["village_code"].startswith("1471"), timeout=WAIT
    )


def test_pick_by_typing_bad_nik_message_and_enter_moves_on(qtbot: QtBot, tmp_path: Path) -> None:
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        shot(page, "intake-empty.png")
        page.picker.setFocus()
        qtbot.keyClicks(page.picker, "KTPEL-RUSAK")  # taken in at a kecamatan, not here
        assert page.picker.matches() == []
        page.picker.clear()
        pick_service(qtbot, page, "akta kelahiran")
        assert counter.controller.current.service_code == "AKTA-LAHIR"
        assert page.service_sections, "the birth registration has its own sections (catalogue)"
        qtbot.waitUntil(lambda: field(page, "nik").hasFocus(), timeout=WAIT)

        # 16 digits that are not a valid NIK: its message beside the field, as typed.
        qtbot.keyClicks(field(page, "nik"), "9999999999999999")
        assert "NIK" in message(page, "nik") or message(page, "nik")
        assert field(page, "nik").property("problem") is True

        # Enter moves to the next field; it never submits.
        qtbot.keyClick(field(page, "nik"), Qt.Key.Key_Return)
        assert field(page, "kk_number").hasFocus()
        qtbot.keyClick(field(page, "kk_number"), Qt.Key.Key_Enter)
        assert field(page, "name").hasFocus()
        assert counter.controller.current is not None
        assert not counter.receipts
        assert page.problems_label.text() == ""  # no submit was even tried

        # The saved indicator comes without blocking typing.
        qtbot.waitUntil(lambda: page.saved_label.text().startswith("Tersimpan"), timeout=WAIT)
        shot(page, "intake-errors.png")

        # Ctrl+Enter tries to submit: refused, the focus on the first blocking problem.
        qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert "Belum dapat diajukan" in page.problems_label.text()
        assert QApplication.focusWidget() is field(page, "nik")
        assert message(page, "name")  # every field's problem now shows
        shot(page, "intake-submit-refused.png")


def test_enter_moves_on_from_the_sex_choice_too(qtbot: QtBot, tmp_path: Path) -> None:
    """The choice lists had no Enter-moves-on: in a real window, "p" + Enter left the cursor in
    Jenis kelamin and the phone number typed next went into the closed list as a search
    (its space opened it), so every field after it stayed empty."""
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        pick_service(qtbot, page, "domisili")
        sex = field(page, "sex")
        sex.setFocus()
        qtbot.keyClick(sex, Qt.Key.Key_P)
        qtbot.keyClick(sex, Qt.Key.Key_Return)
        assert QApplication.focusWidget() is field(page, "phone")
        qtbot.keyClicks(QApplication.focusWidget(), "0812 7654 3210")
        assert field(page, "phone").text() == "0812 7654 3210"  # type: ignore[attr-defined]
        assert page.applicant.rows["sex"].input.value() == "P"


def test_a_typed_name_and_enter_picks_the_service(qtbot: QtBot, tmp_path: Path) -> None:
    """In a real window "akta kelahiran" + Enter closed the list and picked nothing (Qt's list
    had no row chosen). One match: Enter picks it. Several: the first Enter marks the first
    row, the second picks it. Never a pick of something the person cannot see."""
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        popup = page.picker.completer_.popup()
        assert popup is not None
        page.picker.setFocus()
        qtbot.keyClicks(page.picker, "akta kelahiran")
        qtbot.waitUntil(popup.isVisible, timeout=WAIT)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: counter.controller.current is not None, timeout=WAIT)
        assert counter.controller.current.service_code == "AKTA-LAHIR"
        counter.controller.close_draft()

        page.picker.clear()
        page.picker.setFocus()
        qtbot.keyClicks(page.picker, "kelahiran")
        qtbot.waitUntil(popup.isVisible, timeout=WAIT)
        assert len(page.picker.matches()) == 2
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        assert counter.controller.current is None and popup.isVisible()
        assert popup.currentIndex().row() == 0
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: counter.controller.current is not None, timeout=WAIT)
        assert page.picker.matches() and counter.controller.current.service_code in (
            "AKTA-LAHIR",
            "SK-KELAHIRAN",
        )


def test_picking_a_kelurahan_with_enter_moves_on(qtbot: QtBot, tmp_path: Path) -> None:
    """Enter in the kelurahan list chose it but left the cursor there: in a real window the
    next field's text was appended to "Jadirejo (14.71.01.1002)" and the choice was lost."""
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        pick_service(qtbot, page, "domisili")
        type_into(qtbot, page, "village_code", "jadirejo")
        edit = field(page, "village_code")
        popup = edit.completer().popup()  # type: ignore[attr-defined]
        qtbot.waitUntil(popup.isVisible, timeout=WAIT)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not edit, timeout=WAIT)
        assert page.applicant.rows["village_code"].input.value() == "1471011002"
        qtbot.keyClicks(QApplication.focusWidget(), "Melamar pekerjaan")
        assert page.applicant.rows["village_code"].input.value() == "1471011002"


def test_drafts_survive_closing_and_reopening_the_page(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with intake_page(qtbot, path) as counter:
        page = counter.page
        pick_service(qtbot, page, "KTPEL-UBAH")
        type_into(qtbot, page, "name", "Budi")
        qtbot.waitUntil(lambda: page.saved_label.text().startswith("Tersimpan"), timeout=WAIT)
        # Ctrl+N: the next citizen; the first draft waits in the list.
        qtbot.keyClick(field(page, "name"), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert page.picker.hasFocus()
        pick_service(qtbot, page, "domisili")
        type_into(qtbot, page, "name", "Ani")
        qtbot.waitUntil(lambda: page.drafts_list.count() == 2, timeout=WAIT)
        qtbot.waitUntil(lambda: page.saved_label.text().startswith("Tersimpan"), timeout=WAIT)

    with intake_page(qtbot, path) as counter:
        page = counter.page
        qtbot.waitUntil(lambda: page.drafts_list.count() == 2, timeout=WAIT)
        texts = sorted(page.drafts_list.item(i).text() for i in range(2))  # type: ignore[union-attr]
        assert any("Budi" in t for t in texts) and any("Ani" in t for t in texts)
        budi = next(
            page.drafts_list.item(i)
            for i in range(2)
            if "Budi" in page.drafts_list.item(i).text()  # type: ignore[union-attr]
        )
        page.drafts_list.setCurrentItem(budi)
        qtbot.waitUntil(
            lambda: (
                counter.controller.current is not None
                and counter.controller.current.applicant.get("name") == "Budi"
            ),
            timeout=WAIT,
        )
        assert page.applicant.values()["name"] == "Budi"
        assert counter.controller.current.service_code == "KTPEL-UBAH-WNI"


def test_fill_attach_submit_gives_the_receipt(qtbot: QtBot, tmp_path: Path) -> None:
    good = tmp_path / "kk.png"
    Image.new("RGB", (60, 40), "white").save(good)
    bad = tmp_path / "rusak.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)  # a truncated JPEG
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page
        pick_service(qtbot, page, "KTPEL-UBAH-WNI")
        fill_applicant(qtbot, page)
        element = field(page, "perubahan.elemen")  # the service's own section (catalogue)
        element.setFocus()
        qtbot.keyClick(element, Qt.Key.Key_P)  # "pekerjaan"
        type_into(qtbot, page, "perubahan.data_baru", "Wiraswasta")
        assert page.values()[1] == {
            "perubahan.elemen": "pekerjaan",
            "perubahan.data_baru": "Wiraswasta",
        }
        assert message(page, "nik") == ""
        assert message(page, "birth_date") == ""
        boxes = page.requirements.boxes
        boxes["KK"].request_import([good])
        qtbot.waitUntil(lambda: boxes["KK"].count() == 1, timeout=WAIT)
        boxes["KTP-EL"].request_import([bad])
        qtbot.waitUntil(lambda: boxes["KTP-EL"].message.text() != "", timeout=WAIT)
        assert "rusak.jpg" in boxes["KTP-EL"].message.text()
        assert boxes["KK"].count() == 1  # nothing else lost
        shot(page, "intake-filled.png")

        # Mandatory documents missing: refused, said beside them.
        qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert "Belum dapat diajukan" in page.problems_label.text()
        assert boxes["KTP-EL"].message.text() == "Dokumen wajib ini belum dilampirkan."
        boxes["KTP-EL"].request_import([good])
        boxes["DOKUMEN-PENDUKUNG"].request_import([good])
        qtbot.waitUntil(
            lambda: boxes["KTP-EL"].count() == 1 and boxes["DOKUMEN-PENDUKUNG"].count() == 1,
            timeout=WAIT,
        )
        qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(counter.receipts) == 1, timeout=WAIT)
        result = counter.receipts[0]
        assert result.provisional and result.number.startswith("SEM-")
        assert result.receipt is not None and result.receipt.startswith(b"%PDF")
        assert counter.controller.current is None  # the next citizen at once
        qtbot.waitUntil(lambda: page.drafts_list.count() == 0, timeout=WAIT)
        assert counter.drafts.list() == []


def test_duplicate_guard_names_the_open_application_and_enter_cancels(
    qtbot: QtBot, tmp_path: Path
) -> None:
    good = tmp_path / "kk.png"
    Image.new("RGB", (60, 40), "white").save(good)
    with intake_page(qtbot, tmp_path / "store.sqlite3") as counter:
        page = counter.page

        def submit_one() -> None:
            pick_service(qtbot, page, "KTPEL-UBAH-WNI")
            fill_applicant(qtbot, page)
            element = field(page, "perubahan.elemen")
            element.setFocus()
            qtbot.keyClick(element, Qt.Key.Key_P)
            type_into(qtbot, page, "perubahan.data_baru", "Wiraswasta")
            for box in page.requirements.boxes.values():
                box.request_import([good])
            qtbot.waitUntil(
                lambda: all(b.count() == 1 for b in page.requirements.boxes.values()),
                timeout=WAIT,
            )
            settle(qtbot, page)
            qtbot.keyClick(
                field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
            )

        submit_one()
        qtbot.waitUntil(lambda: len(counter.receipts) == 1, timeout=WAIT)
        first = counter.receipts[0].number

        # The same NIK and service again: the guard names the open application.
        submit_one()
        qtbot.waitUntil(lambda: page.duplicate_box is not None, timeout=WAIT)
        box = page.duplicate_box
        assert box is not None
        assert first in box.text()
        assert "Diajukan" in box.text()  # the status in words
        shot(box, "intake-duplicate.png")
        # Enter takes the default button, Batal: nothing is submitted, the draft stays.
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.duplicate_box is None, timeout=WAIT)
        assert len(counter.receipts) == 1
        assert counter.controller.current is not None
        assert len(counter.drafts.list()) == 1
