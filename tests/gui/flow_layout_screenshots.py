"""Screenshots of the two rows laid out by the flow layout, to compare before/after a change:

    QT_QPA_PLATFORM=offscreen python -m tests.gui.flow_layout_screenshots OUT_DIR

Saves the queue page's top (status tabs and filter bar) and the workbench's header (claim line)
and applicant panel (contact row), each at a wide and a narrow width; `--compare A B` then says
which pictures differ pixel by pixel.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from desktop.domain.catalogue import load_catalogue
from desktop.domain.workflow import Role
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.services.tasks import TaskRunner
from desktop.views.queue.queue_page import QueuePage
from desktop.views.workbench import WorkbenchWidget
from tests.gui.workbench import factories

WIDTHS = (1216, 874, 600)


def settle(ms: int = 300) -> None:
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QCoreApplication.processEvents()


def region(widget: QWidget, top: QWidget, bottom: QWidget) -> QRect:
    """From the top of `top` to the bottom of `bottom`, full width, in `widget` coordinates."""
    y0 = top.mapTo(widget, top.rect().topLeft()).y()
    y1 = bottom.mapTo(widget, bottom.rect().bottomLeft()).y()
    return QRect(0, max(0, y0 - 4), widget.width(), y1 - y0 + 9)


def render(out: Path) -> list[Path]:
    QApplication.instance() or QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    runner = TaskRunner()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "cache.sqlite3")
        page = QueuePage(QueueModel(store, user_id="me"), runner, user_id="me")
        for width in WIDTHS:
            page.resize(width, 600)
            page.show()
            settle()
            buttons = list(page.status_buttons.values())
            path = out / f"queue_tabs_{width}.png"
            page.grab(region(page, buttons[0], page.search_edit)).save(str(path))
            saved.append(path)
        page.close()
        runner.shutdown()
        store.close()

    catalogue = load_catalogue()
    detail = factories.detail()
    widget = WorkbenchWidget(clock=factories.fixed_clock(), tz=factories.WIB, runner=TaskRunner())
    widget.set_application(
        detail,
        catalogue.services[detail.service_code],
        catalogue.document_types,
        [Role.VERIFIER],
        factories.USER_ID,
        factories.standard_loader(),
        office_name="Kelurahan Kampung Melayu",
    )
    for width in (1366, 900):
        widget.resize(width, 768)
        widget.show()
        settle()
        header = widget.header
        path = out / f"workbench_header_{width}.png"
        header.grab().save(str(path))
        saved.append(path)
        path = out / f"workbench_applicant_{width}.png"
        widget.applicant_panel.grab().save(str(path))
        saved.append(path)
    widget.close()
    widget.runner.shutdown()
    return saved


def compare(a: Path, b: Path) -> list[str]:
    """Names of the pictures in `a` that differ from (or are missing in) `b`."""
    differ = []
    for left in sorted(a.glob("*.png")):
        right = b / left.name
        if not right.exists() or QImage(str(left)) != QImage(str(right)):
            differ.append(left.name)
    return differ


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        QApplication.instance() or QApplication(sys.argv[:1])
        names = compare(Path(sys.argv[2]), Path(sys.argv[3]))
        print("identical" if not names else "differ: " + ", ".join(names))
    else:
        for p in render(Path(sys.argv[1])):
            print(p)
