"""The workbench as the shell embeds it: real ApplicationDetail JSON, the real catalogue, a
`load_document` that is blocking I/O, and a person using the mouse and the keyboard."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop.domain.records import ApplicationDetail, ChecklistItem, ClaimInfo
from desktop.domain.workflow import Action, Role
from desktop.services.api.errors import ConnectionFailure, FailureKind
from desktop.views.workbench import WorkbenchWidget
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def claim(user_id: str = factories.USER_ID, minutes: int = 13) -> ClaimInfo:
    return ClaimInfo.from_json(factories.claim_json(user_id, minutes))


def tick_all(widget: WorkbenchWidget) -> None:
    """Every requirement checked: a positive decision then has nothing to ask about."""
    for row in widget.checklist.rows:
        if row.judgeable:
            row.set_judgement(True)


# -- buttons, roles, claim --


@pytest.mark.parametrize(
    ("status", "roles", "expected"),
    [
        ("submitted", (Role.VERIFIER,), [Action.VERIFY, Action.REQUEST_REVISION, Action.REJECT]),
        ("verified", (Role.VALIDATOR,), [Action.VALIDATE, Action.REQUEST_REVISION, Action.REJECT]),
        ("validated", (Role.VALIDATOR,), [Action.SIGN]),
        ("submitted", (Role.OPERATOR,), []),
        ("verified", (Role.VERIFIER,), []),
        ("signed", (Role.OPERATOR, Role.VERIFIER), [Action.DELIVER]),
        ("completed", (Role.VERIFIER, Role.VALIDATOR), []),
    ],
)
def test_buttons_follow_state_and_roles(
    make_workbench: Make, status: str, roles: tuple[Role, ...], expected: list[Action]
) -> None:
    widget, _ = make_workbench(factories.detail(status=status), roles=roles)
    assert list(widget.action_buttons) == expected
    assert widget.decision_actions == expected
    for action, button in widget.action_buttons.items():
        assert button.text().startswith(action.label)
        assert button.isEnabled()  # claim held
        assert "Ctrl+Shift+" in button.toolTip()


def test_buttons_disabled_without_claim(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(claim=None))
    assert widget.claim_line.claim_label.text() == "Belum ditangani"
    assert widget.action_buttons and not any(b.isEnabled() for b in widget.action_buttons.values())
    assert "ambil klaim" in widget.action_buttons[Action.VERIFY].toolTip()
    assert widget.claim_line.claim_button.isVisible() and widget.claim_line.claim_button.isEnabled()
    with qtbot.waitSignal(widget.claim_requested):
        widget.claim_line.claim_button.click()

    widget.set_claim(claim())
    assert widget.claim_line.claim_label.text() == "Sedang Anda tangani hingga pukul 10.45"
    assert all(b.isEnabled() for b in widget.action_buttons.values())
    assert not widget.claim_line.claim_button.isVisible()

    widget.set_claim(claim(factories.OTHER_ID))
    assert (
        widget.claim_line.claim_label.text()
        == "Sedang ditangani oleh Budi Santoso hingga pukul 10.45"
    )
    assert not any(b.isEnabled() for b in widget.action_buttons.values())
    assert not widget.claim_line.claim_button.isVisible()  # nothing offered that cannot be done

    widget.set_claim(claim(minutes=-1))  # my lease ran out
    assert "berakhir" in widget.claim_line.claim_label.text()
    assert not any(b.isEnabled() for b in widget.action_buttons.values())


def test_disabled_action_key_explains_instead_of_acting(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(claim=None))
    with qtbot.assertNotEmitted(widget.action_requested):
        widget.request_action(Action.VERIFY)
    assert widget.message_kind == "warning"
    assert "klaim" in widget.message_label.text().lower()


def test_claim_key(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(claim=None))
    with qtbot.waitSignal(widget.claim_requested):
        qtbot.keyClick(widget, Qt.Key.Key_K, CTRL_SHIFT)


def test_busy_blocks_decisions(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    widget.set_busy(True, "Mengirim verifikasi…")
    bar = widget.action_bar
    assert bar.busy_label.text() == "Mengirim verifikasi…" and bar.busy_bar.isVisible()
    assert not any(b.isEnabled() for b in widget.action_buttons.values())
    with qtbot.assertNotEmitted(widget.action_requested):
        qtbot.keyClick(widget, Qt.Key.Key_Y, CTRL_SHIFT)
    widget.set_busy(False)
    assert all(b.isEnabled() for b in widget.action_buttons.values())
    assert not bar.busy_bar.isVisible()


def test_show_message(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    widget.show_message("Permohonan sudah diputuskan oleh Budi Santoso.", "error")
    assert widget.message_label.isVisible() and widget.message_kind == "error"
    widget.show_message("")
    assert not widget.message_label.isVisible()


def test_header_number_service_and_sla(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    assert widget.header.number_label.text() == "1471-261124-0042-6"
    assert widget.header.status_label.text() == "Diajukan"
    assert widget.header.service_label.text().startswith("Penerbitan KTP-el")
    assert "Kam, 26 Nov 2026 08.12 WIB" in widget.claim_line.sla_label.text()
    assert "sisa 21 jam 40 menit" in widget.claim_line.sla_label.text()
    assert not widget.sla_overdue


def test_overdue_sla_is_red(make_workbench: Make) -> None:
    widget, _ = make_workbench(factories.detail(due_in=-timedelta(hours=3)))
    assert "lewat tenggat 3 jam" in widget.claim_line.sla_label.text()
    assert widget.sla_overdue and "#c50f1f" in widget.claim_line.sla_label.styleSheet()


def test_provisional_number_shown(make_workbench: Make) -> None:
    raw = factories.application_json()
    raw["registration_number"] = None
    raw["provisional_number"] = "SEM-1471011001-D03-261124-0007"
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    assert widget.header.number_label.text() == "SEM-1471011001-D03-261124-0007 (sementara)"


def test_unknown_status_from_newer_server(make_workbench: Make, qtbot: QtBot) -> None:
    raw = factories.application_json(status="archived")
    detail = ApplicationDetail.from_json(raw)
    assert detail.status is None and detail.status_raw == "archived"
    widget, _ = make_workbench(detail, roles=(Role.VERIFIER, Role.VALIDATOR, Role.OPERATOR))
    assert "archived" in widget.header.status_label.text()
    assert widget.action_buttons == {} and widget.decision_actions == []
    assert not widget.claim_line.claim_button.isVisible()
    with qtbot.assertNotEmitted(widget.action_requested):
        qtbot.keyClick(widget, Qt.Key.Key_Y, CTRL_SHIFT)
        widget.request_action(Action.VERIFY)
    assert widget.viewer.page_visible  # the documents can still be read


# -- decisions and reasons --


def test_verify_carries_the_checklist(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    for code in ("KK", "KTP-EL", "DOKUMEN-PENDUKUNG"):
        row = widget.checklist.row(code)
        assert row is not None
        row.ok_button.click()
    with qtbot.waitSignal(widget.action_requested) as emitted:
        widget.action_buttons[Action.VERIFY].click()
    action, reason, items = emitted.args
    assert action == "verify" and reason == ""
    assert sorted(items, key=lambda i: i.requirement_code) == [
        ChecklistItem("DOKUMEN-PENDUKUNG", True, None),
        ChecklistItem("KK", True, None),
        ChecklistItem("KTP-EL", True, None),
    ]


def test_verify_with_a_not_ok_item_asks_first(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    row = widget.checklist.row("KK")
    assert row is not None
    row.bad_button.click()
    with qtbot.assertNotEmitted(widget.action_requested):
        widget.action_buttons[Action.VERIFY].click()
        box = widget.confirm_box
        assert box is not None and "Kartu Keluarga" in box.text()
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert widget.confirm_box is None
    widget.action_buttons[Action.VERIFY].click()
    box = widget.confirm_box
    assert box is not None
    accept = next(
        b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
    )
    with qtbot.waitSignal(widget.action_requested) as emitted:
        accept.click()
    assert emitted.args[0] == "verify"
    assert ChecklistItem("KK", False, None) in emitted.args[2]


def test_revision_reason_prefilled_from_not_ok_items(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    kk = widget.checklist.row("KK")
    letter = widget.checklist.row("DOKUMEN-PENDUKUNG")
    assert kk is not None and letter is not None
    kk.bad_button.click()
    qtbot.keyClicks(kk.note_edit, "foto buram, NIK tidak terbaca")
    letter.bad_button.click()
    widget.checklist.row("KTP-EL").ok_button.click()  # type: ignore[union-attr]

    widget.action_buttons[Action.REQUEST_REVISION].click()
    dialog = widget.reason_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.reason() == (
        "- Kartu Keluarga: foto buram, NIK tidak terbaca\n"
        "- Dokumen autentik pendukung perubahan data: tidak sesuai"
    )
    assert dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.editor, "Mohon unggah ulang.")
    with qtbot.waitSignal(widget.action_requested) as emitted:
        dialog.ok_button.click()
    action, reason, items = emitted.args
    assert action == "request_revision"
    assert reason.endswith("Mohon unggah ulang.") and "foto buram" in reason
    assert ChecklistItem("KK", False, "foto buram, NIK tidak terbaca") in items
    assert ChecklistItem("KTP-EL", True, None) in items


def test_reject_needs_a_reason_and_escape_cancels(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    with qtbot.assertNotEmitted(widget.action_requested):
        widget.action_buttons[Action.REJECT].click()
        dialog = widget.reason_dialog
        assert dialog is not None
        assert dialog.reason() == "" and not dialog.ok_button.isEnabled()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClicks(dialog.editor, "   ")
        assert not dialog.ok_button.isEnabled()  # blanks are not a reason
        qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)  # Ctrl+Enter does nothing yet
        assert dialog.isVisible()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: widget.reason_dialog is None)

    widget.action_buttons[Action.REJECT].click()
    dialog = widget.reason_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.editor, "Pemohon bukan penduduk Kota Pekanbaru.")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(widget.action_requested) as emitted:
        qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, CTRL)
    assert emitted.args[:2] == ["reject", "Pemohon bukan penduduk Kota Pekanbaru."]


# -- keyboard --


def test_navigation_keys(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    row = widget.checklist.row("KK")
    assert row is not None
    row.note_edit.setFocus()  # works while typing in a note, too
    for key, mods, signal in (
        (Qt.Key.Key_Right, ALT, widget.next_requested),
        (Qt.Key.Key_Left, ALT, widget.previous_requested),
        (Qt.Key.Key_Period, CTRL, widget.next_requested),
        (Qt.Key.Key_Comma, CTRL, widget.previous_requested),
        (Qt.Key.Key_W, CTRL, widget.close_requested),
    ):
        with qtbot.waitSignal(signal, timeout=1000):
            qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def test_decision_keys(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    tick_all(widget)
    with qtbot.waitSignal(widget.action_requested) as emitted:
        qtbot.keyClick(widget, Qt.Key.Key_Y, CTRL_SHIFT)
    assert emitted.args[0] == "verify"

    qtbot.keyClick(widget, Qt.Key.Key_P, CTRL_SHIFT)
    assert widget.reason_dialog is not None
    assert widget.reason_dialog.action is Action.REQUEST_REVISION
    qtbot.keyClick(widget.reason_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: widget.reason_dialog is None)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)

    qtbot.keyClick(widget, Qt.Key.Key_X, CTRL_SHIFT)
    assert widget.reason_dialog is not None and widget.reason_dialog.action is Action.REJECT
    qtbot.keyClick(widget.reason_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: widget.reason_dialog is None)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)

    with qtbot.assertNotEmitted(widget.action_requested):
        qtbot.keyClick(widget, Qt.Key.Key_L, CTRL_SHIFT)  # validate: not at this stage
    assert "Validasi" in widget.message_label.text()


def test_paste_as_plain_text_in_a_note_never_decides(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    row = widget.checklist.row("KK")
    assert row is not None
    row.note_edit.setFocus()
    with qtbot.assertNotEmitted(widget.action_requested):
        qtbot.keyClick(row.note_edit, Qt.Key.Key_V, CTRL_SHIFT)
        qtbot.keyClicks(row.note_edit, "NIK tidak terbaca")
    assert row.note == "NIK tidak terbaca"


def test_decision_key_while_typing_a_note(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    tick_all(widget)
    row = widget.checklist.row("KTP-EL")
    assert row is not None
    row.note_edit.setFocus()
    qtbot.keyClicks(row.note_edit, "jelas")
    with qtbot.waitSignal(widget.action_requested) as emitted:
        qtbot.keyClick(row.note_edit, Qt.Key.Key_Y, CTRL_SHIFT)
    assert emitted.args[0] == "verify" and row.note == "jelas"


def test_operator_keys(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(status="needs_revision"), roles=(Role.OPERATOR,))
    assert widget.decision_actions == [Action.RESUBMIT, Action.CANCEL]
    # Ajukan ulang goes through the Perbaikan panel (issue 11): nothing changed, nothing sent.
    with qtbot.assertNotEmitted(widget.resubmit_requested):
        qtbot.keyClick(widget, Qt.Key.Key_J, CTRL_SHIFT)
    assert "Belum ada yang diperbaiki" in widget.revision_panel.message.text()
    with qtbot.assertNotEmitted(widget.action_requested):
        qtbot.keyClick(widget, Qt.Key.Key_B, CTRL_SHIFT)  # cancel asks first
    assert widget.confirm_box is not None
    with qtbot.waitSignal(widget.action_requested) as emitted:
        next(
            b
            for b in widget.confirm_box.buttons()
            if widget.confirm_box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        ).click()
    assert emitted.args[0] == "cancel"


def test_validator_keys(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(status="verified"), roles=(Role.VALIDATOR,))
    tick_all(widget)
    with qtbot.waitSignal(widget.action_requested) as emitted:
        qtbot.keyClick(widget, Qt.Key.Key_L, CTRL_SHIFT)
    assert emitted.args[0] == "validate"
    widget2, _ = make_workbench(factories.detail(status="validated"), roles=(Role.VALIDATOR,))
    with qtbot.assertNotEmitted(widget2.action_requested):
        qtbot.keyClick(widget2, Qt.Key.Key_E, CTRL_SHIFT)  # asks: it cannot be undone
    box = widget2.confirm_box
    assert box is not None
    with qtbot.waitSignal(widget2.action_requested) as emitted:
        next(
            b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        ).click()
    assert emitted.args == ["sign", "", []]


def test_checklist_keys_and_viewer_zoom_from_anywhere(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    checklist = widget.checklist
    assert checklist.selected_code == "KK"
    widget.checklist.row("KK").note_edit.setFocus()  # type: ignore[union-attr]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, CTRL_SHIFT)
    assert checklist.row("KK").ok is True  # type: ignore[union-attr]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, CTRL)
    assert checklist.selected_code == "KTP-EL"
    assert widget.current_document is not None
    assert widget.current_document.requirement_code == "KTP-EL"
    settle_viewer(qtbot, widget.viewer)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, CTRL_SHIFT)
    ktp = checklist.row("KTP-EL")
    assert ktp is not None and ktp.ok is False and ktp.note_edit.hasFocus()
    zoom = widget.viewer.zoom
    qtbot.keyClick(ktp.note_edit, Qt.Key.Key_Equal, CTRL)
    assert widget.viewer.zoom == pytest.approx(zoom * 1.25)
    qtbot.keyClick(ktp.note_edit, Qt.Key.Key_R, CTRL)
    assert widget.viewer.rotation == 90
    qtbot.keyClick(ktp.note_edit, Qt.Key.Key_PageUp, CTRL)
    assert checklist.selected_code == "KK"


def test_shortcut_help(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    qtbot.keyClick(widget, Qt.Key.Key_Slash, CTRL)
    assert widget.help_dialog is not None and widget.help_dialog.isVisible()
    browser = widget.help_dialog.findChild(QTextBrowser)
    assert browser is not None
    text = browser.toPlainText()
    assert "Ctrl+Shift+Y" in text and "Verifikasi" in text and "Pas lebar" in text
    buttons = [b.text() for b in widget.help_dialog.findChildren(QPushButton)]
    assert buttons == ["Tutup"]  # not Qt's untranslated "Close"


# -- documents --


def test_documents_loaded_off_the_gui_thread_and_cached(make_workbench: Make, qtbot: QtBot) -> None:
    widget, loader = make_workbench()
    assert widget.current_document is not None
    assert widget.current_document.requirement_code == "KK"  # first in checklist order
    assert widget.viewer.page_count == 2 and widget.viewer.thumbnail_count() == 2
    qtbot.waitUntil(lambda: len(loader.calls) == 3)  # the other two are prefetched
    assert widget.runner.wait_idle()
    assert threading.get_ident() not in loader.threads
    calls = len(loader.calls)
    ktp_row = widget.checklist.row("KTP-EL")
    assert ktp_row is not None
    ktp_row.document_labels[0].linkActivated.emit("0")
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_count == 1 and widget.viewer.page_visible
    widget.document_combo.setCurrentIndex(0)
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_count == 2
    assert len(loader.calls) == calls  # served from the sha256 cache


def test_blocking_loader_shows_busy_and_keeps_gui_responsive(
    make_workbench: Make, qtbot: QtBot
) -> None:
    loader = factories.standard_loader()
    loader.gate = threading.Event()
    widget, _ = make_workbench(loader=loader, settle=False)
    assert widget.viewer.is_busy and "Mengambil" in widget.viewer.message_label.text()
    with qtbot.waitSignal(widget.next_requested):
        qtbot.keyClick(widget, Qt.Key.Key_Right, ALT)  # GUI answers while the load blocks
    loader.gate.set()
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_visible


def test_corrupt_document_does_not_break_the_workbench(make_workbench: Make, qtbot: QtBot) -> None:
    docs = factories.standard_documents()
    kk_json, kk_bytes = docs["KK"]
    broken = kk_bytes[: len(kk_bytes) // 3]
    kk_json.update(size=len(broken), sha256=factories.sha256(broken))
    raw = factories.application_json(documents=[d for d, _ in docs.values()])
    loader = factories.Loader({d["id"]: b for d, b in docs.values()})
    loader.blobs[kk_json["id"]] = broken
    widget, _ = make_workbench(ApplicationDetail.from_json(raw), loader=loader)

    assert widget.viewer.error_text is not None and "PDF rusak" in widget.viewer.error_text
    assert widget.action_buttons[Action.VERIFY].isEnabled()
    qtbot.keyClick(widget, Qt.Key.Key_PageDown, CTRL)
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.error_text is None and widget.viewer.page_visible
    tick_all(widget)
    with qtbot.waitSignal(widget.action_requested):
        qtbot.keyClick(widget, Qt.Key.Key_Y, CTRL_SHIFT)


def test_failed_download_shows_reason_and_retries(make_workbench: Make, qtbot: QtBot) -> None:
    loader = factories.standard_loader()
    kk_id = factories.standard_documents()["KK"][0]["id"]
    loader.errors[kk_id] = ConnectionFailure(FailureKind.REFUSED, "Server tidak dapat dihubungi.")
    widget, _ = make_workbench(loader=loader)
    text = widget.viewer.error_text
    assert text is not None and "gagal diambil" in text and "Server tidak dapat" in text
    del loader.errors[kk_id]
    kk_row = widget.checklist.row("KK")
    assert kk_row is not None
    kk_row.document_labels[0].linkActivated.emit("0")
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.error_text is None and widget.viewer.page_count == 2


def test_bytes_that_differ_from_the_record_are_not_shown(make_workbench: Make) -> None:
    loader = factories.standard_loader()
    kk_id = factories.standard_documents()["KK"][0]["id"]
    loader.blobs[kk_id] = factories.multipage_pdf(1)  # a valid PDF, but not the recorded one
    widget, _ = make_workbench(loader=loader)
    assert widget.viewer.error_text is not None and "SHA-256" in widget.viewer.error_text


def test_missing_mandatory_document_is_highlighted(make_workbench: Make, qtbot: QtBot) -> None:
    docs = factories.standard_documents()
    raw = factories.application_json(
        documents=[docs["KK"][0], docs["KTP-EL"][0]]  # no supporting document
    )
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    row = widget.checklist.row("DOKUMEN-PENDUKUNG")
    assert row is not None and row.missing_mandatory
    assert row.property("state") == "missing"
    assert row.missing_label is not None and "wajib" in row.missing_label.text()
    assert "1 dokumen wajib belum diunggah" in widget.checklist.summary_label.text()
    row.title_label.setFocus()
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert widget.viewer.stack.currentWidget() is widget.viewer.message_label
    assert "Belum ada dokumen" in widget.viewer.message_label.text()
    with qtbot.assertNotEmitted(widget.action_requested):
        widget.action_buttons[Action.VERIFY].click()
    assert widget.confirm_box is not None and "belum diunggah" in widget.confirm_box.text()
    widget.confirm_box.reject()


def test_documents_without_matching_requirement_are_listed(make_workbench: Make) -> None:
    widget, _ = make_workbench(factories.detail(service_code="LAYANAN-BARU"), service=None)
    assert "LAYANAN-BARU" in widget.header.service_label.text()
    other = widget.checklist.row("KK")
    assert other is not None and not other.data.mandatory  # kept, by its own code
    assert widget.document_combo.count() == 3
    assert widget.viewer.page_visible


# -- applicant and NIK --


def test_nik_decoded_and_consistent(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    panel = widget.applicant_panel
    assert panel.nik_value.text() == factories.NIK_FEMALE  # full: compared with the scan
    assert panel.problems == ()
    assert "Perempuan" in panel.decoded_label.text()
    assert "12 Agustus 1990" in panel.decoded_label.text()
    assert "Sukajadi" in panel.decoded_label.text()
    assert panel.match_label.isVisible()


def test_nik_sex_mismatch_flagged(make_workbench: Make) -> None:
    widget, _ = make_workbench(factories.detail(sex="L"))
    panel = widget.applicant_panel
    assert any("jenis kelamin" in p for p in panel.problems)
    assert panel.problems_label.isVisible()
    assert "a4262c" in panel.sex_value.styleSheet()
    assert not panel.match_label.isVisible()


def test_invalid_nik_reported(make_workbench: Make) -> None:
    raw = factories.application_json()
    raw["applicant"]["nik"] = "14710152O8900001"  # letter O typed for zero
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    assert any("NIK" in p for p in widget.applicant_panel.problems)


def test_full_nik_never_logged(
    make_workbench: Make, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    widget, _ = make_workbench(factories.detail(sex="L"))
    widget.action_buttons[Action.VERIFY].click()
    assert factories.NIK_FEMALE not in caplog.text
    assert factories.NIK_FEMALE not in widget.toolTip() + widget.windowTitle()


# -- history and reloads --


def test_history_timeline(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    view = widget.history_view
    assert view.entry_count == 3
    assert widget.tabs.tabText(1) == "Riwayat (3)"
    text = view.plain_entries()
    assert text.index("Ajukan ulang") < text.index("Minta perbaikan") < text.index("Ajukan Draf")
    assert "Andi Pratama (andi.pratama)" in text and "Petugas verifikasi" in text
    assert "kantor 14.71" in text and "Server: Sel, 24 Nov 2026 10.05 WIB" in text
    assert "Foto KK buram" in text and "buram, NIK tidak terbaca" in text
    assert "Kartu Keluarga" in text  # checklist codes shown with document names
    assert (
        "diputuskan saat tidak tersambung" in text
    )  # resubmit: device time 2 h before the server's


def test_history_escapes_markup(make_workbench: Make) -> None:
    raw = factories.application_json()
    raw["history"][1]["reason"] = "<b>tebal</b> & <script>x</script>"
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    assert "<b>tebal</b> & <script>x</script>" in widget.history_view.plain_entries()


def test_reload_keeps_checklist_for_unchanged_documents(make_workbench: Make) -> None:
    widget, loader = make_workbench()
    kk = widget.checklist.row("KK")
    assert kk is not None
    kk.bad_button.click()
    kk.note_edit.setText("buram")
    widget.checklist.row("KTP-EL").ok_button.click()  # type: ignore[union-attr]

    docs = factories.standard_documents()
    new_ktp = factories.ktp_image("PNG")
    docs["KTP-EL"][0].update(sha256=factories.sha256(new_ktp), size=len(new_ktp))
    raw = factories.application_json(documents=[d for d, _ in docs.values()])
    raw["version"] = 5
    loader.blobs[docs["KTP-EL"][0]["id"]] = new_ktp
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        loader,
    )
    kk = widget.checklist.row("KK")
    ktp = widget.checklist.row("KTP-EL")
    assert kk is not None and kk.ok is False and kk.note == "buram"
    assert ktp is not None and ktp.ok is None  # its document changed: judge it again


def test_fits_a_1366_wide_screen_in_the_busiest_state(make_workbench: Make) -> None:
    raw = factories.application_json(
        claim=factories.claim_json(factories.OTHER_ID), sex="L", due_in=-timedelta(days=3)
    )
    raw["claim"]["full_name"] = "Muhammad Rizky Pratama Saputra Hasibuan"
    raw["provisional_number"] = "SEM-1471011001-D03-261124-0007"
    widget, _ = make_workbench(ApplicationDetail.from_json(raw))
    widget.show_message("Permohonan sudah diputuskan oleh petugas lain (409). " * 3, "error")
    widget.set_busy(True, "Mengirim keputusan…")
    assert widget.minimumSizeHint().width() <= 1366
    assert widget.width() == 1366


def test_claim_expiry_disables_decisions(make_workbench: Make, qtbot: QtBot) -> None:
    now = [factories.NOW]
    widget, _ = make_workbench()
    widget._clock = lambda: now[0]
    assert widget.action_buttons[Action.VERIFY].isEnabled()
    now[0] = factories.NOW + timedelta(minutes=14)  # the 13-minute lease ran out
    widget._timer.timeout.emit()
    assert "berakhir" in widget.claim_line.claim_label.text()
    assert not widget.action_buttons[Action.VERIFY].isEnabled()
    assert widget.claim_line.claim_button.isVisible()


def test_reason_dialog_closed_when_the_application_changes(
    make_workbench: Make, qtbot: QtBot, catalogue: object
) -> None:
    widget, loader = make_workbench()
    widget.action_buttons[Action.REJECT].click()
    dialog = widget.reason_dialog
    assert dialog is not None
    dialog.editor.setPlainText("Alasan untuk permohonan pertama")
    raw = factories.application_json()
    raw["id"] = "99999999-9999-4999-8999-999999999999"
    raw["registration_number"] = "1471-261124-0043-4"
    with qtbot.assertNotEmitted(widget.action_requested):
        widget.set_application(
            ApplicationDetail.from_json(raw),
            widget._service,
            widget._document_types,
            [Role.VERIFIER],
            factories.USER_ID,
            loader,
        )
        assert widget.reason_dialog is None and not dialog.isVisible()
        dialog.accepted.emit()  # even a late accept cannot reach the new application
    settle_viewer(qtbot, widget.viewer)


def test_hung_download_does_not_stop_other_documents(make_workbench: Make, qtbot: QtBot) -> None:
    docs = factories.standard_documents()
    loader = factories.standard_loader()
    loader.gate = threading.Event()
    loader.gated = {docs["KK"][0]["id"]}
    widget, _ = make_workbench(loader=loader, settle=False)
    assert widget.viewer.is_busy
    qtbot.keyClick(widget, Qt.Key.Key_PageDown, CTRL)  # to the KTP while the KK hangs
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_visible and widget.current_document is not None
    assert widget.current_document.requirement_code == "KTP-EL"
    loader.gate.set()


def test_roles_as_plain_strings_are_accepted(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(roles=("operator", "verifier", "auditor"))  # type: ignore[arg-type]
    assert widget.decision_actions == [Action.VERIFY, Action.REQUEST_REVISION, Action.REJECT]
    widget.set_claim(None)
    widget.request_action(Action.VERIFY)
    assert "klaim" in widget.message_label.text().lower()  # the verifier's refusal, not operator's


def test_escape_closes_but_first_leaves_a_note(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    row = widget.checklist.row("KK")
    assert row is not None
    row.note_edit.setFocus()
    qtbot.keyClicks(row.note_edit, "buram")
    with qtbot.assertNotEmitted(widget.close_requested):
        qtbot.keyClick(row.note_edit, Qt.Key.Key_Escape)  # out of the field, nothing lost
    assert not row.note_edit.hasFocus() and row.note == "buram"
    focus = QApplication.focusWidget()
    assert focus is not None and widget.isAncestorOf(focus)
    with qtbot.waitSignal(widget.close_requested, timeout=1000):
        qtbot.keyClick(focus, Qt.Key.Key_Escape)


def test_escape_cancels_an_open_dialog_first(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench()
    widget.action_buttons[Action.REJECT].click()
    assert widget.reason_dialog is not None
    with (
        qtbot.assertNotEmitted(widget.close_requested),
        qtbot.assertNotEmitted(widget.action_requested),
    ):
        qtbot.keyClick(widget, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: widget.reason_dialog is None)


def test_header_names_the_office_and_the_zone(make_workbench: Make, catalogue: object) -> None:
    widget, loader = make_workbench()
    info = widget.claim_line.info_label
    assert (
        info.text() == "Melalui loket · kantor 14.71.01.1002 · diajukan Sel, 24 Nov 2026 08.12 WIB"
    )
    assert "versi 4" in info.toolTip()
    detail = widget.application
    assert detail is not None
    widget.set_application(
        detail,
        widget._service,
        widget._document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        loader,
        office_name="Kelurahan Kampung Melayu",
    )
    assert "· Kelurahan Kampung Melayu ·" in info.text() and "14.71.01.1002" not in info.text()
    assert "Kelurahan Kampung Melayu (14.71.01.1002)" in info.toolTip()


def test_header_wraps_rather_than_hiding_the_submission_time(
    make_workbench: Make, qtbot: QtBot
) -> None:
    """In the shell the workbench is 1216 px wide; a long overdue deadline and a long office
    name must not push "diajukan …" out of sight."""
    widget, loader = make_workbench(factories.detail(due_in=-timedelta(days=175)))
    line = widget.claim_line
    assert line.line_count() == 1  # 1366 px, short office code: one line
    detail = widget.application
    assert detail is not None
    widget.set_application(
        detail,
        widget._service,
        widget._document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        loader,
        office_name="Dinas Kependudukan dan Pencatatan Sipil Kota Pekanbaru",
    )
    widget.resize(1216, 768)
    qtbot.waitUntil(lambda: line.line_count() == 2)
    assert "lewat tenggat 175 hari" in line.sla_label.text()
    assert not line.info_label.is_elided() and line.info_label.text().endswith("08.12 WIB")
    assert widget.minimumSizeHint().width() <= 1216


def test_history_names_offices_when_the_shell_knows_them(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    view = widget.history_view
    detail = widget.application
    assert detail is not None
    names = {"14.71.01.1002": "Kantor Kelurahan Sukajadi"}
    view.set_entries(detail.history, office_names=names.get)
    text = view.plain_entries()
    assert "Kantor Kelurahan Sukajadi" in text and "14.71.01.1002" not in text
    view.set_office_names(lambda _code: None)  # unknown: "kantor <kode>"
    view.set_entries(detail.history)
    assert "kantor 14.71.01.1002" in view.plain_entries()
    view.set_office_names(names.get)
    view.set_entries(detail.history)
    assert "Kantor Kelurahan Sukajadi" in view.plain_entries()


def test_header_tooltips_say_nomor_pendaftaran_and_plain_words(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    assert widget.header.number_label.toolTip() == "Nomor pendaftaran"
    raw = factories.application_json()
    raw.update(registration_number=None, provisional_number="SEM-1471011001-D03-261124-0001")
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        factories.standard_loader(),
    )
    assert widget.header.number_label.toolTip() == (
        "Nomor sementara: dibuat saat tidak tersambung; nomor resmi diberikan saat tersambung"
    )
