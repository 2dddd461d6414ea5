"""The queue: status tabs with counts, filter bar, search box and the lazy table.

Every change of filter, search text or sort is one SQL query in `QueueModel` (budget: 50 ms per
keystroke at 100,000 rows, see bench/queue.py). That query reads only the first `ID_WINDOW` ids:
the visible rows are right at once, however many rows match. When typing pauses
(`BACKGROUND_DELAY_MS`) two reads run on workers: the counts per status and, if more rows match
than the window holds, the complete id list, which the model appends after the window. A new
keystroke cancels both (the SQL is interrupted, so it stops competing for the CPU).

The page follows the store (`events`, the session's `StoreEvents`): whenever a committed write
touches the queue (`Part.QUEUE`: a pull's page, a claim given back, a decision, an application
opened and fetched again), it refreshes itself, whoever wrote. A burst of changes (a pull
commits one per page) is read in one refresh, `REFRESH_DELAY_MS` after the first of them. A
refresh keeps the selected application and the scroll position, by id, not by row number.

Keyboard: in the search box Enter opens an exact registration number (a wrong or partial one is
refused with the reason, see `entry.classify`) or the single result, and otherwise moves into the
results, as Down does; Esc clears the text; one Tab reaches the table. Typing on the table goes
to the search box. When nothing is shown, `EmptyState` says why (loading, not loaded, nothing
matches with a "Hapus saringan" way out, or an empty queue).
"""

from __future__ import annotations

import itertools
import logging
import time
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.records import ApplicationSummary
from desktop.domain.workflow import TERMINAL_STATES, Role, State
from desktop.models.changes import Part, StoreChange
from desktop.models.queue_model import Completion, QueueModel
from desktop.models.store import RETENTION_DAYS, QueryCancelled, QueueQuery
from desktop.models.store_events import StoreEvents
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner
from desktop.views.flow_layout import FlowLayout
from desktop.views.queue.empty_state import EmptyState
from desktop.views.queue.entry import classify
from desktop.views.queue.office_filter import OfficeCombo

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
OPEN_KEY = "open"
"""The "Belum selesai" tab: every status that still has work to do."""
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in STATUS_TABS if s not in TERMINAL_STATES)
FINISHED_STATUSES = frozenset(s.value for s in TERMINAL_STATES)
# 0 = stretch; Tenggat fits "sisa 18 jam 49 menit" / "lewat 10 hari 23 jam"
DEFAULT_COLUMN_WIDTHS = (135, 160, 130, 0, 190, 130, 118, 145, 100)
"""Status is wide enough for "Terverifikasi \u00b7 belum terkirim" (unsent changes on this PC)."""
SCAN_SECONDS = 3.0
"""A barcode scan ends well within this after its first key; see `after_scan`."""
BURST_GAP_SECONDS = 0.04
"""Keys closer than this belong to one run (a reader's burst), as in `BarcodeWedge`."""
ID_WINDOW = 256
"""Ids a keystroke reads: two blocks of rows, some seven screens at 1080p. The rest arrives from a
worker (~50-100 ms after typing pauses) well before anyone can scroll that far."""
BACKGROUND_DELAY_MS = 120
"""Counts and the complete id list start when typing pauses this long (a person types a key
every 120-200 ms), so fast typing does not start work the next key would throw away."""
REFRESH_DELAY_MS = 150
"""A store change refreshes the page this long after it arrived, together with every change
arriving meanwhile (a pull commits a page every few ms; a claim given back writes once)."""


def default_status_for(roles: Iterable[Role]) -> State | None:
    """The status a role works on first: verifiers see submitted, validators verified.
    None (supervisors, administrators): "Belum selesai", the open work of every status."""
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


