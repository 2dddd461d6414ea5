"""Exceptions nobody handled (in a slot, on a thread): logged, said once, and Loket carries on.

A defect must not close the window with the person's open work in it, nor show Python's English.
`ErrorReporter.install` routes `sys.excepthook` (slots, the event loop) and
`threading.excepthook` to `report`: the traceback goes to the (masked) log, the person reads
`operations.UNEXPECTED_MESSAGE` in the status bar and, at most every 10 s, in a message box.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.services.api.errors import SessionExpired
from desktop.services.operations import UNEXPECTED_MESSAGE, user_message
from desktop.services.tasks import TaskRunner
from desktop.views.dialogs import notice_box
from desktop.views.shell.main_window import MainWindow

log = logging.getLogger(__name__)

BOX_INTERVAL_SECONDS = 10.0


def unexpected_text() -> str:
    return QCoreApplication.translate("Operations", UNEXPECTED_MESSAGE)


class ErrorReporter(QObject):
    """Reports unhandled exceptions over whatever window is open (`window()`)."""

    unexpected_error = Signal()
    """An unhandled exception was logged and shown (for tests and tools)."""

    def __init__(
        self,
        runner: TaskRunner,
        window: Callable[[], MainWindow | None],
        session_ended: Callable[[str, str], None],
        parent: QObject | None = None,
    ) -> None:
        """Also reports the runner's ops that failed without a failure callback; an ended
        session among them goes to `session_ended(message, code)` (lock, sign in again)."""
        super().__init__(parent)
        self._runner = runner
        self._window = window
        self._session_ended = session_ended
        runner.unhandled_error.connect(self.task_failed)
        self.error_box: QMessageBox | None = None
        self._last_box = 0.0
        self._hooks: tuple[Any, Any] | None = None

    def task_failed(self, name: str, error: object) -> None:
        if isinstance(error, SessionExpired):
            self._session_ended(error.message, error.code)
            return
        message = user_message(error) if isinstance(error, BaseException) else str(error)
        log.warning("task %s failed: %s", name, message)
        window = self._window()
        if window is not None:
            window.show_status_message(f"{name}: {message}")

    def report(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        where: str = "",
    ) -> None:
        """Log an exception nobody handled (masked) and tell the person, without quitting."""
        log.error(
            "unexpected error%s", f" in {where}" if where else "", exc_info=(exc_type, exc, tb)
        )
        if threading.current_thread() is not threading.main_thread():
            self._runner.post(self._show)
        else:
            self._show()

    def _show(self) -> None:
        window = self._window()
        if window is not None:
            window.show_status_message(unexpected_text(), 30000)
        now = time.monotonic()
        if now - self._last_box > BOX_INTERVAL_SECONDS and QApplication.instance() is not None:
            self._last_box = now
            box = notice_box(QMessageBox.Icon.Warning, "Loket", unexpected_text(), window)
            box.show()
            self.error_box = box
        self.unexpected_error.emit()

    def install(self) -> None:
        """Idempotent; `uninstall` restores the previous hooks."""
        if self._hooks is not None:
            return
        previous_sys, previous_thread = sys.excepthook, threading.excepthook

        def hook(
            exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
        ) -> None:
            if issubclass(exc_type, KeyboardInterrupt | SystemExit):
                previous_sys(exc_type, exc, tb)
                return
            try:
                self.report(exc_type, exc, tb)
            except Exception:  # the hook itself must never raise
                previous_sys(exc_type, exc, tb)

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is None or issubclass(args.exc_type, SystemExit):
                return
            name = args.thread.name if args.thread is not None else "?"
            try:
                self.report(args.exc_type, args.exc_value, args.exc_traceback, name)
            except Exception:
                previous_thread(args)

        self._hooks = (previous_sys, previous_thread)
        sys.excepthook = hook
        threading.excepthook = thread_hook

    def uninstall(self) -> None:
        if self._hooks is not None:
            sys.excepthook, threading.excepthook = self._hooks
            self._hooks = None
