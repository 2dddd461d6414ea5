"""Wires the workbench widget into the shell: claim on open, renew while open, release on close.

The widget (`desktop.views.workbench`) shows one application and emits what the person wants;
this controller turns that into ops on the `TaskRunner` using `ApplicationService`:

- open: claim (a 409 means someone else holds it: open read-only and say who), then fetch the
  detail, then show it; a renewal timer keeps the lease while it is open;
- decide: act with the version the person saw and a fresh transaction id; success updates the
  widget and the queue; a 409 reloads the application and shows the plain explanation (who
  acted first); any other failure keeps everything the person did (ticks, notes) and says why;
- next / previous walk the queue's current order; close releases the claim.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ApplicationDetail, ChecklistItem, DocumentInfo
from desktop.domain.workflow import Action, parse_action
from desktop.services.api.errors import LoketError, SessionExpired
from desktop.services.applications import (
    ActionResult,
    ApplicationService,
    ClaimResult,
    ConflictError,
)
from desktop.services.auth import UserInfo
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.views.workbench import WorkbenchWidget

log = logging.getLogger(__name__)

_DONE_WORDS = {
    Action.VERIFY: "diverifikasi",
    Action.VALIDATE: "divalidasi",
    Action.REJECT: "ditolak",
    Action.REQUEST_REVISION: "dikembalikan untuk perbaikan",
    Action.SIGN: "ditandatangani",
    Action.DELIVER: "diserahkan",
    Action.SUBMIT: "diajukan",
    Action.RESUBMIT: "diajukan ulang",
    Action.CANCEL: "dibatalkan",
    Action.DISCARD: "dibuang",
}


class WorkbenchHost(QWidget):
    """Hosts one `WorkbenchWidget`; a page of the queue's flow (opened from "Antrean")."""

    def __init__(self, parent: QWidget | None = None, *, runner: TaskRunner | None = None) -> None:
        """`runner`: the app's (documents and pages then show in its busy state and stop at
        sign-out); without one, the process-wide default runner."""
        super().__init__(parent)
        self.workbench = WorkbenchWidget(self, runner=runner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.workbench)


