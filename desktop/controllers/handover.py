"""Keeping a handover (serahkan) on a worker (issue 11): the letter of a representative and
the DELIVER with who collected, in the outbox in one store write
(`services.handover.HandoverService`).

Issue 13: the other two ways the signed document leaves the counter, each on a worker -
`load_document` (the very signed PDF, for the print preview) and `email` (the server e-mails
it and completes the application: `services.delivery.email_document`). E-mail needs the
server (`client`); without a client this controller only keeps counter handovers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from desktop.domain.records import ApplicationDetail
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.delivery import DeliveryResult, email_document
from desktop.services.handover import (
    Handover,
    HandoverService,
    QueuedHandover,
    SignedDocument,
    signed_document,
)
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner

Failed = Callable[[Exception, str], None]
"""(the exception, its Indonesian message): the dialog tells a relay down from a bad address."""


class HandoverController(QObject):
    """One per session (the operator's store and id; the session's API client for e-mail)."""

    handed_over = Signal(object)
    """The `ApplicationDetail` of a counter handover just kept: the citizen is at the counter,
    so the shell offers the satisfaction survey (`views.survey.SurveyDialog`, issue 14)."""

    def __init__(
        self,
        runner: TaskRunner,
        store: Store,
        user_id: str,
        parent: QObject | None = None,
        *,
        client: ApiClient | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.client = client
        self.service = HandoverService(store, user_id=user_id)

    def queue(
        self,
        detail: ApplicationDetail,
        handover: Handover,
        done: Callable[[QueuedHandover], None],
        failed: Callable[[str], None],
    ) -> None:
        service = self.service

        def kept(queued: QueuedHandover) -> None:
            done(queued)
            self.handed_over.emit(detail)

        Op(
            OpKind.DECIDE,
            self.tr("Menyimpan penyerahan"),
            lambda _ctx: service.queue(detail, handover),
        ).success(kept).failure(lambda _exc, message: failed(message)).run(self.runner)

    @property
    def can_email(self) -> bool:
        return self.client is not None

    def load_document(
        self,
        detail: ApplicationDetail,
        done: Callable[[SignedDocument], None],
        failed: Failed,
    ) -> None:
        """The signed PDF of `detail` (this PC's copy, else downloaded and checked)."""
        client, folder = self.client, self.service.folder
        if client is None:
            return
        Op(
            OpKind.DOCUMENT,
            self.tr("Mengambil dokumen bertanda tangan"),
            lambda _ctx: signed_document(client, detail, folder),
        ).success(done).failure(failed).run(self.runner)

    def email(
        self,
        detail: ApplicationDetail,
        *,
        issued_code: str,
        to: str,
        transaction_id: str,
        done: Callable[[DeliveryResult], None],
        failed: Failed,
        more_codes: Sequence[str] = (),
    ) -> None:
        """The server e-mails the issued document to `to` and completes the application;
        the same `transaction_id` again never sends a second message."""
        client = self.client
        if client is None:
            return
        Op(
            OpKind.DECIDE,
            self.tr("Mengirim dokumen lewat e-mail"),
            lambda _ctx: email_document(
                client,
                detail.id,
                issued_code=issued_code,
                to=to,
                transaction_id=transaction_id,
                more_codes=more_codes,
            ),
        ).success(done).failure(failed).run(self.runner)
