"""The audit viewer (issue 14): each server call on a worker through `Op`.

The page calls these with callbacks; a failure arrives as its Indonesian message
(`services.operations.user_message`). The export reports how many rows it wrote so far.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.services.api.client import ApiClient
from desktop.services.audit_viewer import (
    PAGE,
    AuditFilters,
    AuditViewerService,
    EventPage,
    VerifyResult,
)
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import Progress, TaskContext, TaskHandle, TaskRunner

Failed = Callable[[str], None]


class AuditViewerController(QObject):
    """One per session of an administrator or supervisor (the session's API client)."""

    def __init__(
        self, runner: TaskRunner, client: ApiClient, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = AuditViewerService(client)

    def search(
        self,
        filters: AuditFilters,
        cursor: str | None,
        done: Callable[[EventPage], None],
        failed: Failed,
        relevant: Callable[[], bool] | None = None,
    ) -> None:
        """One page; `relevant` drops an answer the person no longer waits for (a newer
        search started)."""
        service = self.service
        op = (
            Op(
                OpKind.FIND,
                self.tr("Mencari log audit"),
                lambda _c: service.search(filters, cursor, PAGE),
            )
            .success(done)
            .failure(lambda _exc, message: failed(message))
        )
        if relevant is not None:
            op.relevant_while(relevant)
        op.run(self.runner)

    def verify(self, done: Callable[[VerifyResult], None], failed: Failed) -> None:
        service = self.service
        Op(OpKind.FIND, self.tr("Memeriksa rantai audit"), lambda _c: service.verify()).success(
            done
        ).failure(lambda _exc, message: failed(message)).run(self.runner)

    def export(
        self,
        filters: AuditFilters,
        path: Path,
        progress: Callable[[int], None],
        done: Callable[[int], None],
        failed: Failed,
    ) -> TaskHandle:
        service = self.service
        title = self.tr("Mengekspor log audit")

        def work(ctx: TaskContext) -> int:
            return service.export_csv(
                filters,
                path,
                progress=lambda rows: ctx.progress(rows, None, ""),
                check_cancelled=ctx.check_cancelled,
            )

        def on_progress(p: Progress) -> None:
            progress(p.done)

        return (
            Op(OpKind.DOCUMENT, title, work)
            .success(done)
            .progress(on_progress)
            .failure(lambda _exc, message: failed(message))
            .run(self.runner)
        )
