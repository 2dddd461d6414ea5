"""Tandatangani for a Disdukcapil service (issue 13): the outputs come from SIAK as PDFs; the
validator imports each one here, sees it and what its existing signatures say, and signs them
all at once with one secret (`controllers.siak`, `services.siak_output`).

Left, the selected output's pages (PDFium, as in the print preview); right, one row per
output of the service (the akta, the KK, the KIA of a birth registration) with its file and
check, the number SIAK gave it (optional: shown on the verification page), the signer from
this PC's settings and the official's secret, never stored and emptied after every attempt.

Keys: Up/Down choose the output; Ctrl+O imports a PDF for it; Ctrl+Enter signs every imported
output (Enter alone presses nothing: a passphrase is confirmed with Enter out of habit); Esc
closes when no signature is under way; Ctrl+P prints the selected signed output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.siak import SiakSigningController
from desktop.controllers.signing import Secret, SigningAccess, setup_problem
from desktop.domain.catalogue import Service
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Action
from desktop.services.siak_output import ImportedOutput, IssuedOutput, OutputFile
from desktop.services.signing import SignatureStatus
from desktop.settings import Settings
from desktop.views.dialogs import fitting_size, set_main_button
from desktop.views.print_preview import PrintPreviewDialog
from desktop.views.print_preview.pages import RenderedPage
from desktop.views.signing.page_preview import PagePreview
from desktop.views.signing.secret_form import SecretFields, SigningDialog
from desktop.views.workbench.action_bar import button_style
from desktop.views.workbench.holder_warning import HolderGate

WANTED_SIZE = (1180, 740)
FORM_WIDTH = 430
SIGN_KEYS = ("Ctrl+Return", "Ctrl+Enter")
FileChooser = Callable[[QWidget, str], Path | None]

_CHECK_STYLE = {
    SignatureStatus.VALID: "color: #1b5e20;",
    SignatureStatus.UNKNOWN_SIGNER: "color: #8a5300;",
}


def choose_pdf(parent: QWidget, title: str) -> Path | None:
    """The import dialog (non-native: the same on every PC, a path can be typed)."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, title, "", "PDF (*.pdf)", options=QFileDialog.Option.DontUseNativeDialog
    )
    return Path(name) if name else None


@dataclass
class OutputRow:
    """One output of the service and what has happened to it in this dialog."""

    code: str
    name: str
    imported: ImportedOutput | None = None
    number: str = ""
    issued: IssuedOutput | None = None


