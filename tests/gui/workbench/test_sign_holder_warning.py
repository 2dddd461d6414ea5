"""The certificate is someone else's (issue 13): lurah1 (Tengku Said Hamzah, S.Sos.) signs with a
PKCS#12 held by "Budi Santoso, S.Sos.". After the passphrase opens it (Ctrl+Enter), an amber
line says so and the button reads "Tetap tandatangani"; nothing is numbered or signed yet. The
next Ctrl+Enter signs. A certificate of the official's own (held by "TENGKU SAID HAMZAH", no
titles, upper case) is never warned about: `test_sign_dialog` signs with one at the first
Ctrl+Enter. Real app, real server, real keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

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
from tests.signing_ca import PASSPHRASE, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

CTRL = Qt.KeyboardModifier.ControlModifier


def test_another_holder_is_warned_once_then_signs(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    p12 = tmp_path / "orang-lain.p12"
    p12.write_bytes(make_pki().valid.p12())  # CN "Budi Santoso, S.Sos."
    app = validated(live_server, "SK-DOMISILI", {"surat.keperluan": "melamar kerja"})
    with running_app(
        live_server.url,
        memory_keyring,
        refresh_interval_seconds=3600,
        sign_method="pkcs12",
        sign_pkcs12_path=str(p12),
    ) as loket:
        sign_in(qtbot, loket, "lurah1")
        open_validated(qtbot, loket, app["registration_number"])
        press_sign(qtbot, loket)
        dialog = sign_dialog(qtbot, loket)
        assert focused() is dialog.passphrase_edit
        type_into(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.message_kind == "warning", timeout=WAIT)
        assert dialog.message.text() == (
            "Sertifikat atas nama Budi Santoso, S.Sos., bukan Tengku Said Hamzah, S.Sos. "
            "yang sedang masuk."
        )
        assert dialog.sign_button.text() == "Tetap tandatangani (Ctrl+Enter)"
        assert not dialog.busy and dialog.letter is None
        assert dialog.passphrase_edit.text() == PASSPHRASE  # asked once: not typed again
        assert issued_on_server(live_server, app["id"]) == []
        dialog.grab().save("/tmp/sign-dialog-holder-warning.png")

        key(qtbot, Qt.Key.Key_Return, CTRL)  # Tetap tandatangani
        qtbot.waitUntil(lambda: dialog.letter is not None, timeout=60_000)
        qtbot.waitUntil(lambda: status_of(live_server, app["id"]) == "signed", timeout=60_000)
        assert len(issued_on_server(live_server, app["id"])) == 1
        dialog.activateWindow()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
