"""Issue 8, the workbench on its own: what a new user tripped over, driven by real key events.

Names and addresses shown whole; a decision over a visible NIK mismatch, over unchecked
requirements, and the irreversible ones (Serahkan, Tandatangani) ask first, and Enter in those
questions never decides; an application someone else holds is read-only, consistently; the
validator starts from the verifier's marks; finished applications are not "Belum ditangani";
the document panel and the selected tab stay put between applications; the Riwayat tab shows
decisions (claims behind a toggle); times are in the zone the workbench is given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.formatting import WITA
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Action, Role
from desktop.views.workbench import WorkbenchWidget
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

LONG_NAME = "Wan Syahrul Abdullah bin Muhammad Rizky Pratama Saputra Hasibuan"
LONG_ADDRESS = (
    "Jl. Jenderal Sudirman Gg. Mawar Indah No. 127 Blok C, Perumahan Griya Permata Asri, "
    "RT 003/RW 005, Kelurahan Kampung Melayu, Kecamatan Sukajadi, Kota Pekanbaru, Riau 28122"
)
VERIFIER = {
    "user_id": "5b6c7d8e-1111-4222-8333-944455566677",
    "username": "andi.pratama",
    "full_name": "Andi Pratama",
}


def press(
    qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key on whatever has the focus, as a person's keyboard does."""
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def tick_all_by_keys(qtbot: QtBot, widget: WorkbenchWidget) -> None:
    """Ctrl+PgDown to each requirement, Ctrl+Shift+O to mark it."""
    rows = [r for r in widget.checklist.rows if r.judgeable]
    for _ in range(2 * len(rows) + 2):
        if all(r.ok is True for r in rows):
            return
        press(qtbot, widget, Qt.Key.Key_PageDown, CTRL)
        press(qtbot, widget, Qt.Key.Key_O, CTRL_SHIFT)
    assert all(r.ok is True for r in rows)


def accept_button(box: QMessageBox) -> Any:
    return next(b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole)


def show_again(widget: WorkbenchWidget, raw: dict[str, Any], loader: Any = None) -> None:
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        list(widget._roles),
        factories.USER_ID,
        loader or factories.standard_loader(),
    )


# -- 4. names and addresses are shown whole ------------------------------------------------------


def fully_shown(label: QLabel) -> bool:
    """The label is as tall as its wrapped text needs, nothing elided, and inside its parent."""
    parent = label.parentWidget()
    assert parent is not None
    inside = parent.contentsRect().contains(label.geometry())
    return (
        label.wordWrap()
        and label.height() >= label.heightForWidth(label.width())
        and inside
        and label.isVisible()
    )


@pytest.mark.parametrize("size", [(1216, 700), (1024, 600)])
def test_long_name_and_address_are_shown_whole(
    make_workbench: Make, qtbot: QtBot, size: tuple[int, int]
) -> None:
    raw = factories.application_json(sex="L")  # a mismatch line as well: the tallest panel
    raw["applicant"].update(name=LONG_NAME, address=LONG_ADDRESS)
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    widget.resize(*size)
    panel = widget.applicant_panel
    qtbot.waitUntil(lambda: fully_shown(panel.name_value) and fully_shown(panel.address_value))
    assert panel.name_value.text() == LONG_NAME and panel.address_value.text() == LONG_ADDRESS
    assert panel.height() >= panel.heightForWidth(panel.width())
    assert fully_shown(panel.problems_label)
    assert widget.tabs.height() >= 120  # the checklist keeps room to work


# -- 6. a decision over a visible NIK mismatch asks, naming it ------------------------------------


def test_verify_over_a_nik_mismatch_asks_and_names_it(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(sex="L"))
    mismatch = next(p for p in widget.applicant_panel.problems if "jenis kelamin" in p)
    tick_all_by_keys(qtbot, widget)
    with qtbot.assertNotEmitted(widget.action_requested):
        press(qtbot, widget, Qt.Key.Key_Y, CTRL_SHIFT)
        box = widget.confirm_box
        assert box is not None and box.isVisible()
        assert mismatch.removeprefix("Tidak cocok: ") in box.text()
        assert "NIK" in box.text()
        qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter takes the safe default
        qtbot.waitUntil(lambda: widget.confirm_box is None)
    press(qtbot, widget, Qt.Key.Key_Y, CTRL_SHIFT)
    box = widget.confirm_box
    assert box is not None
    with qtbot.waitSignal(widget.action_requested) as emitted:
        accept_button(box).click()
    assert emitted.args[0] == "verify"


