"""Giving claims back: at once, or through the outbox when the server cannot take it now.

A claim this session no longer wants (the application was closed, another one opened, a late
answer claimed one the person had already left) is released on the runner
(`ApplicationService.release`). A release that does not reach the server, or that must wait
for a decision on the same application still in the outbox, becomes a RELEASE outbox entry
(its transaction id the Idempotency-Key) sent by the outbox in order, after that decision: no
timers of its own. The person is told once (`notice`: the server still counts them as
handling it, until when). Each release writes the store (`drop_claim`), which announces the
change, so the queue shows it without being told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QObject, Signal

from desktop.domain.formatting import format_clock
from desktop.services.api.errors import SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner

log = logging.getLogger(__name__)


class ClaimReleaser(QObject):
    """Releases claims on the runner; the ones that cannot go now wait in the outbox."""

    notice = Signal(str)
    """A sentence for the person (a release not done yet)."""

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

    def release(self, app_id: str, number: str, until: datetime | None) -> None:
        """Give `app_id`'s claim back (`number` and the lease end `until` are for the notice
        should it not reach the server now)."""
        apps = self.apps
        Op(OpKind.RELEASE, self.tr("Melepas klaim"), lambda _ctx: apps.release(app_id)).success(
            lambda done: None if done else self._queued(number, until)
        ).failure(lambda exc, _m: self._failed(app_id, exc)).run(self.runner)

    def _queued(self, number: str, until: datetime | None) -> None:
        """Say that the server still counts this person as handling it, until when."""
        text = self.tr("%1 belum dilepas di server (tidak tersambung); dikirim otomatis").replace(
            "%1", number
        )
        if until is not None:
            when = format_clock(until, self._clock(), self.tz)
            text += self.tr(", paling lambat berakhir pukul %1").replace("%1", when)
        self.notice.emit(text + ".")

    def _failed(self, app_id: str, exc: Exception) -> None:
        """Refused (not "later"): the lease runs out on the server by itself."""
        if not isinstance(exc, SessionExpired):
            log.info("release of %s refused: %s", app_id, type(exc).__name__)
