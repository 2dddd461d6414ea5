"""The scan dialog's wave-2 fixes (issue 12), driven like an officer: blank separator sheets
with "Buang halaman kosong" on, closing mid-scan, "Simpan profil…", file import (picker and
drag and drop) and the hot folder's new files.

Same real parts as test_scan_editor: the SANE `test` backend through the registry, the real
pipeline, real key events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import enable_sane_test_backend

enable_sane_test_backend()  # before the first sane.init() of this process

from desktop.services.tasks import TaskRunner  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.shell_helpers import WAIT, key  # noqa: E402
from tests.gui.test_scan_editor import (  # noqa: E402
    CTRL,
    Pictures,
    choose,
    open_dialog,
    scan_by_f5,
)

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
