"""Behaviour of the signed-in shell: background pull, connection state, scans, lock, open work.

Kept apart from `MainWindow` (layout) and from `app.py` (construction) so that each stays small:
this is the glue between the window's signals, the queue page, the workbench controller and the
services, always through the `TaskRunner`.

- Pull on start, on F5 and every `refresh_seconds`. While the server cannot be reached, a short
  health probe runs after capped, jittered backoff delays (`sync.Backoff`: 1, 2, 4, 8, 10 s …);
  the first answer pulls at once, so the app is back within seconds of the server.
- Numbers (scanned, or typed in the search box and Enter) open exactly that application, from
  the cache or else from the server; anything else opens nothing and the page says why.
- F1 shows every keyboard shortcut, wherever the focus is in the shell.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from desktop.domain.formatting import format_time
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ConnectionFailure, LoketError, SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.sync import Backoff, PullResult, SyncService
from desktop.services.tasks import TaskHandle, TaskRunner
from desktop.views.queue.queue_page import QueuePage
from desktop.views.shell.main_window import PAGE_QUEUE, MainWindow, remove_scanned_text
from desktop.views.shell.placeholder import counter_page
from desktop.views.shell.workbench_host import WorkbenchController
from desktop.views.workbench.shortcuts import ShortcutHelpDialog

log = logging.getLogger(__name__)


def _local_time(iso: str, tz: tzinfo | None) -> str:
    """The time of a stored ISO timestamp in the office's zone (None: the PC's)."""
    try:
        return format_time(datetime.fromisoformat(iso), tz)
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
        self._probe_handle: TaskHandle | None = None
        self.last_pull: PullResult | None = None
        self.backoff = Backoff()
        self.help_dialog: ShortcutHelpDialog | None = None

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
        self.probe_timer = QTimer(self)
        self.probe_timer.setSingleShot(True)
        self.probe_timer.timeout.connect(self._probe)

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
        window.scanned.connect(self._scanned)
        window.wedge.rejected_code.connect(self._scan_rejected)
        self.help_action = QAction(self.tr("Daftar pintasan keyboard"), window)
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.help_action.triggered.connect(self.show_shortcut_help)
        window.addAction(self.help_action)
        window.overlay.unlocked.connect(workbench.resume)
        window.overlay.unlocked.connect(self.pull)  # no pull ran while locked
        window.idle.idle.connect(workbench.pause)
        window.lock_action.triggered.connect(workbench.pause)
        queue.open_requested.connect(self.open_application)
        queue.number_requested.connect(self.open_number)
        queue.refresh_requested.connect(self.pull)
        workbench.closed.connect(self._workbench_closed)
        workbench.queue_changed.connect(self._reload_timer.start)
        workbench.session_expired.connect(self.session_expired)
        workbench.notice.connect(lambda text: self._tell(text, status_ms=30000))

    def start(self) -> None:
        self._show_sync_state()
        if not self.store.sync_state().last_pull_at:
            self.queue.set_loading(True)  # "Memuat antrean…", not "0 permohonan"
        self.pull()
        self.pull_timer.start()
        self.connection_timer.start()

    def stop(self) -> None:
        self.pull_timer.stop()
        self.connection_timer.stop()
        self.probe_timer.stop()
        for handle in (self._pull_handle, self._probe_handle):
            if handle is not None:
                handle.cancel()

    # -- pull --------------------------------------------------------------------------------

    @property
    def pulling(self) -> bool:
        return self._pull_handle is not None and not self._pull_handle.finished

    def pull(self) -> None:
        if self.pulling or self.window.locked:
            return
        self.window.set_sync(self.tr("Memperbarui antrean…"))
        self._pull_handle = self.runner.submit(
            self.tr("Memperbarui antrean"),
            self.sync.pull,
            on_done=self._pulled,
            on_error=self._pull_error,
        )

    def _pulled(self, result: PullResult) -> None:
        self.last_pull = result
        self._show_sync_state()
        if result.skipped:
            self.window.show_status_message(result.summary)
        if result.pulled or self.queue.model.rowCount() == 0:
            self.queue.reload()
        self.queue.set_loading(False)
        self.pulled.emit(result)

    def _pull_error(self, exc: Exception) -> None:
        if isinstance(exc, SessionExpired):
            self.session_expired(exc.message)
        message = exc.message if isinstance(exc, LoketError) else str(exc)
        log.warning("pull failed: %s", message)
        self._show_sync_state(error=message)
        # Pages saved before the failure are shown; the next pull resumes after them.
        self.queue.reload()
        self.queue.set_loading(False, message)
        self.pull_failed.emit(message)
        if isinstance(exc, ConnectionFailure):
            self._schedule_probe()

    def _show_sync_state(self, error: str = "") -> None:
        state = self.store.sync_state()
        if state.last_pull_at:
            text = self.tr("Antrean diperbarui pukul %1").replace(
                "%1", _local_time(state.last_pull_at, self.workbench.tz)
            )
        else:
            text = self.tr("Antrean belum pernah diperbarui")
        sending = self.runner_pending()
        if sending:
            text += self.tr(" \u2022 %1 keputusan sedang dikirim").replace("%1", str(sending))
        if error:
            text += self.tr(" \u2022 pembaruan terakhir gagal")
        self.window.set_sync(
            text,
            error
            or self.tr(
                "Antrean di komputer ini diperbarui dari server setiap %1 detik dan dengan F5."
            ).replace("%1", str(self.pull_timer.interval() // 1000)),
        )

    def runner_pending(self) -> int:
        """Decisions still on their way to the server."""
        return sum(1 for h in self.runner.active() if h.name == self.tr("Menyimpan keputusan"))

    def _show_connection(self) -> None:
        state = self.api.connection
        stale = state.at and time.time() - state.at > 300
        self.window.set_connection(None if stale else state.online, state.message)
        if state.online is False:
            self._schedule_probe()

    # -- reconnect ---------------------------------------------------------------------------

    @property
    def probing(self) -> bool:
        return self.probe_timer.isActive() or (
            self._probe_handle is not None and not self._probe_handle.finished
        )

    def _schedule_probe(self) -> None:
        """Offline: ask again after the next backoff delay (one probe at a time)."""
        if self.probing:
            return
        delay = self.backoff.next_delay()
        log.info("server unreachable; next probe in %.1f s", delay)
        self.probe_timer.start(max(1, round(delay * 1000)))

    def _probe(self) -> None:
        self._probe_handle = self.runner.submit(
            self.tr("Memeriksa sambungan ke server"),
            self.sync.probe,
            on_done=self._probed,
            on_error=lambda _exc: self._probed(False),
            quiet=True,
        )

    def _probed(self, reachable: bool) -> None:
        self._probe_handle = None
        if not reachable:
            self._schedule_probe()
            return
        log.info("server reachable again after %d probe(s)", self.backoff.attempts)
        self.backoff.reset()
        self._show_connection()
        self.pull()

    # -- opening -----------------------------------------------------------------------------

    def open_application(self, app_id: str) -> None:
        self.window.show_flow_page(self.workbench.host)
        self.workbench.open(app_id)

    def open_number(self, number: str) -> None:
        """An exact registration (or provisional) number: open it from the cache, or ask the
        server; nothing else is opened, and the person is told what happened."""
        app_id = self.queue.model.find_number(number)
        if app_id:
            self.queue.clear_notice()
            self.open_application(app_id)
            return
        searching = self.tr("Nomor %1 tidak ada di komputer ini. Mencari di server…").replace(
            "%1", number
        )
        self._tell(searching, kind="info", status_ms=30000)

        def found(summary: object) -> None:
            self._take_back(searching)
            app = getattr(summary, "id", None)
            if isinstance(app, str):
                self.queue.clear_notice()
                self.open_application(app)
            else:
                self._tell(
                    self.tr(
                        "Nomor %1 tidak ditemukan, di komputer ini maupun di server. "
                        "Tidak ada permohonan yang dibuka."
                    ).replace("%1", number)
                )

        def failed(exc: Exception) -> None:
            self._take_back(searching)
            message = exc.message if isinstance(exc, LoketError) else str(exc)
            self._tell(
                self.tr("Nomor %1 tidak ada di komputer ini, dan server tidak dapat ditanya: %2")
                .replace("%1", number)
                .replace("%2", message),
                kind="error",
            )

        self.runner.submit(
            self.tr("Mencari permohonan"),
            lambda _ctx: self.apps.find_by_number(number),
            on_done=found,
            on_error=failed,
        )

    def _scanned(self, number: str) -> None:
        """The reader read a valid number (its characters already taken out of the field)."""
        self.queue.after_scan()
        self.open_number(number)

    def _scan_rejected(self, code: str, why: str) -> None:
        """A scan that is not a registration number: take it out of the field it was typed
        into, open nothing, and say so."""
        remove_scanned_text(QApplication.focusWidget(), code)
        self.queue.after_scan()
        shown = code if len(code) <= 40 else code[:39] + "…"
        self._tell(
            self.tr(
                "Kode yang dipindai (%1) bukan nomor pendaftaran yang sah: %2. "
                "Tidak ada permohonan yang dibuka."
            )
            .replace("%1", shown)
            .replace("%2", why)
        )

    def _tell(self, text: str, *, kind: str = "warning", status_ms: int = 10000) -> None:
        """On the queue page when it is on screen, and in the status bar."""
        if self.window.stack.currentWidget() is self.queue:
            self.queue.show_notice(text, kind)
        self.window.show_status_message(text, status_ms)

    def _take_back(self, text: str) -> None:
        """Remove a status-bar message whose work has ended (if nothing replaced it)."""
        self.window.clear_status_message(text)
        if self.queue.notice_label.text() == text:
            self.queue.clear_notice()

    def show_shortcut_help(self) -> None:
        """F1, anywhere in the shell: every shortcut, the shell's and the workbench's."""
        if self.window.locked:
            return
        if self.help_dialog is None:
            self.help_dialog = ShortcutHelpDialog(self.window)
        self.help_dialog.show()
        self.help_dialog.activateWindow()

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
