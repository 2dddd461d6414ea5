"""The queue: status tabs with counts, filter bar, search box and the lazy table.

Every change of filter, search text or sort is one SQL query in `QueueModel` (budget: 50 ms per
keystroke at 100,000 rows, see bench/queue.py). That query reads only the first `ID_WINDOW` ids:
the visible rows are right at once, however many rows match. When typing pauses
(`BACKGROUND_DELAY_MS`) two reads run on workers: the counts per status and, if more rows match
than the window holds, the complete id list, which the model appends after the window. A new
keystroke cancels both (the SQL is interrupted, so it stops competing for the CPU). A refresh
after a pull keeps the selected application and the scroll position, by id, not by row number.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.workflow import Role, State
from desktop.models.queue_model import Completion, QueueModel
from desktop.models.store import QueryCancelled, QueueQuery
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

STATUS_TABS: tuple[State, ...] = (
    State.SUBMITTED,
    State.NEEDS_REVISION,
    State.VERIFIED,
    State.VALIDATED,
    State.SIGNED,
    State.DRAFT,
    State.COMPLETED,
    State.REJECTED,
    State.CANCELLED,
)
DEFAULT_COLUMN_WIDTHS = (135, 165, 135, 0, 105, 140, 122, 105, 100)  # 0 = stretch
ID_WINDOW = 256
"""Ids a keystroke reads: two blocks of rows, some seven screens at 1080p. The rest arrives from a
worker (~50-100 ms after typing pauses) well before anyone can scroll that far."""
BACKGROUND_DELAY_MS = 120
"""Counts and the complete id list start when typing pauses this long (a person types a key
every 120-200 ms), so fast typing does not start work the next key would throw away."""


def default_status_for(roles: Iterable[Role]) -> State | None:
    """The status a role works on first: verifiers see submitted, validators verified."""
    roles = tuple(roles)
    if Role.VERIFIER in roles:
        return State.SUBMITTED
    if Role.VALIDATOR in roles:
        return State.VERIFIED
    if Role.OPERATOR in roles:
        return State.NEEDS_REVISION
    return None


def _canceller(handles: list[TaskHandle]) -> Callable[..., None]:
    """A slot cancelling `handles` that does not hold the page (half destroyed by then)."""

    def cancel(*_args: object) -> None:
        for handle in handles:
            handle.cancel()

    return cancel


class QueueTable(QTableView):
    """Table that opens the current row on Enter (double-click too)."""

    activated_id = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self._emit(index)
                event.accept()
                return
        super().keyPressEvent(event)

    def _emit(self, index: QModelIndex) -> None:
        model = self.model()
        if isinstance(model, QueueModel):
            app_id = model.id_at(index.row())
            if app_id:
                self.activated_id.emit(app_id)


class QueuePage(QWidget):
    """Antrean: filters, search, counts per status, table. Emits `open_requested(id)`."""

    open_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(
        self,
        model: QueueModel,
        runner: TaskRunner,
        *,
        service_names: Mapping[str, str] | None = None,
        office_names: Mapping[str, str] | None = None,
        user_id: str | None = None,
        default_status: State | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._runner = runner
        self._service_names = dict(service_names or {})
        self._office_names = dict(office_names or {})
        self._user_id = user_id
        self._counts_token = 0
        self._counts_fresh = False  # `counts` belong to the current filters
        self._background: list[TaskHandle] = []
        self.counts: dict[str, int] = {}
        model.set_window(ID_WINDOW)

        # -- status tabs with counts ---------------------------------------------------------
        self.status_group = QButtonGroup(self)
        self.status_group.setExclusive(True)
        self.status_buttons: dict[str, QPushButton] = {}
        tabs = QHBoxLayout()
        tabs.setSpacing(4)
        for key, label in [("", self.tr("Semua"))] + [(s.value, s.label) for s in STATUS_TABS]:
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setProperty("status", key)
            button.setStyleSheet(
                "QPushButton { border: 1px solid #c8c6c4; border-radius: 12px; padding: 3px 10px;"
                " background: #faf9f8; }"
                "QPushButton:checked { background: #0f6cbd; color: white; border-color: #0f6cbd; }"
            )
            self.status_group.addButton(button)
            self.status_buttons[key] = button
            tabs.addWidget(button)
        tabs.addStretch(1)
        self.status_group.buttonToggled.connect(self._status_toggled)

        # -- filter bar ----------------------------------------------------------------------
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("Cari nama, NIK, atau nomor pendaftaran (Ctrl+F)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._text_changed)
        self.service_combo = QComboBox(self)
        self.service_combo.setMinimumContentsLength(18)
        self.service_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.office_combo = QComboBox(self)
        self.office_combo.setMinimumContentsLength(16)
        self.office_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.overdue_check = QCheckBox(self.tr("Lewat tenggat"), self)
        self.mine_check = QCheckBox(self.tr("Saya tangani"), self)
        self.refresh_button = QPushButton(self.tr("Perbarui (F5)"), self)
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        self._fill_combos([], [])
        self.service_combo.currentIndexChanged.connect(self._filters_changed)
        self.office_combo.currentIndexChanged.connect(self._filters_changed)
        self.overdue_check.toggled.connect(self._filters_changed)
        self.mine_check.toggled.connect(self._filters_changed)
        self.mine_check.setEnabled(bool(user_id))

        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 3)
        bar.addWidget(self.service_combo, 2)
        bar.addWidget(self.office_combo, 2)
        bar.addWidget(self.overdue_check)
        bar.addWidget(self.mine_check)
        bar.addWidget(self.refresh_button)

        # -- table ---------------------------------------------------------------------------
        self.table = QueueTable(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(26)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        for col, width in enumerate(DEFAULT_COLUMN_WIDTHS):
            if width:
                hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                hh.resizeSection(col, width)
            else:
                hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        hh.setSortIndicator(QueueModel.COLUMNS.index("due"), Qt.SortOrder.AscendingOrder)
        hh.setSortIndicatorShown(True)
        hh.sortIndicatorChanged.connect(self._sort_changed)
        self.table.doubleClicked.connect(self.table._emit)
        self.table.activated_id.connect(self.open_requested.emit)

        self.footer_label = QLabel(self)
        self.footer_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.hint_label = QLabel(
            self.tr(
                "Enter: buka \u2022 Ctrl+F: cari \u2022 F5: perbarui \u2022 "
                "pemindai kode: langsung "
                "membuka permohonan"
            ),
            self,
        )
        self.hint_label.setStyleSheet("QLabel { color: #8a8886; }")
        footer = QHBoxLayout()
        footer.addWidget(self.footer_label, 1)
        footer.addWidget(self.hint_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(tabs)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

        self._background_timer = QTimer(self)
        self._background_timer.setSingleShot(True)
        self._background_timer.setInterval(BACKGROUND_DELAY_MS)
        self._background_timer.timeout.connect(self._start_background)
        model.completed.connect(self._update_footer)
        self.destroyed.connect(_canceller(self._background))

        initial = self.status_buttons.get(default_status.value if default_status else "")
        (initial or self.status_buttons[""]).setChecked(True)

    # -- public ------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def set_names(self, service_names: Mapping[str, str], office_names: Mapping[str, str]) -> None:
        self._service_names = dict(service_names)
        self._office_names = dict(office_names)
        self.model.service_names = self._service_names
        self.model.office_names = self._office_names

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def select_id(self, app_id: str) -> bool:
        row = self.model.row_of_id(app_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def reload(self) -> None:
        """Re-query after new data arrived; keep selection and scroll position by id."""
        current, top = self._view_ids()
        self._cancel_background()
        self._counts_fresh = False  # the data changed: recounted below
        self.model.refresh(min_rows=self._rows_in_use() + ID_WINDOW)
        self._restore(current, top)
        self._update_footer()
        self._load_filter_values()
        self._background_timer.start()

    def _view_ids(self) -> tuple[str | None, str | None]:
        """(selected id, id of the top visible row)."""
        top_row = self.table.rowAt(0)
        return self.current_id(), self.model.id_at(top_row) if top_row >= 0 else None

    def _rows_in_use(self) -> int:
        """Rows up to the lowest one on screen or selected (what a refresh must read again)."""
        bottom = self.table.rowAt(max(0, self.table.viewport().height() - 1))
        if bottom < 0:
            bottom = self.model.rowCount() - 1
        return max(bottom, self.table.currentIndex().row(), 0) + 1

    def _restore(self, current: str | None, top: str | None) -> None:
        if top:
            row = self.model.row_of_id(top)
            if row >= 0:
                self.table.scrollTo(
                    self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
                )
        if current:
            row = self.model.row_of_id(current)
            if row >= 0:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    # -- filters -----------------------------------------------------------------------------

    def _fill_combos(self, services: list[str], offices: list[str]) -> None:
        for combo, codes, names, all_label in (
            (self.service_combo, services, self._service_names, self.tr("Semua layanan")),
            (self.office_combo, offices, self._office_names, self.tr("Semua kantor")),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(all_label, None)
            labelled = sorted(((names.get(c, c), c) for c in codes), key=lambda p: p[0].casefold())
            for label, code in labelled:
                combo.addItem(label, code)
                combo.setItemData(combo.count() - 1, code, Qt.ItemDataRole.ToolTipRole)
            idx = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(idx, 0))
            combo.blockSignals(False)

    def _load_filter_values(self) -> None:
        self._runner.submit(
            self.tr("Memuat pilihan saringan"),
            lambda _ctx: self.model.filter_values(),
            on_done=lambda v: self._fill_combos(*v),
        )

    def query_from_controls(self) -> QueueQuery:
        button = self.status_group.checkedButton()
        status = str(button.property("status")) if button is not None else ""
        return replace(
            self.model.query,
            statuses=(status,) if status else (),
            service_code=self.service_combo.currentData() or None,
            office_code=self.office_combo.currentData() or None,
            overdue=self.overdue_check.isChecked(),
            claimed_by=self._user_id if self.mine_check.isChecked() else None,
            text=self.search_edit.text(),
        )

    def _apply(self) -> None:
        self._cancel_background()
        self._counts_fresh = False
        self.model.set_query(self.query_from_controls())
        self._update_footer()
        self._background_timer.start()

    def _status_toggled(self, _button: object, checked: bool) -> None:
        if checked:
            self._apply()

    def _filters_changed(self, *_args: object) -> None:
        self._apply()

    def _text_changed(self, _text: str) -> None:
        self._apply()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        self._cancel_background()
        self.model.sort(column, order)
        self._update_footer()
        self._background_timer.start()

    # -- background: counts and the rest of the ids -----------------------------------------

    def _cancel_background(self) -> None:
        """Drop counts and id reads for an older query; their SQL is interrupted."""
        self._background_timer.stop()
        for handle in self._background:
            handle.cancel()
        self._background.clear()

    def _start_background(self) -> None:
        self._cancel_background()
        self._start_counts()
        completion = self.model.pending_completion()
        if completion is not None:
            self._start_completion(completion)

    def _start_counts(self) -> None:
        self._counts_token += 1
        token = self._counts_token
        query = self.query_from_controls()

        def op(ctx: TaskContext) -> dict[str, int]:
            try:
                return self.model.counts_for(query, should_stop=lambda: ctx.cancelled)
            except QueryCancelled:
                ctx.check_cancelled()
                raise

        self._background.append(
            self._runner.submit(
                self.tr("Menghitung antrean"),
                op,
                on_done=lambda counts: self._show_counts(token, counts),
                cancellable=True,
            )
        )

    def _start_completion(self, completion: Completion) -> None:
        def op(ctx: TaskContext) -> array[int]:
            try:
                return completion.run(should_stop=lambda: ctx.cancelled)
            except QueryCancelled:
                ctx.check_cancelled()
                raise

        self._background.append(
            self._runner.submit(
                self.tr("Memuat antrean"),
                op,
                on_done=lambda rids: self._completed(completion, rids),
                on_error=lambda exc: self._completion_failed(completion, exc),
                cancellable=True,
            )
        )

    def _completed(self, completion: Completion, rids: array[int]) -> None:
        current, top = self._view_ids()
        if self.model.complete(completion, rids) == "reset":
            self._restore(current, top)
        self._update_footer()

    def _completion_failed(self, completion: Completion, exc: Exception) -> None:
        log.warning("reading the rest of the queue failed: %s", exc)
        if completion.generation == self.model.generation:
            current, top = self._view_ids()
            try:
                if self.model.ensure_complete() == "reset":
                    self._restore(current, top)
            except Exception as again:  # the queue stays usable with the rows it has
                log.warning("reading the rest of the queue failed again: %s", again)
        self._update_footer()

    def _show_counts(self, token: int, counts: dict[str, int]) -> None:
        if token != self._counts_token:
            return  # a newer filter is already being counted
        self.counts = counts
        self._counts_fresh = True
        total = sum(counts.values())
        self.status_buttons[""].setText(
            self.tr("Semua (%1)").replace("%1", f"{total:,}".replace(",", "."))
        )
        for state in STATUS_TABS:
            n = counts.get(state.value, 0)
            self.status_buttons[state.value].setText(f"{state.label} ({n:,})".replace(",", "."))
        self._update_footer()

    @property
    def settled(self) -> bool:
        """All ids of the current query are in the table and the counts are current."""
        return self.model.is_complete and self._counts_fresh

    def total_rows(self) -> int | None:
        """Rows the current filters match, once known (the table may still hold fewer)."""
        if self.model.is_complete:
            return self.model.rowCount()
        if self._counts_fresh:
            statuses = self.model.query.statuses
            if statuses:
                return sum(self.counts.get(s, 0) for s in statuses)
            return sum(self.counts.values())
        return None

    def _update_footer(self) -> None:
        total = self.total_rows()
        if total is None:
            n = f"{self.model.rowCount():,}".replace(",", ".")
            text = self.tr("Menampilkan %1+ permohonan (menghitung…)").replace("%1", n)
        else:
            text = self.tr("Menampilkan %1 permohonan").replace(
                "%1", f"{total:,}".replace(",", ".")
            )
        self.footer_label.setText(text)