# -- 8. irreversible one-key actions ---------------------------------------------------------------


def test_validate_with_nothing_checked_asks_and_enter_does_not_validate(
    make_workbench: Make, qtbot: QtBot
) -> None:
    widget, _ = make_workbench(factories.detail(status="verified"), roles=(Role.VALIDATOR,))
    assert widget.checklist.items() == []
    with qtbot.assertNotEmitted(widget.action_requested):
        press(qtbot, widget, Qt.Key.Key_L, CTRL_SHIFT)
        box = widget.confirm_box
        assert box is not None and box.isVisible()
        assert "Belum diperiksa: 3 dari 3 persyaratan" in box.text()
        assert box.defaultButton() is not accept_button(box)
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: widget.confirm_box is None)


def test_verify_with_unchecked_requirements_asks(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    with qtbot.assertNotEmitted(widget.action_requested):
        press(qtbot, widget, Qt.Key.Key_Y, CTRL_SHIFT)
    box = widget.confirm_box
    assert box is not None and "Belum diperiksa: 3 dari 3 persyaratan" in box.text()
    box.reject()


def test_deliver_asks_because_it_ends_the_application(make_workbench: Make, qtbot: QtBot) -> None:
    """Serahkan asks who collects, then "Serahkan dokumen kepada ...?" where Enter is Batal
    (issue 11: the handover dialog; tests/gui/workbench/test_revision_handover.py has more)."""
    widget, _ = make_workbench(factories.detail(status="signed"), roles=(Role.OPERATOR,))
    with qtbot.assertNotEmitted(widget.handover_requested):
        press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
        dialog = widget.handover_dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
        dialog.identity_checked.setChecked(True)
        press(qtbot, dialog, Qt.Key.Key_Return)  # Lanjut
        assert "Selesai" in dialog.what.text() and "tidak dapat" in dialog.what.text()
        press(qtbot, dialog, Qt.Key.Key_Return)  # Batal
        qtbot.waitUntil(lambda: widget.handover_dialog is None)
    with qtbot.assertNotEmitted(widget.action_requested):  # the handover carries it now
        widget.request_action(Action.DELIVER)
        dialog = widget.handover_dialog
        assert dialog is not None
        dialog.identity_checked.setChecked(True)
        dialog.next_button.click()
        with qtbot.waitSignal(widget.handover_requested) as emitted:
            dialog.confirm_button.click()
    assert emitted.args[0].collector == "pemohon"


def test_sign_says_what_it_records_and_asks(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(status="validated"), roles=(Role.VALIDATOR,))
    with qtbot.assertNotEmitted(widget.action_requested):
        press(qtbot, widget, Qt.Key.Key_E, CTRL_SHIFT)
        box = widget.confirm_box
        assert box is not None and box.isVisible()
        text = box.text()
        assert "tanda tangan elektronik" in text and "belum" in text
        assert "mencatat" in text
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: widget.confirm_box is None)
    press(qtbot, widget, Qt.Key.Key_E, CTRL_SHIFT)
    box = widget.confirm_box
    assert box is not None
    assert "Catat" in accept_button(box).text()
    with qtbot.waitSignal(widget.action_requested) as emitted:
        accept_button(box).click()
    assert emitted.args[0] == "sign"


# -- 10. held by someone else: read-only, one consistent message -----------------------------------


def test_held_by_someone_else_is_read_only_and_says_so_once(
    make_workbench: Make, qtbot: QtBot
) -> None:
    now = [factories.NOW]
    detail = factories.detail(claim=factories.claim_json(factories.OTHER_ID, minutes=5))
    widget, _ = make_workbench(detail)
    widget._clock = lambda: now[0]
    widget._timer.timeout.emit()
    line = widget.claim_line
    assert "Budi Santoso" in line.claim_label.text()
    assert not line.claim_button.isVisible()  # nothing offered that cannot be done
    text = widget.message_label.text()
    assert widget.message_label.isVisible() and text.startswith("Hanya baca")
    assert "Budi Santoso" in text
    for row in widget.checklist.rows:
        assert not row.ok_button.isEnabled() and not row.bad_button.isEnabled()
        assert row.note_edit.isReadOnly()
    press(qtbot, widget, Qt.Key.Key_PageDown, CTRL)
    press(qtbot, widget, Qt.Key.Key_O, CTRL_SHIFT)
    assert widget.checklist.items() == []
    for button in widget.action_buttons.values():
        assert not button.isEnabled()
        assert "Budi Santoso" in button.toolTip() and "ambil klaim" not in button.toolTip()

    now[0] = factories.NOW + timedelta(minutes=6)  # the colleague's lease ran out
    widget._timer.timeout.emit()
    assert line.claim_button.isVisible() and line.claim_button.isEnabled()
    assert "Hanya baca" not in widget.message_label.text()
    assert "Tangani" in widget.message_label.text()
    assert all(row.ok_button.isEnabled() for row in widget.checklist.rows if row.judgeable)


