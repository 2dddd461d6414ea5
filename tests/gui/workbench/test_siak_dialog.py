"""Tandatangani of a Disdukcapil service (issue 13): the outputs come from SIAK. In the real
desktop against the real reference server, validator1, a PKCS#12 of the test CA, real keys:

- Ctrl+Shift+E on a validated birth registration opens the SIAK dialog (not the old "record
  the status" question); its tooltip says so;
- Ctrl+Enter before any import says what is missing; Ctrl+O imports the akta (an encrypted
  file first: refused, named), Down + Ctrl+O the KK (an earlier signature of it shown as
  "tidak dikenal"), the akta's number typed;
- Enter alone neither signs nor closes; a wrong passphrase queues nothing; Ctrl+Enter signs
  both; the application is signed on the server with the akta's hash, both outputs are
  registered and valid at ``/verify``; Ctrl+P previews the signed bytes; Esc closes.

The file dialog is the one thing replaced (a static that opens the platform's own dialog):
`WorkbenchWidget.choose_siak_file` is given the path the officer would pick."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import Action
from desktop.services.signing import Pkcs12Signer, SignatureStatus, SignRequest, verify_pdf
from desktop.views.workbench.siak_dialog import SiakSignDialog
from server.demo import KELURAHAN
from tests import siak_documents as docs
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    WAIT,
    activate,
    focused,
    key,
    open_row,
    running_app,
    search,
    shot,
    sign_in,
    workbench,
)
from tests.gui.workbench.holder_certs import held_by
from tests.live_server import LiveServer
from tests.server.conftest import Api
from tests.signing_ca import PASSPHRASE, Pki, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
AT_1366 = (1180, 720)
AKTA_DATA = {
    "ibu.nama": "Siti Rahmawati",
    "anak.tanggal_lahir": "2026-11-20",
    "anak.nama": "Nur Aisyah Putri",
    "anak.jenis_kelamin": "P",
    "anak.tempat_dilahirkan": "rumah sakit/rumah bersalin",
    "pelapor.hubungan": "ibu",
}
AKTA_NUMBER = "1471-LT-04122026-0007"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def p12(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("siak") / "kadis.p12"
    path.write_bytes(held_by(pki, "Bambang Sutrisno").p12())  # validator1's own certificate
    return path


def validated_birth(server: LiveServer) -> dict[str, Any]:
    """A birth registration taken in at the kelurahan, verified by verifier1 and validated
    by validator1 through the API, the claim given back."""
    operator = Api(server, *server.accounts["operator"])
    verifier = Api(server, *server.accounts["verifier"])
    validator = Api(server, *server.accounts["validator"])
    app = operator.create(service_code="AKTA-LAHIR", office_code=KELURAHAN, data=AKTA_DATA)
    app_id, version = app["id"], int(app["version"])
    verifier.claim(app_id)
    version = int(verifier.act(app_id, "verify", version)["application"]["version"])
    validator.claim(app_id)
    validator.act(app_id, "validate", version)
    released = validator.http.delete(f"{server.api}/applications/{app_id}/claim", timeout=30)
    assert released.status_code in (200, 204), released.text
    return validator.get(f"/applications/{app_id}").json()  # type: ignore[no-any-return]


def pages_fit(dialog: SiakSignDialog) -> bool:
    """Every page drawn whole within the preview's width (as the eye sees it)."""
    width = dialog.page_scroll.viewport().width()
    labels = dialog.page_labels
    return bool(labels) and all(
        w.isVisible() and w.pixmap() is not None and not w.pixmap().isNull()
        and w.x() >= 0 and w.geometry().right() <= width
        for w in labels
    )  # fmt: skip


def type_into(qtbot: QtBot, text: str) -> None:
    for ch in text:
        qtbot.keyClick(focused(), ch)


