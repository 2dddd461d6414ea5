"""First run: where is the server, and can we reach it safely?

The officer (or the technician installing the PC) types the server address, optionally picks
the office's internal CA file, and presses "Uji koneksi". The probe runs on a worker; its answer
says in plain Indonesian what is wrong (DNS, refused, timeout, certificate, not a Loket server,
wrong API version). "Simpan" is allowed only after a successful test of exactly these values,
so a counter never starts with an address that cannot work.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.api.diagnose import ConnectionReport
from desktop.services.tasks import TaskContext, TaskRunner

Probe = Callable[[str, str | None], ConnectionReport]


class ServerDialog(QDialog):
    """Server address + optional CA bundle + connection test."""

    tested = Signal(object)  # ConnectionReport, for tests and logging

    def __init__(
        self,
        runner: TaskRunner,
        probe: Probe,
        *,
        server_url: str = "",
        ca_bundle: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._probe = probe
        self._ok_for: tuple[str, str] | None = None
        self.report: ConnectionReport | None = None
        self.setWindowTitle(self.tr("Loket — Alamat server"))
        self.setMinimumWidth(560)

        intro = QLabel(
            self.tr(
                "Masukkan alamat server Loket dari administrator Disdukcapil/Diskominfo, "
                "lalu tekan "
                "\u201cUji koneksi\u201d."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.url_edit = QLineEdit(server_url, self)
        self.url_edit.setPlaceholderText("https://loket.pekanbaru.go.id")
        self.url_edit.textChanged.connect(self._values_changed)
        self.ca_edit = QLineEdit(ca_bundle, self)
        self.ca_edit.setPlaceholderText(self.tr("(opsional) berkas CA internal, format PEM"))
        self.ca_edit.textChanged.connect(self._values_changed)
        browse = QPushButton(self.tr("Pilih…"), self)
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(self.tr("Alamat server"), self.url_edit)
        form.addRow(self.tr("Sertifikat CA"), ca_row)

        self.test_button = QPushButton(self.tr("Uji koneksi"), self)
        self.test_button.clicked.connect(self.run_test)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setMinimumHeight(48)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            self.tr("Simpan"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.tr("Batal"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._values_changed()

    # -- values ------------------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        if self.report is not None and self.report.ok and self.report.server_url:
            return self.report.server_url
        return self.url_edit.text().strip()

    @property
    def ca_bundle(self) -> str:
        return self.ca_edit.text().strip()

    def _key(self) -> tuple[str, str]:
        return self.url_edit.text().strip(), self.ca_bundle

    def _values_changed(self) -> None:
        self.save_button.setEnabled(self._ok_for is not None and self._ok_for == self._key())
        self.test_button.setEnabled(bool(self.url_edit.text().strip()))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Pilih berkas sertifikat CA"),
            "",
            self.tr("Sertifikat (*.pem *.crt *.cer);;Semua berkas (*)"),
        )
        if path:
            self.ca_edit.setText(path)

    # -- test --------------------------------------------------------------------------------

    def run_test(self) -> None:
        url, ca = self._key()
        if not url:
            return
        self.test_button.setEnabled(False)
        self.progress.show()
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Menghubungi server…"))

        def probe(_ctx: TaskContext) -> ConnectionReport:
            return self._probe(url, ca or None)

        self._runner.submit(
            self.tr("Uji koneksi"), probe, on_done=lambda r: self._show_report((url, ca), r)
        )

    def _show_report(self, key: tuple[str, str], report: ConnectionReport) -> None:
        self.progress.hide()
        self.report = report
        self._ok_for = key if report.ok else None
        text = report.message + (f"\n{report.warning}" if report.warning else "")
        color = "#0e700e" if report.ok else "#b3261e"
        self.result_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.result_label.setText(text)
        self._values_changed()
        self.tested.emit(report)
