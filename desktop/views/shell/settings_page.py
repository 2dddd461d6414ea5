"""Pengaturan: the few settings a counter officer may change, from the one settings schema.

The proxy is checked by the schema (`Settings.with_changes`): a bad one is refused with the
schema's Indonesian reason and nothing is saved. A proxy password is never shown again once
saved: the field shows ``http://***@proxy:8080`` and saving that unchanged keeps the password.
Enter in a field is "Simpan" (the page's one action; nothing here closes).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.services.api.proxy import mask_proxy_url
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings, settings_path
from desktop.views.scan.scanner_settings import ScannerSettings
from desktop.views.signing.settings_page import SigningSettings


class SettingsPage(QWidget):
    """Edit idle lock, refresh interval and language; server address is shown read-only.
    With a `runner`, the "Pemindai" section too (it saves each change at once)."""

    saved = Signal(object)  # Settings

    def __init__(
        self,
        settings: Settings,
        save: Callable[[Settings], None],
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._save = save
        heading = QLabel(self.tr("Pengaturan"), self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() + 4)
        font.setBold(True)
        heading.setFont(font)

        self.server_label = QLabel(settings.server_url or "-", self)
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ca_label = QLabel(settings.ca_bundle or self.tr("(bawaan sistem)"), self)
        self.idle_spin = QSpinBox(self)
        self.idle_spin.setRange(1, 240)
        self.idle_spin.setSuffix(self.tr(" menit"))
        self.idle_spin.setValue(settings.idle_lock_minutes)
        self.refresh_spin = QSpinBox(self)
        self.refresh_spin.setRange(10, 3600)
        self.refresh_spin.setSuffix(self.tr(" detik"))
        self.refresh_spin.setValue(settings.refresh_interval_seconds)
        self.language_combo = QComboBox(self)
        self.language_combo.addItem("Bahasa Indonesia", "id")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        self.proxy_edit = QLineEdit(self)
        self.proxy_edit.setPlaceholderText(self.tr("otomatis (HTTPS_PROXY atau proxy Windows)"))
        self.proxy_edit.setToolTip(
            self.tr(
                "Alamat proxy kantor, mis. http://proxy.kantor.go.id:8080 (boleh dengan nama "
                "dan sandi: http://nama:sandi@proxy:8080). Kosong: otomatis, dari HTTPS_PROXY "
                "atau pengaturan proxy Windows. Tulis 'langsung' untuk tanpa proxy. Server di "
                "komputer ini tidak pernah melalui proxy. Berlaku untuk permintaan berikutnya."
            )
        )
        self.proxy_edit.setAccessibleName(self.tr("Proxy"))
        self._show_proxy(settings.proxy)
        self.proxy_edit.returnPressed.connect(self.apply)

        form = QFormLayout()
        form.addRow(self.tr("Server"), self.server_label)
        form.addRow(self.tr("Sertifikat CA"), self.ca_label)
        form.addRow(self.tr("Kunci layar setelah tidak aktif"), self.idle_spin)
        form.addRow(self.tr("Perbarui antrean setiap"), self.refresh_spin)
        form.addRow(self.tr("Bahasa (berlaku setelah dibuka ulang)"), self.language_combo)
        form.addRow(self.tr("Proxy ke server"), self.proxy_edit)

        self.status_label = QLabel(self)
        self.status_label.setStyleSheet("QLabel { color: #0e700e; }")
        save_button = QPushButton(self.tr("Simpan"), self)
        save_button.setAutoDefault(False)
        save_button.clicked.connect(self.apply)
        self.save_button = save_button
        row = QHBoxLayout()
        row.addWidget(save_button)
        row.addWidget(self.status_label, 1)
        path = QLabel(self.tr("Berkas pengaturan: %1").replace("%1", str(settings_path())), self)
        path.setStyleSheet("QLabel { color: #8a8886; }")
        path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addLayout(row)
        self.scanners: ScannerSettings | None = None
        self.signing: SigningSettings | None = None  # issue 13
        if runner is not None:
            self.scanners = ScannerSettings(settings, self._scanner_saved, runner, self)
            self.signing = SigningSettings(settings, self._signing_saved, runner, self)
            sections = QHBoxLayout()  # side by side: both fit a 1366x768 screen
            sections.addWidget(self.scanners, 1, Qt.AlignmentFlag.AlignTop)
            sections.addWidget(self.signing, 1, Qt.AlignmentFlag.AlignTop)
            layout.addLayout(sections)
        layout.addStretch(1)
        layout.addWidget(path)

    def set_settings(self, settings: Settings) -> None:
        """The settings as saved elsewhere since (the print preview's receipt layout, paper and
        printer): "Simpan" changes its own fields on them, never back to the copy it began
        with."""
        self._settings = settings
        if self.scanners is not None:
            self.scanners.set_settings(settings)
        if self.signing is not None:
            self.signing.set_settings(settings)

    def _scanner_saved(self, new: Settings) -> None:
        """The "Pemindai" section's change, on the page's settings (raises OSError)."""
        merged = self._settings.with_changes(
            escl_addresses=new.escl_addresses,
            hot_folder=new.hot_folder,
            scan_profiles=new.scan_profiles,
            scan_device=new.scan_device,
        )
        self._save(merged)
        self._settings = merged
        self.saved.emit(merged)

    def _signing_saved(self, new: Settings) -> None:
        """The "Tanda tangan elektronik" section's change, on the page's settings."""
        merged = self._settings.with_changes(
            sign_method=new.sign_method,
            sign_pkcs12_path=new.sign_pkcs12_path,
            bsre_url=new.bsre_url,
            bsre_api=new.bsre_api,
            tsa_url=new.tsa_url,
            signature_trust_roots=new.signature_trust_roots,
        )
        self._save(merged)
        self._settings = merged
        self.saved.emit(merged)

    def _show_proxy(self, value: str) -> None:
        self._proxy_shown = mask_proxy_url(value)
        self.proxy_edit.setText(self._proxy_shown)

    def _proxy_value(self) -> str:
        """What the field means: unchanged masked text keeps the saved value (its password)."""
        text = self.proxy_edit.text().strip()
        if text == self._proxy_shown:
            return self._settings.proxy
        return text

    def _fail(self, text: str) -> None:
        self.status_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.status_label.setText(text)

    def apply(self) -> None:
        try:
            new = self._settings.with_changes(
                idle_lock_minutes=self.idle_spin.value(),
                refresh_interval_seconds=self.refresh_spin.value(),
                language=str(self.language_combo.currentData()),
                proxy=self._proxy_value(),
            )
        except ValueError as exc:
            self._fail(self.tr("Proxy tidak disimpan: %1.").replace("%1", str(exc)))
            self.proxy_edit.setFocus()
            return
        try:
            self._save(new)
        except OSError as exc:
            self._fail(self.tr("Gagal menyimpan: %1").replace("%1", str(exc)))
            return
        self._settings = new
        self._show_proxy(new.proxy)
        self.status_label.setStyleSheet("QLabel { color: #0e700e; }")
        self.status_label.setText(self.tr("Tersimpan."))
        self.saved.emit(new)
