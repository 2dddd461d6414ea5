"""The central API v1 client (docs/architecture/api-v1.md)."""

from desktop.services.api.client import ApiClient, TokenProvider
from desktop.services.api.diagnose import ConnectionReport, probe_server
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    FailureKind,
    LoketError,
    SessionExpired,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "BadResponse",
    "ConnectionFailure",
    "ConnectionReport",
    "FailureKind",
    "LoketError",
    "SessionExpired",
    "TokenProvider",
    "probe_server",
]
