"""Whether the server can be reached, and getting back to it after an outage.

The API client records what its last request taught (`ApiClient.connection`); this watch turns
that into the status bar's state once a second (`changed`), and while the server cannot be
reached it asks ``/health`` after capped, jittered backoff delays (`sync.Backoff`: 1, 2, 4, 8,
10 s …, one probe at a time). The first answer emits `reconnected`, on which the sync
controller pulls at once: the app is back within seconds of the server, without F5.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.services.api.client import ApiClient
from desktop.services.operations import Op, OpKind
from desktop.services.sync import Backoff
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

STALE_SECONDS = 300
"""What the last request said is not shown as the state any more after this long."""
CHECK_MS = 1000


class ConnectionWatch(QObject):
    """The connection state for the status bar, and the probes while offline."""

    changed = Signal(object, str)
    """(online: True, False, or None when unknown or stale; the reason when offline)."""
    reconnected = Signal()
    """A probe reached the server after it could not be reached."""

    def __init__(
        self,
        api: ApiClient,
        probe: Callable[[TaskContext], bool],
        runner: TaskRunner,
        *,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.api = api
        self._probe_fn = probe
        self.runner = runner
        self.backoff = backoff or Backoff()
        self._probe_handle: TaskHandle | None = None
        self._shown: tuple[bool | None, str] | None = None
        self.check_timer = QTimer(self)
        self.check_timer.setInterval(CHECK_MS)
        self.check_timer.timeout.connect(self.check)
        self.probe_timer = QTimer(self)
        self.probe_timer.setSingleShot(True)
        self.probe_timer.timeout.connect(self._probe)

    def start(self) -> None:
        self.check()
        self.check_timer.start()

    def stop(self) -> None:
        self.check_timer.stop()
        self.probe_timer.stop()
        if self._probe_handle is not None:
            self._probe_handle.cancel()

    def check(self) -> None:
        """Say what the last request taught (when it changed); offline: probe."""
        state = self.api.connection
        stale = bool(state.at) and time.time() - state.at > STALE_SECONDS
        shown = (None if stale else state.online, state.message)
        if shown != self._shown:
            self._shown = shown
            self.changed.emit(*shown)
        if state.online is False:
            self.offline()

    @property
    def probing(self) -> bool:
        return self.probe_timer.isActive() or (
            self._probe_handle is not None and not self._probe_handle.finished
        )

    def offline(self) -> None:
        """The server could not be reached: ask again after the next backoff delay."""
        if self.probing or not self.check_timer.isActive():
            return
        delay = self.backoff.next_delay()
        log.info("server unreachable; next probe in %.1f s", delay)
        self.probe_timer.start(max(1, round(delay * 1000)))

    def _probe(self) -> None:
        self._probe_handle = (
            Op(OpKind.PROBE, self.tr("Memeriksa sambungan ke server"), self._probe_fn, quiet=True)
            .success(self._probed)
            .failure(lambda _exc, _message: self._probed(False))
            .run(self.runner)
        )

    def _probed(self, reachable: bool) -> None:
        self._probe_handle = None
        if not reachable:
            self.offline()
            return
        log.info("server reachable again after %d probe(s)", self.backoff.attempts)
        self.backoff.reset()
        self.check()
        self.reconnected.emit()
