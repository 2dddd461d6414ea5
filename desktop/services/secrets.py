"""Secrets in the OS keyring only: one entry per server and user, never a file of ours.

`keyring` silently falls back to whatever backend it finds, including ``keyrings.alt`` backends
that write secrets to a plain (or trivially "encrypted") file in the home directory, and the
``fail``/``null`` backends that store nothing. On a shared counter PC that would leave a usable
refresh token on disk, so `SecretStore` refuses those backends with a clear Indonesian message and
never falls back to files: the session then lives in memory only, until the app closes.

Only the refresh token is stored (the access token lives 15 minutes in memory): Windows
Credential Manager limits a secret to 2,560 bytes, and two JWTs may not fit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop.services.api.errors import InsecureKeyringError

log = logging.getLogger(__name__)

SERVICE_PREFIX = "Loket"

_INSECURE_CLASSES = {
    "keyring.backends.fail.Keyring": "tidak ada yang tersedia di komputer ini",
    "keyring.backends.null.Keyring": "dinonaktifkan (null)",
}
_INSECURE_MODULE_PREFIXES = ("keyrings.alt",)

INSECURE_HELP = (
    "Loket sengaja tidak menyimpan token masuk di berkas biasa: di komputer loket yang dipakai "
    "bersama, berkas seperti itu tidak aman karena dapat disalin dan dipakai orang lain. Karena "
    "itu sesi ini hanya disimpan di memori dan berakhir saat aplikasi ditutup; Anda tetap dapat "
    "bekerja seperti biasa, hanya perlu masuk lagi setiap kali membuka Loket. Agar sesi dapat "
    "disimpan dengan aman, minta administrator mengaktifkan penyimpanan kredensial sistem "
    "operasi (Windows Credential Manager, atau GNOME Keyring/KWallet di Linux)."
)


def _qualname(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def insecure_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` must not hold secrets (Indonesian), or None when it is a real OS keyring."""
    name = _qualname(backend)
    if name in _INSECURE_CLASSES:
        return _INSECURE_CLASSES[name]
    if name.startswith(_INSECURE_MODULE_PREFIXES):
        return f"penyimpanan '{type(backend).__name__}' menyimpan rahasia dalam berkas biasa"
    children = getattr(backend, "backends", None)
    if name == "keyring.backends.chainer.ChainerBackend":
        if not children:
            return "tidak ada yang tersedia di komputer ini"
        for child in children:
            reason = insecure_reason(child)
            if reason:
                return reason
    return None


@dataclass(frozen=True)
class StoredSession:
    """What survives in the keyring between requests: the refresh token and when it dies."""

    refresh_token: str
    refresh_expires_at: float  # epoch seconds

    def to_secret(self) -> str:
        return json.dumps(
            {"refresh_token": self.refresh_token, "refresh_expires_at": self.refresh_expires_at}
        )

    @classmethod
    def from_secret(cls, text: str) -> StoredSession | None:
        try:
            raw: Any = json.loads(text)
            return cls(str(raw["refresh_token"]), float(raw["refresh_expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None


class SecretStore:
    """The keyring, checked once for safety; entries are keyed ``Loket <server>`` / username."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def problem(self) -> str | None:
        """Indonesian explanation when secrets cannot be stored safely, else None."""
        reason = insecure_reason(self.backend)
        if reason is None:
            return None
        return (
            f"Penyimpanan kredensial sistem operasi tidak dapat dipakai ({reason}). "
            + INSECURE_HELP
        )

    def check(self) -> None:
        problem = self.problem()
        if problem:
            raise InsecureKeyringError(problem)

    @staticmethod
    def service_name(server_url: str) -> str:
        return f"{SERVICE_PREFIX} {server_url}"

    def save(self, server_url: str, username: str, session: StoredSession) -> None:
        """Store the session; raises `InsecureKeyringError` instead of using an unsafe backend."""
        self.check()
        try:
            self.backend.set_password(self.service_name(server_url), username, session.to_secret())
        except keyring.errors.KeyringError as exc:
            raise InsecureKeyringError(
                "Penyimpanan kredensial sistem operasi menolak menyimpan token "
                f"({type(exc).__name__}). " + INSECURE_HELP
            ) from exc

    def load(self, server_url: str, username: str) -> StoredSession | None:
        if self.problem():
            return None
        try:
            text = self.backend.get_password(self.service_name(server_url), username)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None
        return StoredSession.from_secret(text) if text else None

    def delete(self, server_url: str, username: str) -> None:
        """Remove the entry; a missing entry or an unusable keyring is not an error here."""
        if self.problem():
            return
        try:
            self.backend.delete_password(self.service_name(server_url), username)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("keyring delete failed: %s", type(exc).__name__)
