"""Pengaturan > Pemindai (issue 12): network scanner addresses checked against a real eSCL
simulator over HTTP on a worker, the hot folder, profiles and the default scanner, each saved
at once through the settings page's save."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import enable_sane_test_backend

enable_sane_test_backend()  # the device search lists SANE: only its test devices here

from desktop.services.scanning.device import ScanSettings  # noqa: E402
from desktop.services.scanning.profiles import ScanProfile, load_profiles, with_profile  # noqa: E402
from desktop.services.tasks import TaskRunner  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.views.shell.settings_page import SettingsPage  # noqa: E402
from tests.escl_simulator import EsclSimulator  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.shell_helpers import WAIT, focused, key, shot, when_modal  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def page_with(
    qtbot: QtBot, runner: TaskRunner, settings: Settings
) -> tuple[SettingsPage, list[Settings]]:
    saved: list[Settings] = []
    page = SettingsPage(settings, saved.append, runner=runner)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    return page, saved


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens once closed: connection refused


def test_an_address_is_saved_only_once_the_scanner_answers(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    page, saved = page_with(qtbot, runner, Settings(idle_lock_minutes=7))
    section = page.scanners
    assert section is not None
    edit = section.address_edit
    silent = f"127.0.0.1:{closed_port()}"
    edit.setFocus()
    qtbot.waitUntil(lambda: focused() is edit)
    qtbot.keyClicks(edit, silent)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "tidak menjawab" in section.status_label.text(), timeout=WAIT)
    assert saved == [] and edit.text() == silent  # kept for correcting

    with EsclSimulator() as sim:
        edit.clear()
        qtbot.keyClicks(edit, sim.base_url)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(saved) == 1, timeout=WAIT)
    assert saved[-1].escl_addresses == (sim.base_url,)
    assert saved[-1].idle_lock_minutes == 7  # the page's other settings are kept
    assert "menjawab; alamat disimpan" in section.status_label.text()
    assert edit.text() == ""
    assert [section.address_list.item(i).text() for i in range(section.address_list.count())] == [
        sim.base_url
    ]
    shot(page, "settings_scanners.png")

    section.address_list.setCurrentRow(0)
    section.remove_address_button.click()
    assert saved[-1].escl_addresses == ()
    assert section.address_list.count() == 0


def test_hot_folder_chosen_and_cleared(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    hot = tmp_path / "pindaian"
    hot.mkdir()
    page, saved = page_with(qtbot, runner, Settings())
    section = page.scanners
    assert section is not None

    def pick(box: QDialog) -> None:
        assert isinstance(box, QFileDialog)
        box.setDirectory(str(hot))
        box.accept()

    seen = when_modal(qtbot, QFileDialog, pick)
    section.choose_folder_button.click()
    assert len(seen) == 1
    assert Path(saved[-1].hot_folder) == hot
    assert section.folder_label.text() == str(hot)
    section.clear_folder_button.click()
    assert saved[-1].hot_folder == "" and not section.clear_folder_button.isEnabled()


def test_profiles_listed_and_deleted(qtbot: QtBot, runner: TaskRunner) -> None:
    settings = with_profile(Settings(), ScanProfile("KTP berwarna", "", ScanSettings(dpi=300)))
    settings = with_profile(settings, ScanProfile("KK F4", "sane:test:0", ScanSettings()))
    page, saved = page_with(qtbot, runner, settings)
    section = page.scanners
    assert section is not None
    assert section.profile_list.count() == 2
    section.profile_list.setCurrentRow(0)
    section.delete_profile_button.click()
    assert [p.name for p in load_profiles(saved[-1])] == ["KK F4"]
    assert section.profile_list.count() == 1


def test_default_scanner_chosen_from_a_search(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    hot = tmp_path / "pindaian"
    hot.mkdir()
    page, saved = page_with(qtbot, runner, Settings(hot_folder=str(hot)))
    section = page.scanners
    assert section is not None
    box = section.device_box
    section.search_button.click()
    qtbot.waitUntil(lambda: box.findData(f"folder:{hot}") >= 0, timeout=WAIT)
    assert box.findData("sane:test:0") >= 0 and box.findData("file:") >= 0
    box.setFocus()
    qtbot.waitUntil(lambda: focused() is box)
    for _ in range(box.findData(f"folder:{hot}") - box.currentIndex()):
        key(qtbot, Qt.Key.Key_Down)
    assert box.currentData() == f"folder:{hot}", [box.itemData(i) for i in range(box.count())]
    assert saved[-1].scan_device == f"folder:{hot}"
    # a scanner not found later (another subnet, off) stays shown as the choice
    page.set_settings(saved[-1].with_changes(scan_device="escl:http://10.9.9.9/eSCL"))
    assert box.currentData() == "escl:http://10.9.9.9/eSCL"
    assert box.currentText() == "escl:http://10.9.9.9/eSCL (tidak ditemukan)"  # after a search


def test_a_saved_scanner_is_named_when_the_page_opens(qtbot: QtBot, runner: TaskRunner) -> None:
    """Real window: "Pemindai utama" showed the raw id "sane:test:0" until "Cari pemindai".
    The page searches once when first shown with a saved scanner, and names it."""
    page, saved = page_with(qtbot, runner, Settings(scan_device="sane:test:0"))
    section = page.scanners
    assert section is not None
    box = section.device_box
    qtbot.waitUntil(lambda: box.currentText() != "sane:test:0", timeout=WAIT)
    assert box.currentData() == "sane:test:0"
    assert "frontend-tester" in box.currentText()
    assert saved == []  # naming it changes nothing
