"""The shared audit-chain formula: canonical form and hash, the same on desktop and server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop.domain.audit_chain import (
    GENESIS,
    ChainEvent,
    canonical_time,
    check_details,
    mask_nik,
)


def _event(**changes: object) -> ChainEvent:
    fields: dict[str, object] = {
        "id": "6f1c2d1e-8a3b-4c47-9a55-2f0e4e1b9c01",
        "chain_id": "0b7f7a52-1d1e-4a5e-9a44-53a3b1f7c0aa",
        "device_id": "pc-loket-1",
        "user_id": "2d3c6a10-0000-4000-8000-000000000001",
        "kind": "decision_queued",
        "application_id": None,
        "device_time": datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        "details": {"action": "verify", "catatan": "Berkas lengkap ✓"},
    }
    fields.update(changes)
    return ChainEvent(**fields)  # type: ignore[arg-type]


def test_canonical_form_is_sorted_compact_utf8() -> None:
    text = _event().canonical().decode("utf-8")
    assert text.startswith('{"application_id":null,"chain_id":')
    assert " " not in text.replace("Berkas lengkap ✓", "")
    assert "✓" in text  # UTF-8, not \\u escapes
    assert '"device_time":"2026-01-05T01:00:00.000000Z"' in text


def test_hash_is_sha256_of_prev_hash_and_canonical() -> None:
    event = _event()
    expected = hashlib.sha256(GENESIS.encode() + event.canonical()).hexdigest()
    assert event.hash(GENESIS) == expected
    assert event.hash("1" * 64) != expected


def test_the_same_instant_in_any_zone_hashes_the_same() -> None:
    wib = timezone(timedelta(hours=7))
    here = _event(device_time=datetime(2026, 1, 5, 8, 0, tzinfo=wib))
    assert here.hash(GENESIS) == _event().hash(GENESIS)
    assert canonical_time(None) is None
    with pytest.raises(ValueError):
        canonical_time(datetime(2026, 1, 5, 8, 0))  # a naive time: refused


@pytest.mark.parametrize("field", ["kind", "user_id", "device_id", "chain_id", "application_id"])
def test_every_field_is_covered(field: str) -> None:
    assert _event(**{field: "lain"}).hash(GENESIS) != _event().hash(GENESIS)


def test_details_never_hold_a_full_nik() -> None:
    check_details({"nik": mask_nik("1471011001900001"), "count": 3})
    for bad in (
        {"nik": "1471011001900001"},
        {"note": "pemohon 1471011001900001 datang"},
        {"list": [{"x": 1471011001900001}]},
    ):
        with pytest.raises(ValueError):
            check_details(bad)
    assert mask_nik("1471011001900001") == "147101******0001"
