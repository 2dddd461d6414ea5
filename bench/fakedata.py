"""Deterministic, realistic-looking cached applications for benchmarks and store tests.

Shapes follow `ApplicationSummary` JSON of API v1 exactly, so they go through the same parser
and upsert as a real pull. Names and numbers are made up.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.domain.numbering import format_registration_number
from desktop.domain.records import ApplicationSummary

FIRST = (
    "Siti",
    "Ahmad",
    "Dewi",
    "Budi",
    "Rina",
    "Andi",
    "Nur",
    "Putri",
    "Rizky",
    "Fitri",
    "Agus",
    "Sri",
    "Dedi",
    "Wahyu",
    "Indah",
    "Yusuf",
    "Ayu",
    "Hendra",
    "Lestari",
    "Fajar",
    "Nurul",
    "Muhammad",
    "Ratna",
    "Joko",
    "Intan",
    "Bayu",
    "Maya",
    "Irfan",
    "Citra",
    "Eko",
)
LAST = (
    "Rahmawati",
    "Saputra",
    "Lestari",
    "Santoso",
    "Hidayat",
    "Pratama",
    "Wulandari",
    "Siregar",
    "Nasution",
    "Harahap",
    "Lubis",
    "Simanjuntak",
    "Kurniawan",
    "Setiawan",
    "Hasibuan",
    "Putra",
    "Sari",
    "Nugroho",
    "Syahputra",
    "Marpaung",
    "Damanik",
    "Tanjung",
    "Batubara",
    "Ginting",
    "Sembiring",
    "Manurung",
    "Panjaitan",
    "Rangkuti",
    "Daulay",
    "Utami",
)
SERVICES = (
    "KTPEL-BARU",
    "KTPEL-HILANG",
    "KTPEL-RUSAK",
    "KK-KTPEL-WNI",
    "AKTA-LAHIR",
    "AKTA-MATI",
    "KIA",
    "PINDAH-KELUAR",
    "PINDAH-DATANG",
    "SK-DOMISILI",
    "SK-USAHA",
    "SKTM",
    "PENGANTAR-SKCK",
    "AKTA-KAWIN",
    "GANTI-NAMA",
)
OFFICES = (
    "14.71",
    "14.71.01",
    "14.71.02",
    "14.71.03",
    "14.71.01.1001",
    "14.71.01.1002",
    "14.71.02.1001",
    "14.71.03.1004",
)
STATUSES = (
    ("submitted", 40),
    ("verified", 15),
    ("needs_revision", 8),
    ("validated", 5),
    ("signed", 3),
    ("completed", 20),
    ("rejected", 4),
    ("draft", 5),
)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def make_raw(
    i: int, rng: random.Random, now: datetime, *, user_id: str | None = None
) -> dict[str, Any]:
    created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    submitted = created + timedelta(minutes=rng.randint(1, 30)) if status != "draft" else None
    due = submitted + timedelta(hours=rng.choice((24, 72, 120, 168))) if submitted else None
    sex_day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    district, month, year = rng.randint(1, 15), rng.randint(1, 12), rng.randint(50, 99)
    nik = f"1471{district:02d}{sex_day:02d}{month:02d}{year:02d}{rng.randint(1, 9999):04d}"
    reg = (
        format_registration_number("1471", (submitted or created).date(), (i % 9999) + 1)
        if submitted
        else None
    )
    claim = None
    if status in ("submitted", "verified") and rng.random() < 0.05:
        claim = {
            "user_id": user_id or str(uuid.UUID(int=rng.getrandbits(128))),
            "username": "petugas",
            "full_name": "Petugas Verifikasi",
            "expires_at": _iso(now + timedelta(minutes=10)),
        }
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "registration_number": reg,
        "provisional_number": None
        if reg or rng.random() < 0.5
        else f"SEM-1471011001-D03-{created:%y%m%d}-{i % 9999 + 1:04d}",
        "service_code": rng.choice(SERVICES),
        "status": status,
        "version": rng.randint(1, 6),
        "office_code": rng.choice(OFFICES),
        "applicant": {
            "nik": nik,
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "birth_date": None,
            "sex": None,
            "kk_number": None,
            "phone": None,
            "email": None,
            "address": None,
        },
        "channel": rng.choice(("counter", "online")),
        "created_at": _iso(created),
        "updated_at": _iso(created + timedelta(hours=1)),
        "submitted_at": _iso(submitted) if submitted else None,
        "due_at": _iso(due) if due else None,
        "claim": claim,
        "seq": i + 1,
    }


def summaries(
    n: int, *, seed: int = 1, user_id: str | None = None, now: datetime | None = None
) -> Iterator[tuple[ApplicationSummary, dict[str, Any]]]:
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    for i in range(n):
        raw = make_raw(i, rng, now, user_id=user_id)
        yield ApplicationSummary.from_json(raw), raw