def test_the_validator_imports_and_signs_siak_outputs_by_keys(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    p12: Path,
    pki: Pki,
    tmp_path: Path,
) -> None:
    app = validated_birth(live_server)
    app_id, number = app["id"], app["registration_number"]
    files = {
        "locked": tmp_path / "akta-terkunci.pdf",
        "akta": tmp_path / "akta.pdf",
        "kk": tmp_path / "kk-ttd-siak.pdf",
    }
    files["locked"].write_bytes(docs.encrypted_pdf(docs.akta_f4_pdf()))
    files["akta"].write_bytes(docs.akta_f4_pdf())
    # The KK as SIAK signed it (a certificate this PC does not trust).
    files["kk"].write_bytes(
        Pkcs12Signer(p12).sign(
            docs.kk_pdf(), SignRequest(verification_url="", passphrase=PASSPHRASE)
        )
    )
    picked: list[Path] = []
    with running_app(
        live_server.url,
        memory_keyring,
        refresh_interval_seconds=3600,
        sign_method="pkcs12",
        sign_pkcs12_path=str(p12),
    ) as loket:
        sign_in(qtbot, loket, "validator1")
        page = loket.queue_page
        assert page is not None
        page.status_buttons["validated"].click()
        search(qtbot, loket, number)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
        open_row(qtbot, loket)
        wb = workbench(loket)
        qtbot.waitUntil(lambda: Action.SIGN in wb.action_buttons, timeout=WAIT)
        qtbot.waitUntil(lambda: wb.action_buttons[Action.SIGN].isEnabled(), timeout=WAIT)
        assert "impor dokumen keluaran dari SIAK" in wb.action_buttons[Action.SIGN].toolTip()
        wb.choose_siak_file = lambda _parent, _title: picked.pop(0) if picked else None

        activate(qtbot, loket)
        wb.setFocus()
        key(qtbot, Qt.Key.Key_E, CTRL_SHIFT)
        qtbot.waitUntil(
            lambda: wb.sign_dialog is not None and wb.sign_dialog.isVisible(), timeout=WAIT
        )
        dialog = wb.sign_dialog
        assert isinstance(dialog, SiakSignDialog)
        assert wb.confirm_box is None or not wb.confirm_box.isVisible()
        assert [r.code for r in dialog.rows][:3] == ["AKTA-KELAHIRAN", "KK", "KIA"]
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table, timeout=WAIT)
        assert "belum diimpor" in dialog.preview_status.text()

        key(qtbot, Qt.Key.Key_Return, CTRL)  # nothing imported yet
        assert dialog.message_kind == "warning" and "Impor dulu" in dialog.message.text()

        picked.append(files["locked"])
        key(qtbot, Qt.Key.Key_O, CTRL)
        qtbot.waitUntil(lambda: dialog.message_kind == "error", timeout=WAIT)
        assert "akta-terkunci.pdf" in dialog.message.text()
        assert "kata sandi" in dialog.message.text()
        assert dialog.rows[0].imported is None

        picked.append(files["akta"])
        key(qtbot, Qt.Key.Key_O, CTRL)
        qtbot.waitUntil(lambda: dialog.rows[0].imported is not None, timeout=WAIT)
        qtbot.waitUntil(lambda: len(dialog.pages) == 1, timeout=WAIT)
        assert "akta.pdf" in dialog.file_label.text()
        assert not dialog.check_label.isVisible()  # a plain print: no signature to speak of
        dialog.number_edit.setFocus()
        type_into(qtbot, AKTA_NUMBER)

        dialog.table.setFocus()
        key(qtbot, Qt.Key.Key_Down)
        assert dialog.current.code == "KK" and dialog.number_edit.text() == ""
        picked.append(files["kk"])
        key(qtbot, Qt.Key.Key_O, CTRL)
        qtbot.waitUntil(lambda: dialog.rows[1].imported is not None, timeout=WAIT)
        assert dialog.check_label.isVisible()
        assert "tidak dikenal" in dialog.check_label.text()
        key(qtbot, Qt.Key.Key_Up)
        assert dialog.number_edit.text() == AKTA_NUMBER  # kept per output

        dialog.passphrase_edit.setFocus()
        type_into(qtbot, "salah-ketik")
        key(qtbot, Qt.Key.Key_Return)  # Enter alone: nothing
        qtbot.wait(100)
        assert dialog.isVisible() and not dialog.busy
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.message_kind == "error", timeout=60_000)
        assert "Passphrase sertifikat elektronik salah" in dialog.message.text()
        assert dialog.passphrase_edit.text() == "" and focused() is dialog.passphrase_edit
        assert not dialog.done_outputs
        validator = Api(live_server, *live_server.accounts["validator"])
        assert validator.get(f"/applications/{app_id}/issued").json()["items"] == []
        dialog.resize(*AT_1366)
        qtbot.waitUntil(lambda: pages_fit(dialog), timeout=WAIT)
        shot(dialog, "siak-sign-dialog-wrong-passphrase.png")

        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: bool(dialog.done_outputs), timeout=60_000)
        akta, kk = dialog.done_outputs
        assert akta.document_type == "AKTA-KELAHIRAN" and kk.document_type == "KK"
        assert akta.document_number == AKTA_NUMBER
        assert dialog.message_kind == "success"
        assert dialog.print_button.isVisible() and not dialog.sign_button.isVisible()
        for output in (akta, kk):
            check = verify_pdf(output.kept.path.read_bytes(), [pki.root.cert])
            assert check.status is SignatureStatus.VALID, check.message
        qtbot.waitUntil(lambda: len(dialog.pages) == 1 and pages_fit(dialog), timeout=WAIT)
        shot(dialog, "siak-sign-dialog-signed.png")

        def signed_on_server() -> bool:
            raw = validator.get(f"/applications/{app_id}").json()
            return bool(raw["status"] == "signed")

        qtbot.waitUntil(signed_on_server, timeout=60_000)
        raw = validator.get(f"/applications/{app_id}").json()
        sign = [h for h in raw["history"] if h["action"] == "sign"]
        assert sign[-1]["details"]["document"]["sha256"] == akta.sha256
        for output in (akta, kk):
            public = requests.get(
                f"{live_server.url}/verify/{output.code}", params={"format": "json"}, timeout=30
            ).json()
            assert public["status"] == "valid" and public["sha256"] == output.sha256

        key(qtbot, Qt.Key.Key_P, CTRL)
        qtbot.waitUntil(lambda: dialog.print_preview is not None, timeout=WAIT)
        preview = dialog.print_preview
        assert preview is not None
        assert hashlib.sha256(preview.pdf).hexdigest() == akta.sha256
        preview.reject()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
