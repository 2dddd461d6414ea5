"""Tandatangani signs the kelurahan letter (issue 13), in the real desktop against the real
reference server, with a PKCS#12 certificate of the test CA (`tests.signing_ca`) and real key
events:

- Ctrl+Shift+E on a validated SK-DOMISILI opens the sign dialog (not the old "record the
  status" confirmation) with the letter's pages rendered;
- Enter in the passphrase field neither signs nor closes;
- a wrong passphrase: the Indonesian message, the field emptied and focused, nothing signed,
  no number taken (checked on the server), the application still validated;
- the right one with Ctrl+Enter: the number and the verification code shown, the application
  signed on the server once the outbox sent it, the kept PDF valid for pyHanko with the test
  root trusted, ``/verify/<code>?format=json`` valid with its SHA-256; "Cetak…" previews the
  very signed bytes;
- no signing method on this PC: the message points to Pengaturan > Tanda tangan elektronik;
- a service whose output comes from SIAK opens the SIAK dialog when this PC signs
  (`test_siak_dialog.py`), else keeps the old confirmation; its tooltip says which.

Screenshots (the dialog at the size it gets on a 1366x768 screen) go to LOKET_SHOTS_DIR."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.controllers.signing import SigningAccess
from desktop.domain.catalogue import Catalogue
from desktop.domain.workflow import Action, Role
from desktop.models.store import Store
from desktop.services.documents.letter import Official
from desktop.services.issuing import IssuingService
from desktop.services.letter_numbers import LetterNumbers
from desktop.services.secrets import SecretStore
from desktop.services.signing import SignatureStatus, verify_pdf
from desktop.services.signing_setup import BsreCredentials
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.workbench import WorkbenchWidget
from desktop.views.workbench.siak_dialog import SiakSignDialog
from desktop.views.workbench.sign_dialog import SignDialog
from server.demo import KELURAHAN
from tests.bsre_simulator import AUTH as BSRE_CLIENT
from tests.bsre_simulator import bsre_simulator
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
from tests.gui.workbench.factories import USER_ID, Loader, detail
from tests.gui.workbench.holder_certs import held_by
from tests.live_server import LiveServer
from tests.server.conftest import Api
from tests.signing_ca import PASSPHRASE, Pki, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
AT_1366 = (1180, 720)
"""`fitting_size` of the dialog on a 1366x768 screen (the offscreen screen is 800x800)."""


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def p12(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ttd") / "lurah.p12"
    path.write_bytes(held_by(pki, "TENGKU SAID HAMZAH").p12())  # lurah1's own certificate
    return path


def validated(server: LiveServer, service: str, data: dict[str, str]) -> dict[str, Any]:
    """A new application of `service` at the demo kelurahan, taken in by the operator and
    verified and validated by lurah1 (through the API), the claim given back."""
    operator = Api(server, *server.accounts["operator"])
    lurah = Api(server, *server.accounts["lurah"])
    app = operator.create(service_code=service, office_code=KELURAHAN, data=data)
    app_id, version = app["id"], int(app["version"])
    lurah.claim(app_id)
    for action in ("verify", "validate"):
        version = int(lurah.act(app_id, action, version)["application"]["version"])
    released = lurah.http.delete(f"{server.api}/applications/{app_id}/claim", timeout=30)
    assert released.status_code in (200, 204), released.text
    return lurah.get(f"/applications/{app_id}").json()  # type: ignore[no-any-return]


def status_of(server: LiveServer, app_id: str) -> str:
    lurah = Api(server, *server.accounts["lurah"])
    return str(lurah.get(f"/applications/{app_id}").json()["status"])


def issued_on_server(server: LiveServer, app_id: str) -> list[dict[str, Any]]:
    lurah = Api(server, *server.accounts["lurah"])
    r = lurah.get(f"/applications/{app_id}/issued")
    assert r.status_code == 200, r.text
    body = r.json()
    return list(body["items"] if isinstance(body, dict) else body)


def open_validated(qtbot: QtBot, loket: LoketApp, number: str) -> None:
    """The application found by its number, opened from the queue; the claim taken."""
    page = loket.queue_page
    assert page is not None
    page.status_buttons["validated"].click()  # a validator's queue opens on Terverifikasi
    search(qtbot, loket, number)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    open_row(qtbot, loket)
    wb = workbench(loket)
    qtbot.waitUntil(lambda: Action.SIGN in wb.action_buttons, timeout=WAIT)
    qtbot.waitUntil(lambda: wb.action_buttons[Action.SIGN].isEnabled(), timeout=WAIT)


def press_sign(qtbot: QtBot, loket: LoketApp) -> None:
    wb = workbench(loket)
    activate(qtbot, loket)
    wb.setFocus()
    key(qtbot, Qt.Key.Key_E, CTRL_SHIFT)


def sign_dialog(qtbot: QtBot, loket: LoketApp) -> SignDialog:
    wb = workbench(loket)
    qtbot.waitUntil(lambda: wb.sign_dialog is not None and wb.sign_dialog.isVisible(), timeout=WAIT)
    dialog = wb.sign_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.rendering and len(dialog.pages) >= 1, timeout=WAIT)
    return dialog


def pages_fit(dialog: SignDialog) -> bool:
    """Every page laid out whole within the preview's width (as the eye sees it)."""
    width = dialog.page_scroll.viewport().width()
    labels = [w for w in dialog.page_host.findChildren(QLabel) if w.objectName()[:5] == "page-"]
    return bool(labels) and all(w.x() >= 0 and w.geometry().right() <= width for w in labels)


