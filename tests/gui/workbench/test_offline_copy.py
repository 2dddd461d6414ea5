"""A copy kept on this PC (server down) shown for what it is: what it does not carry is "not
available here", never "not uploaded" or "no history"; document contents that are not in memory
are not asked of a server that is not there; and the server's data replaces the copy whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Role
from desktop.services.applications import Origin
from desktop.views.workbench import WorkbenchWidget
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

UNAVAILABLE = "tidak tersedia di salinan komputer ini"
Make = Callable[..., tuple[WorkbenchWidget, factories.Loader]]


def summary_only(**kwargs: Any) -> ApplicationDetail:
    """What `ApplicationService.cached_copy` reads when only the queue's summary is here."""
    raw = factories.application_json(**kwargs)
    del raw["documents"], raw["history"]
    return ApplicationDetail.from_json(raw)


def show_copy(
    widget: WorkbenchWidget,
    catalogue: Catalogue,
    detail: ApplicationDetail,
    loader: factories.Loader,
    origin: Origin,
    roles: tuple[Role, ...] = (Role.VERIFIER,),
) -> None:
    widget.set_application(
        detail,
        catalogue.services.get(detail.service_code),
        catalogue.document_types,
        roles,
        factories.USER_ID,
        loader,
        origin=origin,
    )
    widget.set_read_only(origin is not Origin.SERVER)


def test_a_summary_copy_never_says_not_uploaded_and_the_server_replaces_it(
    qtbot: QtBot, make_workbench: Make, catalogue: Catalogue
) -> None:
    widget, loader = make_workbench(summary_only(status="needs_revision"), settle=False)
    show_copy(widget, catalogue, summary_only(status="needs_revision"), loader, Origin.KEPT_SUMMARY)
    assert UNAVAILABLE in widget.viewer.message_label.text()
    assert widget.document_combo.placeholderText() == "Dokumen tidak tersedia"
    rows = [r for r in widget.checklist.rows if r.judgeable]
    assert rows and not widget.checklist.missing_mandatory()
    for row in rows:
        assert row.missing_label is not None and UNAVAILABLE in row.missing_label.text()
    assert "belum diunggah" not in widget.checklist.summary_label.text()
    assert UNAVAILABLE in widget.history_view.plain_entries()
    assert widget.tabs.tabText(1) == "Riwayat"
    assert "tidak diketahui" in widget.claim_line.claim_label.text()
    assert not widget.holds_claim() and not widget.held_by_other()
    widget.set_time_zone(factories.WIB)  # a redraw keeps saying so
    assert UNAVAILABLE in widget.history_view.plain_entries()
    widget.history_claims_toggle.setChecked(True)
    assert UNAVAILABLE in widget.history_view.plain_entries()
    QCoreApplication.processEvents()
    assert loader.calls == []

    # The server answers: the same application, shown as if newly opened (starting marks too).
    full = factories.detail(status="needs_revision")
    show_copy(widget, catalogue, full, loader, Origin.SERVER, roles=(Role.OPERATOR,))
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_visible
    assert widget.checklist.judgements()["KK"] == (False, "buram, NIK tidak terbaca")
    assert "Andi Pratama" in widget.checklist.source_label.text()
    assert widget.tabs.tabText(1) == "Riwayat (3)"
    assert UNAVAILABLE not in widget.history_view.plain_entries()
    assert all(
        r.missing_label is None or UNAVAILABLE not in r.missing_label.text()
        for r in widget.checklist.rows
    )
    assert "tidak diketahui" not in widget.claim_line.claim_label.text()


def test_a_kept_detail_says_the_contents_are_not_here_without_asking_the_server(
    qtbot: QtBot, make_workbench: Make, catalogue: Catalogue
) -> None:
    detail = factories.detail()
    widget, loader = make_workbench(summary_only(), settle=False)
    widget.clear()
    show_copy(widget, catalogue, detail, loader, Origin.KEPT_DETAIL)
    assert {d.id for d in widget.documents.ordered()} == {d.id for d in detail.documents}
    assert widget.tabs.tabText(1) == "Riwayat (3)"
    assert "tidak diketahui" in widget.claim_line.claim_label.text()
    for doc in widget.documents.ordered():
        widget.documents.activate(doc)
        text = widget.viewer.message_label.text()
        assert "tidak tersimpan di komputer ini" in text and "gagal" not in text.lower()
        assert widget.viewer.error_text is None  # a plain note, not a red failure
    qtbot.wait(50)
    assert loader.calls == [] and widget.fetcher.pending == 0

    show_copy(widget, catalogue, detail, loader, Origin.SERVER)  # back: it comes by itself
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_visible and loader.calls
    assert "Sedang Anda tangani" in widget.claim_line.claim_label.text()


def test_a_kept_detail_still_shows_what_is_in_memory(
    qtbot: QtBot, make_workbench: Make, catalogue: Catalogue
) -> None:
    widget, loader = make_workbench()  # opened online: the first document's bytes are here
    assert widget.viewer.page_visible
    before = list(loader.calls)
    show_copy(widget, catalogue, factories.detail(), loader, Origin.KEPT_DETAIL)
    settle_viewer(qtbot, widget.viewer)
    assert widget.viewer.page_visible
    QCoreApplication.processEvents()
    assert widget.fetcher.pending == 0 and loader.calls == before
