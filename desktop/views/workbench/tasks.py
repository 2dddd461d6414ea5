"""Run blocking work (document download, page rendering) off the GUI thread.

Workers never touch widgets: they only emit on one long-lived relay object that lives on the GUI
thread, and the relay hands the result to the `TaskRunner` that asked, if that runner still
exists. So a widget closed while a slow download is still running simply never hears back, and
no worker ever emits on a deleted object. Callbacks always run on the GUI thread.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

Callback = Callable[[Any], None]


class _Relay(QObject):
    """Immortal GUI-thread object: queued delivery point for every worker's result."""

    finished = Signal(int, int, object)
    failed = Signal(int, int, object)

    def __init__(self) -> None:
        super().__init__()
        self.runners: weakref.WeakValueDictionary[int, TaskRunner] = weakref.WeakValueDictionary()
        self.finished.connect(self._on_finished)
        self.failed.connect(self._on_failed)

    def _runner(self, runner_id: int) -> TaskRunner | None:
        """The runner, if both its Python wrapper and its C++ object (and so its widget)
        still exist: a closed widget's wrapper can outlive the widget itself."""
        runner = self.runners.get(runner_id)
        if runner is None or not shiboken6.isValid(runner):
            self.runners.pop(runner_id, None)
            return None
        return runner

    @Slot(int, int, object)
    def _on_finished(self, runner_id: int, task_id: int, result: object) -> None:
        runner = self._runner(runner_id)
        if runner is not None:
            runner._deliver(task_id, result, ok=True)

    @Slot(int, int, object)
    def _on_failed(self, runner_id: int, task_id: int, error: object) -> None:
        runner = self._runner(runner_id)
        if runner is not None:
            runner._deliver(task_id, error, ok=False)


_relay: _Relay | None = None
_pools: dict[str, QThreadPool] = {}
POOL_SIZES = {"io": 3, "render": 2}
"""Separate pools: a download hanging on a dead network must never stop pages from rendering."""
_live: set[_Task] = set()
_live_lock = threading.Lock()
_ids = itertools.count(1)


def _shared(kind: str) -> tuple[_Relay, QThreadPool]:
    """Created on first use, which is always on the GUI thread (a widget's constructor)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    pool = _pools.get(kind)
    if pool is None:
        pool = QThreadPool()
        pool.setMaxThreadCount(POOL_SIZES[kind])
        _pools[kind] = pool
    return _relay, pool


class _Task(QRunnable):
    def __init__(self, relay: _Relay, runner_id: int, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._relay = relay
        self._runner_id = runner_id
        self._task_id = task_id
        self._fn = fn

    def run(self) -> None:
        try:
            try:
                result = self._fn()
            except Exception as exc:  # delivered to the GUI thread, shown as a message there
                self._relay.failed.emit(self._runner_id, self._task_id, exc)
            else:
                self._relay.finished.emit(self._runner_id, self._task_id, result)
        finally:
            self._fn = _noop
            with _live_lock:
                _live.discard(self)


def _noop() -> None:
    return None


class TaskRunner(QObject):
    """Submit callables to the shared worker pool; get `on_done(result)` or `on_error(exc)`
    back on the GUI thread. `cancel_all()` forgets pending callbacks (the work itself cannot be
    interrupted; its result is dropped)."""

    def __init__(self, parent: QObject | None = None, *, kind: str = "render") -> None:
        """`kind`: "io" for blocking I/O (downloads), "render" for CPU work."""
        super().__init__(parent)
        relay, self._pool = _shared(kind)
        self._id = next(_ids)
        relay.runners[self._id] = self
        self._relay = relay
        self._callbacks: dict[int, tuple[Callback, Callback]] = {}

    def submit(self, fn: Callable[[], Any], on_done: Callback, on_error: Callback) -> int:
        task_id = next(_ids)
        self._callbacks[task_id] = (on_done, on_error)
        task = _Task(self._relay, self._id, task_id, fn)
        with _live_lock:
            _live.add(task)
        self._pool.start(task)
        return task_id

    def cancel_all(self) -> None:
        self._callbacks.clear()

    @property
    def pending(self) -> int:
        """Tasks whose result this runner still waits for (for busy indicators and tests)."""
        return len(self._callbacks)

    def _deliver(self, task_id: int, value: object, *, ok: bool) -> None:
        callbacks = self._callbacks.pop(task_id, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        (on_done if ok else on_error)(value)


def wait_idle(timeout_ms: int = 10_000) -> bool:
    """Block until the shared pools are idle (tests, orderly shutdown)."""
    return all(bool(_shared(kind)[1].waitForDone(timeout_ms)) for kind in POOL_SIZES)