def type_into(qtbot: QtBot, text: str) -> None:
    for ch in text:
        qtbot.keyClick(focused(), ch)


def test_the_validator_signs_the_letter_by_keys(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, p12: Path, pki: Pki
) -> None:
    app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "pendaftaran sekolah"})
    app_id, number = app["id"], app["registration_number"]
    with running_app(
        live_server.url,
        memory_keyring,
        refresh_interval_seconds=3600,
        sign_method="pkcs12",
        sign_pkcs12_path=str(p12),
    ) as loket:
        sign_in(qtbot, loket, "lurah1")
        open_validated(qtbot, loket, number)
        wb = workbench(loket)
        assert "membuka surat" in wb.action_buttons[Action.SIGN].toolTip()

        press_sign(qtbot, loket)
        dialog = sign_dialog(qtbot, loket)
        assert wb.confirm_box is None or not wb.confirm_box.isVisible()  # not the old question
        assert dialog.passphrase_edit.isVisibleTo(dialog) and not dialog.nik_edit.isVisibleTo(
            dialog
        )
        assert focused() is dialog.passphrase_edit

        # Enter (alone, and after the passphrase) neither signs nor closes.
        key(qtbot, Qt.Key.Key_Return)
        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return)
        key(qtbot, Qt.Key.Key_Enter)
        qtbot.wait(200)  # a signature would have started at once: none has
        assert dialog.isVisible() and not dialog.busy and dialog.letter is None
        assert dialog.passphrase_edit.text() == PASSPHRASE

        # A wrong passphrase: the message, nothing signed, no number taken.
        dialog.passphrase_edit.clear()
        type_into(qtbot, "salah-ketik")
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.message_kind == "error", timeout=WAIT)
        assert "Passphrase sertifikat elektronik salah" in dialog.message.text()
        assert dialog.passphrase_edit.text() == ""
        assert focused() is dialog.passphrase_edit
        assert dialog.letter is None and dialog.isVisible()
        assert issued_on_server(live_server, app_id) == []
        assert status_of(live_server, app_id) == "validated"
        dialog.resize(*AT_1366)
        qtbot.waitUntil(lambda: pages_fit(dialog), timeout=WAIT)
        shot(dialog, "sign-dialog-wrong-passphrase.png")

        # The right one, Ctrl+Enter (keypad Enter).
        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Enter, CTRL | Qt.KeyboardModifier.KeypadModifier)
        qtbot.waitUntil(lambda: dialog.busy or dialog.letter is not None, timeout=WAIT)
        qtbot.waitUntil(lambda: dialog.letter is not None, timeout=60_000)
        letter = dialog.letter
        assert letter is not None
        assert dialog.passphrase_edit.text() == ""
        assert letter.number.formatted in dialog.result_label.text()
        assert letter.code in dialog.result_label.text()
        assert dialog.print_button.isVisible() and not dialog.sign_button.isVisible()

        # The outbox sends it: signed on the server, with this PDF's hash.
        qtbot.waitUntil(lambda: status_of(live_server, app_id) == "signed", timeout=60_000)
        pdf = letter.path.read_bytes()
        sha = hashlib.sha256(pdf).hexdigest()
        check = verify_pdf(pdf, [pki.root.cert])
        assert check.status is SignatureStatus.VALID, check.message
        public = requests.get(
            f"{live_server.url}/verify/{letter.code}", params={"format": "json"}, timeout=30
        )
        assert public.status_code == 200, public.text
        assert public.json()["status"] == "valid" and public.json()["sha256"] == sha
        assert [d["letter_number"] for d in issued_on_server(live_server, app_id)] == [
            letter.number.formatted
        ]
        qtbot.waitUntil(
            lambda: wb.message_kind == "success" and "Surat" in wb.message_label.text(),
            timeout=WAIT,
        )

        # Cetak… (Ctrl+P): the print preview of the very signed bytes.
        dialog.resize(*AT_1366)
        qtbot.waitUntil(lambda: not dialog.rendering and pages_fit(dialog), timeout=WAIT)
        shot(dialog, "sign-dialog-signed.png")
        key(qtbot, Qt.Key.Key_P, CTRL)
        qtbot.waitUntil(lambda: dialog.print_preview is not None, timeout=WAIT)
        preview = dialog.print_preview
        assert preview is not None and preview.pdf == pdf
        preview.reject()

        # Esc closes once done.
        dialog.activateWindow()
        dialog.setFocus()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_no_method_set_up_says_where_and_siak_outputs_keep_the_old_question(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    letter_app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "melamar kerja"})
    with running_app(live_server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "lurah1")
        open_validated(qtbot, loket, letter_app["registration_number"])
        press_sign(qtbot, loket)
        dialog = sign_dialog(qtbot, loket)
        assert dialog.message_kind == "warning"
        assert "Pengaturan > Tanda tangan elektronik" in dialog.message.text()
        assert not dialog.sign_button.isEnabled()
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.wait(100)
        assert not dialog.busy and dialog.letter is None
        dialog.resize(*AT_1366)
        qtbot.waitUntil(lambda: not dialog.rendering and pages_fit(dialog), timeout=WAIT)
        shot(dialog, "sign-dialog-not-set-up.png")
        # Everything fits the height a 1366x768 screen leaves it.
        assert dialog.minimumSizeHint().height() <= AT_1366[1]
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        assert status_of(live_server, letter_app["id"]) == "validated"


