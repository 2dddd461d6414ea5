"""The outbox's sender for letters waiting for their BSrE signature: SIGNATURE entries (issue 13).

At sync the letter kept unsigned at numbering is signed through the same `BsreSigner` and this
PC's settings (the client credentials from the OS keyring, as `controllers.signing` does) with
the passphrase held in memory for this entry (`signing_secrets`), then `keep_and_queue`
queues its upload, registration and sign action; the entry is done (terkirim).

- No passphrase held (the app was restarted, another session, TOTP) or BSrE no longer set up:
  *perlu tindakan* (`EntryWaits`), until the official signs the waiting letters in the sign
  dialog. Never retried by itself.
- BSrE still unreachable, a timeout or a 5xx: *coba lagi* with the outbox's backoff
  (`ConnectionFailure`), the passphrase kept.
- BSrE refuses (wrong passphrase, "Pengguna tidak terdaftar", certificate inactive): the
  passphrase is forgotten at once (never sent again: BSrE may lock an account after repeated
  wrong passphrases) and the entry waits (*perlu tindakan*) with BSrE's message; the number
  stays the letter's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.models.store import Store
from desktop.services.api.errors import ConnectionFailure, FailureKind
from desktop.services.issuing import (
    PendingSignature,
    refused_message,
    sign_pending,
    unreadable_message,
)
from desktop.services.outbox import EntrySender, EntryWaits
from desktop.services.secrets import SecretStore
from desktop.services.signing import BsreSigner, SigningError, SignProblem
from desktop.services.signing_secrets import HeldSecrets, held_secrets
from desktop.services.signing_setup import BsreCredentials, bsre_config
from desktop.settings import Settings, load_settings

log = logging.getLogger(__name__)

RETRYABLE = (SignProblem.UNREACHABLE, SignProblem.TIMEOUT, SignProblem.SERVICE_ERROR)


def needs_secret_message(letter_number: str, totp: bool) -> str:
    what = "kode TOTP baru" if totp else "passphrase"
    return (
        f"Surat nomor {letter_number} menunggu tanda tangan elektronik: {what} pejabat tidak "
        "disimpan di komputer ini. Buka Tandatangani lalu pilih 'Tandatangani surat yang "
        "menunggu'."
    )


class SignatureEntrySender:
    """`send_signature` for `OutboxSender(senders=...)` (one per store)."""

    def __init__(
        self,
        store: Store,
        *,
        settings: Callable[[], Settings] = load_settings,
        credentials: BsreCredentials | None = None,
        secrets: HeldSecrets = held_secrets,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.credentials = credentials
        self.secrets = secrets
        self.clock = clock

    def send_signature(self, entry: OutboxEntry) -> None:
        pending = PendingSignature.from_entry(entry)  # ValueError: unreadable
        tx = entry.transaction_id
        passphrase = None if pending.totp else self.secrets.get(tx)
        if passphrase is None:
            raise EntryWaits(needs_secret_message(pending.letter_number, pending.totp))
        settings = self.settings()
        if settings.sign_method != "bsre" or not settings.bsre_url.strip():
            raise EntryWaits(
                f"Surat nomor {pending.letter_number} menunggu tanda tangan elektronik, tetapi "
                "layanan BSrE tidak lagi diatur di komputer ini (Pengaturan > Tanda tangan "
                "elektronik)."
            )
        credentials = self.credentials or BsreCredentials(SecretStore())
        signer = BsreSigner(bsre_config(settings, credentials.load(settings.bsre_url)))
        try:
            sign_pending(
                self.store,
                pending,
                signer,
                passphrase=passphrase,
                user_id=entry.user_id,
                now=int(self.clock()),
            )
        except SigningError as exc:
            if exc.problem in RETRYABLE:
                timeout = exc.problem is SignProblem.TIMEOUT
                kind = FailureKind.TIMEOUT if timeout else FailureKind.NETWORK
                raise ConnectionFailure(kind, exc.message) from exc
            self.secrets.forget(tx)
            log.info("waiting letter %s refused by BSrE (%s)", pending.letter_number, exc.problem)
            raise EntryWaits(refused_message(pending, exc)) from exc
        except OSError as exc:
            raise EntryWaits(unreadable_message(pending, exc)) from exc
        self.secrets.forget(tx)


def signature_senders(
    store: Store,
    *,
    settings: Callable[[], Settings] = load_settings,
    credentials: BsreCredentials | None = None,
    secrets: HeldSecrets = held_secrets,
) -> dict[str, EntrySender]:
    """The sender for `OutboxSender(apps, store, senders=...)`."""
    sender = SignatureEntrySender(
        store, settings=settings, credentials=credentials, secrets=secrets
    )
    return {EntryKind.SIGNATURE.value: sender.send_signature}


__all__ = ["SignatureEntrySender", "needs_secret_message", "signature_senders"]