# -- 10. the validator starts from the verifier's marks --------------------------------------------


def verified_json(**changes: Any) -> dict[str, Any]:
    raw = factories.application_json(status="verified", **changes)
    verified_at = factories.NOW - timedelta(minutes=30)
    raw["history"].append(
        {
            "id": "e0000000-0000-4000-8000-000000000004",
            "action": "verify",
            "from_status": "submitted",
            "to_status": "verified",
            "actor": VERIFIER,
            "role": "verifier",
            "office_code": "14.71",
            "device_id": None,
            "device_time": factories._iso(verified_at),
            "server_time": factories._iso(verified_at),
            "reason": None,
            "checklist": [
                {"requirement_code": "KK", "ok": True, "note": None},
                {"requirement_code": "KTP-EL", "ok": True, "note": "foto agak gelap, terbaca"},
                {"requirement_code": "DOKUMEN-PENDUKUNG", "ok": True, "note": None},
            ],
        }
    )
    return raw


def test_validator_starts_from_the_verifiers_marks(make_workbench: Make, qtbot: QtBot) -> None:
    widget, loader = make_workbench(
        ApplicationDetail.from_json(verified_json()), roles=(Role.VALIDATOR,)
    )
    judged = widget.checklist.judgements()
    assert judged == {
        "KK": (True, ""),
        "KTP-EL": (True, "foto agak gelap, terbaca"),
        "DOKUMEN-PENDUKUNG": (True, ""),
    }
    source = widget.checklist.source_label
    assert source.isVisible() and "Andi Pratama" in source.text()
    assert not widget.has_unsent_marks()  # they are the server's, not unsent work
    with qtbot.waitSignal(widget.action_requested) as emitted:  # nothing to doubt: no question
        press(qtbot, widget, Qt.Key.Key_L, CTRL_SHIFT)
    assert emitted.args[0] == "validate"

    # A document replaced after the verification is not shown as checked.
    raw = verified_json()
    kk = next(d for d in raw["documents"] if d["requirement_code"] == "KK")
    kk["uploaded_at"] = factories._iso(factories.NOW - timedelta(minutes=5))
    raw["id"] = "99999999-9999-4999-8999-999999999999"
    show_again(widget, raw, loader)
    assert widget.checklist.judgements()["KK"] == (None, "")
    assert widget.checklist.judgements()["KTP-EL"][0] is True
    settle_viewer(qtbot, widget.viewer)


# -- 10. finished applications are not "Belum ditangani" -------------------------------------------


@pytest.mark.parametrize("status", ["completed", "rejected", "cancelled"])
def test_finished_application_is_not_waiting_for_anyone(make_workbench: Make, status: str) -> None:
    widget, _ = make_workbench(factories.detail(status=status, claim=None))
    assert "Belum ditangani" not in widget.claim_line.claim_label.text()
    assert not widget.claim_line.claim_button.isVisible()


# -- 10. the document panel and the selected tab stay put -----------------------------------------