def test_a_siak_output_opens_the_siak_dialog_or_records_the_status_only(
    qtbot: QtBot,
    make_workbench: Callable[..., tuple[WorkbenchWidget, Loader]],
    catalogue: Catalogue,
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    """KTPEL-UBAH-WNI's output (the KTP-el) comes from SIAK: with signing set up at this PC,
    Ctrl+Shift+E opens the SIAK import-and-sign dialog (not the letter's); without, it asks to
    record the status only, and each tooltip says which."""
    service = catalogue.services["KTPEL-UBAH-WNI"]
    assert service.letter_type is None and service.outputs
    store = Store(tmp_path / "loket.db")
    try:
        numbers = LetterNumbers(None, store, office_code=KELURAHAN, user_id=USER_ID)
        issuing = IssuingService(None, store, numbers, catalogue=catalogue, user_id=USER_ID)
        access = SigningAccess(
            runner=runner,
            issuing=issuing,
            settings=Settings(sign_method="pkcs12", sign_pkcs12_path="/tmp/lurah.p12"),
            credentials=BsreCredentials(SecretStore(MemoryKeyring())),
            official=Official("Tengku Said Hamzah, S.Sos.", ""),
            on_settings_saved=lambda _s: None,
        )
        wb, _loader = make_workbench(detail(status="validated"), roles=(Role.VALIDATOR,))
        assert not wb.signs_siak_output()  # not set up at this PC
        assert "hanya mencatat" in wb.action_buttons[Action.SIGN].toolTip()
        wb.setFocus()
        key(qtbot, Qt.Key.Key_E, CTRL_SHIFT)
        qtbot.waitUntil(
            lambda: wb.confirm_box is not None and wb.confirm_box.isVisible(), timeout=WAIT
        )
        assert wb.sign_dialog is None
        wb.decisions.dismiss()

        wb.set_signing(access)
        assert not wb.signs_letter() and wb.signs_siak_output()
        assert "SIAK" in wb.action_buttons[Action.SIGN].toolTip()
        wb.setFocus()
        key(qtbot, Qt.Key.Key_E, CTRL_SHIFT)
        qtbot.waitUntil(
            lambda: isinstance(wb.sign_dialog, SiakSignDialog) and wb.sign_dialog.isVisible(),
            timeout=WAIT,
        )
        assert [r.code for r in wb.sign_dialog.rows] == [o.code for o in service.outputs]
        wb.sign_dialog.reject()
    finally:
        store.close()


def test_bsre_v2_with_a_totp_code_and_its_refusal(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, pki: Pki
) -> None:
    """BSrE (API v2): NIK and a TOTP code. An unregistered NIK is BSrE's own answer in the
    dialog (the number taken is recorded void on the server), the code emptied and focused,
    the application still validated; the registered NIK signs."""
    app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "melamar kerja"})
    app_id, number = app["id"], app["registration_number"]
    official, other = "1471010101800001", "1471010101800009"
    with bsre_simulator(pki, {official: ("123456", pki.valid)}) as sim:
        BsreCredentials(SecretStore(memory_keyring)).save(sim.url, *BSRE_CLIENT)
        with running_app(
            live_server.url,
            memory_keyring,
            refresh_interval_seconds=3600,
            sign_method="bsre",
            bsre_url=sim.url,
            bsre_api="v2",
        ) as loket:
            sign_in(qtbot, loket, "lurah1")
            open_validated(qtbot, loket, number)
            press_sign(qtbot, loket)
            dialog = sign_dialog(qtbot, loket)
            assert focused() is dialog.nik_edit
            type_into(qtbot, other)
            qtbot.keyClick(focused(), Qt.Key.Key_Tab)
            assert focused() is dialog.secret_kind
            key(qtbot, Qt.Key.Key_Down)  # Passphrase -> Kode TOTP
            assert dialog.totp_edit.isVisibleTo(dialog)
            assert not dialog.passphrase_edit.isVisibleTo(dialog)
            qtbot.keyClick(focused(), Qt.Key.Key_Tab)
            assert focused() is dialog.totp_edit
            type_into(qtbot, "123456")
            key(qtbot, Qt.Key.Key_Return)  # nothing
            assert not dialog.busy and dialog.letter is None and not sim.requests
            key(qtbot, Qt.Key.Key_Return, CTRL)
            qtbot.waitUntil(lambda: dialog.message_kind == "error", timeout=60_000)
            assert "Pengguna tidak terdaftar" in dialog.message.text()
            assert dialog.totp_edit.text() == "" and focused() is dialog.totp_edit
            assert dialog.letter is None and status_of(live_server, app_id) == "validated"

            dialog.nik_edit.clear()
            dialog.nik_edit.setFocus()
            type_into(qtbot, official)
            dialog.totp_edit.setFocus()
            type_into(qtbot, "123456")
            key(qtbot, Qt.Key.Key_Return, CTRL)
            qtbot.waitUntil(lambda: dialog.letter is not None, timeout=60_000)
            letter = dialog.letter
            assert letter is not None
            qtbot.waitUntil(lambda: status_of(live_server, app_id) == "signed", timeout=60_000)
            check = verify_pdf(letter.path.read_bytes(), [pki.root.cert])
            assert check.status is SignatureStatus.VALID, check.message
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
            qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_an_expired_certificate_takes_no_number(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, pki: Pki, tmp_path: Path
) -> None:
    expired = tmp_path / "kedaluwarsa.p12"
    expired.write_bytes(pki.expired.p12())
    app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "melamar kerja"})
    with running_app(
        live_server.url,
        memory_keyring,
        refresh_interval_seconds=3600,
        sign_method="pkcs12",
        sign_pkcs12_path=str(expired),
    ) as loket:
        sign_in(qtbot, loket, "lurah1")
        open_validated(qtbot, loket, app["registration_number"])
        press_sign(qtbot, loket)
        dialog = sign_dialog(qtbot, loket)
        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.message_kind == "error", timeout=WAIT)
        assert "kedaluwarsa" in dialog.message.text()
        assert dialog.passphrase_edit.text() == "" and focused() is dialog.passphrase_edit
        assert issued_on_server(live_server, app["id"]) == []
        assert status_of(live_server, app["id"]) == "validated"
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