class WorkbenchController(QObject):
    """Claim/renew/release and decisions for the application open in the workbench."""

    opened = Signal(str)
    closed = Signal()
    decided = Signal(str, str)  # application id, action value
    queue_changed = Signal()
    session_expired = Signal(str)

    def __init__(
        self,
        host: WorkbenchHost,
        runner: TaskRunner,
        apps: ApplicationService,
        user: UserInfo,
        catalogue: Catalogue | None,
        *,
        neighbours: Callable[[str], tuple[str | None, str | None]],
        renew_minutes: int = 5,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.workbench = host.workbench
        self.runner = runner
        self.apps = apps
        self.user = user
        self.catalogue = catalogue
        self._neighbours = neighbours
        self._office_names: Callable[[str], str | None] = lambda _code: None
        self.current_id: str | None = None
        self._held_claim = False
        self._paused = False
        self._renew = QTimer(self)
        self._renew.setInterval(max(1, renew_minutes) * 60_000)
        self._renew.timeout.connect(self.renew)
        wb = self.workbench
        wb.actionRequested.connect(self._on_action)
        wb.claimRequested.connect(self.claim)
        wb.nextRequested.connect(lambda: self._step(+1))
        wb.previousRequested.connect(lambda: self._step(-1))
        wb.closeRequested.connect(self.close)

    def set_office_names(self, lookup: Callable[[str], str | None]) -> None:
        """Office code -> name (None when unknown), for the header; read at each show."""
        self._office_names = lookup

    def office_name(self, code: str) -> str | None:
        name = self._office_names(code)
        if not name and code == self.user.office.code:
            name = self.user.office.name
        return name if name and name != code else None

    # -- open / close -------------------------------------------------------------------------

    def open(self, app_id: str) -> None:
        """Claim and show `app_id` (releasing the previous one)."""
        if self.current_id and self.current_id != app_id:
            self._release(self.current_id)
        self.current_id = app_id
        self._held_claim = False
        self.workbench.set_busy(True, self.tr("Membuka permohonan…"))
        apps = self.apps

        def op(ctx: TaskContext) -> tuple[ApplicationDetail, str]:
            note = ""
            try:
                apps.claim(app_id)
            except ConflictError as exc:
                note = exc.message
            ctx.check_cancelled()
            return apps.fetch_detail(app_id), note

        self.runner.submit(
            self.tr("Membuka permohonan"),
            op,
            on_done=lambda r: self._opened(app_id, r[0], r[1]),
            on_error=lambda e: self._open_failed(app_id, e),
        )

    def _opened(self, app_id: str, detail: ApplicationDetail, note: str) -> None:
        if app_id != self.current_id:
            self._release(app_id)  # the person moved on while we were loading
            return
        self.workbench.set_busy(False)
        self._show(detail)
        self._held_claim = self.workbench.holds_claim()
        if self._held_claim:
            self._renew.start()
        if note:
            self.workbench.show_message(note, "warning")
        self.opened.emit(app_id)
        self.queue_changed.emit()

    def _open_failed(self, app_id: str, exc: Exception) -> None:
        if app_id != self.current_id:
            return
        self.workbench.set_busy(False)
        if isinstance(exc, SessionExpired):
            self.session_expired.emit(exc.message)
        message = exc.message if isinstance(exc, LoketError) else str(exc)
        if self.workbench.application is None or self.workbench.application.id != app_id:
            self.workbench.clear()
        self.workbench.show_message(
            self.tr("Permohonan tidak dapat dibuka: %1").replace("%1", message), "error"
        )

    def _show(self, detail: ApplicationDetail) -> None:
        service = None
        doc_types: Any = {}
        if self.catalogue is not None:
            service = self.catalogue.services.get(detail.service_code)
            doc_types = self.catalogue.document_types
        app_id = detail.id
        apps = self.apps

        def load(doc: DocumentInfo) -> bytes:
            return apps.fetch_document(app_id, doc.id)

        self.workbench.set_application(
            detail,
            service,
            doc_types,
            self.user.roles,
            self.user.id,
            load,
            office_name=self.office_name(detail.office_code),
        )

    def close(self) -> None:
        app_id = self.current_id
        self.current_id = None
        self._renew.stop()
        self.workbench.clear()
        if app_id:
            self._release(app_id)
        self.closed.emit()

    def _release(self, app_id: str) -> None:
        if not self._held_claim:
            return
        self._held_claim = False
        self._renew.stop()
        apps = self.apps
        self.runner.submit(
            self.tr("Melepas klaim"),
            lambda _ctx: apps.release(app_id),
            on_done=lambda _r: self.queue_changed.emit(),
            on_error=lambda e: log.info("release failed: %s", type(e).__name__),
        )

    def release_now(self) -> None:
        """Blocking release for app exit / sign-out (short timeout is in the client)."""
        if self.current_id and self._held_claim:
            with contextlib.suppress(LoketError):
                self.apps.release(self.current_id, timeout=3.0)
            self._held_claim = False
        self._renew.stop()

    # -- claim --------------------------------------------------------------------------------

    def claim(self) -> None:
        app_id = self.current_id
        if not app_id:
            return
        self._claim_op(app_id, quiet=False)

    def renew(self) -> None:
        if self.current_id and self._held_claim and not self._paused:
            self._claim_op(self.current_id, quiet=True)

    def _claim_op(self, app_id: str, *, quiet: bool) -> None:
        apps = self.apps

        def done(result: ClaimResult) -> None:
            if app_id != self.current_id:
                return
            self._held_claim = True
            self._renew.start()
            self.workbench.set_claim(result.claim)
            detail = self.workbench.application
            if detail is not None and result.version != detail.version:
                self.reload(self.tr("Permohonan ini berubah sejak dibuka; data terbaru dimuat."))
            elif not quiet:
                self.workbench.show_message(self.tr("Klaim diambil."), "success")
            self.queue_changed.emit()

        def failed(exc: Exception) -> None:
            if app_id != self.current_id:
                return
            if isinstance(exc, SessionExpired):
                self.session_expired.emit(exc.message)
                return
            if isinstance(exc, ConflictError):
                self._held_claim = False
                self._renew.stop()
                self.reload(exc.message)
                return
            if not quiet:
                message = exc.message if isinstance(exc, LoketError) else str(exc)
                self.workbench.show_message(message, "error")

        self.runner.submit(
            self.tr("Mengambil klaim"),
            lambda _ctx: apps.claim(app_id),
            on_done=done,
            on_error=failed,
        )

    def pause(self) -> None:
        """Idle lock: stop renewing (the lease may lapse; nothing on screen is lost)."""
        self._paused = True
        self._renew.stop()

    def resume(self) -> None:
        self._paused = False
        if self.current_id and self._held_claim:
            self._claim_op(self.current_id, quiet=True)

    # -- decisions ----------------------------------------------------------------------------

    def _on_action(self, action_value: str, reason: str, checklist: list[ChecklistItem]) -> None:
        detail = self.workbench.application
        if detail is None:
            return
        action = parse_action(action_value)
        label = action.label if action else action_value
        self.workbench.set_busy(
            True, self.tr("Menyimpan keputusan \u201c%1\u201d…").replace("%1", label)
        )
        apps = self.apps
        app_id, version, seen = detail.id, detail.version, detail.status_raw

        def op(_ctx: TaskContext) -> ActionResult:
            return apps.act(
                app_id,
                action_value,
                expected_version=version,
                reason=reason or None,
                checklist=checklist,
                seen_status=seen,
            )

        self.runner.submit(
            self.tr("Menyimpan keputusan"),
            op,
            on_done=lambda r: self._acted(app_id, action_value, r),
            on_error=lambda e: self._act_failed(app_id, e),
        )

    def _acted(self, app_id: str, action_value: str, result: ActionResult) -> None:
        self.decided.emit(app_id, action_value)
        self.queue_changed.emit()
        if app_id != self.current_id:
            return
        self.workbench.set_busy(False)
        self._show(result.application)
        action = parse_action(action_value)
        word = _DONE_WORDS.get(action, action_value) if action else action_value
        number = result.application.number or app_id[:8]
        self.workbench.show_message(
            self.tr("Permohonan %1 berhasil %2.").replace("%1", number).replace("%2", word),
            "success",
        )

    def _act_failed(self, app_id: str, exc: Exception) -> None:
        if app_id != self.current_id:
            return
        self.workbench.set_busy(False)
        if isinstance(exc, ConflictError):
            self.queue_changed.emit()
            self.reload(exc.message)
            return
        if isinstance(exc, SessionExpired):
            self.session_expired.emit(exc.message)
        message = exc.message if isinstance(exc, LoketError) else str(exc)
        self.workbench.show_message(
            self.tr("Keputusan belum tersimpan: %1 Pilihan Anda masih ada; coba lagi.").replace(
                "%1", message
            ),
            "error",
        )

    def reload(self, message: str = "") -> None:
        """Fetch the application again (after a 409) and show `message` over it."""
        app_id = self.current_id
        if not app_id:
            return
        apps = self.apps
        self.workbench.set_busy(True, self.tr("Memuat data terbaru…"))

        def done(detail: ApplicationDetail) -> None:
            if app_id != self.current_id:
                return
            self.workbench.set_busy(False)
            self._show(detail)
            self._held_claim = self.workbench.holds_claim()
            if message:
                self.workbench.show_message(message, "warning")

        def failed(exc: Exception) -> None:
            if app_id != self.current_id:
                return
            self.workbench.set_busy(False)
            text = exc.message if isinstance(exc, LoketError) else str(exc)
            self.workbench.show_message(f"{message} {text}".strip(), "error")

        self.runner.submit(
            self.tr("Memuat ulang permohonan"),
            lambda _ctx: apps.fetch_detail(app_id),
            on_done=done,
            on_error=failed,
        )

    # -- navigation ---------------------------------------------------------------------------

    def _step(self, delta: int) -> None:
        if not self.current_id:
            return
        previous, following = self._neighbours(self.current_id)
        target = following if delta > 0 else previous
        if target:
            self.open(target)
        else:
            self.workbench.show_message(
                self.tr("Tidak ada permohonan berikutnya di antrean.")
                if delta > 0
                else self.tr("Ini permohonan pertama di antrean."),
                "info",
            )
