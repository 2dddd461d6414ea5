"""The signature line under the viewer (issue 13): a PDF put on screen is checked with
verify_pdf on a worker against the settings' trust roots, and one line says what was found.
Real PDFs signed by Pkcs12Signer with the test PKI (tests/signing_ca.py): one by the trusted
root's signer (sah), one by another CA's (tidak dikenal), the first with one byte changed
(diubah), an unsigned PDF and a KTP image (no line). Chosen with real keys on the document
chooser."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from desktop.domain.records import ApplicationDetail
from desktop.services.signing import Pkcs12Signer, SignatureStatus, SignRequest, verify_pdf
from desktop.settings import Settings
from desktop.views.workbench import WorkbenchWidget
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import shot
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer
from tests.signing_ca import PASSPHRASE, Identity, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

WAIT = 20_000
IDS = {
    "valid": "e1a2b3c4-0001-4000-8000-000000000011",
    "stranger": "e1a2b3c4-0002-4000-8000-000000000012",
    "changed": "e1a2b3c4-0003-4000-8000-000000000013",
}


def letter() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=0)
    pdf.drawString(72, 760, "Surat Keterangan Domisili")
    pdf.drawString(72, 740, "Lurah Sukajadi menerangkan bahwa yang bersangkutan berdomisili.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def signed_by(identity: Identity, folder: Path) -> bytes:
    p12 = folder / f"{identity.cert.serial_number}.p12"
    p12.write_bytes(identity.p12(PASSPHRASE))
    request = SignRequest("https://loket.example/verify/ABCD", passphrase=PASSPHRASE)
    return Pkcs12Signer(p12).sign(letter(), request)


@cache
def pdfs(folder: Path) -> dict[str, bytes]:
    pki = make_pki()
    valid = signed_by(pki.valid, folder)
    at = valid.index(b"Lurah")
    return {
        "valid": valid,
        "stranger": signed_by(pki.other_ca_signer, folder),
        "changed": valid[:at] + b"l" + valid[at + 1 :],
    }


@pytest.fixture
def roots_file(tmp_path: Path) -> Path:
    path = tmp_path / "akar.pem"
    path.write_bytes(make_pki().root.pem)
    return path


def with_signed(folder: Path) -> tuple[ApplicationDetail, factories.Loader]:
    """The standard application (KTP image, unsigned KK PDF, supporting letter) plus three
    signed PDFs as other documents."""
    docs = factories.standard_documents()
    blobs = {d["id"]: data for d, data in docs.values()}
    listed = [d for d, _ in docs.values()]
    for name, data in pdfs(folder).items():
        listed.append(
            factories.document_json(IDS[name], None, f"{name}.pdf", "application/pdf", data)
        )
        blobs[IDS[name]] = data
    detail = ApplicationDetail.from_json(factories.application_json(documents=listed))
    return detail, factories.Loader(blobs)


def show_doc(qtbot: QtBot, widget: WorkbenchWidget, doc_id: str) -> None:
    """Arrow keys on the document chooser until `doc_id` is on screen."""
    combo = widget.document_combo
    combo.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo)
    target = combo.findData(doc_id)
    assert target >= 0
    while combo.currentIndex() != target:
        step = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, step)
    current = widget.documents.current
    assert current is not None and current.id == doc_id
    settle_viewer(qtbot, widget.viewer)


def line_after(qtbot: QtBot, widget: WorkbenchWidget) -> str:
    """The line once no check is under way (hidden: "")."""
    line = widget.signature_line
    qtbot.waitUntil(lambda: line.checks.pending == 0, timeout=WAIT)
    qtbot.wait(0)
    return line.text() if line.isVisible() else ""


def test_each_kind_of_pdf_gets_its_line(
    qtbot: QtBot,
    make_workbench: Callable[..., Any],
    roots_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    detail, loader = with_signed(tmp_path_factory.getbasetemp())
    widget, _ = make_workbench(detail, loader=loader)
    widget.set_scan_settings(Settings(signature_trust_roots=str(roots_file)))
    line = widget.signature_line

    show_doc(qtbot, widget, IDS["valid"])
    qtbot.waitUntil(lambda: line.status is SignatureStatus.VALID, timeout=WAIT)
    assert line.isVisible()
    assert line.text().startswith(
        "✓ Ditandatangani secara elektronik oleh Budi Santoso, S.Sos. pada "
    )
    assert line.text().endswith(" — sah") and "WIB" in line.text()
    assert "#0e700e" in line.styleSheet()
    # Under the viewer, inside the window (1366x768).
    assert line.geometry().top() >= widget.viewer.geometry().bottom()
    assert line.mapTo(widget, line.rect().bottomLeft()).y() < widget.height()
    shot(widget, "signature-line-valid.png")

    show_doc(qtbot, widget, IDS["stranger"])
    qtbot.waitUntil(lambda: line.status is SignatureStatus.UNKNOWN_SIGNER, timeout=WAIT)
    assert line.text().startswith("⚠ Ditandatangani oleh Penanda Tangan Lain pada ")
    assert line.text().endswith(
        "— tanda tangan tidak dikenal (penerbit sertifikat tidak dipercaya)"
    )
    assert "#6b4a00" in line.styleSheet()
    shot(widget, "signature-line-unknown.png")

    show_doc(qtbot, widget, IDS["changed"])
    qtbot.waitUntil(lambda: line.status is SignatureStatus.CHANGED, timeout=WAIT)
    assert line.text() == "✗ Dokumen telah diubah setelah ditandatangani"
    assert "#b3261e" in line.styleSheet()
    shot(widget, "signature-line-changed.png")

    kk = next(d for d in detail.documents if d.requirement_code == "KK")
    show_doc(qtbot, widget, kk.id)
    assert line_after(qtbot, widget) == ""  # an unsigned PDF: nothing
    assert widget.signature_line.checks.result(kk.sha256) is not None  # it was checked
    ktp = next(d for d in detail.documents if d.requirement_code == "KTP-EL")
    show_doc(qtbot, widget, ktp.id)
    assert line_after(qtbot, widget) == ""  # an image: nothing

    # Back to the valid one: from the cache, at once (no worker).
    show_doc(qtbot, widget, IDS["valid"])
    assert line.status is SignatureStatus.VALID and line.checks.pending == 0


def test_without_trust_roots_the_signer_is_unknown_and_a_new_file_checks_again(
    qtbot: QtBot,
    make_workbench: Callable[..., Any],
    roots_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    detail, loader = with_signed(tmp_path_factory.getbasetemp())
    widget, _ = make_workbench(detail, loader=loader)
    line = widget.signature_line
    show_doc(qtbot, widget, IDS["valid"])
    qtbot.waitUntil(lambda: line.status is SignatureStatus.UNKNOWN_SIGNER, timeout=WAIT)

    widget.set_scan_settings(Settings(signature_trust_roots=str(roots_file)))
    qtbot.waitUntil(lambda: line.status is SignatureStatus.VALID, timeout=WAIT)


def test_a_signature_that_cannot_be_read_is_grey(
    qtbot: QtBot, make_workbench: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    valid = pdfs(tmp_path_factory.getbasetemp())["valid"]
    # The signature's CMS blob mangled (its hex digits overwritten): unreadable, not "changed".
    start = valid.index(b"/Contents <") + len(b"/Contents <")
    broken = valid[:start] + b"00" * 64 + valid[start + 128 :]
    docs = factories.standard_documents()
    listed = [d for d, _ in docs.values()]
    blobs = {d["id"]: data for d, data in docs.values()}
    listed.append(
        factories.document_json(IDS["valid"], None, "rusak.pdf", "application/pdf", broken)
    )
    blobs[IDS["valid"]] = broken
    detail = ApplicationDetail.from_json(factories.application_json(documents=listed))
    widget, _ = make_workbench(detail, loader=factories.Loader(blobs))
    show_doc(qtbot, widget, IDS["valid"])
    line = widget.signature_line
    qtbot.waitUntil(lambda: line.checks.pending == 0, timeout=WAIT)
    assert line.status is SignatureStatus.BROKEN
    assert line.text() == "Tanda tangan tidak dapat diperiksa"
    assert "#605e5c" in line.styleSheet() and line.isVisible()


def test_the_check_runs_on_a_worker_and_a_late_verdict_stays_with_its_document(
    qtbot: QtBot,
    make_workbench: Callable[..., Any],
    roots_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """While the check of one PDF is held on its worker, the person keeps working (keys move
    to another document, which is rendered); the held verdict, once it arrives, is not shown
    under the other document (that one gets its own), and is there when the first comes
    back."""
    detail, loader = with_signed(tmp_path_factory.getbasetemp())
    widget, _ = make_workbench(detail, loader=loader)
    widget.set_scan_settings(Settings(signature_trust_roots=str(roots_file)))
    line = widget.signature_line
    gate = threading.Event()
    held = pdfs(tmp_path_factory.getbasetemp())["valid"]

    def slow(data: bytes, roots: list[Any]) -> Any:
        if data == held:
            gate.wait(WAIT / 1000)
        return verify_pdf(data, roots)

    line.checks.verify = slow
    valid = next(d for d in detail.documents if d.id == IDS["valid"])
    try:
        show_doc(qtbot, widget, IDS["valid"])
        assert line.checks.busy(valid.sha256) and not line.isVisible()
        show_doc(qtbot, widget, IDS["changed"])  # the GUI answers keys and renders meanwhile
        assert line.checks.busy(valid.sha256) and line.status is None
    finally:
        gate.set()
    qtbot.waitUntil(lambda: line.checks.result(valid.sha256) is not None, timeout=WAIT)
    assert line.status is not SignatureStatus.VALID  # arrived, not shown under another PDF
    qtbot.waitUntil(lambda: line.status is SignatureStatus.CHANGED, timeout=WAIT)
    show_doc(qtbot, widget, IDS["valid"])
    assert line.status is SignatureStatus.VALID