def test_document_panel_width_and_tab_stay_between_applications(
    make_workbench: Make, qtbot: QtBot
) -> None:
    widget, loader = make_workbench()
    widget.resize(1216, 700)
    qtbot.wait(50)
    widget.tabs.setCurrentIndex(1)
    widget.splitter.setSizes([640, 576])
    sizes = widget.splitter.sizes()
    raw = factories.application_json()
    raw["id"] = "99999999-9999-4999-8999-999999999999"
    raw["applicant"].update(
        name=LONG_NAME,
        address=LONG_ADDRESS,
        email="wan.syahrul.abdullah.pekanbaru.riau@pemerintahankotapekanbaru.go.id",
    )
    raw["documents"][1]["filename"] = (
        "scan_kartu_keluarga_wan_syahrul_abdullah_2026_11_24_final_revisi_2.pdf"
    )
    show_again(widget, raw, loader)
    qtbot.wait(50)
    assert widget.splitter.sizes() == sizes
    assert widget.width() == 1216
    assert widget.tabs.currentIndex() == 1
    widget.clear()
    show_again(widget, factories.application_json(), loader)
    qtbot.wait(50)
    assert widget.splitter.sizes() == sizes and widget.tabs.currentIndex() == 1
    settle_viewer(qtbot, widget.viewer)


# -- 10. Riwayat shows decisions; claims only behind a toggle --------------------------------------


def test_history_shows_decisions_and_claims_only_on_request(
    make_workbench: Make, qtbot: QtBot
) -> None:
    raw = factories.application_json()
    base = raw["history"][-1]
    for i, action in enumerate(("claim", "release", "claim", "release", "claim")):
        raw["history"].append(
            dict(
                base,
                id=f"e0000000-0000-4000-8000-00000000010{i}",
                action=action,
                from_status=None,
                to_status=None,
                server_time=factories._iso(factories.NOW - timedelta(minutes=50 - i)),
                device_time=None,
            )
        )
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    assert widget.tabs.tabText(1) == "Riwayat (3)"
    view = widget.history_view
    text = view.plain_entries()
    assert "Mulai ditangani" not in text and "Dilepas" not in text
    assert "Minta perbaikan" in text
    toggle = widget.history_claims_toggle
    assert not toggle.isChecked() and "5" in toggle.text()
    toggle.setFocus()
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    assert toggle.isChecked()
    text = view.plain_entries()
    assert text.count("Mulai ditangani") == 3 and text.count("Dilepas") == 2


# -- 10. times in the office's zone ----------------------------------------------------------------


def test_times_follow_the_zone_set_for_the_office(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    widget.set_time_zone(WITA)
    assert widget.claim_line.info_label.text().endswith("09.12 WITA")
    assert "09.12 WITA" in widget.claim_line.sla_label.text()
    assert "WITA" in widget.history_view.plain_entries()
    assert "WIB" not in widget.history_view.plain_entries()


# -- dialogs: Enter never sends a decision from the wrong place -----------------------------------


def test_enter_on_batal_in_the_reason_dialog_does_not_reject(
    make_workbench: Make, qtbot: QtBot
) -> None:
    widget, _ = make_workbench()
    press(qtbot, widget, Qt.Key.Key_X, CTRL_SHIFT)
    dialog = widget.reason_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.editor, "Pemohon bukan penduduk Kota Pekanbaru.")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)  # a new line, not "send"
    assert dialog.isVisible() and dialog.editor.toPlainText().endswith("\n")
    assert not dialog.ok_button.isDefault()
    with qtbot.assertNotEmitted(widget.action_requested):
        for _ in range(4):  # Tab to "Batal"
            if QApplication.focusWidget() is dialog.cancel_button:
                break
            press(qtbot, dialog, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dialog.cancel_button
        press(qtbot, dialog, Qt.Key.Key_Return)  # no default button: nothing happens
        qtbot.wait(50)
        assert dialog.isVisible()
        press(qtbot, dialog, Qt.Key.Key_Space)  # Space presses the focused "Batal"
        qtbot.waitUntil(lambda: widget.reason_dialog is None)


def test_confirmation_buttons_are_not_auto_default(make_workbench: Make, qtbot: QtBot) -> None:
    """Tab to the decision in a confirmation and press Enter: nothing, only Space presses it.
    (Serahkan has its own dialog since issue 11, same rule: test_revision_handover.py.)"""
    widget, _ = make_workbench(factories.detail(status="validated"), roles=(Role.VALIDATOR,))
    press(qtbot, widget, Qt.Key.Key_E, CTRL_SHIFT)
    box = widget.confirm_box
    assert box is not None
    qtbot.waitUntil(box.isActiveWindow)
    yes = accept_button(box)
    assert [b.text() for b in box.buttons() if b.isDefault()] == ["Batal"]
    with qtbot.assertNotEmitted(widget.action_requested):
        yes.setFocus()
        press(qtbot, box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: widget.confirm_box is None)
