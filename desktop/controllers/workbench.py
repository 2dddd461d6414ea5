"""The workbench's application logic: open, claim, renew, release, decide, reload, step.

One application is open at a time (`current_id`). The controller runs every request as an
`Op` on the runner and says what to show through signals; the widget
(`desktop.views.workbench`) is connected to them by a thin binding in
`desktop.views.shell.workbench_host`, which also shows the dialogs. Nothing here touches a
widget, so it runs (and is tested) without a window.

- open: the last copy and the kept marks are read, the detail fetched, and whether to claim is
  decided up front with `desktop.domain.authority` (`may_claim`, `actions_for`: the rules the
  server decides with), never by trying: finished applications, stages the person's roles do
  not process, services or office levels they do not decide open read-only, calmly said, with
  no claim sent. A 409 means someone else holds it (shown, saying who); a 403 the server still
  sends (roles changed on the server mid-session) is an error message over a read-only view.
- the claim: taken by the opening op (or "Tangani"), kept by `renew` every `renew_minutes`
  while the application is open and the session not paused (idle lock), given back at close,
  at the next open and when an answer arrives for an application already left
  (`claims.ClaimReleaser`, which retries until the server has it).
- decide: sent as `OpKind.DECIDE` with the version the person saw and a `PendingDecision`
  (its transaction id is reused when the person retries after a lost answer); a 409 reloads
  and explains; any other failure keeps everything the person did.
- next / previous walk the queue's order (the neighbours remembered at opening, once a
  decision took it out of the filtered list).
- unsent ticks and notes are kept on this PC (the store) as they are made and at every way
  out, restored at the next opening, forgotten once a decision carried them.
- server down at opening: the last copy on this PC is shown read-only, and the application is
  opened properly on its own once the server answers again.

Every write goes through the store, which announces it (`StoreChange`): the queue refreshes
from that, not from a signal of this controller.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.controllers.claims import ClaimReleaser
from desktop.controllers.handover import HandoverController
from desktop.controllers.revision import RevisionController
from desktop.domain.authority import Actor, actions_for, may_claim
from desktop.domain.catalogue import Catalogue, DocumentType, Service
from desktop.domain.formatting import (
    format_clock,
    format_datetime,
    format_time,
    local,
    zone_for_region,
    zone_name,
)
from desktop.domain.records import ApplicationDetail, ChecklistItem, ClaimInfo, DocumentInfo
from desktop.domain.workflow import CLAIM_FREE, Action, available_actions, parse_action
from desktop.models.changes import Part, StoreChange
from desktop.models.outbox import EntryState, OutboxEntry
from desktop.models.store_events import StoreEvents
from desktop.services.api.errors import ApiError, ConnectionFailure, SessionExpired
from desktop.services.applications import (
    ApplicationService,
    ClaimResult,
    ConflictError,
    KeptMarks,
    Origin,
    PendingDecision,
)
from desktop.services.auth import UserInfo
from desktop.services.handover import Handover
from desktop.services.issuing import IssuedLetter
from desktop.services.operations import Op, OpKind, user_message
from desktop.services.outbox import OutboxSender
from desktop.services.retry import is_transient
from desktop.services.revision import RevisionRequest, UnsentRevision
from desktop.services.siak_output import IssuedOutput
from desktop.services.tasks import TaskContext, TaskRunner

log = logging.getLogger(__name__)

MARKS_SAVE_MS = 400
"""Unsent marks are written this long after the last tick or keystroke (and at once on leaving)."""
OFFLINE_RETRY_MS = (2_000, 3_000, 5_000, 10_000)
"""Delays between attempts to open an application properly while only its copy is shown."""


Outcome = Callable[[EntryState | None, str], None]


class OutboxLink(Protocol):
    """Who sends the outbox (`controllers.sync.SyncController`): a round now for one entry,
    and what it did with it (None: not attempted yet)."""

    def send_now(self, transaction_id: str, done: Outcome) -> None: ...


class _OwnRounds:
    """Until the session's sync controller is attached (`attach_outbox`; a controller made
    alone in a test): a round of the same `OutboxSender` on the runner."""

    def __init__(self, runner: TaskRunner, apps: ApplicationService) -> None:
        self.runner = runner
        self.apps = apps

    def send_now(self, transaction_id: str, done: Outcome) -> None:
        store = self.apps.store
        if store is None:
            done(None, "")
            return
        sender = OutboxSender(self.apps, store)
        Op(
            OpKind.OUTBOX_SEND,
            "Mengirim keputusan",
            sender.send_due,
            quiet=True,
        ).success(
            lambda report: done(
                report.outcome(transaction_id), report.reasons.get(transaction_id, "")
            )
        ).failure(lambda _exc, message: done(None, message)).run(self.runner)


class Checklist(Protocol):
    """What the controller reads back from the screen: the person's unsent marks."""

    def marks_to_keep(self) -> KeptMarks | None:
        """The marks not yet sent on the application shown, None when there are none."""
        ...

    def restore_marks(self, kept: KeptMarks) -> int:
        """Put kept marks back on the application shown; how many requirements changed."""
        ...


@dataclass(frozen=True)
class Shown:
    """One application to show, with everything the workbench needs to show it."""

    detail: ApplicationDetail
    service: Service | None
    document_types: Mapping[str, DocumentType]
    actions: tuple[Action, ...]
    """What this person may do (`authority.actions_for`); empty for read-only."""
    user_id: str
    load_document: Callable[[DocumentInfo], bytes] = field(compare=False)
    office_name: str | None = None
    origin: Origin = Origin.SERVER
    claim_held_here: bool = False
    """A copy kept on this PC (server unreachable) whose claim this person holds, as this PC
    records it: decisions are offered and wait in the outbox."""
    unsent_revision: UnsentRevision | None = None
    """The operator's revision of it still in the outbox (issue 11), shown as what waits."""


