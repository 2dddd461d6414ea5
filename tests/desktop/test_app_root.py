"""The composition root's own logic, without windows: the per-office local store (stale caches
of other offices removed, corrupt caches moved aside and rebuilt) and private log files."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from desktop.app import (
    CACHE_REBUILT_MESSAGE,
    other_office_stores,
    prepare_store,
    setup_logging,
    user_store_path,
)
from desktop.domain.records import ApplicationSummary
from desktop.models.store import store_path
from desktop.services.auth import Office, UserInfo
from desktop.services.logmask import install_log_masking
from tests.desktop.support import summary_json

SERVER = "https://loket.pekanbaru.go.id"


def user(username: str = "ana", office: str = "14.71.02") -> UserInfo:
    return UserInfo(
        id="u-1",
        username=username,
        full_name="Ana",
        roles_raw=("verifier",),
        office=Office(office, "Kantor", "kecamatan", "14.71"),
        device_code="D01",
        max_offline_days=7,
    )


def summary(i: int) -> tuple[ApplicationSummary, dict[str, Any]]:
    raw = summary_json(
        i, applicant={"nik": "1471015208900001", "name": f"Pemohon {i}", "address": "x" * 300}
    )
    return ApplicationSummary.from_json(raw), raw


def touch_store(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    path.with_name(path.name + "-wal").write_bytes(b"wal")
    return path


# -- one store per server, user and office (finding 2) --------------------------------------------


def test_store_is_keyed_by_office_and_other_offices_caches_are_removed(tmp_path: Path) -> None:
    here = user_store_path(tmp_path, SERVER, "ana", "14.71.02")
    before = touch_store(user_store_path(tmp_path, SERVER, "ana", "14.71.01"))
    legacy = touch_store(store_path(tmp_path, SERVER, "ana"))  # from before stores were per office
    other_user = touch_store(user_store_path(tmp_path, SERVER, "ana_b", "14.71.01"))
    tricky = touch_store(user_store_path(tmp_path, SERVER, "ana_14", "71.01"))
    other_server = touch_store(user_store_path(tmp_path, "https://lain.go.id", "ana", "14.71.01"))
    assert here != before and here.parent == before.parent

    assert set(other_office_stores(tmp_path, SERVER, "ana", "14.71.02")) == {before, legacy}
    prepared = prepare_store(tmp_path, SERVER, user("ana", "14.71.02"))
    try:
        assert prepared.store.path == here and prepared.notice == ""
        for gone in (before, legacy):
            assert not gone.exists() and not gone.with_name(gone.name + "-wal").exists()
        for kept in (other_user, tricky, other_server):
            assert kept.exists()
    finally:
        prepared.store.close()


def test_same_office_keeps_its_cache(tmp_path: Path) -> None:
    first = prepare_store(tmp_path, SERVER, user())
    first.store.save_summaries([summary(1)])
    first.store.close()
    again = prepare_store(tmp_path, SERVER, user())
    try:
        assert again.store.count() == 1 and again.notice == ""
    finally:
        again.store.close()


# -- a corrupt cache is moved aside and rebuilt (finding 6) ---------------------------------------


def test_garbage_cache_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = user_store_path(tmp_path, SERVER, "ana", "14.71.02")
    path.parent.mkdir(parents=True)
    garbage = b"garbage after a power cut" * 100
    path.write_bytes(garbage)
    path.with_name(path.name + "-wal").write_bytes(b"half a wal")
    with caplog.at_level(logging.ERROR):
        prepared = prepare_store(tmp_path, SERVER, user())
    try:
        assert prepared.notice == CACHE_REBUILT_MESSAGE
        assert "dibuat ulang" in prepared.notice and "server" in prepared.notice
        moved = list(path.parent.glob(path.name + ".rusak-*"))
        assert [m.read_bytes() for m in moved if not m.name.endswith("-wal")] == [garbage]
        assert prepared.store.count() == 0 and prepared.store.sync_state().last_seq == 0
        prepared.store.save_summaries([summary(1)])
        assert prepared.store.count() == 1
        assert any("corrupt" in r.getMessage() for r in caplog.records)
    finally:
        prepared.store.close()


def test_damaged_pages_are_found_by_quick_check(tmp_path: Path) -> None:
    path = user_store_path(tmp_path, SERVER, "ana", "14.71.02")
    first = prepare_store(tmp_path, SERVER, user())
    first.store.save_summaries([summary(i) for i in range(1, 400)])
    first.store.close()
    size = path.stat().st_size
    assert size > 64 * 1024
    with path.open("r+b") as fh:  # a power cut scribbled over pages after the first
        fh.seek(4096)
        fh.write(b"\xa5" * (32 * 1024))
    with pytest.raises(sqlite3.DatabaseError):  # really damaged
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            if rows != [("ok",)]:
                raise sqlite3.DatabaseError(str(rows[:2]))
        finally:
            conn.close()
    again = prepare_store(tmp_path, SERVER, user())
    try:
        assert again.notice == CACHE_REBUILT_MESSAGE
        assert again.store.count() == 0
        assert list(path.parent.glob(path.name + ".rusak-*"))
    finally:
        again.store.close()


# -- private log files (finding 10) ----------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_log_directory_and_files_are_private(tmp_path: Path) -> None:
    install_log_masking()
    root = logging.getLogger()
    before = list(root.handlers)
    old_umask = os.umask(0o022)
    try:
        logs = tmp_path / "data" / "logs"
        path = setup_logging(logs)
        handler = next(h for h in root.handlers if h not in before)
        logging.getLogger("desktop.test").warning("NIK 1471015208900001 dicatat")
        handler.flush()
        assert stat.S_IMODE(logs.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "1471015208900001" not in path.read_text(encoding="utf-8")
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()  # the new file after rotation is private too
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((logs / "loket.log.1").stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
