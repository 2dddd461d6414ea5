"""THE pattern for long work: small ops on a worker pool, results delivered to the GUI thread.

Like Anki's ``CollectionOp``/``QueryOp``: a view never calls the network, the scanner or a slow
query directly. It submits an op (a callable taking a `TaskContext`) with ``on_done`` /
``on_error`` / ``on_progress`` callbacks; the op runs on a `QThreadPool` worker; the callbacks run
on the GUI thread, delivered by a queued Qt signal. Writes to the local database are not run here
concurrently: the store funnels them through its single writer thread (`Store.write`).

Cancel is cooperative: `TaskHandle.cancel` sets a flag the op polls (`ctx.check_cancelled`), and
the callbacks of a cancelled op are never called, so a closed dialog is not poked afterwards.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside an op by `TaskContext.check_cancelled` after the user cancelled it."""


@dataclass(frozen=True)
class Progress:
    """Progress of one op: `total` None = indeterminate; `text` is Indonesian."""

    done: int
    total: int | None
    text: str


class TaskHandle:
    """The caller's grip on a submitted op: name, cancel, state."""

    def __init__(self, task_id: int, name: str, cancellable: bool) -> None:
        self.id = task_id
        self.name = name
        self.cancellable = cancellable
        self._cancel = threading.Event()
        self.finished = False
        self.progress: Progress | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class TaskContext:
    """Handed to the op on the worker thread: report progress, observe cancellation."""

    def __init__(self, handle: TaskHandle, report: Callable[[Progress], None]) -> None:
        self._handle = handle
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self._handle.cancelled

    def check_cancelled(self) -> None:
        if self._handle.cancelled:
            raise Cancelled()

    def progress(self, done: int, total: int | None = None, text: str = "") -> None:
        self._report(Progress(done, total, text))


class _Dispatcher(QObject):
    """Lives on the GUI thread; runs closures sent from workers through a queued signal."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: object) -> None:
        if callable(fn):
            try:
                fn()
            except Exception:  # a callback bug must not kill the event loop
                log.exception("task callback failed")


class _Runnable(QRunnable):
    def __init__(
        self,
        runner: TaskRunner,
        handle: TaskHandle,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[Exception], None] | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._runner = runner
        self._handle = handle
        self._fn = fn
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress

    def run(self) -> None:
        handle = self._handle
        runner = self._runner

        def report(p: Progress) -> None:
            handle.progress = p

            def deliver() -> None:
                if not handle.cancelled:
                    runner.task_progress.emit(handle)
                    if self._on_progress is not None:
                        self._on_progress(p)

            runner.post(deliver)

        ctx = TaskContext(handle, report)
        try:
            if handle.cancelled:
                raise Cancelled()
            result = self._fn(ctx)
        except Cancelled:
            runner.post(lambda: runner._finish(handle))
            return
        except Exception as exc:
            error = exc
            log.debug("task %r failed: %s", handle.name, type(exc).__name__)

            def fail() -> None:
                runner._finish(handle)
                if handle.cancelled:
                    return
                if self._on_error is not None:
                    self._on_error(error)
                else:
                    runner.unhandled_error.emit(handle.name, error)

            runner.post(fail)
            return

        def done() -> None:
            runner._finish(handle)
            if not handle.cancelled and self._on_done is not None:
                self._on_done(result)

        runner.post(done)


class TaskRunner(QObject):
    """Submits ops to a thread pool and tracks which are running (for the busy indicator)."""

    task_started = Signal(object)
    task_progress = Signal(object)
    task_finished = Signal(object)
    busy_changed = Signal(int, str)
    """(number of running ops, name of the most recent one) — for the status bar."""
    unhandled_error = Signal(str, object)

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._dispatcher = _Dispatcher()
        self._ids = itertools.count(1)
        self._active: dict[int, TaskHandle] = {}

    def post(self, fn: Callable[[], Any]) -> None:
        """Run `fn` on the GUI thread soon (safe to call from any thread)."""
        self._dispatcher.call.emit(fn)

    def submit(
        self,
        name: str,
        fn: Callable[[TaskContext], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancellable: bool = False,
    ) -> TaskHandle:
        """Run `fn` on a worker. Call from the GUI thread; callbacks come back there."""
        handle = TaskHandle(next(self._ids), name, cancellable)
        self._active[handle.id] = handle
        self.task_started.emit(handle)
        self.busy_changed.emit(len(self._active), name)
        self._pool.start(_Runnable(self, handle, fn, on_done, on_error, on_progress))
        return handle

    def _finish(self, handle: TaskHandle) -> None:
        handle.finished = True
        if self._active.pop(handle.id, None) is not None:
            self.task_finished.emit(handle)
            latest = next(reversed(self._active.values())).name if self._active else ""
            self.busy_changed.emit(len(self._active), latest)

    def active(self) -> list[TaskHandle]:
        return list(self._active.values())

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for workers (app exit). True if all stopped in time."""
        for handle in self._active.values():
            handle.cancel()
        return bool(self._pool.waitForDone(timeout_ms))