@dataclass(frozen=True)
class _Opening:
    """What the opening op found: the application and where it comes from, whether a claim
    was taken, why it is read-only ("" when it is not), a note (someone else holds it, or a
    refusal from the server) and the marks kept on this PC for it."""

    detail: ApplicationDetail
    origin: Origin = Origin.SERVER
    claimed: bool = False
    read_only: str = ""
    note: str = ""
    refused: str = ""
    kept: KeptMarks | None = None
    pending: OutboxEntry | None = None
    """A decision on it still in the outbox (not sent, not resolved): shown, no second one."""
    held_here: bool = False
    """Server unreachable, and this PC records that this person holds the claim (a release of
    it never reached the server, or none was asked): the claim is used offline."""
    unsent_revision: UnsentRevision | None = None


NOT_PROCESSED = "not_processed"
"""Read-only: the authority says this person takes no action on it now."""
OFFLINE = "offline"
"""Read-only because the server could not be reached: the last copy on this PC is shown."""
REFUSED = "refused"
"""Read-only because the server refused the claim (its authority differs from ours)."""


class WorkbenchController(QObject):
    """Claim/renew/release and decisions for the application open in the workbench."""

    shown = Signal(object)
    """A `Shown`: put this application on screen (again)."""
    cleared = Signal()
    """Nothing is open any more."""
    read_only_changed = Signal(bool)
    claim_changed = Signal(object)
    """The claim as the server last said it (`ClaimInfo`), after a claim or renewal."""
    busy_changed = Signal(bool, str)
    message = Signal(str, str)
    """(text, kind: info/success/warning/error); empty text hides the message."""
    marks_sent = Signal()
    """The checklist as it is went to the server with a decision."""
    leave_asked = Signal(str)
    """Unsent marks and no store to keep them: ask before opening this id (`open(confirmed=)`)."""
    opened = Signal(str)
    closed = Signal()
    decided = Signal(str, str)  # application id, action value
    session_expired = Signal(str)
    notice = Signal(str)
    kept_offline = Signal(str)
    """The decision on this application id waits in the outbox (saved on this PC)."""
    """Something the person should read even after the workbench closed (a release that did
    not reach the server, marks kept on this PC)."""

    def __init__(
        self,
        runner: TaskRunner,
        apps: ApplicationService,
        user: UserInfo,
        catalogue: Catalogue | None,
        *,
        neighbours: Callable[[str], tuple[str | None, str | None]],
        renew_minutes: int = 5,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.apps = apps
        self.user = user
        self.catalogue = catalogue
        self.actor = Actor.of(user.roles_raw, user.office.code, user.office.level)
        self._neighbours = neighbours
        self._clock = clock or (lambda: datetime.now(UTC))
        self._office_names: Callable[[str], str | None] = lambda _code: None
        self.checklist: Checklist | None = None
        self.tz: tzinfo | None = zone_for_region(user.office.code)
        """The office's zone for every time shown (None: the PC's, for an unknown region)."""
        apps.display_tz = self.tz

        self.current_id: str | None = None
        self.detail: ApplicationDetail | None = None  # as shown now
        self.origin = Origin.SERVER
        self.read_only = False
        self._claim: ClaimInfo | None = None  # as the server last said it
        self._claims: set[str] = set()  # application ids whose claim this session holds
        self._lease: dict[str, tuple[str, datetime | None]] = {}  # id -> (number, my lease end)
        self._around: tuple[str | None, str | None] = (None, None)  # of current_id, remembered
        self._pending: PendingDecision | None = None  # kept for a retry after a lost answer
        self._letters: dict[str, str] = {}  # application id -> number of the letter signed here
        """Applications whose decision waits in the outbox: their claim is not given back on
        leaving (the decision needs it when it is sent; the lease runs out by itself)."""
        self._paused = False
        self._offline_attempt = 0
        self._watching: str | None = None
        self._unsent_shown: tuple[str, UnsentRevision] | None = None
        """The operator's unsent revision shown with the open application: shown again on
        every re-show while its entry is still watched (a reload must not hide it)."""
        """The transaction id of the unsent decision shown read-only on `current_id`: the
        workbench follows its outbox entry (`follow_outbox`)."""
        self._watch_busy = False
        self._watch_again = False

        self.outbox: OutboxLink = _OwnRounds(runner, apps)
        store = apps.store
        self.revision = (
            RevisionController(runner, store, user.id, self) if store is not None else None
        )
        self.handover = (
            HandoverController(runner, store, user.id, self) if store is not None else None
        )
        """The operator's revision and handover (issue 11): kept in the outbox, then followed
        like any decision made here (`_queued`)."""
        self.releaser = ClaimReleaser(runner, apps, tz=self.tz, parent=self)
        self.releaser.notice.connect(self._tell)
        self.renew_timer = QTimer(self)
        self.renew_timer.setInterval(max(1, renew_minutes) * 60_000)
        self.renew_timer.timeout.connect(self.renew)
        self._marks_timer = QTimer(self)
        self._marks_timer.setSingleShot(True)
        self._marks_timer.setInterval(MARKS_SAVE_MS)
        self._marks_timer.timeout.connect(self._marks_settled)
        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.timeout.connect(self._retry_online)

    # -- setup ---------------------------------------------------------------------------------

    def attach_checklist(self, checklist: Checklist) -> None:
        """Where unsent marks are read from and restored to (the workbench widget)."""
        self.checklist = checklist

    def follow_outbox(self, events: StoreEvents) -> None:
        """The session's store events: a decision shown as unsent follows its outbox entry
        (sent: the server's version; konflik or ditolak: that line; dibuang: opened again)."""
        events.changed.connect(self._store_changed)

    def attach_outbox(self, outbox: OutboxLink) -> None:
        """The session's one sender of the outbox (the sync controller's lane)."""
        self.outbox = outbox

    def set_office_names(self, lookup: Callable[[str], str | None]) -> None:
        """Office code -> name (None when unknown), for the header; read at each show."""
        self._office_names = lookup

    def office_name(self, code: str) -> str | None:
        name = self._office_names(code)
        if not name and code == self.user.office.code:
            name = self.user.office.name
        return name if name and name != code else None

    # -- claim bookkeeping (per application id) ------------------------------------------------

    @property
    def held_claim_id(self) -> str | None:
        """The open application whose claim this session holds (released at sign-out)."""
        return self.current_id if self.current_id in self._claims else None

    def holds(self, app_id: str) -> bool:
        return app_id in self._claims

    def _set_held(self, app_id: str, held: bool) -> None:
        if held:
            self._claims.add(app_id)
        else:
            self._claims.discard(app_id)
        if app_id == self.current_id:
            if held and not self._paused:
                self.renew_timer.start()
            elif not held:
                self.renew_timer.stop()

    def holds_claim(self) -> bool:
        """This user holds an unexpired claim on what is shown, as the server last said
        (never for a copy kept on this PC: who holds it now is not known)."""
        claim = self._claim
        return (
            self.origin is Origin.SERVER
            and claim is not None
            and claim.user_id == self.user.id
            and self._clock() < claim.expires_at
        )

    def held_by_other(self) -> bool:
        claim = self._claim
        return (
            self.origin is Origin.SERVER
            and claim is not None
            and claim.user_id != self.user.id
            and self._clock() < claim.expires_at
        )

    def _release(self, app_id: str) -> None:
        """Give the claim on `app_id` back, if this session holds it (`ApplicationService.release`
        keeps it while a decision on it waits in the outbox)."""
        if app_id not in self._claims:
            return
        self._claims.discard(app_id)
        if app_id == self.current_id:
            self.renew_timer.stop()
        number, until = self._lease.get(app_id, (app_id[:8], None))
        self.releaser.release(app_id, number, until)

    def _give_back(self, app_id: str) -> None:
        """A claim taken for an application the person has already left goes back at once."""
        self._claims.add(app_id)
        self._release(app_id)

    # -- authority -----------------------------------------------------------------------------

    def _service(self, detail: ApplicationDetail) -> Service | None:
        return self.catalogue.services.get(detail.service_code) if self.catalogue else None

    def actions_for(self, detail: ApplicationDetail) -> tuple[Action, ...]:
        """What this person may do on `detail` now (service, office level and roles judged)."""
        if detail.status is None:
            return ()
        return actions_for(self.actor, detail.office_code, self._service(detail), detail.status)

    def needs_claim(self, detail: ApplicationDetail) -> bool:
        """Whether opening `detail` claims it: the person may claim it, and some action they
        may take needs the claim."""
        if detail.status is None:
            return False
        refusal = may_claim(self.actor, detail.office_code, self._service(detail), detail.status)
        return refusal is None and any(a not in CLAIM_FREE for a in self.actions_for(detail))

    def read_only_text(self, detail: ApplicationDetail) -> str:
        """Why this person only reads `detail` (the authority's own words for a service or an
        office that is not theirs)."""
        status = detail.status
        if status is None:
            return self.tr("Hanya baca: status permohonan ini tidak dikenal.")
        if status.terminal:
            return self.tr("Hanya baca: permohonan ini sudah berstatus %1.").replace(
                "%1", status.label
            )
        refusal = may_claim(self.actor, detail.office_code, self._service(detail), status)
        if refusal is not None and available_actions(status, self.actor.roles):
            return self.tr("Hanya baca: %1").replace("%1", refusal.message)
        return self.tr("Hanya baca: peran Anda tidak memproses tahap ini.")

    # -- open / close --------------------------------------------------------------------------

    def open(self, app_id: str, *, confirmed: bool = False) -> None:
        """Show `app_id` (claiming it when the person may act on it; releasing the previous
        one). Unsent ticks and notes of the one left are kept on this PC; without a store to
        keep them, `leave_asked` asks first (then `open(app_id, confirmed=True)`)."""
        if self.current_id and self.current_id != app_id and self._unsent() is not None:
            if self.apps.store is None and not confirmed:
                self.leave_asked.emit(app_id)
                return
            self._keep_on_leaving()
        self._open(app_id)

    def _open(self, app_id: str) -> None:
        if self.current_id and self.current_id != app_id:
            self._release(self.current_id)
        if self.current_id != app_id:
            self._pending = None
            self._offline_attempt = 0
        self._watching = None  # the opening says again what waits in the outbox
        self._offline_timer.stop()
        self.current_id = app_id
        self.renew_timer.stop()
        self._around = self._neighbours(app_id)
        self.busy_changed.emit(True, self.tr("Membuka permohonan…"))
        apps = self.apps
        claimed: list[bool] = [False]
        revision = self.revision

        def unsent_revision(app_id: str) -> UnsentRevision | None:
            try:
                return revision.service.unsent(app_id) if revision is not None else None
            except Exception:  # a closed or broken store never stops the opening
                log.exception("unsent revision not read")
                return None

        def fetch(ctx: TaskContext) -> _Opening:
            try:
                kept = apps.kept_marks(app_id)
                pending = apps.pending_decision(app_id)
            except Exception:  # a closed or broken store never stops the opening
                log.exception("kept checklist marks not read")
                kept, pending = None, None
            opening = self._fetch(ctx, app_id, kept, claimed, pending)
            if pending is None:
                return opening
            return replace(opening, pending=pending, unsent_revision=unsent_revision(app_id))

        # Not `relevant_while`: a claim taken for an application left meanwhile must go back.
        Op(OpKind.OPEN, self.tr("Membuka permohonan"), fetch).success(
            lambda opening: self._opened(app_id, opening)
        ).failure(lambda exc, message: self._open_failed(app_id, exc, message, claimed[0])).run(
            self.runner
        )

    def _fetch(
        self,
        ctx: TaskContext,
        app_id: str,
        kept: KeptMarks | None,
        claimed: list[bool],
        pending: OutboxEntry | None = None,
    ) -> _Opening:
        """The opening's work on the worker: the detail, and the claim when one is needed."""
        apps, needs_claim = self.apps, self.needs_claim
        try:
            detail = apps.fetch_detail(app_id)
        except (ConnectionFailure, ApiError) as exc:
            cached = apps.cached_copy(app_id) if is_transient(exc) else None
            if cached is None:
                raise
            log.info(
                "server unreachable (%s): showing the cached copy (%s)",
                type(exc).__name__,
                cached.origin.value,
            )
            if self._may_use_claim_offline(cached.detail, pending):
                dropped = apps.use_claim_offline(app_id)
                log.info("claim on %s used offline (%d release(s) dropped)", app_id, len(dropped))
                return _Opening(cached.detail, cached.origin, kept=kept, held_here=True)
            return _Opening(cached.detail, cached.origin, read_only=OFFLINE, kept=kept)
        ctx.check_cancelled()
        if not needs_claim(detail):  # decided up front: no claim is tried
            return _Opening(detail, kept=kept)
        note = refused = ""
        try:
            apps.claim(app_id)
            claimed[0] = True
        except ConflictError as exc:
            note = exc.message
        except ApiError as exc:
            if exc.status != 403:
                raise
            # The server judges otherwise (roles changed there mid-session): an error.
            refused = user_message(exc)
        if claimed[0] or note:
            detail = apps.fetch_detail(app_id)  # with the claim (and who holds it)
        return _Opening(
            detail,
            claimed=claimed[0],
            read_only=REFUSED if refused else "",
            note=note,
            refused=refused,
            kept=kept,
        )

    def _may_use_claim_offline(
        self, detail: ApplicationDetail, pending: OutboxEntry | None
    ) -> bool:
        """Server unreachable: whether this person may decide on the copy kept here. Only on
        a claim this PC records as theirs (the server keeps it until its lease ends: a release
        of it never reached the server, or none was asked), with no decision of theirs still
        in the outbox (a release queued behind that one must still go), and where the
        authority lets them act on it. Never claimed by them: read-only."""
        claim = detail.claim
        mine = claim is not None and claim.user_id == self.user.id
        return mine and pending is None and self.needs_claim(detail)

    def _opened(self, app_id: str, opening: _Opening) -> None:
        if app_id != self.current_id:
            if opening.claimed:
                self._give_back(app_id)
            return
        detail = opening.detail
        self.busy_changed.emit(False, "")
        offline = opening.read_only == OFFLINE
        held_here = opening.held_here
        pending = opening.pending
        read_only = bool(opening.read_only) or not self.actions_for(detail) or pending is not None
        self._show(
            detail,
            opening.origin,
            read_only=read_only,
            held_here=held_here,
            unsent_revision=opening.unsent_revision,
        )
        # A claim in the copy on this PC proves nothing about the server: never renewed,
        # except the one this PC records as this person's, used offline (`held_here`).
        self._set_held(app_id, held_here or (not offline and self.holds_claim()))
        restored = self._restore_marks(detail, opening.kept, opening.origin)
        kind, text = "info", ""
        if held_here:
            kind, text = "warning", self.held_here_text(detail)
            self._offline_timer.start(OFFLINE_RETRY_MS[0])
        elif offline and self.needs_claim(detail):
            kind = "warning"
            text = self.tr(
                "Server tidak tersambung — hanya baca: permohonan ini tidak Anda klaim sebelum "
                "server terputus, jadi belum dapat diputuskan di komputer ini. Data dari salinan "
                "terakhir di komputer ini; permohonan dibuka kembali dengan sendirinya begitu "
                "server tersambung."
            )
            self._offline_timer.start(OFFLINE_RETRY_MS[0])
        elif offline:
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
        if pending is not None:  # no second decision until this one is sent or resolved
            self._watching = pending.transaction_id
            kind = "warning" if pending.state is EntryState.CONFLICT else "info"
            text = f"{self.pending_text(pending)} {text}".strip()
        elif opening.refused:
            kind = "error"
            text = self.tr("Server menolak klaim: %1").replace("%1", opening.refused)
        elif opening.note and not self.held_by_other():
            kind, text = "warning", opening.note
        elif read_only and not offline:  # offline: the line above says why (not the roles)
            text = self.read_only_text(detail)
        if restored:
            text = f"{text} {restored}".strip()
        if text or not self.held_by_other():
            self.message.emit(text, kind)
        self.opened.emit(app_id)

    def held_here_text(self, detail: ApplicationDetail) -> str:
        """The line over a copy whose claim is used offline: until when it is claimed, and
        what happens to a decision."""
        text = self.tr(
            "Server tidak tersambung — data dari salinan terakhir di komputer ini. Anda masih "
            "memegang klaimnya"
        )
        claim = detail.claim
        if claim is not None:
            until = claim.expires_at
            when = (
                f"{format_clock(until, self._clock(), self.tz)} {zone_name(local(until, self.tz))}"
            )
            text += " " + self.tr("(diklaim sampai %1)").replace("%1", when.strip())
        text += self.tr(
            ": keputusan disimpan di komputer ini dan dikirim otomatis saat server tersambung."
        )
        if claim is not None and claim.expires_at <= self._clock():
            text += " " + self.tr(
                "Masa klaim itu sudah lewat: saat dikirim, klaim diambil lagi; bila orang lain "
                "mengambilnya lebih dulu, keputusan menjadi konflik yang harus diperiksa."
            )
        return text

    def _open_failed(self, app_id: str, exc: Exception, message: str, claimed: bool) -> None:
        if app_id != self.current_id:
            if claimed:
                self._give_back(app_id)
            return
        if claimed:
            self._claims.add(app_id)  # released at close / next open
        self.busy_changed.emit(False, "")
        if isinstance(exc, SessionExpired):
            self.session_expired.emit(exc.message)
        if self.detail is None or self.detail.id != app_id:
            self._clear()
        self.message.emit(
            self.tr("Permohonan tidak dapat dibuka: %1").replace("%1", message), "error"
        )

    def _retry_online(self) -> None:
        """While only the copy is shown: ask the server again; open properly once it answers."""
        app_id = self.current_id
        if not app_id or not self._offline:
            return
        apps = self.apps

        def still_down(exc: Exception, _message: str) -> None:
            if isinstance(exc, SessionExpired):
                self.session_expired.emit(exc.message)
                return
            self._offline_attempt = min(self._offline_attempt + 1, len(OFFLINE_RETRY_MS) - 1)
            self._offline_timer.start(OFFLINE_RETRY_MS[self._offline_attempt])

        def answered(_detail: ApplicationDetail) -> None:
            log.info("server reachable again: opening %s properly", app_id)
            self.keep_marks()  # ticks made on the copy come back from the store
            self._open(app_id)

        Op(
            OpKind.PROBE,
            self.tr("Memeriksa sambungan ke server"),
            lambda _ctx: apps.fetch_detail(app_id),
            quiet=True,
        ).success(answered).failure(still_down).relevant_while(
            lambda: app_id == self.current_id and self._offline
        ).run(self.runner)

    @property
    def _offline(self) -> bool:
        """The open application is only the copy on this PC."""
        return self.detail is not None and self.origin is not Origin.SERVER

    def _show(
        self,
        detail: ApplicationDetail,
        origin: Origin = Origin.SERVER,
        *,
        read_only: bool,
        held_here: bool = False,
        unsent_revision: UnsentRevision | None = None,
    ) -> None:
        """Put `detail` on screen, with the actions this person may take on it."""
        app_id = detail.id
        kept = self._unsent_shown
        if unsent_revision is None and kept is not None and kept[0] == app_id:
            unsent_revision = kept[1] if self._watching is not None else None
        self._unsent_shown = (app_id, unsent_revision) if unsent_revision is not None else None
        apps = self.apps
        mine = detail.claim is not None and detail.claim.user_id == self.user.id
        self._lease[app_id] = (
            detail.number or app_id[:8],
            detail.claim.expires_at if mine and detail.claim is not None else None,
        )
        self.detail, self.origin, self._claim = detail, origin, detail.claim

        def load(doc: DocumentInfo) -> bytes:
            return apps.fetch_document(app_id, doc.id)

        self.shown.emit(
            Shown(
                detail,
                self._service(detail),
                self.catalogue.document_types if self.catalogue else {},
                self.actions_for(detail),
                self.user.id,
                load,
                office_name=self.office_name(detail.office_code),
                origin=origin,
                claim_held_here=held_here,
                unsent_revision=unsent_revision,
            )
        )
        self._set_read_only(read_only)

    def _set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.read_only_changed.emit(read_only)

    def _clear(self) -> None:
        self.detail, self._claim, self.origin, self.read_only = None, None, Origin.SERVER, False
        self.cleared.emit()

    def close(self) -> None:
        """Every way out of an application (Tutup, Esc, Ctrl+W, Ctrl+F, "Antrean"): unsent
        marks are kept on this PC, the claim is given back."""
        if self.current_id:
            self._keep_on_leaving()
        app_id = self.current_id
        self.current_id = None
        self._pending = None
        self._watching = None
        self._offline_timer.stop()
        self.renew_timer.stop()
        self._clear()
        if app_id:
            self._release(app_id)
        self.closed.emit()

    # -- unsent marks, kept on this PC ---------------------------------------------------------

    def _unsent(self) -> KeptMarks | None:
        """The unsent marks on the application open now, None when there are none."""
        if self.checklist is None or self.current_id is None:
            return None
        marks = self.checklist.marks_to_keep()
        return marks if marks is not None and marks.app_id == self.current_id else None

    def marks_changed(self) -> None:
        """A tick or a note changed: keep them soon (debounced)."""
        self._marks_timer.start()

    def keep_marks(self) -> bool:
        """Write the open application's unsent marks now; True when there were any."""
        self._marks_timer.stop()
        marks = self._unsent()
        if marks is None:
            return False
        try:
            self.apps.keep_marks(marks)
        except RuntimeError:  # the store closed under us (session ending)
            log.warning("unsent checklist marks of %s could not be kept", marks.app_id)
            return False
        return True

    def _marks_settled(self) -> None:
        """Debounced after each tick or keystroke: keep them, or forget them when the
        checklist is back to what the server has."""
        if self.keep_marks():
            return
        detail = self.detail
        if detail is not None and detail.id == self.current_id and not self.read_only:
            with contextlib.suppress(RuntimeError):
                self.apps.forget_marks(detail.id)

    def _keep_on_leaving(self) -> None:
        detail = self.detail
        if detail is not None and self.keep_marks():
            self._tell(
                self.tr("Tanda pada %1 disimpan di komputer ini sampai dikirim.").replace(
                    "%1", detail.number or detail.id[:8]
                )
            )

    def _restore_marks(
        self, detail: ApplicationDetail, kept: KeptMarks | None, origin: Origin
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
        if self.checklist is None or not self.checklist.restore_marks(kept):
            return ""
        when = format_datetime(datetime.fromtimestamp(kept.saved_at, UTC), self.tz)
        return self.tr(
            "Tanda dan catatan yang belum dikirim dipulihkan dari komputer ini (disimpan %1)."
        ).replace("%1", when)

    def _tell(self, text: str) -> None:
        log.info("notice: %s", text)
        self.notice.emit(text)

    # -- claim and its renewal -------------------------------------------------------------------

    def claim(self) -> None:
        """ "Tangani": claim the open application."""
        if self.current_id:
            self._claim_op(self.current_id, OpKind.CLAIM)

    def renew(self) -> None:
        """Every `renew_minutes` while the open application's claim is held: keep the lease."""
        if self.current_id and self.current_id in self._claims and not self._paused:
            self._claim_op(self.current_id, OpKind.RENEW)

    def _claim_op(self, app_id: str, kind: OpKind) -> None:
        quiet = kind is OpKind.RENEW

        def done(result: ClaimResult) -> None:
            if app_id != self.current_id:
                self._give_back(app_id)  # left meanwhile (its release may even have run first)
                return
            self._set_held(app_id, True)
            number, _until = self._lease.get(app_id, (app_id[:8], None))
            self._lease[app_id] = (number, result.claim.expires_at)
            self._claim = result.claim
            self.claim_changed.emit(result.claim)
            detail = self.detail
            if detail is not None and result.version != detail.version:
                self.reload(self.tr("Permohonan ini berubah sejak dibuka; data terbaru dimuat."))
            elif not quiet:
                self.message.emit(self.tr("Klaim diambil."), "success")

        def failed(exc: Exception, message: str) -> None:
            if app_id != self.current_id:
                return
            if isinstance(exc, SessionExpired):
                self.session_expired.emit(exc.message)
                return
            if isinstance(exc, ConflictError):
                self._set_held(app_id, False)
                self.reload(exc.message)
                return
            if isinstance(exc, ApiError) and exc.status == 403:
                # The server judges otherwise (roles changed there mid-session).
                self._set_held(app_id, False)
                self._set_read_only(True)
                self.message.emit(
                    self.tr("Server menolak klaim: %1").replace("%1", message), "error"
                )
                return
            if not quiet:
                self.message.emit(message, "error")

        apps = self.apps
        # Not `relevant_while`: a claim answered for an application left meanwhile goes back.
        renewal = kind is OpKind.RENEW
        Op(
            kind, self.tr("Mengambil klaim"), lambda _ctx: apps.claim(app_id, renewal=renewal)
        ).success(done).failure(failed).run(self.runner)

    def pause(self) -> None:
        """Idle lock or the session ending: stop renewing (the lease may lapse; nothing on
        screen is lost) and keep the unsent marks on this PC now."""
        self._paused = True
        self.renew_timer.stop()
        self.keep_marks()

    def resume(self) -> None:
        self._paused = False
        if self.current_id and self.current_id in self._claims:
            self._claim_op(self.current_id, OpKind.RENEW)

    # -- decisions -----------------------------------------------------------------------------

    def decide(self, action_value: str, reason: str, checklist: Sequence[ChecklistItem]) -> None:
        """The person's decision on the open application: written to the outbox first (with
        the marks it carries, in one store write), then a round is asked for now; what the
        outbox did with it is shown (`_outcome`). Nothing is sent by anyone else, so nothing
        decided is ever only in memory when the session ends."""
        detail = self.detail
        if detail is None:
            return
        action = parse_action(action_value)
        label = action.label if action else action_value
        self.busy_changed.emit(
            True, self.tr("Menyimpan keputusan \u201c%1\u201d…").replace("%1", label)
        )
        items = list(checklist)
        app_id, version, seen = detail.id, detail.version, detail.status_raw
        around = self._neighbours(app_id)
        if around != (None, None):
            self._around = around
        pending = self._pending
        if pending is None or not pending.matches(
            app_id, action_value, expected_version=version, reason=reason or None, checklist=items
        ):
            pending = PendingDecision.create(
                app_id,
                action_value,
                expected_version=version,
                reason=reason or None,
                checklist=items,
                seen_status=seen,
            )
        self._pending = decision = pending  # the same transaction id if this write fails
        label = f"{label} {detail.number or app_id[:8]}"
        apps = self.apps
        # Not `relevant_while`: the outcome matters (claim, kept marks) even once left.
        Op(
            OpKind.DECIDE,
            self.tr("Menyimpan keputusan"),
            lambda _ctx: apps.keep_decision(decision, label=label),
        ).success(lambda _added: self._queued(decision, action_value, label)).failure(
            lambda _exc, message: self._not_saved(app_id, label, message)
        ).run(self.runner)

    def resubmit(self, request: RevisionRequest) -> None:
        """The operator's revision of the open application (edit, documents, Ajukan ulang):
        kept in the outbox in one write, then sent and followed like a decision."""
        self._keep_counter_work(Action.RESUBMIT, request)

    def deliver(self, handover: Handover) -> None:
        """Serahkan with who collected (and a representative's letter), like `resubmit`."""
        self._keep_counter_work(Action.DELIVER, handover)

    def follow_issued(self, letter: IssuedLetter) -> None:
        """A letter signed in the sign dialog (issue 13): its upload, registration and sign
        action are already in the outbox (`IssuingService.issue`); a round is asked for now
        and its outcome shown like a decision's."""
        self._letters[letter.app_id] = letter.number.formatted
        self._follow_sign(letter.app_id, letter.transaction_ids[2], letter.sha256)

    def follow_siak(self, outputs: Sequence[IssuedOutput]) -> None:
        """SIAK outputs signed in their dialog (issue 13): followed like a letter, by the
        sign action queued with the main output (the first)."""
        main = outputs[0]
        self._follow_sign(main.app_id, main.kept.transaction_ids[2], main.sha256)

    def _follow_sign(self, app_id: str, transaction_id: str, sha256: str) -> None:
        detail = self.detail
        number = detail.number if detail is not None and detail.id == app_id else None
        label = f"{Action.SIGN.label} {number or app_id[:8]}"
        decision = PendingDecision.create(
            app_id,
            Action.SIGN,
            expected_version=detail.version + 1 if detail is not None else 0,
            transaction_id=transaction_id,
            document_sha256=sha256,
        )  # the entry's identity only: what is sent is the outbox entry itself
        if app_id == self.current_id:
            self.busy_changed.emit(True, self.tr("Mengirim dokumen bertanda tangan…"))
        self.outbox.send_now(
            decision.transaction_id,
            lambda state, why: self._outcome(decision, Action.SIGN.value, label, state, why),
        )

    def _keep_counter_work(self, action: Action, what: RevisionRequest | Handover) -> None:
        detail = self.detail
        if detail is None:
            return
        app_id, label = detail.id, f"{action.label} {detail.number or detail.id[:8]}"
        self.busy_changed.emit(
            True, self.tr("Menyimpan keputusan \u201c%1\u201d…").replace("%1", action.label)
        )

        def failed(message: str) -> None:
            self._not_saved(app_id, label, message)

        def done(decision: PendingDecision, kept_label: str) -> None:
            self._queued(decision, action.value, kept_label)

        if isinstance(what, Handover):
            if self.handover is None:
                failed(self.tr("Tidak ada penyimpanan di komputer ini."))
                return
            self.handover.queue(detail, what, lambda q: done(q.decision, q.label), failed)
        else:
            if self.revision is None:
                failed(self.tr("Tidak ada penyimpanan di komputer ini."))
                return
            self.revision.queue(detail, what, lambda q: done(q.resubmit, q.label), failed)

    def _queued(self, decision: PendingDecision, action_value: str, label: str) -> None:
        """On disk: the marks are carried by the entry; ask for a round now."""
        if self._pending is decision:
            self._pending = None
        if decision.app_id == self.current_id:
            self.marks_sent.emit()
        self.outbox.send_now(
            decision.transaction_id,
            lambda state, why: self._outcome(decision, action_value, label, state, why),
        )

    def _outcome(
        self,
        decision: PendingDecision,
        action_value: str,
        label: str,
        state: EntryState | None,
        why: str,
    ) -> None:
        """What the outbox did with the decision just made."""
        app_id, tx = decision.app_id, decision.transaction_id
        if state is EntryState.SENT:
            apps = self.apps
            Op(
                OpKind.RELOAD,
                self.tr("Memuat hasil keputusan"),
                lambda _ctx: apps.cached_detail(app_id) or apps.fetch_detail(app_id),
            ).success(lambda detail: self._decided(app_id, action_value, detail)).failure(
                lambda _exc, _message: self._decided(app_id, action_value, None)
            ).run(self.runner)
            return
        if state in (EntryState.CONFLICT, EntryState.REFUSED):
            if app_id != self.current_id:  # left: it waits on the Sinkronisasi page
                self._tell(
                    self.tr("Keputusan %1 tidak diterima server (%2): %3")
                    .replace("%1", label)
                    .replace("%2", state.label if state else "")
                    .replace("%3", why)
                )
                return
            self._seen(tx, why)
            self._watching = None  # seen here: dibuang, decided again on fresh data
            self.busy_changed.emit(False, "")
            if state is EntryState.CONFLICT:
                self.reload(why)
                return
            self.message.emit(
                self.tr("Keputusan ditolak server: %1 Pilihan Anda masih ada; coba lagi.").replace(
                    "%1", why
                ),
                "error",
            )
            return
        if app_id == self.current_id:
            self._watching = tx  # shown as kept: follows the entry from now on
        self._kept(app_id, label, why)
        if action_value == Action.RESUBMIT.value and app_id == self.current_id:
            self._show_unsent_revision(app_id)

    def _show_unsent_revision(self, app_id: str) -> None:
        """An operator's revision kept on this PC (not sent): shown as what waits, read back
        from the outbox, instead of the form it was typed in (issue 11)."""
        revision = self.revision
        if revision is None:
            return
        service = revision.service

        def shown(unsent: UnsentRevision | None) -> None:
            detail = self.detail
            if unsent is None or detail is None or detail.id != app_id:
                return
            if app_id != self.current_id or self._watching is None:
                return  # left, or sent meanwhile
            self._show(detail, self.origin, read_only=True, unsent_revision=unsent)

        Op(
            OpKind.RELOAD,
            self.tr("Membaca perbaikan yang belum terkirim"),
            lambda _ctx: service.unsent(app_id),
        ).success(shown).failure(
            lambda _exc, _message: log.warning("unsent revision of %s not read", app_id)
        ).run(self.runner)

    # -- an unsent decision on screen follows its outbox entry ----------------------------------

    def _store_changed(self, change: StoreChange) -> None:
        app_id = self.current_id
        if self._watching is None or app_id is None or not change.touches(Part.OUTBOX):
            return
        if change.about(app_id) or not change.app_ids:  # unlisted: retry_now, requeue
            self._look_at_entry()

    def _look_at_entry(self) -> None:
        """Read the watched entry (and, once it is done, the detail its answer wrote) on a
        worker; one read at a time, another after it when changes came meanwhile."""
        app_id, tx = self.current_id, self._watching
        if app_id is None or tx is None:
            return
        if self._watch_busy:
            self._watch_again = True
            return
        self._watch_busy, self._watch_again = True, False
        apps = self.apps

        def read(_ctx: TaskContext) -> tuple[OutboxEntry | None, ApplicationDetail | None]:
            store = apps.store
            found = (
                [e for e in store.outbox_entries(app_id) if e.transaction_id == tx] if store else []
            )
            entry = found[0] if found else None
            done = entry is None or entry.state in (EntryState.SENT, EntryState.DISCARDED)
            return entry, apps.cached_detail(app_id) if done else None

        def finished() -> None:
            self._watch_busy = False
            if self._watch_again:
                self._look_at_entry()

        def read_failed(exc: Exception, _message: str) -> None:
            log.warning("outbox entry of the open application not read: %s", type(exc).__name__)
            finished()

        def read_done(found: tuple[OutboxEntry | None, ApplicationDetail | None]) -> None:
            self._entry_read(app_id, tx, *found)
            finished()

        Op(OpKind.RELOAD, self.tr("Membaca keadaan keputusan yang belum terkirim"), read).success(
            read_done
        ).failure(read_failed).run(self.runner)

    def _entry_read(
        self,
        app_id: str,
        tx: str,
        entry: OutboxEntry | None,
        detail: ApplicationDetail | None,
    ) -> None:
        """What became of the watched entry, shown if the person is still on it."""
        if app_id != self.current_id or tx != self._watching:
            return  # left, or another opening watches another entry
        if entry is not None and entry.state is EntryState.SENT:
            self._watching = None
            action = str(entry.payload.get("action") or "")
            log.info("the unsent decision on %s was sent: the server's version shown", app_id)
            self._decided(app_id, action, detail)
            return
        if entry is None or entry.state is EntryState.DISCARDED:
            self._watching = None  # resolved on the Sinkronisasi page: as it is now
            self._open(app_id)
            return
        if entry.state in (EntryState.CONFLICT, EntryState.REFUSED):
            self.message.emit(self.pending_text(entry), "warning")
        # Still on its way (menunggu, mengirim, coba lagi): the line shown stays true.

    def _seen(self, transaction_id: str, why: str) -> None:
        """A konflik or refusal shown to the person where they decided (the workbench reloads
        and they decide again on fresh data) is done with: dibuang, with the reason."""
        apps = self.apps
        reason = self.tr("Ditampilkan kepada petugas saat memutuskan: %1").replace("%1", why)
        Op(
            OpKind.OUTBOX_KEEP,
            self.tr("Mencatat konflik yang sudah dilihat"),
            lambda _ctx: apps.discard_seen(transaction_id, reason),
            quiet=True,
        ).run(self.runner)

    def pending_text(self, entry: OutboxEntry) -> str:
        """The read-only line of a decision still in the outbox: what, its state, and until
        when this person's claim holds."""
        what = entry.label or self.tr("Keputusan")
        if entry.state is EntryState.CONFLICT:
            state = self.tr("konflik — %1 Selesaikan di halaman Sinkronisasi (F9).").replace(
                "%1", entry.reason
            )
        elif entry.state is EntryState.REFUSED:
            state = self.tr("ditolak server — %1 Lihat halaman Sinkronisasi (F9).").replace(
                "%1", entry.reason
            )
        elif entry.state is EntryState.RETRY and entry.next_attempt_at is not None:
            at = datetime.fromtimestamp(entry.next_attempt_at, UTC)
            state = self.tr("coba lagi pukul %1").replace(
                "%1", f"{format_time(at, self.tz)} {zone_name(local(at, self.tz))}"
            )
            if entry.reason:
                state += f" ({entry.reason})"
        else:
            state = entry.state.label
        text = self.tr("Keputusan belum terkirim: %1 — %2.").replace("%1", what)
        text = text.replace("%2", state.rstrip("."))
        claim = self._claim
        if claim is not None and claim.user_id == self.user.id:
            until = claim.expires_at
            when = (
                f"{format_clock(until, self._clock(), self.tz)} {zone_name(local(until, self.tz))}"
            )
            text += " " + self.tr("Diklaim sampai %1.").replace("%1", when)
        return text + " " + self.tr("Keputusan lain dapat diambil setelah terkirim.")

    def _kept(self, app_id: str, label: str, why: str) -> None:
        """Not sent yet (the server cannot be reached, or it said "later"): it waits on this
        PC and goes by itself."""
        _number, until = self._lease.get(app_id, (app_id[:8], None))
        text = self.tr(
            "Keputusan disimpan di komputer ini dan akan dikirim otomatis saat server tersambung."
        )
        if until is not None:
            text += " " + self.tr("Klaim Anda atas permohonan ini berlaku sampai %1.").replace(
                "%1", format_datetime(until, self.tz)
            )
            if until <= self._clock():
                text += " " + self.tr(
                    "Klaim itu sudah berakhir: bila orang lain mengambilnya, keputusan ini "
                    "menjadi konflik yang harus diperiksa."
                )
        log.info("decision on %s kept in the outbox (%s)", app_id, why or "not sent yet")
        if app_id != self.current_id:
            self._tell(f"{label}: {text}")
            return
        self.busy_changed.emit(False, "")
        self._set_read_only(True)  # decided: nothing more to decide on this version
        self.message.emit(text, "info")
        self.kept_offline.emit(app_id)

    def _not_saved(self, app_id: str, label: str, message: str) -> None:
        """The store could not take the decision (disk full, locked): nothing was sent either;
        said plainly, the person's choices stay on screen."""
        if app_id != self.current_id:
            self._tell(
                self.tr("Keputusan %1 belum tersimpan: %2")
                .replace("%1", label)
                .replace("%2", message)
            )
            return
        self.busy_changed.emit(False, "")
        self.message.emit(
            self.tr(
                "Keputusan belum tersimpan di komputer ini: %1 Pilihan Anda masih ada; coba lagi."
            ).replace("%1", message),
            "error",
        )

    def _decided(self, app_id: str, action_value: str, detail: ApplicationDetail | None) -> None:
        self.decided.emit(app_id, action_value)
        claim = detail.claim if detail is not None else None
        still_mine = claim is not None and claim.user_id == self.user.id
        if app_id != self.current_id:
            if still_mine:
                self._give_back(app_id)
            else:
                self._claims.discard(app_id)
            return
        self.busy_changed.emit(False, "")
        if detail is None:
            self.reload()
        else:
            self._show(detail, read_only=not self.actions_for(detail))
            self._set_held(app_id, still_mine and self.holds_claim())
        action = parse_action(action_value)
        number = (detail.number if detail is not None else None) or app_id[:8]
        letter = self._letters.pop(app_id, None) if action is Action.SIGN else None
        self.message.emit(self._decided_text(action, action_value, number, letter), "success")

    def _decided_text(
        self, action: Action | None, action_value: str, number: str, letter: str | None = None
    ) -> str:
        """What the decision recorded, and nothing more."""
        if action is Action.SIGN and letter:
            return (
                self.tr(
                    "Surat %1 ditandatangani secara elektronik; permohonan %2 berstatus "
                    "Ditandatangani."
                )
                .replace("%1", letter)
                .replace("%2", number)
            )
        if action is Action.SIGN:
            return self.tr(
                "Permohonan %1 dicatat berstatus Ditandatangani. Tanda tangan elektronik tidak "
                "dibuat oleh Loket."
            ).replace("%1", number)
        word = action.done_label if action else action_value
        return self.tr("Permohonan %1 berhasil %2.").replace("%1", number).replace("%2", word)

    def reload(self, message: str = "") -> None:
        """Fetch the application again (after a 409) and show `message` over it."""
        app_id = self.current_id
        if not app_id:
            return
        apps = self.apps
        self.busy_changed.emit(True, self.tr("Memuat data terbaru…"))

        def done(detail: ApplicationDetail) -> None:
            self.busy_changed.emit(False, "")
            self._show(detail, read_only=self.read_only or not self.actions_for(detail))
            self._set_held(app_id, self.holds_claim())
            if message:
                self.message.emit(message, "warning")

        def failed(_exc: Exception, text: str) -> None:
            self.busy_changed.emit(False, "")
            self.message.emit(f"{message} {text}".strip(), "error")

        Op(
            OpKind.RELOAD,
            self.tr("Memuat ulang permohonan"),
            lambda _ctx: apps.fetch_detail(app_id),
        ).success(done).failure(failed).relevant_while(lambda: app_id == self.current_id).run(
            self.runner
        )

    # -- navigation ----------------------------------------------------------------------------

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) in the queue's current order."""
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
            self.message.emit(
                self.tr("Tidak ada permohonan berikutnya di antrean.")
                if delta > 0
                else self.tr("Ini permohonan pertama di antrean."),
                "info",
            )
