"""The app's actions as small operation objects (Anki's ``CollectionOp``/``QueryOp``).

An `Op` says what runs on a worker and what the GUI does with the outcome; it replaces the three
closures and the "has the user moved on?" checks each caller used to write::

    Op(OpKind.CLAIM, tr("Mengambil berkas"), lambda ctx: apps.claim(app_id))
        .success(self._claimed)
        .failure(self._claim_failed)  # gets (exc, message): message is Indonesian, ready to show
        .relevant_while(lambda: self.current_id == app_id)
        .run(self.tasks)

- `kind` is a stable key (`OpKind`), counted by the status bar and carried by every
  `StoreChange` the op's writes cause (`models.changes.caused_by`), so a view can tell its own
  claim from a pull. The Indonesian `title` is only for people.
- `failure` callbacks get `user_message(exc)`: a `LoketError`'s Indonesian message, or one
  fixed Indonesian sentence for anything unexpected (which is logged, with its traceback) — raw
  English never reaches a person. Without a `failure` callback, the runner's
  `unhandled_error` reports it.
- `relevant_while(check)`: the callbacks are skipped when `check()` is false by the time the
  outcome arrives (the person opened another application, the session ended).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Generic, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from desktop.models.changes import caused_by
from desktop.models.store_errors import StoreProblem, store_problem
from desktop.services.api.errors import LoketError
from desktop.services.tasks import (
    DEFAULT_LANE,
    Progress,
    TaskContext,
    TaskGroup,
    TaskHandle,
    TaskRunner,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class OpKind(StrEnum):
    """What an operation does; stable keys, never shown (the op's `title` is)."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    UNLOCK = "unlock"
    CATALOGUE = "catalogue"
    PULL = "pull"
    PROBE = "probe"
    FIND = "find"
    OPEN = "open"
    RELOAD = "reload"
    CLAIM = "claim"
    RENEW = "renew"
    RELEASE = "release"
    DECIDE = "decide"
    MARKS = "marks"
    DOCUMENT = "document"
    RENDER = "render"
    COUNT = "count"
    OUTBOX_KEEP = "outbox_keep"  # a decision written to the outbox (server unreachable)
    OUTBOX_SEND = "outbox_send"  # the outbox's due entries sent to the server
    LETTER_NUMBERS = "letter_numbers"  # letter-number blocks refilled after a pull
    SCAN = "scan"  # a scanner: devices listed, a scan run, a scanned batch's PDFs


UNEXPECTED_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Operations",
    "Terjadi kesalahan yang tidak terduga (sudah dicatat di log). Pekerjaan yang terbuka tidak "
    "hilang; Anda dapat melanjutkan. Bila terjadi lagi, hubungi administrator.",
)


DISK_FULL_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Operations",
    "Disk komputer ini penuh: belum tersimpan. Kosongkan ruang disk (misalnya hapus berkas "
    "yang tidak diperlukan), lalu coba lagi; pekerjaan yang sudah tersimpan tidak hilang.",
)
DATABASE_LOCKED_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "Operations",
    "Basis data lokal sedang dipakai: belum tersimpan; coba lagi. Bila terjadi terus, tutup "
    "Loket lain atau program lain yang membuka data Loket di komputer ini.",
)


def user_message(exc: BaseException) -> str:
    """The Indonesian sentence to show a person for `exc`.

    `LoketError`s carry their own (server problems, unreachable server, bad answers, session
    ended). A write the local store refused because the disk is full or the database is
    locked says so (`models.store_errors`): the person must know it was NOT saved, and why.
    Anything else is a defect: it is logged with its traceback and the person reads the one
    fixed sentence, never Python's English text.
    """
    if isinstance(exc, LoketError) and exc.message:
        return exc.message
    problem = store_problem(exc)
    if problem is not None:
        log.warning("local store not written (%s): %s", problem.value, type(exc).__name__)
        text = DISK_FULL_MESSAGE if problem is StoreProblem.FULL else DATABASE_LOCKED_MESSAGE
        return QCoreApplication.translate("Operations", text)
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return QCoreApplication.translate("Operations", UNEXPECTED_MESSAGE)


class Op(Generic[T]):
    """One action: `fn` on a worker, then `success` or `failure` on the GUI thread."""

    def __init__(
        self,
        kind: OpKind,
        title: str,
        fn: Callable[[TaskContext], T],
        *,
        lane: str = DEFAULT_LANE,
        quiet: bool = False,
    ) -> None:
        self.kind = kind
        self.title = title
        self._fn = fn
        self._lane = lane
        self._quiet = quiet
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[Exception, str], None] | None = None
        self._on_progress: Callable[[Progress], None] | None = None
        self._relevant: Callable[[], bool] | None = None

    def success(self, fn: Callable[[T], None]) -> Op[T]:
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[Exception, str], None]) -> Op[T]:
        """`fn(exc, message)`: `message` is `user_message(exc)`, ready to show."""
        self._on_failure = fn
        return self

    def progress(self, fn: Callable[[Progress], None]) -> Op[T]:
        self._on_progress = fn
        return self

    def relevant_while(self, check: Callable[[], bool]) -> Op[T]:
        """Skip the callbacks when `check()` is false once the outcome is back."""
        self._relevant = check
        return self

    def _still_relevant(self) -> bool:
        return self._relevant is None or self._relevant()

    def run(self, where: TaskRunner | TaskGroup) -> TaskHandle:
        """Submit to a runner, or to a widget's `TaskGroup` (cancelled with the widget)."""
        kind, fn = self.kind, self._fn

        def work(ctx: TaskContext) -> T:
            token = caused_by.set(kind.value)
            try:
                return fn(ctx)
            finally:
                caused_by.reset(token)

        on_error: Callable[[Exception], None] | None = None
        if self._on_failure is not None:
            on_failure = self._on_failure

            def on_error(exc: Exception) -> None:
                if self._still_relevant():
                    on_failure(exc, user_message(exc))
                else:
                    log.debug("%s failed after the person moved on: %s", kind, type(exc).__name__)

        def on_done(result: T) -> None:
            if self._on_success is not None and self._still_relevant():
                self._on_success(result)

        def on_progress(p: Progress) -> None:
            if self._on_progress is not None and self._still_relevant():
                self._on_progress(p)

        return where.submit(
            self.title,
            work,
            on_done=on_done,
            on_error=on_error,
            on_progress=on_progress,
            kind=kind.value,
            lane=self._lane,
            quiet=self._quiet,
        )
