"""Screenshots of the shell for docs/screenshots/ at 1366x768, from the real app and server.

    QT_QPA_PLATFORM=offscreen python -m tests.gui.shell_screenshots [out_dir]

Starts a seeded reference server (tests/live_server.py), signs in as verifier1 with an in-memory
keyring and private config/data dirs, and saves signin.png (the dialog centred on a 1366x768
screen), queue.png and workbench_in_shell.png (the main window at 1366x768).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = Path(tempfile.mkdtemp(prefix="loket-shots-"))
os.environ["LOKET_CONFIG_DIR"] = str(_tmp / "config")
os.environ["LOKET_DATA_DIR"] = str(_tmp / "data")

from PySide6.QtCore import QEventLoop, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.app import LoketApp  # noqa: E402
from desktop.settings import load_settings  # noqa: E402
from tests.desktop.support import MemoryKeyring  # noqa: E402
from tests.live_server import start_server  # noqa: E402

SIZE = (1366, 768)


def wait(app: QApplication, condition: object = None, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if callable(condition) and condition():
            return
        time.sleep(0.01)
    if callable(condition):
        raise TimeoutError("condition not met")


def main(out_dir: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    with start_server(applications=300) as server:
        settings = load_settings().with_changes(server_url=server.url,
                                                last_username="verifier1")
        loket = LoketApp(settings, keyring_backend=MemoryKeyring())
        loket.start()
        dialog = loket.signin_dialog
        assert dialog is not None
        dialog.adjustSize()
        dialog.resize(max(dialog.width(), 460), dialog.sizeHint().height())
        wait(app, seconds=0.5)
        screen = QPixmap(*SIZE)
        screen.fill(QColor("#1b2a3a"))
        painter = QPainter(screen)
        shot = dialog.grab()
        painter.drawPixmap(QPoint((SIZE[0] - shot.width()) // 2,
                                  (SIZE[1] - shot.height()) // 2), shot)
        painter.end()
        screen.save(str(out_dir / "signin.png"))

        dialog.password_edit.setText("loket-demo")
        dialog.submit()
        wait(app, lambda: loket.window is not None)
        window = loket.window
        assert window is not None and loket.shell is not None
        window.resize(*SIZE)
        wait(app, lambda: loket.shell.last_pull is not None and not loket.shell.pulling)
        page = loket.queue_page
        assert page is not None
        page.status_buttons[""].click()
        wait(app, lambda: bool(page.counts), 5)
        wait(app, seconds=1.5)  # office names, counts, connection state
        page.table.selectRow(2)
        window.grab().save(str(out_dir / "queue.png"))

        page.status_buttons["submitted"].click()
        wait(app, seconds=0.3)
        page.table.setFocus()
        page.table.selectRow(0)
        page.open_requested.emit(page.model.id_at(0) or "")
        assert loket.workbench is not None
        wb = loket.workbench.workbench
        wait(app, lambda: wb.application is not None and not wb.busy)
        wait(app, seconds=2.5)  # first page rendered by the viewer
        window.grab().save(str(out_dir / "workbench_in_shell.png"))
        loket.shutdown()
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
