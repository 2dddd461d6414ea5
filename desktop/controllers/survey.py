"""Keeping a satisfaction survey (IKM) on a worker: `services.survey.SurveyService` writes it
to the outbox; `send_now` (the session's sync controller, when the shell gives it) asks for a
round at once, else the next round sends it. Offline the survey simply waits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject

from desktop.models.store import Store
from desktop.services.operations import Op, OpKind
from desktop.services.survey import QueuedSurvey, SurveyService
from desktop.services.tasks import TaskRunner


class SurveyController(QObject):
    """One per session (the operator's store and id)."""

    def __init__(
        self,
        runner: TaskRunner,
        store: Store,
        user_id: str,
        parent: QObject | None = None,
        *,
        send_now: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = SurveyService(store, user_id=user_id)
        self.send_now = send_now

    def queue(
        self,
        app_id: str,
        number: str,
        answers: Sequence[int],
        comment: str,
        *,
        transaction_id: str,
        done: Callable[[QueuedSurvey], None],
        failed: Callable[[str], None],
    ) -> None:
        service, values = self.service, tuple(answers)

        def kept(queued: QueuedSurvey) -> None:
            if self.send_now is not None:
                self.send_now(queued.transaction_id)
            done(queued)

        Op(
            OpKind.OUTBOX_KEEP,
            self.tr("Menyimpan survei kepuasan"),
            lambda _ctx: service.queue(
                app_id, number, values, comment, transaction_id=transaction_id
            ),
        ).success(kept).failure(lambda _exc, message: failed(message)).run(self.runner)


__all__ = ["SurveyController"]
