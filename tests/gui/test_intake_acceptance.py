"""Issue 11 acceptance, the counter end to end: the whole desktop signed in as operator1 against
the real reference server on loopback, driven by keys.

Online: a service picked by typing, every field of the applicant and of the service typed, a
file attached per requirement through "Impor berkas…", Ctrl+Enter, the receipt preview; the PDF
it shows saved with Ctrl+S through the real (non-native) file dialog, read back with `pdftotext`
(number, each document, received and expected dates), rasterised with `pdftoppm` and decoded with
zxing-cpp (Code 128 = the number, QR = the status URL); that URL answers on the live server with
the status and the masked name, never the NIK.

Offline: the server stopped; the same intake gives a receipt with the provisional number marked
as such, the outbox holds the application's entries (store and Sinkronisasi page); the server
comes back, the outbox sends by itself, the application gets its official number, and the
provisional number (with a check) and the receipt's QR token still answer the public status.

Patched: only `QFileDialog.getOpenFileNames` (a static that opens the platform's own dialog,
which cannot be driven here); it answers with the scan's path and records that it was asked.
Everything else is real: widgets, key events, store, outbox, server, PDF, poppler, zxing-cpp.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel, QLineEdit, QTreeWidget
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.controllers.intake import Submitted
from desktop.domain.formatting import format_date
from desktop.domain.identity import encode_kk, mask_nik
from desktop.domain.sla import expected_completion
from desktop.models.outbox import UNSENT, EntryKind
from desktop.services.documents.receipt import PROVISIONAL_NOTICE, received_text
from desktop.services.intake import IntakeService
from desktop.views.intake import IntakePage
from desktop.views.print_preview import PrintPreviewDialog
from tests.desktop.fixtures import MemoryKeyring
from tests.gui.intake_helpers import (
    NIK_WOMAN,
    OFFSCREEN_POPUPS,
    WAIT,
    field,
    pick_service,
    settle,
    type_into,
)
from tests.gui.shell_helpers import activate, pull_now, running_app, shot, sign_in, when_modal
from tests.gui.test_intake_form import fill_applicant
from tests.gui.test_reconnect import start_again, stop
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)

SERVICE = "SK-DOMISILI"
TYPED_SERVICE = "domisili"
KK = encode_kk("147101", date(2015, 3, 2), 7)
MASKED_NAME = re.compile(r"Si\*+ Nu\*+")  # "Siti Nur'aini" as the public page shows it
SYNC_WAIT = 60_000
WIB = ZoneInfo("Asia/Jakarta")


# -- driving the page ------------------------------------------------------------------------


def fill_every_field(qtbot: QtBot, page: IntakePage) -> None:
    """The applicant's twelve fields and the service's own, each typed; then every row holds a
    value (so "every field" is checked, not assumed)."""
    fill_applicant(qtbot, page)  # NIK, name, place/date of birth, sex, address, RT/RW, kelurahan
    type_into(qtbot, page, "kk_number", KK)
    type_into(qtbot, page, "phone", "0812-3456-7890")
    type_into(qtbot, page, "email", "siti.nuraini@contoh.id")
    type_into(qtbot, page, "surat.keperluan", "Pendaftaran sekolah anak")
    type_into(qtbot, page, "surat.sejak", "01-02-2015")
    applicant, data = page.values()
    empty = [k for k, v in {**applicant, **data}.items() if not v.strip()]
    assert not empty, f"fields left empty: {empty}"
    assert set(data) == {"surat.keperluan", "surat.sejak"}


def attach_through_import_button(
    qtbot: QtBot, page: IntakePage, monkeypatch: pytest.MonkeyPatch, scans: dict[str, Path]
) -> list[str]:
    """Each requirement's "Impor berkas…" pressed with Space; the (patched) open-file dialog
    answers with that requirement's scan. Returns the dialog titles asked."""
    asked: list[str] = []
    answer: list[Path] = []

    def get_open_file_names(_parent: object, title: str, *_args: object) -> tuple[list[str], str]:
        asked.append(title)
        return [str(answer[-1])], "Dokumen"

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(get_open_file_names))
    for code, box in page.requirements.boxes.items():
        answer.append(scans[code])
        page.form_scroll.ensureWidgetVisible(box.import_button)
        box.import_button.setFocus()
        qtbot.keyClick(box.import_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda box=box: box.count() == 1 and box.busy == 0, timeout=WAIT)  # type: ignore[misc]
    return asked


def make_scans(folder: Path, codes: list[str]) -> dict[str, Path]:
    scans = {}
    for i, code in enumerate(codes):
        path = folder / f"{code.lower()}.png"
        Image.new("RGB", (120 + i, 80), (250, 250, 250 - i)).save(path)
        scans[code] = path
    return scans


def submit_and_wait_preview(qtbot: QtBot, page: IntakePage) -> PrintPreviewDialog:
    settle(qtbot, page)
    qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: preview() is not None, timeout=30_000)
    dialog = preview()
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.pages) == 1, timeout=WAIT)
    return dialog


