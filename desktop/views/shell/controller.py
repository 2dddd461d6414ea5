"""The signed-in shell's widget wiring: status bar, pages, scans, shortcuts, focus.

Kept apart from `MainWindow` (layout) and from `assembly` (construction). What happens in the
background is decided elsewhere and only shown here:

- Pulls (on start, F5, every `refresh_seconds`, after the lock screen, after an outage) are
  scheduled by `controllers.sync.SyncController`; the connection state and the probes while
  the server cannot be reached by `controllers.connection.ConnectionWatch`. This class puts
  what they say in the status bar and on the queue page.
- The queue refreshes itself from the store's change events (`QueuePage`), so nothing here
  tells it to reload after a pull, a claim or a decision.
- Numbers (scanned, or typed in the search box and Enter) open exactly that application, from
  the cache or else from the server; anything else opens nothing and the page says why.
- F1 shows every keyboard shortcut, wherever the focus is in the shell.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from desktop.controllers.connection import ConnectionWatch
from desktop.controllers.sync import SyncController
from desktop.domain.records import ApplicationSummary
from desktop.services.applications import ApplicationService
from desktop.services.operations import Op, OpKind
from desktop.services.sync import PullResult
from desktop.services.tasks import TaskRunner
from desktop.views.intake.shortcuts import SHELL_HELP
from desktop.views.queue.queue_page import QueuePage
from desktop.views.shell.main_window import MainWindow, remove_scanned_text
from desktop.views.shell.placeholder import counter_page
from desktop.views.shell.workbench_host import WorkbenchBinding
from desktop.views.sync_page.count_button import OutboxCountButton
from desktop.views.workbench.shortcuts import ShortcutHelpDialog

log = logging.getLogger(__name__)


class ShellController(QObject):
    """Connects the window, the queue page, the workbench and the sync controllers."""

    def __init__(
        self,
        window: MainWindow,
        queue: QueuePage,
        workbench: WorkbenchBinding,
        runner: TaskRunner,
        apps: ApplicationService,
        sync: SyncController,
        connection: ConnectionWatch,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.queue = queue
        self.workbench = workbench
        self.runner = runner
        self.apps = apps
        self.sync = sync
        self.connection = connection
        self.help_dialog: ShortcutHelpDialog | None = None
        # What the pulls say, for the person's F5 and for tests waiting on a pull.
        self.pulled = sync.pulled
        self.pull_failed = sync.pull_failed

        # The workbench continues the queue: "Antrean" stays highlighted while it is open.
        host = workbench.host
        counter = window.page_index(host)
        if counter is not None:  # listed as the "Loket" page (counter intake): not its place
            window.replace_page(counter, counter_page())
        window.add_flow_page(host, queue)
        window.flow_back_requested.connect(self._flow_back)
        workbench.set_office_names(self._office_name)

        sync.state_changed.connect(window.set_sync)
        # The outbox's counts ("3 menunggu · 1 konflik"), always in the status bar; empty
        # (and hidden) when nothing waits. A click or Enter opens the Sinkronisasi page.
        self.outbox_label = OutboxCountButton(window)
        window.statusBar().insertPermanentWidget(1, self.outbox_label)
        sync.outbox_changed.connect(self._outbox_changed)
        sync.loading_changed.connect(queue.set_loading)
        sync.pulled.connect(self._pulled)
        sync.session_expired.connect(self.session_expired)
        connection.changed.connect(window.set_connection)
        connection.offline_changed.connect(window.set_offline)  # the "Mode luring" banner
        window.offline_banner.retry_requested.connect(connection.probe_now)

        window.refresh_requested.connect(sync.pull)
        window.search_action.triggered.connect(self._focus_search)
        window.scanned.connect(self._scanned)
        window.wedge.rejected_code.connect(self._scan_rejected)
        self.help_action = QAction(self.tr("Daftar pintasan keyboard"), window)
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.help_action.triggered.connect(self.show_shortcut_help)
        window.addAction(self.help_action)
        window.overlay.unlocked.connect(workbench.resume)
        window.overlay.unlocked.connect(sync.resume)  # no pull ran while locked
        window.idle.idle.connect(workbench.pause)
        window.lock_action.triggered.connect(workbench.pause)
        queue.open_requested.connect(self.open_application)
        queue.number_requested.connect(self.open_number)
        queue.refresh_requested.connect(sync.pull)
        workbench.closed.connect(self._workbench_closed)
        workbench.session_expired.connect(self.session_expired)
        workbench.notice.connect(lambda text: self._tell(text, status_ms=30000))

    def _outbox_changed(self, text: str, tooltip: str) -> None:
        self.outbox_label.set_counts(text, tooltip)

    # -- pulls: scheduled by SyncController, shown here ----------------------------------------

    def pull(self) -> None:
        """The person asked for fresh data (as F5 does)."""
        self.sync.pull()

    @property
    def pulling(self) -> bool:
        return self.sync.pulling

    @property
    def last_pull(self) -> PullResult | None:
        return self.sync.last_pull

    def _pulled(self, result: PullResult) -> None:
        if result.skipped:
            self.window.show_status_message(result.summary)

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

        def found(summary: ApplicationSummary | None) -> None:
            self._take_back(searching)
            if summary is not None:
                self.queue.clear_notice()
                self.open_application(summary.id)
            else:
                self._tell(
                    self.tr(
                        "Nomor %1 tidak ditemukan, di komputer ini maupun di server. "
                        "Tidak ada permohonan yang dibuka."
                    ).replace("%1", number)
                )

        def failed(_exc: Exception, message: str) -> None:
            self._take_back(searching)
            self._tell(
                self.tr("Nomor %1 tidak ada di komputer ini, dan server tidak dapat ditanya: %2")
                .replace("%1", number)
                .replace("%2", message),
                kind="error",
            )

        apps = self.apps
        (
            Op(OpKind.FIND, self.tr("Mencari permohonan"), lambda _ctx: apps.find_by_number(number))
            .success(found)
            .failure(failed)
            .run(self.runner)
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
        """F1, anywhere in the shell: every shortcut, the shell's, the workbench's and the
        counter's (intake, revision, handover, print preview)."""
        if self.window.locked:
            return
        if self.help_dialog is None:
            self.help_dialog = ShortcutHelpDialog(self.window, SHELL_HELP)
        self.help_dialog.show()
        self.help_dialog.activateWindow()

    def _workbench_closed(self) -> None:
        """Back to the list where the person left it: same selection, same scroll (what the
        workbench changed is already there: the queue follows the store)."""
        self.window.open_page(self.queue)
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
        self.window.open_page(self.queue)
        self.queue.focus_search()

    def _office_name(self, code: str) -> str | None:
        """Names come with the queue's office list (loaded after sign-in)."""
        return self.queue.model.office_names.get(code)

    def session_expired(self, message: str) -> None:
        self.workbench.pause()
        self.window.lock("reauth", message)
