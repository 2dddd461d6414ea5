"""Pengaturan > Tanda tangan elektronik (issue 13): the method, a PKCS#12 from the test PKI
opened with the right and a wrong passphrase on a worker, the BSrE address, API version and
client credentials (keyring only) checked against the BSrE simulator over HTTP; every value
saved at once to the real settings file, and no secret ever in it. Real key events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.signing_setup import BSRE_SERVICE
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings, load_settings, save_settings, settings_path
from desktop.views.shell.settings_page import SettingsPage
from desktop.views.signing.settings_page import SigningSettings
from tests.bsre_simulator import AUTH, bsre_simulator
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, focused, key, shot, when_modal
from tests.signing_ca import PASSPHRASE, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

NIK = "1471010101800001"
UNKNOWN_NIK = "1471010101800099"
SIGNER_SECRET = "passphrase-bsre-1"


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def page_with(qtbot: QtBot, runner: TaskRunner) -> tuple[SettingsPage, SigningSettings]:
    """The real settings page, saving to the real (per-test) settings file."""
    page = SettingsPage(load_settings(), save_settings, runner=runner)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    assert page.signing is not None
    return page, page.signing


def on_disk() -> Settings:
    return load_settings()


def focus(qtbot: QtBot, widget: QWidget) -> None:
    """Where a person clicks or tabs to (the window active again after a closed dialog)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    widget.setFocus()
    qtbot.waitUntil(lambda: focused() is widget)


def choose_method(qtbot: QtBot, section: SigningSettings, method: str) -> None:
    """Down arrow on the closed combo until `method` is chosen (each step is saved)."""
    combo = section.method_combo
    focus(qtbot, combo)
    for _ in range(combo.count()):
        if combo.currentData() == method:
            break
        key(qtbot, Qt.Key.Key_Down)
    assert on_disk().sign_method == method


def status(section: SigningSettings) -> str:
    return section.status_label.text()


def answer_passphrase(qtbot: QtBot, section: SigningSettings, passphrase: str) -> None:
    """ "Periksa sertifikat…" by Space; the passphrase typed into the password dialog + Enter."""

    def type_it(box: QDialog) -> None:
        assert isinstance(box, QInputDialog)
        edit = box.findChild(QLineEdit)
        assert edit is not None and edit.echoMode() is QLineEdit.EchoMode.Password
        qtbot.keyClicks(edit, passphrase)
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    focus(qtbot, section.check_cert_button)
    seen = when_modal(qtbot, QInputDialog, type_it)
    key(qtbot, Qt.Key.Key_Space)
    assert len(seen) == 1


