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
  once a decision took it out of the filtered list); close releases the claim;
- unsent ticks and notes are kept on this PC per application (the store, through its writer)
  as they are made and at every way out (close, Esc, Ctrl+W, Ctrl+F, "Antrean", next/previous,
  lock, sign-out), restored when the application is opened again, and forgotten once the
  decision carrying them is sent; nothing needs asking (without a store it still asks);
- server down at opening: the last copy on this PC is shown read-only, said plainly (what a copy
  that is only the queue's summary does not carry is shown as not available, never as absent),
  and the application is opened properly (and claimed) on its own once the server answers again;
- a release that did not reach the server is said (`notice`) and retried until it does or the
  lease has run out on the server anyway;
- times are shown in the office's zone (WIB/WITA/WIT from its region code), not the PC's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import SIGNAL, QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox, QVBoxLayout, QWidget

from desktop.domain.catalogue import Catalogue
from desktop.domain.formatting import format_clock, format_datetime, zone_for_region
from desktop.domain.records import ApplicationDetail, ChecklistItem, DocumentInfo
from desktop.domain.workflow import CLAIM_FREE, Action, Role, available_actions, parse_action
from desktop.services.api.errors import ApiError, ConnectionFailure, LoketError, SessionExpired
from desktop.services.applications import (
    ActionResult,
    ApplicationService,
    ClaimResult,
    ConflictError,
    KeptMarks,
    Origin,
    PendingDecision,
    retry_keeps_decision,
)
from desktop.services.auth import UserInfo
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.views.dialogs import set_main_button
from desktop.views.shell.main_window import MainWindow
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
OFFLINE = "offline"
"""Read-only because the server could not be reached: the last copy on this PC is shown."""
MARKS_SAVE_MS = 400
"""Unsent marks are written this long after the last tick or keystroke (and at once on leaving)."""
OFFLINE_RETRY_MS = (2_000, 3_000, 5_000, 10_000)
"""Delays between attempts to open an application properly while only its copy is shown."""
RELEASE_RETRY_MS = 5_000


def server_unreachable(exc: BaseException) -> bool:
    """No answer, or the server itself failing: not a refusal about this application."""
    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, ApiError) and exc.status >= 500


@dataclass(frozen=True)
class _Opening:
    """What the opening op found: the application, a note, why it is read-only ("" when it
    is not), the marks kept on this PC for it, and where the application comes from."""

    detail: ApplicationDetail
    note: str
    read_only: str
    kept: KeptMarks | None
    origin: Origin = Origin.SERVER


