"""The Audit page against the real reference server, signed in as the demo administrator:
search by keys (Enter in a filter), page lazily, read a CSV export back, and - the acceptance
of issue 14 - one audit row altered directly in the server's database is pinpointed by
"Periksa rantai" (which row, which check) and shown, selected, by "Tampilkan baris rusak"."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from desktop.controllers.audit_viewer import AuditViewerController
from desktop.services.audit_viewer import CSV_COLUMNS
from desktop.services.tasks import TaskRunner
from desktop.views.audit import AuditPage
from tests.gui.admin.conftest import SCREENSHOTS, WAIT, client_for
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer, start_server
from tests.server.audit_chains import Chain
from tests.server.conftest import Api, run_sql

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
ENTER = Qt.Key.Key_Return
DAY = date(2026, 5, 20)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(10_000)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """A server of this module's own: a test alters its audit rows."""
    with start_server(applications=0) as live:
        yield live


def _page(qtbot: QtBot, server: LiveServer, runner: TaskRunner) -> tuple[AuditPage, Api]:
    admin = Api(server, *server.accounts["admin"])
    page = AuditPage(AuditViewerController(runner, client_for(server, admin)), today=lambda: DAY)
    qtbot.addWidget(page)
    page.resize(1366, 720)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: not page.model.loading, timeout=WAIT)
    return page, admin


def _push(
    server: LiveServer, n: int, kind: str, minute0: int = 0
) -> tuple[Chain, list[dict[str, object]]]:
    op = Api(server, *server.accounts["operator"])
    chain = Chain(op.me["id"], device_id=f"pc-{uuid.uuid4().hex[:8]}")
    base = datetime(2026, 5, 19, 3, minute0, tzinfo=UTC)
    events = [chain.event(kind, device_time=base + timedelta(seconds=i)) for i in range(n)]
    r = op.post("/audit", json={"events": events})
    assert r.status_code == 200, r.text
    return chain, events


def _type(qtbot: QtBot, widget: object, text: str) -> None:
    widget.setFocus()  # type: ignore[attr-defined]
    widget.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)


def _wait_loaded(qtbot: QtBot, page: AuditPage) -> None:
    qtbot.waitUntil(lambda: not page.model.loading, timeout=WAIT)


