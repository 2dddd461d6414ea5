"""Keeping a handover (serahkan) on a worker (issue 11): the letter of a representative and
the DELIVER with who collected, in the outbox in one store write
(`services.handover.HandoverService`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.domain.records import ApplicationDetail
from desktop.models.store import Store
from desktop.services.handover import Handover, HandoverService, QueuedHandover
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner


class HandoverController(QObject):
    """One per session (the operator's store and id)."""

    def __init__(
        self, runner: TaskRunner, store: Store, user_id: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = HandoverService(store, user_id=user_id)

    def queue(
        self,
        detail: ApplicationDetail,
        handover: Handover,
        done: Callable[[QueuedHandover], None],
        failed: Callable[[str], None],
    ) -> None:
        service = self.service
        Op(
            OpKind.DECIDE,
            self.tr("Menyimpan penyerahan"),
            lambda _ctx: service.queue(detail, handover),
        ).success(done).failure(lambda _exc, message: failed(message)).run(self.runner)
