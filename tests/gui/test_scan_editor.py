"""The scan dialog and its page editor (issue 12), driven like an officer at the counter.

The scanner is the real SANE `test` backend (tests/desktop/scanning/sane_env.py: a private
SANE_CONFIG_DIR, enabled here at import, before anything calls sane.init), reached through the
real registry (`Scanners`) and the real pipeline, on the dialog's worker lane. Its feeder gives
10 pages. Faults and separator sheets come from the test driver's own options, switched
between pages by small SaneBackend subclasses (as A's backend tests do): `read_return_value`
(SANE_STATUS_JAMMED) and `test_picture` ("Solid white" = a blank separator sheet).

Keys are real key events on the focused widget (shell_helpers.key). Drag and drop: see
test_drag_reorders_pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PySide6.QtCore import QMimeData, QPoint, QRect, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import DEVICE, enable_sane_test_backend, reset_test_devices

enable_sane_test_backend()  # before the first sane.init() of this process

from desktop.services.scanning.device import ScanProblem, problem_message  # noqa: E402
from desktop.services.scanning.registry import Scanners  # noqa: E402
from desktop.services.scanning.sane_backend import SaneBackend  # noqa: E402
from desktop.services.tasks import TaskRunner  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.views.scan.dialog import ScanDialog  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.shell_helpers import WAIT, focused, key, shot, when_modal  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

REQUIREMENTS = [("KTP", "KTP-el pemohon"), ("KK", "Kartu Keluarga"), ("AKTA", "Akta kelahiran")]
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


class Pictures(SaneBackend):
    """The test driver drawing its colour pattern (a page with content), a white page at `blank_at`
    (a separator sheet), and a jam before page `jam_at` of its first run only (the driver
    keeps option values across runs, so every run starts by setting them)."""

    def __init__(self, *, blank_at: int = -1, jam_at: int = -1) -> None:
        super().__init__(extra_options={"test_picture": "Color pattern"})
        self.blank_at, self.jam_at, self.runs = blank_at, jam_at, 0

    def _before_page(self, dev: Any, index: int) -> None:
        if index == 0:
            self.runs += 1
            dev.read_return_value = "Default"
        dev.test_picture = "Solid white" if index == self.blank_at else "Color pattern"
        if index == self.jam_at and self.runs == 1:
            dev.read_return_value = "SANE_STATUS_JAMMED"


@pytest.fixture(autouse=True)
def _test_devices() -> Iterator[None]:
    """A jam or picture set here stays in the test driver for the worker's next scans: put it
    back after every test (a later file's flatbed scan read 'jammed after 0 pages' in CI)."""
    yield
    reset_test_devices()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def open_dialog(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path, backend: SaneBackend, **kw: Any
) -> ScanDialog:
    scanners = Scanners(Settings(), factories={"sane": lambda: backend})
    dialog = ScanDialog(
        runner, scanners, REQUIREMENTS, settings=Settings(), folder=tmp_path / "scan", **kw
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.device_id() == DEVICE, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.dpi_box.findData(100) >= 0, timeout=WAIT)  # caps
    return dialog


def choose(dialog: ScanDialog, *, feeder: bool, remove_blank: bool = True) -> None:
    o = dialog.options
    o.source_box.setCurrentIndex(o.source_box.findData("feeder" if feeder else "flatbed"))
    o.dpi_box.setCurrentIndex(o.dpi_box.findData(100))
    o.remove_blank.setChecked(remove_blank)


def scan_by_f5(qtbot: QtBot, dialog: ScanDialog, pages: int) -> None:
    dialog.view.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.view)
    key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not dialog.controller.scanning, timeout=WAIT)
    assert len(dialog.batch) == pages, (dialog.status.text(), dialog.message.text())


def keys_of(dialog: ScanDialog) -> list[int]:
    return [p.key for p in dialog.batch.pages]


def selected(dialog: ScanDialog) -> list[int]:
    return sorted(i.row() for i in dialog.view.selectionModel().selectedIndexes())


