"""The operator's counter work in the workbench (issue 11), driven by real key events:

- a returned application opens on the Perbaikan tab with the verifier's reason against each
  requirement; the operator edits the name, adds a file for the requirement, and Ctrl+Shift+J
  hands a checked `RevisionRequest` on; a wrong NIK is marked and nothing leaves;
- Serahkan (Ctrl+Shift+S) asks who collects, then "Serahkan dokumen kepada …?" where Enter is
  Batal: a representative needs name, NIK and the letter; the applicant needs the KTP matched.

Screenshots at 1366x768 go to LOKET_SHOTS_DIR (else /tmp)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Role
from desktop.models.store import Store
from desktop.services.handover import Handover
from desktop.services.revision import NewFile, RevisionRequest, RevisionService
from desktop.settings import load_settings, save_settings
from desktop.views.workbench import WorkbenchWidget
from tests.desktop.support import new_nik
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.workbench import factories

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)  # offscreen platform only

Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def shot(widget: QWidget, name: str) -> Path:
    path = Path(os.environ.get("LOKET_SHOTS_DIR", "/tmp")) / name
    QApplication.processEvents()  # the layout requests posted by the last change
    assert widget.grab().save(str(path))
    return path


def press(qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def returned() -> ApplicationDetail:
    raw = factories.application_json(status="needs_revision", claim=None)
    raw["history"] = [h for h in raw["history"] if h["action"] != "resubmit"]
    return ApplicationDetail.from_json(raw)


def a_pdf(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(path)
    return path


def test_revision_panel_shows_reasons_edits_adds_a_file_and_resubmits_by_keys(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path
) -> None:
    widget, _ = make_workbench(returned(), roles=(Role.OPERATOR,))
    panel = widget.revision_panel
    assert widget.tabs.isTabVisible(widget.revision_tab)
    assert widget.tabs.currentWidget() is panel
    assert "Foto KK buram" in panel.overall.text() and "Andi Pratama" in panel.overall.text()
    kk = panel.boxes["KK"]
    assert "Perlu diperbaiki" in kk.status.text() and "NIK tidak terbaca" in kk.status.text()
    assert "Sudah sesuai" in panel.boxes["KTP-EL"].status.text()

    # Nothing changed: said, nothing leaves.
    with qtbot.assertNotEmitted(widget.resubmit_requested):
        press(qtbot, widget, Qt.Key.Key_J, CTRL_SHIFT)
    assert "Belum ada yang diperbaiki" in panel.message.text()

    # A wrong NIK typed: marked next to the field, nothing leaves.
    nik = panel.inputs["nik"].focus_widget()
    nik.setFocus()
    qtbot.keyClick(nik, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(nik, "1234567890123456")
    with qtbot.assertNotEmitted(widget.resubmit_requested):
        press(qtbot, widget, Qt.Key.Key_J, CTRL_SHIFT)
    assert panel.problem_labels["nik"].isVisible()
    assert QApplication.focusWidget() is nik
    qtbot.keyClick(nik, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(nik, factories.NIK_FEMALE)
    assert not panel.problem_labels["nik"].isVisible()  # re-judged as typed

    name = panel.inputs["name"].focus_widget()
    name.setFocus()
    qtbot.keyClick(name, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(name, "Siti Rahmawati Nur'aini")

    scan = a_pdf(tmp_path, "kk-baru.pdf")
    panel.file_chooser = lambda _parent, _title: scan
    kk.add_button.setFocus()
    qtbot.keyClick(kk.add_button, Qt.Key.Key_Space)
    assert "kk-baru.pdf" in kk.documents_text() and "belum disimpan" in kk.documents_text()
    panel.scroller.ensureWidgetVisible(kk)
    shot(widget, "revision-panel-1366x768.png")

    with qtbot.waitSignal(widget.resubmit_requested) as sent:
        press(qtbot, widget, Qt.Key.Key_J, CTRL_SHIFT)
    request = sent.args[0]
    assert isinstance(request, RevisionRequest)
    assert request.applicant is not None
    assert request.applicant["name"] == "Siti Rahmawati Nur'aini"
    assert [(f.source, f.requirement_code) for f in request.files] == [(scan, "KK")]


def test_a_revision_kept_offline_is_shown_as_unsent_when_reopened(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path
) -> None:
    """Resubmitted with the server away, then opened again: the panel reads the revision back
    from the outbox (what was changed, the file added, belum terkirim) instead of offering the
    old data to type again; nothing is offered twice."""
    detail = returned()
    store = Store(tmp_path / "cache.sqlite3")
    try:
        RevisionService(store, user_id=factories.USER_ID).queue(
            detail,
            RevisionRequest(
                applicant={"name": "Siti Rahmawati Nur'aini", "phone": "081298765432"},
                files=(NewFile(a_pdf(tmp_path, "kk-baru.pdf"), "KK"),),
            ),
        )
        unsent = RevisionService(store, user_id=factories.USER_ID).unsent(detail.id)
    finally:
        store.close()
    assert unsent is not None
    widget, loader = make_workbench(detail, roles=(Role.OPERATOR,))
    service = widget._service
    widget.set_application(
        detail,
        service,
        widget._document_types,
        (Role.OPERATOR,),
        factories.USER_ID,
        loader,
        unsent_revision=unsent,
    )
    panel = widget.revision_panel
    note = panel.pending_note
    assert note.isVisible() and "belum terkirim" in note.text()
    assert "Diubah: Nama lengkap, Telepon." in note.text()
    assert "kk-baru.pdf (untuk Kartu Keluarga)" in note.text()
    assert "kk-baru.pdf — menunggu dikirim" in panel.boxes["KK"].documents_text()
    assert panel.inputs["name"].value() == "Siti Rahmawati Nur'aini"  # what will be sent
    label = panel.applicant_form.labelForField(panel.inputs["name"].parentWidget())
    assert isinstance(label, QLabel) and "diubah, belum terkirim" in label.text()
    address = panel.applicant_form.labelForField(panel.inputs["address"].parentWidget())
    assert isinstance(address, QLabel) and "diubah" not in address.text()

    assert not panel.resubmit_button.isEnabled()
    # Keys: the fields take no typing, Ajukan ulang sends nothing and says why.
    name = panel.inputs["name"].focus_widget()
    assert not name.isEnabled()
    panel.scroller.setFocus()
    qtbot.keyClicks(QApplication.focusWidget() or panel, "xyz")
    assert panel.inputs["name"].value() == "Siti Rahmawati Nur'aini"
    with qtbot.assertNotEmitted(widget.resubmit_requested):
        press(qtbot, widget, Qt.Key.Key_J, CTRL_SHIFT)
        panel.submit()  # the button is off; the panel refuses on its own too
    assert "belum terkirim" in panel.message.text()
    shot(widget, "revision-unsent-1366x768.png")
    panel.scroller.ensureWidgetVisible(panel.inputs["phone"])
    shot(widget, "revision-unsent-fields-1366x768.png")


def test_print_the_list_of_what_to_bring_by_keys(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+P on the Perbaikan tab: the preview shows the list on this PC's paper (F4 here),
    each requirement to fix with the verifier's reason and the number; the printer the preview
    reports chosen is saved in this PC's settings."""
    monkeypatch.setenv("LOKET_CONFIG_DIR", str(tmp_path / "config"))
    save_settings(load_settings().with_changes(receipt_paper="F4"))
    detail = returned()
    widget, _ = make_workbench(detail, roles=(Role.OPERATOR,))
    panel = widget.revision_panel
    panel.inputs["name"].focus_widget().setFocus()
    qtbot.keyClick(QApplication.focusWidget() or panel, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: isinstance(getattr(widget, "revision_preview", None), QDialog))
    dialog = widget.revision_preview
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: len(dialog.pages) == 1)
    assert not dialog.layout_box.isVisible()  # a list has no receipt layouts to choose

    path = tmp_path / "daftar.pdf"
    path.write_bytes(dialog.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    assert detail.number in flat
    assert "DAFTAR PERBAIKAN" in flat
    assert "Kartu Keluarga" in flat and "buram, NIK tidak terbaca" in flat  # the reason
    assert "KTP elektronik" not in flat  # marked right: nothing to bring
    assert "Foto KK buram" in flat  # the overall reason
    size = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
    assert b"609.449 x 935.433 pts" in size  # F4 (215 x 330 mm), as this PC prints

    chosen = dialog.settings.with_changes(last_printer="EPSON-L3110")
    dialog.settingsChanged.emit(chosen)  # what the dialog says after printing on it
    assert load_settings().last_printer == "EPSON-L3110"
    assert load_settings().receipt_paper == "F4"
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


LONG_NOTES = {
    "SURAT-PENGANTAR-RT-RW": "Surat pengantar RT/RW tidak bercap dan tanggalnya sudah lewat "
    "tiga bulan; minta surat baru yang bercap RT 003 dan RW 005 serta ditandatangani ketua RW.",
    "KTP-EL": "Foto KTP-el buram di bagian NIK dan tanggal lahir, pantulan lampu menutupi "
    "separuh kartu; pindai ulang tanpa sampul plastik.",
    "KK": "KK yang diunggah versi lama (sebelum pindah alamat); bawa KK terbaru yang sudah "
    "memuat nama pemohon dengan alamat sekarang.",
    "AKTA-KELAHIRAN": "Nama ayah pada akta kelahiran berbeda ejaan dengan KK "
    "(Muhamad/Muhammad); lampirkan surat keterangan beda nama dari kelurahan.",
    "PAS-FOTO": "Pas foto berlatar merah, yang diminta latar biru ukuran 4x6 sebanyak empat "
    "lembar, tanpa kacamata dan telinga terlihat.",
    "AKTA-PERCERAIAN": "Akta cerai hanya halaman pertama; unggah semua halaman termasuk "
    "halaman tanda tangan panitera dan cap Pengadilan Agama.",
}


def test_six_long_reasons_fit_at_1366x768(make_workbench: Make, qtbot: QtBot) -> None:
    """Six requirements returned with long notes: every note is shown whole (wrapped, never
    cut), the panel scrolls, and its buttons stay on screen."""
    raw = factories.application_json(
        status="needs_revision", claim=None, service_code="PENGANTAR-NIKAH", documents=[]
    )
    raw["history"] = [h for h in raw["history"] if h["action"] != "resubmit"]
    returning = next(h for h in raw["history"] if h["action"] == "request_revision")
    returning["reason"] = (
        "Enam persyaratan belum memenuhi ketentuan Perwali; mohon pemohon melengkapi semuanya "
        "sekaligus agar tidak bolak-balik ke kantor kelurahan."
    )
    returning["checklist"] = [
        {"requirement_code": code, "ok": False, "note": note} for code, note in LONG_NOTES.items()
    ]
    widget, _ = make_workbench(ApplicationDetail.from_json(raw), roles=(Role.OPERATOR,))
    panel = widget.revision_panel
    assert widget.tabs.currentWidget() is panel
    QApplication.processEvents()
    for code, note in LONG_NOTES.items():
        status = panel.boxes[code].status
        assert note in status.text()
        needed = status.heightForWidth(status.width())
        assert status.height() >= needed, (code, status.height(), needed)  # not cut
    for button in (panel.print_button, panel.resubmit_button):
        corner = button.mapTo(widget, button.rect().bottomRight())
        assert widget.rect().contains(corner), button.text()
    shot(widget, "revision-six-reasons-1366x768.png")
    panel.scroller.verticalScrollBar().setValue(panel.scroller.verticalScrollBar().maximum() // 2)
    shot(widget, "revision-six-reasons-middle-1366x768.png")


def test_the_returning_time_is_in_the_offices_zone(make_workbench: Make) -> None:
    """The shell sets the office's zone after the workbench is built; the panel kept the PC's
    ("10.12 UTC+0" on a PC in UTC, seen in the walkthrough) while the history said WIB."""
    raw = factories.application_json(status="needs_revision", claim=None, documents=[])
    raw["history"] = [h for h in raw["history"] if h["action"] != "resubmit"]
    widget, _ = make_workbench(ApplicationDetail.from_json(raw), roles=(Role.OPERATOR,))
    assert "WIB" in widget.revision_panel.overall.text()
    widget.set_time_zone(ZoneInfo("Asia/Jayapura"))
    QApplication.processEvents()
    text = widget.revision_panel.overall.text()
    assert "WIT" in text and "WIB" not in text, text


def test_the_verifier_sees_no_revision_tab(make_workbench: Make) -> None:
    widget, _ = make_workbench(factories.detail(), roles=(Role.VERIFIER,))
    assert not widget.tabs.isTabVisible(widget.revision_tab)


def test_handover_to_a_representative_enter_never_confirms(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path
) -> None:
    widget, _ = make_workbench(factories.detail(status="signed"), roles=(Role.OPERATOR,))
    letter = a_pdf(tmp_path, "surat-kuasa.pdf")
    with qtbot.assertNotEmitted(widget.handover_requested):
        press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
        dialog = widget.handover_dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
        dialog.file_chooser = lambda _parent, _title: letter
        press(qtbot, dialog, Qt.Key.Key_K, ALT)  # Kuasa
        assert dialog.kuasa.isChecked()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.kuasa_name)
        qtbot.keyClicks(dialog.kuasa_name, "Budi Santoso")
        press(qtbot, dialog, Qt.Key.Key_Return)  # Lanjut without NIK and letter: refused
        assert dialog.pages.currentIndex() == 0 and "surat kuasa" in dialog.problem.text()
        representative = new_nik("L")
        press(qtbot, dialog, Qt.Key.Key_I, ALT)
        qtbot.keyClicks(dialog.kuasa_nik, representative)
        assert dialog.nik_problem.text() == ""
        press(qtbot, dialog, Qt.Key.Key_L, ALT)  # Lampirkan surat kuasa
        assert dialog.letter_label.text() == "surat-kuasa.pdf"
        shot(dialog, "handover-who.png")
        press(qtbot, dialog, Qt.Key.Key_Return)  # Lanjut
        assert dialog.pages.currentIndex() == 1
        assert "Serahkan dokumen kepada Budi Santoso" in dialog.question.text()
        assert representative not in dialog.question.text()  # masked
        assert dialog.confirm_cancel.isDefault() and not dialog.confirm_button.isDefault()
        assert QApplication.focusWidget() is dialog.confirm_cancel
        shot(dialog, "handover-confirm.png")
        dialog.confirm_button.setFocus()  # even on "Ya, serahkan", Enter is Batal
        press(qtbot, dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: widget.handover_dialog is None)

    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
    dialog = widget.handover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
    dialog.file_chooser = lambda _parent, _title: letter
    press(qtbot, dialog, Qt.Key.Key_K, ALT)
    qtbot.keyClicks(dialog.kuasa_name, "Budi Santoso")
    press(qtbot, dialog, Qt.Key.Key_I, ALT)
    qtbot.keyClicks(dialog.kuasa_nik, representative)
    press(qtbot, dialog, Qt.Key.Key_L, ALT)
    press(qtbot, dialog, Qt.Key.Key_Return)
    with qtbot.waitSignal(widget.handover_requested) as chosen:
        press(qtbot, dialog, Qt.Key.Key_Y, ALT)  # Ya, serahkan
    handover = chosen.args[0]
    assert isinstance(handover, Handover)
    assert (handover.collector, handover.name, handover.letter) == ("kuasa", "Budi Santoso", letter)


def test_handover_to_the_applicant_needs_the_ktp_matched(
    make_workbench: Make, qtbot: QtBot
) -> None:
    widget, _ = make_workbench(factories.detail(status="signed"), roles=(Role.OPERATOR,))
    press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
    dialog = widget.handover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
    assert "147101******0001" in dialog.applicant_line.text()
    press(qtbot, dialog, Qt.Key.Key_Return)
    assert dialog.pages.currentIndex() == 0 and "KTP asli" in dialog.problem.text()
    press(qtbot, dialog, Qt.Key.Key_D, ALT)  # dicocokkan
    assert dialog.identity_checked.isChecked()
    press(qtbot, dialog, Qt.Key.Key_Return)
    assert "Serahkan dokumen kepada Siti Rahmawati" in dialog.question.text()
    with qtbot.waitSignal(widget.handover_requested) as chosen:
        press(qtbot, dialog, Qt.Key.Key_Y, ALT)
    assert chosen.args[0].collector == "pemohon"


def test_handover_with_long_names_fits_a_1366x768_screen(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path
) -> None:
    """A 150-letter applicant name, a 100-letter representative and a 120-character letter file
    name: both steps stay within the screen, every line readable (wrapped or shortened with the
    whole name on hover), nothing cut."""
    raw = factories.application_json(status="signed")
    raw["applicant"]["name"] = ("Raden Ajeng Siti Nurhaliza Kusumawardhani Putri " * 4)[:150]
    widget, _ = make_workbench(ApplicationDetail.from_json(raw), roles=(Role.OPERATOR,))
    letter = a_pdf(tmp_path, "surat-kuasa-" + "pengambilan-dokumen-kependudukan-" * 3 + "x.pdf")
    press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
    dialog = widget.handover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
    dialog.file_chooser = lambda _parent, _title: letter
    press(qtbot, dialog, Qt.Key.Key_K, ALT)
    qtbot.keyClicks(dialog.kuasa_name, ("Muhammad Rizky Pratama Hidayatullah " * 3)[:100])
    press(qtbot, dialog, Qt.Key.Key_I, ALT)
    qtbot.keyClicks(dialog.kuasa_nik, new_nik("L"))
    press(qtbot, dialog, Qt.Key.Key_L, ALT)
    QApplication.processEvents()

    def fits() -> None:
        assert dialog.width() <= 1366 and dialog.height() <= 768, dialog.size()
        for label in dialog.findChildren(QLabel):
            if not label.isVisible() or not label.text():
                continue
            if label.wordWrap():
                assert label.height() >= label.heightForWidth(label.width()), label.text()
            else:
                assert label.width() >= label.sizeHint().width(), label.text()

    shot(dialog, "handover-who-long.png")
    fits()
    assert dialog.letter_label.toolTip() == letter.name  # the whole name on hover
    press(qtbot, dialog, Qt.Key.Key_Return)  # Lanjut
    assert dialog.pages.currentIndex() == 1
    QApplication.processEvents()
    shot(dialog, "handover-confirm-long.png")
    fits()
    press(qtbot, dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: widget.handover_dialog is None)
