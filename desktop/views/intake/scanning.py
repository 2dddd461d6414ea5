""" "Pindai" on the intake checklist: what the page needs to open the scan dialog.

The page gets a `ScanSetup` from the wiring (the session's runner, this PC's scanners and
settings, how to save a changed setting) or none (then "Pindai" is off). The dialog is opened
window-modal with `open()`, not `exec()`: no nested event loop under the page's own workers,
and the result comes back through `finished`. Each scan gets a fresh temporary folder; the
caller hands the returned PDFs and the folder to the controller, which attaches them and
removes the folder.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from desktop.controllers.scan import ScannerDirectory
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.scan.dialog import ScanDialog


def new_scan_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="loket-scan-"))


@dataclass
class ScanSetup:
    """`scanners()` is called once per dialog (the registry lists devices on demand);
    `settings()` is this PC's settings as saved now; `save` keeps a changed one (a profile, the
    last device)."""

    runner: TaskRunner
    scanners: Callable[[], ScannerDirectory]
    settings: Callable[[], Settings]
    save: Callable[[Settings], None]
    folder: Callable[[], Path] = field(default=new_scan_folder)


def open_scan_dialog(
    parent: QWidget,
    setup: ScanSetup,
    requirements: Sequence[tuple[str, str]],
    requirement: str,
    done: Callable[[dict[str, Path], Path], None],
) -> ScanDialog:
    """The dialog for `requirements` ((code, name) in checklist order), new pages going to
    `requirement`. On "Lampirkan", `done(attachments, folder)`; otherwise the folder is removed
    here (nothing was attached)."""
    folder = setup.folder()
    dialog = ScanDialog(
        setup.runner,
        setup.scanners(),
        requirements,
        settings=setup.settings(),
        folder=folder,
        requirement=requirement,
        parent=parent,
    )
    dialog.settingsChanged.connect(setup.save)

    def finished(result: int) -> None:
        attachments = dict(dialog.attachments)
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and attachments:
            done(attachments, folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog
