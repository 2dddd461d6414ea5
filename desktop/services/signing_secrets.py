"""The official's BSrE passphrase for letters waiting for their signature, in memory only.

Issue 13: offline, a letter is numbered and waits in the outbox (EntryKind.SIGNATURE) until
BSrE can be reached; the passphrase the official typed is what signs it then. It is never
written anywhere (not the store, not the settings, not the log): it lives in this process,
keyed by the waiting entry's transaction id, and is forgotten once used, refused by BSrE, or
when the session ends (sign-out, the lock screen's session end, exit: `forget_all`). A TOTP
code is never held (it expires in seconds): such a letter waits for a fresh code.
"""

from __future__ import annotations

import threading


class HeldSecrets:
    """Transaction id -> passphrase (thread-safe: the outbox round reads it on a worker)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, str] = {}

    def hold(self, transaction_id: str, passphrase: str) -> None:
        if passphrase:
            with self._lock:
                self._held[transaction_id] = passphrase

    def get(self, transaction_id: str) -> str | None:
        with self._lock:
            return self._held.get(transaction_id)

    def forget(self, transaction_id: str) -> None:
        with self._lock:
            self._held.pop(transaction_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._held.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def __repr__(self) -> str:
        return f"HeldSecrets({len(self)} held)"


held_secrets = HeldSecrets()
"""The process's one holder (the session's sign dialog writes, the outbox round reads)."""


__all__ = ["HeldSecrets", "held_secrets"]
