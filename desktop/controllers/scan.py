"""The scan dialog's work (issue 12): devices, scan runs and the export, off the GUI thread.

`ScanController` owns the `ScanBatch` of one dialog. It lists devices and asks capabilities
on the "scanner" lane (a network scanner may take its full timeout to answer: the default
lane's claims and pulls must not wait behind it), runs `scan_run.run_scan` there as an `Op`,
and hands every processed page to the GUI thread the moment the pipeline has written it
(a queued signal), so pages appear while the feeder still runs. A device fault is not an
exception here: `run_scan` returns it in `ScanOutcome.error`; the pages already scanned stay in
the batch and `failed` carries the Indonesian sentence. The officer can scan again into the
same batch.

"Buang halaman kosong" is applied by the batch, not by the run: the run keeps blank pages
(`run_scan` with removal off) and the batch marks them `dropped_blank`, so a blank separator
sheet is still there for "Pisah di lembar kosong" and still left out of the PDFs.

The page editor changes the batch directly (every change is cheap, on the GUI thread) and
listens to `changed`. A thumbnail is made on the worker right after the page is written.

A hot folder ("folder:" device) is watched while the dialog is open (`watch_folder`):
watchdog's thread says a file appeared; `files_arrived` carries its name to the GUI thread
(a signal across threads is queued), and the dialog offers to take it.

Closing mid-run (`close`) cancels the run and removes the batch's files; the worker ends on its
own (the SANE driver stops at the next line, a hot folder at its next poll) and removes its
run folder. Nothing the worker sends after that reaches the closed batch.
"""

from __future__ import annotations

