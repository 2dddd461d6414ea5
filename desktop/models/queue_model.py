"""The queue as a Qt table model: ids in SQL order, rows fetched lazily in small blocks.

The model never holds 100,000 rows. It holds one `array('q')` of row handles (8 bytes each) in the
order SQL returned them for the current `QueueQuery`, and an LRU of a few blocks of rows with
their display strings precomputed. Filtering, free text and sorting are all a new SQL query
(`Store.query_rids`); there is no `QSortFilterProxyModel`. `data()` is then a dict lookup.
"""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from desktop.domain.identity import mask_nik
from desktop.domain.workflow import TERMINAL_STATES, parse_state
from desktop.models.store import QueueQuery, QueueRow, Store

ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Role returning the application id (UUID string) of a row."""

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_OVERDUE_BRUSH = QBrush(QColor("#b3261e"))
_SOON_BRUSH = QBrush(QColor("#8a5a00"))
_CLAIMED_BRUSH = QBrush(QColor("#1a5fb4"))

AnyIndex = QModelIndex | QPersistentModelIndex


def format_local(epoch: int | None) -> str:
    """``24/11/2026 08.15`` in local time (Indonesian style uses a dot in times)."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch).strftime("%d/%m/%Y %H.%M")


class QueueModel(QAbstractTableModel):
    """Lazy, SQL-backed model of the cached queue."""

    COLUMNS: tuple[str, ...] = (
        "number",
        "name",
        "nik",
        "service",
        "status",
        "office",
        "submitted",
        "due",
        "claim",
    )
    query_changed = Signal()

    def __init__(
        self,
        store: Store,
        *,
        service_names: Mapping[str, str] | None = None,
        office_names: Mapping[str, str] | None = None,
        user_id: str | None = None,
        block_size: int = 128,
        cache_blocks: int = 24,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.service_names: Mapping[str, str] = service_names or {}
        self.office_names: Mapping[str, str] = office_names or {}
        self.user_id = user_id
        self._block_size = block_size
        self._cache_blocks = cache_blocks
        self._clock = clock
        self._query = QueueQuery()
        self._rids: array[int] = array("q")
        self._blocks: OrderedDict[int, list[tuple[QueueRow, tuple[str, ...]] | None]] = (
            OrderedDict()
        )
        self.last_query_ms = 0.0
        self._headers = (
            self.tr("Nomor"),
            self.tr("Pemohon"),
            self.tr("NIK"),
            self.tr("Layanan"),
            self.tr("Status"),
            self.tr("Kantor"),
            self.tr("Diajukan"),
            self.tr("Tenggat"),
            self.tr("Diklaim oleh"),
        )

    # -- query -----------------------------------------------------------------------------

    @property
    def query(self) -> QueueQuery:
        return self._query

    def set_query(self, query: QueueQuery) -> None:
        """Apply filters/search/sort: one SQL query, then a model reset."""
        self._query = query
        self.refresh()
        self.query_changed.emit()

    def refresh(self) -> None:
        """Re-run the current query (after a pull). The view restores selection and scroll."""
        started = time.perf_counter()
        query = replace(self._query, now=int(self._clock()))
        rids = self._store.query_rids(query)
        self.beginResetModel()
        self._rids = rids
        self._blocks.clear()
        self.endResetModel()
        self.last_query_ms = (time.perf_counter() - started) * 1000

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        key = self.COLUMNS[column]
        sort_key = {"nik": "name"}.get(key, key)
        self.set_query(
            replace(self._query, sort=sort_key, descending=order == Qt.SortOrder.DescendingOrder)
        )

    # -- side queries (thread-safe; the view runs them on a worker) --------------------------

    def counts_for(self, query: QueueQuery | None = None) -> dict[str, int]:
        """Applications per status under every current filter except status."""
        q = replace(query or self._query, now=int(self._clock()))
        return self._store.count_by_status(q)

    def filter_values(self) -> tuple[list[str], list[str]]:
        """(service codes, office codes) present in the cache, for the filter combos."""
        return self._store.distinct("service_code"), self._store.distinct("office_code")

    def find_number(self, number: str) -> str | None:
        return self._store.find_by_number(number)

    # -- lookup ----------------------------------------------------------------------------

    def id_at(self, row: int) -> str | None:
        entry = self._entry(row)
        return entry[0].id if entry else None

    def row_at(self, row: int) -> QueueRow | None:
        entry = self._entry(row)
        return entry[0] if entry else None

    def row_of_id(self, app_id: str) -> int:
        """Row of an application in the current order, or -1 (O(n) over 8-byte ints)."""
        rid = self._store.rid_of(app_id)
        if rid is None:
            return -1
        try:
            return self._rids.index(rid)
        except ValueError:
            return -1

    def ids_around(self, app_id: str) -> tuple[str | None, str | None]:
        """(previous id, next id) in the current order, for next/previous in the workbench."""
        row = self.row_of_id(app_id)
        if row < 0:
            return None, None
        prev_id = self.id_at(row - 1) if row > 0 else None
        next_id = self.id_at(row + 1) if row + 1 < len(self._rids) else None
        return prev_id, next_id

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            entry = self._entry(index.row())
            return entry[1][index.column()] if entry else None
        if role == ID_ROLE:
            entry = self._entry(index.row())
            return entry[0].id if entry else None
        if role == Qt.ItemDataRole.ForegroundRole:
            entry = self._entry(index.row())
            if entry is None:
                return None
            return self._foreground(entry[0], self.COLUMNS[index.column()])
        if role == Qt.ItemDataRole.ToolTipRole:
            entry = self._entry(index.row())
            if entry is None:
                return None
            col = self.COLUMNS[index.column()]
            if col == "service":
                return f"{entry[1][3]} ({entry[0].service_code})"
            if col == "office":
                return entry[0].office_code
            if col == "due" and entry[0].has_deadline:
                return format_local(entry[0].due_at)
        return None

    # -- internals -------------------------------------------------------------------------

    def _foreground(self, row: QueueRow, col: str) -> QBrush | None:
        if col == "due" and row.has_deadline and row.status not in _TERMINAL:
            left = row.due_at - self._clock()
            if left < 0:
                return _OVERDUE_BRUSH
            if left < 24 * 3600:
                return _SOON_BRUSH
        if col == "claim" and self.user_id and row.claim_user_id == self.user_id:
            return _CLAIMED_BRUSH
        return None

    def _entry(self, row: int) -> tuple[QueueRow, tuple[str, ...]] | None:
        if not 0 <= row < len(self._rids):
            return None
        block_no, offset = divmod(row, self._block_size)
        block = self._blocks.get(block_no)
        if block is None:
            block = self._load_block(block_no)
        else:
            self._blocks.move_to_end(block_no)
        return block[offset] if offset < len(block) else None

    def _load_block(self, block_no: int) -> list[tuple[QueueRow, tuple[str, ...]] | None]:
        start = block_no * self._block_size
        rids = self._rids[start : start + self._block_size]
        rows = self._store.rows(list(rids))
        now = self._clock()
        block = [self._display(rows[r], now) if r in rows else None for r in rids]
        self._blocks[block_no] = block
        while len(self._blocks) > self._cache_blocks:
            self._blocks.popitem(last=False)
        return block

    def _display(self, row: QueueRow, now: float) -> tuple[QueueRow, tuple[str, ...]]:
        state = parse_state(row.status)
        status = state.label if state else self.tr("Status baru: %1").replace("%1", row.status)
        claim = ""
        if row.claim_full_name and row.claim_expires_at and row.claim_expires_at > now:
            claim = (
                self.tr("Saya")
                if self.user_id and row.claim_user_id == self.user_id
                else row.claim_full_name
            )
        return row, (
            row.number or self.tr("(belum bernomor)"),
            row.applicant_name,
            mask_nik(row.applicant_nik),
            self.service_names.get(row.service_code, row.service_code),
            status,
            self.office_names.get(row.office_code, row.office_code),
            format_local(row.submitted_at),
            self._due_text(row, now),
            claim,
        )

    def _due_text(self, row: QueueRow, now: float) -> str:
        if not row.has_deadline or row.status in _TERMINAL:
            return ""
        left = row.due_at - now
        hours = abs(left) / 3600
        if hours < 1:
            amount = self.tr("%1 menit").replace("%1", str(max(1, int(abs(left) // 60))))
        elif hours < 48:
            amount = self.tr("%1 jam").replace("%1", str(int(hours)))
        else:
            amount = self.tr("%1 hari").replace("%1", str(int(hours // 24)))
        if left < 0:
            return self.tr("lewat %1").replace("%1", amount)
        return self.tr("%1 lagi").replace("%1", amount)
