"""Serahkan: who collects the finished document, then a confirmation naming who takes what.

Two steps in one dialog:

1. Who collects: the applicant (name and masked NIK shown; the officer ticks that the KTP was
   matched), or a representative with a surat kuasa (name, NIK checked as typed with
   `identity.check_nik`, the letter attached from a file, or scanned with "Pindai surat
   kuasa…" (Alt+S) where a scanner is set up: issue 12).
2. "Serahkan dokumen kepada …?": the person and the documents named. The default button is
   Batal, so an Enter pressed out of habit never hands anything over; Kembali goes back.

`chosen` carries the `Handover`; the workbench's controller keeps it in the outbox (the
letter first, then the DELIVER with the handover).

Issue 13, given a `DeliveryAccess`: step 1 also offers "Cetak dokumen…" (Alt+C: the print
preview of the very signed PDF; with several valid issued documents - a birth registration's
akta, KK and KIA - one preview after the other, as the counter hands them over together) and
"Kirim lewat e-mail…" (Alt+E: a third step, see `views.handover.delivery`: every document in
one message); `delivered` carries the server's `DeliveryResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.identity import check_nik, mask_nik
from desktop.domain.records import ApplicationDetail
from desktop.services.handover import KUASA, PEMOHON, Handover, SignedDocument, for_applicant
from desktop.settings import Settings
from desktop.views.handover.delivery import ERROR_STYLE, NOTE_STYLE, DeliveryAccess, EmailPage
from desktop.views.print_preview import PrintPreviewDialog
from desktop.views.revision.panel import FileChooser, choose_file
from desktop.views.revision.scanning import ScanAccess, ScanFolders, scan_documents

LETTER_CODE = "SURAT-KUASA"
"""The scan dialog's one requirement here (its PDF becomes the letter)."""

LETTER_NAME_WIDTH = 260
"""Pixels for the letter's file name beside its button (the rest of the name on hover)."""


