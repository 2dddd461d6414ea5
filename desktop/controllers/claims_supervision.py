"""The Klaim page's application logic (issue 14): each claims call on a worker through `Op`.

The page asks; answers come back as signals on the GUI thread, failures as their Indonesian
message (`services.operations.user_message`). One list load at a time: the minute timer and F5
never stack requests while the server is slow.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from desktop.services.api.client import ApiClient
from desktop.services.claims_supervision import Candidate, ClaimsSupervisionService, HeldClaim
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner


class ClaimsSupervisionController(QObject):
    """One per supervisor/administrator session (the session's API client)."""

    loaded = Signal(list)
    """list[HeldClaim], longest held first."""
    load_failed = Signal(str)
    changed = Signal(str)
    """A release or reassignment done: the sentence for the status line."""
    action_failed = Signal(str)

    def __init__(
        self, runner: TaskRunner, client: ApiClient, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = ClaimsSupervisionService(client)
        self._loading = False
        self._again = False
        """A refresh asked for while one ran (e.g. after a release): run once more after it."""
        self.office: str | None = None
        self.holder: str | None = None

    @property
    def loading(self) -> bool:
        return self._loading

    def refresh(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._again = False
        service, office, holder = self.service, self.office, self.holder

        def done(rows: list[HeldClaim]) -> None:
            self._loading = False
            self.loaded.emit(rows)
            if self._again:
                self.refresh()

        def failed(message: str) -> None:
            self._loading = False
            self.load_failed.emit(message)
            if self._again:
                self.refresh()

        Op(
            OpKind.RELOAD,
            self.tr("Memuat daftar klaim"),
            lambda _ctx: service.claims(office=office, holder=holder),
        ).success(done).failure(lambda _exc, message: failed(message)).run(self.runner)

    def load_candidates(
        self, app_id: str, done: Callable[[list[Candidate]], None], failed: Callable[[str], None]
    ) -> None:
        service = self.service
        Op(
            OpKind.RELOAD,
            self.tr("Memuat daftar petugas"),
            lambda _ctx: service.candidates(app_id),
        ).success(done).failure(lambda _exc, message: failed(message)).run(self.runner)

    def release(self, claim: HeldClaim, reason: str) -> None:
        service = self.service
        text = self.tr("Klaim %1 (%2) dilepas.").replace("%1", claim.number)
        text = text.replace("%2", claim.holder_name)
        Op(
            OpKind.RELEASE,
            self.tr("Melepas klaim"),
            lambda _ctx: service.release(claim.app_id, reason),
        ).success(lambda _none: self._changed(text)).failure(
            lambda _exc, message: self.action_failed.emit(message)
        ).run(self.runner)

    def reassign(self, claim: HeldClaim, to: Candidate, reason: str) -> None:
        service = self.service

        def done(name: str) -> None:
            text = self.tr("Klaim %1 dialihkan dari %2 kepada %3.").replace("%1", claim.number)
            self._changed(text.replace("%2", claim.holder_name).replace("%3", name))

        Op(
            OpKind.CLAIM,
            self.tr("Mengalihkan klaim"),
            lambda _ctx: service.reassign(claim.app_id, to.id, reason),
        ).success(done).failure(lambda _exc, message: self.action_failed.emit(message)).run(
            self.runner
        )

    def _changed(self, text: str) -> None:
        self.changed.emit(text)
        self.refresh()
