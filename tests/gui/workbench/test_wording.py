"""The words counter staff read stay consistent: retired terms do not come back.

Collects every visible string of the widgets this part of the UI owns (texts, tooltips,
accessible names, tab titles, shortcut descriptions, queue headers and cells, the sign-in
dialog) in the states that show the most text, and greps them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from bench.fakedata import summaries
from desktop.domain.records import ApplicationDetail
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.services.tasks import TaskRunner
from desktop.views.signin.signin_dialog import SignInDialog
from desktop.views.workbench import WorkbenchWidget, shortcuts
from desktop.views.workbench.claim_line import ClaimLine
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.workbench import factories

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]

RETIRED = ("registrasi", "Email", "(TTE)", "TERLAMBAT", "Batas layanan", "Status baru")
"""Retired wording: "nomor pendaftaran", "Surel", "Tandatangani", "lewat tenggat",
"Tenggat layanan", "… (status tidak dikenal)". "luring" is back: issue 10 names the offline
mode "Mode luring" / "Masuk luring" (layanan luring, the regulations' word)."""
COLON_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
"""Times are written with a dot (10.45)."""


def widget_texts(root: QWidget) -> list[str]:
    texts: list[str] = [root.toolTip(), root.accessibleName(), root.windowTitle()]
    for w in root.findChildren(QWidget):
        texts += [w.toolTip(), w.accessibleName(), w.statusTip(), w.whatsThis()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
            texts += [w.tabToolTip(i) for i in range(w.count())]
        plain = getattr(w, "toPlainText", None)
        if callable(plain):
            texts.append(str(plain()))
    return [t for t in texts if t]


def assert_clean(texts: Iterable[str]) -> None:
    for text in texts:
        for term in RETIRED:
            assert term not in text, f"retired term {term!r} in {text!r}"
        assert not COLON_TIME.search(text), f"time with a colon in {text!r}"


def test_workbench_strings_use_the_current_wording(make_workbench: Make) -> None:
    widget, _ = make_workbench()
    assert_clean(widget_texts(widget))
    raw = factories.application_json(claim=None, due_in=-timedelta(hours=3))
    raw.update(registration_number=None, provisional_number="SEM-1471011001-D03-261124-0001")
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        [],
        factories.USER_ID,
        factories.standard_loader(),
    )
    assert_clean(widget_texts(widget))
    raw["status"] = "archived_v9"
    raw["registration_number"] = "1471-261124-0042-6"
    raw["provisional_number"] = "SEM-1471011001-D03-261124-0001"
    widget.set_application(
        ApplicationDetail.from_json(raw),
        widget._service,
        widget._document_types,
        [],
        factories.USER_ID,
        factories.standard_loader(),
    )
    texts = widget_texts(widget)
    assert_clean(texts)
    assert "archived_v9 (status tidak dikenal)" in texts
    assert any("Nomor pendaftaran" in t for t in texts)


def test_claim_line_states_use_the_current_wording(qtbot: QtBot) -> None:
    line = ClaimLine()
    qtbot.addWidget(line)
    now = factories.NOW
    for claim, due_in in (
        (factories.claim_json(), timedelta(hours=2)),
        (factories.claim_json(minutes=-5), -timedelta(days=2)),
        (factories.claim_json("someone-else"), timedelta(days=3)),
        (factories.claim_json("someone-else", minutes=-5), timedelta(hours=30)),
    ):
        detail = factories.detail(claim=claim, due_in=due_in)
        line.refresh(detail, None, detail.claim, factories.USER_ID, now, factories.WIB)
        for other in (True, False):
            line.set_claim_button(visible=True, enabled=True, other_active=other)
            assert_clean(widget_texts(line))
        assert "klaim" not in line.claim_label.text().lower()
    assert line.claim_button.text() == "Tangani"


def test_shortcut_descriptions_use_the_current_wording() -> None:
    assert_clean(s.label_tr for s in shortcuts.SHORTCUTS)


def test_queue_and_sign_in_use_the_current_wording(
    qtbot: QtBot, tmp_path: Path, runner: TaskRunner
) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    try:
        store.bulk_insert(summaries(200, seed=3, user_id="me"))
        model = QueueModel(store, user_id="me")
        model.refresh()
        texts = [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]
        assert "Ditangani oleh" in texts
        for row in range(model.rowCount()):
            for col in range(model.columnCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(model.index(row, col), role)
                    if value:
                        texts.append(str(value))
        assert_clean(texts)
    finally:
        store.close()
    dialog = SignInDialog(runner, lambda *_a: None, server_label="https://loket.example.go.id")  # type: ignore[arg-type, return-value]
    qtbot.addWidget(dialog)
    texts = widget_texts(dialog)
    assert_clean(texts)
    assert "Tutup aplikasi" in texts and "Keluar" not in texts
