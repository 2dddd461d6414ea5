"""Render docs/screenshots/workbench.png: the workbench at 1366x768 (the common counter-PC
resolution) with a realistic application. Run from the repository root:

    QT_QPA_PLATFORM=offscreen python -m tests.gui.workbench.screenshot [output.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer
from PySide6.QtWidgets import QApplication

from desktop.domain.catalogue import load_catalogue
from desktop.domain.workflow import Role
from desktop.services.tasks import TaskRunner
from desktop.views.workbench import WorkbenchWidget
from tests.gui.workbench import factories

DEFAULT_OUTPUT = Path("docs/screenshots/workbench.png")


def _settle(widget: WorkbenchWidget, timeout_ms: int = 15_000) -> None:
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < timeout_ms:
        QCoreApplication.processEvents()
        widget.runner.wait_idle(50)
        QCoreApplication.processEvents()
        viewer = widget.viewer
        if not viewer.is_busy and viewer.page_visible and widget.fetcher.pending == 0:
            break


def render(output: Path = DEFAULT_OUTPUT) -> Path:
    app = QApplication.instance() or QApplication(sys.argv)
    catalogue = load_catalogue()
    detail = factories.detail()
    widget = WorkbenchWidget(clock=factories.fixed_clock(), tz=factories.WIB, runner=TaskRunner())
    widget.resize(1366, 768)
    widget.show()
    widget.set_application(
        detail,
        catalogue.services[detail.service_code],
        catalogue.document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        factories.standard_loader(),
        office_name="Kelurahan Kampung Melayu",
    )
    _settle(widget)
    # Show the KK (page 1, landscape) with the verifier part-way through the checklist.
    kk = next(d for d in detail.documents if d.requirement_code == "KK")
    widget.documents.activate(kk)
    _settle(widget)
    row = widget.checklist.row("KTP-EL")
    if row is not None:
        row.set_judgement(True)
    _settle(widget)
    output.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(output))
    widget.close()
    del app
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(render(target))
