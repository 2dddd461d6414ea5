"""The audit events found so far, newest first; more pages are fetched as the person scrolls
to the end (`canFetchMore`/`fetchMore`) or presses "Muat lebih banyak"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.services.audit_viewer import AuditEvent

Index = QModelIndex | QPersistentModelIndex

SOURCE_NAMES = {"server": "Server", "desktop": "Perangkat"}


def _t(text: str) -> str:
    return QCoreApplication.translate("AuditTableModel", text)


class AuditTableModel(QAbstractTableModel):
    HEADERS = ("Waktu", "Sumber", "Tindakan", "Pengguna", "Permohonan", "Perangkat", "Urutan")

    def __init__(self, zone: tzinfo, fetch_more: Callable[[], None]) -> None:
        super().__init__()
        self.zone = zone
        self.events: list[AuditEvent] = []
        self.next_cursor: str | None = None
        self.loading = False
        self._fetch_more = fetch_more

    # -- content ---------------------------------------------------------------------------

    def reset(self) -> None:
        self.beginResetModel()
        self.events = []
        self.next_cursor = None
        self.endResetModel()

    def append(self, events: list[AuditEvent], next_cursor: str | None) -> None:
        self.next_cursor = next_cursor
        if not events:
            return
        first = len(self.events)
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self.events.extend(events)
        self.endInsertRows()

    def event_at(self, row: int) -> AuditEvent | None:
        return self.events[row] if 0 <= row < len(self.events) else None

    def row_of(self, ref: str) -> int | None:
        return next((i for i, e in enumerate(self.events) if e.ref == ref), None)

    # -- Qt ----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _t(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        event = self.event_at(index.row())
        if event is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return event.at.astimezone(self.zone).strftime("%d-%m-%Y %H:%M:%S")
        if column == 1:
            return _t(SOURCE_NAMES.get(event.source, event.source))
        if column == 2:
            return event.kind
        if column == 3:
            return event.actor_username or (event.actor_id or "-")
        if column == 4:
            return event.registration_number or (event.application_id or "-")
        if column == 5:
            return event.device_id or "-"
        return "" if event.position is None else str(event.position)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self.next_cursor is not None and not self.loading

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetch_more()
