"""The one pattern for long work: ops on workers, callbacks on the GUI thread."""

from __future__ import annotations

import threading
import time

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
        cancellable=True,
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
