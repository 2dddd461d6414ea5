"""The verifier's check of the number on the scanned card (issue 12): the application's KTP-el /
KK is read with the real OCR (RapidOCR through `nik_reader.read_card`) on a worker when it is
on screen, and the applicant panel says "NIK pada KTP terpindai: …, cocok / berbeda" or that it
could not be read. Documents are real files (Pillow JPEGs, reportlab PDFs) fetched through the
widget's real fetcher; keys are real key events."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFilter
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.records import ApplicationDetail
from desktop.domain.scan_match import MatchStatus, NumberKind
from desktop.services.scanning.nik_reader import CardReading, read_card
from desktop.views.workbench import WorkbenchWidget
from desktop.views.workbench.card_reading import CardReadings
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import shot
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

OCR_WAIT = 30_000
"""OCR is ~0.5 s a card, ~2 s with the engine's first load, on a box shared by five."""
CTRL = Qt.KeyboardModifier.ControlModifier
OTHER_NIK = "1471015208900002"
"""A valid NIK one digit away from the typed NIK_FEMALE (the last digit)."""
KTP_DOC_ID = "d1a2b3c4-0001-4000-8000-000000000001"
TYPED_KK = "1471012003150004"


def press(
    qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def with_ktp(ktp: bytes) -> tuple[ApplicationDetail, factories.Loader]:
    """The standard application, its KTP-el document replaced by `ktp` (a JPEG)."""
    docs = factories.standard_documents()
    docs["KTP-EL"] = (
        factories.document_json(KTP_DOC_ID, "KTP-EL", "ktp.jpg", "image/jpeg", ktp),
        ktp,
    )
    detail = ApplicationDetail.from_json(
        factories.application_json(documents=[d for d, _ in docs.values()])
    )
    return detail, factories.Loader({d["id"]: data for d, data in docs.values()})


def smudged_ktp() -> bytes:
    """The NIK's middle digits under a thumb's smudge: nothing certain can be read there."""
    img = Image.open(io.BytesIO(factories.ktp_image()))
    box = (250, 118, 560, 175)
    img.paste(img.crop(box).filter(ImageFilter.GaussianBlur(9)), box)
    ImageDraw.Draw(img).rectangle((330, 130, 420, 165), fill=(160, 180, 200))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def show_document(qtbot: QtBot, widget: WorkbenchWidget, code: str) -> None:
    """Ctrl+PgDown from the checklist until `code`'s document is on screen."""
    widget.checklist.setFocus()
    for _ in range(8):
        current = widget.documents.current
        if current is not None and current.requirement_code == code:
            break
        press(qtbot, widget, Qt.Key.Key_PageDown, CTRL)
    current = widget.documents.current
    assert current is not None and current.requirement_code == code
    settle_viewer(qtbot, widget.viewer)


def line(widget: WorkbenchWidget, kind: NumberKind) -> str:
    label = widget.applicant_panel.scan_labels[kind]
    return label.text() if label.isVisible() else ""


def wait_status(
    qtbot: QtBot, widget: WorkbenchWidget, kind: NumberKind, status: MatchStatus
) -> None:
    panel = widget.applicant_panel

    def arrived() -> bool:
        found = panel.scan_matches.get(kind)
        return found is not None and found.status == status

    qtbot.waitUntil(arrived, timeout=OCR_WAIT)


def test_ktp_and_kk_read_and_matched_as_the_verifier_flips_to_them(
    qtbot: QtBot, make_workbench: Callable[..., Any]
) -> None:
    widget, _loader = make_workbench()
    show_document(qtbot, widget, "KTP-EL")
    wait_status(qtbot, widget, "nik", "cocok")
    assert line(widget, "nik") == "✓ NIK pada KTP terpindai: 1471 0152 0890 0001, cocok"
    assert "#107c10" in widget.applicant_panel.scan_labels["nik"].styleSheet()  # green

    show_document(qtbot, widget, "KK")
    wait_status(qtbot, widget, "kk", "cocok")
    assert line(widget, "kk") == "✓ Nomor KK pada KK terpindai: 1471 0120 0315 0004, cocok"
    assert line(widget, "nik")  # the KTP's line stays while the KK is shown
    assert widget.applicant_panel.problems == ()
    # Under the NIK's own "cocok dengan …" line, in the panel's order.
    layout = widget.applicant_panel.layout()
    assert layout is not None
    order = [layout.itemAt(i).widget() for i in range(layout.count())]
    panel = widget.applicant_panel
    assert order.index(panel.match_label) < order.index(panel.scan_labels["nik"])
    assert order.index(panel.scan_labels["nik"]) < order.index(panel.scan_labels["kk"])
    shot(widget, "workbench_scan_nik_cocok.png")

    # Back to the KTP: read once per document, so no second reading starts.
    show_document(qtbot, widget, "KTP-EL")
    assert widget.card_check.readings.pending == 0
    assert line(widget, "nik").endswith("cocok")


def test_a_card_with_another_number_says_berbeda_in_red_and_counts_as_a_doubt(
    qtbot: QtBot, make_workbench: Callable[..., Any]
) -> None:
    detail, loader = with_ktp(factories.ktp_image(nik=OTHER_NIK))
    widget, _ = make_workbench(detail, loader=loader)
    show_document(qtbot, widget, "KTP-EL")
    wait_status(qtbot, widget, "nik", "berbeda")
    text = line(widget, "nik")
    assert text.startswith("⚠ NIK pada KTP terpindai: 1471 0152 0890 0002, berbeda")
    assert "cocok" not in text
    assert "#a4262c" in widget.applicant_panel.scan_labels["nik"].styleSheet()
    # A positive decision asks first: the difference is one of the panel's problems.
    assert any("berbeda" in p for p in widget.applicant_panel.problems)
    assert "berbeda" in widget.decisions.doubts(widget.checklist, widget.applicant_panel.problems)
    shot(widget, "workbench_scan_nik_berbeda.png")


def test_a_smudged_number_is_never_cocok(qtbot: QtBot, make_workbench: Callable[..., Any]) -> None:
    ktp = smudged_ktp()
    assert read_card(Image.open(io.BytesIO(ktp))).nik is None  # the card really is unreadable
    detail, loader = with_ktp(ktp)
    widget, _ = make_workbench(detail, loader=loader)
    show_document(qtbot, widget, "KTP-EL")
    wait_status(qtbot, widget, "nik", "tidak_terbaca")
    assert line(widget, "nik") == (
        "NIK pada KTP terpindai tidak terbaca dengan pasti; periksa nomornya dengan melihat kartu."
    )
    assert widget.applicant_panel.problems == ()  # no verdict either way


def test_reading_runs_beside_the_gui_and_the_typed_number_is_compared_again(
    qtbot: QtBot, make_workbench: Callable[..., Any]
) -> None:
    """While the OCR worker is held, the verifier still flips documents; the line says the
    card is being read. A reload with a corrected typed NIK compares again without reading."""
    gate = threading.Event()
    calls: list[int] = []

    def held_reader(image: Image.Image) -> CardReading:
        calls.append(1)
        gate.wait(OCR_WAIT / 1000)
        return read_card(image)

    detail, loader = with_ktp(factories.ktp_image(nik=OTHER_NIK))
    widget, _ = make_workbench(detail, loader=loader, settle=False)
    readings: CardReadings = widget.card_check.readings
    readings.reader = held_reader
    show_document(qtbot, widget, "KTP-EL")
    qtbot.waitUntil(lambda: calls == [1], timeout=OCR_WAIT)
    assert line(widget, "nik") == "Membaca NIK pada KTP terpindai…"
    show_document(qtbot, widget, "KK")  # the GUI answers while the KTP is being read
    assert widget.viewer.page_visible
    assert "nik" not in widget.applicant_panel.scan_matches
    gate.set()
    wait_status(qtbot, widget, "nik", "berbeda")
    wait_status(qtbot, widget, "kk", "cocok")  # the KK, read after the KTP on the one lane
    assert len(calls) == 2

    # The typed NIK corrected (a reload of the same application): compared again, not re-read.
    raw = factories.application_json(
        documents=[d for d, _ in factories.standard_documents().values()]
    )
    raw["documents"][0] = factories.document_json(
        KTP_DOC_ID, "KTP-EL", "ktp.jpg", "image/jpeg", factories.ktp_image(nik=OTHER_NIK)
    )
    raw["applicant"]["nik"] = OTHER_NIK
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        list(widget._roles),
        factories.USER_ID,
        loader,
    )
    assert widget.applicant_panel.scan_matches["nik"].status == "cocok"
    assert len(calls) == 2

    # Another application: the lines go.
    other = factories.application_json()
    other["id"] = "9f2b8c1e-9d4a-4e6f-8b7c-5a1d2e3f4a5c"
    widget.set_application(
        ApplicationDetail.from_json(other),
        widget._service,
        widget._document_types,
        list(widget._roles),
        factories.USER_ID,
        factories.standard_loader(),
    )
    assert "nik" not in widget.applicant_panel.scan_matches
    settle_viewer(qtbot, widget.viewer)