def test_feeder_batch_edited_by_keys_then_one_pdf_per_requirement(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(), requirement="KK")
    choose(dialog, feeder=True)
    scan_by_f5(qtbot, dialog, 10)
    assert dialog.status.text() == "Selesai: 10 halaman."
    assert all(p.requirement == "KK" for p in dialog.batch.pages)  # opened from KK's "Pindai"
    # the assign list says where the pages went (it said requirement 1 in a real window)
    assert dialog.assign_box.currentData() == "KK"
    original = keys_of(dialog)

    # keyboard reorder: the first page two places right
    view = dialog.view
    key(qtbot, Qt.Key.Key_Home)
    assert selected(dialog) == [0]
    key(qtbot, Qt.Key.Key_Right, CTRL)
    key(qtbot, Qt.Key.Key_Right, CTRL)
    assert keys_of(dialog) == [original[1], original[2], original[0], *original[3:]]
    assert selected(dialog) == [2]  # the moved page stays selected
    assert focused() is view

    # rotate: right, then left twice = 270
    key(qtbot, Qt.Key.Key_R, CTRL)
    assert dialog.batch[2].rotation == 90
    key(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    key(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    assert dialog.batch[2].rotation == 270

    # delete, then undo brings it back, selected
    key(qtbot, Qt.Key.Key_End)
    last = dialog.batch[9].key
    key(qtbot, Qt.Key.Key_Delete)
    assert len(dialog.batch) == 9 and dialog.batch.index_of(last) is None
    assert selected(dialog) == [8]
    key(qtbot, Qt.Key.Key_Z, CTRL)
    assert len(dialog.batch) == 10 and dialog.batch.index_of(last) == 9
    assert selected(dialog) == [9]

    # assign the first three pages to requirement 1 (KTP) with the number key
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Right, SHIFT)
    key(qtbot, Qt.Key.Key_Right, SHIFT)
    assert selected(dialog) == [0, 1, 2]
    key(qtbot, Qt.Key.Key_1)
    assert [p.requirement for p in dialog.batch.pages] == ["KTP"] * 3 + ["KK"] * 7
    assert "KTP-el pemohon: 3" in dialog.summary.text()
    assert dialog.assign_box.currentData() == "KTP"
    key(qtbot, Qt.Key.Key_End)
    assert dialog.assign_box.currentData() == "KK"  # follows the chosen page

    # Ctrl+Enter: one PDF per requirement, pages and rotation as edited
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Return, CTRL)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert set(dialog.attachments) == {"KTP", "KK"}
    with pikepdf.open(dialog.attachments["KTP"]) as pdf:
        assert len(pdf.pages) == 3
        assert [int(p.obj.get("/Rotate", 0)) for p in pdf.pages] == [0, 0, 270]
    with pikepdf.open(dialog.attachments["KK"]) as pdf:
        assert len(pdf.pages) == 7
        assert all(int(p.obj.get("/Rotate", 0)) == 0 for p in pdf.pages)
    assert not (tmp_path / "scan" / "halaman").exists()  # page files gone, the PDFs stay


def test_drag_reorders_pages(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    """The end of a drag: real DragEnter/DragMove/Drop events on the view's viewport at a
    page's place, carrying what the view's own drag carries (`model.mimeData` of the dragged
    rows), handled by the view's and the model's real drop code. The drag's START is not
    simulated: QDrag.exec runs the platform's drag loop, which QTest's synthetic mouse
    press/move/release do not drive on the offscreen platform."""
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures())
    choose(dialog, feeder=True)
    scan_by_f5(qtbot, dialog, 10)
    original = keys_of(dialog)
    view, model = dialog.view, dialog.model
    view.scrollToTop()

    def drop(mime: QMimeData, on_row: int) -> None:
        """Enter, move over page `on_row`'s left half, drop: the events a drag brings to the
        viewport. (Qt delivers the Drop to the widget that accepted the DragEnter.)"""
        at = view.visualRect(model.index(on_row, 0)).topLeft() + QPoint(3, 3)
        move, left, none = Qt.DropAction.MoveAction, Qt.MouseButton.LeftButton, NO_MODIFIER
        QApplication.sendEvent(view.viewport(), QDragEnterEvent(at, move, mime, left, none))
        QApplication.sendEvent(view.viewport(), QDragMoveEvent(at, move, mime, left, none))
        QApplication.sendEvent(view.viewport(), QDropEvent(at.toPointF(), move, mime, left, none))

    dragged = model.mimeData([model.index(0, 0), model.index(1, 0)])
    drop(dragged, 4)  # pages 1 and 2 dropped on page 5's left half: before it
    assert keys_of(dialog) == [*original[2:4], original[0], original[1], *original[4:]]
    assert selected(dialog) == [2, 3]  # the dropped pages are selected where they landed
    view.setFocus()
    key(qtbot, Qt.Key.Key_Z, CTRL)  # one undo step
    assert keys_of(dialog) == original

    other = ScanDialog(
        runner,
        Scanners(Settings(), factories={}),
        REQUIREMENTS,
        settings=Settings(),
        folder=tmp_path / "other",
    )
    qtbot.addWidget(other)
    drop(other.model.rows_mime([0]), 4)  # another dialog's pages mean nothing here
    assert keys_of(dialog) == original


