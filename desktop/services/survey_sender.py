"""The outbox's sender for satisfaction surveys (`services.survey`): SURVEY entries.

``POST /applications/{id}/survey`` with the body kept in the entry, its transaction id
unchanged on every attempt: a replay (answer lost, app killed mid-send) gets the server's first
answer, never a second row. A 409 `survey_exists` means this application already has its survey
(kept from another PC): the citizen answered once, which is what counts, so the entry is done,
not refused in front of the operator.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError
from desktop.services.outbox import EntrySender

log = logging.getLogger(__name__)


class SurveySender:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def send_survey(self, entry: OutboxEntry) -> None:
        p: Any = entry.payload
        try:
            app_id = str(p["app_id"])
            body = dict(p["body"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("survey payload") from exc
        try:
            self.api.post_json(f"/applications/{quote(app_id, safe='')}/survey", body)
        except ApiError as exc:
            if exc.code != "survey_exists":
                raise
            log.info("survey of %s was already kept by the server", app_id[:8])


def survey_senders(api: ApiClient) -> dict[str, EntrySender]:
    """The senders for `OutboxSender(apps, store, senders=...)`."""
    return {EntryKind.SURVEY.value: SurveySender(api).send_survey}


__all__ = ["SurveySender", "survey_senders"]
