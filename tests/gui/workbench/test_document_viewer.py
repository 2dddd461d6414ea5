"""The page viewer, driven as a person would: real PDFs and scans, keys, zoom, rotation, and the
broken files that must show a message instead of a page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.services.tasks import TaskRunner
from desktop.views.workbench.document_viewer import DocumentViewer, FitMode
from tests.gui.workbench import factories
from tests.gui.workbench.conftest import settle_viewer, show

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


@pytest.fixture
def viewer(qtbot: QtBot, runner: TaskRunner) -> DocumentViewer:
    widget = DocumentViewer(runner=runner)
    show(qtbot, widget, 900, 700)
    return widget


def load(qtbot: QtBot, viewer: DocumentViewer, data: bytes, content_type: str) -> None:
    viewer.set_document(factories.sha256(data), data, content_type, "uji")
    settle_viewer(qtbot, viewer)


def test_multipage_pdf_pages_and_thumbnails(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.multipage_pdf(3, landscape_page=1), "application/pdf")
    assert viewer.error_text is None
    assert viewer.page_count == 3
    assert viewer.thumbnail_count() == viewer.page_count
    assert viewer.thumbnails.isVisible()
    assert viewer.page_label.text() == "Hal. 1/3"
    # thumbnails are rendered in the background, then replace the placeholders
    qtbot.waitUntil(
        lambda: (
            viewer.thumbnails.item(2).icon().actualSize(viewer.thumbnails.iconSize()).height() > 80
        )
    )


def test_page_keys_inside_viewer(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.multipage_pdf(3, landscape_page=1), "application/pdf")
    viewer.view.setFocus()
    with qtbot.waitSignal(viewer.page_changed) as changed:
        qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    assert changed.args == [1, 3]
    settle_viewer(qtbot, viewer)
    portrait_width = viewer._page_size()
    assert viewer.current_page == 1 and portrait_width is not None
    width, height = portrait_width
    assert width > height  # page 2 is the landscape one
    qtbot.keyClick(viewer.view, Qt.Key.Key_End)
    assert viewer.current_page == 2
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)  # stays on the last page
    assert viewer.current_page == 2
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageUp)
    assert viewer.current_page == 1
    qtbot.keyClick(viewer.view, Qt.Key.Key_Home)
    assert viewer.current_page == 0
    settle_viewer(qtbot, viewer)
    assert viewer.page_visible


def test_thumbnail_click_navigates(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.multipage_pdf(3), "application/pdf")
    viewer.thumbnails.setCurrentRow(2)
    settle_viewer(qtbot, viewer)
    assert viewer.current_page == 2
    assert viewer.page_label.text() == "Hal. 3/3"


def test_zoom_fit_and_rotate_change_the_view(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.multipage_pdf(2, landscape_page=-1), "application/pdf")
    assert viewer.fit_mode is FitMode.WIDTH
    fitted = viewer.zoom
    page_w, _ = viewer._page_size() or (0.0, 0.0)
    viewport_w = viewer.view.viewport().width()
    assert abs(page_w * fitted - (viewport_w - 16)) < 2  # fills the width minus margins

    viewer.view.setFocus()
    qtbot.keyClick(viewer.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.fit_mode is FitMode.NONE
    assert viewer.zoom == pytest.approx(fitted * 1.25)
    assert viewer.view.transform().m11() == pytest.approx(viewer.zoom)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom == pytest.approx(fitted / 1.25)
    qtbot.keyClick(viewer.view, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom == pytest.approx(1.0)
    assert viewer.zoom_label.text() == "100%"

    qtbot.keyClick(viewer.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.fit_mode is FitMode.PAGE
    page_fit = viewer.zoom
    assert page_fit < fitted  # a portrait A4 page fits by height in a 900x700 viewer

    qtbot.keyClick(viewer.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert viewer.rotation == 90
    transform = viewer.view.transform()
    assert transform.m11() == pytest.approx(0, abs=1e-9)
    assert transform.m12() == pytest.approx(viewer.zoom)
    assert viewer.zoom > page_fit  # rotated, the page is landscape: fits by width, larger
    qtbot.keyClick(
        viewer.view,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert viewer.rotation == 0
    viewer.rotate_left()
    assert viewer.rotation == 270

    viewer.fit_width_button.click()
    assert viewer.fit_mode is FitMode.WIDTH and viewer.fit_width_button.isChecked()
    viewer.zoom_in_button.click()
    assert viewer.fit_mode is FitMode.NONE and not viewer.fit_width_button.isChecked()


def test_rotation_is_view_only_and_resets_per_document(
    qtbot: QtBot, viewer: DocumentViewer
) -> None:
    data = factories.ktp_image("JPEG")
    load(qtbot, viewer, data, "image/jpeg")
    viewer.rotate_right()
    assert viewer.rotation == 90
    load(qtbot, viewer, factories.multipage_pdf(1), "application/pdf")
    assert viewer.rotation == 0


def test_busy_state_is_visible_while_rendering(qtbot: QtBot, viewer: DocumentViewer) -> None:
    viewer.show_loading("KK", "Mengambil dokumen dari server…")
    assert viewer.is_busy and viewer.busy_bar.isVisible()
    assert "Mengambil" in viewer.message_label.text()
    data = factories.kk_pdf()
    viewer.set_document(factories.sha256(data), data, "application/pdf", "KK")
    assert viewer.is_busy and viewer.busy_bar.isVisible()  # rendering off the GUI thread
    settle_viewer(qtbot, viewer)
    assert not viewer.busy_bar.isVisible()
    assert viewer.page_visible


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (factories.kk_pdf()[:1500], "application/pdf", "PDF rusak"),
        (factories.zip_named_pdf(), "application/pdf", "ZIP"),
        (factories.bomb_png(), "image/png", "batas aman"),
        (b"", "application/pdf", "kosong"),
        (factories.ktp_image("JPEG")[:4000], "image/jpeg", "rusak"),
    ],
    ids=["truncated-pdf", "zip-as-pdf", "bomb-png", "empty", "truncated-jpeg"],
)
def test_broken_files_show_a_message(
    qtbot: QtBot, viewer: DocumentViewer, data: bytes, content_type: str, expected: str
) -> None:
    load(qtbot, viewer, data, content_type)
    assert viewer.error_text is not None and expected in viewer.error_text
    assert viewer.stack.currentWidget() is viewer.message_label
    assert expected in viewer.message_label.text()
    assert viewer.page_count == 0 and viewer.thumbnail_count() == 0
    assert not viewer.zoom_in_button.isEnabled()
    viewer.zoom_in()  # harmless with nothing shown
    viewer.next_page()
    # the viewer recovers with the next good document
    load(qtbot, viewer, factories.multipage_pdf(2), "application/pdf")
    assert viewer.error_text is None and viewer.page_count == 2 and viewer.page_visible


def test_png_labelled_pdf_is_shown_with_a_note(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.ktp_image("PNG"), "application/pdf")
    assert viewer.error_text is None and viewer.page_visible
    assert viewer.note_text is not None and "PNG" in viewer.note_text
    assert viewer.page_count == 1 and viewer.thumbnail_count() == 1
    assert not viewer.thumbnails.isVisible()  # no strip for a single page


def test_multipage_tiff(qtbot: QtBot, viewer: DocumentViewer) -> None:
    load(qtbot, viewer, factories.tiff_pages(3), "image/tiff")
    assert viewer.page_count == 3 == viewer.thumbnail_count()
    viewer.last_page()
    settle_viewer(qtbot, viewer)
    assert viewer.current_page == 2 and viewer.page_visible


def test_same_key_keeps_page_and_view(qtbot: QtBot, viewer: DocumentViewer) -> None:
    data = factories.multipage_pdf(3)
    load(qtbot, viewer, data, "application/pdf")
    viewer.go_to_page(2)
    settle_viewer(qtbot, viewer)
    viewer.rotate_right()
    viewer.set_document(factories.sha256(data), data, "application/pdf", "uji lagi")
    assert viewer.current_page == 2 and viewer.rotation == 90 and not viewer.is_busy


def test_stale_results_are_dropped(
    qtbot: QtBot, viewer: DocumentViewer, runner: TaskRunner
) -> None:
    """A slow document replaced by another before it finishes must not overwrite it."""
    first = factories.multipage_pdf(3)
    second = factories.ktp_image("JPEG")
    viewer.set_document(factories.sha256(first), first, "application/pdf", "satu")
    viewer.set_document(factories.sha256(second), second, "image/jpeg", "dua")
    settle_viewer(qtbot, viewer)
    assert runner.wait_idle()
    qtbot.wait(50)
    assert viewer.page_count == 1 and viewer.document_key == factories.sha256(second)
