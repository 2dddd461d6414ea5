"""Scanning on the intake page (issue 12), driven by the keyboard like an officer at the counter.

The scanner is the real SANE `test` backend (tests/desktop/scanning/sane_env.py, enabled at
import, before anything in this process calls sane.init) through the real registry, pipeline and
scan dialog; the pages become PDFs attached through the controller's own attach path into a
real store file, then submitted. The NIK line reads synthetic KTPs (tests/synthetic_cards.py)
with the real OCR. Screenshots go to LOKET_SHOTS_DIR (else /tmp) for review.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.desktop.scanning.sane_env import DEVICE, enable_sane_test_backend

enable_sane_test_backend()  # before the first sane.init() of this process

from desktop.services.scanning.registry import Scanners  # noqa: E402
from desktop.services.scanning.sane_backend import SaneBackend  # noqa: E402
from desktop.services.tasks import TaskRunner  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.views.intake import IntakePage  # noqa: E402
from desktop.views.intake.scanning import ScanSetup  # noqa: E402
from desktop.views.scan.dialog import ScanDialog  # noqa: E402
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS  # noqa: E402
from tests.gui.intake_helpers import (  # noqa: E402
    NIK_WOMAN,
    OFFSCREEN_POPUPS,
    WAIT,
    Counter,
    field,
    intake_page,
    pick_service,
    settle,
    type_into,
)
from tests.gui.shell_helpers import focused, key, shot  # noqa: E402
from tests.gui.test_intake_form import fill_applicant  # noqa: E402
from tests.synthetic_cards import make_nik, render_ktp  # noqa: E402

pytestmark = [
    pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS),
    pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS),
]

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
OCR_WAIT = 60_000  # the first read loads the OCR models (a few seconds on a loaded box)


class ColourPages(SaneBackend):
    """The test driver drawing its colour pattern: a page with content, never taken for blank."""

    def __init__(self) -> None:
        super().__init__(extra_options={"test_picture": "Color pattern"})

    def _before_page(self, dev: Any, index: int) -> None:
        dev.read_return_value = "Default"
        dev.test_picture = "Color pattern"


@pytest.fixture
def folders(tmp_path: Path) -> list[Path]:
    return []


@pytest.fixture
def counter(qtbot: QtBot, tmp_path: Path, folders: list[Path]) -> Iterator[Counter]:
    saved: list[Settings] = []

    def new_folder() -> Path:
        folder = tmp_path / f"scan-{len(folders)}"
        folder.mkdir()
        folders.append(folder)
        return folder

    scan = ScanSetup(
        runner=TaskRunner(),
        scanners=lambda: Scanners(Settings(), factories={"sane": ColourPages}),
        settings=Settings,
        save=saved.append,
        folder=new_folder,
    )
    with intake_page(qtbot, tmp_path / "store.sqlite3", scan=scan) as c:
        yield c


def fill_change_request(qtbot: QtBot, page: IntakePage) -> None:
    pick_service(qtbot, page, "KTPEL-UBAH-WNI")
    fill_applicant(qtbot, page)
    element = field(page, "perubahan.elemen")
    element.setFocus()
    qtbot.keyClick(element, Qt.Key.Key_P)
    type_into(qtbot, page, "perubahan.data_baru", "Wiraswasta")


def open_scan(qtbot: QtBot, page: IntakePage) -> ScanDialog:
    """Ctrl+Shift+P where the focus is; the dialog up with the test device's capabilities."""
    key(qtbot, Qt.Key.Key_P, CTRL | SHIFT)
    qtbot.waitUntil(lambda: page.scan_dialog is not None, timeout=WAIT)
    dialog = page.scan_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.device_id() == DEVICE, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.options.dpi_box.findData(100) >= 0, timeout=WAIT)
    o = dialog.options
    o.source_box.setCurrentIndex(o.source_box.findData("flatbed"))
    o.dpi_box.setCurrentIndex(o.dpi_box.findData(100))
    return dialog


