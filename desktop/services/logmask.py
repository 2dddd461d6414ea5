"""Logs never contain passwords, tokens or full NIKs (DESIGN section 7).

Masking happens when a log record is *created* (`logging.setLogRecordFactory`), not in one
handler, so every handler sees the masked text: the log file, the console, and test capture.
The message is formatted once, NIK-like digit runs are masked (``317101******0001``), bearer
tokens, JWT-looking strings, ``password=...``/``token: ...`` pairs and every secret registered
at runtime (the live access and refresh tokens) are replaced by ``[disembunyikan]``.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any

from desktop.domain.identity import mask_niks_in_text

REDACTED = "[disembunyikan]"

_PATTERNS = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    re.compile(
        r"(?i)(\b(?:[a-z_]*token|password|passwd|kata_sandi|secret|authorization)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"',\s}&]+"
    ),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register_secret(value: str) -> None:
    """Redact `value` wherever it appears in later log records (tokens; not passwords)."""
    if value and len(value) >= 8:
        with _lock:
            _secrets.add(value)


def mask_text(text: str) -> str:
    """Everything the log filter does to one string."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return mask_niks_in_text(text)


def install_log_masking() -> None:
    """Wrap the record factory once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)))
            record.exc_text = record.exc_text.rstrip("\n")
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
