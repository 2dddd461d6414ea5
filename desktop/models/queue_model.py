"""The queue as a Qt table model: ids in SQL order, rows fetched lazily in small blocks.

The model never holds 100,000 rows. It holds one `array('q')` of row handles (8 bytes each) in the
order SQL returned them for the current `QueueQuery`, and an LRU of a few blocks of rows whose
display strings are made when a row is first shown. Filtering, free text and sorting are all a
new SQL query (`Store.query_rids`); there is no `QSortFilterProxyModel`. `data()` is then a
lookup.

With a *window* (`set_window`, which the queue page turns on) a query reads only the first ids,
enough for the visible rows and some screens of scrolling: that is what a keystroke waits for.
If more rows match, `pending_completion()` describes the read of the complete list, which the
page runs on a worker; `complete()` then appends the rest (rows inserted after the window, so the
view keeps its selection and scroll position). Without a window every query reads all ids at
once (plain use of the model, e.g. in tests and scripts).
"""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta, tzinfo
from typing import Any, Literal

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from desktop.domain.formatting import (
    DEADLINE_SOON_SECONDS,
    format_deadline,
    format_epoch_short,
    unknown_status_label,
)
from desktop.domain.identity import mask_nik
from desktop.domain.records import ApplicationSummary
from desktop.domain.workflow import TERMINAL_STATES, parse_state
from desktop.models.store import QueueQuery, QueueRow, Store

ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Role returning the application id (UUID string) of a row."""

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_OVERDUE_BRUSH = QBrush(QColor("#b3261e"))
_SOON_BRUSH = QBrush(QColor("#8a5a00"))
_CLAIMED_BRUSH = QBrush(QColor("#1a5fb4"))

AnyIndex = QModelIndex | QPersistentModelIndex
Entry = tuple[QueueRow, tuple[str, ...]]
"""A row with its display strings."""
_Item = QueueRow | Entry | None
"""In a cached block: a row as read (display strings made on first use), an entry, or None."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset((_DISPLAY, ID_ROLE, _FOREGROUND, _TOOLTIP))
CompleteOutcome = Literal["appended", "reset", "stale"]


@dataclass(frozen=True)
class Completion:
    """The read of the complete id list for one windowed query. `run` is safe on a worker."""

    generation: int
    query: QueueQuery
    store: Store

    def run(self, should_stop: Callable[[], bool] | None = None) -> array[int]:
        """All ids in order; raises `QueryCancelled` once `should_stop()` turns true."""
        return self.store.query_rids(self.query, should_stop=should_stop)


def format_local(epoch: int | None, tz: tzinfo | None = None) -> str:
    """``24/11/2026 08.15`` in the office's zone `tz` (None: the PC's; dots in times)."""
    return format_epoch_short(epoch, tz)


