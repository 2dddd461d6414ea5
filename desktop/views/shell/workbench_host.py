"""Wires the workbench widget into the shell: claim on open, renew while open, release on close.

The widget (`desktop.views.workbench`) shows one application and emits what the person wants;
this controller turns that into ops on the `TaskRunner` using `ApplicationService`:

- open: fetch the detail; claim only when the person's roles may act on it with a claim
  (finished applications and stages the role does not process open read-only, calmly said;
  a 409 means someone else holds it: read-only, saying who; a 403 "role not allowed" is also
  read-only); a renewal timer keeps the lease while it is open;
- claims are kept per application id: an answer arriving for an application the person has
  already left is never applied to the current one, and a claim it took is released at once;
- decide: act with the version the person saw and a `PendingDecision` (its transaction id is
  reused when the person retries after a lost answer); success updates the widget, the queue
  and whether the claim is still held (the server's answer); a 409 reloads the application and
  shows the plain explanation (who acted first); any other failure keeps everything the person
  did (ticks, notes) and says why;
- next / previous walk the queue's current order (the neighbours remembered when it was opened,
  once a decision took it out of the filtered list); leaving an application with unsent ticks
  or notes asks first; close releases the claim.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ApplicationDetail, ChecklistItem, DocumentInfo
from desktop.domain.workflow import CLAIM_FREE, Role, available_actions, parse_action
from desktop.services.api.errors import ApiError, LoketError, SessionExpired
from desktop.services.applications import (
    ActionResult,
    ApplicationService,
    ClaimResult,
    ConflictError,
    PendingDecision,
    retry_keeps_decision,
)
from desktop.services.auth import UserInfo
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.views.workbench import WorkbenchWidget

log = logging.getLogger(__name__)


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


ROLE_NOT_ALLOWED = "role_not_allowed"


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
        self._claims: set[str] = set()  # application ids whose claim this session holds
        self._around: tuple[str | None, str | None] = (None, None)  # of current_id, remembered
        self._pending: PendingDecision | None = None  # kept for a retry after a lost answer
        self.leave_box: QMessageBox | None = None
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
        self.workbench.history_view.set_office_names(self.office_name)

    def office_name(self, code: str) -> str | None:
        name = self._office_names(code)
        if not name and code == self.user.office.code:
            name = self.user.office.name
        return name if name and name != code else None

    # -- claim bookkeeping (per application id) ------------------------------------------------

    @property
    def _held_claim(self) -> bool:
        """Whether the claim on the application now open is held (by this session)."""
        return self.current_id is not None and self.current_id in self._claims

    def holds(self, app_id: str) -> bool:
        return app_id in self._claims

    def _set_held(self, app_id: str, held: bool) -> None:
        if held:
            self._claims.add(app_id)
        else:
            self._claims.discard(app_id)
        if app_id == self.current_id:
            if held and not self._paused:
                self._renew.start()
            elif not held:
                self._renew.stop()

    def _needs_claim(self, detail: ApplicationDetail) -> bool:
        """The person's roles may act on it, and some of those actions need the claim."""
        if detail.status is None or detail.status.terminal:
            return False
        actions = available_actions(detail.status, _known_roles(self.user.roles))
        return any(a not in CLAIM_FREE for a in actions)

    def _can_act(self, detail: ApplicationDetail) -> bool:
        if detail.status is None:
            return False
        return bool(available_actions(detail.status, _known_roles(self.user.roles)))

    # -- open / close -------------------------------------------------------------------------

    def open(self, app_id: str) -> None:
        """Claim and show `app_id` (releasing the previous one). Asks first when the open
        application has ticks or notes that were not sent."""
        if self.current_id and self.current_id != app_id and self.workbench.has_unsent_marks():
            self._confirm_leave(lambda: self._open(app_id))
            return
        self._open(app_id)

    def _confirm_leave(self, then: Callable[[], None]) -> None:
        if self.leave_box is not None:
            self.leave_box.reject()
        box = QMessageBox(self.workbench)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Tinggalkan permohonan?"))
        box.setText(self.tr("Tanda dan catatan pada permohonan ini belum dikirim. Tinggalkan?"))
        leave = box.addButton(self.tr("Tinggalkan"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("Tetap di sini"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)

        def clicked(button: object) -> None:
            self.leave_box = None
            if button is leave:
                then()

        box.buttonClicked.connect(clicked)
        box.rejected.connect(lambda: setattr(self, "leave_box", None))
        self.leave_box = box
        box.open()

    def _open(self, app_id: str) -> None:
        if self.current_id and self.current_id != app_id:
            self._release(self.current_id)
        if self.current_id != app_id:
            self._pending = None
        self.current_id = app_id
        self._renew.stop()
        self._around = self._neighbours(app_id)
        self.workbench.set_busy(True, self.tr("Membuka permohonan…"))
        apps = self.apps
        needs_claim, can_act = self._needs_claim, self._can_act
        claimed: list[bool] = [False]

        def op(ctx: TaskContext) -> tuple[ApplicationDetail, str, str]:
            note, read_only = "", ""
            detail = apps.fetch_detail(app_id)
            ctx.check_cancelled()
            if not needs_claim(detail):
                return detail, note, "" if can_act(detail) else "not_processed"
            try:
                apps.claim(app_id)
                claimed[0] = True
            except ConflictError as exc:
                note = exc.message
            except ApiError as exc:
                if exc.status != 403 or exc.code != ROLE_NOT_ALLOWED:
                    raise
                read_only = ROLE_NOT_ALLOWED
            if claimed[0] or note:
                detail = apps.fetch_detail(app_id)  # with the claim (and who holds it)
            return detail, note, read_only

        self.runner.submit(
            self.tr("Membuka permohonan"),
            op,
            on_done=lambda r: self._opened(app_id, r[0], r[1], r[2], claimed[0]),
            on_error=lambda e: self._open_failed(app_id, e, claimed[0]),
        )

    def _opened(
        self, app_id: str, detail: ApplicationDetail, note: str, read_only: str, claimed: bool
    ) -> None:
        if app_id != self.current_id:
            # The person moved on while we were loading: a claim taken for it goes back now.
            if claimed:
                self._claims.add(app_id)
                self._release(app_id)
            return
        self.workbench.set_busy(False)
        self._show(detail)
        if read_only == ROLE_NOT_ALLOWED:
            self.workbench.set_read_only(True)
        self._set_held(app_id, self.workbench.holds_claim())
        if note:
            self.workbench.show_message(note, "warning")
        elif read_only:
            self.workbench.show_message(self._read_only_text(detail), "info")
        self.opened.emit(app_id)
        self.queue_changed.emit()

    def _read_only_text(self, detail: ApplicationDetail) -> str:
        status = detail.status
        if status is not None and status.terminal:
            return self.tr("Hanya baca: permohonan ini sudah berstatus %1.").replace(
                "%1", status.label
            )
        return self.tr("Hanya baca: peran Anda tidak memproses tahap ini.")

    def _open_failed(self, app_id: str, exc: Exception, claimed: bool = False) -> None:
        if app_id != self.current_id:
            if claimed:
                self._claims.add(app_id)
                self._release(app_id)
            return
        if claimed:
            self._claims.add(app_id)  # released at close / next open
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
        self._pending = None
        self._renew.stop()
        if self.leave_box is not None:
            self.leave_box.reject()
            self.leave_box = None
        self.workbench.clear()
        if app_id:
            self._release(app_id)
        self.closed.emit()

    def _release(self, app_id: str) -> None:
        if app_id not in self._claims:
            return
        self._claims.discard(app_id)
        if app_id == self.current_id:
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
        for app_id in list(self._claims):
            with contextlib.suppress(LoketError):
                self.apps.release(app_id, timeout=3.0)
        self._claims.clear()
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
                # Left meanwhile (its release may even have run first): give it back now.
                self._claims.add(app_id)
                self._release(app_id)
                return
            self._set_held(app_id, True)
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
                self._set_held(app_id, False)
                self.reload(exc.message)
                return
            if isinstance(exc, ApiError) and exc.status == 403 and exc.code == ROLE_NOT_ALLOWED:
                self._set_held(app_id, False)
                self.workbench.set_read_only(True)
                detail = self.workbench.application
                if detail is not None:
                    self.workbench.show_message(self._read_only_text(detail), "info")
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
        around = self._neighbours(app_id)
        if around != (None, None):
            self._around = around
        pending = self._pending
        if pending is None or not pending.matches(
            app_id,
            action_value,
            expected_version=version,
            reason=reason or None,
            checklist=checklist,
        ):
            pending = PendingDecision.create(
                app_id,
                action_value,
                expected_version=version,
                reason=reason or None,
                checklist=checklist,
                seen_status=seen,
            )
        self._pending = pending
        decision = pending

        def op(_ctx: TaskContext) -> ActionResult:
            return apps.decide(decision)

        self.runner.submit(
            self.tr("Menyimpan keputusan"),
            op,
            on_done=lambda r: self._acted(app_id, action_value, r),
            on_error=lambda e: self._act_failed(app_id, e, decision),
        )

    def _acted(self, app_id: str, action_value: str, result: ActionResult) -> None:
        self.decided.emit(app_id, action_value)
        self.queue_changed.emit()
        if self._pending is not None and self._pending.app_id == app_id:
            self._pending = None
        claim = result.application.claim
        still_mine = claim is not None and claim.user_id == self.user.id
        if app_id != self.current_id:
            if still_mine:
                self._claims.add(app_id)
                self._release(app_id)
            else:
                self._claims.discard(app_id)
            return
        self.workbench.set_busy(False)
        self._show(result.application)
        self.workbench.mark_sent()
        self._set_held(app_id, still_mine and self.workbench.holds_claim())
        action = parse_action(action_value)
        word = action.done_label if action else action_value
        number = result.application.number or app_id[:8]
        self.workbench.show_message(
            self.tr("Permohonan %1 berhasil %2.").replace("%1", number).replace("%2", word),
            "success",
        )

    def _act_failed(
        self, app_id: str, exc: Exception, decision: PendingDecision | None = None
    ) -> None:
        if decision is not None and self._pending is decision and not retry_keeps_decision(exc):
            self._pending = None  # a refusal: the next try is a new decision
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
            self._set_held(app_id, self.workbench.holds_claim())
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
        around = self._neighbours(self.current_id)
        if around == (None, None):
            # No longer in the filtered list (e.g. verified while "Diajukan" is shown): walk
            # from where it was when it was opened / decided.
            around = self._around
        previous, following = around
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


def _known_roles(roles: Any) -> tuple[Role, ...]:
    out: list[Role] = []
    for role in roles:
        try:
            out.append(Role(role))
        except ValueError:
            continue
    return tuple(out)
