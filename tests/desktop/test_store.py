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
from desktop.models.store import QueueQuery, Store, search_terms
from desktop.models.store_locator import legacy_store_path as store_path

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

    assert ids() == ["a", "b", "c"]  # deadline order; finished (c) after open work
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


def test_search_terms_drop_separators_inside_words() -> None:
    assert search_terms("sem-1471011001-D03") == ["sem1471011001d03"]
    assert search_terms("1471-") == ["1471"]
    assert search_terms("Abd. Rahman") == ["abd", "rahman"]
    assert search_terms(" - / ") == []


def test_search_finds_partial_numbers_and_treats_glob_characters_literally(store: Store) -> None:
    base = dict(registration_number=None, provisional_number=None, claim=None)
    a = raw_app(
        **{**base, "provisional_number": "SEM-1471011001-D03-261124-0007"},
        id="a" * 8 + "-0000-4000-8000-000000000001",
        seq=1,
        applicant={"nik": "1471015208900001", "name": "Nur-Aini Abd. Rahman"},
    )
    b = raw_app(
        **{**base, "registration_number": "1471-261124-0042-6"},
        id="b" * 8 + "-0000-4000-8000-000000000002",
        seq=2,
        applicant={"nik": "1471024101950002", "name": "Ahmad [Ramli]*"},
    )
    put(store, a, b)

    def ids(text: str) -> set[str]:
        rids = store.query_rids(QueueQuery(text=text))
        rows = store.rows(list(rids))
        return {rows[r].id[0] for r in rids}

    typed = "SEM-1471011001-D03-261124"
    for n in range(1, len(typed) + 1):  # every keystroke of a provisional number finds it
        assert ids(typed[:n]) == {"a"}, typed[:n]
    assert ids("1471-2611") == {"b"}  # a registration number as typed, dash by dash
    assert ids("1471-") == {"a", "b"}
    assert ids("nur-aini") == ids("nur aini") == ids("aini") == {"a"}
    assert ids("abd.") == {"a"}
    assert ids("*") == ids("[") == ids("]") == {"b"}  # literal characters, not wildcards
    assert ids("?") == ids("%") == ids("_") == set()
    assert ids("[ramli]*") == {"b"}
    assert ids("a?mad") == set()


def test_window_and_packed_ids_match_a_plain_ordered_read(store: Store) -> None:
    put(store, *[r for _, r in summaries(700, seed=11, user_id="me")])

    def plain(q: QueueQuery) -> list[int]:
        where, params = q.where()
        sql = "SELECT rid FROM " + q.source() + where + q.order_by()
        return [r[0] for r in store.read(lambda c: c.exec_driver_sql(sql, tuple(params)).all())]

    filters: list[dict[str, Any]] = [{}, {"statuses": ("submitted",)}, {"service_code": "SKTM"}]
    for sort in ("due", "number", "name", "status", "submitted", "claim"):
        for descending in (False, True):
            for text in ("", "a", "1471", "siti"):
                for extra in filters:
                    q = QueueQuery(
                        text=text, sort=sort, descending=descending, now=1_800_000_000, **extra
                    )
                    want = plain(q)
                    assert list(store.query_rids(q)) == want, (sort, descending, text, extra)
                    assert list(store.query_rids(q, limit=25)) == want[:25]
    assert QueueQuery(statuses=("submitted",), text="a").queue_index() == "ix_queue_text"
    assert QueueQuery(service_code="SKTM", text="a").queue_index() == "ix_queue"
    assert list(store.query_rids(QueueQuery(text="zzz"))) == []
    assert list(store.query_rids(QueueQuery(), limit=0)) == []


def test_a_read_that_should_stop_is_interrupted(store: Store) -> None:
    from desktop.models.store import QueryCancelled

    put(store, *[r for _, r in summaries(3000, seed=12)])
    with pytest.raises(QueryCancelled):
        store.query_rids(QueueQuery(text="a"), should_stop=lambda: True)
    with pytest.raises(QueryCancelled):
        store.count_by_status(QueueQuery(text="a"), should_stop=lambda: True)
    # The pooled connections are left clean: the same reads now complete.
    assert len(store.query_rids(QueueQuery(text="a"), should_stop=lambda: False)) > 0
    assert sum(store.count_by_status(QueueQuery()).values()) == 3000


