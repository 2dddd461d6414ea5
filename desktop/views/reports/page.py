"""Laporan: the supervisor's reports (DESIGN 2.7, issue 14) — the daily officer report, the
monthly evaluation and officer performance, with filters (period preset or custom dates,
office grouped by kecamatan, service, officer), totals, charts and tables.

A number is a way into the queue: a click (or Enter on a table cell, Space on a total) emits
`open_in_queue(QueueFilters)` with the status / service / office / officer / period behind it;
the shell connects it to the queue. Cetak… shows the very PDF that Simpan PDF… writes; the
exports carry the page's numbers. All server calls and file writing run on workers with
progress; the page stays usable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.reports import Loaded, ReportsController
from desktop.services.documents.pdf_parts import Paper
from desktop.services.operations import Op, OpKind
from desktop.services.reports.data import ACTIVITY, COUNT_KEYS, period_label
from desktop.services.reports.drill import ReportList, fetch_list
from desktop.services.reports.model import (
    NO_DATA,
    Column,
    ColumnKind,
    QueueFilters,
    ReportKind,
    Request,
    format_cell,
)
from desktop.services.reports.periods import Period, Preset, period_for
from desktop.services.tasks import Progress, TaskContext
from desktop.settings import Settings
from desktop.views.print_preview.dialog import PrintPreviewDialog
from desktop.views.queue.office_filter import OfficeCombo

CELL_ROLE = int(Qt.ItemDataRole.UserRole) + 10
CHART_WIDTH = 430


class ReportsPage(QWidget):
    open_in_queue = Signal(object)
    """A `QueueFilters`: the applications behind the clicked number."""
    settingsChanged = Signal(object)

    def __init__(
        self,
        controller: ReportsController,
        *,
        settings: Settings,
        office_names: Mapping[str, str] | None = None,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._settings = settings
        self._today = today
        self._office_names: dict[str, str] = dict(office_names or {})
        self._officers: dict[str, str] = {}
        self.loaded: Loaded | None = None
        self.message = ""
        self._shown = False
        """The first load waits for the page to be shown: building the shell costs no request."""
        self._build()
        self._fill_offices()
        self._preset_changed()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.setWindowTitle(self.tr("Laporan"))
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 6, 8, 6)
        filters = QGridLayout()
        self.kind_combo = QComboBox()
        for kind, title in (
            (ReportKind.DAILY, self.tr("Laporan harian petugas")),
            (ReportKind.MONTHLY, self.tr("Evaluasi bulanan")),
            (ReportKind.IKM, self.tr("Survei kepuasan (IKM)")),
            (ReportKind.OFFICERS, self.tr("Kinerja petugas")),
        ):
            self.kind_combo.addItem(title, kind)
        self.preset_combo = QComboBox()
        for preset, title in (
            (Preset.TODAY, self.tr("Hari ini")),
            (Preset.YESTERDAY, self.tr("Kemarin")),
            (Preset.THIS_WEEK, self.tr("Minggu ini")),
            (Preset.THIS_MONTH, self.tr("Bulan ini")),
            (Preset.LAST_MONTH, self.tr("Bulan lalu")),
            (Preset.CUSTOM, self.tr("Pilih tanggal…")),
        ):
            self.preset_combo.addItem(title, preset)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
        self.office_combo = OfficeCombo(self.tr("Semua kantor di wilayah saya"))
        self.service_combo = QComboBox()
        self.service_combo.addItem(self.tr("Semua layanan"), None)
        for code, name in sorted(
            self.controller.service_names.items(), key=lambda p: p[1].casefold()
        ):
            self.service_combo.addItem(name, code)
        self.officer_combo = QComboBox()
        self.officer_combo.addItem(self.tr("Semua petugas"), None)
        self.paper_combo = QComboBox()
        self.paper_combo.addItem("A4", "A4")
        self.paper_combo.addItem(self.tr("F4 (215 × 330 mm)"), "F4")
        self.paper_combo.setCurrentIndex(
            max(0, self.paper_combo.findData(self._settings.receipt_paper))
        )
        self.show_button = QPushButton(self.tr("Tampilkan (F5)"))
        for combo in (
            self.kind_combo,
            self.preset_combo,
            self.office_combo,
            self.service_combo,
            self.officer_combo,
            self.paper_combo,
        ):  # long names must not widen the page past a 1366 px screen
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)

        def labelled(text: str, widget: QWidget) -> QLabel:
            label = QLabel(text)
            label.setBuddy(widget)
            return label

        filters.addWidget(labelled(self.tr("&Laporan:"), self.kind_combo), 0, 0)
        filters.addWidget(self.kind_combo, 0, 1)
        filters.addWidget(labelled(self.tr("&Periode:"), self.preset_combo), 0, 2)
        filters.addWidget(self.preset_combo, 0, 3)
        filters.addWidget(labelled(self.tr("&Dari:"), self.from_edit), 0, 4)
        filters.addWidget(self.from_edit, 0, 5)
        filters.addWidget(labelled(self.tr("&Sampai:"), self.to_edit), 0, 6)
        filters.addWidget(self.to_edit, 0, 7)
        filters.addWidget(labelled(self.tr("&Kantor:"), self.office_combo), 1, 0)
        filters.addWidget(self.office_combo, 1, 1)
        filters.addWidget(labelled(self.tr("La&yanan:"), self.service_combo), 1, 2)
        filters.addWidget(self.service_combo, 1, 3)
        filters.addWidget(labelled(self.tr("Pe&tugas:"), self.officer_combo), 1, 4)
        filters.addWidget(self.officer_combo, 1, 5)
        filters.addWidget(labelled(self.tr("Ke&rtas:"), self.paper_combo), 1, 6)
        filters.addWidget(self.paper_combo, 1, 7)
        filters.addWidget(self.show_button, 0, 8, 2, 1)
        filters.setColumnStretch(1, 2)
        filters.setColumnStretch(3, 2)
        filters.setColumnStretch(5, 1)
        root.addLayout(filters)

        status = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        status.addWidget(self.progress)
        status.addWidget(self.status_label, 1)
        root.addLayout(status)

        self.totals_row = QHBoxLayout()
        self.total_buttons: dict[str, QPushButton] = {}
        for key, title, _action, _statuses in ACTIVITY:
            button = QPushButton()
            button.setProperty("total", key)
            button.setToolTip(self.tr("Buka permohonannya di Antrean"))
            button.setStyleSheet(
                "QPushButton { border: 1px solid #c8c6c4; border-radius: 6px; padding: 4px 8px;"
                " background: #faf9f8; text-align: left; }"
                "QPushButton:focus { border: 2px solid #0f6cbd; }"
            )
            button.clicked.connect(lambda _c=False, k=key: self._total_clicked(k))
            self.total_buttons[key] = button
            self.totals_row.addWidget(button)
            button.setProperty("title", title)
        # the survey's index in place of the activity totals (IKM: no count of applications)
        self.headline_label = QLabel()
        self.headline_label.setObjectName("ikm_headline")
        self.headline_label.setStyleSheet("font-size: 12pt; font-weight: bold; padding: 4px;")
        self.headline_label.hide()
        self.totals_row.addWidget(self.headline_label, 1)
        root.addLayout(self.totals_row)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        splitter.addWidget(self.tabs)
        self.chart_scroll = QScrollArea()
        self.chart_scroll.setWidgetResizable(True)
        self.chart_host = QWidget()
        self.chart_column = QVBoxLayout(self.chart_host)
        self.chart_column.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chart_scroll.setWidget(self.chart_host)
        self.chart_scroll.setMinimumWidth(CHART_WIDTH // 2)
        splitter.addWidget(self.chart_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([10_000, CHART_WIDTH + 30])  # the table gets what the charts leave
        root.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.print_button = QPushButton(self.tr("&Cetak… (Ctrl+P)"))
        self.pdf_button = QPushButton(self.tr("Si&mpan PDF…"))
        self.xlsx_button = QPushButton(self.tr("Ekspor &XLSX…"))
        self.csv_button = QPushButton(self.tr("Ekspor CS&V…"))
        for button in (self.print_button, self.pdf_button, self.xlsx_button, self.csv_button):
            buttons.addWidget(button)
            button.setEnabled(False)
        buttons.addStretch(1)
        root.addLayout(buttons)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.preset_combo.currentIndexChanged.connect(self._preset_changed)
        for combo in (self.office_combo, self.service_combo, self.officer_combo):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.from_edit.dateChanged.connect(self._dates_edited)
        self.to_edit.dateChanged.connect(self._dates_edited)
        self.paper_combo.currentIndexChanged.connect(self._paper_changed)
        self.show_button.clicked.connect(self.reload)
        self.print_button.clicked.connect(self.print_preview)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_preview)

    # -- filters -----------------------------------------------------------------------------

    def set_office_names(self, names: Mapping[str, str]) -> None:
        """The server's office list (the shell's `set_office_names`)."""
        self._office_names = dict(names)
        self._fill_offices()

    def _fill_offices(self) -> None:
        scope = self.controller.office_code
        codes = [c for c in self._office_names if c == scope or c.startswith(scope + ".")]
        self.office_combo.blockSignals(True)
        self.office_combo.fill(codes or [scope], self._office_names)
        self.office_combo.blockSignals(False)

    def _kind_changed(self) -> None:
        kind = ReportKind(self.kind_combo.currentData())
        wanted = {
            ReportKind.DAILY: Preset.TODAY,
            ReportKind.MONTHLY: Preset.LAST_MONTH,
            ReportKind.OFFICERS: Preset.THIS_MONTH,
            ReportKind.IKM: Preset.LAST_MONTH,
        }[kind]
        # the survey is not counted per officer: the server takes no officer for it
        self.officer_combo.setEnabled(kind is not ReportKind.IKM)
        index = self.preset_combo.findData(wanted)
        if index == self.preset_combo.currentIndex():
            self.reload()
        else:
            self.preset_combo.setCurrentIndex(index)

    def _preset_changed(self) -> None:
        preset = Preset(self.preset_combo.currentData())
        custom = preset is Preset.CUSTOM
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom:
            period = period_for(preset, self._today())
            for edit, day in ((self.from_edit, period.start), (self.to_edit, period.end)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.reload()

    def _dates_edited(self) -> None:
        if self.preset_combo.currentData() == Preset.CUSTOM:
            self.reload()

    def period(self) -> Period:
        start, end = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        if self.kind_combo.currentData() == ReportKind.DAILY:
            end = start  # one day: the first of the chosen dates
        return Period(start, end)

    def request(self) -> Request:
        period = self.period()
        kind = ReportKind(self.kind_combo.currentData())
        return Request(
            kind,
            period.start,
            period.end,
            office=self.office_combo.currentData() or None,
            service=self.service_combo.currentData() or None,
            officer=(self.officer_combo.currentData() or None)
            if kind is not ReportKind.IKM
            else None,
        )

    def _scope_label(self) -> str:
        code = self.office_combo.currentData() or self.controller.office_code
        return self._office_names.get(code) or (
            self.controller.office_name if code == self.controller.office_code else code
        )

    def _paper_changed(self) -> None:
        paper = self.paper_combo.currentData()
        self._settings = self._settings.with_changes(receipt_paper=paper)
        self.settingsChanged.emit(self._settings)

    @property
    def paper(self) -> Paper:
        return "F4" if self.paper_combo.currentData() == "F4" else "A4"

    # -- loading -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.reload()

    def reload(self) -> None:
        if not self._shown:
            return
        request = self.request()
        if request.end < request.start:
            self._set_status(self.tr("Tanggal akhir lebih awal dari tanggal awal."), error=True)
            return
        self._busy(True, self.tr("Memuat laporan…"))
        self.controller.load(
            request, self._scope_label(), self._loaded, self._failed, self._progress
        )

    def _progress(self, progress: Progress) -> None:
        self.progress.setRange(0, progress.total or 0)
        self.progress.setValue(progress.done)
        if progress.text:
            self.status_label.setText(progress.text)

    def _busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        if text:
            self._set_status(text)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.message = text
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #a4262c;" if error else "")

    def _failed(self, message: str) -> None:
        self._busy(False)
        self._set_status(message, error=True)

    def _loaded(self, loaded: Loaded) -> None:
        self._busy(False)
        self.loaded = loaded
        report = loaded.report
        text = self.tr("%1 — %2: %3").replace("%1", report.title)
        text = text.replace("%2", period_label(report)).replace("%3", report.scope_label)
        if report.no_data:
            text += " — " + self.tr("tidak ada data untuk saringan ini")
        self._set_status(text)
        self._remember_officers(loaded)
        self._show_totals(report.totals)
        self._show_headline(report.headline)
        self._show_tables(loaded)
        self._show_charts(loaded.charts)
        for button in (self.print_button, self.pdf_button, self.xlsx_button, self.csv_button):
            button.setEnabled(True)

    def _remember_officers(self, loaded: Loaded) -> None:
        for table in loaded.report.tables:
            for row in table.rows:
                if row.keys.officer_id and isinstance(row.cells[0], str):
                    self._officers.setdefault(row.keys.officer_id, row.cells[0])
        combo = self.officer_combo
        have = {combo.itemData(i) for i in range(combo.count())}
        combo.blockSignals(True)
        for uid, name in sorted(self._officers.items(), key=lambda p: p[1].casefold()):
            if uid not in have:
                combo.addItem(name, uid)
        combo.blockSignals(False)

    def _show_totals(self, totals: Mapping[str, int] | None) -> None:
        for key in COUNT_KEYS:
            button = self.total_buttons[key]
            value = None if totals is None else totals.get(key)
            button.setText(f"{button.property('title')}\n{format_cell(value, ColumnKind.COUNT)}")
            button.setEnabled(value is not None)

    def _show_headline(self, headline: str) -> None:
        """The IKM's line replaces the activity totals, which the survey does not have."""
        self.headline_label.setText(headline)
        self.headline_label.setVisible(bool(headline))
        for button in self.total_buttons.values():
            button.setVisible(not headline)

    def _show_tables(self, loaded: Loaded) -> None:
        current = self.tabs.currentIndex()
        while self.tabs.count():
            widget = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if widget is not None:
                widget.deleteLater()
        for t_index, table in enumerate(loaded.report.tables):
            view = QTableWidget(max(1, len(table.rows)), len(table.columns))
            view.setObjectName(f"table_{table.key}")
            view.setHorizontalHeaderLabels([c.title for c in table.columns])
            view.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            view.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectItems)
            view.verticalHeader().hide()
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            if table.empty:
                view.setItem(0, 0, QTableWidgetItem(NO_DATA))
            for r, row in enumerate(table.rows):
                for c, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
                    item = QTableWidgetItem(format_cell(value, column.kind))
                    if column.kind is not ColumnKind.TEXT:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    if row.total:
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                    if self._drillable(column, value):
                        item.setData(CELL_ROLE, (t_index, r, c))
                        item.setToolTip(self.tr("Klik atau Enter: buka di Antrean"))
                        item.setForeground(Qt.GlobalColor.darkBlue)
                    view.setItem(r, c, item)
            view.cellClicked.connect(lambda r, c, v=view: self._cell_chosen(v, r, c))
            view.activated.connect(
                lambda index, v=view: self._cell_chosen(v, index.row(), index.column())
            )
            self.tabs.addTab(view, table.title)
        if 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)

    @staticmethod
    def _drillable(column: Column, value: object) -> bool:
        """A positive count of applications (not the oldest age in days)."""
        return (
            column.kind is ColumnKind.COUNT
            and column.report is not None
            and isinstance(value, int)
            and value > 0
        )

    def _show_charts(self, charts: list[tuple[str, bytes | None]]) -> None:
        while self.chart_column.count():
            item = self.chart_column.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        for title, png in charts:
            label = QLabel()
            label.setWordWrap(True)
            if png is None:
                label.setText(f"{title}: {NO_DATA}")
            else:
                pixmap = QPixmap()
                pixmap.loadFromData(png, "PNG")
                label.setPixmap(
                    pixmap.scaledToWidth(CHART_WIDTH, Qt.TransformationMode.SmoothTransformation)
                )
                label.setAccessibleName(title)
            self.chart_column.addWidget(label)

    # -- click-through -----------------------------------------------------------------------

    def _cell_chosen(self, view: QTableWidget, row: int, column: int) -> None:
        item = view.item(row, column)
        where = item.data(CELL_ROLE) if item is not None else None
        if self.loaded is None or not where:
            return
        t_index, r, c = where
        table = self.loaded.report.tables[t_index]
        filters = self.loaded.report.drill(table, table.rows[r], table.columns[c])
        if filters is not None:
            self._open(filters)

    def _total_clicked(self, key: str) -> None:
        if self.loaded is None:
            return
        report = self.loaded.report
        table = report.tables[0]
        column = next(c for c in table.columns if c.key == key)
        total = next((r for r in table.rows if r.total), None)
        if total is not None:
            filters = report.drill(table, total, column)
            if filters is not None:
                self._open(filters)

    def _open(self, filters: QueueFilters) -> None:
        """Read the applications behind the number, then emit them (`listed`). When they cannot
        be read (offline), the number's rough filters are emitted and the reason said here."""
        if not filters.report:
            self.open_in_queue.emit(filters)
            return
        source = self.controller.source
        self.status_label.setText(self.tr("Membaca permohonan di balik angka ini…"))
        self.progress.setRange(0, 0)
        self.progress.show()

        def read(_ctx: TaskContext) -> ReportList:
            return fetch_list(source, filters)

        def done(listed: ReportList) -> None:
            self.progress.hide()
            self.status_label.setText(listed.caption)
            self.open_in_queue.emit(replace(filters, listed=listed))

        def failed(message: str) -> None:
            self.progress.hide()
            self.message = self.tr("Daftar permohonan tidak dapat dibaca: %1").replace(
                "%1", message
            )
            self.status_label.setText(self.message)
            self.open_in_queue.emit(filters)

        (
            Op(OpKind.FIND, self.tr("Membaca permohonan dari laporan"), read)
            .success(done)
            .failure(lambda _exc, message: failed(message))
            .run(self.controller.runner)
        )

    def drill_filters(self, key: str) -> QueueFilters | None:
        """What a click on the total `key` emits (for the shell's tests)."""
        if self.loaded is None:
            return None
        table = self.loaded.report.tables[0]
        total = next((r for r in table.rows if r.total), None)
        column = next(c for c in table.columns if c.key == key)
        return None if total is None else self.loaded.report.drill(table, total, column)

    # -- print and export --------------------------------------------------------------------

    def ask_path(self, caption: str, suggested: str, file_filter: str) -> Path | None:
        """The OS save dialog (tests replace this one call)."""
        path, _ = QFileDialog.getSaveFileName(self, caption, suggested, file_filter)
        return Path(path) if path else None

    def _file_stem(self) -> str:
        if self.loaded is None:
            return "laporan"
        r = self.loaded.report.request
        stem = self.loaded.report.title.replace(" ", "_")
        return f"{stem}_{r.start.isoformat()}" + ("" if r.start == r.end else f"_{r.end}")

    def export(self, fmt: str) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        caption, file_filter = {
            "pdf": (self.tr("Simpan PDF laporan"), self.tr("PDF (*.pdf)")),
            "xlsx": (self.tr("Ekspor XLSX"), self.tr("Buku kerja Excel (*.xlsx)")),
            "csv": (self.tr("Ekspor CSV"), self.tr("CSV (*.csv)")),
        }[fmt]
        path = self.ask_path(caption, f"{self._file_stem()}.{fmt}", file_filter)
        if path is None:
            return
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        self._busy(True, self.tr("Menyimpan %1…").replace("%1", path.name))
        self.controller.export(
            loaded,
            fmt,
            path,
            self.paper,
            lambda _data: self._exported(path),
            self._failed,
        )

    def _exported(self, path: Path) -> None:
        self._busy(False)
        self._set_status(self.tr("Tersimpan: %1").replace("%1", str(path)))

    def print_preview(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        self._busy(True, self.tr("Menyusun PDF…"))
        self.controller.export(loaded, "pdf", None, self.paper, self._show_preview, self._failed)

    def _show_preview(self, pdf: bytes) -> None:
        self._busy(False)
        if self.loaded is None:
            return
        self.preview = PrintPreviewDialog(
            pdf,
            title=self.loaded.report.title,
            settings=self._settings,
            parent=self,
            file_name=self._file_stem(),
        )
        self.preview.open()
