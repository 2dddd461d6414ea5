"""The print preview driven by keys: it shows the receipt's own PDF, Ctrl+S saves through the
(non-native, real) file dialog, Ctrl+P prints through the real QPrintDialog to a QPrinter whose
output is a PDF file (a real printer cannot run here), Enter does nothing, Esc closes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services.documents.receipt import render_receipt
from desktop.settings import Settings
from desktop.views.dialogs import FRAME_ALLOWANCE
from desktop.views.print_preview import PrintPreviewDialog
from tests.desktop.documents.test_receipt import STATUS_URL, receipt
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import shot, when_modal

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_preview(qtbot: QtBot, layout: str = "half", **kwargs: object) -> PrintPreviewDialog:
    pdf = render_receipt(receipt(), layout=layout)  # type: ignore[arg-type]
    dialog = PrintPreviewDialog(
        pdf,
        title="Tanda terima 1471-261124-0123-2",
        settings=Settings(receipt_layout=layout),
        **kwargs,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # shortcuts need it
    qtbot.waitUntil(lambda: len(dialog.pages) == 1)
    return dialog


def type_path(qtbot: QtBot, edit: QLineEdit, path: Path) -> None:
    """Put a path into the real file dialog's name field. Set, not typed key by key: typing a
    path opens the dialog's completer popup, which then takes the Return meant for the dialog
    (the dialog itself, its Return and its overwrite question are the real ones)."""
    del qtbot
    edit.setText(str(path))


def codes_of(pdf_path: Path, tmp_path: Path) -> dict[str, str]:
    prefix = tmp_path / "printed"
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf_path), str(prefix)], check=True)
    image = Image.open(sorted(tmp_path.glob("printed*.png"))[0])
    return {str(r.format): r.text for r in zxingcpp.read_barcodes(image)}


@pytest.mark.parametrize("layout", ["half", "roll80"])
def test_preview_shows_the_pdf_and_screenshots(qtbot: QtBot, layout: str) -> None:
    dialog = open_preview(qtbot, layout)
    page = dialog.pages[0]
    if layout == "half":
        assert page.size_pt.width() == pytest.approx(595.3, abs=1)  # A4, from the pixels
        assert page.size_pt.height() == pytest.approx(841.9, abs=1)
    else:
        assert page.size_pt.width() == pytest.approx(226.8, abs=1)  # 80 mm
    label = dialog.findChild(type(dialog.status), "page-1")
    assert label is not None and not label.pixmap().isNull()
    assert label.pixmap().width() <= dialog.page_scroll.viewport().width()  # fitted
    dialog.resize(820, 900)
    # the page fitted to the new width is laid out on the next turn of the event loop: the
    # shot waits for it (grabbed at once, the label still had its old size and cut the page)
    qtbot.waitUntil(lambda: label.width() >= label.pixmap().width())
    shot(dialog, f"print_preview_{layout}.png")
    if os.environ.get("LOKET_UPDATE_SCREENSHOTS") and SCREENSHOTS.is_dir():
        # only when asked: a test run must not change the committed files
        dialog.grab().save(str(SCREENSHOTS / f"print_preview_{layout}.png"))


def test_the_dialog_fits_the_screen_with_its_frame(qtbot: QtBot) -> None:
    """At 1366x768 the 760-px-high dialog plus its title bar ran past the screen's bottom edge
    and hid Cetak/Simpan/Tutup (seen in a real window). It is sized to the free area."""
    dialog = open_preview(qtbot, "half")
    area = dialog.screen().availableGeometry()
    assert dialog.height() + FRAME_ALLOWANCE <= area.height()
    assert dialog.width() + FRAME_ALLOWANCE <= area.width()
    assert dialog.height() == min(760, area.height() - FRAME_ALLOWANCE)


def test_ctrl_s_saves_through_the_file_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = open_preview(qtbot)
    target = tmp_path / "tanda-terima.pdf"

    def type_name(modal: QDialog) -> None:
        assert isinstance(modal, QFileDialog)
        assert modal.selectedFiles()[0].endswith("Tanda_terima_1471-261124-0123-2.pdf")
        edit = modal.findChild(QLineEdit, "fileNameEdit")
        assert edit is not None
        type_path(qtbot, edit, target)
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    with qtbot.waitSignal(dialog.saved):
        seen = when_modal(qtbot, QFileDialog, type_name)
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert seen and target.read_bytes() == dialog.pdf

    # a second save to the same name asks first; "No" keeps the file as it was
    target.write_bytes(b"earlier")

    def refuse_overwrite(modal: QDialog) -> None:
        edit = modal.findChild(QLineEdit, "fileNameEdit")
        assert edit is not None
        type_path(qtbot, edit, target)
        when_modal(qtbot, QMessageBox, lambda box: box.reject())
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
        modal.reject()

    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    seen = when_modal(qtbot, QFileDialog, refuse_overwrite)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert seen and target.read_bytes() == b"earlier"


def test_ctrl_p_prints_the_receipt(qtbot: QtBot, tmp_path: Path) -> None:
    """Printed into a PDF file by QPrinter (no real printer here); the printed raster still
    carries the number's barcode and the status QR."""
    dialog = open_preview(qtbot)
    out = tmp_path / "printed.pdf"
    dialog.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog.printer.setOutputFileName(str(out))
    dialog.printer.setResolution(300)
    with qtbot.waitSignal(dialog.printed) as printed:
        seen = when_modal(qtbot, QPrintDialog, lambda modal: modal.accept())
        qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert seen and printed.args == [1]
    codes = codes_of(out, tmp_path)
    assert codes.get("Code 128") == "1471-261124-0123-2"
    assert codes.get("QR Code") == STATUS_URL


def test_enter_does_nothing_and_esc_closes(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = open_preview(qtbot)
    saved: list[str] = []
    dialog.saved.connect(saved.append)
    for widget in (dialog, dialog.print_button, dialog.save_button, dialog.close_button):
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_Return)
        qtbot.keyClick(widget, Qt.Key.Key_Enter)
        assert dialog.isVisible() and QApplication.activeModalWidget() in (None, dialog)
    assert saved == []
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


def test_layout_and_paper_choice_rerenders_and_is_remembered(qtbot: QtBot) -> None:
    calls: list[tuple[str, str]] = []

    def rerender(layout: str, paper: str) -> bytes:
        calls.append((layout, paper))
        return render_receipt(receipt(), layout=layout, paper=paper)  # type: ignore[arg-type]

    dialog = open_preview(qtbot, rerender=rerender)
    remembered: list[Settings] = []
    dialog.settingsChanged.connect(remembered.append)
    dialog.paper_box.setFocus()
    qtbot.keyClick(dialog.paper_box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: abs(dialog.pages[0].size_pt.height() - 935.4) < 1)  # F4
    assert calls == [("half", "F4")] and remembered[-1].receipt_paper == "F4"
    dialog.layout_box.setFocus()
    qtbot.keyClick(dialog.layout_box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: abs(dialog.pages[0].size_pt.width() - 226.8) < 1)  # 80 mm roll
    assert remembered[-1].receipt_layout == "roll80"
