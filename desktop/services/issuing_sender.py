"""The outbox's sender for issued letters (`services.issuing`): ISSUED entries.

One entry registers a signed letter under its verification code (``POST
/applications/{id}/issued`` with the PDF's SHA-256); for a number taken and not used it then
voids that registration with the reason (``.../issued/{code}/void``), so the number stays in the
office's agenda, explained. Both requests carry their own transaction ids from the payload: a
replay (answer lost, app killed) gets the server's first answer, never a second registration.

The entry comes after the signed PDF's upload and before the ``sign`` action in the
application's order (`OutboxSender` sends one application's entries one at a time).
"""

from __future__ import annotations

import logging
from typing import Any

from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError
from desktop.services.outbox import EntrySender

log = logging.getLogger(__name__)


class IssuingSender:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def send_issued(self, entry: OutboxEntry) -> None:
        p: Any = entry.payload
        try:
            app_id = str(p["app_id"])
            register = dict(p["register"])
            code = str(register["code"])
            void = p.get("void")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("issued payload") from exc
        self.api.register_issued(app_id, register)
        if not isinstance(void, dict):
            return
        try:
            self.api.void_issued(
                app_id,
                code,
                reason=str(void["reason"]),
                transaction_id=str(void["transaction_id"]),
            )
        except ApiError as exc:
            if exc.code != "already_void":  # voided before, answer lost: done
                raise
        log.info("unused letter number %s registered void", register.get("letter_number"))


def issuing_senders(api: ApiClient) -> dict[str, EntrySender]:
    """The senders for `OutboxSender(apps, store, senders=...)`."""
    return {EntryKind.ISSUED.value: IssuingSender(api).send_issued}


__all__ = ["IssuingSender", "issuing_senders"]
