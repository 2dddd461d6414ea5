"""Pengaturan > Pemindai: this PC's scanner settings, saved the moment they change.

- **Network scanners by address** (eSCL): for a scanner in another subnet, which mDNS cannot
  see (NAPS2 #254, #360, #858). An address is saved only after the scanner answered its
  capabilities on a worker (a typo would otherwise sit in every device search, waiting for its
  timeout); the field keeps a refused address so it can be corrected.
- **Hot folder**: where the vendor's scan program writes files (choose / clear).
- **Profiles**: made in the scan dialog ("Simpan profil…"); listed and deleted here.
- **Default scanner**: the one the scan dialog chooses first; the scan dialog also sets it to
  the last one used. The list comes from a device search on a worker.

Each change goes through `save` (the settings page's: file write, then `saved`), so the scan
dialog opened next sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.scan import SCANNER_LANE
from desktop.services.operations import Op, OpKind
from desktop.services.scanning.device import Capabilities, ScannerInfo
from desktop.services.scanning.escl import PREFIX as ESCL_PREFIX
from desktop.services.scanning.escl import EsclBackend, normalise_address
from desktop.services.scanning.profiles import load_profiles, without_profile
from desktop.services.scanning.registry import Scanners
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.settings import Settings

CHECK_TIMEOUT = 5.0
"""Seconds an address has to answer before "Tambah" gives up (the dialog's scans wait longer)."""
OK_STYLE = "QLabel { color: #0e700e; }"
FAIL_STYLE = "QLabel { color: #b3261e; }"


def scanner_part(settings: Settings) -> tuple[object, ...]:
    """The settings this section shows and changes."""
    return (
        settings.escl_addresses,
        settings.hot_folder,
        settings.scan_profiles,
        settings.scan_device,
    )


class ScannerSettings(QGroupBox):
    """The "Pemindai" section. `save(settings)` writes the settings (raises OSError)."""

    def __init__(
        self,
        settings: Settings,
        save: Callable[[Settings], None],
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        super().__init__(self.tr("Pemindai (setiap perubahan langsung tersimpan)"), parent)
        self._settings = settings
        self._save = save
        self._runner = runner
        self._check_timeout = check_timeout
        self._checking = ""
        self._devices: list[ScannerInfo] = []  # the last search's
        self._searched = False
        self._closed = [False]
        runner.add_lane(SCANNER_LANE, 2)  # a silent address must not hold the default lane

        self.address_list = QListWidget(self)
        self.address_list.setObjectName("scan-escl-list")
        self.address_list.setMaximumHeight(72)
        self.address_edit = QLineEdit(self)
        self.address_edit.setObjectName("scan-escl-address")
        self.address_edit.setPlaceholderText(self.tr("mis. 10.0.5.20 atau http://10.0.5.20/eSCL"))
        self.address_edit.setAccessibleName(self.tr("Alamat pemindai jaringan"))
        self.add_button = QPushButton(self.tr("Tambah"), self)
        self.add_button.setAutoDefault(False)
        self.remove_address_button = QPushButton(self.tr("Hapus alamat"), self)
        self.remove_address_button.setAutoDefault(False)
        address_row = QHBoxLayout()
        address_row.addWidget(self.address_edit, 1)
        address_row.addWidget(self.add_button)
        address_row.addWidget(self.remove_address_button)

        self.folder_label = QLabel(self)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_folder_button = QPushButton(self.tr("Pilih folder…"), self)
        self.choose_folder_button.setAutoDefault(False)
        self.clear_folder_button = QPushButton(self.tr("Matikan"), self)
        self.clear_folder_button.setAutoDefault(False)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.choose_folder_button)
        folder_row.addWidget(self.clear_folder_button)

        self.profile_list = QListWidget(self)
        self.profile_list.setObjectName("scan-profile-list")
        self.profile_list.setMaximumHeight(72)
        self.delete_profile_button = QPushButton(self.tr("Hapus profil"), self)
        self.delete_profile_button.setAutoDefault(False)
        profile_row = QHBoxLayout()
        profile_row.addWidget(self.profile_list, 1)
        profile_row.addWidget(self.delete_profile_button, 0, Qt.AlignmentFlag.AlignTop)

        self.device_box = QComboBox(self)
        self.device_box.setObjectName("scan-default-device")
        self.search_button = QPushButton(self.tr("Cari pemindai"), self)
        self.search_button.setAutoDefault(False)
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_box, 1)
        device_row.addWidget(self.search_button)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("scan-settings-status")
        self.status_label.setWordWrap(True)

        form = QFormLayout()
        address_box = QVBoxLayout()
        address_box.addWidget(self.address_list)
        address_box.addLayout(address_row)
        form.addRow(self.tr("Pemindai jaringan (alamat)"), address_box)
        form.addRow(self.tr("Folder pindaian"), folder_row)
        form.addRow(self.tr("Profil pindai"), profile_row)
        form.addRow(self.tr("Pemindai utama"), device_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status_label)

        self.address_edit.returnPressed.connect(self.add_address)
        self.add_button.clicked.connect(self.add_address)
        self.remove_address_button.clicked.connect(self.remove_address)
        self.choose_folder_button.clicked.connect(self.choose_folder)
        self.clear_folder_button.clicked.connect(self.clear_folder)
        self.delete_profile_button.clicked.connect(self.delete_profile)
        self.search_button.clicked.connect(self.search_devices)
        self.device_box.activated.connect(self._device_chosen)
        closed = self._closed
        self.destroyed.connect(lambda: closed.__setitem__(0, True))
        self._open: Callable[[], bool] = lambda: not closed[0]
        self._show()

    # -- showing ---------------------------------------------------------------------------

    def set_settings(self, settings: Settings) -> None:
        """The settings as saved elsewhere (a profile made in the scan dialog); shown again
        only when a scanner setting differs (a search's device list stays otherwise)."""
        changed = scanner_part(settings) != scanner_part(self._settings)
        self._settings = settings
        if changed:
            self._show()

    @property
    def settings(self) -> Settings:
        return self._settings

    def _show(self) -> None:
        s = self._settings
        self.address_list.clear()
        self.address_list.addItems(list(s.escl_addresses))
        self.folder_label.setText(s.hot_folder or self.tr("(tidak dipakai)"))
        self.clear_folder_button.setEnabled(bool(s.hot_folder))
        self.profile_list.clear()
        self.profile_list.addItems([p.name for p in load_profiles(s)])
        self._fill_devices()
        self._update()

    def _fill_devices(self) -> None:
        box, current = self.device_box, self._settings.scan_device
        box.clear()
        box.addItem(self.tr("(yang pertama ditemukan)"), "")
        for info in self._devices:
            box.addItem(info.name, info.id)
        if current and box.findData(current) < 0:
            # not found now (off, another subnet): still shown, by its id
            label = self.tr("%1 (tidak ditemukan)").replace("%1", current)
            box.addItem(label if self._searched else current, current)
        box.setCurrentIndex(max(0, box.findData(current)))

    def showEvent(self, event: QShowEvent) -> None:
        """The first time the page is shown with a saved scanner, search once, so that it is
        named ("frontend-tester", "Canon DR-C225") rather than shown as its id (real window:
        "sane:test:0")."""
        super().showEvent(event)
        if not self._searched and self._settings.scan_device and self.search_button.isEnabled():
            self.search_devices()

    def _update(self) -> None:
        checking = bool(self._checking)
        self.add_button.setEnabled(not checking)
        self.address_edit.setReadOnly(checking)
        self.remove_address_button.setEnabled(self.address_list.count() > 0)
        self.delete_profile_button.setEnabled(self.profile_list.count() > 0)

    def _say(self, text: str, ok: bool = True) -> None:
        self.status_label.setStyleSheet(OK_STYLE if ok else FAIL_STYLE)
        self.status_label.setText(text)

    def _store(self, new: Settings, done: str) -> bool:
        try:
            self._save(new)
        except OSError as exc:
            self._say(self.tr("Gagal menyimpan: %1").replace("%1", str(exc)), ok=False)
            return False
        self._settings = new
        self._show()
        self._say(done)
        return True

    # -- network scanners --------------------------------------------------------------------

    def add_address(self) -> None:
        """Ask the typed address for its capabilities on a worker; save it when it answers."""
        if self._checking:
            return
        try:
            base = normalise_address(self.address_edit.text())
        except ValueError:
            self._say(
                self.tr("Alamat tidak dikenali. Tulis mis. 10.0.5.20 atau http://10.0.5.20/eSCL."),
                ok=False,
            )
            return
        if base in self._settings.escl_addresses:
            self._say(self.tr("Alamat itu sudah ada."), ok=False)
            return
        self._checking = base
        self._update()
        self._say(self.tr("Menghubungi %1 …").replace("%1", base))
        timeout = self._check_timeout

        def ask(_ctx: TaskContext) -> Capabilities:
            backend = EsclBackend(discover=False, timeout=timeout, busy_delays=())
            return backend.capabilities(ESCL_PREFIX + base)

        Op(OpKind.SCAN, self.tr("Memeriksa pemindai jaringan"), ask, lane=SCANNER_LANE).success(
            lambda _caps: self._answered(base)
        ).failure(lambda _exc, message: self._refused(base, message)).relevant_while(
            self._open
        ).run(self._runner)

    def _answered(self, base: str) -> None:
        self._checking = ""
        addresses = (*self._settings.escl_addresses, base)
        if self._store(
            self._settings.with_changes(escl_addresses=addresses),
            self.tr("Pemindai di %1 menjawab; alamat disimpan.").replace("%1", base),
        ):
            self.address_edit.clear()
        self._update()

    def _refused(self, base: str, message: str) -> None:
        self._checking = ""
        self._update()
        self._say(
            self.tr("Pemindai di %1 tidak menjawab; alamat tidak disimpan. %2")
            .replace("%1", base)
            .replace("%2", message),
            ok=False,
        )

    def remove_address(self) -> None:
        item = self.address_list.currentItem()
        if item is None:
            return
        gone = item.text()
        kept = tuple(a for a in self._settings.escl_addresses if a != gone)
        self._store(
            self._settings.with_changes(escl_addresses=kept),
            self.tr("Alamat %1 dihapus.").replace("%1", gone),
        )

    # -- hot folder --------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder tempat aplikasi pemindai menyimpan"), self._settings.hot_folder
        )
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        self._store(
            self._settings.with_changes(hot_folder=folder),
            self.tr("Folder pindaian: %1").replace("%1", folder),
        )

    def clear_folder(self) -> None:
        self._store(
            self._settings.with_changes(hot_folder=""), self.tr("Folder pindaian tidak dipakai.")
        )

    # -- profiles ----------------------------------------------------------------------------

    def delete_profile(self) -> None:
        item = self.profile_list.currentItem()
        if item is None:
            return
        name = item.text()
        self._store(
            without_profile(self._settings, name),
            self.tr("Profil %1 dihapus.").replace("%1", name),
        )

    # -- default scanner ---------------------------------------------------------------------

    def search_devices(self) -> None:
        """List the devices of these settings (typed addresses, hot folder included)."""
        scanners = Scanners(self._settings)
        self.search_button.setEnabled(False)
        self._say(self.tr("Mencari pemindai…"))

        def found(devices: list[ScannerInfo]) -> None:
            self.search_button.setEnabled(True)
            self._searched = True
            self._devices = list(devices)
            self._fill_devices()
            self._say(self.tr("%n pemindai ditemukan.", "", len(devices)))

        def failed(_exc: Exception, message: str) -> None:
            self.search_button.setEnabled(True)
            self._say(message, ok=False)

        def listed(_ctx: TaskContext) -> list[ScannerInfo]:
            try:
                return scanners.devices()
            finally:
                scanners.close()

        Op(OpKind.SCAN, self.tr("Mencari pemindai"), listed, lane=SCANNER_LANE).success(
            found
        ).failure(failed).relevant_while(self._open).run(self._runner)

    def _device_chosen(self, _index: int) -> None:
        data = self.device_box.currentData()
        device = data if isinstance(data, str) else ""
        if device == self._settings.scan_device:
            return
        self._store(
            self._settings.with_changes(scan_device=device),
            self.tr("Pemindai utama: %1").replace("%1", self.device_box.currentText()),
        )
