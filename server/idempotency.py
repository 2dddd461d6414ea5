"""Replay-safe requests: the first answer to a key is stored and returned again for the same
key and body; the same key with another body is a 409 `idempotency_conflict`.

Keys are namespaced by kind (`create`, `action`, `claim`, `release`, `letter`, `reserve`) and
bound to the user, so one person's key can never return another person's answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from server.audit import canonical
from server.models import IdempotencyRecord
from server.problems import ProblemError

log = logging.getLogger(__name__)
T = TypeVar("T")


def request_hash(user_id: str, payload: Any) -> str:
    return hashlib.sha256(canonical({"user": user_id, "body": payload})).hexdigest()


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        content=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


def conflict(what: str) -> ProblemError:
    return ProblemError(
        409,
        "idempotency_conflict",
        f"{what} sudah dipakai untuk permintaan lain dengan isi berbeda.",
    )


def replay(session: Session, kind: str, key: str, rhash: str, what: str) -> Response | None:
    """The stored answer for `key`, or None when the key is new."""
    record = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.kind == kind, IdempotencyRecord.key == key
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.request_hash != rhash:
        raise conflict(what)
    if record.status_code == 204:  # a release: no body, then or now
        return Response(status_code=204)
    return json_response(record.response, record.status_code)


def remember(
    session: Session,
    kind: str,
    key: str,
    user_id: str,
    rhash: str,
    status: int,
    response: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        IdempotencyRecord(
            kind=kind,
            key=key,
            user_id=user_id,
            request_hash=rhash,
            status_code=status,
            response=response,
            created_at=now,
        )
    )


def once_more_on_conflict(session: Session, work: Callable[[], T]) -> T:
    """Run a request's unit of work; if a concurrent request committed the same unique key first
    (an `IntegrityError`, at a flush or at the commit), roll back and run it once more.

    The second run sees the winner's committed rows, so it answers as the replay of the first
    answer or with the documented 409 (`idempotency_conflict`, `username_taken`), never a 500.
    On SQLite the write lock serialises such requests and the first run always succeeds; on
    PostgreSQL the loser's insert waits for the winner's commit and then fails.
    """
    try:
        return work()
    except IntegrityError:
        session.rollback()
        log.info("concurrent duplicate request; answering from the committed state")
    return work()
