"""Issue 13 in the sign dialog, by keys: BSrE unreachable (the simulator stopped) -> the letter
is numbered and the dialog says it waits ("Surat nomor … menunggu tanda tangan elektronik;
akan ditandatangani saat layanan BSrE terjangkau."); Ctrl+Enter again takes no second number;
opened again, the dialog shows the waiting state and, the simulator back, "Tandatangani surat
yang menunggu" (Ctrl+Enter with the passphrase) signs it: the application is signed on the
real server under the same number."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.services.secrets import SecretStore
from desktop.services.signing_setup import BsreCredentials
from tests.bsre_simulator import AUTH as BSRE_CLIENT
from tests.bsre_simulator import bsre_simulator
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, focused, key, running_app, sign_in
from tests.gui.workbench.test_sign_dialog import (
    issued_on_server,
    open_validated,
    press_sign,
    sign_dialog,
    status_of,
    type_into,
    validated,
)
from tests.live_server import LiveServer
from tests.signing_ca import Pki, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier
NIK = "1471010101800001"
PASSPHRASE = "rahasia-bsre-77"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def test_offline_bsre_waits_and_is_signed_later_by_keys(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, pki: Pki
) -> None:
    users = {NIK: (PASSPHRASE, pki.valid)}
    with bsre_simulator(pki, users) as gone:  # a free address, then nothing listens there
        port, address = int(gone.url.rsplit(":", 1)[1]), gone.url
    BsreCredentials(SecretStore(memory_keyring)).save(address, *BSRE_CLIENT)
    app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "melamar kerja"})
    app_id, number = app["id"], app["registration_number"]
    with running_app(
        live_server.url,
        memory_keyring,
        refresh_interval_seconds=3600,
        sign_method="bsre",
        bsre_url=address,
        bsre_api="v1",
    ) as loket:
        sign_in(qtbot, loket, "lurah1")
        open_validated(qtbot, loket, number)
        press_sign(qtbot, loket)
        dialog = sign_dialog(qtbot, loket)
        assert focused() is dialog.nik_edit
        type_into(qtbot, NIK)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        assert focused() is dialog.passphrase_edit
        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.waiting_letter is not None, timeout=60_000)
        waiting = dialog.waiting_letter
        assert waiting is not None
        formatted = waiting.number.formatted
        assert dialog.message.text() == (
            f"Surat nomor {formatted} menunggu tanda tangan elektronik; akan ditandatangani "
            "saat layanan BSrE terjangkau."
        )
        assert dialog.passphrase_edit.text() == ""
        key(qtbot, Qt.Key.Key_Return, CTRL)  # a second Tandatangani: nothing
        assert not dialog.busy and issued_on_server(live_server, app_id) == []
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)

        with bsre_simulator(pki, users, port=port):
            press_sign(qtbot, loket)
            again = sign_dialog(qtbot, loket)
            assert again.pending is not None and again.pending.letter_number == formatted
            assert "menunggu tanda tangan elektronik" in again.message.text()
            assert "yang menunggu" in again.sign_button.text()
            assert again.nik_edit.text() == NIK
            again.passphrase_edit.setFocus()
            type_into(qtbot, PASSPHRASE)
            key(qtbot, Qt.Key.Key_Return, CTRL)
            # sent at once, not at the outbox's idle check a minute later
            qtbot.waitUntil(lambda: status_of(live_server, app_id) == "signed", timeout=WAIT)
        [item] = issued_on_server(live_server, app_id)
        assert item["letter_number"] == formatted and item["status"] == "valid"
        qtbot.waitUntil(lambda: not again.busy, timeout=WAIT)
        qtbot.keyClick(again, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not again.isVisible(), timeout=WAIT)