def saved_all(qtbot: QtBot, page: IntakePage) -> None:
    """The debounced save done and the drafts list showing the typed name (for the shot)."""
    qtbot.waitUntil(lambda: not page.controller.save_pending, timeout=WAIT)
    qtbot.waitUntil(lambda: page.saved_label.text().startswith("Tersimpan"), timeout=WAIT)
    item = page.drafts_list.item(0)
    qtbot.waitUntil(lambda: "Siti" in (page.drafts_list.item(0) or item).text(), timeout=WAIT)


def fitted(qtbot: QtBot, dialog: PrintPreviewDialog) -> None:
    """The page laid out as wide as the view (layouts run after the pixmap is set)."""
    label = dialog.findChild(QLabel, "page-1")
    assert label is not None
    viewport = dialog.page_scroll.viewport()
    qtbot.waitUntil(
        lambda: 0 < label.pixmap().width() <= viewport.width() and label.x() >= 0, timeout=WAIT
    )


def preview() -> PrintPreviewDialog | None:
    found = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, PrintPreviewDialog) and w.isVisible()
    ]
    return found[0] if found else None


def save_with_ctrl_s(qtbot: QtBot, dialog: PrintPreviewDialog, target: Path) -> bytes:
    """Ctrl+S in the preview, the path put into the real file dialog's name field (set, not
    typed: typing opens the dialog's completer, which would take the Return), Return."""
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)

    def name_it(modal: QDialog) -> None:
        edit = modal.findChild(QLineEdit, "fileNameEdit")
        assert edit is not None
        edit.setText(str(target))
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        seen = when_modal(qtbot, QFileDialog, name_it)
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert seen, "Ctrl+S opened the save dialog"
    saved = target.read_bytes()
    assert saved == dialog.pdf, "the file saved is the very PDF the preview shows"
    return saved


# -- reading the receipt back ----------------------------------------------------------------


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def codes_of(pdf: Path, folder: Path) -> dict[str, str]:
    """Barcode format -> text, as a reader sees the page rendered at 300 dpi."""
    prefix = folder / (pdf.stem + "-page")
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True
    )
    (png,) = sorted(folder.glob(pdf.stem + "-page*.png"))
    found = zxingcpp.read_barcodes(Image.open(png))
    names = {zxingcpp.BarcodeFormat.Code128: "Code128", zxingcpp.BarcodeFormat.QRCode: "QRCode"}
    return {names.get(r.format, str(r.format)): r.text for r in found}


def flat(text: str) -> str:
    """pdftotext's layout with runs of spaces and line breaks as one space (a long document
    line may wrap)."""
    return re.sub(r"\s+", " ", text)


def check_receipt(pdf: Path, result: Submitted, tmp_path: Path) -> dict[str, str]:
    data = result.receipt_data
    assert data is not None and data.status_url is not None
    text = flat(pdf_text(pdf))
    assert result.number in text
    assert len(data.documents) == 3
    for document in data.documents:  # "Surat pengantar RT/RW: surat-pengantar-rt-rw.png"
        name, _, filename = document.partition(": ")
        assert name in text and filename in text, (document, text)
    received_day = data.received_at.astimezone(WIB).date()  # Pekanbaru's clock
    assert abs(datetime.now(UTC) - data.received_at) < timedelta(minutes=5)
    assert format_date(received_day) in received_text(data)
    assert received_text(data) in text
    expected = expected_completion(data.received_at, 24, tz=WIB)  # SK-DOMISILI: sla_jam 24
    assert data.expected == expected
    assert format_date(expected) in text
    assert NIK_WOMAN not in text and mask_nik(NIK_WOMAN) in text  # masked on paper
    codes = codes_of(pdf, tmp_path)
    assert codes.get("Code128") == result.number, codes
    assert codes.get("QRCode") == data.status_url, codes
    return codes


def public_status(url: str, **params: str) -> httpx.Response:
    return httpx.get(url, params=params, headers={"Accept": "application/json"}, timeout=10)


