"""The server's tamper-evident audit log: a hash chain over canonical JSON.

Each row's hash covers its content and the previous row's hash, so editing, deleting or
reordering any row breaks every hash after it. Rows are numbered by the `audit` counter, whose
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

from server import counters
from server.models import AuditLog

GENESIS = "0" * 64


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
