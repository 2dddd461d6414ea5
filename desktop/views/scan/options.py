"""The scan dialog's left column: which scanner, and how (source, DPI, colour, paper, blank
pages), with the PC's profiles. Choices the device cannot do are not offered once its
capabilities are known; until then (or when it cannot be asked) the common ones are."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.services.scanning.device import (
    Capabilities,
    ColourMode,
    Paper,
    ScannerInfo,
    ScanSettings,
    Source,
)
from desktop.services.scanning.profiles import ScanProfile

COMMON_DPI = (150, 200, 300, 400, 600)


class ScanOptions(QGroupBox):
    device_chosen = Signal(str)
    """A device id the officer (or a profile) picked."""
    refresh_requested = Signal()
    save_profile_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Pemindai"), parent)
        self.device_box = QComboBox(self)
        self.device_box.setObjectName("scan-device")
        self.device_box.setMinimumContentsLength(18)
        self.device_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.refresh_button = QPushButton(self.tr("Cari"), self)
        self.refresh_button.setToolTip(self.tr("Cari pemindai lagi"))
        self.source_box = QComboBox(self)
        self.dpi_box = QComboBox(self)
        self.mode_box = QComboBox(self)
        self.paper_box = QComboBox(self)
        self.remove_blank = QCheckBox(self.tr("Buang halaman kosong"), self)
        self.remove_blank.setToolTip(
            self.tr(
                "Matikan bila memakai lembar kosong sebagai pemisah antar dokumen "
                "(lalu tekan 'Pisah di lembar kosong')."
            )
        )
        self.deskew = QCheckBox(self.tr("Luruskan halaman miring"), self)
        self.profile_box = QComboBox(self)
        self.profile_box.setObjectName("scan-profile")
        self.save_profile_button = QPushButton(self.tr("Simpan profil…"), self)

        device_row = QHBoxLayout()
        device_row.setContentsMargins(0, 0, 0, 0)
        device_row.addWidget(self.device_box, 1)
        device_row.addWidget(self.refresh_button)
        form = QFormLayout(self)
        form.addRow(self.tr("Pro&fil:"), self.profile_box)
        form.addRow(self.save_profile_button)
        device_label = QLabel(self.tr("Pe&mindai:"), self)
        device_label.setBuddy(self.device_box)  # a row holding a layout gets no buddy itself
        form.addRow(device_label, device_row)
        form.addRow(self.tr("&Sumber:"), self.source_box)
        form.addRow(self.tr("&Resolusi:"), self.dpi_box)
        form.addRow(self.tr("&Warna:"), self.mode_box)
        form.addRow(self.tr("&Kertas:"), self.paper_box)
        form.addRow(self.remove_blank)
        form.addRow(self.deskew)

        self._source_names = {
            Source.FLATBED: self.tr("Kaca (flatbed)"),
            Source.FEEDER: self.tr("Pengumpan (ADF)"),
            Source.DUPLEX: self.tr("Pengumpan, dua sisi"),
        }
        self._mode_names = {
            ColourMode.COLOUR: self.tr("Berwarna"),
            ColourMode.GREY: self.tr("Abu-abu"),
            ColourMode.BW: self.tr("Hitam-putih"),
        }
        self.paper_box.addItem("A4", Paper.A4.value)
        self.paper_box.addItem(self.tr("F4 (215 × 330 mm)"), Paper.F4.value)
        self.set_capabilities(None)
        self.set_devices(None)
        self.profiles: list[ScanProfile] = []
        self.set_profiles([])
        self.device_box.activated.connect(self._device_activated)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.profile_box.activated.connect(self._profile_activated)
        self.save_profile_button.clicked.connect(self.save_profile_requested)

    # -- devices ------------------------------------------------------------------------------

    def set_devices(self, devices: Sequence[ScannerInfo] | None, wanted: str = "") -> None:
        """None: still searching. Keeps `wanted` (else the current) device selected."""
        current = wanted or self.device_id()
        self.device_box.clear()
        if devices is None:
            self.device_box.addItem(self.tr("Mencari pemindai…"), "")
            self.device_box.setEnabled(False)
            return
        self.device_box.setEnabled(True)
        if not devices:
            self.device_box.addItem(self.tr("Tidak ada pemindai ditemukan"), "")
            return
        for info in devices:
            self.device_box.addItem(info.name, info.id)
            self.device_box.setItemData(
                self.device_box.count() - 1, info.detail or info.id, Qt.ItemDataRole.ToolTipRole
            )
        found = self.device_box.findData(current) if current else -1
        self.device_box.setCurrentIndex(max(0, found))

    def device_id(self) -> str:
        data = self.device_box.currentData()
        return data if isinstance(data, str) else ""

    def _device_activated(self, _index: int) -> None:
        if self.device_id():
            self.device_chosen.emit(self.device_id())

    # -- settings -----------------------------------------------------------------------------

    def set_capabilities(self, caps: Capabilities | None) -> None:
        """Offer what the device can do (None: the common choices), keeping current choices
        where they are still offered (the DPI: the nearest offered)."""
        keep = self.settings() if self.source_box.count() else ScanSettings()
        sources = caps.sources if caps and caps.sources else tuple(Source)
        modes = caps.modes if caps and caps.modes else tuple(ColourMode)
        dpis = caps.resolutions if caps and caps.resolutions else COMMON_DPI
        self._fill(self.source_box, [(self._source_names[s], s.value) for s in sources])
        self._fill(self.mode_box, [(self._mode_names[m], m.value) for m in modes])
        self._fill(self.dpi_box, [(f"{d} dpi", d) for d in sorted(set(dpis))])
        self.apply_settings(keep, caps)

    @staticmethod
    def _fill(box: QComboBox, items: Sequence[tuple[str, object]]) -> None:
        box.clear()
        for text, data in items:
            box.addItem(text, data)

    def apply_settings(self, settings: ScanSettings, caps: Capabilities | None = None) -> None:
        self._choose(self.source_box, settings.source.value)
        self._choose(self.mode_box, settings.mode.value)
        self._choose(self.paper_box, settings.paper.value)
        dpi = caps.nearest_dpi(settings.dpi) if caps else settings.dpi
        if self.dpi_box.findData(dpi) < 0:
            self.dpi_box.addItem(f"{dpi} dpi", dpi)
        self._choose(self.dpi_box, dpi)
        self.remove_blank.setChecked(settings.remove_blank)
        self.deskew.setChecked(settings.deskew)

    @staticmethod
    def _choose(box: QComboBox, data: object) -> None:
        found = box.findData(data)
        if found >= 0:
            box.setCurrentIndex(found)

    def settings(self) -> ScanSettings:
        default = ScanSettings()
        dpi = self.dpi_box.currentData()
        return ScanSettings(
            source=Source(self.source_box.currentData() or default.source.value),
            dpi=int(dpi) if isinstance(dpi, int) else default.dpi,
            mode=ColourMode(self.mode_box.currentData() or default.mode.value),
            paper=Paper(self.paper_box.currentData() or default.paper.value),
            remove_blank=self.remove_blank.isChecked(),
            deskew=self.deskew.isChecked(),
        )

    # -- profiles -----------------------------------------------------------------------------

    def set_profiles(self, profiles: Sequence[ScanProfile], current: str = "") -> None:
        self.profiles = list(profiles)
        self.profile_box.clear()
        self.profile_box.addItem(self.tr("(tanpa profil)"), "")
        for p in self.profiles:
            self.profile_box.addItem(p.name, p.name)
        self._choose(self.profile_box, current)

    def _profile_activated(self, _index: int) -> None:
        name = self.profile_box.currentData()
        profile = next((p for p in self.profiles if p.name == name), None)
        if profile is None:
            return
        self.apply_settings(profile.settings)
        if profile.device_id:
            found = self.device_box.findData(profile.device_id)
            if found >= 0:
                self.device_box.setCurrentIndex(found)
                self.device_chosen.emit(profile.device_id)
