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


class ConnectionFailure(LoketError):
    """The server could not be reached; `kind` says which way it failed."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BadResponse(LoketError):
    """The server (or something pretending to be it) answered with unusable data."""


class SessionExpired(LoketError):
    """The refresh token is no longer valid: the person must sign in again (no work is lost)."""


class InsecureKeyringError(LoketError):
    """The OS keyring is missing or stores secrets in plain files; Loket refuses to use it."""
