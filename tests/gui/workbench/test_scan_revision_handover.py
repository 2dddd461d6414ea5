""" "Pindai" outside the intake form (issue 12), driven by real key events with the real SANE
`test` backend (tests/desktop/scanning/sane_env.py, enabled at import) through the real
registry, pipeline and scan dialog:

- the revision panel: "Pindai…" on the returned KK's box, one page scanned (F5) and attached
  (Ctrl+Enter); the PDF is one of the revision's files, Ajukan ulang carries it, the revision
  service copies it into the outbox, and the scan folder goes when another application opens;
- the handover: Alt+S scans the representative's surat kuasa, which becomes the letter.

Screenshots at 1366x768 go to LOKET_SHOTS_DIR (else /tmp)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import DEVICE, enable_sane_test_backend, reset_test_devices

enable_sane_test_backend()  # before the first sane.init() of this process

from desktop.domain.records import ApplicationDetail  # noqa: E402
from desktop.domain.workflow import Role  # noqa: E402
from desktop.models.store import Store  # noqa: E402
from desktop.services.handover import Handover  # noqa: E402
from desktop.services.revision import RevisionRequest, RevisionService  # noqa: E402
from desktop.services.scanning.registry import Scanners  # noqa: E402
from desktop.services.scanning.sane_backend import SaneBackend  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.views.revision.scanning import FOLDER_PREFIX, ScanAccess  # noqa: E402
from desktop.views.scan.dialog import ScanDialog  # noqa: E402
from desktop.views.workbench import WorkbenchWidget  # noqa: E402
from tests.desktop.support import new_nik  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.shell_helpers import WAIT, shot, when_modal  # noqa: E402
from tests.gui.workbench import factories  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture(autouse=True)
def _test_devices() -> Iterator[None]:
    """The test driver keeps a fault set by another file's test of this worker (a jam left by
    an end-to-end test made this scan 'jammed after 0 pages' in CI): put it back before too."""
    reset_test_devices()
    yield
    reset_test_devices()


def press(
    qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def scanner_access(widget: WorkbenchWidget, saved: list[Settings]) -> ScanAccess:
    access = ScanAccess(
        widget.runner,
        Settings(),
        saved.append,
        scanners=lambda s: Scanners(
            s,
            factories={
                "sane": lambda: SaneBackend(extra_options={"test_picture": "Color pattern"})
            },
        ),
    )
    widget.set_scan_access(access)
    return access


def scan_one_page_and_attach(qtbot: QtBot, shots: str | None = None) -> Callable[[QDialog], None]:
    """What the officer does in the scan dialog: wait for the scanner, F5, Ctrl+Enter."""

    def act(modal: QDialog) -> None:
        assert isinstance(modal, ScanDialog)
        options = modal.options
        qtbot.waitUntil(lambda: options.device_id() == DEVICE, timeout=WAIT)
        qtbot.waitUntil(lambda: options.dpi_box.findData(100) >= 0, timeout=WAIT)
        # The sources come with the device's options: under load after the resolutions, and
        # an index of -1 would leave the feeder (emptied by an earlier test: "jammed").
        qtbot.waitUntil(lambda: options.source_box.findData("flatbed") >= 0, timeout=WAIT)
        options.source_box.setCurrentIndex(options.source_box.findData("flatbed"))
        assert options.source_box.currentData() == "flatbed"
        options.dpi_box.setCurrentIndex(options.dpi_box.findData(100))
        modal.view.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is modal.view)
        qtbot.keyClick(modal.view, Qt.Key.Key_F5)
        qtbot.waitUntil(
            lambda: not modal.controller.scanning and len(modal.batch) == 1, timeout=WAIT
        )
        if shots:
            shot(modal, shots)
        qtbot.keyClick(QApplication.focusWidget() or modal, Qt.Key.Key_Return, CTRL)

    return act


def returned() -> ApplicationDetail:
    raw = factories.application_json(status="needs_revision", claim=None)
    raw["history"] = [h for h in raw["history"] if h["action"] != "resubmit"]
    return ApplicationDetail.from_json(raw)


def test_revision_pindai_adds_the_scanned_kk_and_ajukan_ulang_carries_it(
    make_workbench: Make, qtbot: QtBot, tmp_path: Path
) -> None:
    widget, _ = make_workbench(returned(), roles=(Role.OPERATOR,))
    panel = widget.revision_panel
    kk = panel.boxes["KK"]
    assert not kk.scan_button.isVisibleTo(panel)  # no scanner set up: no "Pindai…"
    saved: list[Settings] = []
    scanner_access(widget, saved)
    assert kk.scan_button.isVisibleTo(panel)
    panel.scroller.ensureWidgetVisible(kk)

    kk.scan_button.setFocus()
    seen = when_modal(qtbot, ScanDialog, scan_one_page_and_attach(qtbot, "scan-from-revision.png"))
    qtbot.keyClick(kk.scan_button, Qt.Key.Key_Space)  # returns when the dialog has closed
    assert len(seen) == 1 and seen[0].result() == QDialog.DialogCode.Accepted
    assert [f.requirement_code for f in panel.files] == ["KK"]
    scanned = panel.files[0]
    assert scanned.filename == "pindaian-kk.pdf"
    with pikepdf.open(scanned.source) as pdf:
        assert len(pdf.pages) == 1
    assert "pindaian-kk.pdf — ditambahkan, belum disimpan" in kk.documents_text()
    assert "Kartu Keluarga" in panel.message.text()
    if saved:  # the dialog remembered this PC's scanner: the workbench keeps the new settings
        assert widget.scan_access is not None and widget.scan_access.settings is saved[-1]
    lines = [w for w in kk.documents.findChildren(QLabel) if "pindaian-kk.pdf" in w.text()]
    qtbot.waitUntil(lambda: len(lines) == 1 and lines[0].isVisible())  # shown, not just listed
    shot(widget, "revision-scanned-1366x768.png")

    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    with qtbot.waitSignal(widget.resubmit_requested) as sent:
        press(qtbot, widget, Qt.Key.Key_J, CTRL_SHIFT)
    request = sent.args[0]
    assert isinstance(request, RevisionRequest)
    assert [(f.source, f.requirement_code) for f in request.files] == [(scanned.source, "KK")]

    # The revision kept in the outbox holds its own copy of the scanned PDF.
    store = Store(tmp_path / "cache.sqlite3")
    try:
        RevisionService(store, user_id=factories.USER_ID).queue(returned(), request)
        unsent = RevisionService(store, user_id=factories.USER_ID).unsent(returned().id)
    finally:
        store.close()
    assert unsent is not None
    assert [f.get("filename") for f in unsent.files] == ["pindaian-kk.pdf"]

    # Another application: the scan folder is gone (the outbox has its copy).
    (folder,) = panel.scan_folders.folders
    assert folder.name.startswith(FOLDER_PREFIX) and scanned.source.is_relative_to(folder)
    other = factories.application_json(status="needs_revision", claim=None)
    other["id"] = "9f2b8c1e-9d4a-4e6f-8b7c-5a1d2e3f4a5c"
    widget.set_application(
        ApplicationDetail.from_json(other),
        widget._service,
        widget._document_types,
        (Role.OPERATOR,),
        factories.USER_ID,
        factories.standard_loader(),
    )
    assert not folder.exists()
    assert panel.scan_folders.folders == []


def test_handover_scans_the_surat_kuasa_with_alt_s(make_workbench: Make, qtbot: QtBot) -> None:
    widget, _ = make_workbench(factories.detail(status="signed"), roles=(Role.OPERATOR,))
    scanner_access(widget, [])
    press(qtbot, widget, Qt.Key.Key_S, CTRL_SHIFT)
    dialog = widget.handover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
    assert dialog.scan_letter_button.isVisibleTo(dialog)
    press(qtbot, dialog, Qt.Key.Key_K, ALT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.kuasa_name)
    qtbot.keyClicks(dialog.kuasa_name, "Budi Santoso")
    representative = new_nik("L")
    press(qtbot, dialog, Qt.Key.Key_I, ALT)
    qtbot.keyClicks(dialog.kuasa_nik, representative)

    when_modal(qtbot, ScanDialog, scan_one_page_and_attach(qtbot))
    press(qtbot, dialog, Qt.Key.Key_S, ALT)  # Pindai surat kuasa; returns when it closed
    letter = dialog.letter
    assert letter is not None and letter.name == "SURAT-KUASA.pdf"
    with pikepdf.open(letter) as pdf:
        assert len(pdf.pages) == 1
    assert dialog.letter_label.text() == "SURAT-KUASA.pdf"
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    shot(dialog, "handover-scanned-letter.png")
    press(qtbot, dialog, Qt.Key.Key_Return)  # Lanjut
    assert dialog.pages.currentIndex() == 1
    with qtbot.waitSignal(widget.handover_requested) as chosen:
        press(qtbot, dialog, Qt.Key.Key_Y, ALT)
    handover = chosen.args[0]
    assert isinstance(handover, Handover)
    assert (handover.collector, handover.name, handover.letter) == ("kuasa", "Budi Santoso", letter)
    assert letter.exists()  # kept until the handover has been copied into the outbox
    assert widget.handover_scans.folders  # ... and removed when another application opens
    other = factories.application_json()
    other["id"] = "9f2b8c1e-9d4a-4e6f-8b7c-5a1d2e3f4a5c"
    widget.set_application(
        ApplicationDetail.from_json(other),
        widget._service,
        widget._document_types,
        (Role.VERIFIER,),
        factories.USER_ID,
        factories.standard_loader(),
    )
    assert not letter.exists() and widget.handover_scans.folders == []
