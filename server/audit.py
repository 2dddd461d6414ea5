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
from server.serialize import iso


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


# -- where a chain breaks (the audit viewer, issue 14) ------------------------------------------

BREAK_MESSAGES = {
    "content": "Isi baris ini tidak cocok dengan hash-nya: baris ini diubah setelah dicatat.",
    "prev_hash": "Hash sebelumnya pada baris ini tidak cocok dengan baris sebelumnya.",
    "missing": "Ada baris yang hilang dari rantai sebelum baris ini.",
    "missing_end": "Baris terakhir rantai hilang.",
    "head": "Kepala rantai yang tercatat tidak cocok dengan baris terakhirnya.",
}
"""What each failed check means, in the words the viewer shows."""


def _break(
    check: str,
    position: int,
    *,
    row_id: str | None,
    at: datetime | None,
    kind: str | None,
    missing: int = 0,
) -> dict[str, Any]:
    return {
        "check": "missing" if check == "missing_end" else check,
        "position": position,
        "id": row_id,
        "at": iso(at),
        "kind": kind,
        "missing": missing,
        "message": BREAK_MESSAGES[check],
    }


def _first_failure(position: int, expected: int, prev_ok: bool, hash_ok: bool) -> str | None:
    """The first check a row fails, in the order that names the cause: a gap before it (rows
    deleted), then its link to the row before, then its own content."""
    if position != expected:
        return "missing"
    if not prev_ok:
        return "prev_hash"
    if not hash_ok:
        return "content"
    return None


def locate_break(session: Session, batch: int = 5000) -> dict[str, Any] | None:
    """The server chain's first break, exactly: which row, which check; None when intact.

    A deleted row shows as a gap in `idx` (`missing`, naming the next row present) or, at the
    end, as a chain shorter than the audit counter; an edited row as `content`; a row whose
    `prev_hash` was rewritten as `prev_hash`."""
    expected_prev, expected_idx, last = GENESIS, 1, 0
    while True:
        rows = (
            session.execute(
                select(AuditLog).where(AuditLog.idx > last).order_by(AuditLog.idx).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            recomputed = entry_hash(
                row.idx, row.at, row.kind, row.actor_id, row.application_id, row.details,
                row.prev_hash,
            )  # fmt: skip
            check = _first_failure(
                row.idx, expected_idx, row.prev_hash == expected_prev, row.hash == recomputed
            )
            if check is not None:
                return _break(
                    check,
                    expected_idx if check == "missing" else row.idx,
                    row_id=str(row.idx),
                    at=row.at,
                    kind=row.kind,
                    missing=row.idx - expected_idx if check == "missing" else 0,
                )
            expected_prev, expected_idx, last = row.hash, row.idx + 1, row.idx
        session.expunge_all()
    allocated = counters.current(session, counters.AUDIT)
    if allocated >= expected_idx:
        return _break(
            "missing_end",
            expected_idx,
            row_id=None,
            at=None,
            kind=None,
            missing=allocated - expected_idx + 1,
        )
    return None


def locate_client_break(
    session: Session, chain: ClientAuditChain, batch: int = 5000
) -> tuple[int, dict[str, Any] | None]:
    """(events that verify, first break or None) of one desktop chain, walked in order."""
    prev, count, last = GENESIS, 0, 0
    while True:
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
            check = _first_failure(
                idx,
                last + 1,
                (row.prev_hash or GENESIS) == prev,
                client_event_hash(row) == row.hash,
            )
            if check is not None:
                found = _break(
                    check,
                    last + 1 if check == "missing" else idx,
                    row_id=row.id,
                    at=row.device_time or row.received_at,
                    kind=row.kind,
                    missing=idx - last - 1 if check == "missing" else 0,
                )
                return count, found
            prev, last, count = row.hash, idx, count + 1
    if count < chain.length:
        return count, _break(
            "missing_end", count + 1, row_id=None, at=None, kind=None, missing=chain.length - count
        )
    if count != chain.length or prev != chain.head_hash:
        return count, _break(
            "head", count, row_id=chain.head_event_id, at=chain.updated_at, kind=None
        )
    return count, None


def verify_report(session: Session) -> dict[str, Any]:
    """`GET /audit/verify`'s answer: the old summary fields plus, per chain, where it breaks."""
    _intact, entries, first_bad, head = verify(session)
    where = locate_break(session)  # also sees a deleted last row, which `verify` cannot
    chains: list[dict[str, Any]] = []
    for chain in list(
        session.execute(select(ClientAuditChain).order_by(ClientAuditChain.chain_id)).scalars()
    ):
        count, broken = locate_client_break(session, chain)
        report: dict[str, Any] = {
            "chain_id": chain.chain_id,
            "device_id": chain.device_id,
            "events": count,
            "ok": broken is None,
            "first_bad": None if broken is None else broken["id"] or chain.head_event_id,
            "head": chain.head_hash,
        }
        if broken is not None:  # only when broken: an intact chain's answer is as before
            report["where"] = broken
        chains.append(report)
    answer: dict[str, Any] = {
        "ok": where is None,
        "entries": entries,
        "first_bad": first_bad if first_bad is not None else (where or {}).get("position"),
        "head": head,
        "chains": chains,
        "chains_ok": all(c["ok"] for c in chains),
    }
    if where is not None:
        answer["where"] = where
    return answer
