"""Passwords, opaque tokens, and a logging filter that keeps secrets and NIKs out of logs.

Tokens are random strings; the database keeps only their keyed SHA-256 (the key is the server
secret), so a copy of the database cannot be used to log in. Passwords use argon2id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from desktop.domain.identity import mask_niks_in_text

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend the time of a real verification, so unknown usernames cannot be told apart."""
    verify_password(_DUMMY_HASH, password)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def successor_tokens(secret: str, refresh_token: str) -> tuple[str, str]:
    """The (access, refresh) pair a refresh with `refresh_token` issues, derived from it.

    Deterministic, so a retried refresh whose answer was lost can be answered with the same pair
    without keeping that pair anywhere: the database still holds only keyed hashes. Computing
    it needs both the server secret and the presented token (a copy of the database has
    neither). The key is derived from the secret under its own label, apart from `token_hash`'s.
    """
    key = hmac.new(secret.encode(), b"loket refresh successor v1", hashlib.sha256).digest()

    def derive(label: bytes) -> str:
        digest = hmac.new(
            key, label + b"\0" + refresh_token.encode("utf-8", "replace"), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    return derive(b"access"), derive(b"refresh")


# -- logging ----------------------------------------------------------------------------------

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_FIELDS = re.compile(
    r"(?i)((?:\"|')?(?:password|access_token|refresh_token|token|secret)(?:\"|')?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,&}]+)"
)


_REQUEST_LINE = re.compile(r'\b([A-Z]{3,10}) (/[^ ?"]*)\?([^ "]*) (HTTP/[0-9.]+)')
"""A request line with a query string, as uvicorn's access log writes it."""
SAFE_QUERY_PARAMS = frozenset(
    {
        "status",
        "service_code",
        "office_code",
        "limit",
        "since",
        "claimed_by_me",
        "overdue",
        "requirement_code",
    }
)
"""Query parameters whose values are never personal data; every other value is logged as ***
(`q` carries names and NIKs, `filename` a citizen's file name, `cursor` is opaque)."""
_URL_DIGIT_SEPARATOR = re.compile(r"(?<=\d)(?:\+|%20|%2[eEdD]|%C2%A0|%c2%a0)(?=\d)")
"""URL-encoded separators inside a digit run (`1471+0168`, `1471%200168`), for the NIK mask."""


def _safe_query(query: str) -> str:
    parts = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        shown_key = key if re.fullmatch(r"[a-z_]{1,30}", key) else "***"
        shown_value = quote(value, safe=",:") if key in SAFE_QUERY_PARAMS else "***"
        parts.append(f"{shown_key}={shown_value}")
    return "&".join(parts) or "***"


def strip_query_strings(text: str) -> str:
    """Request lines keep their path; query values other than `SAFE_QUERY_PARAMS` become ***."""
    return _REQUEST_LINE.sub(
        lambda m: f"{m.group(1)} {m.group(2)}?{_safe_query(m.group(3))} {m.group(4)}", text
    )


_STATUS_TOKEN = re.compile(r"(/status/|/verify/|/issued/)[A-Za-z0-9_-]+")
"""A public status link's token, or an issued document's verification code, in a path: whoever
reads the log must not open the page."""


def redact(text: str) -> str:
    """Mask NIK-like numbers (URL-encoded forms included), anything that looks like a password
    or token (public status links' too), and the personal parts of request query strings."""
    text = strip_query_strings(text)
    text = _STATUS_TOKEN.sub(r"\1***", text)
    text = _BEARER.sub(r"\1***", text)
    text = _SECRET_FIELDS.sub(r"\1***", text)
    text = _URL_DIGIT_SEPARATOR.sub(" ", text)
    return mask_niks_in_text(text)


class RedactingFilter(logging.Filter):
    """Rewrites every record's final message; attach it to handlers, not loggers, so records
    propagated from any library (uvicorn's access log included) pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg = cleaned
        record.args = None
        return True


def install_log_filter(logger_names: tuple[str, ...] = ("", "uvicorn", "uvicorn.access")) -> None:
    """Add the filter to every handler of the named loggers (idempotent)."""
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


def logging_config(level: str) -> dict[str, Any]:
    """dictConfig for `serve`: one stderr handler, filtered, used by our loggers and uvicorn."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": level},
    }