def test_contains_tells_whether_a_row_matches_a_query(store: Store) -> None:
    put(store, raw_app(id="a" * 8 + "-0000-4000-8000-000000000001", seq=1, status="submitted"))
    rid = store.rid_of("a" * 8 + "-0000-4000-8000-000000000001")
    assert rid is not None
    assert store.contains(QueueQuery(), rid)
    assert store.contains(QueueQuery(statuses=("submitted",)), rid)
    assert not store.contains(QueueQuery(statuses=("verified",)), rid)
    assert not store.contains(QueueQuery(), rid + 1)


# -- unsent checklist marks, the last detail seen, a released claim ---------------------------


def test_checklist_marks_are_kept_across_restarts_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "marks.sqlite3"
    store = Store(path)
    try:
        assert store.kept_marks("app-1") is None
        store.write(lambda c: Store.put_marks(c, "app-1", '{"marks": 1}', saved_at=100))
        store.write(lambda c: Store.put_marks(c, "app-1", '{"marks": 2}', saved_at=200))
        store.write(lambda c: Store.put_marks(c, "app-2", '{"marks": 3}', saved_at=300))
    finally:
        store.close()
    store = Store(path)  # the PC was switched off in between
    try:
        assert store.kept_marks("app-1") == ('{"marks": 2}', 200)
        store.write(lambda c: Store.delete_marks(c, "app-1"))
        assert store.kept_marks("app-1") is None
        assert store.kept_marks("app-2") == ('{"marks": 3}', 300)
        store.clear()  # a rebuilt cache keeps what the person has not sent yet
        assert store.kept_marks("app-2") == ('{"marks": 3}', 300)
    finally:
        store.close()


def test_marks_are_read_after_every_earlier_write(store: Store) -> None:
    """A save queued on the writer just before a read is what the read sees."""
    for i in range(50):
        store.write_async(lambda c, i=i: Store.put_marks(c, "app", str(i), saved_at=i))
        assert store.kept_marks("app") == (str(i), i)


def test_the_last_detail_seen_is_kept_for_offline_reading(store: Store) -> None:
    raw = raw_app(id="00000000-0000-4000-8000-0000000000d1", seq=10, status="submitted")
    detail = dict(raw, documents=[], history=[{"id": "h1"}])
    store.write(lambda c: Store.put_detail(c, ApplicationSummary.from_json(detail), detail))
    assert store.summary(raw["id"]) is not None  # the queue row too
    assert store.cached_raw(raw["id"]) == detail
    newer = dict(raw, seq=11, status="verified")  # a later pull: the summary is newer
    put(store, newer)
    assert store.cached_raw(raw["id"]) == newer
    assert store.cached_raw("00000000-0000-4000-8000-00000000dead") is None


def test_a_released_claim_leaves_the_queue_row_at_once(store: Store) -> None:
    expires = (NOW + timedelta(minutes=15)).isoformat().replace("+00:00", "Z")
    claim = {"user_id": "me", "username": "v1", "full_name": "Saya Sendiri", "expires_at": expires}
    raw = raw_app(id="00000000-0000-4000-8000-0000000000c1", seq=20, claim=claim)
    put(store, raw)
    assert store.write(lambda c: Store.drop_claim(c, raw["id"], "someone-else")) is False
    assert store.summary(raw["id"]).claim is not None  # type: ignore[union-attr]
    assert store.write(lambda c: Store.drop_claim(c, raw["id"], "me")) is True
    row = next(iter(store.rows([store.rid_of(raw["id"]) or 0]).values()))
    assert row.claim_user_id is None and row.claim_full_name is None
    assert store.summary(raw["id"]).claim is None  # type: ignore[union-attr]
    put(store, dict(raw, seq=21, claim=None))  # the server's own answer still replaces it
    assert store.summary(raw["id"]).seq == 21  # type: ignore[union-attr]


def test_purge_takes_the_marks_and_details_of_finished_applications(store: Store) -> None:
    old = (NOW - timedelta(days=60)).isoformat().replace("+00:00", "Z")
    done = raw_app(
        id="00000000-0000-4000-8000-0000000000e1", seq=30, status="completed", updated_at=old
    )
    store.write(lambda c: Store.put_detail(c, ApplicationSummary.from_json(done), done))
    store.write(lambda c: Store.put_marks(c, done["id"], "{}", saved_at=1))
    assert store.purge_expired(30) == 1
    assert store.cached_raw(done["id"]) is None and store.kept_marks(done["id"]) is None