def test_search_page_and_export(
    qtbot: QtBot, server: LiveServer, runner: TaskRunner, tmp_path: Path
) -> None:
    kind = f"cetak_{uuid.uuid4().hex[:6]}"
    chain, events = _push(server, 230, kind)
    page, _admin = _page(qtbot, server, runner)
    assert page.from_edit.date() == QDate(2026, 5, 14) and page.to_edit.date() == QDate(2026, 5, 20)

    _type(qtbot, page.kind_edit, kind)
    qtbot.keyClick(page.kind_edit, ENTER)
    _wait_loaded(qtbot, page)
    assert page.model.rowCount() == 200 and page.more_button.isEnabled()
    assert "masih ada lagi" in page.status_label.text()
    first = page.selected()
    assert first is not None and first.id == events[-1]["id"]  # newest first, selected
    assert kind in page.detail.toPlainText() and "operator1" in page.detail.toPlainText()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.rowCount() == 230, timeout=WAIT)
    _wait_loaded(qtbot, page)
    assert not page.more_button.isEnabled() and "semua" in page.status_label.text()

    # The device filter, then Enter in a date field; a period without it: nothing.
    _type(qtbot, page.device_edit, chain.device_id)
    _type(qtbot, page.kind_edit, "")
    qtbot.keyClick(page.device_edit, ENTER)
    qtbot.waitUntil(lambda: page.model.rowCount() == 200 and not page.model.loading, timeout=WAIT)
    qtbot.keyClick(page, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # Muat lebih banyak
    qtbot.waitUntil(lambda: page.model.rowCount() == 230, timeout=WAIT)
    page.from_edit.setDate(QDate(2026, 5, 20))
    page.from_edit.setFocus()
    qtbot.keyClick(page.from_edit, ENTER)
    qtbot.waitUntil(lambda: "Tidak ada data" in page.status_label.text(), timeout=WAIT)
    assert page.model.rowCount() == 0
    page.from_edit.setDate(QDate(2026, 5, 19))
    qtbot.keyClick(page.from_edit, ENTER)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 200, timeout=WAIT)

    target = tmp_path / "audit"
    page.choose_export_path = lambda: target
    qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "Selesai" in page.export_label.text(), timeout=WAIT)
    assert "230" in page.export_label.text()
    raw = (tmp_path / "audit.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 231
    assert [r[1] for r in rows[1:]] == [str(e["id"]) for e in reversed(events)]
    assert {r[10] for r in rows[1:]} == {chain.device_id}
    page.grab().save(str(SCREENSHOTS / "audit-search.png"))


def test_an_altered_row_is_pinpointed_and_shown(
    qtbot: QtBot, server: LiveServer, runner: TaskRunner
) -> None:
    page, _admin = _page(qtbot, server, runner)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.verification is not None, timeout=WAIT)
    assert page.verification is not None and page.verification.ok
    assert "utuh" in page.verify_label.text() and not page.show_broken_button.isVisible()
    page.grab().save(str(SCREENSHOTS / "audit-chain-ok.png"))

    (idx, kind, original) = run_sql(
        server, "SELECT idx, kind, details FROM audit_log ORDER BY idx LIMIT 1 OFFSET 1"
    )[0]
    run_sql(server, 'UPDATE audit_log SET details = \'{"device_id":"lain"}\' WHERE idx = ?', (idx,))
    page.verification = None
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.verification is not None, timeout=WAIT)
    text = page.verify_label.text()
    assert "Rantai server rusak pada baris ke-" + str(idx) in text, text
    assert f"id {idx}," in text and f"tindakan {kind}" in text
    assert "isi baris tidak cocok dengan hash-nya" in text
    assert page.show_broken_button.isVisible()

    qtbot.keyClick(page, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and page.selected() is not None, timeout=WAIT
    )
    selected = page.selected()
    assert selected is not None and selected.ref == f"server:{idx}"
    assert '"device_id": "lain"' in page.detail.toPlainText()
    assert page.detail.toPlainText().startswith("BARIS RUSAK: isi baris tidak cocok")
    day = selected.at.astimezone(page.zone).date()
    assert page.from_edit.date() == QDate(day.year, day.month, day.day) == page.to_edit.date()
    assert page.table.hasFocus()
    page.grab().save(str(SCREENSHOTS / "audit-chain-broken.png"))
    run_sql(server, "UPDATE audit_log SET details = ? WHERE idx = ?", (original, idx))
    page.verification = None
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.verification is not None, timeout=WAIT)
    assert page.verification is not None and page.verification.ok  # put back: intact again


def test_a_deleted_desktop_event_is_named_missing(qtbot: QtBot, runner: TaskRunner) -> None:
    """A desktop chain on a server of its own: one event deleted in the database."""
    with start_server(applications=0) as own:
        chain, events = _push(own, 4, "print_receipt")
        run_sql(own, "DELETE FROM client_audit_events WHERE id = ?", (events[1]["id"],))
        page, _admin = _page(qtbot, own, runner)
        qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: page.verification is not None, timeout=WAIT)
        text = page.verify_label.text()
        assert f"Rantai perangkat {chain.device_id} (rantai {chain.chain_id[:8]})" in text, text
        assert "rusak pada baris ke-2" in text and f"id {events[2]['id']}" in text
        assert "1 baris hilang sebelum baris id" in text
        qtbot.keyClick(page, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(
            lambda: page.selected() is not None and page.model.rowCount() == 1, timeout=WAIT
        )
        selected = page.selected()
        assert selected is not None and selected.id == events[2]["id"] and selected.position == 3
        missing = "BARIS RUSAK: ada baris hilang sebelum baris ini"
        assert page.detail.toPlainText().startswith(missing)
        page.grab().save(str(SCREENSHOTS / "audit-chain-missing.png"))
