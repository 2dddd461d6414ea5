"""Keeping an operator's revision of a returned application, on a worker (issue 11).

The workbench controller asks; `services.revision.RevisionService` writes the edit, the new
documents and the resubmission to the outbox in one store write. What happens next is the
outbox's (the workbench follows the resubmission like any decision it made)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.domain.records import ApplicationDetail
from desktop.models.store import Store
from desktop.services.operations import Op, OpKind
from desktop.services.revision import QueuedRevision, RevisionRequest, RevisionService
from desktop.services.tasks import TaskRunner


class RevisionController(QObject):
    """One per session (the operator's store and id)."""

    def __init__(
        self, runner: TaskRunner, store: Store, user_id: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = RevisionService(store, user_id=user_id)

    def queue(
        self,
        detail: ApplicationDetail,
        request: RevisionRequest,
        done: Callable[[QueuedRevision], None],
        failed: Callable[[str], None],
    ) -> None:
        """Copy the files and write the entries on a worker; `failed` gets the Indonesian
        reason (nothing was kept then, everything typed stays on screen)."""
        service = self.service
        Op(
            OpKind.DECIDE,
            self.tr("Menyimpan perbaikan"),
            lambda _ctx: service.queue(detail, request),
        ).success(done).failure(lambda _exc, message: failed(message)).run(self.runner)