class HandoverDialog(QDialog):
    """See the module docstring."""

    chosen = Signal(object)
    """The confirmed `Handover`."""
    delivered = Signal(object)
    """The `DeliveryResult` of an e-mail sent from here (the application is completed)."""
    letter_button: QPushButton
    problem: QLabel

    def __init__(
        self,
        detail: ApplicationDetail,
        outputs: Sequence[str],
        parent: QWidget | None = None,
        *,
        file_chooser: FileChooser = choose_file,
        today: Callable[[], date] = date.today,
        scan_access: ScanAccess | None = None,
        scan_folders: ScanFolders | None = None,
        delivery: DeliveryAccess | None = None,
    ) -> None:
        """`scan_access`: a scanner may be used ("Pindai surat kuasa…"); its PDF stays in
        `scan_folders` (the caller removes it once the handover is kept or abandoned).
        `delivery`: print and e-mail the signed document from here (issue 13)."""
        super().__init__(parent)
        self.delivery = delivery
        self.document: SignedDocument | None = None
        self.preview: PrintPreviewDialog | None = None
        self._print_wanted = False
        self._print_queue: list[SignedDocument] = []
        self._loading = False
        self.detail = detail
        self.scan_access = scan_access
        self.scan_folders = scan_folders or ScanFolders()
        self.outputs = tuple(outputs)
        self.file_chooser = file_chooser
        self.today = today
        self.letter: Path | None = None
        self.handover: Handover | None = None
        self.setWindowTitle(
            self.tr("Serahkan %1").replace("%1", detail.number or self.tr("permohonan"))
        )
        self.setModal(True)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._who_page())
        self.pages.addWidget(self._confirm_page())
        self.email_page: EmailPage | None = None
        if delivery is not None:
            self.email_page = EmailPage(detail, delivery, self)
            self.email_page.back_button.clicked.connect(lambda: self._show_step(0))
            self.email_page.close_button.clicked.connect(self.reject)
            self.email_page.delivered.connect(self._delivered)
            self.pages.addWidget(self.email_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._collector_changed()
        self._install_keys()
        self.set_online(delivery.online() if delivery is not None else True)
        self._show_step(0)

    def _install_keys(self) -> None:
        """Alt keys as written on the controls (explicit shortcuts: a mnemonic's underline is
        not shown or honoured on every platform), each active only on its step."""

        def on(step: int, slot: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                if self.pages.currentIndex() == step:
                    slot()

            return run

        def by_step(slots: dict[int, Callable[[], None]]) -> Callable[[], None]:
            def run() -> None:
                slot = slots.get(self.pages.currentIndex())
                if slot is not None:
                    slot()

            return run

        email = self.email_page

        keys: dict[str, Callable[[], None]] = {
            "Alt+P": on(0, self._pick_pemohon),
            "Alt+K": on(0, lambda: self.kuasa.setChecked(True)),  # Kirim on step 3 (below)
            "Alt+D": on(0, self.identity_checked.click),
            "Alt+N": on(0, lambda: self._focus_kuasa(self.kuasa_name)),
            "Alt+I": on(0, lambda: self._focus_kuasa(self.kuasa_nik)),
            "Alt+L": on(0, self.letter_button.click),
            "Alt+S": on(0, self.scan_letter_button.click),
            "Alt+M": by_step(
                {1: self.back_button.click}
                | ({2: email.back_button.click} if email is not None else {})
            ),
            "Alt+Y": on(1, self.confirm_button.click),
        }
        if email is not None:
            keys["Alt+C"] = by_step({0: self.print_button.click, 2: self.print_button.click})
            keys["Alt+E"] = on(0, self.email_button.click)
            keys["Alt+A"] = on(
                2, lambda: email.address.setFocus(Qt.FocusReason.ShortcutFocusReason)
            )
            keys["Alt+K"] = by_step(
                {0: lambda: self.kuasa.setChecked(True), 2: email.send_button.click}
            )
        self.keys: dict[str, QShortcut] = {}
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self.keys[key] = shortcut

    def _pick_pemohon(self) -> None:
        self.pemohon.setChecked(True)
        self.pemohon.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _focus_kuasa(self, field: QLineEdit) -> None:
        if self.kuasa_box.isEnabled():
            field.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- step 1: who collects ------------------------------------------------------------------

    def _who_page(self) -> QWidget:
        page = QWidget(self)
        applicant = self.detail.applicant
        self.pemohon = QRadioButton(self.tr("Pemohon sendiri (Alt+P)"), page)
        self.kuasa = QRadioButton(self.tr("Kuasa, dengan surat kuasa (Alt+K)"), page)
        self.pemohon.setChecked(True)
        group = QButtonGroup(page)
        group.addButton(self.pemohon)
        group.addButton(self.kuasa)
        group.buttonToggled.connect(lambda _b, _on: self._collector_changed())

        self.applicant_line = QLabel(
            self.tr("%1 — NIK %2")
            .replace("%1", applicant.name)
            .replace("%2", mask_nik(applicant.nik)),
            page,
        )
        self.applicant_line.setTextFormat(Qt.TextFormat.PlainText)
        self.applicant_line.setWordWrap(True)  # a long name wraps, never widens the dialog
        self.identity_checked = QCheckBox(
            self.tr("KTP asli pemohon sudah dicocokkan dengan data ini (Alt+D)"), page
        )

        self.kuasa_box = QWidget(page)
        form = QFormLayout(self.kuasa_box)
        form.setContentsMargins(20, 0, 0, 0)
        self.kuasa_name = QLineEdit(self.kuasa_box)
        self.kuasa_name.setAccessibleName(self.tr("Nama penerima kuasa"))
        self.kuasa_nik = QLineEdit(self.kuasa_box)
        self.kuasa_nik.setAccessibleName(self.tr("NIK penerima kuasa"))
        self.kuasa_nik.setPlaceholderText(self.tr("16 angka"))
        self.kuasa_nik.textEdited.connect(self._nik_typed)
        self.kuasa_name.textEdited.connect(lambda _t: self.problem.setText(""))
        self.nik_problem = QLabel(self.kuasa_box)
        self.nik_problem.setStyleSheet("color: #b3261e;")
        self.nik_problem.setWordWrap(True)
        self.letter_button = QPushButton(self.tr("Lampirkan surat kuasa… (Alt+L)"), self.kuasa_box)
        self.letter_button.clicked.connect(self._choose_letter)
        self.scan_letter_button = QPushButton(
            self.tr("Pindai surat kuasa… (Alt+S)"), self.kuasa_box
        )
        self.scan_letter_button.clicked.connect(self._scan_letter)
        self.scan_letter_button.setVisible(self.scan_access is not None)
        self.letter_label = QLabel(self.tr("Belum dilampirkan."), self.kuasa_box)
        self.letter_label.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(self.tr("Nama (Alt+N)"), self.kuasa_name)
        form.addRow(self.tr("NIK (Alt+I)"), self.kuasa_nik)
        form.addRow("", self.nik_problem)
        # the file's name under its button: beside it, a long name pushed the button off
        letter_row = QHBoxLayout()
        letter_row.addWidget(self.letter_button)
        letter_row.addWidget(self.scan_letter_button)
        letter_row.addStretch(1)
        form.addRow(self.tr("Surat kuasa"), letter_row)
        form.addRow("", self.letter_label)

        self.problem = QLabel(page)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.cancel_button = QPushButton(self.tr("Batal"), page)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button = QPushButton(self.tr("Lanjut"), page)
        self.next_button.clicked.connect(self._next)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.next_button)

        layout = QVBoxLayout(page)
        if self.delivery is not None:
            layout.addWidget(self._delivery_row(page))
        layout.addWidget(QLabel(self.tr("<b>Siapa yang mengambil dokumen?</b>"), page))
        layout.addWidget(self.pemohon)
        applicant_row = QVBoxLayout()
        applicant_row.setContentsMargins(20, 0, 0, 0)
        applicant_row.addWidget(self.applicant_line)
        applicant_row.addWidget(self.identity_checked)
        layout.addLayout(applicant_row)
        layout.addWidget(self.kuasa)
        layout.addWidget(self.kuasa_box)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _delivery_row(self, page: QWidget) -> QWidget:
        """Print or e-mail the signed document (issue 13), above the counter handover."""
        box = QWidget(page)
        self.print_button = QPushButton(self.tr("Cetak dokumen… (Alt+C)"), box)
        self.print_button.clicked.connect(self._print)
        self.email_button = QPushButton(self.tr("Kirim lewat e-mail… (Alt+E)"), box)
        self.email_button.clicked.connect(self._email)
        self.delivery_status = QLabel(box)
        self.delivery_status.setTextFormat(Qt.TextFormat.PlainText)
        self.delivery_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.email_button)
        row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addWidget(QLabel(self.tr("<b>Dokumen bertanda tangan</b>"), box))
        layout.addLayout(row)
        layout.addWidget(self.delivery_status)
        return box

    # -- print and e-mail (issue 13) ---------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        """E-mail needs the server: without it the button is off and the reason shown."""
        if self.delivery is None:
            return
        sent = self.email_page is not None and self.email_page.result is not None
        self.email_button.setEnabled(online and not sent)
        reason = self.tr(
            "E-mail tidak dapat dikirim: komputer ini tidak terhubung ke server. Cetak "
            "dokumen lalu serahkan di loket, atau kirim setelah tersambung kembali."
        )
        self.email_button.setToolTip("" if online else reason)
        if not online:
            self._tell(reason, NOTE_STYLE)
        elif self.delivery_status.text() == reason:
            self._tell("", "")

    def _tell(self, text: str, style: str) -> None:
        self.delivery_status.setText(text)
        self.delivery_status.setStyleSheet(style)

    def _load_document(self) -> None:
        access = self.delivery
        if access is None or self._loading:
            return
        if self.document is not None:
            self._document_ready(self.document)
            return
        self._loading = True
        self._tell(self.tr("Mengambil dokumen bertanda tangan…"), "")
        access.controller.load_document(self.detail, self._document_ready, self._document_failed)

    def _document_ready(self, document: SignedDocument) -> None:
        self._loading = False
        self.document = document
        if self.delivery_status.text() == self.tr("Mengambil dokumen bertanda tangan…"):
            self._tell("", "")
        if self.email_page is not None:
            self.email_page.set_document(document)
        if self._print_wanted:
            self._print_wanted = False
            self._print_all(document)

    def _document_failed(self, _exc: Exception, message: str) -> None:
        self._loading = False
        self._print_wanted = False
        self._tell(message, ERROR_STYLE)
        if self.email_page is not None:
            self.email_page.document_failed(message)

    def _print(self) -> None:
        if self.delivery is None:
            return
        if self.document is not None:
            self._print_all(self.document)
            return
        self._print_wanted = True
        self._load_document()

    def _print_all(self, document: SignedDocument) -> None:
        """Every valid issued document, one print preview after the other (a birth
        registration's akta, KK and KIA are handed over together): closing one opens the
        next; each is the very signed PDF."""
        self._print_queue = list(document.all)
        if len(self._print_queue) > 1:
            self._tell(
                self.tr("Dicetak berurutan: %1.").replace(
                    "%1", ", ".join(d.title for d in self._print_queue)
                ),
                "",
            )
        self._print_next()

    def _print_next(self) -> None:
        if not self._print_queue:
            return
        total = len(self.document.all) if self.document is not None else 1
        one = self._print_queue.pop(0)
        place = total - len(self._print_queue)
        title = (
            self.tr("Dokumen %1 dari %2: %3")
            .replace("%1", str(place))
            .replace("%2", str(total))
            .replace("%3", one.title)
            if total > 1
            else one.title
        )
        self._open_preview(one, title)

    def _open_preview(self, document: SignedDocument, title: str) -> None:
        access = self.delivery
        if access is None:
            return
        preview = PrintPreviewDialog(
            document.pdf,
            title=title,
            settings=access.settings,
            parent=self,
            file_name=document.title,
        )
        preview.settingsChanged.connect(self._settings_changed)
        preview.finished.connect(self._preview_closed)
        self.preview = preview
        preview.open()

    def _preview_closed(self, _result: int) -> None:
        """The next document's preview, or the keys come back here (Alt+E next), not to the
        window under the dialog."""
        self.preview = None
        if self._print_queue:
            self._print_next()
            return
        self.activateWindow()
        self.print_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _settings_changed(self, settings: object) -> None:
        access = self.delivery
        if access is None or not isinstance(settings, Settings):
            return
        access.settings = settings
        if access.settings_changed is not None:
            access.settings_changed(settings)

    def _email(self) -> None:
        if self.email_page is None or not self.email_button.isEnabled():
            return
        self._show_step(2)
        self._load_document()

    def _delivered(self, result: object) -> None:
        self.email_button.setEnabled(False)
        self.delivered.emit(result)

    def _collector_changed(self) -> None:
        by_kuasa = self.kuasa.isChecked()
        self.kuasa_box.setEnabled(by_kuasa)
        self.identity_checked.setEnabled(not by_kuasa)
        self.problem.setText("")
        if by_kuasa:
            self.kuasa_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _nik_typed(self, text: str) -> None:
        self.problem.setText("")
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) < 16:
            self.nik_problem.setText("")
            return
        result = check_nik(text, today=self.today())
        self.nik_problem.setText("; ".join(p.message for p in result.problems))

    def _choose_letter(self) -> None:
        path = self.file_chooser(self, self.tr("Pilih berkas surat kuasa"))
        if path is None:
            return
        self._set_letter(path)

    def _scan_letter(self) -> None:
        access = self.scan_access
        if access is None or not self.kuasa_box.isEnabled():
            return
        scanned = scan_documents(
            access,
            self.scan_folders,
            [(LETTER_CODE, self.tr("Surat kuasa"))],
            LETTER_CODE,
            self,
        )
        path = scanned.get(LETTER_CODE)
        if path is not None:
            self._set_letter(path)

    def _set_letter(self, path: Path) -> None:
        self.letter = path
        # A file name has no spaces to wrap at: shortened in the middle (the start and the
        # extension tell it apart), the whole name on hover.
        metrics = self.letter_label.fontMetrics()
        self.letter_label.setText(
            metrics.elidedText(path.name, Qt.TextElideMode.ElideMiddle, LETTER_NAME_WIDTH)
        )
        self.letter_label.setToolTip(path.name)
        self.problem.setText("")

    def current(self) -> Handover:
        if self.kuasa.isChecked():
            return Handover(KUASA, self.kuasa_name.text(), self.kuasa_nik.text(), self.letter)
        return for_applicant(self.detail)

    def _next(self) -> None:
        handover = self.current()
        problems = [
            m
            for _f, m in handover.problems(
                today=self.today(), applicant_nik=self.detail.applicant.nik
            )
        ]
        if handover.collector == PEMOHON and not self.identity_checked.isChecked():
            problems.append(self.tr("Cocokkan dulu KTP asli pemohon, lalu centang."))
        if problems:
            self.problem.setText(" ".join(p if p.endswith(".") else p + "." for p in problems))
            return
        self.handover = handover
        outputs = ", ".join(self.outputs) or self.tr("dokumen hasil layanan")
        self.question.setText(
            self.tr("Serahkan dokumen kepada %1?").replace("%1", handover.sentence())
        )
        self.what.setText(
            self.tr(
                "Dokumen: %1\nPermohonan %2 akan berstatus Selesai dan tidak dapat diubah lagi."
            )
            .replace("%1", outputs)
            .replace("%2", self.detail.number or "")
        )
        self._show_step(1)

    # -- step 2: the confirmation ----------------------------------------------------------------

    def _confirm_page(self) -> QWidget:
        page = QWidget(self)
        self.question = QLabel(page)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        font = self.question.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.question.setFont(font)
        self.what = QLabel(page)
        self.what.setTextFormat(Qt.TextFormat.PlainText)
        self.what.setWordWrap(True)
        self.back_button = QPushButton(self.tr("Kembali (Alt+M)"), page)
        self.back_button.clicked.connect(lambda: self._show_step(0))
        self.confirm_cancel = QPushButton(self.tr("Batal"), page)
        self.confirm_cancel.clicked.connect(self.reject)
        self.confirm_button = QPushButton(self.tr("Ya, serahkan (Alt+Y)"), page)
        self.confirm_button.clicked.connect(self._confirm)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_cancel)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.question)
        layout.addWidget(self.what)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _show_step(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        # No push button becomes the default by taking the focus.
        for button in self.findChildren(QPushButton):
            button.setDefault(False)
            button.setAutoDefault(False)
        if step == 2 and self.email_page is not None:
            # Enter never sends: no default button; the address has the focus.
            self.email_page.address.setFocus(Qt.FocusReason.OtherFocusReason)
        elif step == 0:
            self.next_button.setDefault(True)
            (self.kuasa_name if self.kuasa.isChecked() else self.pemohon).setFocus()
        else:
            # Enter never confirms by accident: Batal is the default and has the focus.
            self.confirm_cancel.setDefault(True)
            self.confirm_cancel.setFocus(Qt.FocusReason.OtherFocusReason)

    def _confirm(self) -> None:
        if self.handover is None:
            return
        self.chosen.emit(self.handover)
        self.accept()


__all__ = ["HandoverDialog"]
