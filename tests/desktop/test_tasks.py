"""The one pattern for long work: ops on workers, callbacks on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop.services.tasks import Progress, TaskContext, TaskRunner


def test_result_and_progress_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui = threading.current_thread()
    seen: dict[str, object] = {}

    def op(ctx: TaskContext) -> str:
        seen["worker"] = threading.current_thread()
        ctx.progress(1, 2, "setengah")
        return "hasil"

    def progress(p: Progress) -> None:
        seen["progress_thread"] = threading.current_thread()
        seen["progress"] = p

    busy: list[int] = []
    runner.busy_changed.connect(lambda n, _name: busy.append(n))
    handle = runner.submit(
        "uji",
        op,
        on_done=lambda r: seen.update(result=r, done_thread=threading.current_thread()),
        on_progress=progress,
    )
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == "hasil" and seen["done_thread"] is gui
    assert seen["worker"] is not gui and seen["progress_thread"] is gui
    assert seen["progress"] == Progress(1, 2, "setengah")
    assert handle.finished and busy[0] == 1 and busy[-1] == 0 and not runner.busy


def test_errors_go_to_on_error_or_unhandled(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[Exception] = []
    runner.submit("gagal", lambda ctx: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)
    with qtbot.waitSignal(runner.unhandled_error) as blocker:
        runner.submit("gagal lagi", lambda ctx: int("x"))
    assert blocker.args[0] == "gagal lagi"


def test_cancel_suppresses_callbacks(qtbot: QtBot) -> None:
    runner = TaskRunner()
    started = threading.Event()
    called: list[str] = []

    def op(ctx: TaskContext) -> None:
        started.set()
        while True:
            ctx.check_cancelled()
            time.sleep(0.01)

    handle = runner.submit(
        "lama",
        op,
        on_done=lambda r: called.append("done"),
        on_error=lambda e: called.append("error"),
    )
    started.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: handle.finished)
    qtbot.wait(50)
    assert called == [] and not runner.busy


def test_callback_exceptions_do_not_break_the_runner(qtbot: QtBot) -> None:
    runner = TaskRunner()
    results: list[int] = []

    def bad(_r: int) -> None:
        raise RuntimeError("bug in a callback")

    runner.submit("a", lambda ctx: 1, on_done=bad)
    runner.submit("b", lambda ctx: 2, on_done=results.append)
    qtbot.waitUntil(lambda: results == [2])
    assert runner.shutdown(2000)


# -- lanes, quiet ops, groups, waiting --


def test_a_hung_lane_does_not_block_other_lanes(qtbot: QtBot) -> None:
    """A download stuck on a dead network must not delay rendering or a decision."""
    runner = TaskRunner(2, lanes={"unduh": 1})
    runner.add_lane("render", 1)
    gate = threading.Event()
    order: list[str] = []
    runner.submit("unduh macet", lambda ctx: gate.wait(10), lane="unduh")
    runner.submit("unduh kedua", lambda ctx: "b", lane="unduh", on_done=order.append)
    runner.submit("halaman", lambda ctx: "render", lane="render", on_done=order.append)
    runner.submit("keputusan", lambda ctx: "default", on_done=order.append)
    qtbot.waitUntil(lambda: sorted(order) == ["default", "render"])
    assert "b" not in order  # a lane of one thread runs its ops in order
    gate.set()
    qtbot.waitUntil(lambda: "b" in order)
    assert runner.wait_idle(2000)


def test_lanes_are_declared_and_never_shrink(qtbot: QtBot) -> None:
    del qtbot
    runner = TaskRunner(3, lanes={"unduh": 2})
    runner.add_lane("unduh", 1)
    runner.add_lane("unduh", 4)
    assert runner.lanes == {"default": 3, "unduh": 4}
    with pytest.raises(KeyError, match="tidak-ada"):
        runner.submit("x", lambda ctx: None, lane="tidak-ada")
    with pytest.raises(ValueError):
        runner.add_lane("kosong", 0)
    assert not runner.active()


def test_quiet_ops_stay_out_of_the_busy_indicator(qtbot: QtBot) -> None:
    runner = TaskRunner()
    busy: list[tuple[int, str]] = []
    progress: list[object] = []
    runner.busy_changed.connect(lambda n, name: busy.append((n, name)))
    runner.task_progress.connect(progress.append)
    seen: list[Progress] = []

    def op(ctx: TaskContext) -> int:
        ctx.progress(1, 1, "halaman 1")
        return 1

    handle = runner.submit("render", op, quiet=True, on_progress=seen.append)
    assert handle.quiet and not runner.busy and runner.active() == [handle]
    qtbot.waitUntil(lambda: handle.finished)
    assert busy == [] and progress == [] and seen == [Progress(1, 1, "halaman 1")]


def test_an_op_cancelled_before_it_starts_never_runs(qtbot: QtBot) -> None:
    runner = TaskRunner(1)
    gate = threading.Event()
    ran: list[str] = []
    runner.submit("pertama", lambda ctx: gate.wait(10))
    second = runner.submit("kedua", lambda ctx: ran.append("kedua"))
    second.cancel()
    gate.set()
    qtbot.waitUntil(lambda: second.finished)
    assert ran == [] and not runner.busy


def test_group_cancels_its_own_ops_only(qtbot: QtBot) -> None:
    runner = TaskRunner()
    group = runner.group()
    gate = threading.Event()
    called: list[str] = []
    group.submit("milik grup", lambda ctx: gate.wait(10), on_done=lambda r: called.append("grup"))
    runner.submit("lain", lambda ctx: gate.wait(10), on_done=lambda r: called.append("lain"))
    assert group.pending == 1
    group.cancel_all()
    assert group.pending == 0
    gate.set()
    qtbot.waitUntil(lambda: called == ["lain"])
    assert runner.wait_idle(2000)
    qtbot.wait(20)
    assert called == ["lain"]


def test_group_owner_destroyed_drops_callbacks(qtbot: QtBot) -> None:
    """A widget closed while its download still runs never hears back (and is never poked)."""
    runner = TaskRunner()
    owner = QObject()
    group = runner.group(owner)
    gate = threading.Event()
    called: list[object] = []
    handle = group.submit(
        "unduh", lambda ctx: gate.wait(10), on_done=called.append, on_error=called.append
    )
    shiboken6.delete(owner)
    assert handle.cancelled
    gate.set()
    qtbot.waitUntil(lambda: handle.finished)
    qtbot.wait(20)
    assert called == []


def test_wait_idle_waits_for_every_lane(qtbot: QtBot) -> None:
    runner = TaskRunner(1, lanes={"lambat": 1})
    done: list[str] = []
    for lane in ("default", "lambat"):
        runner.submit(lane, lambda ctx, lane=lane: (time.sleep(0.1), done.append(lane)), lane=lane)
    assert runner.wait_idle(5000)
    assert sorted(done) == ["default", "lambat"]
    gate = threading.Event()
    runner.submit("macet", lambda ctx: gate.wait(10), lane="lambat")
    assert not runner.wait_idle(50)
    gate.set()
    assert runner.wait_idle(5000)
    qtbot.waitUntil(lambda: not runner.active())
