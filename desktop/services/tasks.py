"""THE pattern for long work: small ops on worker pools, results delivered to the GUI thread.

Like Anki's ``CollectionOp``/``QueryOp``: a view never calls the network, the scanner or a slow
query directly. It submits an op (a callable taking a `TaskContext`) with ``on_done`` /
``on_error`` / ``on_progress`` callbacks; the op runs on a `QThreadPool` worker; the callbacks run
on the GUI thread, delivered by a queued Qt signal. Writes to the local database are not run here
concurrently: the store funnels them through its single writer thread (`Store.write`).

Lanes: every op runs in a named lane, each with its own pool, so one kind of work cannot starve
another. Claims, decisions and pulls use the default lane; a feature whose ops may hang (document
downloads on a dead network) or hog the CPU (page rendering) declares its own lane with
`TaskRunner.add_lane`, and then a stuck download never delays a decision or a page.

Cancel is cooperative: `TaskHandle.cancel` sets a flag the op polls (`ctx.check_cancelled`), an
op cancelled before it starts never runs, and the callbacks of a cancelled op are never called,
so a closed dialog is not poked afterwards. A `TaskGroup` cancels a widget's ops together, and
all of them when the widget is destroyed.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_LANE = "default"


class Cancelled(Exception):
    """Raised inside an op by `TaskContext.check_cancelled` after the user cancelled it."""


@dataclass(frozen=True)
class Progress:
    """Progress of one op: `total` None = indeterminate; `text` is Indonesian."""

    done: int
    total: int | None
    text: str


class TaskHandle:
    """The caller's grip on a submitted op: name, cancel, state.

    `name` is the Indonesian title shown to people; `kind` is a stable key (an `OpKind` value
    from `services.operations`) that code counts by, never the translated title.
    `quiet` ops (e.g. page renders, frequent and short) show their progress where they are
    used and are left out of the busy indicator (`busy_changed`, `task_progress`, `busy`);
    `task_started`/`task_finished` and `active()` still include them.
    """

    def __init__(
        self,
        task_id: int,
        name: str,
        *,
        kind: str = "",
        lane: str = DEFAULT_LANE,
        quiet: bool = False,
    ) -> None:
        self.id = task_id
        self.name = name
        self.kind = kind
        self.lane = lane
        self.quiet = quiet
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
                    if not handle.quiet:
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
    """Submits ops to lanes of worker threads and tracks which are running (busy indicator)."""

    task_started = Signal(object)
    task_progress = Signal(object)
    """A non-quiet op reported progress (the `TaskHandle`, with `.progress`)."""
    task_finished = Signal(object)
    busy_changed = Signal(int, str)
    """(number of running non-quiet ops, name of the most recent one) — for the status bar."""
    unhandled_error = Signal(str, object)

    def __init__(
        self,
        max_threads: int = 4,
        parent: QObject | None = None,
        *,
        lanes: Mapping[str, int] | None = None,
    ) -> None:
        """`max_threads` sizes the default lane; `lanes` declares others (name -> threads)."""
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        self.add_lane(DEFAULT_LANE, max_threads)
        for name, threads in (lanes or {}).items():
            self.add_lane(name, threads)
        self._dispatcher = _Dispatcher()
        self._ids = itertools.count(1)
        self._active: dict[int, TaskHandle] = {}

    # -- lanes --------------------------------------------------------------------------------

    def add_lane(self, name: str, max_threads: int) -> None:
        """Declare lane `name` with at least `max_threads` workers. Safe to call again (each
        feature declares the lanes it uses); a lane never shrinks. A lane of one thread runs
        its ops one after another, in order."""
        if max_threads < 1:
            raise ValueError(f"lane {name!r} needs at least one thread")
        pool = self._pools.get(name)
        if pool is None:
            pool = QThreadPool()
            pool.setMaxThreadCount(max_threads)
            self._pools[name] = pool
        elif pool.maxThreadCount() < max_threads:
            pool.setMaxThreadCount(max_threads)

    @property
    def lanes(self) -> dict[str, int]:
        """Lane name -> number of worker threads."""
        return {name: pool.maxThreadCount() for name, pool in self._pools.items()}

    # -- submitting ---------------------------------------------------------------------------

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
        kind: str = "",
        lane: str = DEFAULT_LANE,
        quiet: bool = False,
    ) -> TaskHandle:
        """Run `fn` on a worker of `lane`. Call from the GUI thread; callbacks come back there."""
        pool = self._pools.get(lane)
        if pool is None:
            raise KeyError(f"unknown lane {lane!r}; declare it with add_lane() first")
        handle = TaskHandle(next(self._ids), name, kind=kind, lane=lane, quiet=quiet)
        self._active[handle.id] = handle
        self.task_started.emit(handle)
        if not quiet:
            self._emit_busy()
        pool.start(_Runnable(self, handle, fn, on_done, on_error, on_progress))
        return handle

    def group(self, owner: QObject | None = None) -> TaskGroup:
        """A `TaskGroup` on this runner; with `owner`, its ops are cancelled when `owner` is
        destroyed, so a closed widget never hears back."""
        return TaskGroup(self, owner)

    def _finish(self, handle: TaskHandle) -> None:
        handle.finished = True
        if self._active.pop(handle.id, None) is not None:
            self.task_finished.emit(handle)
            if not handle.quiet:
                self._emit_busy()

    def _emit_busy(self) -> None:
        shown = [h for h in self._active.values() if not h.quiet]
        self.busy_changed.emit(len(shown), shown[-1].name if shown else "")

    # -- state --------------------------------------------------------------------------------

    def active(self) -> list[TaskHandle]:
        """Every op submitted and not yet finished, quiet ones included."""
        return list(self._active.values())

    def count(self, kind: str) -> int:
        """How many ops of `kind` are running (e.g. decisions still being sent)."""
        return sum(1 for h in self._active.values() if h.kind == kind)

    @property
    def busy(self) -> bool:
        """True while a non-quiet op runs (what the status bar shows)."""
        return any(not h.quiet for h in self._active.values())

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Block until no worker of any lane is running (tests, tools). Callbacks are then
        queued on the GUI thread and arrive when it processes events. True if idle in time."""
        deadline = time.monotonic() + timeout_ms / 1000
        idle = True
        for pool in list(self._pools.values()):
            left = max(0, int((deadline - time.monotonic()) * 1000))
            idle = bool(pool.waitForDone(left)) and idle
        return idle

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for workers (app exit). True if all stopped in time."""
        for handle in self._active.values():
            handle.cancel()
        return self.wait_idle(timeout_ms)


class TaskGroup:
    """The ops one widget submitted: `cancel_all()` when what they were for is gone (another
    document is shown), `pending` for its busy state. Same `submit` as `TaskRunner`."""

    def __init__(self, runner: TaskRunner, owner: QObject | None = None) -> None:
        self.runner = runner
        self._handles: list[TaskHandle] = []
        if owner is not None:
            owner.destroyed.connect(self.cancel_all)

    def submit(
        self,
        name: str,
        fn: Callable[[TaskContext], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        kind: str = "",
        lane: str = DEFAULT_LANE,
        quiet: bool = False,
    ) -> TaskHandle:
        self._prune()
        handle = self.runner.submit(
            name,
            fn,
            on_done=on_done,
            on_error=on_error,
            on_progress=on_progress,
            kind=kind,
            lane=lane,
            quiet=quiet,
        )
        self._handles.append(handle)
        return handle

    def cancel_all(self, *_args: object) -> None:
        """Cancel every unfinished op of the group: their callbacks will not be called."""
        for handle in self._handles:
            handle.cancel()
        self._handles = []

    @property
    def pending(self) -> int:
        """Ops of this group that are neither finished nor cancelled."""
        self._prune()
        return len(self._handles)

    def _prune(self) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
