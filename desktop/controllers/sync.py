"""Keeping the local queue up to date: the one place a pull is scheduled.

A pull runs when the session starts, every `refresh_seconds`, when the person asks (F5, the
queue's "Perbarui" button, `pull`), after the lock screen is left (`resume`: none ran while
locked) and as soon as the server answers again after an outage (`ConnectionWatch.reconnected`).
One pull at a time; none while `paused()` says so (the window is locked).

What a pull brought is *not* pushed to the queue from here: the store announces each page it
commits (`models.changes`), and the queue refreshes itself from those announcements. This
controller only says how the sync stands, as one line for the status bar (`state_changed`):
when the queue was last brought up to date, how many decisions are still on their way to the
server (counted by op kind, `OpKind.DECIDE`, recounted whenever one starts or ends), and
whether the last pull failed.

It also drives the outbox (`services.outbox.OutboxSender`): a round of sending runs as an
`Op(OpKind.OUTBOX_SEND)` on its own lane (`OUTBOX_LANE`, one thread: a hung send never holds
up a pull, and rounds never overlap) when the session starts, after every successful pull (so
after the server came back: `ConnectionWatch.reconnected` pulls first), when the next *coba
lagi* entry is due (`outbox_timer`), and on "coba sekarang" (`retry_outbox_now`). The outbox's
counts ("3 menunggu · 1 konflik", `outbox_changed`) are recounted when the store announces a
change to `Part.OUTBOX`, never by polling.

After every successful pull (the server answers) the session's `LetterNumbers` get a refill
pass on the same lane (`attach_letters`): a block is reserved for each letter type the office
issues that has none or runs low, so letters printed during the next outage have numbers.
Nothing is tried while the pulls fail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.controllers.connection import ConnectionWatch
from desktop.domain.formatting import format_time
from desktop.models import audit_log
from desktop.models.changes import Part, StoreChange
from desktop.models.outbox import EntryState, summary_text
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.api.errors import ConnectionFailure, SessionExpired
from desktop.services.audit_push import AuditPusher, after_round
from desktop.services.letter_numbers import LetterNumbers
from desktop.services.operations import Op, OpKind
from desktop.services.outbox import OutboxSender, RoundReport
from desktop.services.sync import PullResult, SyncService
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

OutboxOutcome = Callable[[EntryState | None, str], None]
"""(what the round did with the entry, None: not attempted yet (waiting behind another entry,
put back); the reason kept with it)."""

OUTBOX_LANE = "outbox"
OUTBOX_IDLE_CHECK_MS = 60_000
"""With nothing due at a known time, the outbox is still looked at this often (an entry
written while a round ran)."""


def local_time(iso: str, tz: tzinfo | None) -> str:
    """The time of a stored ISO timestamp in the office's zone (None: the PC's)."""
    try:
        return format_time(datetime.fromisoformat(iso), tz)
    except ValueError:
        return iso


class SyncController(QObject):
    """Schedules pulls and describes the sync state; the views only show what it says."""

    pulled = Signal(object)
    """A pull ended well (the `PullResult`)."""
    pull_failed = Signal(str)
    """A pull failed: the Indonesian sentence to show (pages saved before it stay)."""
    loading_changed = Signal(bool, str)
    """(the first pull of an empty cache is under way; why it failed, or "")."""
    state_changed = Signal(str, str)
    """(one line for the status bar, its tooltip)."""
    session_expired = Signal(str)
    outbox_changed = Signal(str, str)
    """(the outbox's counts for the status bar, "" when nothing waits; its tooltip)."""

    def __init__(
        self,
        sync: SyncService,
        store: Store,
        runner: TaskRunner,
        connection: ConnectionWatch,
        *,
        refresh_seconds: int = 60,
        tz: tzinfo | None = None,
        paused: Callable[[], bool] = lambda: False,
        outbox: OutboxSender | None = None,
        events: StoreEvents | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sync = sync
        self.store = store
        self.runner = runner
        self.connection = connection
        self.tz = tz
        self._paused = paused
        self._handle: TaskHandle | None = None
        self._running = False  # between start() and stop()
        self._error = ""
        self._last_pull_at = ""  # as stored (ISO, UTC); read again after each pull
        self.last_pull: PullResult | None = None
        self.pull_timer = QTimer(self)
        self.pull_timer.setInterval(refresh_seconds * 1000)
        self.pull_timer.timeout.connect(self.pull)
        connection.reconnected.connect(self.pull)
        # Back after an outage (or "Coba sekarang" found it back): what waits for its next
        # attempt goes now, not up to ten minutes later.
        connection.reconnected.connect(self.retry_outbox_now)
        runner.task_started.connect(self._task_changed)
        runner.task_finished.connect(self._task_changed)
        self.outbox = outbox
        self.audit = AuditPusher(outbox.apps.api, outbox.store) if outbox is not None else None
        self._send_handle: TaskHandle | None = None
        self._send_again = False
        self._rounds = 0  # rounds started
        self._waiters: list[tuple[str, int, OutboxOutcome]] = []  # (tx, from round, done)
        self._count_handle: TaskHandle | None = None
        self._count_again = False
        self.outbox_timer = QTimer(self)
        self.outbox_timer.setSingleShot(True)
        self.outbox_timer.timeout.connect(self.send_outbox)
        self.letters: LetterNumbers | None = None
        self.letter_types: tuple[str, ...] = ()
        self._letters_handle: TaskHandle | None = None
        self.refill_passes = 0  # refill passes started (what a test can count)
        runner.add_lane(OUTBOX_LANE, 1)
        if events is not None:
            events.changed.connect(self._store_changed)

    def start(self) -> None:
        """Say how the cache stands, pull now, then every `refresh_seconds`."""
        self._running = True
        self._read_state(first=True)
        self.pull_timer.start()
        self.pull()
        self.count_outbox()
        self.send_outbox()

    def stop(self) -> None:
        self._running = False
        self.pull_timer.stop()
        self.outbox_timer.stop()
        self._answer_all("")  # no round will answer them now: kept, not lost
        if self._handle is not None:
            self._handle.cancel()
        if self._send_handle is not None:
            self._send_handle.cancel()
        if self._letters_handle is not None:
            self._letters_handle.cancel()

    def set_interval(self, seconds: int) -> None:
        self.pull_timer.setInterval(seconds * 1000)
        self.show_state()

    @property
    def interval_seconds(self) -> int:
        return self.pull_timer.interval() // 1000

    # -- pull --------------------------------------------------------------------------------

    @property
    def pulling(self) -> bool:
        return self._handle is not None and not self._handle.finished

    def pull(self) -> None:
        """Pull now, unless one is running, the window is locked or the session ended."""
        if self.pulling or self._paused() or not self._running:
            return
        sync, store = self.sync, self.store

        def pull(ctx: TaskContext) -> tuple[PullResult, str]:
            """The pull, then when the cache was brought up to date (on the worker)."""
            return sync.pull(ctx), store.sync_state().last_pull_at

        self._handle = (
            Op(OpKind.PULL, self.tr("Memperbarui antrean"), pull)
            .success(lambda answer: self._pulled(*answer))
            .failure(self._pull_failed)
            .relevant_while(lambda: self._running)
            .run(self.runner)
        )
        self.show_state()

    def resume(self) -> None:
        """The lock screen was left: no pull ran while locked."""
        self.pull()

    def _pulled(self, result: PullResult, last_pull_at: str) -> None:
        self.last_pull = result
        self._error = ""
        self._last_pull_at = last_pull_at
        self.show_state()
        self.loading_changed.emit(False, "")
        self.pulled.emit(result)
        self.send_outbox()  # the server answers: whatever waits on this PC goes now
        self.refill_letters()  # and the letter numbers for the next outage

    def _pull_failed(self, exc: Exception, message: str) -> None:
        if isinstance(exc, SessionExpired):
            self.session_expired.emit(message)
        log.warning("pull failed: %s", message)
        self._error = message
        self.show_state()
        self._read_state()  # pages saved before the failure moved "diperbarui pukul"
        self.loading_changed.emit(False, message)
        self.pull_failed.emit(message)
        if isinstance(exc, ConnectionFailure):
            self.connection.offline()

    # -- letter numbers ----------------------------------------------------------------------

    def attach_letters(self, letters: LetterNumbers, letter_types: tuple[str, ...]) -> None:
        """The session's letter numbers, refilled after each successful pull."""
        self.letters = letters
        self.letter_types = letter_types

    @property
    def refilling(self) -> bool:
        return self._letters_handle is not None and not self._letters_handle.finished

    def refill_letters(self) -> None:
        """A refill pass on the sync lane (after the outbox round queued before it); one at a
        time: a pass still running covers the pull that asked for another."""
        letters, types = self.letters, self.letter_types
        if letters is None or not types or not self._running or self.refilling:
            return
        self.refill_passes += 1
        self._letters_handle = (
            Op(
                OpKind.LETTER_NUMBERS,
                self.tr("Mencadangkan nomor surat"),
                lambda _ctx: letters.refill_all(types),
                lane=OUTBOX_LANE,
                quiet=True,
            )
            .success(self._letters_refilled)
            .failure(lambda exc, _m: log.warning("letter refill failed: %s", type(exc).__name__))
            .relevant_while(lambda: self._running)
            .run(self.runner)
        )

    @staticmethod
    def _letters_refilled(got: list[str]) -> None:
        if got:
            log.info("letter numbers reserved for %s", ", ".join(got))

    # -- the outbox ---------------------------------------------------------------------------

    @property
    def sending(self) -> bool:
        return self._send_handle is not None and not self._send_handle.finished

    def send_now(self, transaction_id: str, done: OutboxOutcome) -> None:
        """A round now for an entry just written (the workbench's decision); `done` gets its
        outcome from the first round that starts after this call (`None` at once when no
        round can run: no outbox, or the session is ending)."""
        if self.outbox is None or not self._running:
            done(None, "")
            return
        self._waiters.append((transaction_id, self._rounds + 1, done))
        self.send_outbox()

    def _answer_waiters(self, number: int, report: RoundReport | None, why: str = "") -> None:
        waiting, self._waiters = self._waiters, []
        for tx, first, done in waiting:
            if number < first:  # this round may have started before the entry was written
                self._waiters.append((tx, first, done))
                continue
            state = report.outcome(tx) if report is not None else None
            reason = report.reasons.get(tx, "") if report is not None else ""
            done(state, reason or why)

    def _answer_all(self, why: str) -> None:
        """No more rounds in this session (it ended or expired): every waiter hears that its
        entry was not attempted (None: it stays kept on this PC and goes later)."""
        waiting, self._waiters = self._waiters, []
        for _tx, _first, done in waiting:
            done(None, why)

    def send_outbox(self) -> None:
        """One round of sending what is due (after a running round, when one runs)."""
        if self.outbox is None or not self._running:
            return
        if self.sending:
            self._send_again = True
            return
        self._send_again = False
        self.outbox_timer.stop()
        outbox = self.outbox
        self._rounds += 1
        number = self._rounds
        self._send_handle = (
            Op(
                OpKind.OUTBOX_SEND,
                self.tr("Mengirim pekerjaan yang tersimpan di komputer ini"),
                after_round(outbox.send_due, self.audit),  # then the audit log's push
                lane=OUTBOX_LANE,
                quiet=True,
            )
            .success(lambda report: self._outbox_round_ended(report, number))
            .failure(lambda exc, message: self._outbox_round_failed(exc, message, number))
            .relevant_while(lambda: self._running)
            .run(self.runner)
        )

    def retry_outbox_now(self) -> None:
        """ "Coba sekarang": every coba lagi entry is due at once, then a round runs."""
        outbox = self.outbox
        if outbox is None or not self._running:
            return
        Op(
            OpKind.OUTBOX_SEND,
            self.tr("Menjadwalkan pengiriman ulang"),
            lambda _ctx: outbox.retry_now(),
            lane=OUTBOX_LANE,
            quiet=True,
        ).success(lambda _n: self.send_outbox()).relevant_while(lambda: self._running).run(
            self.runner
        )

    def _outbox_round_ended(self, report: RoundReport, number: int = 0) -> None:
        self._answer_waiters(number, report, report.session_expired)
        if report.session_expired:
            self._answer_all(report.session_expired)  # no round runs until signed in again
            self.session_expired.emit(report.session_expired)
            return
        if report.retry and not report.sent:
            self.connection.offline()  # the server did not take anything: probe, with backoff
        if self._send_again:
            self.send_outbox()
            return
        self._schedule_outbox(report.next_due_at)

    def _outbox_round_failed(self, _exc: Exception, message: str, number: int = 0) -> None:
        log.warning("outbox round failed: %s", message)
        self._answer_waiters(number, None, message)
        self._schedule_outbox(None)

    def _schedule_outbox(self, due_at: int | None) -> None:
        """The next round: when the next coba lagi entry is due, else after a while."""
        delay = OUTBOX_IDLE_CHECK_MS
        if due_at is not None and self.outbox is not None:
            wait = (due_at - self.outbox.clock()) * 1000
            delay = int(min(OUTBOX_IDLE_CHECK_MS, max(0.0, wait)))
        self.outbox_timer.start(delay)

    def _store_changed(self, change: StoreChange) -> None:
        if change.touches(Part.OUTBOX):
            self.count_outbox()

    def count_outbox(self) -> None:
        """Recount the outbox on a worker (one count at a time; another after it if asked)."""
        if self.outbox is None or not self._running:
            return
        if self._count_handle is not None and not self._count_handle.finished:
            self._count_again = True
            return
        self._count_again = False
        store = self.store
        self._count_handle = (
            Op(
                OpKind.COUNT,
                self.tr("Menghitung antrean kirim"),
                lambda _ctx: (store.outbox_counts(), store.read(audit_log.refusal)),
                quiet=True,
            )
            .success(lambda found: self._outbox_counted(*found))
            .relevant_while(lambda: self._running)
            .run(self.runner)
        )

    def _outbox_counted(
        self, found: dict[EntryState, int], refused: audit_log.Refusal | None = None
    ) -> None:
        text = summary_text(found)
        tooltip = (
            self.tr(
                "Pekerjaan yang tersimpan di komputer ini dan belum diterima server. Dikirim "
                "otomatis saat server tersambung; konflik dan yang ditolak server menunggu "
                "diperiksa."
            )
            if text
            else ""
        )
        if refused is not None:  # the server refused the audit log: counted, never hidden
            text = " \u00b7 ".join(t for t in (text, self.tr("audit ditolak")) if t)
            line = self.tr(
                "Catatan audit ditolak server: %1 catatan audit belum diterima (tetap "
                "tersimpan, dicoba lagi setiap jam). Hubungi administrator."
            ).replace("%1", str(refused.unaccepted))
            tooltip = f"{tooltip}\n{line}" if tooltip else line
        self.outbox_changed.emit(text, tooltip)
        if self._count_again:
            self.count_outbox()
        if found.get(EntryState.WAITING) and not self.sending and not self.outbox_timer.isActive():
            self._schedule_outbox(None)

    # -- the status bar's line ---------------------------------------------------------------

    def decisions_sending(self) -> int:
        """Decisions still on their way to the server."""
        return self.runner.count(OpKind.DECIDE)

    def _task_changed(self, handle: TaskHandle) -> None:
        if handle.kind == OpKind.DECIDE:
            self.show_state()

    def _read_state(self, *, first: bool = False) -> None:
        """When the cache was last brought up to date (the pull writes it with each page),
        read on a worker (never SQL on the GUI thread). `first`: at start, an empty cache says
        "Memuat antrean…" (`loading_changed`), not "0 permohonan", until the first pull ends."""
        store = self.store
        Op(
            OpKind.COUNT,
            self.tr("Membaca keadaan antrean"),
            lambda _ctx: store.sync_state().last_pull_at,
            quiet=True,
        ).success(lambda at: self._state_read(at, first)).relevant_while(lambda: self._running).run(
            self.runner
        )

    def _state_read(self, last_pull_at: str, first: bool) -> None:
        self._last_pull_at = last_pull_at
        if first and not last_pull_at and self.last_pull is None and not self._error:
            self.loading_changed.emit(True, "")
        self.show_state()

    def show_state(self) -> None:
        """Emit the status bar's line as things stand now."""
        if self.pulling:
            text = self.tr("Memperbarui antrean…")
        elif self._last_pull_at:
            text = self.tr("Antrean diperbarui pukul %1").replace(
                "%1", local_time(self._last_pull_at, self.tz)
            )
        else:
            text = self.tr("Antrean belum pernah diperbarui")
        sending = self.decisions_sending()
        if sending:
            text += self.tr(" \u2022 %1 keputusan sedang dikirim").replace("%1", str(sending))
        if self._error and not self.pulling:
            text += self.tr(" \u2022 pembaruan terakhir gagal")
        tooltip = self._error or self.tr(
            "Antrean di komputer ini diperbarui dari server setiap %1 detik dan dengan F5."
        ).replace("%1", str(self.interval_seconds))
        self.state_changed.emit(text, tooltip)
