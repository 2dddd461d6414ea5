"""The whole desktop against the real server on loopback: operator1 opens "Pendaftaran" (beside
Antrean), picks a service by typing, fills the form, attaches a file, submits with Ctrl+Enter,
and the receipt shows in the print preview with the server's official number; the page is free
for the next citizen at once. The Sinkronisasi page is still reached with F9 (one row further
down for an operator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.views.intake import IntakePage
from desktop.views.print_preview import PrintPreviewDialog
from tests.desktop.fixtures import MemoryKeyring
from tests.gui.intake_helpers import (
    OFFSCREEN_POPUPS,
    WAIT,
    field,
    pick_service,
    settle,
    type_into,
)
from tests.gui.shell_helpers import activate, running_app, shot, sign_in
from tests.gui.test_intake_form import fill_applicant
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_POPUPS)


def test_operator_submits_and_gets_the_receipt_with_the_official_number(
    qtbot: QtBot, fresh_server: LiveServer, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    scan = tmp_path / "ktp.png"
    Image.new("RGB", (80, 50), "white").save(scan)
    with running_app(fresh_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        activate(qtbot, loket)
        window = loket.window
        assert window is not None and loket.session is not None
        page = loket.session.shell.intake_page
        assert isinstance(page, IntakePage)
        titles = [window.nav.item(i).text() for i in range(window.nav.count())]  # type: ignore[union-attr]
        assert titles[:3] == ["Antrean", "Pendaftaran", "Loket"]
        assert titles[-1] == "Sinkronisasi"

        window.sync_action.trigger()  # F9: still the Sinkronisasi page
        assert window.stack.currentWidget() is loket.session.shell.sync_page
        window.showNormal()
        window.resize(1366, 768)  # the smallest screen the counters have
        window.show_page(window.page_index(page) or 0)
        assert window.stack.currentWidget() is page
        shot(window, "intake-window-empty.png")

        pick_service(qtbot, page, "skck")
        fill_applicant(qtbot, page)
        type_into(qtbot, page, "surat.keperluan", "Melamar pekerjaan")
        for box in page.requirements.boxes.values():
            box.request_import([scan])
        qtbot.waitUntil(
            lambda: all(b.count() == 1 for b in page.requirements.boxes.values()), timeout=WAIT
        )
        settle(qtbot, page)
        shot(window, "intake-window-filled.png")
        assert window.height() <= 768 or window.isMaximized()

        qtbot.keyClick(field(page, "name"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

        def preview() -> PrintPreviewDialog | None:
            found = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, PrintPreviewDialog) and w.isVisible()
            ]
            return found[0] if found else None

        qtbot.waitUntil(lambda: preview() is not None, timeout=20_000)
        result = page.last_submitted
        assert result is not None
        assert not result.provisional, "online: the server's number came in time"
        assert not result.number.startswith("SEM-")
        assert result.receipt_data is not None
        assert result.receipt_data.status_url is not None
        assert result.receipt_data.status_url.startswith(fresh_server.url + "/status/")
        assert len(result.receipt_data.documents) == len(page.requirements.boxes)
        assert any("ktp.png" in d for d in result.receipt_data.documents)
        dialog = preview()
        assert dialog is not None
        assert result.number in dialog.windowTitle()
        shot(dialog, "intake-receipt-preview.png")
        dialog.reject()
        assert page.controller.current is None  # the next citizen at once
        assert page.drafts_list.count() == 0