class WorkbenchController(QObject):
    """Claim/renew/release and decisions for the application open in the workbench."""

    opened = Signal(str)
    closed = Signal()
    decided = Signal(str, str)  # application id, action value
    queue_changed = Signal()
    session_expired = Signal(str)
    notice = Signal(str)
    """Something the person should read even after the workbench closed (a release that did
    not reach the server, marks kept on this PC). Shown in the window's status bar when
    nothing is connected."""

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
        self.tz = zone_for_region(user.office.code)
        """The office's zone for every time shown (None: the PC's, for an unknown region)."""
        apps.display_tz = self.tz
        self.workbench.set_time_zone(self.tz)
        self._marks_timer = QTimer(self)
        self._marks_timer.setSingleShot(True)
        self._marks_timer.setInterval(MARKS_SAVE_MS)
        self._marks_timer.timeout.connect(self._marks_changed)
        self._offline = False  # the open application is only the copy on this PC
        self._offline_attempt = 0
        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.timeout.connect(self._retry_online)
        self._known: dict[str, tuple[str, datetime | None]] = {}  # id -> (number, my lease end)
        self._unreleased: dict[str, tuple[str, datetime | None]] = {}
        self._releasing = False
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(RELEASE_RETRY_MS)
        self._release_timer.timeout.connect(self._retry_releases)
        wb = self.workbench
        wb.marksChanged.connect(self._marks_timer.start)
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

    @property
    def held_claim_id(self) -> str | None:
        """The open application whose claim this session holds (released at sign-out)."""
        return self.current_id if self._held_claim else None

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
        """Claim and show `app_id` (releasing the previous one). Unsent ticks and notes of the
        one left are kept on this PC (asked about only when there is no store to keep them)."""
        if self.current_id and self.current_id != app_id and self.workbench.has_unsent_marks():
            if self.apps.store is None:
                self._confirm_leave(lambda: self._open(app_id))
                return
            self._keep_on_leaving()
        self._open(app_id)

    # -- unsent marks, kept on this PC -------------------------------------------------------

    def _keep_marks(self) -> bool:
        """Write the open application's unsent marks now; True when there were any."""
        self._marks_timer.stop()
        detail = self.workbench.application
        if detail is None or detail.id != self.current_id:
            return False
        marks = self.workbench.marks_to_keep()
        if marks is None:
            return False
        try:
            self.apps.keep_marks(marks)
        except RuntimeError:  # the store closed under us (session ending)
            log.warning("unsent checklist marks of %s could not be kept", detail.id)
            return False
        return True

    def _marks_changed(self) -> None:
        """Debounced after each tick or keystroke: keep them, or forget them when the
        checklist is back to what the server has."""
        if self._keep_marks():
            return
        detail = self.workbench.application
        if detail is not None and detail.id == self.current_id and not self.workbench.read_only:
            with contextlib.suppress(RuntimeError):
                self.apps.forget_marks(detail.id)

    def _keep_on_leaving(self) -> None:
        detail = self.workbench.application
        if detail is not None and self._keep_marks():
            self._tell(
                self.tr("Tanda pada %1 disimpan di komputer ini sampai dikirim.").replace(
                    "%1", detail.number or detail.id[:8]
                )
            )

    def _restore_marks(
        self, detail: ApplicationDetail, kept: KeptMarks | None, origin: Origin = Origin.SERVER
    ) -> str:
        """Put kept marks back on `detail`; the sentence to show ("" when nothing to say).
        A copy on this PC never makes them forgotten: only the server's data may; a copy
        without documents cannot take them back (nothing to match them to)."""
        if kept is None:
            return ""
        if origin is Origin.KEPT_SUMMARY or (
            origin is not Origin.SERVER and kept.status != detail.status_raw
        ):
            return self.tr(
                "Tanda yang belum dikirim tetap tersimpan di komputer ini; dipulihkan saat "
                "permohonan dibuka dengan server tersambung."
            )
        if kept.status != detail.status_raw:
            with contextlib.suppress(RuntimeError):
                self.apps.forget_marks(detail.id)
            label = detail.status.label if detail.status else detail.status_raw
            return self.tr(
                "Tanda yang tersimpan di komputer ini untuk permohonan ini tidak dipulihkan: "
                "statusnya sudah berubah menjadi %1."
            ).replace("%1", label)
        if not self.workbench.restore_marks(kept):
            return ""
        when = format_datetime(datetime.fromtimestamp(kept.saved_at, UTC), self.tz)
        return self.tr(
            "Tanda dan catatan yang belum dikirim dipulihkan dari komputer ini (disimpan %1)."
        ).replace("%1", when)

    def _tell(self, text: str) -> None:
        """A notice for the person wherever they are now (status bar when nobody listens)."""
        log.info("notice: %s", text)
        if self.receivers(SIGNAL("notice(QString)")) > 0:
            self.notice.emit(text)
            return
        window = self.host.window()
        if isinstance(window, MainWindow):
            window.show_status_message(text, 30_000)
        elif isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 30_000)

    def _confirm_leave(self, then: Callable[[], None]) -> None:
        if self.leave_box is not None:
            self.leave_box.reject()
        box = QMessageBox(self.workbench)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Tinggalkan permohonan?"))
        box.setText(self.tr("Tanda dan catatan pada permohonan ini belum dikirim. Tinggalkan?"))
        leave = box.addButton(self.tr("Tinggalkan"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("Tetap di sini"), QMessageBox.ButtonRole.RejectRole)
        set_main_button(box, stay)
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
            self._offline = False
            self._offline_attempt = 0
        self._offline_timer.stop()
        self.current_id = app_id
        self._renew.stop()
        self._around = self._neighbours(app_id)
        self.workbench.set_busy(True, self.tr("Membuka permohonan…"))
        apps = self.apps
        needs_claim, can_act = self._needs_claim, self._can_act
        claimed: list[bool] = [False]

        def op(ctx: TaskContext) -> _Opening:
            note, read_only = "", ""
            try:
                kept = apps.kept_marks(app_id)
            except Exception:  # a closed or broken store never stops the opening
                log.exception("kept checklist marks not read")
                kept = None
            try:
                detail = apps.fetch_detail(app_id)
            except (ConnectionFailure, ApiError) as exc:
                cached = apps.cached_copy(app_id) if server_unreachable(exc) else None
                if cached is None:
                    raise
                log.info(
                    "server unreachable (%s): showing the cached copy (%s)",
                    type(exc).__name__,
                    cached.origin.value,
                )
                return _Opening(cached.detail, "", OFFLINE, kept, cached.origin)
            ctx.check_cancelled()
            if not needs_claim(detail):
                return _Opening(detail, note, "" if can_act(detail) else "not_processed", kept)
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
            return _Opening(detail, note, read_only, kept)

        self.runner.submit(
            self.tr("Membuka permohonan"),
            op,
            on_done=lambda r: self._opened(app_id, r, claimed[0]),
            on_error=lambda e: self._open_failed(app_id, e, claimed[0]),
        )

    def _opened(self, app_id: str, opening: _Opening, claimed: bool) -> None:
        if app_id != self.current_id:
            # The person moved on while we were loading: a claim taken for it goes back now.
            if claimed:
                self._claims.add(app_id)
                self._release(app_id)
            return
        detail, note, read_only = opening.detail, opening.note, opening.read_only
        self.workbench.set_busy(False)
        self._show(detail, opening.origin)
        self._offline = read_only == OFFLINE
        self.workbench.set_read_only(read_only in (ROLE_NOT_ALLOWED, OFFLINE))
        # A claim in the copy on this PC proves nothing about the server: never renewed.
        self._set_held(app_id, not self._offline and self.workbench.holds_claim())
        restored = self._restore_marks(detail, opening.kept, opening.origin)
        kind, text = "info", ""
        if self._offline:
            kind = "warning"
            if opening.origin is Origin.KEPT_SUMMARY:
                text = self.tr(
                    "Server tidak tersambung — data dari salinan terakhir di komputer ini, hanya "
                    "baca. Salinan ini hanya ringkasan dari antrean: dokumen dan riwayatnya "
                    "tidak tersedia. Permohonan dibuka kembali dengan sendirinya begitu server "
                    "tersambung."
                )
            else:
                text = self.tr(
                    "Server tidak tersambung — data dari salinan terakhir di komputer ini, hanya "
                    "baca. Permohonan dibuka kembali dengan sendirinya begitu server tersambung."
                )
            self._offline_timer.start(OFFLINE_RETRY_MS[0])
        elif note and not self.workbench.held_by_other():
            kind, text = "warning", note
        elif read_only:
            text = self._read_only_text(detail)
        if restored:
            text = f"{text} {restored}".strip()
        if text or not self.workbench.held_by_other():
            self.workbench.show_message(text, kind)
        self.opened.emit(app_id)
        self.queue_changed.emit()

    def _retry_online(self) -> None:
        """While only the copy is shown: ask the server again; open properly once it answers."""
        app_id = self.current_id
        if not app_id or not self._offline:
            return
        apps = self.apps

        def answered(_detail: ApplicationDetail) -> None:
            if app_id == self.current_id and self._offline:
                log.info("server reachable again: opening %s properly", app_id)
                self._open(app_id)

        def still_down(exc: Exception) -> None:
            if app_id != self.current_id or not self._offline:
                return
            if isinstance(exc, SessionExpired):
                self.session_expired.emit(exc.message)
                return
            self._offline_attempt = min(self._offline_attempt + 1, len(OFFLINE_RETRY_MS) - 1)
            self._offline_timer.start(OFFLINE_RETRY_MS[self._offline_attempt])

        self.runner.submit(
            self.tr("Memeriksa sambungan ke server"),
            lambda _ctx: apps.fetch_detail(app_id),
            on_done=answered,
            on_error=still_down,
            quiet=True,
        )

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

    def _show(self, detail: ApplicationDetail, origin: Origin = Origin.SERVER) -> None:
        service = None
        doc_types: Any = {}
        if self.catalogue is not None:
            service = self.catalogue.services.get(detail.service_code)
            doc_types = self.catalogue.document_types
        app_id = detail.id
        apps = self.apps
        mine = detail.claim is not None and detail.claim.user_id == self.user.id
        self._known[app_id] = (
            detail.number or app_id[:8],
            detail.claim.expires_at if mine and detail.claim is not None else None,
        )

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
            origin=origin,
        )

    def close(self) -> None:
        """Every way out of an application (Tutup, Esc, Ctrl+W, Ctrl+F, "Antrean"): unsent
        marks are kept on this PC, the claim is given back."""
        if self.current_id:
            self._keep_on_leaving()
        app_id = self.current_id
        self.current_id = None
        self._pending = None
        self._offline = False
        self._offline_timer.stop()
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
            on_done=lambda _r: self._released(app_id),
            on_error=lambda e: self._release_failed(app_id, e),
        )

    def _released(self, app_id: str) -> None:
        self._unreleased.pop(app_id, None)
        self.queue_changed.emit()

    def _release_failed(self, app_id: str, exc: Exception) -> None:
        """Say that the server still counts this person as handling it; try again."""
        log.info("release of %s failed: %s", app_id, type(exc).__name__)
        if isinstance(exc, SessionExpired):
            return  # the session is over; the lease runs out on the server
        number, until = self._known.get(app_id, (app_id[:8], None))
        first = app_id not in self._unreleased
        self._unreleased[app_id] = (number, until)
        if first:
            text = self.tr(
                "%1 belum dilepas di server (tidak tersambung); dicoba lagi otomatis"
            ).replace("%1", number)
            if until is not None:
                when = format_clock(until, datetime.now(UTC), self.tz)
                text += self.tr(", paling lambat berakhir pukul %1").replace("%1", when)
            self._tell(text + ".")
        if not self._release_timer.isActive():
            self._release_timer.start()

    def _retry_releases(self) -> None:
        now = datetime.now(UTC)
        for app_id, (_number, until) in list(self._unreleased.items()):
            if until is not None and until <= now:
                self._unreleased.pop(app_id)  # the lease ran out on the server by itself
        if not self._unreleased or self._releasing:
            return
        pending = dict(self._unreleased)
        apps = self.apps

        def op(_ctx: TaskContext) -> list[str]:
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
            self._releasing = False
            for app_id in done:
                number, _until = self._unreleased.pop(app_id, (app_id[:8], None))
                self._tell(self.tr("Permohonan %1 sudah dilepas di server.").replace("%1", number))
            if done:
                self.queue_changed.emit()
            if self._unreleased:
                self._release_timer.start()

        def failed(exc: Exception) -> None:
            self._releasing = False
            log.info("release retry failed: %s", type(exc).__name__)
            if self._unreleased and not isinstance(exc, SessionExpired):
                self._release_timer.start()

        self._releasing = True
        self.runner.submit(
            self.tr("Melepas klaim"), op, on_done=finished, on_error=failed, quiet=True
        )

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
            number, _until = self._known.get(app_id, (app_id[:8], None))
            self._known[app_id] = (number, result.claim.expires_at)
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
        """Idle lock or the session ending: stop renewing (the lease may lapse; nothing on
        screen is lost) and keep the unsent marks on this PC now."""
        self._paused = True
        self._renew.stop()
        self._keep_marks()

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
        with contextlib.suppress(RuntimeError):
            self.apps.forget_marks(app_id)  # sent with the decision
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
        number = result.application.number or app_id[:8]
        self.workbench.show_message(self._decided_text(action, action_value, number), "success")

    def _decided_text(self, action: Action | None, action_value: str, number: str) -> str:
        """What the decision recorded, and nothing more."""
        if action is Action.SIGN:
            return self.tr(
                "Permohonan %1 dicatat berstatus Ditandatangani. Tanda tangan elektronik tidak "
                "dibuat oleh Loket."
            ).replace("%1", number)
        word = action.done_label if action else action_value
        return self.tr("Permohonan %1 berhasil %2.").replace("%1", number).replace("%2", word)

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
