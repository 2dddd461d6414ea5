"""Pengguna: the accounts in the administrator's scope - create, (dis)able, move, reset password,
and the official's NIP (printed in the signature block of the letters they sign).

Every change goes to the server through `controllers.admin.AdminController`; the table shows
the server's answer (never a guess), and a failure is shown in the page's message line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.admin import AdminController
from desktop.services.admin import StaffMember
from desktop.views.admin.dialogs import (
    ROLE_NAMES,
    ConfirmDialog,
    MoveDialog,
    NewUserDialog,
    NipDialog,
    PasswordShownDialog,
)
from desktop.views.record_table import RecordTable, down_moves_to


class StaffPage(QWidget):
    COLUMNS = ("Nama", "Nama pengguna", "NIP", "Peran", "Kantor", "Status")
    STATUS_COLUMN = 5

    def __init__(
        self,
        controller: AdminController,
        offices: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.offices = dict(offices)
        self._shown = False
        self.members: list[StaffMember] = []
        self.dialog: (
            NewUserDialog | ConfirmDialog | MoveDialog | NipDialog | PasswordShownDialog | None
        ) = None
        title = QLabel(self.tr("Pengguna"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.table = RecordTable([self.tr(c) for c in self.COLUMNS], 0, self)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.new_button = QPushButton(self.tr("Pengguna &baru…"), self)
        self.toggle_button = QPushButton(self.tr("&Nonaktifkan…"), self)
        self.move_button = QPushButton(self.tr("&Pindah kantor…"), self)
        self.reset_button = QPushButton(self.tr("Atur &ulang kata sandi…"), self)
        self.nip_button = QPushButton(self.tr("Ubah N&IP…"), self)
        self.reload_button = QPushButton(self.tr("&Muat ulang"), self)
        # Hundreds of staff in a city: typing a part of a name, username or office narrows it.
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(self.tr("nama, nama pengguna, NIP, peran atau kantor"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(lambda _t: self._apply_filter())
        down_moves_to(self.filter_edit, self.table)
        filter_label = QLabel(self.tr("C&ari:"), self)
        filter_label.setBuddy(self.filter_edit)
        self.new_button.clicked.connect(self.new_user)
        self.toggle_button.clicked.connect(self.toggle_disabled)
        self.move_button.clicked.connect(self.move_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.nip_button.clicked.connect(self.change_nip)
        self.reload_button.clicked.connect(self.reload)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        buttons = QHBoxLayout()
        for b in self._member_buttons(with_new=True):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(filter_label)
        buttons.addWidget(self.filter_edit, 1)
        buttons.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._selection_changed()

    # -- loading ------------------------------------------------------------------------------

    def set_offices(self, offices: Mapping[str, str]) -> None:
        """Office names (code -> name), e.g. once the catalogue arrived; the table shows them."""
        self.offices = dict(offices)
        self._loaded(self.members)

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
        self.controller.load_users(self._loaded, self._failed)

    def _loaded(self, members: list[StaffMember]) -> None:
        current = self.selected()
        keep = current.id if current is not None else None
        self.members = members
        self.table.setRowCount(len(members))
        for row, m in enumerate(members):
            office = self.offices.get(m.office_code, m.office_code)
            values = (
                m.full_name,
                m.username,
                m.nip or "",
                ", ".join(self.tr(ROLE_NAMES.get(r, r)) for r in m.roles),
                office,
                self._status(m),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if m.disabled:
                    item.setForeground(Qt.GlobalColor.darkGray)
                self.table.setItem(row, col, item)
            if m.id == keep:
                self.table.selectRow(row)
        self.message.setText(self.tr("%n pengguna", "", len(members)))
        self._apply_filter()
        self._selection_changed()

    def _apply_filter(self) -> None:
        """Rows without every typed word (in any column, any case) are hidden."""
        words = self.filter_edit.text().casefold().split()
        shown = 0
        for row in range(self.table.rowCount()):
            text = " ".join(
                item.text() for c in range(self.table.columnCount())
                if (item := self.table.item(row, c)) is not None
            ).casefold()  # fmt: skip
            hide = not all(w in text for w in words)
            self.table.setRowHidden(row, hide)
            shown += not hide
        if words:
            self.message.setText(
                self.tr("%1 dari %2 pengguna")
                .replace("%1", str(shown))
                .replace("%2", str(self.table.rowCount()))
            )

    def _status(self, m: StaffMember) -> str:
        if m.disabled:
            return self.tr("Nonaktif")
        if m.locked_until is not None:
            return self.tr("Terkunci sementara")
        return self.tr("Aktif")

    def _failed(self, message: str) -> None:
        self.message.setText(message)

    def _changed(self, member: StaffMember, text: str) -> None:
        """The server's answer shows in its row at once; the list is then read again."""
        if any(m.id == member.id for m in self.members):
            self._loaded([member if m.id == member.id else m for m in self.members])
        self.message.setText(text)
        self.controller.load_users(self._loaded_keep_message(text), self._failed)

    def _loaded_keep_message(self, text: str) -> Callable[[list[StaffMember]], None]:
        def loaded(members: list[StaffMember]) -> None:
            self._loaded(members)
            self.message.setText(text)

        return loaded

    # -- selection ----------------------------------------------------------------------------

    def selected(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.members):
            return None
        return self.members[rows[0].row()]

    def _member_buttons(self, *, with_new: bool) -> list[QPushButton]:
        """The action buttons in their order on the page; all but "new" act on the selection."""
        acting = [self.toggle_button, self.move_button, self.reset_button, self.nip_button]
        return [self.new_button, *acting] if with_new else acting

    def _selection_changed(self) -> None:
        member = self.selected()
        for b in self._member_buttons(with_new=False):
            b.setEnabled(member is not None)
        # Alt+K, not Alt+A: that is "Cari" (an ambiguous mnemonic only moves the focus).
        self.toggle_button.setText(
            self.tr("A&ktifkan…") if member and member.disabled else self.tr("&Nonaktifkan…")
        )

    # -- actions ------------------------------------------------------------------------------

    def new_user(self) -> None:
        dialog = NewUserDialog(self.offices, self)
        self.dialog = dialog

        def accepted() -> None:
            self.controller.create_user(
                username=dialog.username_edit.text(),
                full_name=dialog.name_edit.text().strip(),
                password=dialog.password_edit.text(),
                roles=dialog.roles(),
                office_code=str(dialog.office_combo.currentData()),
                nip=dialog.nip(),
                done=lambda m: self._changed(
                    m, self.tr("Pengguna %1 dibuat.").replace("%1", m.username)
                ),
                failed=self._failed,
            )
            dialog.password_edit.clear()

        dialog.accepted.connect(accepted)
        dialog.open()

    def toggle_disabled(self) -> None:
        member = self.selected()
        if member is None:
            return
        if member.disabled:
            dialog = ConfirmDialog(
                self.tr("Aktifkan pengguna"),
                self.tr("Aktifkan lagi akun %1 (%2)? Kunci karena salah kata sandi ikut dilepas.")
                .replace("%1", member.username)
                .replace("%2", member.full_name),
                self.tr("&Aktifkan"),
                self,
            )
        else:
            dialog = ConfirmDialog(
                self.tr("Nonaktifkan pengguna"),
                self.tr(
                    "Nonaktifkan akun %1 (%2)? Semua sesinya berakhir saat itu juga, juga di "
                    "komputer lain. Pekerjaan yang belum terkirim di komputernya tidak dihapus."
                )
                .replace("%1", member.username)
                .replace("%2", member.full_name),
                self.tr("&Nonaktifkan"),
                self,
            )
        disable = not member.disabled
        self.dialog = dialog

        def accepted() -> None:
            text = (
                self.tr("Akun %1 dinonaktifkan.") if disable else self.tr("Akun %1 diaktifkan.")
            ).replace("%1", member.username)
            self.controller.set_disabled(
                member.id, disable, lambda m: self._changed(m, text), self._failed
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def move_user(self) -> None:
        member = self.selected()
        if member is None:
            return
        dialog = MoveDialog(member.username, member.office_code, self.offices, self)
        self.dialog = dialog

        def accepted() -> None:
            code = dialog.office_code()
            if code == member.office_code:
                return
            name = self.offices.get(code, code)
            text = (
                self.tr("%1 dipindahkan ke %2.").replace("%1", member.username).replace("%2", name)
            )
            self.controller.move(member.id, code, lambda m: self._changed(m, text), self._failed)

        dialog.accepted.connect(accepted)
        dialog.open()

    def change_nip(self) -> None:
        member = self.selected()
        if member is None:
            return
        dialog = NipDialog(member.username, member.full_name, member.nip, self)
        self.dialog = dialog

        def saved(m: StaffMember, nip: str) -> None:
            dialog.saved()
            text = (
                self.tr("NIP %1 diubah menjadi %2.").replace("%2", nip)
                if nip
                else self.tr("NIP %1 dikosongkan.")
            ).replace("%1", m.username)
            self._changed(m, text)

        def refused(message: str) -> None:
            dialog.refused(message)
            self._failed(message)

        def submitted(nip: str) -> None:
            self.controller.set_nip(member.id, nip, lambda m: saved(m, nip), refused)

        dialog.submitted.connect(submitted)
        dialog.open()

    def reset_password(self) -> None:
        member = self.selected()
        if member is None:
            return
        dialog = ConfirmDialog(
            self.tr("Atur ulang kata sandi"),
            self.tr(
                "Buat kata sandi sementara baru untuk %1? Kata sandi lamanya tidak berlaku lagi "
                "dan semua sesinya berakhir."
            ).replace("%1", member.username),
            self.tr("Buat &kata sandi"),
            self,
        )
        self.dialog = dialog

        def accepted() -> None:
            self.controller.reset_password(member.id, self._password_set, self._failed)

        dialog.accepted.connect(accepted)
        dialog.open()

    def _password_set(self, member: StaffMember, password: str) -> None:
        self.message.setText(self.tr("Kata sandi %1 diatur ulang.").replace("%1", member.username))
        dialog = PasswordShownDialog(member.username, password, self)
        self.dialog = dialog
        dialog.open()
