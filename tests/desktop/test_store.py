"""The local store on a real SQLite file: idempotent upserts, SQL filters, search, sort."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.fakedata import make_raw, summaries
from desktop.domain.records import ApplicationSummary
from desktop.models.store import QueueQuery, Store, search_terms, store_path

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(tmp_path / "cache" / "t.sqlite3")
    yield s
    s.close()


def raw_app(**changes: Any) -> dict[str, Any]:
    import random

    raw = make_raw(1, random.Random(5), NOW)
    raw.update(changes)
    return raw


def put(store: Store, *raws: dict[str, Any]) -> None:
    store.save_summaries([(ApplicationSummary.from_json(r), r) for r in raws])


def test_wal_mode_and_file_per_server_and_user(store: Store, tmp_path: Path) -> None:
    mode = store.read(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
    assert mode == "wal"
    a = store_path(tmp_path, "https://a.go.id", "verifier1")
    b = store_path(tmp_path, "https://b.go.id", "verifier1")
    c = store_path(tmp_path, "https://a.go.id", "../../etc/passwd")
    assert a != b and c.parent == a.parent and ".." not in c.name


def test_upsert_is_idempotent_and_never_goes_back_in_time(store: Store) -> None:
    raw = raw_app(id="00000000-0000-4000-8000-000000000001", seq=10, status="submitted", version=2)
    put(store, raw)
    put(store, raw)  # replayed page
    assert store.count() == 1
    older = copy.deepcopy(raw)
    older.update(seq=5, status="draft", version=1)
    put(store, older)
    assert store.summary(raw["id"]).status_raw == "submitted"  # type: ignore[union-attr]
    newer = copy.deepcopy(raw)
    newer.update(seq=11, status="verified", version=3)
    put(store, newer)
    got = store.summary(raw["id"])
    assert got is not None and got.status_raw == "verified" and got.version == 3


def test_unknown_status_from_newer_server_is_kept(store: Store) -> None:
    raw = raw_app(status="archived_v9", seq=3)
    put(store, raw)
    assert store.count_by_status(QueueQuery()) == {"archived_v9": 1}
    assert store.summary(raw["id"]).status is None  # type: ignore[union-attr]


def test_filters_search_and_sort_in_sql(store: Store) -> None:
    base = dict(registration_number=None, provisional_number=None, claim=None)
    due_past = (NOW - timedelta(hours=5)).isoformat()
    due_future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    a = raw_app(
        **{**base, "registration_number": "1471-261124-0042-6"},
        id="a" * 8 + "-0000-4000-8000-000000000001",
        seq=1,
        status="submitted",
        service_code="SKTM",
        office_code="14.71.01.1002",
        due_at=due_past,
        applicant={"nik": "1471015208900001", "name": "Siti Rahmawati"},
    )
    b = raw_app(
        **{**base, "provisional_number": "SEM-1471011001-D03-261124-0007"},
        id="b" * 8 + "-0000-4000-8000-000000000002",
        seq=2,
        status="verified",
        service_code="KIA",
        office_code="14.71.02.1001",
        due_at=due_future,
        applicant={"nik": "1471024101950002", "name": "Ahmad Ramli"},
    )
    c = raw_app(
        **{k: v for k, v in base.items() if k != "claim"},
        id="c" * 8 + "-0000-4000-8000-000000000003",
        seq=3,
        status="completed",
        service_code="SKTM",
        office_code="14.71.01",
        due_at=due_past,
        applicant={"nik": "1471015208900003", "name": "Sitï Aminah"},
        claim={
            "user_id": "me",
            "username": "me",
            "full_name": "Saya",
            "expires_at": (datetime.now(UTC) + timedelta(minutes=9)).isoformat(),
        },
    )
    put(store, a, b, c)

    def ids(**q: Any) -> list[str]:
        rids = store.query_rids(QueueQuery(**q))
        rows = store.rows(list(rids))
        return [rows[r].id[0] for r in rids]

    assert ids() == ["a", "c", "b"]  # deadline order
    assert ids(statuses=("submitted",)) == ["a"]
    assert ids(service_code="SKTM") == ["a", "c"]
    assert ids(office_code="14.71.01") == ["a", "c"]  # an office includes its kelurahan
    assert ids(overdue=True) == ["a"]  # completed is never overdue
    assert ids(claimed_by="me") == ["c"]
    assert ids(text="siti") == ["a", "c"]  # case- and accent-insensitive
    assert ids(text="SITI rahma") == ["a"]
    assert ids(text="1471015208900001") == ["a"]
    assert ids(text="1471-261124-0042-6") == ["a"]
    assert ids(text="14712611240042 6") == ["a"]  # separators do not matter
    assert ids(text="sem-1471011001-d03") == ["b"]
    assert ids(text="%") == [] and ids(text="_") == []
    assert ids(sort="name") == ["b", "c", "a"]  # "Sitï Aminah" sorts as "siti aminah"
    assert ids(sort="name", descending=True) == ["a", "c", "b"]
    assert ids(sort="name", text="siti") == ["c", "a"]
    counts = store.count_by_status(QueueQuery(statuses=("verified",), service_code="SKTM"))
    assert counts == {"submitted": 1, "completed": 1}  # every filter but status
    assert (
        store.find_by_number(
            "1471-261124-0042-6",
        )
        == a["id"]
    )
    assert store.find_by_number("147126112400426") == a["id"]
    assert store.distinct("service_code") == ["KIA", "SKTM"]


def test_search_terms_normalise_numbers_and_case() -> None:
    assert search_terms("  Siti  RAHMA ") == ["siti", "rahma"]
    assert search_terms("1471-261124-0042-6") == ["147126112400426"]
    assert search_terms("") == []


def test_concurrent_reads_during_writes(store: Store) -> None:
    import threading

    put(store, *[r for _, r in summaries(500, seed=3)])
    errors: list[BaseException] = []
    stop = time.monotonic() + 1.0

    def reader() -> None:
        try:
            while time.monotonic() < stop:
                assert len(store.query_rids(QueueQuery(text="a"))) >= 0
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    store.bulk_insert(summaries(2000, seed=4), batch=250)
    for t in threads:
        t.join()
    assert not errors
    assert store.count() == 2500
