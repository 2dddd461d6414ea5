"""The server's tamper-evident audit log: a hash chain over canonical JSON.

Each row's hash covers its content and the previous row's hash, so editing, deleting or
reordering any row breaks every hash after it. The desktops' own chains (client audit events,
`desktop.domain.audit_chain`, the same genesis) are checked as they arrive (`routes/audit.py`)
and walked again by `verify_client_chains`. Rows are numbered by the `audit` counter, whose
row lock (PostgreSQL) or the write lock (SQLite) makes the chain strictly sequential even under
concurrent requests. Always append last in a transaction: the lock is held until commit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain.audit_chain import GENESIS, ChainEvent
from server import counters
from server.models import AuditLog, ClientAuditChain, ClientAuditEvent


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(
    idx: int,
    at: datetime,
    kind: str,
    actor_id: str | None,
    application_id: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = {
        "idx": idx,
        "at": at.isoformat(),
        "kind": kind,
        "actor_id": actor_id,
        "application_id": application_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(payload)).hexdigest()


def append(
    session: Session,
    kind: str,
    *,
    at: datetime,
    actor_id: str | None = None,
    application_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    details = details or {}
    idx = counters.allocate(session, counters.AUDIT)
    prev = session.execute(select(AuditLog.hash).where(AuditLog.idx == idx - 1)).scalar()
    prev_hash = prev or GENESIS
    # Store the time at microsecond precision exactly as it is hashed.
    row = AuditLog(
        idx=idx,
        at=at,
        kind=kind,
        actor_id=actor_id,
        application_id=application_id,
        details=details,
        prev_hash=prev_hash,
        hash=entry_hash(idx, at, kind, actor_id, application_id, details, prev_hash),
    )
    session.add(row)
    session.flush()
    return row


def verify(session: Session, batch: int = 5000) -> tuple[bool, int, int | None, str | None]:
    """(intact, rows checked, first bad idx, head hash), streaming the chain in batches."""
    expected_prev = GENESIS
    expected_idx = 1
    count = 0
    last = 0
    head: str | None = None
    while True:
        rows = (
            session.execute(
                select(AuditLog).where(AuditLog.idx > last).order_by(AuditLog.idx).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return True, count, None, head
        for row in rows:
            recomputed = entry_hash(
                row.idx,
                row.at,
                row.kind,
                row.actor_id,
                row.application_id,
                row.details,
                row.prev_hash,
            )
            if row.idx != expected_idx or row.prev_hash != expected_prev or row.hash != recomputed:
                return False, count, row.idx, head
            expected_prev = row.hash
            expected_idx += 1
            count += 1
            head = row.hash
            last = row.idx
        session.expunge_all()


# -- the desktops' chains ---------------------------------------------------------------------


def client_event_hash(row: ClientAuditEvent) -> str:
    """Recompute a stored client event's hash with the desktop's own formula."""
    return ChainEvent(
        id=row.id,
        chain_id=row.chain_id or "",
        device_id=row.device_id or "",
        user_id=row.user_ref or row.user_id,
        kind=row.kind,
        application_id=row.application_ref,
        device_time=row.device_time,
        details=row.details,
    ).hash(row.prev_hash or GENESIS)


def verify_client_chains(session: Session, batch: int = 5000) -> list[dict[str, Any]]:
    """Each client chain walked in order: every event continues the previous one and hashes as
    sent, and the chain's recorded head is its last event. Events from before the chain check
    (no `chain_id`) are not part of any chain."""
    reports: list[dict[str, Any]] = []
    heads = session.execute(select(ClientAuditChain).order_by(ClientAuditChain.chain_id)).scalars()
    for chain in list(heads):
        prev, count, first_bad, last = GENESIS, 0, None, 0
        while first_bad is None:
            rows = (
                session.execute(
                    select(ClientAuditEvent)
                    .where(
                        ClientAuditEvent.chain_id == chain.chain_id,
                        ClientAuditEvent.chain_idx > last,
                    )
                    .order_by(ClientAuditEvent.chain_idx)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            for row in rows:
                idx = row.chain_idx or 0
                if (
                    idx != last + 1
                    or (row.prev_hash or GENESIS) != prev
                    or (client_event_hash(row) != row.hash)
                ):
                    first_bad = row.id
                    break
                prev, last, count = row.hash, idx, count + 1
        if first_bad is None and (count != chain.length or prev != chain.head_hash):
            first_bad = chain.head_event_id  # events missing at the end
        reports.append(
            {
                "chain_id": chain.chain_id,
                "device_id": chain.device_id,
                "events": count,
                "ok": first_bad is None,
                "first_bad": first_bad,
                "head": chain.head_hash,
            }
        )
    return reports
