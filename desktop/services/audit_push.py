"""Pushing the local audit log (`models.audit_log`) to the server in batches, in chain order.

Runs after each outbox round, on the outbox lane (`controllers.sync`), so it never competes with
the entries the person is waiting for. Why it looks like this:

- **In order, in batches** (`BATCH`): the server checks that each batch continues the chain
  it already holds, so the oldest unpushed events always go first.
- **Idempotent by event id**: an event the server already has is a no-op there, so a batch
  whose answer was lost is simply sent again; events are marked pushed only when the server
  accepted the batch (``accepted`` + ``duplicates``), never before.
- **Transient errors wait for the next round** (no connection, a broken answer, 5xx, 408,
  429): nothing is marked, nothing is lost.
- **A broken chain** (409 ``audit_chain_broken``: the server holds a head this log does not
  continue, e.g. a store salvaged with events lost, or an event altered on the PC) cannot be
  mended by sending again. The refusal is kept in the store (`audit_log.record_refusal`: when,
  the server's reason, which event), so the Sinkronisasi page and the status bar say so, also
  after a restart; the events stay, unmarked, never dropped. Pushing pauses for
  `BROKEN_PAUSE_SECONDS` (an hour: each refused batch also writes an entry in the server's
  audit) and is then tried again, once an hour, and once at the start of each session (the
  pause is per session: a restart after an administrator mended the log tries at once). The
  first batch the server accepts removes the refusal in the same write that marks it. An
  administrator sees the break in ``GET /audit/verify`` and in the server's audit.
- **The device**: `AuditPusher` records the API client's device id (``settings.device_id``,
  the one sent at sign-in and as ``X-Loket-Device``) in the store when it is made, so every
  event appended from then on carries it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

from desktop.models import audit_log
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure, SessionExpired
from desktop.services.tasks import TaskContext

log = logging.getLogger(__name__)

BATCH = 200
BROKEN_PAUSE_SECONDS = 3600
_TRANSIENT = {408, 429}


@dataclass
class PushReport:
    pushed: int = 0
    waiting: str = ""  # why the rest waits for the next round ("" when all went)
    broken: dict[str, Any] = field(default_factory=dict)  # the server's 409 extras


class AuditPusher:
    """Sends unpushed audit events; one instance per session (its store and API client)."""

    def __init__(
        self,
        api: ApiClient,
        store: Store,
        *,
        batch: int = BATCH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.store = store
        self.batch = batch
        self.clock = clock
        self.paused_until = 0.0
        device = api.device_id
        store.write(lambda conn: audit_log.use_device(conn, device))

    def push(self, ctx: TaskContext | None = None) -> PushReport:
        """Send batches until none is left, the round is cancelled, or the server cannot take
        them now. Never raises for the server's answers: the events simply stay unpushed."""
        report = PushReport()
        if self.clock() < self.paused_until:
            report.waiting = "chain_broken"
            return report
        while ctx is None or not ctx.cancelled:
            events = self.store.read(lambda conn: audit_log.unpushed(conn, self.batch))
            if not events:
                break
            try:
                answer = self.api.post_json("/audit", {"events": [e.wire() for e in events]})
            except SessionExpired as exc:
                report.waiting = exc.message
                break
            except (ConnectionFailure, BadResponse) as exc:
                report.waiting = exc.message
                break
            except ApiError as exc:
                report.waiting = exc.code
                if exc.code == "audit_chain_broken":
                    report.broken = dict(exc.extras)
                    now = self.clock()
                    self.paused_until = now + BROKEN_PAUSE_SECONDS
                    self.store.write(
                        functools.partial(_refused, extras=report.broken, now=int(now))
                    )
                    log.error(
                        "the server refused this PC's audit log: the chain breaks at event %s "
                        "(%s); kept, tried again in %d s",
                        exc.extras.get("event_id"),
                        exc.extras.get("reason"),
                        BROKEN_PAUSE_SECONDS,
                    )
                elif exc.status >= 500 or exc.status in _TRANSIENT:
                    log.info("audit push waits for the next round: %s", exc.code)
                else:
                    log.error("the server refused an audit batch: %s %s", exc.status, exc.code)
                break
            if not isinstance(answer, dict) or "accepted" not in answer:
                report.waiting = "bad_response"
                break
            report.pushed += self.store.write(
                functools.partial(_mark, ids=[e.id for e in events], now=int(self.clock()))
            )
        return report


R = TypeVar("R")


def after_round(
    send: Callable[[TaskContext | None], R], pusher: AuditPusher | None
) -> Callable[[TaskContext | None], R]:
    """`send` (an outbox round), then the audit log's push on the same worker and lane: the
    round's report is returned whatever the push met (a push problem only waits)."""

    def round_then_push(ctx: TaskContext | None = None) -> R:
        report = send(ctx)
        if pusher is not None:
            try:
                pusher.push(ctx)
            except Exception:
                log.exception("audit push failed; tried again after the next round")
        return report

    return round_then_push


def _mark(conn: Connection, *, ids: list[str], now: int) -> int:
    """Accepted: marked, and a kept refusal no longer holds (one write)."""
    done = audit_log.mark_pushed(conn, ids, now)
    if audit_log.clear_refusal(conn):
        log.info("the server accepted this PC's audit log again")
    return done


def _refused(conn: Connection, *, extras: dict[str, Any], now: int) -> None:
    audit_log.record_refusal(conn, extras, now)


__all__ = ["BATCH", "AuditPusher", "PushReport", "after_round"]