def test_jam_mid_batch_keeps_the_pages_and_scanning_goes_on(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(jam_at=3))
    choose(dialog, feeder=True)
    scan_by_f5(qtbot, dialog, 3)
    assert dialog.message.isVisible()
    assert dialog.message.text().startswith(problem_message(ScanProblem.JAMMED))
    assert "3 halaman yang sudah terpindai tetap tersimpan" in dialog.message.text()
    assert dialog.isVisible() and dialog.scan_button.isEnabled()
    # the officer clears the jam and scans the rest into the same batch
    choose(dialog, feeder=False)
    scan_by_f5(qtbot, dialog, 4)
    assert not dialog.message.isVisible()


def test_split_at_a_blank_separator_sheet(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(blank_at=4))
    choose(dialog, feeder=True, remove_blank=False)
    scan_by_f5(qtbot, dialog, 10)
    assert [p.page.blank for p in dialog.batch.pages] == [False] * 4 + [True] + [False] * 5
    key(qtbot, Qt.Key.Key_B, CTRL)
    assert [p.requirement for p in dialog.batch.pages] == ["KTP"] * 4 + ["KK"] * 5
    assert "Dipisah di 1 lembar kosong" in dialog.status.text()
    key(qtbot, Qt.Key.Key_Z, CTRL)
    assert len(dialog.batch) == 10


def test_enter_never_attaches_or_closes(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(), requirement="KTP")
    choose(dialog, feeder=False)
    scan_by_f5(qtbot, dialog, 1)
    # Enter on the pages, on a combo box: the dialog's main action is Pindai, never Lampirkan
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.controller.scanning and len(dialog.batch) == 2, timeout=WAIT)
    dialog.options.paper_box.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.options.paper_box)
    key(qtbot, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: not dialog.controller.scanning and len(dialog.batch) == 3, timeout=WAIT)
    assert dialog.isVisible() and dialog.attachments == {}
    # Esc asks before throwing pages away, and Enter there answers "Kembali"
    dialog.view.setFocus()
    clicked: list[object] = []

    def enter_in_the_question(box: QDialog) -> None:
        assert isinstance(box, QMessageBox)
        qtbot.keyClick(box.focusWidget() or box, Qt.Key.Key_Return)
        clicked.append(box.clickedButton().text() if box.clickedButton() else None)

    seen = when_modal(qtbot, QMessageBox, enter_in_the_question)
    key(qtbot, Qt.Key.Key_Escape)
    assert len(seen) == 1 and clicked == ["Kembali"]
    assert dialog.isVisible() and len(dialog.batch) == 3


def test_screenshot_at_1366x768(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    """The dialog as it fits a 1366x768 screen less a 40-px taskbar and the window frame."""
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(blank_at=3, jam_at=6))
    dialog.resize(min(1180, 1366 - 48), 768 - 40 - 48)
    choose(dialog, feeder=True)
    scan_by_f5(qtbot, dialog, 6)
    dialog.view.setFocus()
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Right, SHIFT)
    key(qtbot, Qt.Key.Key_1)
    key(qtbot, Qt.Key.Key_R, CTRL)
    path = shot(dialog, "scan_dialog_1366x768.png")
    assert path.exists()
    for button in (dialog.attach_button, dialog.scan_button, dialog.split_button):
        assert button.isVisible()
        assert dialog.rect().contains(QRect(button.mapTo(dialog, QPoint()), button.size()))


def test_a_scan_after_a_print_preview_leaves_a_closed_socket_harmless(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    """Qt's CUPS print plugin sets SIGPIPE to SIG_IGN when the first QPrinter is made; libsane
    turns SIG_IGN into the default (deadly) action when its reader thread ends. The dialog's
    run puts the guard back, so after the scan the kernel still holds SIGPIPE caught (before:
    the default action, and the next upload to a server that dropped the connection ended
    Loket without a word; a pytest worker died of it in CI)."""
    import ctypes
    import signal

    from PySide6.QtPrintSupport import QPrinter

    from desktop.services.scanning.sigpipe import sigpipe_is_deadly

    dialog = open_dialog(qtbot, runner, tmp_path, Pictures())
    choose(dialog, feeder=False)
    QPrinter()  # a print preview while the dialog was open
    # Where Qt has no CUPS plugin, do what it does (the C call, behind Python's back):
    ctypes.CDLL(None).signal(int(signal.SIGPIPE), ctypes.c_void_p(1))  # SIG_IGN
    assert not sigpipe_is_deadly()  # ignored is safe, until libsane's thread ends
    scan_by_f5(qtbot, dialog, 1)
    assert not sigpipe_is_deadly()