class SearchEdit(QLineEdit):
    """The search box: Enter, Down and Esc are reported, not swallowed by QLineEdit."""

    entered = Signal()
    down_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.before_burst: tuple[str, float] | None = None
        """The text before the current run of fast keys began, and when (see `after_scan`)."""
        self._last_key_ms = 0.0

    def note_key(self, text_before: str, stamp_ms: float = 0.0) -> None:
        """A key is about to change the text: remember the text if a new run of keys begins.
        The gap is measured by the key events' own timestamps (`stamp_ms`, as `BarcodeWedge`
        does) where they have one: on a slow PC the search each key starts can take longer than
        the gap, and a reader's burst measured by processing time split in two, so the text put
        back after a refused scan was the scan's own first characters (flaky under load)."""
        now = time.monotonic()
        key_ms = stamp_ms or now * 1000
        if key_ms - self._last_key_ms > BURST_GAP_SECONDS * 1000:
            self.before_burst = (text_before, now)
        self._last_key_ms = key_ms

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text():
            self.note_key(self.text(), float(event.timestamp()))
        key = event.key()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            event.accept()
            self.entered.emit()
            return
        if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and plain:
            event.accept()
            self.down_pressed.emit()
            return
        if key == Qt.Key.Key_Escape and plain and self.text():
            event.accept()
            self.clear()
            return
        super().keyPressEvent(event)


class QueueTable(QTableView):
    """Table that opens the current row on Enter (double-click too). Letters and digits typed
    here go to the search box (`typed`) instead of Qt's keyboard search, which jumps to a row
    whose number merely starts with what was typed (and walks the whole model to find it)."""

    activated_id = Signal(str)
    typed = Signal(str, float)  # the text, the key event's timestamp (ms; 0 when it has none)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self._emit(index)
                event.accept()
                return
        text = event.text()
        modifiers = event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if text and text.isprintable() and not text.isspace() and not modifiers:
            event.accept()
            self.typed.emit(text, float(event.timestamp()))
            return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:
        """Never: a prefix match must not select (and then open) another application."""

    def _emit(self, index: QModelIndex) -> None:
        model = self.model()
        if isinstance(model, QueueModel):
            app_id = model.id_at(index.row())
            if app_id:
                self.activated_id.emit(app_id)


