"""Audit: search what users did (user, application, action, device, period), check the hash
chains and see exactly where one breaks, export the result to CSV.

The page is read-only: administrators and supervisors see what the server shows them (their
offices' rows, NIKs masked). Enter in any filter searches; the period defaults to the last
seven days. "Periksa rantai" shows green when every chain is intact, red naming the first bad
row and the failed check, with a button that shows that row alone, selected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.audit_viewer import AuditViewerController
from desktop.services.audit_viewer import AuditEvent, AuditFilters, EventPage, VerifyResult
from desktop.views.audit.table_model import SOURCE_NAMES, AuditTableModel

DEFAULT_DAYS = 7
OK_STYLE = "color: #1b5e20; background: #e8f5e9; padding: 6px; border-radius: 4px;"
BAD_STYLE = "color: #b71c1c; background: #ffebee; padding: 6px; border-radius: 4px;"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AuditPage(QWidget):
    def __init__(
        self,
        controller: AuditViewerController,
        parent: QWidget | None = None,
        *,
        zone: tzinfo | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.zone = zone or ZoneInfo("Asia/Jakarta")
        self._today = today or (lambda: datetime.now(self.zone).date())
        self._shown = False
        self._generation = 0
        """Bumped by each new search: a late answer of an older one is dropped."""
        self.filters = AuditFilters()
        self.verification: VerifyResult | None = None
        self._broken_ref: str | None = None
        self._broken_day: date | None = None
        self._broken_check = ""
        self._select_ref: str | None = None
        self.choose_export_path: Callable[[], Path | None] = self._ask_export_path
        self.exporting = False

        title = QLabel(self.tr("Log audit"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")

        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText(self.tr("nama pengguna atau id"))
        self.application_edit = QLineEdit(self)
        self.application_edit.setPlaceholderText(self.tr("nomor registrasi atau id"))
        self.kind_edit = QLineEdit(self)
        self.kind_edit.setPlaceholderText(self.tr("mis. login, print_receipt"))
        self.device_edit = QLineEdit(self)
        self.device_edit.setPlaceholderText(self.tr("id perangkat"))
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.installEventFilter(self)
        self._default_period()
        for line in (self.user_edit, self.application_edit, self.kind_edit, self.device_edit):
            line.setClearButtonEnabled(True)
            line.returnPressed.connect(self.search)

        self.search_button = QPushButton(self.tr("&Cari"), self)
        self.search_button.clicked.connect(self.search)
        self.clear_button = QPushButton(self.tr("&Kosongkan"), self)
        self.clear_button.clicked.connect(self.clear_filters)

        grid = QGridLayout()
        fields: list[tuple[str, QWidget]] = [
            (self.tr("&Pengguna"), self.user_edit),
            (self.tr("Per&mohonan"), self.application_edit),
            (self.tr("&Tindakan"), self.kind_edit),
            (self.tr("Pera&ngkat"), self.device_edit),
            (self.tr("&Dari"), self.from_edit),
            (self.tr("&Sampai"), self.to_edit),
        ]
        for i, (text, widget) in enumerate(fields):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, i // 3, (i % 3) * 2)
            grid.addWidget(widget, i // 3, (i % 3) * 2 + 1)
        grid.addWidget(self.search_button, 0, 6)
        grid.addWidget(self.clear_button, 1, 6)

        self.verify_button = QPushButton(self.tr("Periksa &rantai"), self)
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton(self.tr("&Ekspor CSV…"), self)
        self.export_button.clicked.connect(self.export)
        self.show_broken_button = QPushButton(self.tr("Tampilkan &baris rusak"), self)
        self.show_broken_button.clicked.connect(self.show_broken_row)
        self.show_broken_button.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.verify_button)
        actions.addWidget(self.show_broken_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)

        self.verify_label = QLabel(self)
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_label.hide()

        self.model = AuditTableModel(self.zone, self.load_more)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((140, 75, 150, 100, 130, 120)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)

        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(self.tr("Pilih satu baris untuk melihat rinciannya."))
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.more_button = QPushButton(self.tr("Muat &lebih banyak"), self)
        self.more_button.clicked.connect(self.load_more)
        self.more_button.setEnabled(False)
        self.status_label = QLabel(self)
        self.export_label = QLabel(self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.export_label, 1)
        bottom.addWidget(self.more_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addLayout(actions)
        layout.addWidget(self.verify_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.setMinimumSize(900, 500)

    # -- first show ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.search()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a date field searches, as it does in the text fields."""
        if (
            watched in (self.from_edit, self.to_edit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.search()
            return True
        return super().eventFilter(watched, event)

    # -- search ----------------------------------------------------------------------------

    def current_filters(self) -> AuditFilters:
        start, end = _pydate(self.from_edit.date()), _pydate(self.to_edit.date())
        return AuditFilters(
            user=self.user_edit.text(),
            application=self.application_edit.text(),
            kind=self.kind_edit.text(),
            device=self.device_edit.text(),
            start=start,
            end=end,
        )

    def clear_filters(self) -> None:
        for line in (self.user_edit, self.application_edit, self.kind_edit, self.device_edit):
            line.clear()
        self._default_period()
        self.search()

    def _default_period(self) -> None:
        """The last seven days, today included."""
        day = self._today()
        self.from_edit.setDate(_qdate(day - timedelta(days=DEFAULT_DAYS - 1)))
        self.to_edit.setDate(_qdate(day))

    def search(self, filters: AuditFilters | None = None) -> None:
        wanted = filters if isinstance(filters, AuditFilters) else self.current_filters()
        if wanted.start and wanted.end and wanted.end < wanted.start:
            self.status_label.setText(self.tr("Tanggal 'Sampai' lebih awal dari 'Dari'."))
            return
        self.filters = wanted
        self._generation += 1
        self.model.reset()
        self.detail.clear()
        self._request(None)

    def load_more(self) -> None:
        if self.model.next_cursor is not None and not self.model.loading:
            self._request(self.model.next_cursor)

    def _request(self, cursor: str | None) -> None:
        generation = self._generation
        self.model.loading = True
        self.more_button.setEnabled(False)
        self.status_label.setText(self.tr("Mencari…"))
        self.controller.search(
            self.filters,
            cursor,
            lambda page: self._arrived(generation, page),
            lambda message: self._failed(generation, message),
            relevant=lambda: generation == self._generation,
        )

    def _arrived(self, generation: int, page: EventPage) -> None:
        if generation != self._generation:
            return
        self.model.loading = False
        first = self.model.rowCount() == 0
        self.model.append(page.items, page.next_cursor)
        count = self.model.rowCount()
        self.more_button.setEnabled(page.next_cursor is not None)
        if count == 0:
            self.status_label.setText(self.tr("Tidak ada data untuk penyaring ini."))
        elif page.next_cursor is not None:
            self.status_label.setText(self.tr("%n baris ditampilkan; masih ada lagi.", "", count))
        else:
            self.status_label.setText(self.tr("%n baris ditampilkan (semua).", "", count))
        target = self.model.row_of(self._select_ref) if self._select_ref else None
        if target is not None:
            self._select_ref = None
            self.select_row(target)
        elif first and count:
            self.select_row(0)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.model.loading = False
        self.more_button.setEnabled(self.model.next_cursor is not None)
        self.status_label.setText(message)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def selected(self) -> AuditEvent | None:
        return self.model.event_at(self.table.currentIndex().row())

    def _show_detail(self) -> None:
        event = self.selected()
        if event is None:
            self.detail.clear()
            return
        lines: list[str] = []
        if self._broken_ref == event.ref and self._broken_check:
            lines += [self.tr("BARIS RUSAK: %1.").replace("%1", self._broken_check), ""]
        lines += [
            self.tr("Sumber: %1").replace(
                "%1", self.tr(SOURCE_NAMES.get(event.source, event.source))
            ),
            self.tr("Id: %1").replace("%1", event.id),
            self.tr("Urutan dalam rantai: %1").replace(
                "%1", "-" if event.position is None else str(event.position)
            ),
            self.tr("Waktu: %1").replace(
                "%1", event.at.astimezone(self.zone).strftime("%d-%m-%Y %H:%M:%S.%f")
            ),
        ]
        if event.received_at is not None:
            lines.append(
                self.tr("Diterima server: %1").replace(
                    "%1", event.received_at.astimezone(self.zone).strftime("%d-%m-%Y %H:%M:%S")
                )
            )
        lines += [
            self.tr("Tindakan: %1").replace("%1", event.kind),
            self.tr("Pengguna: %1").replace(
                "%1", f"{event.actor_username or '-'} ({event.actor_id or '-'})"
            ),
            self.tr("Permohonan: %1").replace(
                "%1", f"{event.registration_number or '-'} ({event.application_id or '-'})"
            ),
            self.tr("Perangkat: %1").replace("%1", event.device_id or "-"),
        ]
        if event.chain_id:
            lines.append(self.tr("Rantai: %1").replace("%1", event.chain_id))
        lines += [
            self.tr("Hash: %1").replace("%1", event.hash),
            self.tr("Hash sebelumnya: %1").replace("%1", event.prev_hash or "-"),
            "",
            self.tr("Rincian:"),
            json.dumps(event.details, ensure_ascii=False, indent=2, sort_keys=True),
        ]
        self.detail.setPlainText("\n".join(lines))

    # -- chain check -----------------------------------------------------------------------

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_label.show()
        self.verify_label.setStyleSheet("")
        self.verify_label.setText(self.tr("Memeriksa rantai audit…"))
        self.show_broken_button.hide()
        self.controller.verify(self._verified, self._verify_failed)

    def _verified(self, result: VerifyResult) -> None:
        self.verify_button.setEnabled(True)
        self.verification = result
        if result.ok:
            server = result.chains[0]
            self.verify_label.setStyleSheet(OK_STYLE)
            self.verify_label.setText(
                self.tr("Rantai audit utuh: %1 baris server dan %2 rantai perangkat diperiksa.")
                .replace("%1", str(server.entries))
                .replace("%2", str(len(result.chains) - 1))
            )
            self._broken_ref = None
            return
        broken = result.broken
        first = broken[0]
        where = first.where
        if first.source == "server":
            chain = self.tr("Rantai server")
        else:
            chain = (
                self.tr("Rantai perangkat %1 (rantai %2)")
                .replace("%1", first.device_id or "-")
                .replace("%2", (first.chain_id or "-")[:8])
            )
        if where is None:
            text = self.tr("%1 rusak.").replace("%1", chain)
        elif where.check == "missing" and where.row_id is None:
            text = (
                self.tr("%1 rusak: %n baris terakhir hilang, mulai baris ke-%2.", "", where.missing)
                .replace("%1", chain)
                .replace("%2", str(where.position))
            )
        elif where.check == "missing":
            text = (
                self.tr(
                    "%1 rusak pada baris ke-%2: %n baris hilang sebelum baris id %3 "
                    "(%4, tindakan %5).",
                    "",
                    where.missing,
                )
                .replace("%1", chain)
                .replace("%2", str(where.position))
                .replace("%3", where.row_id or "-")
                .replace("%4", self._local(where.at))
                .replace("%5", where.kind or "-")
            )
        else:
            text = (
                self.tr("%1 rusak pada baris ke-%2 (id %3, %4, tindakan %5): %6.")
                .replace("%1", chain)
                .replace("%2", str(where.position))
                .replace("%3", where.row_id or "-")
                .replace("%4", self._local(where.at))
                .replace("%5", where.kind or "-")
                .replace("%6", self.tr(where.check_text))
            )
        if len(broken) > 1:
            text += " " + self.tr("%n rantai lain juga rusak.", "", len(broken) - 1)
        self.verify_label.setStyleSheet(BAD_STYLE)
        self.verify_label.setText(text)
        self._broken_ref = first.ref()
        self._broken_check = self.tr(where.check_text) if where else ""
        self._broken_day = where.at.astimezone(self.zone).date() if where and where.at else None
        self.show_broken_button.setVisible(self._broken_ref is not None)

    def _local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%d-%m-%Y %H:%M:%S") if moment else "-"

    def _verify_failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        self.verify_label.setStyleSheet(BAD_STYLE)
        self.verify_label.setText(message)

    def show_broken_row(self) -> None:
        """The broken row alone (whatever the period), selected, its detail shown."""
        if self._broken_ref is None:
            return
        for line in (self.user_edit, self.application_edit, self.kind_edit, self.device_edit):
            line.clear()
        if self._broken_day is not None:  # the fields say what is shown: that row's day
            self.from_edit.setDate(_qdate(self._broken_day))
            self.to_edit.setDate(_qdate(self._broken_day))
        self._select_ref = self._broken_ref
        self.search(AuditFilters(ref=self._broken_ref))
        self.table.setFocus()

    # -- export ----------------------------------------------------------------------------

    def _ask_export_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Ekspor log audit"),
            f"log-audit-{self._today().isoformat()}.csv",
            self.tr("Berkas CSV (*.csv)"),
        )
        return Path(name) if name else None

    def export(self) -> None:
        if self.exporting:
            return
        path = self.choose_export_path()
        if path is None:
            return
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        self.exporting = True
        self.export_button.setEnabled(False)
        self.export_label.setText(self.tr("Mengekspor…"))
        self.controller.export(
            self.filters,
            path,
            lambda rows: self.export_label.setText(self.tr("Mengekspor… %n baris", "", rows)),
            lambda rows: self._exported(path, rows),
            self._export_failed,
        )

    def _exported(self, path: Path, rows: int) -> None:
        self.exporting = False
        self.export_button.setEnabled(True)
        self.export_label.setText(
            self.tr("Selesai: %n baris diekspor ke %1", "", rows).replace("%1", path.name)
        )

    def _export_failed(self, message: str) -> None:
        self.exporting = False
        self.export_button.setEnabled(True)
        self.export_label.setText(self.tr("Ekspor gagal: %1").replace("%1", message))
