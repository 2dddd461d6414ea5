"""Fixtures for the workbench tests: the real catalogue, a shown workbench, and helpers that
wait for worker threads through the Qt event loop (never by sleeping)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.catalogue import Catalogue, load_catalogue
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Role
from desktop.services.tasks import TaskRunner
from desktop.views.workbench import WorkbenchWidget
from desktop.views.workbench.document_viewer import DocumentViewer
from tests.gui.workbench import factories


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def show(qtbot: QtBot, widget: QWidget, width: int = 1366, height: int = 768) -> None:
    """Show and activate: shortcuts only fire in the active window."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=3000)


def settle_viewer(qtbot: QtBot, viewer: DocumentViewer, timeout: int = 10_000) -> None:
    """Wait until the viewer shows a page or a message and has no render in flight."""
    qtbot.waitUntil(
        lambda: not viewer.is_busy and (viewer.page_visible or viewer.error_text is not None),
        timeout=timeout,
    )


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    """A runner per test, like the app's: nothing one test leaves running reaches the next."""
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(10_000)


@pytest.fixture
def make_workbench(
    qtbot: QtBot, catalogue: Catalogue, runner: TaskRunner
) -> Iterator[Callable[..., tuple[WorkbenchWidget, factories.Loader]]]:
    """Build a shown workbench for `detail` (default: the standard application, claim held)."""

    def make(
        detail: ApplicationDetail | None = None,
        roles: tuple[Role, ...] = (Role.VERIFIER,),
        loader: factories.Loader | None = None,
        service: Any = "auto",
        settle: bool = True,
    ) -> tuple[WorkbenchWidget, factories.Loader]:
        detail = detail or factories.detail()
        loader = loader or factories.standard_loader()
        widget = WorkbenchWidget(clock=factories.fixed_clock(), tz=factories.WIB, runner=runner)
        show(qtbot, widget)
        if service == "auto":
            service = catalogue.services.get(detail.service_code)
        widget.set_application(
            detail, service, catalogue.document_types, roles, factories.USER_ID, loader
        )
        if settle and detail.documents:
            settle_viewer(qtbot, widget.viewer)
        return widget, loader

    yield make