class SiakSignDialog(SigningDialog):
    """See the module docstring. `issued` carries the list of `IssuedOutput` once signed."""

    issued = Signal(object)

    def __init__(
        self,
        detail: ApplicationDetail,
        service: Service,
        access: SigningAccess,
        parent: QWidget | None = None,
        *,
        choose_file: FileChooser = choose_pdf,
    ) -> None:
        super().__init__(parent)
        self.detail = detail
        self.access = access
        self.choose_file = choose_file
        self.controller = SiakSigningController(access, self)
        self.holder_gate = HolderGate(access, self)
        self.rows = [OutputRow(o.code, o.name) for o in service.outputs]
        self.done_outputs: list[IssuedOutput] = []
        self.print_preview: PrintPreviewDialog | None = None
        number = detail.number or detail.id[:8]
        self.setWindowTitle(self.tr("Tandatangani dokumen dari SIAK — %1").replace("%1", number))
        self._build(service.name, number)
        self.controller.opened.connect(self._opened)
        self.controller.open_failed.connect(self._open_failed)
        self.controller.progress.connect(self._progress)
        self.controller.signed.connect(self._signed)
        self.controller.sign_failed.connect(self._sign_failed)
        self.table.setCurrentCell(0, 0)
        self._show_row()

    # -- layout ------------------------------------------------------------------------------

    def _build(self, service_name: str, number: str) -> None:
        self.resize(*fitting_size(self, WANTED_SIZE))
        self.page_scroll = self.preview = PagePreview(self)
        self.page_host, self.preview_status = self.preview.page_host, self.preview.status

        form = QWidget(self)
        form.setFixedWidth(FORM_WIDTH)
        side = QVBoxLayout(form)
        side.setContentsMargins(0, 0, 0, 0)
        title = QLabel(
            self.tr("<b>%1</b><br>Permohonan %2 · %3")
            .replace("%1", _html(service_name))
            .replace("%2", _html(number))
            .replace("%3", _html(self.detail.applicant.name))
        )
        title.setWordWrap(True)
        side.addWidget(title)

        outputs = QGroupBox(self.tr("Dokumen keluaran dari SIAK"), form)
        box = QVBoxLayout(outputs)
        self.table = QTableWidget(len(self.rows), 2, outputs)
        self.table.setHorizontalHeaderLabels([self.tr("Dokumen"), self.tr("Berkas")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setMaximumHeight(32 + 30 * max(1, len(self.rows)))
        self.table.currentCellChanged.connect(lambda *_a: self._show_row())
        box.addWidget(self.table)
        self.file_label = QLabel(outputs)
        self.file_label.setWordWrap(True)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.file_label)
        self.check_label = QLabel(outputs)
        self.check_label.setObjectName("siakCheck")
        self.check_label.setWordWrap(True)
        self.check_label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.check_label)
        row = QHBoxLayout()
        self.import_button = QPushButton(self.tr("&Impor PDF… (Ctrl+O)"), outputs)
        self.import_button.clicked.connect(self.import_current)
        row.addWidget(self.import_button)
        row.addStretch(1)
        box.addLayout(row)
        numbers = QFormLayout()
        self.number_edit = QLineEdit(outputs)
        self.number_edit.setMaxLength(200)
        self.number_edit.setPlaceholderText(self.tr("mis. 1471-LT-04122026-0007 (boleh kosong)"))
        self.number_edit.textEdited.connect(self._number_edited)
        number_label = QLabel(self.tr("&Nomor dokumen:"))
        number_label.setBuddy(self.number_edit)
        numbers.addRow(number_label, self.number_edit)
        box.addLayout(numbers)
        side.addWidget(outputs)

        self.signer_box = QGroupBox(self.tr("Penanda tangan"), form)
        signer = self.signer_form = QFormLayout(self.signer_box)
        signer.addRow(self.tr("Nama:"), QLabel(self.access.official.name or "-"))
        self.secret_fields = fields = SecretFields(
            signer, self.signer_box, lambda: self.access.settings, nik_label=self.tr("NI&K:")
        )
        self.nik_edit, self.secret_kind = fields.nik_edit, fields.secret_kind
        self.passphrase_edit, self.totp_edit = fields.passphrase_edit, fields.totp_edit
        side.addWidget(self.signer_box)

        self.message = QLabel(form)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        self.message_kind = ""
        side.addWidget(self.message)

        busy_row = QHBoxLayout()
        self.busy_bar = QProgressBar(form)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setFixedHeight(10)
        self.busy_label = QLabel(form)
        self.busy_label.setWordWrap(True)
        busy_row.addWidget(self.busy_bar)
        busy_row.addWidget(self.busy_label, 1)
        side.addLayout(busy_row)
        side.addStretch(1)

        line = QFrame(form)
        line.setFrameShape(QFrame.Shape.HLine)
        side.addWidget(line)
        buttons = QHBoxLayout()
        self.sign_button = QPushButton(self.tr("Tandatangani (Ctrl+Enter)"), form)
        self.sign_button.setStyleSheet(button_style(Action.SIGN))
        self.sign_button.setMinimumHeight(30)
        self.print_button = QPushButton(self.tr("&Cetak… (Ctrl+P)"), form)
        self.print_button.setStyleSheet(button_style(Action.SIGN))
        self.print_button.setMinimumHeight(30)
        self.close_button = QPushButton(self.tr("Batal (Esc)"), form)
        self.close_button.setMinimumHeight(30)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        side.addLayout(buttons)
        self.sign_button.clicked.connect(self.sign)
        self.print_button.clicked.connect(self.show_print_preview)
        self.close_button.clicked.connect(self.reject)
        for key in SIGN_KEYS:
            QShortcut(QKeySequence(key), self, self.sign)
        QShortcut(QKeySequence.StandardKey.Open, self, self.import_current)
        QShortcut(QKeySequence.StandardKey.Print, self, self.show_print_preview)
        set_main_button(self, None)  # Enter presses nothing here

        layout = QHBoxLayout(self)
        layout.addWidget(self.page_scroll, 1)
        layout.addWidget(form)

        self._set_busy(False)
        self.print_button.setVisible(False)
        self.secret_fields.show()
        problem = setup_problem(self.access.settings)
        if problem:
            self.show_message(problem, "warning")
            self.sign_button.setEnabled(False)
        for index in range(len(self.rows)):
            self._fill_row(index)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the outputs -------------------------------------------------------------------------

    @property
    def current(self) -> OutputRow:
        return self.rows[max(0, self.table.currentRow())]

    def _fill_row(self, index: int) -> None:
        row = self.rows[index]
        if row.issued is not None:
            state = self.tr("ditandatangani")
        elif row.imported is not None:
            state = self.tr("%1 hlm · siap").replace("%1", str(row.imported.pages))
        else:
            state = self.tr("belum diimpor")
        for column, text in enumerate((row.name, state)):
            item = QTableWidgetItem(text)
            self.table.setItem(index, column, item)

    def _show_row(self) -> None:
        row = self.current
        self.number_edit.setText(row.number)
        self.number_edit.setEnabled(row.issued is None and not self.busy)
        if row.issued is not None:
            self.file_label.setText(
                self.tr("Ditandatangani · kode verifikasi %1\n%2")
                .replace("%1", row.issued.code)
                .replace("%2", row.issued.verify_url)
            )
            self.check_label.setVisible(False)
        elif row.imported is None:
            self.file_label.setText(self.tr("Belum ada berkas. Tekan Ctrl+O untuk mengimpor PDF."))
            self.check_label.setVisible(False)
        else:
            extra = (
                self.tr(" (diperbaiki agar dapat ditandatangani)") if row.imported.repaired else ""
            )
            self.file_label.setText(
                self.tr("Berkas: %1 · %2 halaman%3")
                .replace("%1", row.imported.file_name)
                .replace("%2", str(row.imported.pages))
                .replace("%3", extra)
            )
            note = row.imported.signature_note
            self.check_label.setText(note)
            self.check_label.setStyleSheet(_CHECK_STYLE.get(row.imported.signature.status, ""))
            self.check_label.setVisible(bool(note))
        self._show_pages(row)

    def _number_edited(self, text: str) -> None:
        self.current.number = text

    def import_current(self) -> None:
        """Ctrl+O / Impor PDF…: a file for the selected output, read and checked on a worker."""
        row = self.current
        if self.busy or row.issued is not None:
            return
        path = self.choose_file(self, self.tr("Impor %1 dari SIAK").replace("%1", row.name))
        if path is None:
            return
        self.show_message(self.tr("Memeriksa %1…").replace("%1", path.name))
        self.controller.open_file(row.code, path)

    def _index_of(self, code: str) -> int:
        return next(i for i, r in enumerate(self.rows) if r.code == code)

    def _opened(self, code: str, imported: ImportedOutput) -> None:
        index = self._index_of(code)
        self.rows[index].imported = imported
        self._fill_row(index)
        self.show_message("")
        if index == self.table.currentRow():
            self._show_row()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_failed(self, code: str, message: str) -> None:
        self.show_message(message, "error")

    def chosen(self) -> list[OutputFile]:
        """The imported outputs in the service's order (the first is the main one)."""
        return [
            OutputFile(r.imported, r.code, r.number)
            for r in self.rows
            if r.imported is not None and r.issued is None
        ]

    # -- pages -------------------------------------------------------------------------------

    def _show_pages(self, row: OutputRow) -> None:
        if row.issued is not None:
            try:
                pdf = row.issued.kept.path.read_bytes()
            except OSError:
                pdf = b""
        else:
            pdf = row.imported.data if row.imported is not None else b""
        if not pdf:
            self.preview.show_status(
                self.tr(
                    "%1 belum diimpor. Ekspor dari SIAK sebagai PDF, lalu tekan Ctrl+O."
                ).replace("%1", row.name)
            )
            return
        self.preview.show_pdf(pdf, self.tr("Menampilkan halaman…"))

    @property
    def pages(self) -> list[RenderedPage]:
        return list(self.preview.pages)

    @property
    def page_labels(self) -> list[QLabel]:
        return list(self.preview.labels)

    # -- signing -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def secret(self) -> Secret:
        return self.secret_fields.secret()

    def _missing(self) -> tuple[str, QWidget] | None:
        if not self.chosen():
            return self.tr("Impor dulu sedikitnya satu dokumen dari SIAK (Ctrl+O)."), self.table
        return self.secret_fields.missing()

    def sign(self) -> None:
        """Ctrl+Enter or the button: sign every imported output once."""
        if self.busy or self.done_outputs or not self.sign_button.isEnabled():
            return
        if self.holder_gate.checking:
            return
        secret = self.secret()
        missing = self._missing()
        if missing is not None:
            text, field = missing
            self.show_message(text, "warning")
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.show_message("")
        self.holder_gate.check(secret, lambda: self._sign_now(secret), self._holder_warning)

    def _sign_now(self, secret: Secret) -> None:
        files = self.chosen()
        if self.controller.sign(self.detail, files, secret):
            self._set_busy(
                True, self.tr("Menandatangani %1 dokumen…").replace("%1", str(len(files)))
            )

    def _holder_warning(self, text: str) -> None:
        """The certificate is someone else's (issue 13): said in amber; the next Ctrl+Enter
        signs."""
        self.show_message(text, "warning")
        self.sign_button.setText(self.tr("Tetap tandatangani (Ctrl+Enter)"))

    def _progress(self, text: str) -> None:
        if self.busy and text:
            self.busy_label.setText(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.busy_label.setText(text)
        for widget in (
            self.signer_box, self.sign_button, self.close_button, self.import_button,
            self.number_edit,
        ):  # fmt: skip
            widget.setEnabled(not busy)

    def _sign_failed(self, message: str) -> None:
        self._set_busy(False)
        self.secret_fields.forget()
        self.show_message(message, "error")
        self.secret_fields.secret_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def _signed(self, issued: list[IssuedOutput]) -> None:
        self.done_outputs = list(issued)
        self._set_busy(False)
        self.secret_fields.forget()
        for output in issued:
            index = self._index_of(output.document_type)
            self.rows[index].issued = output
            self._fill_row(index)
        self.signer_box.setEnabled(False)
        self.import_button.setEnabled(False)
        self.number_edit.setEnabled(False)
        self.sign_button.setVisible(False)
        self.print_button.setVisible(True)
        self.close_button.setText(self.tr("Tutup"))
        names = ", ".join(self.rows[self._index_of(o.document_type)].name for o in issued)
        text = self.tr(
            "%1 ditandatangani dan disimpan di komputer ini. Dokumen dan status "
            "Ditandatangani dikirim ke server; bila server tidak tersambung, keduanya menunggu "
            "di Sinkronisasi dan terkirim sendiri."
        ).replace("%1", names)
        if self.controller.note:
            text += " " + self.controller.note
        self.show_message(text, "success")
        main = issued[0]
        self.table.setCurrentCell(self._index_of(main.document_type), 0)
        self._show_row()
        self.print_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.issued.emit(issued)

    def show_print_preview(self) -> None:
        """Cetak…: the print preview of the selected signed output itself."""
        output = self.current.issued
        if output is None:
            return
        try:
            pdf = output.kept.path.read_bytes()
        except OSError as exc:
            self.show_message(
                self.tr("Dokumen bertanda tangan tidak dapat dibaca: %1").replace(
                    "%1", exc.strerror or type(exc).__name__
                ),
                "error",
            )
            return
        preview = PrintPreviewDialog(
            pdf,
            title=self.current.name,
            settings=self.access.settings,
            parent=self,
            file_name=f"{output.document_type} {output.document_number or output.code}",
        )
        preview.settingsChanged.connect(self._settings_changed)
        preview.finished.connect(lambda _r: setattr(self, "print_preview", None))
        self.print_preview = preview
        preview.open()

    def _settings_changed(self, settings: object) -> None:
        if isinstance(settings, Settings):
            self.access.settings = settings
            self.access.on_settings_saved(settings)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["FileChooser", "OutputRow", "SiakSignDialog", "choose_pdf"]
