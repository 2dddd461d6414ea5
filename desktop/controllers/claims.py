"""Giving claims back: at once, and again until the server has it or the lease ran out.

A claim this session no longer wants (the application was closed, another one opened, a late
answer claimed one the person had already left) is released on the runner. When the release
does not reach the server, the person is told once (`notice`: the server still counts them as
handling it, until when) and it is retried every `RELEASE_RETRY_MS` until it does, or until the
lease has run out on the server by itself. Each release writes the store (`drop_claim`), which
announces the change, so the queue shows it without being told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.domain.formatting import format_clock
from desktop.services.api.errors import ConnectionFailure, LoketError, SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskContext, TaskRunner

log = logging.getLogger(__name__)

RELEASE_RETRY_MS = 5_000


class ClaimReleaser(QObject):
    """Releases claims on the runner and retries the ones that did not reach the server."""

    notice = Signal(str)
    """A sentence for the person (a release not done yet; done after all)."""

    def __init__(
        self,
        runner: TaskRunner,
        apps: ApplicationService,
        *,
        tz: tzinfo | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.apps = apps
        self.tz = tz
        self._clock = clock or (lambda: datetime.now(UTC))
        self._unreleased: dict[str, tuple[str, datetime | None]] = {}  # id -> (number, until)
        self._retrying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELEASE_RETRY_MS)
        self._timer.timeout.connect(self._retry)

    def release(self, app_id: str, number: str, until: datetime | None) -> None:
        """Give `app_id`'s claim back (`number` and the lease end `until` are for the notice
        should it not reach the server)."""
        apps = self.apps
        Op(OpKind.RELEASE, self.tr("Melepas klaim"), lambda _ctx: apps.release(app_id)).success(
            lambda _r: self._released(app_id)
        ).failure(lambda exc, _m: self._failed(app_id, number, until, exc)).run(self.runner)

    def _released(self, app_id: str) -> None:
        self._unreleased.pop(app_id, None)

    def _failed(self, app_id: str, number: str, until: datetime | None, exc: Exception) -> None:
        """Say that the server still counts this person as handling it; try again."""
        log.info("release of %s failed: %s", app_id, type(exc).__name__)
        if isinstance(exc, SessionExpired):
            return  # the session is over; the lease runs out on the server
        first = app_id not in self._unreleased
        self._unreleased[app_id] = (number, until)
        if first:
            text = self.tr(
                "%1 belum dilepas di server (tidak tersambung); dicoba lagi otomatis"
            ).replace("%1", number)
            if until is not None:
                when = format_clock(until, self._clock(), self.tz)
                text += self.tr(", paling lambat berakhir pukul %1").replace("%1", when)
            self.notice.emit(text + ".")
        if not self._timer.isActive():
            self._timer.start()

    def _retry(self) -> None:
        now = self._clock()
        for app_id, (_number, until) in list(self._unreleased.items()):
            if until is not None and until <= now:
                self._unreleased.pop(app_id)  # the lease ran out on the server by itself
        if not self._unreleased or self._retrying:
            return
        pending = dict(self._unreleased)
        apps = self.apps

        def release_all(_ctx: TaskContext) -> list[str]:
            done = []
            for app_id in pending:
                try:
                    apps.release(app_id)
                except ConnectionFailure:
                    break  # still down: the rest would fail the same way
                except LoketError as exc:
                    log.info("release of %s refused: %s", app_id, type(exc).__name__)
                done.append(app_id)
            return done

        def finished(done: list[str]) -> None:
            self._retrying = False
            for app_id in done:
                number, _until = self._unreleased.pop(app_id, (app_id[:8], None))
                self.notice.emit(
                    self.tr("Permohonan %1 sudah dilepas di server.").replace("%1", number)
                )
            if self._unreleased:
                self._timer.start()

        def failed(exc: Exception, _message: str) -> None:
            self._retrying = False
            log.info("release retry failed: %s", type(exc).__name__)
            if self._unreleased and not isinstance(exc, SessionExpired):
                self._timer.start()

        self._retrying = True
        Op(OpKind.RELEASE, self.tr("Melepas klaim"), release_all, quiet=True).success(
            finished
        ).failure(failed).run(self.runner)
