"""Behaviour of the signed-in shell: background pull, connection state, scans, lock, open work.

Kept apart from `MainWindow` (layout) and from `app.py` (construction) so that each stays small:
this is the glue between the window's signals, the queue page, the workbench controller and the
services, always through the `TaskRunner`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import LoketError, SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.sync import PullResult, SyncService
from desktop.services.tasks import TaskHandle, TaskRunner
from desktop.views.queue.queue_page import QueuePage
from desktop.views.shell.main_window import PAGE_QUEUE, MainWindow
from desktop.views.shell.placeholder import counter_page
from desktop.views.shell.workbench_host import WorkbenchController

log = logging.getLogger(__name__)


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H.%M")
    except ValueError:
        return iso


class ShellController(QObject):
    """Runs the signed-in session's background behaviour."""

    pulled = Signal(object)  # PullResult
    pull_failed = Signal(str)

    def __init__(
        self,
        window: MainWindow,
        queue: QueuePage,
        workbench: WorkbenchController,
        runner: TaskRunner,
        api: ApiClient,
        sync: SyncService,
        apps: ApplicationService,
        store: Store,
        *,
        refresh_seconds: int = 60,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.queue = queue
        self.workbench = workbench
        self.runner = runner
        self.api = api
        self.sync = sync
        self.apps = apps
        self.store = store
        self._pull_handle: TaskHandle | None = None
        self.last_pull: PullResult | None = None

        self.pull_timer = QTimer(self)
        self.pull_timer.setInterval(refresh_seconds * 1000)
        self.pull_timer.timeout.connect(self.pull)
        self.connection_timer = QTimer(self)
        self.connection_timer.setInterval(1000)
        self.connection_timer.timeout.connect(self._show_connection)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.queue.reload)

        # The workbench continues the queue: "Antrean" stays highlighted while it is open.
        host = workbench.host
        counter = window.page_index(host)
        if counter is not None:  # listed as the "Loket" page (counter intake): not its place
            window.replace_page(counter, counter_page())
        window.add_flow_page(host, PAGE_QUEUE)
        window.flow_back_requested.connect(self._flow_back)
        workbench.set_office_names(self._office_name)

        window.refresh_requested.connect(self.pull)
        window.search_action.triggered.connect(self._focus_search)
        window.scanned.connect(self.open_number)
        window.overlay.unlocked.connect(workbench.resume)
        window.idle.idle.connect(workbench.pause)
        window.lock_action.triggered.connect(workbench.pause)
        queue.open_requested.connect(self.open_application)
        queue.refresh_requested.connect(self.pull)
        workbench.closed.connect(self._workbench_closed)
        workbench.queue_changed.connect(self._reload_timer.start)
        workbench.session_expired.connect(self.session_expired)

    def start(self) -> None:
        self._show_sync_state()
        self.pull()
        self.pull_timer.start()
        self.connection_timer.start()

    def stop(self) -> None:
        self.pull_timer.stop()
        self.connection_timer.stop()
        if self._pull_handle is not None:
            self._pull_handle.cancel()

    # -- pull --------------------------------------------------------------------------------

    @property
    def pulling(self) -> bool:
        return self._pull_handle is not None and not self._pull_handle.finished

    def pull(self) -> None:
        if self.pulling or self.window.locked:
            return
        self.window.set_sync(self.tr("Menarik perubahan…"))
        self._pull_handle = self.runner.submit(
            self.tr("Menarik perubahan antrean"),
            self.sync.pull,
            on_done=self._pulled,
            on_error=self._pull_error,
            cancellable=True,
        )

    def _pulled(self, result: PullResult) -> None:
        self.last_pull = result
        self._show_sync_state()
        if result.skipped:
            self.window.show_status_message(result.summary)
        if result.pulled or self.queue.model.rowCount() == 0:
            self.queue.reload()
        self.pulled.emit(result)

    def _pull_error(self, exc: Exception) -> None:
        if isinstance(exc, SessionExpired):
            self.session_expired(exc.message)
        message = exc.message if isinstance(exc, LoketError) else str(exc)
        log.warning("pull failed: %s", message)
        self._show_sync_state(error=message)
        # Pages saved before the failure are shown; the next pull resumes after them.
        self.queue.reload()
        self.pull_failed.emit(message)

    def _show_sync_state(self, error: str = "") -> None:
        state = self.store.sync_state()
        when = _local_time(state.last_pull_at) if state.last_pull_at else self.tr("belum pernah")
        pending = self.runner_pending()
        text = (
            self.tr("Tarik terakhir: %1 \u2022 tertunda: %2")
            .replace("%1", when)
            .replace("%2", str(pending))
        )
        if error:
            text += self.tr(" \u2022 penarikan gagal")
        self.window.set_sync(
            text,
            error or self.tr("Urutan perubahan terakhir: %1").replace("%1", str(state.last_seq)),
        )

    def runner_pending(self) -> int:
        """Decisions still on their way to the server."""
        return sum(1 for h in self.runner.active() if h.name == self.tr("Menyimpan keputusan"))

    def _show_connection(self) -> None:
        state = self.api.connection
        stale = state.at and time.time() - state.at > 300
        self.window.set_connection(None if stale else state.online, state.message)

    # -- opening -----------------------------------------------------------------------------

    def open_application(self, app_id: str) -> None:
        self.window.show_flow_page(self.workbench.host)
        self.workbench.open(app_id)

    def open_number(self, number: str) -> None:
        """A scanned registration number: open it from the cache, or ask the server."""
        app_id = self.queue.model.find_number(number)
        if app_id:
            self.open_application(app_id)
            return
        self.window.show_status_message(self.tr("Mencari %1 di server…").replace("%1", number))

        def found(summary: object) -> None:
            app = getattr(summary, "id", None)
            if isinstance(app, str):
                self.open_application(app)
            else:
                self.window.show_status_message(
                    self.tr("Permohonan %1 tidak ditemukan.").replace("%1", number)
                )

        def failed(exc: Exception) -> None:
            message = exc.message if isinstance(exc, LoketError) else str(exc)
            self.window.show_status_message(message)

        self.runner.submit(
            self.tr("Mencari permohonan"),
            lambda _ctx: self.apps.find_by_number(number),
            on_done=found,
            on_error=failed,
        )

    def _workbench_closed(self) -> None:
        """Back to the list where the person left it: same selection, same scroll."""
        self.window.show_page(PAGE_QUEUE)
        self.queue.reload()
        self.queue.table.setFocus()

    def _flow_back(self, page: object) -> None:
        """A click on "Antrean" while an application is open: the same as Tutup."""
        if page is self.workbench.host:
            self.workbench.close()

    def _focus_search(self) -> None:
        """Ctrl+F looks for another application: close the open one (releasing its claim)
        rather than leave it claimed out of sight."""
        if self.workbench.current_id is not None:
            self.workbench.close()
        self.window.show_page(PAGE_QUEUE)
        self.queue.focus_search()

    def _office_name(self, code: str) -> str | None:
        """Names come with the queue's office list (loaded after sign-in)."""
        return self.queue.model.office_names.get(code)

    def session_expired(self, message: str) -> None:
        self.workbench.pause()
        self.window.lock("reauth", message)
