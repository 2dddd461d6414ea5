"""The client audit chain: one canonical form and one hash formula, for the desktop and server.

Every action a person takes on a counter PC is an audit event in a local log; each event's hash
covers its content and the previous event's hash, so a removed, edited or reordered event
breaks every hash after it. The desktop makes the hashes (`desktop.models.audit_log`); the
server recomputes them with this same module and refuses a batch that does not continue the
chain it already holds (`server/routes/audit.py`). One module, so the two can never disagree.

- **Canonical form**: the event's fields as JSON with sorted keys, no whitespace, UTF-8 (not
  ASCII-escaped); the device time as UTC with microseconds and a ``Z`` (what a datetime parsed
  back from any ISO form prints the same way on both sides).
- **Hash**: ``sha256(prev_hash + canonical)`` as lowercase hex; the first event of a chain has
  `GENESIS` as its previous hash.
- **A chain** is one local log: one per store file (a store is per server, user and office),
  named by a random `chain_id`; the device id is part of every event. A PC shared by several
  people holds several chains of the same device.
- **No full NIK** in details (DESIGN section 7): `check_details` refuses a 16-digit run; mask
  it first (``317101******0001``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The previous hash of a chain's first event."""

_FULL_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
"""A SHA-256 (a document's): its hex digits hold a 16-digit run in about 1 digest in 300."""


def canonical_time(moment: datetime | None) -> str | None:
    """UTC, microseconds, ``Z``: the same text for the same instant whatever its zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("an audit event's device time must carry its zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ChainEvent:
    """One event as hashed. Ids are text (UUIDs in their canonical lowercase form)."""

    id: str
    chain_id: str
    device_id: str
    user_id: str
    kind: str
    application_id: str | None
    device_time: datetime | None
    details: Mapping[str, Any]

    def canonical(self) -> bytes:
        return canonical_json(
            {
                "id": self.id,
                "chain_id": self.chain_id,
                "device_id": self.device_id,
                "user_id": self.user_id,
                "kind": self.kind,
                "application_id": self.application_id,
                "device_time": canonical_time(self.device_time),
                "details": dict(self.details),
            }
        )

    def hash(self, prev_hash: str) -> str:
        return event_hash(prev_hash, self.canonical())


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def event_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    return []


def check_details(details: Mapping[str, Any]) -> None:
    """Refuse details holding a full NIK (16 digits in a row): audit logs are kept for years
    and pushed to the server; a NIK belongs in the application, masked in logs."""
    for text in _strings(details):
        if _FULL_NIK.search(text) and not _HEX_DIGEST.fullmatch(text):
            raise ValueError("audit details must not hold a full NIK; mask it (317101******0001)")


def mask_nik(nik: str) -> str:
    """``3171010101900001`` -> ``317101******0001`` (DESIGN section 7)."""
    return nik[:6] + "*" * 6 + nik[12:] if len(nik) == 16 else nik


__all__ = [
    "GENESIS",
    "ChainEvent",
    "canonical_json",
    "canonical_time",
    "check_details",
    "event_hash",
    "mask_nik",
]
