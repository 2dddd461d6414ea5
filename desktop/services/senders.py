"""The one registry of outbox senders: what the window's sync controller and `loket sync --once`
both send with.

`OutboxSender` knows only the decision kinds itself; the counter's entries (an application
taken in: APPLICATION, DOCUMENT; a returned application's edit: EDIT; a signed letter's
registration: ISSUED) need their own senders.
Built in one place so a new entry kind cannot be sendable from the window and refused as
unreadable by the scheduled command (or the other way round).

Qt-free: the command runs without a display.
"""

from __future__ import annotations

from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.intake_sender import intake_senders
from desktop.services.issuing_sender import issuing_senders
from desktop.services.outbox import EntrySender, OutboxSender
from desktop.services.revision import revision_senders
from desktop.services.signature_sender import signature_senders
from desktop.services.survey_sender import survey_senders


def outbox_senders(
    api: ApiClient, store: Store, apps: ApplicationService
) -> dict[str, EntrySender]:
    """Entry kind -> sender for every kind beyond the built-in decisions."""
    return {
        **intake_senders(api, store, apps=apps),
        **revision_senders(api, store, apps=apps),
        **issuing_senders(api),
        **survey_senders(api),  # a satisfaction survey after the handover (issue 14)
        **signature_senders(store),  # a letter waiting for BSrE (issue 13)
    }


def outbox_sender(api: ApiClient, store: Store, apps: ApplicationService) -> OutboxSender:
    """The session's sender: the built-in decisions plus `outbox_senders`."""
    return OutboxSender(apps, store, senders=outbox_senders(api, store, apps))


__all__ = ["outbox_sender", "outbox_senders"]
