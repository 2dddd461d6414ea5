"""Perangkat: the PCs seen at the offices in scope; revoke one with a required reason.

A revoked PC can no longer sign in or sync (the server answers 403 ``device_revoked``); its
unsent work stays on it and can be exported. Revoked rows stay listed, marked as such.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.admin import AdminController
from desktop.services.admin import DeviceRecord
from desktop.views.admin.dialogs import RevokeDialog
from desktop.views.record_table import RecordTable


class DevicesPage(QWidget):
    COLUMNS = (
        "Kode",
        "Kantor",
        "Pertama terlihat",
        "Terakhir terlihat",
        "Pengguna terakhir",
        "Status",
    )

    def __init__(
        self,
        controller: AdminController,
        offices: Mapping[str, str],
        parent: QWidget | None = None,
        *,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.offices = dict(offices)
        self._shown = False
        self.zone: tzinfo = zone or ZoneInfo("Asia/Jakarta")
        self.devices: list[DeviceRecord] = []
        self.dialog: RevokeDialog | None = None
        self._pending: dict[str, str] = {}
        """device_id -> transaction id of a revocation asked for: a retry is the same one."""
        title = QLabel(self.tr("Perangkat"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.table = RecordTable([self.tr(c) for c in self.COLUMNS], 5, self)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.revoke_button = QPushButton(self.tr("&Cabut perangkat…"), self)
        self.reload_button = QPushButton(self.tr("&Muat ulang"), self)
        self.revoke_button.clicked.connect(self.revoke)
        self.reload_button.clicked.connect(self.reload)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._selection_changed()

    def _when(self, value: datetime | None) -> str:
        return value.astimezone(self.zone).strftime("%d-%m-%Y %H:%M") if value else "-"

    def set_offices(self, offices: Mapping[str, str]) -> None:
        """Office names (code -> name), e.g. once the catalogue arrived; the table shows them."""
        self.offices = dict(offices)
        self._loaded(self.devices)

    def showEvent(self, event: QShowEvent) -> None:
        """The list is read from the server the first time the page is shown."""
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            if not self.offices:  # the shell may not have them: the names come from the server
                self.controller.load_offices(self.set_offices, self._failed)
            self.reload()

    def reload(self) -> None:
        self.message.setText(self.tr("Memuat…"))
        self.controller.load_devices(self._loaded, self._failed)

    def _loaded(self, devices: list[DeviceRecord]) -> None:
        keep = self.selected()
        self.devices = devices
        self.table.setRowCount(len(devices))
        for row, d in enumerate(devices):
            if d.revoked:
                status = self.tr("Dicabut %1 oleh %2: %3").replace("%1", self._when(d.revoked_at))
                status = status.replace("%2", d.revoked_by or "-").replace(
                    "%3", d.revoked_reason or ""
                )
            else:
                status = self.tr("Aktif")
            values = (
                d.code,
                self.offices.get(d.office_code, d.office_code),
                self._when(d.first_seen),
                self._when(d.last_seen),
                d.last_username or "-",
                status,
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if d.revoked:
                    item.setForeground(Qt.GlobalColor.darkRed)
                    item.setToolTip(status)
                self.table.setItem(row, col, item)
            if keep is not None and (d.device_id, d.office_code) == (
                keep.device_id,
                keep.office_code,
            ):
                self.table.selectRow(row)
        revoked = sum(1 for d in devices if d.revoked)
        self.message.setText(
            self.tr("%1 perangkat, %2 dicabut")
            .replace("%1", str(len(devices)))
            .replace("%2", str(revoked))
        )
        self._selection_changed()

    def _failed(self, message: str) -> None:
        self.message.setText(message)

    def selected(self) -> DeviceRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.devices):
            return None
        return self.devices[rows[0].row()]

    def _selection_changed(self) -> None:
        device = self.selected()
        self.revoke_button.setEnabled(device is not None and not device.revoked)

    def revoke(self) -> None:
        device = self.selected()
        if device is None or device.revoked:
            return
        office = self.offices.get(device.office_code, device.office_code)
        dialog = RevokeDialog(device.code, office, self)
        self.dialog = dialog

        def accepted() -> None:
            tx = self._pending.setdefault(device.device_id, str(uuid.uuid4()))

            def done(record: DeviceRecord) -> None:
                self._pending.pop(device.device_id, None)
                self.message.setText(self.tr("Perangkat %1 dicabut.").replace("%1", record.code))
                self.controller.load_devices(self._loaded_keep(self.message.text()), self._failed)

            self.controller.revoke(device.device_id, dialog.reason(), tx, done, self._failed)

        dialog.accepted.connect(accepted)
        dialog.open()

    def _loaded_keep(self, text: str) -> Callable[[list[DeviceRecord]], None]:
        def loaded(devices: list[DeviceRecord]) -> None:
            self._loaded(devices)
            self.message.setText(text)

        return loaded
