"""What the store changed, announced after its writer commits (Anki's ``OpChanges``).

Models and views do not guess when to re-read: the store's writer records which applications
and which parts of the cache a transaction touched (`touch`, called by the store's own write
helpers), and after the commit every subscriber gets one `StoreChange`. The operation that
caused it (`caused_by`, set by `services.operations` on the worker that runs an op) travels
with the change, so a view can tell its own claim from a pull that brought someone else's.

Qt-free: the Qt bridge that re-delivers changes on the GUI thread is `models.store_events`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Part(StrEnum):
    """Which part of the local store a write touched."""

    QUEUE = "queue"  # queue rows (and their JSON): lists, counts and filters change
    DETAIL = "detail"  # the full detail kept for reading an application offline
    MARKS = "marks"  # the person's unsent checklist marks
    SYNC = "sync"  # sync state: last pull, cursor, last error
    OUTBOX = "outbox"  # work kept on this PC until the server has it (`models.outbox`)


caused_by: ContextVar[str | None] = ContextVar("loket_caused_by", default=None)
"""The kind of the operation running on this thread (`OpKind` value), None outside an op."""


@dataclass(frozen=True)
class StoreChange:
    """One committed transaction: which applications and parts changed, and why.

    `everything` means the change cannot be listed by id (the cache was cleared, rebuilt or
    purged): re-read all of it. `cause` is the operation kind, or None for a write made
    outside any operation (opening the store, tools).
    """

    app_ids: frozenset[str] = frozenset()
    parts: frozenset[Part] = frozenset()
    everything: bool = False
    cause: str | None = None

    def touches(self, part: Part) -> bool:
        return self.everything or part in self.parts

    def about(self, app_id: str) -> bool:
        """True when this change may concern application `app_id`."""
        return self.everything or app_id in self.app_ids


@dataclass
class _Recorder:
    app_ids: set[str] = field(default_factory=set)
    parts: set[Part] = field(default_factory=set)
    everything: bool = False

    def empty(self) -> bool:
        return not (self.app_ids or self.parts or self.everything)

    def change(self, cause: str | None) -> StoreChange:
        parts = frozenset(Part) if self.everything else frozenset(self.parts)
        return StoreChange(frozenset(self.app_ids), parts, self.everything, cause)


_KEY = "loket.changes"


def recorder(info: dict[Any, Any]) -> _Recorder:
    """The change recorder of one transaction (kept in the connection's `info` dict)."""
    found = info.get(_KEY)
    if not isinstance(found, _Recorder):
        found = info[_KEY] = _Recorder()
    return found


def take(info: dict[Any, Any]) -> _Recorder | None:
    """Remove and return the transaction's recorder (after commit or rollback)."""
    found = info.pop(_KEY, None)
    return found if isinstance(found, _Recorder) else None


def touch(
    info: dict[Any, Any],
    part: Part,
    app_ids: Iterable[str] = (),
    *,
    everything: bool = False,
) -> None:
    """Note in the open transaction that `part` changed for `app_ids` (or all of it)."""
    rec = recorder(info)
    rec.parts.add(part)
    rec.app_ids.update(app_ids)
    rec.everything = rec.everything or everything
