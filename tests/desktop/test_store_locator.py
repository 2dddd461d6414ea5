"""Where local stores live (one readable folder per server and user, one file per office), that
no name can escape or share a folder, that caches of the old hashed layout are brought over with
their unsent checklist marks, and that stale and corrupt caches are dealt with."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from desktop.domain.records import ApplicationSummary
from desktop.models.store import Store
from desktop.models.store_locator import (
    legacy_store_path,
    other_office_stores,
    prepare_store,
    safe_name,
    server_folder,
    store_location,
)
from tests.desktop.support import summary_json

SERVER = "https://loket.pekanbaru.go.id"
MARKS = '{"status": "submitted", "marks": {"ktp": {"ok": true, "note": "asli dilihat"}}}'


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


def gone(path: Path) -> bool:
    return not any(path.with_name(path.name + s).exists() for s in ("", "-wal", "-shm"))


# -- the layout ---------------------------------------------------------------------------------


def test_layout_is_one_readable_folder_per_server_and_user(tmp_path: Path) -> None:
    assert store_location(tmp_path, SERVER, "verifier1", "14.71.02") == (
        tmp_path / "stores" / "loket.pekanbaru.go.id" / "verifier1" / "14.71.02.sqlite3"
    )
    assert server_folder("http://127.0.0.1:8765") == "127.0.0.1_8765"
    assert server_folder("https://kota.go.id/loket") == "kota.go.id_loket"
    assert server_folder("http://127.0.0.1:8765") != server_folder("http://127.0.0.1:8766")
    assert safe_name("dévi.ayu") == "dévi.ayu"  # a person's name stays readable
    assert safe_name("de\u0301vi.ayu") == "dévi.ayu"  # however the keyboard composed it


HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    ".hidden",
    "CON",
    "con",
    "nul.txt",
    "COM1",
    "LPT9.log",
    "a/b",
    "a\\b",
    "a_b",
    "a:b",
    "Ana",
    "ana",
    "ana ",
    "ana.",
    "",
    " ",
    "x" * 300,
    "用户",
    "ana\x00",
]


def test_hostile_usernames_stay_inside_and_never_share_a_folder(tmp_path: Path) -> None:
    root = (tmp_path / "stores" / server_folder(SERVER)).resolve()
    folders: dict[Path, str] = {}
    for name in HOSTILE:
        path = store_location(tmp_path, SERVER, name, "14.71.02")
        folder = path.parent
        assert folder.parent.resolve() == root, name  # exactly one level below the server
        part = folder.name
        assert "/" not in part and "\\" not in part and ":" not in part and "\x00" not in part
        assert part not in ("", ".", "..") and not part.startswith(".")
        assert part.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9"}, name
        assert not part.endswith((".", " ")) and len(part) <= 80
        assert folder not in folders, f"{name!r} shares a folder with {folders.get(folder)!r}"
        folders[folder] = name
        store = Store(path)  # and the file system takes it
        store.close()
    assert {p.name for p in root.iterdir()} == {f.name for f in folders}
    assert safe_name("ana") == "ana" and safe_name("Ana") != "ana"


def test_hostile_office_and_server_names_stay_inside(tmp_path: Path) -> None:
    path = store_location(tmp_path, "https://../../x:99/../..", "ana", "../../../etc")
    assert path.resolve().is_relative_to((tmp_path / "stores").resolve())
    assert len(path.relative_to(tmp_path).parts) == 4


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_folders_and_files_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        prepared = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
        prepared.store.close()
    finally:
        os.umask(old_umask)
    path = store_location(tmp_path, SERVER, "ana", "14.71.02")
    for folder in (path.parent, path.parent.parent, tmp_path / "stores"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- other offices --------------------------------------------------------------------------------


def test_other_offices_caches_are_removed_and_nothing_else(tmp_path: Path) -> None:
    here = store_location(tmp_path, SERVER, "ana", "14.71.02")
    before = touch_store(store_location(tmp_path, SERVER, "ana", "14.71.01"))
    other_user = touch_store(store_location(tmp_path, SERVER, "ana_b", "14.71.01"))
    capital = touch_store(store_location(tmp_path, SERVER, "Ana", "14.71.01"))
    other_server = touch_store(store_location(tmp_path, "https://lain.go.id", "ana", "14.71.01"))
    assert here != before and here.parent == before.parent

    assert other_office_stores(tmp_path, SERVER, "ana", "14.71.02") == [before]
    prepared = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert prepared.store.path == here and prepared.notice == ""
        assert gone(before)
        for kept in (other_user, capital, other_server):
            assert kept.exists()
    finally:
        prepared.store.close()


def test_same_office_keeps_its_cache(tmp_path: Path) -> None:
    first = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    first.store.save_summaries([summary(1)])
    first.store.close()
    again = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert again.store.count() == 1 and again.notice == ""
    finally:
        again.store.close()


def test_stale_offices_wait_while_the_old_store_is_open(tmp_path: Path) -> None:
    old = prepare_store(tmp_path, SERVER, "ana", "14.71.01")
    try:
        new = prepare_store(tmp_path, SERVER, "ana", "14.71.02", remove_stale=False)
        new.store.close()
        assert old.store.path.exists()  # deleted by the session's teardown once closed
    finally:
        old.store.close()


# -- the old hashed layout ---------------------------------------------------------------------


def old_cache_with_marks(tmp_path: Path, key: str) -> Path:
    """A cache in the old layout whose unsent marks are still only in its WAL (as after a
    crash): copied while the store that wrote them is open, before any checkpoint."""
    scratch = tmp_path / "scratch" / "live.sqlite3"
    live = Store(scratch)
    try:
        live.save_summaries([summary(1)])
        live.write(lambda c: Store.put_marks(c, "app-1", MARKS, saved_at=1_700_000_000))
        old = legacy_store_path(tmp_path, SERVER, key)
        old.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(
                scratch.with_name(scratch.name + suffix), old.with_name(old.name + suffix)
            )
    finally:
        live.close()
    check = sqlite3.connect(f"{old.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:  # the marks are not in the main file: without its WAL the cache would lose them
        assert check.execute("SELECT count(*) FROM checklist_marks").fetchone() == (0,)
    except sqlite3.OperationalError:
        pass  # no table at all in the main file yet: even more so
    finally:
        check.close()
    return old


def test_an_old_layout_cache_moves_with_its_wal_and_keeps_the_unsent_marks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = old_cache_with_marks(tmp_path, "ana@14.71.02")
    with caplog.at_level(logging.INFO):
        prepared = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert prepared.store.path == store_location(tmp_path, SERVER, "ana", "14.71.02")
        assert prepared.store.kept_marks("app-1") == (MARKS, 1_700_000_000)
        assert prepared.store.count() == 1 and prepared.notice == ""
        assert gone(old) and not old.parent.exists()  # the old folder, empty, is gone too
        assert any("moved the local cache" in r.getMessage() for r in caplog.records)
    finally:
        prepared.store.close()


def test_old_layout_caches_of_other_offices_and_users(tmp_path: Path) -> None:
    other_office = touch_store(legacy_store_path(tmp_path, SERVER, "ana@14.71.01"))
    unkeyed = touch_store(legacy_store_path(tmp_path, SERVER, "ana"))  # before per-office
    other_user = touch_store(legacy_store_path(tmp_path, SERVER, "ana_b@14.71.01"))
    tricky = touch_store(legacy_store_path(tmp_path, SERVER, "ana_14@71.01"))
    other_server = touch_store(legacy_store_path(tmp_path, "https://lain.go.id", "ana@14.71.01"))
    prepared = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert gone(other_office) and gone(unkeyed)  # moved over, then removed as stale
        assert not store_location(tmp_path, SERVER, "ana", "14.71.01").exists()
        for kept in (other_user, tricky, other_server):
            assert kept.exists() and kept.with_name(kept.name + "-wal").exists()
    finally:
        prepared.store.close()


def test_an_old_cache_never_replaces_the_new_one(tmp_path: Path) -> None:
    first = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    first.store.save_summaries([summary(1), summary(2)])
    first.store.close()
    old = touch_store(legacy_store_path(tmp_path, SERVER, "ana@14.71.02"))
    again = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert again.store.count() == 2 and gone(old)
    finally:
        again.store.close()


# -- a corrupt cache is moved aside and rebuilt ----------------------------------------------


def test_garbage_cache_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = store_location(tmp_path, SERVER, "ana", "14.71.02")
    path.parent.mkdir(parents=True)
    garbage = b"garbage after a power cut" * 100
    path.write_bytes(garbage)
    path.with_name(path.name + "-wal").write_bytes(b"half a wal")
    with caplog.at_level(logging.ERROR):
        prepared = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        # nothing readable: the person is told unsent work may be in the kept file (salvage)
        assert "tidak dapat dibaca sama sekali" in prepared.notice
        assert "diambil lagi dari server" in prepared.notice
        moved = list(path.parent.glob(path.name + ".rusak-*"))
        assert [m.read_bytes() for m in moved if not m.name.endswith("-wal")] == [garbage]
        assert prepared.store.count() == 0 and prepared.store.sync_state().last_seq == 0
        prepared.store.save_summaries([summary(1)])
        assert prepared.store.count() == 1
        assert any("corrupt" in r.getMessage() for r in caplog.records)
    finally:
        prepared.store.close()


def test_damaged_pages_are_found_by_quick_check(tmp_path: Path) -> None:
    path = store_location(tmp_path, SERVER, "ana", "14.71.02")
    first = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
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
    again = prepare_store(tmp_path, SERVER, "ana", "14.71.02")
    try:
        assert again.notice.startswith("Salinan lokal rusak")  # and what salvage kept
        assert again.store.count() == 0
        assert list(path.parent.glob(path.name + ".rusak-*"))
    finally:
        again.store.close()