def test_a_mothers_ktp_on_a_birth_registration_is_cocok_naming_her(
    qtbot: QtBot, make_workbench: Callable[..., Any]
) -> None:
    """AKTA-LAHIR's KTP-el is a parent's (catalogue: "KTP-el orang tua/pelapor"): compared with
    the form's other NIKs, it is "cocok dengan NIK ibu", not a doubt for the verifier."""
    docs = factories.standard_documents()
    ktp = factories.ktp_image(nik=OTHER_NIK)
    docs["KTP-EL"] = (
        factories.document_json(KTP_DOC_ID, "KTP-EL", "ktp.jpg", "image/jpeg", ktp),
        ktp,
    )
    raw = factories.application_json(
        service_code="AKTA-LAHIR", documents=[d for d, _ in docs.values()]
    )
    raw["data"] = {"ibu.nik": OTHER_NIK, "ibu.nama": "Siti Rahmawati", "ayah.nik": ""}
    detail = ApplicationDetail.from_json(raw)
    loader = factories.Loader({d["id"]: data for d, data in docs.values()})
    widget, _ = make_workbench(detail, loader=loader)
    show_document(qtbot, widget, "KTP-EL")
    wait_status(qtbot, widget, "nik", "cocok")
    assert line(widget, "nik") == (
        "✓ NIK pada KTP terpindai: 1471 0152 0890 0002, cocok dengan NIK ibu"
    )
    assert widget.applicant_panel.problems == ()