def _masked_nik(nik: str) -> str:
    """`mask_nik`, with a fast path for the usual 16 plain digits: its general parsing was
    half the time it took to format a row for display (21 of 40 us)."""
    if len(nik) == 16 and nik.isascii() and nik.isdigit():
        return nik[:6] + "******" + nik[12:]
    return mask_nik(nik)


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
    completed = Signal()
    """All ids of the current query are loaded (after a windowed read was completed)."""

    def __init__(
        self,
        store: Store,
        *,
        service_names: Mapping[str, str] | None = None,
        office_names: Mapping[str, str] | None = None,
        user_id: str | None = None,
        block_size: int = 128,
        cache_blocks: int = 24,
        window: int | None = None,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.tz = tz  # the office's zone (WIB/WITA/WIT) for times; None: the PC's
        self.service_names: Mapping[str, str] = service_names or {}
        self.office_names: Mapping[str, str] = office_names or {}
        self.user_id = user_id
        self._block_size = block_size
        self._cache_blocks = cache_blocks
        self._clock = clock
        self._query = QueueQuery()
        self._window = window
        self._active = QueueQuery()  # the query as last read, with its `now` fixed
        self._generation = 0  # one per read; a completion for an older read is ignored
        self._complete = True
        self._rids: array[int] = array("q")
        self._blocks: OrderedDict[int, list[_Item]] = OrderedDict()
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
            self.tr("Ditangani oleh"),
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

    def set_window(self, rows: int | None) -> None:
        """Read at most `rows` ids per query (None: all). Applies from the next query on."""
        self._window = rows if rows is None else max(1, rows)

    @property
    def window(self) -> int | None:
        return self._window

    def refresh(self, *, min_rows: int = 0) -> None:
        """Re-run the current query (after a pull). The view restores selection and scroll.

        With a window, at least `min_rows` ids are read (the rows the view shows now), so a
        refresh of a queue scrolled far down does not lose its place.
        """
        started = time.perf_counter()
        query = replace(self._query, now=int(self._clock()))
        limit = None if self._window is None else max(self._window, min_rows)
        rids = self._store.query_rids(query, limit=None if limit is None else limit + 1)
        complete = limit is None or len(rids) <= limit
        if not complete:
            del rids[limit:]
        self.beginResetModel()
        self._generation += 1
        self._active = query
        self._complete = complete
        self._rids = rids
        self._blocks.clear()
        self.endResetModel()
        self.last_query_ms = (time.perf_counter() - started) * 1000

    # -- completing a windowed read ----------------------------------------------------------

    @property
    def is_complete(self) -> bool:
        """True when `rowCount()` is the number of rows the query matches."""
        return self._complete

    @property
    def generation(self) -> int:
        return self._generation

    def pending_completion(self) -> Completion | None:
        """The read that completes the current (windowed) result, or None if it is complete."""
        if self._complete:
            return None
        return Completion(self._generation, self._active, self._store)

    def complete(self, completion: Completion, rids: array[int]) -> CompleteOutcome:
        """Take the complete id list read by `completion.run()` (on the GUI thread).

        "appended": the window was the start of the list, the rest was inserted after it
        (selection and scroll untouched). "reset": the data changed between the two reads,
        so the model was reset; the caller restores selection and scroll by id. "stale": a
        newer query was read meanwhile (or the result is already complete); nothing changed.
        """
        if completion.generation != self._generation or self._complete:
            return "stale"
        return self._take_complete(rids)

    def ensure_complete(self) -> CompleteOutcome:
        """Read the complete list now, on this thread (rare paths: find a row past the window)."""
        completion = self.pending_completion()
        if completion is None:
            return "stale"
        return self._take_complete(completion.run())

    def _take_complete(self, rids: array[int]) -> CompleteOutcome:
        n = len(self._rids)
        if len(rids) >= n and rids[:n] == self._rids:
            outcome: CompleteOutcome = "appended"
            if len(rids) > n:
                self.beginInsertRows(QModelIndex(), n, len(rids) - 1)
                self._rids = rids
                self._complete = True
                self._blocks.pop(n // self._block_size, None)  # it was cut at the window's end
                self.endInsertRows()
        else:
            outcome = "reset"
            self.beginResetModel()
            self._rids = rids
            self._blocks.clear()
            self._complete = True
            self.endResetModel()
        self._complete = True  # also when the window turned out to hold every row
        self.completed.emit()
        return outcome

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        # The NIK column sorts by the real NIK, not the masked text: the same person's
        # applications end up next to each other (same visible prefix and suffix).
        self.set_query(
            replace(
                self._query,
                sort=self.COLUMNS[column],
                descending=order == Qt.SortOrder.DescendingOrder,
            )
        )

    # -- side queries (thread-safe; the view runs them on a worker) --------------------------

    def counts_for(
        self, query: QueueQuery | None = None, *, should_stop: Callable[[], bool] | None = None
    ) -> dict[str, int]:
        """Applications per status under every current filter except status.

        `should_stop` is polled while SQLite counts (see `Store.query_rids`).
        """
        q = replace(query or self._query, now=int(self._clock()))
        return self._store.count_by_status(q, should_stop=should_stop)

    def filter_values(self) -> tuple[list[str], list[str]]:
        """(service codes, office codes) present in the cache, for the filter combos."""
        return self._store.distinct("service_code"), self._store.distinct("office_code")

    def find_number(self, number: str) -> str | None:
        return self._store.find_by_number(number)

    def remember(self, rows: Sequence[tuple[ApplicationSummary, Any]]) -> int:
        """Write applications read elsewhere (a report's list) to the store, as a pull would
        (a newer copy or an unsent local change wins), so the queue can show them. Blocking:
        call it on a worker."""
        if not rows:
            return 0
        return self._store.write(lambda conn: Store.upsert_summaries(conn, list(rows)))

    # -- lookup ----------------------------------------------------------------------------

    def id_at(self, row: int) -> str | None:
        entry = self._entry(row)
        return entry[0].id if entry else None

    def row_at(self, row: int) -> QueueRow | None:
        entry = self._entry(row)
        return entry[0] if entry else None

    def row_of_id(self, app_id: str) -> int:
        """Row of an application in the current order, or -1 (O(n) over 8-byte ints).

        A row past the window of a not yet complete result completes it first (one
        synchronous read, only when the application does match the query).
        """
        rid = self._store.rid_of(app_id)
        if rid is None:
            return -1
        row = self._row_of_rid(rid)
        if row < 0 and not self._complete and self._store.contains(self._active, rid):
            self.ensure_complete()
            row = self._row_of_rid(rid)
        return row

    def rid_at(self, row: int) -> int | None:
        """The store's row handle at `row` (cheaper to keep than the id)."""
        return self._rids[row] if 0 <= row < len(self._rids) else None

    def loaded_row_of_rid(self, rid: int) -> int:
        """Row of `rid` among the ids read so far, or -1; never reads more (keystroke path)."""
        return self._row_of_rid(rid)

    def _row_of_rid(self, rid: int) -> int:
        try:
            return self._rids.index(rid)
        except ValueError:
            return -1

    def ids_around(self, app_id: str) -> tuple[str | None, str | None]:
        """(previous id, next id) in the current order, for next/previous in the workbench."""
        row = self.row_of_id(app_id)
        if row < 0:
            return None, None
        if row + 1 >= len(self._rids) and not self._complete:
            self.ensure_complete()
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
        # A view asks ~8 roles per cell on every paint: answer the unused ones first, with
        # plain int comparisons.
        role = int(role)
        if role not in _ROLES:
            return None
        entry = self._entry(index.row())
        if entry is None:
            return None
        if role == _DISPLAY:
            return entry[1][index.column()]
        if role == ID_ROLE:
            return entry[0].id
        if role == _FOREGROUND:
            return self._foreground(entry[0], self.COLUMNS[index.column()])
        col = self.COLUMNS[index.column()]
        if col == "status" and entry[0].unsent:
            return self.tr(
                "Perubahan yang dibuat di komputer ini belum diterima server; yang tampil adalah "
                "keadaan di komputer ini. Dikirim otomatis (lihat Sinkronisasi, F9)."
            )
        if col == "service":
            return f"{entry[1][3]} ({entry[0].service_code})"
        if col == "office":
            return entry[0].office_code
        if col == "due" and entry[0].has_deadline:
            due = format_local(entry[0].due_at, self.tz)
            left = format_deadline(timedelta(seconds=entry[0].due_at - self._clock()))
            return f"{left} ({due})"
        return None

    # -- internals -------------------------------------------------------------------------

    def _foreground(self, row: QueueRow, col: str) -> QBrush | None:
        if col == "due" and row.has_deadline and row.status not in _TERMINAL:
            left = row.due_at - self._clock()
            if left < 0:
                return _OVERDUE_BRUSH
            if left < DEADLINE_SOON_SECONDS:
                return _SOON_BRUSH
        if col == "status" and row.unsent:
            return _SOON_BRUSH
        if col == "claim" and self.user_id and row.claim_user_id == self.user_id:
            return _CLAIMED_BRUSH
        return None

    def _entry(self, row: int) -> Entry | None:
        if not 0 <= row < len(self._rids):
            return None
        block_no, offset = divmod(row, self._block_size)
        block = self._blocks.get(block_no)
        if block is None:
            block = self._load_block(block_no)
        else:
            self._blocks.move_to_end(block_no)
        if offset >= len(block):
            return None
        item = block[offset]
        if isinstance(item, QueueRow):
            # Display strings are made for the rows actually shown, not the whole block: a
            # keystroke's repaint formats ~25 rows, not 128.
            item = block[offset] = self._display(item, self._clock())
        return item

    def _load_block(self, block_no: int) -> list[_Item]:
        start = block_no * self._block_size
        rids = self._rids[start : start + self._block_size]
        rows = self._store.rows(list(rids))
        block: list[_Item] = [rows.get(r) for r in rids]
        self._blocks[block_no] = block
        while len(self._blocks) > self._cache_blocks:
            self._blocks.popitem(last=False)
        return block

    def _display(self, row: QueueRow, now: float) -> Entry:
        state = parse_state(row.status)
        status = state.label if state else unknown_status_label(row.status)
        if row.unsent:  # the local state over the server's: changes made here wait to go
            status = self.tr("%1 · belum terkirim").replace("%1", status)
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
            _masked_nik(row.applicant_nik),
            self.service_names.get(row.service_code, row.service_code),
            status,
            self.office_names.get(row.office_code, row.office_code),
            format_local(row.submitted_at, self.tz),
            self._due_text(row, now),
            claim,
        )

    def _due_text(self, row: QueueRow, now: float) -> str:
        if not row.has_deadline or row.status in _TERMINAL:
            return ""
        return format_deadline(timedelta(seconds=row.due_at - now), in_column=True)
