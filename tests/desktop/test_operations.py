"""Operation objects: outcome callbacks on the GUI thread, one Indonesian message per failure,
callbacks skipped once the person moved on, and the op's kind carried into store changes."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from bench.fakedata import make_raw
from desktop.domain.records import ApplicationSummary
from desktop.models.changes import StoreChange
from desktop.models.store import Store
from desktop.services.api.errors import ApiError, ConnectionFailure, FailureKind
from desktop.services.operations import UNEXPECTED_MESSAGE, Op, OpKind, user_message
from desktop.services.tasks import Progress, TaskContext, TaskRunner


def test_success_runs_on_the_gui_thread_with_the_result(runner: TaskRunner, qtbot: QtBot) -> None:
    got: list[tuple[int, bool]] = []
    handle = (
        Op(OpKind.PULL, "Memperbarui antrean", lambda _ctx: 41 + 1)
        .success(lambda n: got.append((n, threading.current_thread() is threading.main_thread())))
        .run(runner)
    )
    assert handle.kind == "pull" and handle.name == "Memperbarui antrean"
    qtbot.waitUntil(lambda: got == [(42, True)])


def test_count_by_kind_not_by_title(runner: TaskRunner, qtbot: QtBot) -> None:
    release = threading.Event()

    def slow(_ctx: TaskContext) -> None:
        release.wait(5)

    Op(OpKind.DECIDE, "Menyimpan keputusan", slow).run(runner)
    Op(OpKind.DECIDE, "Saving decision", slow).run(runner)  # a translated title counts the same
    Op(OpKind.PULL, "Menyimpan keputusan", slow).run(runner)  # the same title is another kind
    assert runner.count(OpKind.DECIDE) == 2 and runner.count(OpKind.PULL) == 1
    release.set()
    qtbot.waitUntil(lambda: runner.count(OpKind.DECIDE) == 0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ApiError(409, "claimed", "Sedang ditangani oleh Budi"), "Sedang ditangani oleh Budi"),
        (
            ConnectionFailure(FailureKind.REFUSED, "Server tidak dapat dihubungi"),
            "Server tidak dapat dihubungi",
        ),
    ],
)
def test_failure_gets_the_errors_own_indonesian_message(
    runner: TaskRunner, qtbot: QtBot, error: Exception, expected: str
) -> None:
    got: list[tuple[Exception, str]] = []

    def fail(_ctx: TaskContext) -> None:
        raise error

    Op(OpKind.CLAIM, "Mengambil berkas", fail).failure(lambda e, m: got.append((e, m))).run(runner)
    qtbot.waitUntil(lambda: len(got) == 1)
    assert got[0] == (error, expected)


def test_an_unexpected_error_never_shows_its_english_text(
    runner: TaskRunner, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[str] = []

    def bug(_ctx: TaskContext) -> None:
        raise KeyError("'status' not found in payload")

    Op(OpKind.OPEN, "Membuka berkas", bug).failure(lambda _e, m: got.append(m)).run(runner)
    qtbot.waitUntil(lambda: len(got) == 1)
    assert got == [UNEXPECTED_MESSAGE]
    assert "payload" not in got[0] and "tidak terduga" in got[0]
    assert "KeyError" in caplog.text  # logged with its traceback for the administrator


def test_user_message_of_an_error_without_text_is_the_fixed_sentence() -> None:
    assert user_message(ApiError(500, "internal", "")) == UNEXPECTED_MESSAGE
    assert user_message(RuntimeError("boom")) == UNEXPECTED_MESSAGE


def test_callbacks_are_skipped_once_the_person_moved_on(runner: TaskRunner, qtbot: QtBot) -> None:
    current = {"id": "a"}
    calls: list[str] = []
    release = threading.Event()

    def slow_ok(_ctx: TaskContext) -> str:
        release.wait(5)
        return "ok"

    def slow_fail(_ctx: TaskContext) -> str:
        release.wait(5)
        raise ConnectionFailure(FailureKind.TIMEOUT, "Waktu habis")

    handles = [
        Op(OpKind.OPEN, "Membuka", fn)
        .success(lambda r: calls.append(f"success {r}"))
        .failure(lambda _e, m: calls.append(f"failure {m}"))
        .progress(lambda p: calls.append("progress"))
        .relevant_while(lambda: current["id"] == "a")
        .run(runner)
        for fn in (slow_ok, slow_fail)
    ]
    current["id"] = "b"  # the person opened another application meanwhile
    release.set()
    qtbot.waitUntil(lambda: all(h.finished for h in handles))
    qtbot.wait(20)
    assert calls == []


def test_without_a_failure_callback_the_runner_reports_it(runner: TaskRunner, qtbot: QtBot) -> None:
    def fail(_ctx: TaskContext) -> None:
        raise ApiError(403, "role_not_allowed", "Peran Anda tidak berwenang")

    with qtbot.waitSignal(runner.unhandled_error, timeout=5000) as blocker:
        Op(OpKind.RELEASE, "Melepas berkas", fail).run(runner)
    name, error = blocker.args
    assert name == "Melepas berkas" and isinstance(error, ApiError)


def test_progress_reaches_the_gui(runner: TaskRunner, qtbot: QtBot) -> None:
    seen: list[Progress] = []

    def work(ctx: TaskContext) -> None:
        ctx.progress(1, 2, "Halaman 1 dari 2")
        ctx.progress(2, 2, "Halaman 2 dari 2")

    handle = Op(OpKind.PULL, "Memperbarui", work).progress(seen.append).run(runner)
    qtbot.waitUntil(lambda: handle.finished and len(seen) == 2)
    assert [p.text for p in seen] == ["Halaman 1 dari 2", "Halaman 2 dari 2"]


def test_writes_made_by_an_op_carry_its_kind(
    runner: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    store = Store(tmp_path / "cache" / "ops.sqlite3")
    try:
        changes: list[StoreChange] = []
        store.subscribe(changes.append)
        raw: dict[str, Any] = make_raw(1, random.Random(1), datetime(2026, 11, 24, tzinfo=UTC))
        summary = ApplicationSummary.from_json(raw)
        handle = Op(OpKind.CLAIM, "Mengambil", lambda _ctx: store.save_summary(summary, raw)).run(
            runner
        )
        qtbot.waitUntil(lambda: handle.finished)
        store.save_summary(summary, raw)  # outside any op
        assert [c.cause for c in changes] == ["claim", None]
    finally:
        store.close()


# -- the local store refused a write: said so, in Indonesian ----------------------------------


def _limit_pages(dbapi_conn: Any, _record: Any) -> None:
    """No page more than the file has now (SQLite: 'database or disk is full')."""
    pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
    dbapi_conn.execute(f"PRAGMA max_page_count = {int(pages)}")


def _write_until_full(store: Store) -> Exception:
    for n in range(10_000):
        try:
            store.write(
                lambda conn, n=n: conn.exec_driver_sql(
                    "INSERT INTO checklist_marks (id, saved_at, payload) VALUES (?, 0, ?)",
                    (f"isi-{n}", "x" * 2000),
                )
            )
        except Exception as exc:  # the store's own error, as an op would see it
            return exc
    raise AssertionError("the disk never filled")


def test_a_full_disk_reads_not_saved_through_a_real_store(
    runner: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    store = Store(tmp_path / "penuh.sqlite3")
    store.engine.dispose()
    event.listen(store.engine, "connect", _limit_pages)
    try:
        got: list[str] = []
        Op(OpKind.DECIDE, "Menyimpan keputusan", lambda _ctx: _write_until_full(store)).success(
            lambda exc: got.append(user_message(exc))
        ).run(runner)
        qtbot.waitUntil(lambda: len(got) == 1)
        assert got[0].startswith("Disk komputer ini penuh: belum tersimpan.")
        assert "full" not in got[0]  # never SQLite's English

        def save(_ctx: TaskContext) -> None:
            store.write(lambda conn: Store.put_marks(conn, "baru", "y" * 4000, saved_at=1))

        failed: list[str] = []
        Op(OpKind.MARKS, "Menyimpan tanda", save).failure(lambda _e, m: failed.append(m)).run(
            runner
        )
        qtbot.waitUntil(lambda: len(failed) == 1)
        assert failed[0] == got[0]
    finally:
        store.close()


def test_a_locked_database_reads_not_saved_try_again(
    runner: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    store = Store(tmp_path / "dipakai.sqlite3")
    store.engine.dispose()
    event.listen(store.engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout = 50"))
    other = sqlite3.connect(store.path, isolation_level=None)  # another program writing
    other.execute("BEGIN IMMEDIATE")
    try:
        failed: list[str] = []

        def save(_ctx: TaskContext) -> None:
            store.write(lambda conn: Store.put_marks(conn, "a", "{}", saved_at=1))

        Op(OpKind.MARKS, "Menyimpan tanda", save).failure(lambda _e, m: failed.append(m)).run(
            runner
        )
        qtbot.waitUntil(lambda: len(failed) == 1)
        assert failed[0].startswith("Basis data lokal sedang dipakai: belum tersimpan; coba lagi.")
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()
