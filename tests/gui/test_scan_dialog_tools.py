"""The scan dialog's wave-2 fixes (issue 12), driven like an officer: blank separator sheets
with "Buang halaman kosong" on, closing mid-scan, "Simpan profil…", file import (picker and
drag and drop) and the hot folder's new files.

Same real parts as test_scan_editor: the SANE `test` backend through the registry, the real
pipeline, real key events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import enable_sane_test_backend

enable_sane_test_backend()  # before the first sane.init() of this process

from desktop.services.operations import OpKind  # noqa: E402
from desktop.services.scanning.device import ColourMode, Paper, Source  # noqa: E402
from desktop.services.scanning.file_import import FileImportBackend  # noqa: E402
from desktop.services.scanning.hot_folder import HotFolderBackend, Timing  # noqa: E402
from desktop.services.scanning.profiles import load_profiles  # noqa: E402
from desktop.services.scanning.registry import BackendFactory, Scanners  # noqa: E402
from desktop.services.tasks import TaskRunner  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.views.scan.dialog import ScanDialog  # noqa: E402
from tests.desktop.scanning.sane_env import DEVICE  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.shell_helpers import WAIT, focused, key, when_modal  # noqa: E402
from tests.gui.test_scan_editor import (  # noqa: E402
    CTRL,
    NO_MODIFIER,
    REQUIREMENTS,
    Pictures,
    choose,
    open_dialog,
    scan_by_f5,
)
from tests.synthetic_pages import document_page  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def test_separator_sheet_splits_with_blank_removal_on_and_never_reaches_a_pdf(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(blank_at=4))
    choose(dialog, feeder=True, remove_blank=True)
    scan_by_f5(qtbot, dialog, 10)  # the blank sheet is kept (old code: 9 pages, split blind)
    assert [p.dropped_blank for p in dialog.batch.pages] == [False] * 4 + [True] + [False] * 5
    assert "1 kosong (tidak ikut dilampirkan)" in dialog.summary.text()
    index = dialog.model.index(4, 0)
    assert dialog.model.data(index) == "5 · kosong, dibuang"
    key(qtbot, Qt.Key.Key_B, CTRL)
    assert [p.requirement for p in dialog.batch.pages] == ["KTP"] * 4 + ["KK"] * 5
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Return, CTRL)
    with pikepdf.open(dialog.attachments["KTP"]) as pdf:
        assert len(pdf.pages) == 4
    with pikepdf.open(dialog.attachments["KK"]) as pdf:
        assert len(pdf.pages) == 5


def test_blank_page_with_removal_on_and_no_split_is_left_out(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures(blank_at=2), requirement="KK")
    choose(dialog, feeder=True, remove_blank=True)
    scan_by_f5(qtbot, dialog, 10)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Return, CTRL)
    assert set(dialog.attachments) == {"KK"}
    with pikepdf.open(dialog.attachments["KK"]) as pdf:
        assert len(pdf.pages) == 9


# -- closing mid-scan ------------------------------------------------------------------------


def scan_folder_runs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "scan" / "halaman").glob("run-*"))


def test_program_close_mid_scan_stops_the_run_and_leaves_no_files(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    """The session ends (the program closes the dialog) while the feeder runs: the run is
    cancelled, its page files removed, and the device is free for the next dialog."""
    backend = Pictures()
    dialog = open_dialog(qtbot, runner, tmp_path, backend)
    choose(dialog, feeder=True)
    dialog.view.setFocus()
    key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(dialog.batch) >= 2, timeout=WAIT)
    dialog.close()  # not spontaneous: the program's close
    assert not dialog.isVisible() and dialog.batch.closed
    qtbot.waitUntil(lambda: runner.count(OpKind.SCAN) == 0, timeout=WAIT)
    assert len(dialog.batch) == 0
    assert scan_folder_runs(tmp_path) == []  # the worker removed the run it was writing
    again = open_dialog(qtbot, runner, tmp_path / "again", backend)
    choose(again, feeder=False)
    scan_by_f5(qtbot, again, 1)  # the device was released


def test_tutup_mid_scan_stops_then_asks_and_closes(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures())
    choose(dialog, feeder=True)
    dialog.view.setFocus()
    key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(dialog.batch) >= 1, timeout=WAIT)

    asked: list[bool] = []  # scanning still, when the question came

    def discard_when_asked() -> None:
        """The question comes only once the scan has stopped (however long that takes)."""
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, discard_when_asked)
            return
        asked.append(dialog.controller.scanning)
        {b.text(): b for b in box.buttons()}["Buang dan tutup"].click()

    QTimer.singleShot(0, discard_when_asked)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.close_button.click()
        assert dialog.isVisible()  # still stopping the scan
    assert asked == [False] and dialog.result() == QDialog.DialogCode.Rejected
    qtbot.waitUntil(lambda: runner.count(OpKind.SCAN) == 0, timeout=WAIT)
    assert not (tmp_path / "scan" / "halaman").exists()


# -- "Simpan profil…" ------------------------------------------------------------------------


def test_save_profile_names_the_settings_and_choosing_it_brings_them_back(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, tmp_path, Pictures())
    saved: list[Settings] = []
    dialog.settingsChanged.connect(saved.append)
    o = dialog.options
    choose(dialog, feeder=True, remove_blank=False)
    o.mode_box.setCurrentIndex(o.mode_box.findData("bw"))
    o.paper_box.setCurrentIndex(o.paper_box.findData("F4"))

    def name_it(box: QDialog) -> None:
        assert isinstance(box, QInputDialog)
        qtbot.keyClicks(box.focusWidget() or box, "KK pengumpan F4")
        qtbot.keyClick(box.focusWidget() or box, Qt.Key.Key_Return)

    seen = when_modal(qtbot, QInputDialog, name_it)
    o.save_profile_button.click()
    assert len(seen) == 1
    assert len(saved) == 1
    (profile,) = load_profiles(saved[0])
    assert profile.name == "KK pengumpan F4" and profile.device_id == DEVICE
    assert profile.settings.mode is ColourMode.BW and profile.settings.paper is Paper.F4
    assert profile.settings.source is Source.FEEDER and not profile.settings.remove_blank
    assert o.profile_box.currentText() == "KK pengumpan F4"

    # other choices, then the profile by keyboard brings its settings back
    choose(dialog, feeder=False, remove_blank=True)
    o.mode_box.setCurrentIndex(o.mode_box.findData("colour"))
    o.profile_box.setCurrentIndex(0)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    o.profile_box.setFocus()
    qtbot.waitUntil(lambda: focused() is o.profile_box)
    key(qtbot, Qt.Key.Key_Down)
    assert o.settings() == profile.settings

    # a cancelled name saves nothing
    when_modal(qtbot, QInputDialog, lambda box: box.reject())
    o.save_profile_button.click()
    assert len(saved) == 1


# -- file import: the picker and drag and drop -------------------------------------------------


def page_png(path: Path) -> Path:
    document_page(100, paper="A4", colour=False).save(path, dpi=(100, 100))
    return path


def with_files(qtbot: QtBot, runner: TaskRunner, tmp_path: Path, **kw: Any) -> ScanDialog:
    backend = Pictures()
    factories: dict[str, BackendFactory] = {"sane": lambda: backend, "file": FileImportBackend}
    scanners = Scanners(Settings(), factories=factories)
    dialog = ScanDialog(
        runner, scanners, REQUIREMENTS, settings=Settings(), folder=tmp_path / "scan", **kw
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    box = dialog.options.device_box
    qtbot.waitUntil(lambda: box.findData("file:") >= 0, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.device_id() == DEVICE, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.dpi_box.findData(100) >= 0, timeout=WAIT)
    choose(dialog, feeder=False)
    return dialog


def test_ctrl_o_picks_files_and_their_pages_come_in(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = with_files(qtbot, runner, tmp_path, requirement="AKTA")
    files = [page_png(tmp_path / "akta-1.png"), page_png(tmp_path / "akta-2.png")]

    def pick(box: QDialog) -> None:
        assert isinstance(box, QFileDialog)
        box.setDirectory(str(tmp_path))
        box.selectFile(" ".join(f'"{f.name}"' for f in files))
        box.accept()

    seen = when_modal(qtbot, QFileDialog, pick)
    dialog.view.setFocus()
    key(qtbot, Qt.Key.Key_O, CTRL)
    assert len(seen) == 1
    qtbot.waitUntil(lambda: len(dialog.batch) == 2 and not dialog.controller.scanning, timeout=WAIT)
    assert [p.requirement for p in dialog.batch.pages] == ["AKTA", "AKTA"]
    assert dialog.options.device_id() == DEVICE  # the chosen scanner stays chosen
    dialog.activateWindow()  # offscreen: no window manager gives it back after the picker
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    dialog.view.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.view)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Return, CTRL)
    with pikepdf.open(dialog.attachments["AKTA"]) as pdf:
        assert len(pdf.pages) == 2


def test_the_pages_just_brought_in_are_chosen_and_have_the_keyboard(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    """Real window: after a scan and Ctrl+O the focus stayed on the button and the earlier page
    stayed chosen, so "2" (assign) did nothing. Now the run's pages are chosen as they come and
    the first takes the keyboard to the pages: "2" assigns exactly the imported pages."""
    dialog = with_files(qtbot, runner, tmp_path, requirement="AKTA")
    scan_by_f5(qtbot, dialog, 1)
    files = [page_png(tmp_path / "kk-1.png"), page_png(tmp_path / "kk-2.png")]

    def pick(box: QDialog) -> None:
        assert isinstance(box, QFileDialog)
        box.setDirectory(str(tmp_path))
        box.selectFile(" ".join(f'"{f.name}"' for f in files))
        box.accept()

    seen = when_modal(qtbot, QFileDialog, pick)
    dialog.import_button.setFocus()
    key(qtbot, Qt.Key.Key_O, CTRL)
    assert len(seen) == 1
    qtbot.waitUntil(lambda: len(dialog.batch) == 3 and not dialog.controller.scanning, timeout=WAIT)
    dialog.activateWindow()  # offscreen: no window manager gives it back after the picker
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    assert sorted(i.row() for i in dialog.view.selectionModel().selectedIndexes()) == [1, 2]
    qtbot.waitUntil(lambda: focused() is dialog.view)
    key(qtbot, Qt.Key.Key_2)
    assert [p.requirement for p in dialog.batch.pages] == ["AKTA", "KK", "KK"]
    assert dialog.assign_box.currentData() == "KK"


def test_files_dropped_on_the_pages_or_the_dialog_are_imported(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = with_files(qtbot, runner, tmp_path, requirement="KTP")
    first, second = page_png(tmp_path / "a.png"), page_png(tmp_path / "b.png")
    not_an_image = tmp_path / "catatan.png"
    not_an_image.write_text("bukan gambar")

    def drop_files(target: QWidget, paths: list[Path]) -> bool:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        at = QPoint(target.width() // 2, target.height() // 2)
        copy, left, none = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, NO_MODIFIER
        enter = QDragEnterEvent(at, copy, mime, left, none)
        QApplication.sendEvent(target, enter)
        if not enter.isAccepted():
            return False
        QApplication.sendEvent(target, QDragMoveEvent(at, copy, mime, left, none))
        QApplication.sendEvent(target, QDropEvent(at.toPointF(), copy, mime, left, none))
        return True

    assert drop_files(dialog.view.viewport(), [first])
    qtbot.waitUntil(lambda: len(dialog.batch) == 1 and not dialog.controller.scanning, timeout=WAIT)
    assert drop_files(dialog, [second])  # on the dialog itself (the left column, say)
    qtbot.waitUntil(lambda: len(dialog.batch) == 2 and not dialog.controller.scanning, timeout=WAIT)
    assert drop_files(dialog, [not_an_image])
    qtbot.waitUntil(lambda: not dialog.controller.scanning and dialog.message.isVisible())
    assert "catatan.png" in dialog.message.text()
    assert len(dialog.batch) == 2


# -- the hot folder ---------------------------------------------------------------------------


def test_hot_folder_files_are_offered_and_taken(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    hot = tmp_path / "hot"
    hot.mkdir()
    folder = HotFolderBackend(hot, timing=Timing(poll=0.02, settle=0.2, write_timeout=2.0))
    scanners = Scanners(Settings(), factories={"folder": lambda: folder})
    dialog = ScanDialog(
        runner,
        scanners,
        REQUIREMENTS,
        settings=Settings(),
        folder=tmp_path / "scan",
        requirement="KK",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.controller.watched_folder == folder.device_id, timeout=WAIT)
    assert not dialog.take_button.isVisible()

    page_png(tmp_path / "kk.png").rename(hot / "scan_0001.png")  # the vendor's program
    qtbot.waitUntil(dialog.take_button.isVisible, timeout=WAIT)
    assert "scan_0001.png" in dialog.arrival_label.text()
    dialog.take_button.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.take_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(dialog.batch) == 1 and not dialog.controller.scanning, timeout=WAIT)
    assert not dialog.take_button.isVisible()
    assert (hot / "diambil" / "scan_0001.png").exists()
    assert dialog.batch[0].requirement == "KK"
    dialog.close()
    assert dialog.controller.watched_folder == ""
