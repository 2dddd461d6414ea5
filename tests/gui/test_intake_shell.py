"""The intake page inside the whole desktop (issue 11, wave 2 integration), against the real
server on loopback:

- what the operator typed in the last half second (still waiting for the debounced save) is
  kept when the session ends at once: sign-out, or the window closed;
- the pages are found by page, not by a fixed row, now that "Pendaftaran" sits beside Antrean
  for an operator (Pengaturan, Sinkronisasi, back to Antrean);
- F1 lists the counter's keys;
- the receipt's QR link starts with `/me`'s public_status_url (the server's public address);
- a receipt layout chosen in the print preview is still chosen when it opens again, is the
  layout of the next receipt, and saving Pengaturan afterwards keeps it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.controllers.intake import IntakeController, Submitted
from desktop.domain import sla
from desktop.domain.wilayah import get_wilayah
from desktop.services.auth import Office, UserInfo
from desktop.services.documents.receipt import ReceiptData
from desktop.settings import Settings, load_settings
from desktop.views.intake import IntakePage
from desktop.views.intake.shortcuts import COUNTER_SHORTCUTS
from desktop.views.intake.wiring import status_base
from desktop.views.print_preview import PrintPreviewDialog
from tests.desktop.support import MemoryKeyring
from tests.gui.intake_helpers import OFFSCREEN_POPUPS, WAIT, pick_service, type_into
from tests.gui.shell_helpers import activate, running_app, sign_in
from tests.live_server import LiveServer, start_server

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)
REPO = Path(__file__).resolve().parents[2]


def intake_page(qtbot: QtBot, loket: LoketApp) -> IntakePage:
    activate(qtbot, loket)
    window, session = loket.window, loket.session
    assert window is not None and session is not None
    page = session.shell.intake_page
    assert isinstance(page, IntakePage)
    index = window.page_index(page)
    assert index is not None
    window.show_page(index)
    qtbot.waitExposed(page)
    return page


def drafts_after_signing_in_again(qtbot: QtBot, loket: LoketApp) -> list[Any]:
    sign_in(qtbot, loket, "operator1")
    page = intake_page(qtbot, loket)
    return list(page.controller.drafts.list())


@pytest.mark.parametrize("ending", ["sign_out", "close"])
def test_typing_just_before_the_session_ends_is_kept(
    qtbot: QtBot, fresh_server: LiveServer, memory_keyring: MemoryKeyring, ending: str
) -> None:
    with running_app(fresh_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        page = intake_page(qtbot, loket)
        pick_service(qtbot, page, "skck")
        qtbot.waitUntil(lambda: not page.controller.save_pending, timeout=WAIT)
        type_into(qtbot, page, "name", "Rahmat Hidayat")  # real keys; the save still waits
        assert page.controller.save_pending
        window = loket.window
        assert window is not None
        if ending == "sign_out":
            loket.sign_out()  # the window goes at once
            assert loket.teardowns.wait(10)
            drafts = drafts_after_signing_in_again(qtbot, loket)
        else:
            window.close()
            assert loket.teardowns.wait(10)
    if ending == "close":
        with running_app(fresh_server.url, memory_keyring) as again:
            drafts = drafts_after_signing_in_again(qtbot, again)
    assert [d.applicant.get("name") for d in drafts] == ["Rahmat Hidayat"]
    assert QApplication.instance() is not None


# -- the receipt's status link -------------------------------------------------------------------


def user_with(public: str) -> UserInfo:
    office = Office("14.71.01.1002", "Kelurahan Sukajadi", "kelurahan", "14.71.01")
    return UserInfo(
        id="u1", username="operator1", full_name="Operator Satu", roles_raw=("operator",),
        office=office, device_code="PC1", max_offline_days=7, public_status_url=public,
    )  # fmt: skip


def test_status_base_is_the_public_url_else_the_servers_status_page() -> None:
    settings = Settings(server_url="http://10.0.0.5:8765/")
    assert status_base(user_with("https://cek.loket.example/status"), settings) == (
        "https://cek.loket.example/status"
    )
    assert status_base(user_with(""), settings) == "http://10.0.0.5:8765/status"
    assert status_base(user_with("  "), settings) == "http://10.0.0.5:8765/status"


def test_the_receipt_links_to_the_public_address_the_server_names(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    public = "https://cek.loket.example"
    with (
        start_server(extra_env={"LOKET_PUBLIC_URL": public}) as server,
        running_app(server.url, memory_keyring) as loket,
    ):
        sign_in(qtbot, loket, "operator1")
        page = intake_page(qtbot, loket)
        setup = page.controller.receipt
        assert setup is not None
        assert setup.status_base() == public + "/status"  # not the address the PC uses


# -- the print preview's choice -------------------------------------------------------------------


def a_receipt(number: str = "1471-030126-0001-2") -> Submitted:
    data = ReceiptData(
        office_name="Kelurahan Sukajadi", office_address="", number=number, provisional=False,
        service_name="Surat keterangan catatan kepolisian", applicant_name="Sari Dewi",
        masked_nik="147101******0001", documents=["KTP: ktp.png"],
        received_at=datetime(2026, 1, 3, 3, 0, tzinfo=UTC), expected=None,
        officer="Operator Satu", status_url="http://127.0.0.1/status/abcdefghijklmnopqrstuv",
        office_code="14.71.01.1002",
    )  # fmt: skip
    pdf = IntakeController.render(data, "half", "A4")
    return Submitted("app-1", number, False, pdf, "", data)


def open_preview(qtbot: QtBot, page: IntakePage) -> PrintPreviewDialog:
    assert page.show_receipt is not None
    page.show_receipt(page, a_receipt())

    def shown() -> PrintPreviewDialog | None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, PrintPreviewDialog) and w.isVisible():
                return w
        return None

    qtbot.waitUntil(lambda: shown() is not None, timeout=WAIT)
    dialog = shown()
    assert dialog is not None
    return dialog


def test_a_layout_chosen_in_the_preview_stays_chosen(
    qtbot: QtBot, fresh_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(fresh_server.url, memory_keyring, receipt_layout="half") as loket:
        sign_in(qtbot, loket, "operator1")
        page = intake_page(qtbot, loket)
        first = open_preview(qtbot, page)
        assert first.layout_box.currentData() == "half"
        first.layout_box.setFocus()
        qtbot.keyClick(first.layout_box, Qt.Key.Key_Down)  # Gulungan 80 mm
        assert first.layout_box.currentData() == "roll80"
        qtbot.keyClick(first, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not first.isVisible(), timeout=WAIT)
        assert load_settings().receipt_layout == "roll80"  # saved for this PC at once

        again = open_preview(qtbot, page)
        assert again.layout_box.currentData() == "roll80"
        again.reject()
        setup = page.controller.receipt
        assert setup is not None and setup.layout == "roll80"  # the next receipt's layout

        # Pengaturan saved afterwards keeps it (it used to save its own older copy back).
        window, session = loket.window, loket.session
        assert window is not None and session is not None
        settings_page = session.shell.settings_page
        assert settings_page is not None
        window.show_page(window.page_index(settings_page) or 0)
        qtbot.mouseClick(settings_page.save_button, Qt.MouseButton.LeftButton)
        assert load_settings().receipt_layout == "roll80"


# -- pages by page, not by row --------------------------------------------------------------------


def test_an_operators_pages_are_found_by_page_not_by_row(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """An operator's rows are one further down after "Pendaftaran" (row 3 is Laporan, not
    Pengaturan as the old fixed PAGE_SETTINGS said); every page is opened by itself."""
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        activate(qtbot, loket)
        window, session = loket.window, loket.session
        assert window is not None and session is not None
        shell = session.shell
        titles = [window.nav.item(i).text() for i in range(window.nav.count())]  # type: ignore[union-attr]
        assert titles == [
            "Antrean",
            "Pendaftaran",
            "Loket",
            "Laporan",
            "Pengaturan",
            "Sinkronisasi",
        ]
        pages = {
            "Pendaftaran": shell.intake_page,
            "Pengaturan": shell.settings_page,
            "Sinkronisasi": shell.sync_page,
            "Antrean": shell.queue_page,
        }
        for title, page in pages.items():
            assert page is not None
            window.open_page(page)
            assert window.stack.currentWidget() is page and window.current_page is page
            assert window.nav.currentItem().text() == title  # type: ignore[union-attr]
        window.sync_action.trigger()  # F9
        assert window.current_page is shell.sync_page
        qtbot.keyClick(shell.sync_page, Qt.Key.Key_Escape)  # back to Antrean
        qtbot.waitUntil(lambda: window.current_page is shell.queue_page, timeout=WAIT)


def test_ctrl_n_starts_an_application_from_any_page(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """A keyboard-only operator on Antrean had no key to the Pendaftaran page: Ctrl+N did
    nothing outside it. Now it opens the page with the picker focused, and on the page it
    still starts the next draft (one shortcut, never two ambiguous ones)."""
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        activate(qtbot, loket)
        window, session = loket.window, loket.session
        assert window is not None and session is not None
        intake = session.shell.intake_page
        assert intake is not None and window.current_page is session.shell.queue_page
        ctrl = Qt.KeyboardModifier.ControlModifier
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, ctrl)
        qtbot.waitUntil(lambda: window.current_page is intake, timeout=WAIT)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is intake.picker, timeout=WAIT)
        pick_service(qtbot, intake, "domisili")
        type_into(qtbot, intake, "name", "Ahmad")
        qtbot.waitUntil(lambda: intake.controller.current is not None, timeout=WAIT)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, ctrl)  # on the page itself
        qtbot.waitUntil(lambda: intake.controller.current is None, timeout=WAIT)
        assert QApplication.focusWidget() is intake.picker
        window.lock("local", "uji")
        assert not window.intake_action.isEnabled()  # off while locked, like F5/F9


def test_fast_typing_in_the_form_is_never_taken_for_a_scan(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The window's barcode wedge read a typist's burst + Enter in the intake form (keys queued
    behind a busy moment arrive back to back) as a refused scan: the Enter was eaten, the
    cursor stayed, and the next field's text landed in this one (walkthrough in a real
    window). A typing form is no place for scans."""
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        activate(qtbot, loket)
        window, session = loket.window, loket.session
        assert window is not None and session is not None
        intake = session.shell.intake_page
        assert intake is not None
        refused: list[str] = []
        window.wedge.rejected_code.connect(lambda code, _why: refused.append(code))
        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
        )
        qtbot.waitUntil(lambda: QApplication.focusWidget() is intake.picker, timeout=WAIT)
        pick_service(qtbot, intake, "domisili")
        type_into(qtbot, intake, "phone", "")
        phone = QApplication.focusWidget()
        qtbot.keyClicks(phone, "0812-7654 3210")  # synthetic keys: a burst, as when queued
        qtbot.keyClick(phone, Qt.Key.Key_Return)
        assert refused == []
        assert QApplication.focusWidget() is not phone  # Enter moved on
        assert phone.text() == "0812-7654 3210"  # type: ignore[attr-defined]


def test_the_holiday_calendar_is_loaded_when_an_operators_session_starts(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """Loaded on a worker at the session's start, before any receipt (the first load costs
    ~300 ms the first receipt must not pay)."""
    sla._holidays_in.cache_clear()
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1", wait_pull=False)
        year = datetime.now(UTC).year
        qtbot.waitUntil(lambda: sla._holidays_in.cache_info().currsize >= 2, timeout=WAIT)
        started = time.perf_counter()
        sla.expected_completion(datetime.now(UTC), 24 * 5)
        sla.expected_completion(datetime(year + 1, 12, 1, tzinfo=UTC), 24)
        assert time.perf_counter() - started < 0.05  # nothing left to load


def test_the_region_list_is_read_on_a_worker_when_any_session_starts(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wilayah lists (~0.2 s) are read at the start of every session (a verifier's too:
    the workbench names the kelurahan of each address), not by the first address line on the
    GUI thread. A resources folder of its own gives this test a Wilayah nobody has read."""
    for item in (REPO / "resources").iterdir():
        (tmp_path / item.name).symlink_to(item)
    monkeypatch.setenv("LOKET_RESOURCES", str(tmp_path))
    regions = get_wilayah()
    assert not regions.full_list_loaded and not regions.historical_loaded
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1", wait_pull=False)
        qtbot.waitUntil(
            lambda: regions.full_list_loaded and regions.historical_loaded, timeout=WAIT
        )


# -- F1 and the manual list the counter's keys ----------------------------------------------------


def test_f1_lists_the_counters_keys(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        page = intake_page(qtbot, loket)
        page.picker.setFocus()
        qtbot.keyClick(page.picker, Qt.Key.Key_F1)
        shell = loket.shell
        assert shell is not None
        qtbot.waitUntil(
            lambda: shell.help_dialog is not None and shell.help_dialog.isVisible(), timeout=WAIT
        )
        assert shell.help_dialog is not None
        text = shell.help_dialog.browser.toPlainText()
        for entry in COUNTER_SHORTCUTS:
            assert entry.label_tr in text, entry.id
        for words in ("Ctrl+N", "Ctrl+Return atau Ctrl+Enter", "Ajukan ulang", "Alt+Y", "Ctrl+S"):
            assert words in text
        assert "F9" in text and "Ctrl+Shift+Y" in text  # the window's and the workbench's too


def test_every_counter_key_parses_and_is_in_the_manual(qtbot: QtBot) -> None:
    manual = (REPO / "docs" / "manual" / "pintasan.md").read_text(encoding="utf-8")
    for entry in COUNTER_SHORTCUTS:
        for key in entry.keys:
            assert not QKeySequence(key).isEmpty(), key
            assert f"**{key}**" in manual, (entry.id, key)
    for scope in {e.scope for e in COUNTER_SHORTCUTS}:
        assert scope in manual, scope
