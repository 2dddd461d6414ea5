"""Sending the outbox (`models.outbox`) to the server: nothing lost, nothing doubled, every
conflict seen (DESIGN section 6). Qt-free: the sync controller runs `OutboxSender.send_due`
as an `Op(OpKind.OUTBOX_SEND)` on its own runner lane.

One round (`send_due`):

- takes the due entries, marked *mengirim* in the same transaction (`take_due`): per
  application only its oldest unfinished one, so an application's entries go one at a time
  and in order; the next one of that application is taken in the same round once the first
  is sent;
- sends each with its own transaction id (the idempotency key end to end): the server
  answers a replay with its first answer, so an entry whose answer was lost is sent again
  safely;
- records the outcome:
  success -> *terkirim* (the returned detail is written to the store by the service);
  no usable answer (`ConnectionFailure`, a broken answer, 5xx, 408, 429) -> *coba lagi* after
  a capped exponential backoff with FULL jitter (AWS's "full jitter": uniform between 0 and
  the capped exponential), never before the server's ``Retry-After``;
  409 -> applied when the server's history holds this transaction id (the service checks),
  otherwise *konflik* with the server's current state kept for a person;
  any other 4xx -> *ditolak server* with the server's reason: kept, shown, never retried;
- one entry's refusal never blocks another application: only the later entries of the same
  application wait behind it.

Each entry kind has its sender (`EntrySender`): DECISION and RELEASE are built in; other
kinds (a new application, a document: the intake service's) come in through
``OutboxSender(apps, store, senders={...})``. A sender raises the API client's errors exactly
like `ApplicationService.decide` (`ConflictError`/`ApiError`/`ConnectionFailure`/
`SessionExpired`/`BadResponse`), and `ValueError` for a payload it cannot read; a kind with no
sender is refused as unreadable ("Entri tidak dapat dibaca oleh versi ini.").

The clock and the random source are injected, so tests can pin the backoff.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.models.outbox import EntryKind, EntryState, OutboxEntry
from desktop.models.store import Store
from desktop.models.store_errors import store_problem
from desktop.services.api.errors import (
    ApiError,
    LoketError,
    SessionExpired,
)
from desktop.services.applications import ApplicationService, ConflictError, PendingDecision
from desktop.services.retry import Backoff, is_transient, retry_after_seconds

if TYPE_CHECKING:  # QtCore stays out of the headless `loket sync --once`
    from desktop.services.tasks import TaskContext

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 600.0
"""Retry after uniform(0, min(cap, base * 2**attempts)) seconds (`services.retry.Backoff`): a
city's counters coming back together after an outage do not all knock at once, and nobody
waits more than 10 minutes."""


EntrySender = Callable[[OutboxEntry], None]
"""Sends one entry (same transaction id every time). Returns when the server has it; raises
the API client's errors like `ApplicationService.decide`, `ValueError` for an unreadable
payload (-> ditolak, never retried)."""

UNREADABLE = "Entri tidak dapat dibaca oleh versi ini."
NOT_RECORDED = "Hasil pengiriman belum tersimpan di komputer ini; dikirim lagi."


class EntryWaits(LoketError):
    """Raised by a sender whose entry cannot go until a person acts (a BSrE signature whose
    secret this PC does not hold): *perlu tindakan* with the message, never retried by itself."""


@dataclass
class RoundReport:
    """What one round did (for logs, tests and the controller's next timer)."""

    sent: list[str] = field(default_factory=list)  # transaction ids
    retry: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    session_expired: str = ""
    next_due_at: int | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    """Transaction id -> why it is coba lagi / konflik / ditolak (the words kept with it)."""
    needs_action: list[str] = field(default_factory=list)

    def outcome(self, transaction_id: str) -> EntryState | None:
        """What this round did with one entry; None when it was not attempted in it (not
        due, waiting behind another entry of its application, or put back)."""
        for state, found in (
            (EntryState.SENT, self.sent),
            (EntryState.CONFLICT, self.conflicts),
            (EntryState.REFUSED, self.refused),
            (EntryState.RETRY, self.retry),
        ):
            if transaction_id in found:
                return state
        return None


class OutboxSender:
    """Sends due outbox entries. Call `send_due` from a worker (one round at a time)."""

    def __init__(
        self,
        apps: ApplicationService,
        store: Store,
        *,
        senders: Mapping[str, EntrySender] | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        base_seconds: float = BACKOFF_BASE_SECONDS,
        cap_seconds: float = BACKOFF_CAP_SECONDS,
    ) -> None:
        self.apps = apps
        self.store = store
        self.senders: dict[str, EntrySender] = {
            EntryKind.DECISION.value: self._send_decision,
            EntryKind.RELEASE.value: self._send_release,
            **(senders or {}),
        }
        """Entry kind -> its sender: the built-in ones, with `senders` merged over them."""
        self.clock = clock
        self.stranded: set[str] = set()
        """Transaction ids taken (mengirim) by a round whose outcome could not be written."""
        self._backoff = Backoff(base_seconds, cap_seconds, rng=rng)

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1 = the first)."""
        return self._backoff.delay(attempts - 1, retry_after)

    def retry_now(self) -> int:
        """ "Coba sekarang": every coba lagi entry is due at once (returns how many)."""
        now = int(self.clock())
        return self.store.write(lambda conn: Store.retry_outbox_now(conn, now))

    def send_due(self, ctx: TaskContext | None = None) -> RoundReport:
        """Send everything due now, application by application, in order.

        An outcome that cannot be written (the disk full, the database locked: the store's
        write raises) ends the round with that error, after the entries it had taken and not
        finished are put back to *menunggu* in one write; when even that fails they are kept
        here (`stranded`) and put back first thing in the next round. Never *mengirim* for the
        rest of the session (OpenCRVS #12292: an outbox stuck on "Sending")."""
        self._put_back_stranded()  # raises when the store still cannot be written: none taken
        report = RoundReport()
        tried: set[str] = set()
        taken: set[str] = set()  # taken in this round, outcome not written yet
        try:
            while True:
                due = self._take(int(self.clock()), frozenset(tried))
                if not due:
                    break
                taken.update(e.transaction_id for e in due)
                for entry in due:
                    tried.add(entry.transaction_id)
                    if ctx is not None and ctx.cancelled:
                        self._put_back(entry, "Pengiriman dihentikan; dicoba lagi.")
                    elif report.session_expired:  # nothing more goes out until signed in again
                        self._put_back(entry, report.session_expired)
                    else:
                        self._send(entry, report)
                    taken.discard(entry.transaction_id)
        except Exception:
            log.exception("outbox round ended: %d taken entr(y/ies) not recorded", len(taken))
            self.stranded |= taken
            with contextlib.suppress(Exception):  # tried once now; else at the next round
                self._put_back_stranded()
            raise
        report.next_due_at = self.store.outbox_next_due()
        return report

    def _put_back_stranded(self) -> None:
        """The entries of an earlier round whose outcome could not be written: menunggu again
        (only those still mengirim), in one write."""
        if not self.stranded:
            return
        now = int(self.clock())
        ids = frozenset(self.stranded)
        self.store.write(
            lambda conn: Store.put_back_taken_entries(conn, ids, NOT_RECORDED, now=now)
        )
        self.stranded -= ids

    def _take(self, now: int, skip: frozenset[str]) -> list[OutboxEntry]:
        return self.store.write(lambda conn: Store.take_due_entries(conn, now, skip=skip))

    # -- one entry ---------------------------------------------------------------------------

    def _send(self, entry: OutboxEntry, report: RoundReport) -> None:
        tx = entry.transaction_id
        sender = self.senders.get(entry.kind)
        try:
            if sender is None:
                raise ValueError(f"unknown outbox entry kind {entry.kind!r}")
            sender(entry)
        except ValueError as exc:
            log.error("outbox entry %s unreadable: %s", tx, exc)
            self._finish(entry, EntryState.REFUSED, UNREADABLE)
            report.refused.append(tx)
            report.reasons[tx] = UNREADABLE
            return
        except EntryWaits as exc:
            self._finish(entry, EntryState.NEEDS_ACTION, exc.message)
            report.needs_action.append(tx)
            report.reasons[tx] = exc.message
            return
        except SessionExpired as exc:
            report.session_expired = exc.message
            self._put_back(entry, exc.message)
            return
        except ConflictError as exc:
            current = exc.extras.get("current")
            log.info("outbox entry %s: conflict (%s)", tx, exc.code)
            self._finish(entry, EntryState.CONFLICT, exc.message, server_state=current)
            report.conflicts.append(tx)
            report.reasons[tx] = exc.message
            return
        except Exception as exc:
            if store_problem(exc) is not None:
                raise  # the store cannot be written: nothing to record now (send_due)
            if is_transient(exc) or not isinstance(exc, LoketError):
                report.reasons[tx] = self._retry_later(entry, exc)
                report.retry.append(tx)
                return
            if isinstance(exc, ApiError) and exc.status == 401:
                # Sent without a session (a round still running when the person signed out):
                # the 401 is about the session, never the entry, which waits for the next one.
                report.session_expired = exc.message
                self._put_back(entry, exc.message)
                return
            report.reasons[tx] = exc.message
            if isinstance(exc, ApiError) and exc.status == 409:
                current = exc.extras.get("current")
                self._finish(entry, EntryState.CONFLICT, exc.message, server_state=current)
                report.conflicts.append(tx)
                return
            log.warning("outbox entry %s refused by the server: %r", tx, exc)
            self._finish(entry, EntryState.REFUSED, exc.message)
            report.refused.append(tx)
            return
        log.info("outbox entry %s sent (%s)", tx, entry.label or entry.kind)
        self._finish(entry, EntryState.SENT, "")
        report.sent.append(tx)

    # -- the built-in senders -------------------------------------------------------------------

    def _send_decision(self, entry: OutboxEntry) -> None:
        pending = PendingDecision.from_payload(entry.payload)
        try:
            self.apps.decide(pending)
        except ConflictError as exc:
            if not self._lease_lapsed(exc, entry):
                raise
            # Kept through an outage longer than the lease: nobody decided (same version) and
            # nobody holds it, so this person takes it again and the same decision goes (same
            # transaction id). Someone else faster at the claim -> claimed_by_other: konflik.
            log.info("outbox entry %s: claim lapsed; claiming again", entry.transaction_id)
            self.apps.claim(pending.app_id, keep_releases=True)
            self.apps.decide(pending)

    def _lease_lapsed(self, exc: ConflictError, entry: OutboxEntry) -> bool:
        """The server refused only because this person's claim ran out: no one else holds it
        and no one decided since (a decision would have moved the version first)."""
        me = self.apps.my_user_id
        if exc.code != "claim_required" or exc.extras.get("claim"):
            return False
        if me is None or entry.user_id not in ("", me):
            return False
        current = exc.extras.get("current")
        version = current.get("version") if isinstance(current, dict) else None
        payload = entry.payload if isinstance(entry.payload, dict) else {}
        expected = payload.get("expected_version")
        return version is None or version == expected

    def _send_release(self, entry: OutboxEntry) -> None:
        payload = entry.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("app_id"), str):
            raise ValueError("release payload")
        app_id = payload["app_id"]
        queued_at = payload.get("queued_at", entry.created_at)
        self.apps.release_now(app_id, transaction_id=entry.transaction_id)
        if isinstance(queued_at, int | float) and self.apps.claimed_since(app_id, queued_at):
            # The person took it again while this release was on its way (it was mengirim,
            # so claiming did not drop it): the release may have given that new claim back.
            log.info("release of %s raced a new claim; claiming again", app_id)
            try:
                self.apps.claim(app_id, keep_releases=True)
            except SessionExpired:
                raise  # put back: the release (a replay then) and this claim go again
            except LoketError as exc:  # someone else was faster: the workbench says so
                log.info("claim of %s after its release refused: %s", app_id, type(exc).__name__)

    def _retry_later(self, entry: OutboxEntry, exc: Exception) -> str:
        attempts = entry.attempts + 1
        wait = self.backoff(attempts, retry_after_seconds(exc))
        at = int(self.clock() + wait + 0.999)  # never earlier than asked
        reason = exc.message if isinstance(exc, LoketError) else "Kesalahan tak terduga (dicatat)."
        if not isinstance(exc, LoketError):
            log.error("outbox entry %s failed unexpectedly", entry.transaction_id, exc_info=exc)
        else:
            log.info("outbox entry %s: retry in %.0f s (%s)", entry.transaction_id, wait, type(exc))
        self._finish(entry, EntryState.RETRY, reason, next_attempt_at=at)
        return reason

    def _put_back(self, entry: OutboxEntry, reason: str) -> None:
        """Not attempted (the session ended, the round was stopped): waiting again, uncounted."""
        now = int(self.clock())
        tx = entry.transaction_id

        self.store.write(lambda conn: Store.put_back_outbox_entry(conn, tx, reason, now=now))

    def _finish(
        self,
        entry: OutboxEntry,
        state: EntryState,
        reason: str,
        *,
        next_attempt_at: int | None = None,
        server_state: Any = None,
    ) -> None:
        now = int(self.clock())
        tx = entry.transaction_id
        self.store.write(
            lambda conn: Store.finish_outbox_entry(
                conn,
                tx,
                state,
                now=now,
                reason=reason,
                next_attempt_at=next_attempt_at,
                server_state=server_state,
            )
        )