class QueuePage(QWidget):
    """Antrean: filters, search, counts per status, table. Emits `open_requested(id)`."""

    open_requested = Signal(str)
    number_requested = Signal(str)
    """Enter on an exact registration (or provisional) number: open exactly that one."""
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
        events: StoreEvents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`events`: the session's store announcements, which the page refreshes from
        (without them, only `reload` refreshes it)."""
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
        self._loading = False
        self._load_error = ""
        self._wanted_rid: int | None = None  # the person's selection, kept across queries
        self._restoring = False
        self._typeahead_at: float | None = None  # when typing on the table began a search
        self._report_ids: tuple[str, ...] | None = None  # "Dari Laporan": only these
        self._setting_report = False
        model.set_window(ID_WINDOW)

        # -- status tabs with counts ---------------------------------------------------------
        self.status_group = QButtonGroup(self)
        self.status_group.setExclusive(True)
        self.status_buttons: dict[str, QPushButton] = {}
        tabs = FlowLayout(spacing=3)  # wraps rather than cut a label off on a narrow screen
        tabs_spec = [(OPEN_KEY, self.tr("Belum selesai")), ("", self.tr("Semua"))]
        for key, label in tabs_spec + [(s.value, s.label) for s in STATUS_TABS]:
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setProperty("status", key)
            button.setStyleSheet(
                "QPushButton { border: 1px solid #c8c6c4; border-radius: 12px; padding: 3px 6px;"
                " background: #faf9f8; }"
                "QPushButton:checked { background: #0f6cbd; color: white; border-color: #0f6cbd; }"
            )
            if key == OPEN_KEY:
                button.setToolTip(self.tr("Semua permohonan yang masih perlu dikerjakan"))
            self.status_group.addButton(button)
            self.status_buttons[key] = button
            tabs.addWidget(button)
        self.status_group.buttonToggled.connect(self._status_toggled)

        # -- filter bar ----------------------------------------------------------------------
        self.search_edit = SearchEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("Cari nama, NIK, atau nomor pendaftaran (Ctrl+F)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._text_changed)
        self.search_edit.entered.connect(self._search_entered)
        self.search_edit.down_pressed.connect(self.enter_results)
        self.service_combo = QComboBox(self)
        self.service_combo.setMinimumContentsLength(18)
        self.service_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.office_combo = OfficeCombo(self.tr("Semua kantor"), self)
        self.office_combo.setToolTip(
            self.tr("Ketik untuk mencari kantor; memilih kecamatan ikut menampilkan kelurahannya")
        )
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
        self.table.typed.connect(self._typed_on_table)
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.empty_state = EmptyState(self.table)
        self.empty_state.clear_button.clicked.connect(self.clear_filters)

        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_label.hide()
        self.report_chip = QFrame(self)
        self.report_chip.setObjectName("report_chip")
        self.report_chip.setStyleSheet(
            "QFrame#report_chip { background: #ebf3fc; border: 1px solid #0f6cbd;"
            " border-radius: 6px; }"
        )
        self.report_caption = QLabel(self.report_chip)
        self.report_caption.setWordWrap(True)
        self.report_clear = QToolButton(self.report_chip)
        self.report_clear.setText("\u2715")
        self.report_clear.setAutoRaise(True)
        self.report_clear.setToolTip(self.tr("Hapus saringan dari Laporan (Esc)"))
        self.report_clear.setAccessibleName(self.tr("Hapus saringan dari Laporan"))
        self.report_clear.clicked.connect(self.clear_report_filter)
        chip = QHBoxLayout(self.report_chip)
        chip.setContentsMargins(8, 3, 3, 3)
        chip.addWidget(self.report_caption, 1)
        chip.addWidget(self.report_clear)
        self.report_chip.hide()
        self.window_note = QLabel(
            self.tr(
                "Permohonan yang selesai, ditolak atau dibatalkan lebih dari %1 hari lalu tidak "
                "disimpan di komputer ini. Untuk membukanya, ketik atau pindai nomor "
                "pendaftarannya lalu tekan Enter: Loket mencarinya di server."
            ).replace("%1", str(RETENTION_DAYS)),
            self,
        )
        self.window_note.setWordWrap(True)
        self.window_note.setStyleSheet("QLabel { color: #605e5c; }")
        self.window_note.hide()
        self.footer_label = QLabel(self)
        self.footer_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.hint_label = QLabel(
            self.tr(
                "Enter: buka \u2022 \u2193: ke daftar \u2022 Esc: hapus pencarian \u2022 "
                "F5: perbarui \u2022 F1: semua pintasan"
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
        layout.addWidget(self.notice_label)
        layout.addWidget(self.report_chip)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.window_note)
        layout.addLayout(footer)

        # Tab: search -> table -> the other filters -> status tabs -> search.
        chain: list[QWidget] = [
            self.search_edit,
            self.table,
            self.empty_state.clear_button,
            self.service_combo,
            self.office_combo,
            self.overdue_check,
            self.mine_check,
            self.refresh_button,
            *self.status_buttons.values(),
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._background_timer = QTimer(self)
        self._background_timer.setSingleShot(True)
        self._background_timer.setInterval(BACKGROUND_DELAY_MS)
        self._background_timer.timeout.connect(self._start_background)
        model.completed.connect(self._update_footer)
        self.destroyed.connect(_canceller(self._background))
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.reload)
        if events is not None:
            events.changed.connect(self._store_changed)

        initial = self.status_buttons.get(default_status.value if default_status else OPEN_KEY)
        (initial or self.status_buttons[OPEN_KEY]).setChecked(True)

    # -- public ------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def enter_results(self) -> None:
        """From the search box into the table, on the selected row or else the first."""
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        index = self.table.currentIndex()
        if not index.isValid():
            index = self.model.index(0, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def show_notice(self, text: str, kind: str = "warning") -> None:
        """A sentence above the table that stays until the search or a filter changes."""
        color = {"warning": "#8a3b00", "error": "#b3261e"}.get(kind, "#323130")
        self.notice_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.notice_label.setText(text)
        self.notice_label.show()

    def clear_notice(self) -> None:
        self.notice_label.hide()
        self.notice_label.clear()

    # -- "Dari Laporan": exactly the applications behind a report's number ------------------

    @property
    def report_ids(self) -> tuple[str, ...] | None:
        return self._report_ids

    def show_report_list(
        self,
        ids: Sequence[str],
        caption: str,
        rows: Sequence[tuple[ApplicationSummary, object]] = (),
    ) -> None:
        """Show exactly `ids` under `caption`, every other filter cleared (the number is what
        it is; a status or search on top would make it another one). `rows`: their summaries as
        read from the server, written to the store first (on a worker) for those it lacks."""
        wanted, model = tuple(ids), self.model
        if not rows:
            self._set_report_filter(wanted, caption)
            return
        (
            Op(
                OpKind.FIND,
                self.tr("Menyimpan permohonan dari Laporan"),
                lambda _c: model.remember(rows),
            )
            .success(lambda _n: self._set_report_filter(wanted, caption))
            .failure(lambda _exc, message: self.show_notice(message, "error"))
            .run(self._runner)
        )

    def _set_report_filter(self, ids: tuple[str, ...], caption: str) -> None:
        self._setting_report = True
        try:
            self._report_ids = ids
            self.clear_filters()
        finally:
            self._setting_report = False
        self.report_caption.setText(caption)
        self.report_chip.show()
        self.enter_results()

    def clear_report_filter(self) -> None:
        """Esc or \u2715: back to the whole queue."""
        if self._report_ids is None:
            return
        self._drop_report_filter()
        self._apply()
        self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _drop_report_filter(self) -> None:
        self._report_ids = None
        self.report_chip.hide()
        self.report_caption.clear()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == Qt.Key.Key_Escape and plain and self._report_ids is not None:
            event.accept()
            self.clear_report_filter()
            return
        super().keyPressEvent(event)

    def set_loading(self, loading: bool, error: str = "") -> None:
        """The first pull is under way (`loading`), or failed with `error` (cache empty)."""
        self._loading = loading
        self._load_error = "" if loading else error
        self._update_footer()
        self._update_empty_state()

    def clear_filters(self) -> None:
        """Everything: no search text, all services and offices, every status (and the
        report's list, unless it is being set)."""
        if not self._setting_report:
            self._drop_report_filter()
        for widget in (
            self.search_edit,
            self.service_combo,
            self.office_combo,
            self.overdue_check,
            self.mine_check,
            self.status_group,
        ):
            widget.blockSignals(True)
        self.search_edit.clear()
        self.service_combo.setCurrentIndex(0)
        self.office_combo.setCurrentIndex(0)
        self.overdue_check.setChecked(False)
        self.mine_check.setChecked(False)
        self.status_buttons[""].setChecked(True)
        for widget in (
            self.search_edit,
            self.service_combo,
            self.office_combo,
            self.overdue_check,
            self.mine_check,
            self.status_group,
        ):
            widget.blockSignals(False)
        self._apply()
        self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def after_scan(self) -> None:
        """A barcode scan ended and its characters were taken out of the field again. If the
        scan had replaced the search text (it was selected, or the scan began on the table),
        put that text back; if it began on the table, go back there: a scan leaves the list as
        it was."""
        now = time.monotonic()
        before, self.search_edit.before_burst = self.search_edit.before_burst, None
        on_table, self._typeahead_at = self._typeahead_at, None
        if before is not None and now - before[1] <= SCAN_SECONDS and not self.search_edit.text():
            self.search_edit.setText(before[0])
        if on_table is not None and now - on_table <= SCAN_SECONDS:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def _store_changed(self, change: StoreChange) -> None:
        """Queue rows changed in the store: refresh soon, once for the whole burst. The
        outbox too: a row's "belum terkirim" follows its unsent entries."""
        touched = change.touches(Part.QUEUE) or change.touches(Part.OUTBOX)
        if touched and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @property
    def refresh_pending(self) -> bool:
        """A store change arrived and the page has not read it yet."""
        return self._refresh_timer.isActive()

    def reload(self) -> None:
        """Re-query after new data arrived; keep selection and scroll position by id."""
        self._refresh_timer.stop()  # this read includes whatever it waited for
        current, top = self._view_ids()
        self._cancel_background()
        self._counts_fresh = False  # the data changed: recounted below
        self.model.refresh(min_rows=self._rows_in_use() + ID_WINDOW)
        self._restore(current, top)
        self._keep_selection()
        self._update_footer()
        self._update_empty_state()
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

    # -- keyboard ----------------------------------------------------------------------------

    def _search_entered(self) -> None:
        """Enter in the search box: an exact number opens that application; a number that is
        not one is refused; otherwise one result opens and several are entered."""
        entry = classify(self.search_edit.text())
        if entry.kind == "number":
            self.number_requested.emit(entry.value)
        elif entry.kind == "bad_number":
            self.show_notice(
                self.tr(
                    "\u201c%1\u201d bukan nomor pendaftaran yang sah: %2. "
                    "Tidak ada permohonan yang dibuka."
                )
                .replace("%1", entry.value)
                .replace("%2", entry.reason)
            )
        elif self.model.rowCount() == 1:
            app_id = self.model.id_at(0)
            if app_id:
                self.open_requested.emit(app_id)
        else:
            self.enter_results()

    def _typed_on_table(self, text: str, stamp_ms: float = 0.0) -> None:
        """Typing on the table starts a new search, as Ctrl+F does (the old one is replaced)."""
        self._typeahead_at = time.monotonic()
        self.search_edit.note_key(self.search_edit.text(), stamp_ms)
        self.focus_search()
        self.search_edit.insert(text)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._restoring:
            self._wanted_rid = self.model.rid_at(current.row())

    def _keep_selection(self) -> None:
        """After a new query: select the person's application again if it is in the rows read
        (no extra SQL; past the window it is not looked for, to keep keystrokes cheap)."""
        if self._wanted_rid is None or self.table.currentIndex().isValid():
            return
        row = self.model.loaded_row_of_rid(self._wanted_rid)
        if row < 0:
            return
        self._restoring = True
        try:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self._restoring = False

    # -- filters -----------------------------------------------------------------------------

    def _fill_combos(self, services: list[str], offices: list[str]) -> None:
        combo = self.service_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("Semua layanan"), None)
        names = self._service_names
        labelled = sorted(((names.get(c, c), c) for c in services), key=lambda p: p[0].casefold())
        for label, code in labelled:
            combo.addItem(label, code)
            combo.setItemData(combo.count() - 1, code, Qt.ItemDataRole.ToolTipRole)
        idx = combo.findData(current) if current else 0
        combo.setCurrentIndex(max(idx, 0))
        combo.blockSignals(False)
        self.office_combo.fill(offices, self._office_names)

    def _load_filter_values(self) -> None:
        model = self.model
        (
            Op(OpKind.COUNT, self.tr("Memuat pilihan saringan"), lambda _ctx: model.filter_values())
            .success(lambda values: self._fill_combos(*values))
            .run(self._runner)
        )

    def query_from_controls(self) -> QueueQuery:
        status = self._status_key()
        statuses = OPEN_STATUSES if status == OPEN_KEY else (status,) if status else ()
        return replace(
            self.model.query,
            statuses=statuses,
            service_code=self.service_combo.currentData() or None,
            office_code=self.office_combo.currentData() or None,
            overdue=self.overdue_check.isChecked(),
            claimed_by=self._user_id if self.mine_check.isChecked() else None,
            ids=self._report_ids,
            text=self.search_edit.text(),
        )

    def _status_key(self) -> str:
        button = self.status_group.checkedButton()
        return str(button.property("status")) if button is not None else ""

    def _filtered(self) -> bool:
        """Anything narrows the list beyond "Semua"."""
        return bool(self._status_key()) or self._narrowed()

    def _narrowed(self) -> bool:
        """Search, service, office or a check box narrows the list (the status tab aside)."""
        q = self.model.query
        return bool(
            q.text.strip()
            or q.service_code
            or q.office_code
            or q.overdue
            or q.claimed_by
            or q.ids is not None
        )

    def _apply(self) -> None:
        self._cancel_background()
        self._counts_fresh = False
        self.clear_notice()
        self.model.set_query(self.query_from_controls())
        self._keep_selection()
        self._update_footer()
        self._update_window_note()
        self._update_empty_state()
        self._background_timer.start()

    def _status_toggled(self, _button: object, checked: bool) -> None:
        if checked:
            self._another_filter()
            self._apply()

    def _filters_changed(self, *_args: object) -> None:
        self._another_filter()
        self._apply()

    def _text_changed(self, _text: str) -> None:
        self._another_filter()
        self._apply()

    def _another_filter(self) -> None:
        """A report's list combines with nothing: another filter chosen ends it."""
        if self._report_ids is not None and not self._setting_report:
            self._drop_report_filter()

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
            Op(OpKind.COUNT, self.tr("Menghitung antrean"), op)
            .success(lambda counts: self._show_counts(token, counts))
            .run(self._runner)
        )

    def _start_completion(self, completion: Completion) -> None:
        def op(ctx: TaskContext) -> array[int]:
            try:
                return completion.run(should_stop=lambda: ctx.cancelled)
            except QueryCancelled:
                ctx.check_cancelled()
                raise

        self._background.append(
            Op(OpKind.COUNT, self.tr("Memuat antrean"), op)
            .success(lambda rids: self._completed(completion, rids))
            .failure(lambda exc, _message: self._completion_failed(completion, exc))
            .run(self._runner)
        )

    def _completed(self, completion: Completion, rids: array[int]) -> None:
        current, top = self._view_ids()
        if self.model.complete(completion, rids) == "reset":
            self._restore(current, top)
            self._update_empty_state()
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
        still_open = sum(counts.get(s, 0) for s in OPEN_STATUSES)
        self.status_buttons[OPEN_KEY].setText(
            self.tr("Belum selesai (%1)").replace("%1", f"{still_open:,}".replace(",", "."))
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
        if self._loading and self.model.rowCount() == 0:
            self.footer_label.setText(self.tr("Memuat antrean…"))
            return
        if total is None:
            n = f"{self.model.rowCount():,}".replace(",", ".")
            text = self.tr("Menampilkan %1+ permohonan (menghitung…)").replace("%1", n)
        else:
            text = self.tr("Menampilkan %1 permohonan").replace(
                "%1", f"{total:,}".replace(",", ".")
            )
        self.footer_label.setText(text)

    def _update_window_note(self) -> None:
        """Explain the 30-day local window wherever finished applications can be listed."""
        status = self._status_key()
        self.window_note.setVisible(status == "" or status in FINISHED_STATUSES)

    def _update_empty_state(self) -> None:
        if self.model.rowCount() > 0:
            self.empty_state.hide()
            return
        if self._loading:
            self.empty_state.show_message(
                self.tr("Memuat antrean…"),
                self.tr("Permohonan diunduh dari server untuk pertama kali di komputer ini."),
            )
        elif self._load_error:
            self.empty_state.show_message(
                self.tr("Antrean belum dapat dimuat."),
                self._load_error
                + " "
                + self.tr("Loket mencoba lagi sendiri begitu server dapat dihubungi."),
            )
        elif self._status_key() and not self._narrowed():
            # Only the status tab: nothing to clear, the tab is simply empty ("Perlu perbaikan
            # (0)" for an operator is good news, not a filter problem).
            label = self.status_buttons[self._status_key()].text().split(" (")[0]
            self.empty_state.show_message(
                self.tr("Tidak ada permohonan berstatus %1.").replace("%1", label),
                self.tr("Pilih tab lain di atas untuk melihat permohonan lainnya."),
            )
        elif self._filtered():
            self.empty_state.show_message(
                self.tr("Tidak ada permohonan yang cocok dengan saringan ini."),
                self._filter_summary(),
                clear=True,
            )
        else:
            self.empty_state.show_message(
                self.tr("Belum ada permohonan di antrean Anda."),
                self.tr("Permohonan baru muncul di sini setelah diperbarui dari server (F5)."),
            )

    def _filter_summary(self) -> str:
        q = self.model.query
        parts: list[str] = []
        if q.ids is not None:
            parts.append(self.report_caption.text())
        if q.text.strip():
            parts.append(self.tr("pencarian \u201c%1\u201d").replace("%1", q.text.strip()))
        button = self.status_group.checkedButton()
        if button is not None and self._status_key():
            label = button.text().split(" (")[0]
            parts.append(self.tr("status %1").replace("%1", label))
        if q.service_code:
            parts.append(self.service_combo.currentText())
        if q.office_code:
            parts.append(self.office_combo.currentText())
        if q.overdue:
            parts.append(self.overdue_check.text().lower())
        if q.claimed_by:
            parts.append(self.mine_check.text().lower())
        return self.tr("Saringan: %1.").replace("%1", ", ".join(parts)) if parts else ""