def test_pkcs12_chosen_and_checked_with_right_and_wrong_passphrase(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    pki = make_pki()
    p12 = tmp_path / "budi.p12"
    p12.write_bytes(pki.valid.p12(PASSPHRASE))
    page, section = page_with(qtbot, runner)
    assert not section.pkcs12_pane.isVisible() and not section.bsre_pane.isVisible()

    choose_method(qtbot, section, "pkcs12")
    assert section.pkcs12_pane.isVisible() and not section.bsre_pane.isVisible()
    assert not section.check_cert_button.isEnabled()  # no file yet

    def pick(box: QDialog) -> None:
        assert isinstance(box, QFileDialog)
        box.selectFile(str(p12))
        box.accept()

    focus(qtbot, section.choose_p12_button)
    seen = when_modal(qtbot, QFileDialog, pick)
    key(qtbot, Qt.Key.Key_Space)
    assert len(seen) == 1
    assert Path(on_disk().sign_pkcs12_path) == p12

    answer_passphrase(qtbot, section, "salah-sekali")
    qtbot.waitUntil(
        lambda: "Passphrase sertifikat elektronik salah" in status(section), timeout=WAIT
    )
    assert "#b3261e" in section.status_label.styleSheet()  # red

    answer_passphrase(qtbot, section, PASSPHRASE)
    qtbot.waitUntil(lambda: "Sertifikat milik" in status(section), timeout=WAIT)
    text = status(section)
    assert "Budi Santoso, S.Sos." in text and "Loket Uji CA" in text
    assert f"berlaku {pki.valid.cert.not_valid_before_utc.day} " in text
    assert "#0e700e" in section.status_label.styleSheet()  # green
    shot(page, "signing-settings-pkcs12.png")

    # The TSA: typed, Tab leaves the field, saved.
    focus(qtbot, section.tsa_edit)
    qtbot.keyClicks(section.tsa_edit, "http://127.0.0.1:9/tsa/")
    key(qtbot, Qt.Key.Key_Tab)
    assert on_disk().tsa_url == "http://127.0.0.1:9/tsa"

    written = settings_path().read_text(encoding="utf-8")
    assert PASSPHRASE not in written and "salah-sekali" not in written
    assert '"sign_method": "pkcs12"' in written
    assert PASSPHRASE not in repr(section.__dict__)


def test_not_a_pkcs12_file_says_so(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    bogus = tmp_path / "bukan.p12"
    bogus.write_bytes(b"-----BEGIN CERTIFICATE-----\nbukan\n")
    _page, section = page_with(qtbot, runner)
    choose_method(qtbot, section, "pkcs12")
    section.set_pkcs12_path(str(bogus))
    answer_passphrase(qtbot, section, "apa saja")
    qtbot.waitUntil(lambda: "bukan sertifikat elektronik PKCS#12" in status(section), timeout=WAIT)


def test_bsre_address_credentials_and_connection_check(
    qtbot: QtBot, runner: TaskRunner, memory_keyring: MemoryKeyring
) -> None:
    pki = make_pki()
    with bsre_simulator(pki, {NIK: (SIGNER_SECRET, pki.valid)}) as sim:
        page, section = page_with(qtbot, runner)
        choose_method(qtbot, section, "bsre")
        assert section.bsre_pane.isVisible() and not section.pkcs12_pane.isVisible()

        focus(qtbot, section.url_edit)
        qtbot.keyClicks(section.url_edit, sim.url + "/")
        key(qtbot, Qt.Key.Key_Tab)  # into the API version: the address is saved on leaving
        assert on_disk().bsre_url == sim.url
        assert focused() is section.api_combo
        key(qtbot, Qt.Key.Key_Down)
        assert on_disk().bsre_api == "v2"

        # Without client credentials the esign client refuses: said, nothing stored.
        focus(qtbot, section.nik_edit)
        qtbot.keyClicks(section.nik_edit, NIK)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "bermasalah" in status(section), timeout=WAIT)

        focus(qtbot, section.user_edit)
        qtbot.keyClicks(section.user_edit, AUTH[0])
        key(qtbot, Qt.Key.Key_Tab)
        assert focused() is section.password_edit
        qtbot.keyClicks(section.password_edit, AUTH[1])
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "tersimpan di keyring" in status(section), timeout=WAIT)
        assert memory_keyring.entries[(BSRE_SERVICE, sim.url)] == (
            '{"user": "loket-client", "password": "rahasia-klien"}'
        )
        assert section.password_edit.text() == ""

        focus(qtbot, section.nik_edit)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "aktif" in status(section), timeout=WAIT)
        assert status(section) == (
            "BSrE tersambung. Sertifikat NIK 147101******0001 aktif: siap menandatangani."
        )
        shot(page, "signing-settings-bsre.png")

        section.nik_edit.clear()
        qtbot.keyClicks(section.nik_edit, UNKNOWN_NIK)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "tidak terdaftar" in status(section), timeout=WAIT)
        assert "#b3261e" in section.status_label.styleSheet()

    written = settings_path().read_text(encoding="utf-8")
    assert AUTH[1] not in written and AUTH[0] not in written and NIK not in written
    assert f'"bsre_url": "{sim.url}"' in written


def test_unreachable_bsre_is_said(qtbot: QtBot, runner: TaskRunner) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _page, section = page_with(qtbot, runner)
    choose_method(qtbot, section, "bsre")
    focus(qtbot, section.url_edit)
    qtbot.keyClicks(section.url_edit, f"http://127.0.0.1:{port}")
    key(qtbot, Qt.Key.Key_Tab)
    focus(qtbot, section.nik_edit)
    qtbot.keyClicks(section.nik_edit, NIK)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "tidak dapat dihubungi" in status(section), timeout=WAIT)
    assert section.check_bsre_button.isEnabled()


def test_a_bad_address_is_not_saved(qtbot: QtBot, runner: TaskRunner) -> None:
    _page, section = page_with(qtbot, runner)
    choose_method(qtbot, section, "bsre")
    focus(qtbot, section.url_edit)
    qtbot.keyClicks(section.url_edit, "esign kantor")
    key(qtbot, Qt.Key.Key_Tab)
    assert "tidak disimpan" in status(section)
    assert on_disk().bsre_url == ""