import itertools
import logging
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from PIL import Image
from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.services.operations import Op, OpKind
from desktop.services.scanning.batch import ScanBatch
from desktop.services.scanning.device import (
    CancelToken,
    Capabilities,
    Paper,
    ScanError,
    ScannerBackend,
    ScannerInfo,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.pipeline import ProcessedPage, thumbnail
from desktop.services.scanning.scan_run import ScanOutcome, run_scan
from desktop.services.scanning.sigpipe import make_sigpipe_harmless
from desktop.services.tasks import TaskContext, TaskRunner

FOLDER_PREFIX = "folder:"

log = logging.getLogger(__name__)

SCANNER_LANE = "scanner"
THUMBNAIL_SIDE = 160


class ScannerDirectory(Protocol):
    """What the controller needs of `registry.Scanners`."""

    def devices(self) -> list[ScannerInfo]: ...

    def backend_for(self, device_id: str) -> ScannerBackend: ...


@dataclass(frozen=True)
class _Arrival:
    run: int
    page: ProcessedPage
    thumb: Image.Image | None


class ScanController(QObject):
    devices_listed = Signal(list)
    """list[ScannerInfo], in the registry's order."""
    devices_failed = Signal(str)
    capabilities_known = Signal(str, object)
    """(device id, Capabilities)."""
    capabilities_failed = Signal(str, str)
    """(device id, Indonesian message)."""
    started = Signal()
    page_added = Signal(int)
    """Index in the batch of a page that just arrived (or was replaced by a rescan)."""
    progress = Signal(int, str)
    """(pages so far in this run, "Halaman 3 …")."""
    failed = Signal(str)
    """A run ended with a device fault: its Indonesian sentence. The pages stay."""
    finished = Signal(object)
    """The run's `ScanOutcome` (after `failed`, if any)."""
    changed = Signal()
    """The batch changed (any edit, undo, redo or arrival)."""
    exported = Signal(dict)
    """{requirement code: Path} of the PDFs written by `export`."""
    export_failed = Signal(str)
    files_arrived = Signal(str)
    """A file's name that just appeared in the watched hot folder (it may still be written)."""

    _arrived = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        scanners: ScannerDirectory,
        batch: ScanBatch,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.scanners = scanners
        self.batch = batch
        runner.add_lane(SCANNER_LANE, 2)  # a scan and a device listing side by side
        self._runs = itertools.count(1)
        self._run = 0  # the run whose pages are awaited; 0: none
        self._run_count = 0
        self._paper = Paper.A4
        self._remove_blank = False
        self._duplex = False
        self._replace_key: int | None = None
        self._cancel: CancelToken | None = None
        self._thumbs: dict[Path, Image.Image] = {}
        self.exporting = False
        self._watch: _Watch | None = None
        batch.subscribe(self.changed.emit)
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)

    # -- devices ------------------------------------------------------------------------------

    def list_devices(self) -> None:
        scanners = self.scanners
        Op(
            OpKind.SCAN,
            self.tr("Mencari pemindai"),
            lambda _ctx: scanners.devices(),
            lane=SCANNER_LANE,
        ).success(self.devices_listed.emit).failure(
            lambda _exc, message: self.devices_failed.emit(message)
        ).relevant_while(self._open).run(self.runner)

    def ask_capabilities(self, device_id: str) -> None:
        scanners = self.scanners

        def ask(_ctx: TaskContext) -> Capabilities:
            return scanners.backend_for(device_id).capabilities(device_id)

        Op(OpKind.SCAN, self.tr("Membaca kemampuan pemindai"), ask, lane=SCANNER_LANE).success(
            lambda caps: self.capabilities_known.emit(device_id, caps)
        ).failure(
            lambda _exc, message: self.capabilities_failed.emit(device_id, message)
        ).relevant_while(self._open).run(self.runner)

    # -- scanning -----------------------------------------------------------------------------

    @property
    def scanning(self) -> bool:
        return self._run != 0

    def scan(
        self, device_id: str, settings: ScanSettings, *, replace_key: int | None = None
    ) -> bool:
        """Start a run into the batch; with `replace_key`, only its first page replaces that
        page (rescan one page) and the run stops there. False while another run is going."""
        if self.scanning or self.batch.closed:
            return False
        # A print preview may have left SIGPIPE ignored, which libsane turns into deadly at the
        # end of its reader thread: put the guard back before the run (and after, `_ended`).
        make_sigpipe_harmless()
        run = next(self._runs)
        self._run, self._run_count = run, 0
        self._paper = settings.paper
        self._remove_blank = settings.remove_blank
        self._duplex = settings.source is Source.DUPLEX
        run_settings = replace(settings, remove_blank=False)  # the batch drops them (module)
        self._replace_key = replace_key
        cancel = self._cancel = CancelToken()
        folder = self.batch.folder / f"run-{run:03d}"
        scanners, emit, batch = self.scanners, self._arrived.emit, self.batch

        def on_page(page: ProcessedPage) -> None:  # on the worker
            if batch.closed:  # the dialog is gone: stop; the run folder goes below
                cancel.cancel()
                return
            emit(_Arrival(run, page, _thumbnail(page)))
            if replace_key is not None:
                cancel.cancel()  # one page is all a rescan wants

        def work(_ctx: TaskContext) -> ScanOutcome:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                backend = scanners.backend_for(device_id)
            except ScanError as exc:
                return ScanOutcome(error=exc)
            outcome = run_scan(backend, device_id, run_settings, cancel, folder, on_page)
            if batch.closed:  # the dialog closed mid-run: its files go with the batch
                shutil.rmtree(folder, ignore_errors=True)
            return outcome

        self.started.emit()
        self.progress.emit(0, self.tr("Memulai pemindaian…"))
        Op(OpKind.SCAN, self.tr("Memindai"), work, lane=SCANNER_LANE).success(
            lambda outcome: self._ended(run, outcome)
        ).failure(lambda exc, message: self._ended(run, ScanOutcome(), message)).relevant_while(
            self._open
        ).run(self.runner)
        return True

    def cancel(self) -> None:
        """Stop the run at the next page boundary (pages so far are kept)."""
        if self._cancel is not None:
            self._cancel.cancel()

    @Slot(object)
    def _on_arrived(self, arrival: object) -> None:
        assert isinstance(arrival, _Arrival)
        if arrival.run != self._run or self.batch.closed:
            return  # a run that was given up (the dialog closed)
        self._take(arrival.page, arrival.thumb)

    def _take(self, page: ProcessedPage, thumb: Image.Image | None) -> None:
        if thumb is not None:
            self._thumbs[page.path] = thumb
        self._run_count += 1
        if self._replace_key is not None:
            index = self.batch.index_of(self._replace_key)
            if self._run_count > 1 or index is None:
                return  # a rescan keeps only its first page (its target may be gone: undo)
            self.batch.replace(index, page, self._paper, remove_blank=self._remove_blank)
        else:
            back = self._duplex and self._run_count % 2 == 0  # sides come front, back, ...
            index = self.batch.add(page, self._paper, remove_blank=self._remove_blank, back=back)
        self.page_added.emit(index)
        self.progress.emit(
            self._run_count, self.tr("Halaman %1 …").replace("%1", str(self._run_count))
        )

    def _ended(self, run: int, outcome: ScanOutcome, unexpected: str = "") -> None:
        make_sigpipe_harmless()  # on the GUI thread, once libsane's threads have ended
        if run != self._run:
            return
        # Pages whose queued arrival has not been seen (none expected: the signal is queued
        # before the op's result) are taken from the outcome, so none is ever lost.
        for page in outcome.pages[self._run_count :]:
            self._take(page, None)
        rescan = self._replace_key is not None
        self._run, self._cancel, self._replace_key = 0, None, None
        error = outcome.error
        if unexpected:
            self.failed.emit(unexpected)
        elif error is not None and error.problem is ScanProblem.CANCELLED:
            if not rescan:
                self.progress.emit(self._run_count, error.message)
        elif error is not None:
            log.info("scan ended by %s after %d pages", error.problem.value, len(outcome.pages))
            self.progress.emit(
                self._run_count, self.tr("Terhenti: %n halaman terpindai.", "", self._run_count)
            )
            self.failed.emit(error.message)
        elif not outcome.pages:
            self.progress.emit(0, self.tr("Tidak ada halaman yang terpindai."))
        else:
            self.progress.emit(
                self._run_count, self.tr("Selesai: %n halaman.", "", self._run_count)
            )
        self.finished.emit(outcome)

    def thumbnail_of(self, page: ProcessedPage) -> Image.Image | None:
        """The thumbnail made on the worker (None if it could not be made)."""
        return self._thumbs.get(page.path)

    # -- export -------------------------------------------------------------------------------

    def export(self, target_dir: Path) -> bool:
        """One PDF per requirement with pages, on a worker; `exported` or `export_failed`."""
        if self.exporting or self.scanning or self.batch.closed:
            return False
        snapshot = self.batch.snapshot()
        self.exporting = True

        def done(result: dict[str, Path]) -> None:
            self.exporting = False
            self.exported.emit(result)

        def failed(_exc: Exception, message: str) -> None:
            self.exporting = False
            self.export_failed.emit(message)

        Op(
            OpKind.SCAN,
            self.tr("Menyusun PDF"),
            lambda _ctx: snapshot.export_all(target_dir),
            lane=SCANNER_LANE,
        ).success(done).failure(failed).relevant_while(self._open).run(self.runner)
        return True

    # -- the hot folder -----------------------------------------------------------------------

    def watch_folder(self, device_id: str) -> bool:
        """Watch the hot folder `device_id` until `close` (or another folder is watched).
        False when it is no hot folder or cannot be watched (the scan will say why)."""
        if not device_id.startswith(FOLDER_PREFIX) or self.batch.closed:
            return False
        if self._watch is not None and self._watch.device_id == device_id:
            return True
        self._stop_watch()
        try:
            backend = self.scanners.backend_for(device_id)
            watch = getattr(backend, "watch", None)
            if not callable(watch):
                return False
            arrived = self.files_arrived.emit
            handle = watch(lambda path: arrived(Path(path).name))  # watchdog's thread
        except (ScanError, OSError) as exc:
            log.info("hot folder not watched: %s", exc)
            return False
        self._watch = _Watch(device_id, handle)
        return True

    @property
    def watched_folder(self) -> str:
        """The hot folder device being watched ("" when none)."""
        return self._watch.device_id if self._watch is not None else ""

    def _stop_watch(self) -> None:
        if self._watch is not None:
            stop = getattr(self._watch.handle, "stop", None)
            if callable(stop):
                stop()
            self._watch = None

    # -- closing ------------------------------------------------------------------------------

    def _open(self) -> bool:
        return not self.batch.closed

    def close(self) -> None:
        """Stop any run and remove the batch's page files (exported PDFs stay)."""
        self.cancel()
        self._stop_watch()
        self._run = 0
        self._thumbs.clear()
        self.batch.close()


@dataclass(frozen=True)
class _Watch:
    device_id: str
    handle: object  # hot_folder.FolderWatch (stop())


def _thumbnail(page: ProcessedPage) -> Image.Image | None:
    try:
        return thumbnail(page, THUMBNAIL_SIDE)
    except Exception:  # the editor shows a placeholder; the page itself is fine
        log.warning("no thumbnail for %s", page.path.name, exc_info=True)
        return None
