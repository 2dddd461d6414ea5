"""Whether the server can be reached, and getting back to it after an outage.

The API client records what its last request taught (`ApiClient.connection`); this watch turns
that into the status bar's state once a second (`changed`) and into the offline banner
(`offline_changed`: since when, and why). While the server cannot be reached it asks
``/health`` after `services.retry.Backoff` delays: capped exponential with *full* jitter (anywhere
between 0 and 1, 2, 4, 8, then 10 s), so the counters of a city do not knock together when
the server returns, and the first probe comes within a second of the failure. One probe at a
time; "Coba sekarang" (`probe_now`) asks at once. The first answer — a probe's, or any other
request's seen by the one-per-second check — emits `reconnected`, on which the sync controller
pulls at once: the app is back within seconds of the server, without F5.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.services.api.client import ApiClient
from desktop.services.operations import Op, OpKind
from desktop.services.retry import Backoff
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
    """The server answered (a probe, or any request) after it could not be reached."""
    offline_changed = Signal(object, str)
    """(since: epoch seconds of the first failure, or None when back; the latest reason)."""

    def __init__(
        self,
        api: ApiClient,
        probe: Callable[[TaskContext], bool],
        runner: TaskRunner,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        """`clock`: wall-clock seconds (the offline banner's "sejak", staleness); tests inject
        it, as they inject the backoff's random source."""
        super().__init__(parent)
        self.api = api
        self._probe_fn = probe
        self.runner = runner
        self.backoff = backoff or Backoff(1.0, 10.0)
        self.clock = clock
        self._probe_handle: TaskHandle | None = None
        self._shown: tuple[bool | None, str] | None = None
        self.offline_since: float | None = None
        self._offline_reason = ""
        self.last_delay: float | None = None
        """The wait chosen before the pending probe (seconds), for tests and the log."""
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
        """Say what the last request taught (when it changed); offline: probe; a request that
        got through while offline ends the outage at once (no need to wait for the probe)."""
        state = self.api.connection
        stale = bool(state.at) and self.clock() - state.at > STALE_SECONDS
        shown = (None if stale else state.online, state.message)
        if shown != self._shown:
            self._shown = shown
            self.changed.emit(*shown)
        if state.online is False:
            self._went_offline(state.at or self.clock(), state.message)
            self.offline()
        elif state.online and self.offline_since is not None:
            self._back()

    @property
    def probing(self) -> bool:
        return self.probe_timer.isActive() or (
            self._probe_handle is not None and not self._probe_handle.finished
        )

    def _went_offline(self, at: float, reason: str) -> None:
        if self.offline_since is None:
            self.offline_since = at
            self._offline_reason = reason
            self.offline_changed.emit(at, reason)
        elif reason and reason != self._offline_reason:
            self._offline_reason = reason
            self.offline_changed.emit(self.offline_since, reason)

    def offline(self) -> None:
        """The server could not be reached: ask again after the next backoff delay."""
        if self.probing or not self.check_timer.isActive():
            return
        delay = self.backoff.next_delay()
        self.last_delay = delay
        log.info("server unreachable; next probe in %.1f s", delay)
        self.probe_timer.start(max(1, round(delay * 1000)))

    def probe_now(self) -> None:
        """ "Coba sekarang": probe at once instead of at the end of the pending wait (nothing
        when a probe is already under way, or the watch is stopped)."""
        if not self.check_timer.isActive():
            return
        if self._probe_handle is not None and not self._probe_handle.finished:
            return
        self.probe_timer.stop()
        self._probe()

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
        self.check()
        if self.offline_since is None:  # `check` found it back already (the probe's answer)
            return
        self._back()

    def _back(self) -> None:
        self.probe_timer.stop()
        self.backoff.reset()
        self.last_delay = None
        self.offline_since = None
        self._offline_reason = ""
        self.offline_changed.emit(None, "")
        self.reconnected.emit()
