"""The store's change announcements as a Qt signal on the GUI thread.

`Store.subscribe` calls back on the writer thread; widgets and item models must only be touched
on the GUI thread. `StoreEvents` lives on the GUI thread and re-emits each `StoreChange` through
a queued connection, in commit order. One per session; everything that shows store data
connects to `changed` instead of being told by whoever wrote.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.models.changes import StoreChange
from desktop.models.store import Store


class StoreEvents(QObject):
    """Re-delivers `store`'s committed changes on the thread this object lives on."""

    changed = Signal(object)
    """A committed `StoreChange` (ids, parts, the operation kind that caused it)."""

    _relay = Signal(object)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = store.subscribe(self._relay.emit)

    @Slot(object)
    def _deliver(self, change: object) -> None:
        if self._unsubscribe is not None and isinstance(change, StoreChange):
            self.changed.emit(change)

    def close(self) -> None:
        """Stop listening (the session ends); changes already queued are dropped."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
