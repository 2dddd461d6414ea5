"""What can go wrong when talking to the server, each with an Indonesian message for people.

Three families, because the desktop reacts differently to each:

- `ApiError`: the server answered with a problem (``application/problem+json``); branch on `code`.
- `ConnectionFailure`: no answer at all (DNS, refused, timeout, TLS); retry later, work offline.
- `BadResponse`: an answer the desktop cannot use (garbage, truncated, not a Loket server).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LoketError(Exception):
    """Base of every error the desktop shows to a person; `message` is Indonesian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(LoketError):
    """A problem reported by the server: HTTP status, stable `code`, `detail` and extras."""

    def __init__(
        self, status: int, code: str, detail: str, extras: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extras: dict[str, Any] = dict(extras or {})

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code!r})"


class FailureKind(StrEnum):
    INVALID_URL = "invalid_url"
    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    NETWORK = "network"
    PROXY = "proxy"
    """The HTTP(S) proxy itself cannot be reached, or refuses this destination."""
    PROXY_AUTH = "proxy_auth"
    """The proxy wants a (different) user name and password (HTTP 407)."""


class ConnectionFailure(LoketError):
    """The server could not be reached; `kind` says which way it failed."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BadResponse(LoketError):
    """The server (or something pretending to be it) answered with unusable data."""


class SessionExpired(LoketError):
    """The server ended the session: the person must sign in again (no work is lost).

    `code` says why: ``refresh_invalid`` / ``token_invalid`` (expired, revoked, password or office
    changed by an administrator) or ``account_disabled`` (the offline credential is wiped too).
    """

    def __init__(self, message: str, code: str = "refresh_invalid") -> None:
        super().__init__(message)
        self.code = code

    @property
    def disabled(self) -> bool:
        return self.code == "account_disabled"


class DeviceRevoked(SessionExpired):
    """An administrator revoked this PC (403 ``device_revoked``): no sign-in or sync from it
    any more. Unsent work stays in the store and can be exported (`loket outbox export`)."""

    def __init__(self, message: str, code: str = "device_revoked") -> None:
        super().__init__(message, code)


class CaBundleError(ConnectionFailure):
    """The configured CA bundle (PEM) is missing, unreadable or not a certificate file."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(FailureKind.TLS, message)
        self.path = path


class InsecureKeyringError(LoketError):
    """The OS keyring is missing or stores secrets in plain files; Loket refuses to use it."""
