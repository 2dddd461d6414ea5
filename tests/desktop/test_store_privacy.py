"""Personal data at rest in the local store: owner-only files and the retention purge."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.fakedata import make_raw
from desktop.domain.records import ApplicationSummary
from desktop.models.store import RETENTION_DAYS, QueueQuery, Store

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def raw_app(n: int, status: str, updated: datetime) -> dict[str, Any]:
    import random

    raw = make_raw(n, random.Random(n), NOW)
    raw.update(
        id=f"00000000-0000-4000-8000-{n:012d}",
        status=status,
        updated_at=updated.isoformat(),
        seq=n,
        claim=None,
    )
    return raw


def put(store: Store, *raws: dict[str, Any]) -> None:
    store.save_summaries([(ApplicationSummary.from_json(r), r) for r in raws])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_store_file_wal_shm_and_directory_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical desktop umask would leave files world-readable
    try:
        store = Store(tmp_path / "data" / "cache" / "u.sqlite3")
        try:
            put(store, raw_app(1, "submitted", NOW))
            path = store.path
            assert mode(path.parent) == 0o700
            assert mode(path) == 0o600
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                assert side.exists(), suffix
                assert mode(side) == 0o600, suffix
        finally:
            store.close()
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_existing_wide_open_store_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    path = directory / "u.sqlite3"
    Store(path).close()
    path.chmod(0o644)
    directory.chmod(0o755)
    Store(path).close()
    assert mode(path) == 0o600 and mode(directory) == 0o700


def test_purge_deletes_only_finished_applications_older_than_the_retention(
    tmp_path: Path,
) -> None:
    now = int(NOW.timestamp())
    old = NOW - timedelta(days=RETENTION_DAYS + 1)
    recent = NOW - timedelta(days=RETENTION_DAYS - 1)
    store = Store(tmp_path / "cache.sqlite3")
    try:
        rows = [
            raw_app(1, "completed", old),
            raw_app(2, "rejected", old),
            raw_app(3, "cancelled", old),
            raw_app(4, "completed", recent),
            raw_app(5, "submitted", old),  # still open: kept however old
            raw_app(6, "verified", old),
        ]
        put(store, *rows)
        assert store.purge_expired(now=now) == 3
        kept = {r["id"] for r in rows[3:]}
        gone = {r["id"] for r in rows[:3]}
        assert store.count() == 3
        for app_id in gone:
            assert store.summary(app_id) is None  # raw JSON gone too
            assert store.rid_of(app_id) is None
        for app_id in kept:
            assert store.summary(app_id) is not None
        # the queue index no longer lists them (deadline order walks ix_queue_text / ix_queue)
        assert len(store.query_rids(QueueQuery())) == 3
        assert len(store.query_rids(QueueQuery(office_code="x"))) == 0
        raw_left = store.read(
            lambda c: c.exec_driver_sql("SELECT COUNT(*) FROM applications_raw").scalar()
        )
        assert raw_left == 3
        # a shorter retention period is a parameter
        assert store.purge_expired(RETENTION_DAYS - 2, now=now) == 1
        assert store.count() == 2
    finally:
        store.close()


def test_purge_runs_at_open(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    real_now = datetime.now(UTC)
    store = Store(path)
    put(
        store,
        raw_app(1, "completed", real_now - timedelta(days=RETENTION_DAYS + 5)),
        raw_app(2, "completed", real_now - timedelta(days=1)),
    )
    store.close()
    store = Store(path)
    try:
        assert store.count() == 1
        assert store.summary(raw_app(2, "completed", real_now)["id"]) is not None
    finally:
        store.close()
    kept = Store(path, retention_days=None)  # tools that load old data can keep it
    kept.close()
