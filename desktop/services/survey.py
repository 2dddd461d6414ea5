"""Keeping a citizen's satisfaction survey (IKM) on this PC, in the outbox (issue 14).

After the handover the citizen answers the nine elements of Permenpan RB 14/2017
(`domain.ikm`) at the counter. The answers go through the outbox like every counter write: a
counter that has lost its line keeps them and sends them when the server answers
(`services.survey_sender`). The entry is queued AFTER the application's DELIVER (the outbox
sends one application's entries in order), so the server sees a completed application.

One transaction id per survey, made when the dialog opens (`new_transaction_id`): a double
click on Kirim, a second queue call or a replay after a lost answer is the SAME entry (the
outbox keeps one row per transaction id) and the same server row (the server answers a replay
with its first answer). Qt-free: call `SurveyService.queue` from a worker.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from desktop.domain import ikm
from desktop.models.outbox import EntryKind
from desktop.models.store import Store
from desktop.services.api.errors import LoketError

log = logging.getLogger(__name__)

MAX_COMMENT = 1000
"""The server keeps at most this many characters of the optional comment."""


class SurveyError(LoketError):
    """The survey could not be kept (message in Indonesian); nothing was saved."""


def new_transaction_id() -> str:
    return str(uuid.uuid4())


def survey_body(
    answers: Sequence[int], comment: str, *, transaction_id: str, device_time: datetime
) -> dict[str, Any]:
    """The body of ``POST /applications/{id}/survey``; `SurveyError` for answers the
    regulation's questionnaire cannot give (all nine, each 1..4)."""
    problems = ikm.check_answers(list(answers))
    if problems:
        raise SurveyError(" ".join(problems))
    text = " ".join(comment.split())
    if len(text) > MAX_COMMENT:
        raise SurveyError(f"Saran paling banyak {MAX_COMMENT} karakter.")
    body: dict[str, Any] = {"transaction_id": transaction_id}
    body.update({code.lower(): int(v) for code, v in zip(ikm.CODES, answers, strict=True)})
    body["comment"] = text or None
    body["device_time"] = device_time.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return body


@dataclass(frozen=True)
class QueuedSurvey:
    app_id: str
    transaction_id: str
    added: bool
    """False when this transaction id was queued before (a double click): still one entry."""


class SurveyService:
    """Keeps a survey in the outbox (Qt-free; call from a worker)."""

    def __init__(
        self, store: Store, *, user_id: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.user_id = user_id
        self.clock = clock

    def queue(
        self,
        app_id: str,
        number: str,
        answers: Sequence[int],
        comment: str,
        *,
        transaction_id: str,
    ) -> QueuedSurvey:
        now = self.clock()
        body = survey_body(
            answers,
            comment,
            transaction_id=transaction_id,
            device_time=datetime.fromtimestamp(now, UTC),
        )
        payload = {"app_id": app_id, "body": body}
        user = self.user_id

        def write(conn: Connection) -> bool:
            return Store.add_outbox_entry(
                conn,
                transaction_id=transaction_id,
                app_id=app_id,
                kind=EntryKind.SURVEY,
                payload=payload,
                label=f"Survei kepuasan {number}",
                user_id=user,
                now=int(now),
            )

        added = self.store.write(write)
        log.info("survey of %s kept (%s)", number, "new" if added else "already queued")
        return QueuedSurvey(app_id, transaction_id, added)


__all__ = [
    "MAX_COMMENT",
    "QueuedSurvey",
    "SurveyError",
    "SurveyService",
    "new_transaction_id",
    "survey_body",
]
