"""Klaim: every active claim in the supervisor's scope, longest held first, refreshed every
minute and on F5; the selected one can be released or handed to another officer, each with a
required reason (the server records it and tells the former holder).

Keys: the table has focus first (Up/Down select), Alt+L releases, Alt+A reassigns, F5 reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.claims_supervision import ClaimsSupervisionController
from desktop.domain.workflow import parse_state
from desktop.services.claims_supervision import Candidate, HeldClaim, held_for
from desktop.views.claims.dialogs import ReassignDialog, ReleaseDialog
from desktop.views.record_table import RecordTable

REFRESH_MS = 60_000


class ClaimsPage(QWidget):
    COLUMNS = ("Nomor", "Layanan", "Status", "Kantor", "Pemegang", "Sejak", "Lama")

    def __init__(
        self,
        controller: ClaimsSupervisionController,
        parent: QWidget | None = None,
        *,
        service_names: Mapping[str, str] | None = None,
        office_names: Mapping[str, str] | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.service_names = dict(service_names or {})
        self.office_names = dict(office_names or {})
        self.zone: tzinfo = zone or ZoneInfo("Asia/Jakarta")
        self.claims: list[HeldClaim] = []
        self.dialog: ReleaseDialog | ReassignDialog | None = None
        self._done_text = ""
        """The last release/reassignment said, until the next list shows it with the count."""
        title = QLabel(self.tr("Klaim"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        hint = QLabel(
            self.tr("Siapa menangani permohonan mana dan sudah berapa lama (terlama di atas)."),
            self,
        )
        hint.setStyleSheet("QLabel { color: #605e5c; }")
        self.table = RecordTable([self.tr(c) for c in self.COLUMNS], 1, self)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.release_button = QPushButton(self.tr("&Lepas klaim…"), self)
        self.reassign_button = QPushButton(self.tr("&Alihkan ke…"), self)
        self.reload_button = QPushButton(self.tr("&Muat ulang (F5)"), self)
        self.release_button.clicked.connect(self.release)
        self.reassign_button.clicked.connect(self.reassign)
        self.reload_button.clicked.connect(self.reload)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        buttons = QHBoxLayout()
        buttons.addWidget(self.release_button)
        buttons.addWidget(self.reassign_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        controller.loaded.connect(self._loaded)
        controller.load_failed.connect(self._show_message)
        controller.changed.connect(self._done)
        controller.action_failed.connect(self._show_message)
        self._selection_changed()

    def set_names(
        self, *, services: Mapping[str, str] | None = None, offices: Mapping[str, str] | None = None
    ) -> None:
        """Service and office names (code -> name), e.g. once the catalogue arrived."""
        if services is not None:
            self.service_names = dict(services)
        if offices is not None:
            self.office_names = dict(offices)
        self._loaded(self.claims)

    def showEvent(self, event: QShowEvent) -> None:
        """Read on every show, then every minute while shown."""
        super().showEvent(event)
        self.reload()
        self.timer.start()
        self.table.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def reload(self) -> None:
        if not self.claims:
            self.message.setText(self.tr("Memuat…"))
        self.controller.refresh()

    def _when(self, value: datetime | None) -> str:
        return value.astimezone(self.zone).strftime("%d-%m-%Y %H:%M") if value else "-"

    def _status(self, raw: str) -> str:
        state = parse_state(raw)
        return state.label if state is not None else raw

    def _loaded(self, claims: list[HeldClaim]) -> None:
        keep = self.selected()
        self.claims = claims
        self.table.setRowCount(len(claims))
        for row, c in enumerate(claims):
            values = (
                c.number,
                self.service_names.get(c.service_code, c.service_code),
                self._status(c.status),
                self.office_names.get(c.office_code, c.office_code),
                f"{c.holder_name} ({c.holder_username})",
                self._when(c.since),
                held_for(c.held_seconds),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 4:
                    item.setToolTip(
                        self.tr("Klaim berlaku hingga %1").replace("%1", self._when(c.expires_at))
                    )
                self.table.setItem(row, col, item)
            if keep is not None and c.app_id == keep.app_id:
                self.table.selectRow(row)
        if claims and self.selected() is None:
            self.table.selectRow(0)
        if claims:
            count = self.tr("%1 klaim aktif").replace("%1", str(len(claims)))
        else:
            count = self.tr("Tidak ada klaim aktif.")
        done, self._done_text = self._done_text, ""
        self.message.setText(f"{done} {count}" if done else count)
        self._selection_changed()

    def _done(self, text: str) -> None:
        """A release or reassignment done: said now and kept in front of the count the
        refresh that follows writes (else the refresh wiped it before anyone read it)."""
        self._done_text = text
        self.message.setText(text)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    def selected(self) -> HeldClaim | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.claims):
            return None
        return self.claims[rows[0].row()]

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.release_button.setEnabled(chosen)
        self.reassign_button.setEnabled(chosen)

    def release(self) -> None:
        claim = self.selected()
        if claim is None:
            return
        dialog = ReleaseDialog(claim, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.controller.release(claim, dialog.reason()))
        dialog.finished.connect(lambda _r: self.table.setFocus())
        dialog.open()

    def reassign(self) -> None:
        claim = self.selected()
        if claim is None:
            return
        self.message.setText(self.tr("Memuat daftar petugas…"))
        self.controller.load_candidates(claim.app_id, self._chooser_for(claim), self._show_message)

    def _chooser_for(self, claim: HeldClaim) -> Callable[[list[Candidate]], None]:
        def open_dialog(candidates: list[Candidate]) -> None:
            self.message.setText("")
            dialog = ReassignDialog(claim, candidates, self)
            self.dialog = dialog

            def accepted() -> None:
                to = dialog.chosen()
                if to is not None:
                    self.controller.reassign(claim, to, dialog.reason())

            dialog.accepted.connect(accepted)
            dialog.finished.connect(lambda _r: self.table.setFocus())
            dialog.open()

        return open_dialog