def scan_pages(qtbot: QtBot, dialog: ScanDialog, count: int) -> None:
    """F5 once per flatbed page, each waited for."""
    dialog.view.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.view, timeout=WAIT)
    for n in range(1, count + 1):
        key(qtbot, Qt.Key.Key_F5)
        qtbot.waitUntil(
            lambda n=n: len(dialog.batch) == n and not dialog.controller.scanning, timeout=WAIT
        )


def drop_files(widget: QWidget, paths: list[Path]) -> None:
    """What the file manager's drag brings to a widget: enter, then drop, with file URLs."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at = QPoint(widget.width() // 2, widget.height() // 2)
    copy, left = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, copy, mime, left, none)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(at.toPointF(), copy, mime, left, none))


def note(page: IntakePage, key_: str) -> tuple[str, str]:
    row = page.applicant.rows[key_]
    assert row.note is not None
    if not row.note.isVisibleTo(page):
        return "", ""
    return row.note.text(), str(row.note.property("status") or "")


def test_scan_into_the_checklist_attach_and_submit(
    qtbot: QtBot, counter: Counter, folders: list[Path]
) -> None:
    page = counter.page
    fill_change_request(qtbot, page)
    boxes = page.requirements.boxes
    codes = list(boxes)
    assert codes == ["KK", "KTP-EL", "DOKUMEN-PENDUKUNG"], codes
    assert all(b.scan_button.isEnabled() for b in boxes.values())

    # From a form field, Ctrl+Shift+P scans for the first mandatory requirement without a file.
    settle(qtbot, page)
    field(page, "name").setFocus()
    qtbot.waitUntil(lambda: focused() is field(page, "name"), timeout=WAIT)
    dialog = open_scan(qtbot, page)
    scan_pages(qtbot, dialog, 3)
    assert [p.requirement for p in dialog.batch.pages] == ["KK"] * 3
    # Page 2 to the KTP-el (number key 2), page 3 to the supporting document (3).
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_2)
    key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_3)
    assert [p.requirement for p in dialog.batch.pages] == ["KK", "KTP-EL", "DOKUMEN-PENDUKUNG"]
    shot(dialog, "intake-scan-dialog.png")
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Return, CTRL)

    # Each PDF attached to its requirement through the controller's attach path.
    qtbot.waitUntil(lambda: all(b.count() == 1 for b in boxes.values()), timeout=WAIT)
    assert page.scan_dialog is None
    draft = counter.drafts.load(counter.controller.current.id)
    assert draft is not None
    kept = {a.requirement_code: a for a in draft.attachments}
    assert set(kept) == set(codes)
    for a in kept.values():
        assert a.media_type == "application/pdf" and a.pages == 1
        assert a.path.is_file() and folders[0] not in a.path.parents  # copied, not linked
        with pikepdf.open(a.path) as pdf:
            assert len(pdf.pages) == 1
    # The scan folder is gone once the attaches are through.
    qtbot.waitUntil(lambda: not folders[0].exists(), timeout=WAIT)
    # The KTP-el "scanned" is the test pattern: no number on it, said in grey, never cocok.
    qtbot.waitUntil(lambda: note(page, "nik")[1] == "tidak_terbaca", timeout=OCR_WAIT)
    qtbot.waitUntil(lambda: note(page, "kk_number")[1] == "tidak_terbaca", timeout=OCR_WAIT)
    page.form_scroll.ensureWidgetVisible(field(page, "nik"))
    shot(page, "intake-scanned.png")

    # Submit with Ctrl+Enter: the scanned documents go with the application.
    settle(qtbot, page)
    field(page, "name").setFocus()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: len(counter.receipts) == 1, timeout=WAIT)
    assert counter.drafts.list() == []
    rows = counter.store.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT requirement_code, media_type FROM local_documents"
        ).all()
    )
    assert sorted(r[0] for r in rows) == sorted(codes)
    assert {r[1] for r in rows} == {"application/pdf"}


def test_a_file_dropped_on_a_requirement_is_imported(qtbot: QtBot, counter: Counter) -> None:
    page = counter.page
    pick_service(qtbot, page, "KTPEL-UBAH-WNI")
    box = page.requirements.boxes["KK"]
    page.form_scroll.ensureWidgetVisible(box)
    good = counter.store.path.with_name("kk.png")
    render_ktp(make_nik(random.Random(3)), random.Random(3)).save(good)  # any image
    drop_files(box, [good])
    qtbot.waitUntil(lambda: box.count() == 1, timeout=WAIT)
    draft = counter.drafts.load(counter.controller.current.id)
    assert draft is not None
    assert [(a.requirement_code, a.filename) for a in draft.attachments] == [("KK", "kk.png")]
    # A drag carrying no file is not taken.
    mime = QMimeData()
    mime.setText("bukan berkas")
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter.setAccepted(False)
    QApplication.sendEvent(box, enter)
    assert not enter.isAccepted()


def test_the_nik_read_from_an_attached_ktp_matches_then_differs_as_typed(
    qtbot: QtBot, counter: Counter
) -> None:
    page = counter.page
    pick_service(qtbot, page, "KTPEL-UBAH-WNI")
    ktp = counter.store.path.with_name("ktp.png")
    render_ktp(NIK_WOMAN, random.Random(7)).save(ktp, dpi=(300, 300))
    type_into(qtbot, page, "nik", NIK_WOMAN)
    assert note(page, "nik") == ("", "")  # no card attached: no line
    box = page.requirements.boxes["KTP-EL"]
    page.form_scroll.ensureWidgetVisible(box)
    drop_files(box, [ktp])
    qtbot.waitUntil(lambda: box.count() == 1, timeout=WAIT)
    # Typing goes on while the card is read (the read is on a worker).
    type_into(qtbot, page, "name", "Siti")
    qtbot.waitUntil(lambda: note(page, "nik")[1] == "cocok", timeout=OCR_WAIT)
    grouped = " ".join(NIK_WOMAN[i : i + 4] for i in range(0, 16, 4))
    assert note(page, "nik")[0] == f"NIK pada KTP terpindai: {grouped}, cocok"
    page.form_scroll.ensureWidgetVisible(field(page, "nik"))
    shot(page, "intake-nik-cocok.png")

    # The last digit typed differently: red at once, from the same read (no new OCR).
    nik = field(page, "nik")
    nik.setFocus()
    qtbot.keyClick(nik, Qt.Key.Key_End)
    qtbot.keyClick(nik, Qt.Key.Key_Backspace)
    wrong = "9" if NIK_WOMAN[-1] != "9" else "8"
    qtbot.keyClicks(nik, wrong)
    text, status = note(page, "nik")
    assert status == "berbeda" and "berbeda" in text and grouped in text
    row = page.applicant.rows["nik"]
    assert row.note is not None and "#b3261e" in row.note.styleSheet()
    shot(page, "intake-nik-berbeda.png")
    qtbot.keyClick(nik, Qt.Key.Key_Backspace)
    qtbot.keyClicks(nik, NIK_WOMAN[-1])
    assert note(page, "nik")[1] == "cocok"

    # Removing the card removes the line.
    box.files.setCurrentRow(0)
    box.remove_button.click()
    qtbot.waitUntil(lambda: box.count() == 0, timeout=WAIT)
    assert note(page, "nik") == ("", "")


def test_a_ktp_with_another_nik_is_berbeda(qtbot: QtBot, counter: Counter) -> None:
    page = counter.page
    pick_service(qtbot, page, "KTPEL-UBAH-WNI")
    other = make_nik(random.Random(99))
    assert other != NIK_WOMAN
    ktp = counter.store.path.with_name("ktp-lain.png")
    render_ktp(other, random.Random(8)).save(ktp, dpi=(300, 300))
    type_into(qtbot, page, "nik", NIK_WOMAN)
    box = page.requirements.boxes["KTP-EL"]
    box.request_import([ktp])  # "Impor berkas…" after the file dialog
    qtbot.waitUntil(lambda: note(page, "nik")[1] == "berbeda", timeout=OCR_WAIT)
    grouped = " ".join(other[i : i + 4] for i in range(0, 16, 4))
    assert grouped in note(page, "nik")[0]
    # Reopening the draft (as after a crash) reads the kept card again.
    draft_id = counter.controller.current.id
    qtbot.waitUntil(lambda: page.saved_label.text().startswith("Tersimpan"), timeout=WAIT)
    counter.controller.close_draft()
    assert note(page, "nik") == ("", "")
    counter.controller.open_draft(draft_id)
    qtbot.waitUntil(lambda: note(page, "nik")[1] == "berbeda", timeout=OCR_WAIT)


def test_a_parents_ktp_on_a_birth_registration_is_cocok_naming_the_mother(
    qtbot: QtBot, counter: Counter
) -> None:
    """AKTA-LAHIR's KTP-el is the parents' or the reporter's (catalogue note): the mother's card
    said "berbeda" against the child's NIK. Typed in order: the card is read while the mother's
    NIK is still empty ("berbeda"), and the line turns green as her NIK is typed."""
    page = counter.page
    pick_service(qtbot, page, "AKTA-LAHIR")
    child = make_nik(random.Random(5))
    assert child != NIK_WOMAN
    type_into(qtbot, page, "nik", child)
    ktp = counter.store.path.with_name("ktp-ibu.png")
    render_ktp(NIK_WOMAN, random.Random(7)).save(ktp, dpi=(300, 300))
    box = page.requirements.boxes["KTP-EL"]
    box.request_import([ktp])
    qtbot.waitUntil(lambda: note(page, "nik")[1] == "berbeda", timeout=OCR_WAIT)
    type_into(qtbot, page, "ibu.nik", NIK_WOMAN)
    grouped = " ".join(NIK_WOMAN[i : i + 4] for i in range(0, 16, 4))
    assert note(page, "nik") == (
        f"NIK pada KTP terpindai: {grouped}, cocok dengan NIK ibu",
        "cocok",
    )
    # a slip in the mother's NIK: red again, naming whom it was compared with
    mother = field(page, "ibu.nik")
    qtbot.keyClick(mother, Qt.Key.Key_Backspace)
    text, status = note(page, "nik")
    assert status == "berbeda" and "juga tidak sama dengan NIK ibu" in text


def test_closing_the_dialog_attaches_nothing_and_removes_its_folder(
    qtbot: QtBot, counter: Counter, folders: list[Path]
) -> None:
    page = counter.page
    pick_service(qtbot, page, "KTPEL-UBAH-WNI")
    settle(qtbot, page)
    ktp = page.requirements.boxes["KTP-EL"]
    # Ctrl+Shift+P from inside a requirement box scans for that box, not the first missing one.
    page.form_scroll.ensureWidgetVisible(ktp)
    ktp.import_button.setFocus()
    qtbot.waitUntil(lambda: focused() is ktp.import_button, timeout=WAIT)
    dialog = open_scan(qtbot, page)
    scan_pages(qtbot, dialog, 1)
    assert [p.requirement for p in dialog.batch.pages] == ["KTP-EL"]
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Delete)
    assert len(dialog.batch) == 0
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        key(qtbot, Qt.Key.Key_Escape)  # nothing left to lose: closes without a question
    qtbot.waitUntil(lambda: page.scan_dialog is None, timeout=WAIT)
    assert not folders[0].exists()
    assert all(b.count() == 0 for b in page.requirements.boxes.values())
    assert counter.drafts.load(counter.controller.current.id).attachments == ()  # type: ignore[union-attr]
    # The focus is back on the box's own "Pindai…"; Space opens a second dialog there.
    settle(qtbot, page)
    qtbot.waitUntil(lambda: focused() is ktp.scan_button, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.scan_dialog is not None, timeout=WAIT)
    second = page.scan_dialog
    assert second is not None and len(second.batch) == 0
    assert len(folders) == 2
    second.reject()
    qtbot.waitUntil(lambda: not folders[1].exists(), timeout=WAIT)
