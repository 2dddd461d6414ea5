""" "Pindai" where the operator attaches a document outside the intake form (issue 12): a
returned requirement in the revision panel, a representative's surat kuasa at handover.

Both open the one scan dialog (`views.scan.dialog.ScanDialog`) and take its PDFs as files,
exactly as if they had been chosen with "Tambah berkas…". The PDFs live in a temporary
folder until they are copied into the outbox (`services.revision.keep_file`, the handover's
letter likewise); `ScanFolders` removes those folders when they are no longer needed (the
dialog closed without pages, the application left, the session over).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from desktop.controllers.scan import ScannerDirectory
from desktop.services.scanning.registry import Scanners
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.scan.dialog import ScanDialog

FOLDER_PREFIX = "loket-scan-"


class ScanAccess:
    """What a "Pindai" button needs: the app's runner, this PC's settings as last saved (the
    dialog remembers the scanner and profiles in them) and how to save them."""

    def __init__(
        self,
        runner: TaskRunner,
        settings: Settings,
        save: Callable[[Settings], None],
        *,
        scanners: Callable[[Settings], ScannerDirectory] = Scanners,
    ) -> None:
        self.runner = runner
        self.settings = settings
        self._save = save
        self.scanners = scanners

    def saved(self, settings: Settings) -> None:
        """The dialog changed the settings: kept here and saved for the whole app."""
        self.settings = settings
        self._save(settings)


class ScanFolders:
    """Temporary folders of scanned PDFs, removed on request (never one still in use)."""

    def __init__(self) -> None:
        self.folders: list[Path] = []

    def new(self) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        self.folders.append(folder)
        return folder

    def remove(self, folder: Path) -> None:
        if folder in self.folders:
            self.folders.remove(folder)
        shutil.rmtree(folder, ignore_errors=True)

    def remove_all(self) -> None:
        for folder in list(self.folders):
            self.remove(folder)


def scan_documents(
    access: ScanAccess,
    folders: ScanFolders,
    requirements: Sequence[tuple[str, str]],
    requirement: str | None,
    parent: QWidget,
) -> dict[str, Path]:
    """Open the scan dialog (modal) and return {requirement code: PDF}; {} when closed
    without attaching (its folder is removed then)."""
    folder = folders.new()
    dialog = ScanDialog(
        access.runner,
        access.scanners(access.settings),
        requirements,
        settings=access.settings,
        folder=folder,
        requirement=requirement,
        parent=parent,
    )
    dialog.settingsChanged.connect(access.saved)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        found = dict(dialog.attachments) if accepted else {}
    finally:
        dialog.deleteLater()
    if not found:
        folders.remove(folder)
    return found
