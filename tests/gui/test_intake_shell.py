"""The intake page inside the whole desktop (issue 11, wave 2 integration), against the real
server on loopback:

- what the operator typed in the last half second (still waiting for the debounced save) is
  kept when the session ends at once: sign-out, or the window closed;
- the pages are found by page, not by a fixed row, now that "Pendaftaran" sits beside Antrean
  for an operator (Pengaturan, Sinkronisasi, back to Antrean);
- F1 lists the counter's keys.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.views.intake import IntakePage
from tests.desktop.support import MemoryKeyring
from tests.gui.intake_helpers import OFFSCREEN_POPUPS, WAIT, pick_service, type_into
from tests.gui.shell_helpers import activate, running_app, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)


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