def assert_public(response: httpx.Response, number: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["number"] == number
    assert body["status"] == "submitted" and body["status_label"]
    assert MASKED_NAME.fullmatch(body["applicant"]), body["applicant"]
    for form in (NIK_WOMAN, NIK_WOMAN[:6] + ".", "Nur'aini", "Siti"):
        assert form not in response.text, form
    return body


def open_intake(qtbot: QtBot, loket: LoketApp) -> IntakePage:
    window, session = loket.window, loket.session
    assert window is not None and session is not None
    page = session.shell.intake_page
    assert isinstance(page, IntakePage)
    window.showNormal()
    window.resize(1366, 768)  # the smallest screen the counters have
    window.show_page(window.page_index(page) or 0)
    assert window.stack.currentWidget() is page
    activate(qtbot, loket)
    return page


def intake_service(loket: LoketApp) -> IntakeService:
    session, store = loket.session, loket.store
    assert session is not None and store is not None
    user = session.user
    return IntakeService(
        store, office_code=user.office.code, device_code=user.device_code, user_id=user.id
    )


# -- the tests -------------------------------------------------------------------------------


def test_online_intake_by_keyboard_receipt_read_back_and_status_answers(
    qtbot: QtBot,
    fresh_server: LiveServer,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_app(fresh_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        page = open_intake(qtbot, loket)
        pick_service(qtbot, page, TYPED_SERVICE)
        assert page.controller.current.service_code == SERVICE
        fill_every_field(qtbot, page)
        scans = make_scans(tmp_path, list(page.requirements.boxes))
        asked = attach_through_import_button(qtbot, page, monkeypatch, scans)
        assert len(asked) == 3 and all(t.startswith("Impor berkas untuk") for t in asked)
        settle(qtbot, page)
        saved_all(qtbot, page)
        shot(page.window(), "acceptance-intake-filled.png")

        dialog = submit_and_wait_preview(qtbot, page)
        result = page.last_submitted
        assert result is not None and result.receipt is not None
        assert not result.provisional and not result.number.startswith("SEM-")
        assert result.number in dialog.windowTitle()
        assert dialog.pdf == result.receipt
        fitted(qtbot, dialog)
        shot(dialog, "acceptance-receipt-online.png")

        saved = tmp_path / "tanda-terima.pdf"
        save_with_ctrl_s(qtbot, dialog, saved)
        codes = check_receipt(saved, result, tmp_path)

        status_url = codes["QRCode"]
        assert status_url.startswith(fresh_server.url + "/status/")
        assert_public(public_status(status_url), result.number)
        dialog.reject()
        assert page.controller.current is None  # free for the next citizen


def sync_page_texts(loket: LoketApp) -> list[str]:
    session = loket.session
    assert session is not None and session.shell.sync_page is not None
    tree = session.shell.sync_page.findChild(QTreeWidget)
    assert tree is not None
    texts = []
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        texts.append(" ".join(item.text(c) for c in range(tree.columnCount())))
        texts += [
            " ".join(item.child(j).text(c) for c in range(tree.columnCount()))
            for j in range(item.childCount())
        ]
    return texts


def test_offline_intake_provisional_receipt_then_official_number_after_sync(
    qtbot: QtBot,
    empty_restartable_server: LiveServer,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = empty_restartable_server
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "operator1")
        window, store = loket.window, loket.store
        assert window is not None and store is not None
        stop(server)  # the line is down for this citizen
        pull_now(qtbot, loket)
        qtbot.waitUntil(lambda: "Tidak tersambung" in window.connection_label.text(), timeout=WAIT)

        page = open_intake(qtbot, loket)
        pick_service(qtbot, page, TYPED_SERVICE)
        fill_every_field(qtbot, page)
        scans = make_scans(tmp_path, list(page.requirements.boxes))
        attach_through_import_button(qtbot, page, monkeypatch, scans)
        dialog = submit_and_wait_preview(qtbot, page)
        result = page.last_submitted
        assert result is not None and result.receipt is not None
        assert result.provisional and result.number.startswith("SEM-")
        fitted(qtbot, dialog)
        shot(dialog, "acceptance-receipt-offline.png")

        saved = tmp_path / "tanda-terima-sementara.pdf"
        save_with_ctrl_s(qtbot, dialog, saved)
        codes = check_receipt(saved, result, tmp_path)
        text = flat(pdf_text(saved))
        assert PROVISIONAL_NOTICE in text and "Nomor sementara" in text
        token_url = codes["QRCode"]
        dialog.reject()

        # The outbox holds the application: create, one document per file, submit.
        entries = store.outbox_entries(result.app_id)
        kinds = [e.kind for e in entries]
        assert kinds.count(EntryKind.DOCUMENT) == 3 and kinds.count(EntryKind.APPLICATION) == 2
        assert all(e.state.value in UNSENT for e in entries), [e.state for e in entries]
        intake = intake_service(loket)
        assert intake.official_number(result.app_id) is None
        window.sync_action.trigger()  # F9: the Sinkronisasi page lists them
        qtbot.waitUntil(
            lambda: any(result.number in t for t in sync_page_texts(loket)), timeout=WAIT
        )

        start_again(server)  # the line is back: nothing pressed, the outbox sends by itself
        qtbot.waitUntil(
            lambda: intake.official_number(result.app_id) is not None, timeout=SYNC_WAIT
        )
        official = intake.official_number(result.app_id)
        assert official is not None and official != result.number
        local = intake.get(result.app_id)
        assert local is not None and local.number == official
        summary = store.summary(result.app_id)
        assert summary is not None

        # The provisional number keeps answering: typed with a check, and by the QR's token.
        # (The check is the birth date: the receipt prints the NIK's last four.)
        by_birth = public_status(server.url + "/status", number=result.number, check="12-05-1990")
        assert_public(by_birth, official)
        bare = public_status(server.url + "/status", number=result.number, check="")
        wrong = public_status(server.url + "/status", number=result.number, check="13-05-1990")
        assert bare.status_code == wrong.status_code == 404
        assert_public(public_status(token_url), official)
