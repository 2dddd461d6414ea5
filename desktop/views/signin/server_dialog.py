"""First run: where is the server, and can we reach it safely?

The officer (or the technician installing the PC) types the server address, optionally picks
the office's internal CA file, and presses "Uji koneksi". The probe runs on a worker; its answer
says in plain Indonesian what is wrong (DNS, refused, timeout, certificate, not a Loket server,
wrong API version). "Simpan" is allowed only after a successful test of exactly these values,
so a counter never starts with an address that cannot work.

Keys (`desktop.views.dialogs`): Enter runs "Uji koneksi"; once the test passed for exactly the
values shown, Enter saves ("Simpan" becomes the default). "Batal" is never the default, and Esc
during a test stops the test rather than closing the dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
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
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner
from desktop.views.dialogs import set_main_button

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
        self._test: TaskHandle | None = None
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
        self.cancel_button = self.buttons.addButton(
            self.tr("Batal"), QDialogButtonBox.ButtonRole.RejectRole
        )
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

    @property
    def testing(self) -> bool:
        return self._test is not None

    def _values_changed(self) -> None:
        ok = self._ok_for is not None and self._ok_for == self._key()
        self.save_button.setEnabled(ok and not self.testing)
        self.test_button.setEnabled(bool(self.url_edit.text().strip()) and not self.testing)
        # Enter: save once these exact values passed the test, otherwise test them.
        set_main_button(self, self.save_button if ok else self.test_button)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.testing:
            self.cancel_test()
            event.accept()
            return
        super().keyPressEvent(event)  # Enter: the default button (nothing while testing)

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
        if not url or self.testing:
            return
        if self.test_button.hasFocus():  # it is disabled now: focus would go on to "Batal"
            self.url_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.progress.show()
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Menghubungi server… (Esc menghentikan uji)"))
        probe_fn = self._probe

        def probe(_ctx: TaskContext) -> ConnectionReport:
            return probe_fn(url, ca or None)

        self._test = self._runner.submit(
            self.tr("Uji koneksi"), probe, on_done=lambda r: self._show_report((url, ca), r)
        )
        self._values_changed()

    def cancel_test(self) -> None:
        """Stop waiting for the connection test (Esc); its answer is ignored."""
        if self._test is None:
            return
        self._test.cancel()
        self._test = None
        self.progress.hide()
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Uji koneksi dihentikan."))
        self._values_changed()

    def _show_report(self, key: tuple[str, str], report: ConnectionReport) -> None:
        self._test = None
        self.progress.hide()
        self.report = report
        self._ok_for = key if report.ok else None
        text = report.message + (f"\n{report.warning}" if report.warning else "")
        color = "#0e700e" if report.ok else "#b3261e"
        self.result_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.result_label.setText(text)
        self._values_changed()
        self.tested.emit(report)
