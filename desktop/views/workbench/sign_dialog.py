"""Tandatangani: the validator signs the kelurahan letter of a validated application (issue 13).

Left, the letter as it will be issued (`IssuingService.preview` on a worker, a placeholder for
the number and the code), its pages rendered by PDFium like the print preview's; right, the
paper (A4 / F4), the signer from this PC's settings and the official's secret for this one
signature: the PKCS#12 passphrase, or at BSrE the NIK and the passphrase (API v2: or a TOTP
code). The secret is never stored: it goes into one `SignRequest` and the field is emptied
after every attempt.

Signing runs on a worker (`controllers.signing`); the dialog cannot be closed meanwhile. On
success it shows the letter number and the verification code, and offers "Cetak…" (the print
preview of the very signed PDF) and "Tutup"; the sign action itself travels through the
outbox (`issued` -> the workbench controller). A refusal (wrong passphrase, expired
certificate, BSrE's answers, no reserved number offline) is shown here in Indonesian, the
passphrase field emptied and focused; the application stays validated.

BSrE unreachable (issue 13): the letter is numbered and waits in the outbox; the dialog then
says "Surat nomor … menunggu tanda tangan elektronik; akan ditandatangani saat layanan BSrE
terjangkau." and offers no second Tandatangani (no second number). Opened again for an
application whose letter waits, it shows that state, and Ctrl+Enter (the button "Tandatangani
surat yang menunggu") signs the official's waiting letters with one passphrase or a fresh TOTP.

Keys: only Ctrl+Enter signs; Enter presses nothing (a passphrase is typed and confirmed with
Enter out of habit: that must not sign a letter nor close the dialog); Esc closes when no
signature is under way; Ctrl+P prints once signed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.signing import (
    Secret,
    SigningAccess,
    SigningController,
    setup_problem,
)
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Action
from desktop.services.documents.letter import RenderedLetter
from desktop.services.documents.pdf_parts import Paper
from desktop.services.issuing import IssuedLetter, PendingSignature, WaitingLetter, WaitingOutcome
from desktop.settings import Settings
from desktop.views.dialogs import fitting_size, set_main_button
from desktop.views.print_preview import PrintPreviewDialog
from desktop.views.print_preview.pages import RenderedPage
from desktop.views.signing.page_preview import PagePreview
from desktop.views.signing.secret_form import SecretFields, SigningDialog
from desktop.views.workbench.action_bar import button_style
from desktop.views.workbench.holder_warning import HolderGate

WANTED_SIZE = (1180, 740)
"""Fits a 1366x768 screen with the window frame (fitting_size trims it on smaller ones)."""
FORM_WIDTH = 380
SIGN_KEYS = ("Ctrl+Return", "Ctrl+Enter")


class SignDialog(SigningDialog):
    """See the module docstring. `issued` carries the `IssuedLetter` once signed."""

    issued = Signal(object)

    def __init__(
        self,
        detail: ApplicationDetail,
        access: SigningAccess,
        parent: QWidget | None = None,
        *,
        service_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.detail = detail
        self.access = access
        self.controller = SigningController(access, self)
        self.holder_gate = HolderGate(access, self)
        self.letter: IssuedLetter | None = None
        self.print_preview: PrintPreviewDialog | None = None
        number = detail.number or detail.id[:8]
        self.setWindowTitle(self.tr("Tandatangani surat — %1").replace("%1", number))
        self._build(service_name or detail.service_code, number)
        self.controller.preview_ready.connect(self._preview_ready)
        self.controller.preview_failed.connect(self._preview_failed)
        self.controller.progress.connect(self._progress)
        self.controller.signed.connect(self._signed)
        self.controller.waiting.connect(self._waiting)
        self.controller.waiting_done.connect(self._waiting_done)
        self.controller.sign_failed.connect(self._sign_failed)
        self.waiting_letter: WaitingLetter | None = None
        self.pending: PendingSignature | None = self.controller.pending(detail.id)
        if self.pending is not None:
            self._show_pending(self.pending)
        self._ask_preview()

    # -- layout ------------------------------------------------------------------------------

    def _build(self, service_name: str, number: str) -> None:
        self.resize(*fitting_size(self, WANTED_SIZE))
        settings = self.access.settings

        self.page_scroll = self.preview = PagePreview(
            self, lambda m: self.tr("Pratinjau surat tidak dapat dibuat: %1").replace("%1", m)
        )
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

        self.paper_box = QComboBox(form)
        self.paper_box.addItem("A4", "A4")
        self.paper_box.addItem(self.tr("F4 (215 × 330 mm)"), "F4")
        self.paper_box.setCurrentIndex(max(0, self.paper_box.findData(self.access.issuing.paper)))
        self.paper_box.currentIndexChanged.connect(lambda _i: self._ask_preview())
        paper_row = QFormLayout()
        paper_label = QLabel(self.tr("&Kertas:"))
        paper_label.setBuddy(self.paper_box)
        paper_row.addRow(paper_label, self.paper_box)
        side.addLayout(paper_row)

        self.signer_box = QGroupBox(self.tr("Penanda tangan"), form)
        signer = self.signer_form = QFormLayout(self.signer_box)
        signer.addRow(self.tr("Nama:"), QLabel(_plain(self.access.official.name)))
        self.method_label = QLabel(self._method_text())
        self.method_label.setWordWrap(True)
        self.method_label.setTextFormat(Qt.TextFormat.PlainText)
        signer.addRow(self.tr("Cara:"), self.method_label)
        self.secret_fields = fields = SecretFields(
            signer, self.signer_box, lambda: self.access.settings
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

        self.result_label = QLabel(form)
        self.result_label.setObjectName("signResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setVisible(False)
        side.addWidget(self.result_label)

        busy_row = QHBoxLayout()
        self.busy_bar = QProgressBar(form)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setFixedHeight(10)
        self.busy_label = QLabel(form)
        self.busy_label.setWordWrap(True)
        self.busy_label.setTextFormat(Qt.TextFormat.PlainText)
        busy_row.addWidget(self.busy_bar)
        busy_row.addWidget(self.busy_label, 1)
        side.addLayout(busy_row)
        side.addStretch(1)

        line = QFrame(form)
        line.setFrameShape(QFrame.Shape.HLine)
        side.addWidget(line)
        buttons = QHBoxLayout()
        self.sign_button = QPushButton(self.tr("Tandatangani (Ctrl+Enter)"), form)
        self.sign_button.setStyleSheet(_primary_style())
        self.sign_button.setMinimumHeight(30)
        self.print_button = QPushButton(self.tr("&Cetak… (Ctrl+P)"), form)
        self.print_button.setStyleSheet(_primary_style())
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
        self.sign_shortcuts = [QShortcut(QKeySequence(k), self, self.sign) for k in SIGN_KEYS]
        QShortcut(QKeySequence.StandardKey.Print, self, self.show_print_preview)
        set_main_button(self, None)  # Enter presses nothing here

        layout = QHBoxLayout(self)
        layout.addWidget(self.page_scroll, 1)
        layout.addWidget(form)

        self._set_busy(False)
        self.print_button.setVisible(False)
        self.secret_fields.show()
        problem = setup_problem(settings)
        if problem:
            self.show_message(problem, "warning")
            self.sign_button.setEnabled(False)

    def _method(self) -> str:
        settings = self.access.settings
        return settings.sign_method if not setup_problem(settings) else ""

    def _method_text(self) -> str:
        settings = self.access.settings
        if self._method() == "pkcs12":
            return self.tr("Sertifikat PKCS#12 %1").replace(
                "%1", Path(settings.sign_pkcs12_path).name
            )
        if self._method() == "bsre":
            return (
                self.tr("BSrE (API %1) di %2")
                .replace("%1", settings.bsre_api)
                .replace("%2", settings.bsre_url)
            )
        return self.tr("belum diatur")

    def first_field(self) -> QWidget:
        """Where the keyboard starts: the first field the official has to fill."""
        return self.secret_fields.first_field() or self.close_button

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.letter is None:
            self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the preview -------------------------------------------------------------------------

    @property
    def paper(self) -> Paper:
        return "F4" if self.paper_box.currentData() == "F4" else "A4"

    @property
    def pages(self) -> list[RenderedPage]:
        return list(self.preview.pages)

    @property
    def rendering(self) -> bool:
        """Pages of the latest PDF (preview, or the signed one) still on their way."""
        return self.preview.rendering

    def _ask_preview(self) -> None:
        self.preview.wait(self.tr("Menyiapkan pratinjau surat…"))
        self.controller.preview(self.detail, self.paper)

    def _preview_ready(self, rendered: RenderedLetter) -> None:
        self.preview.show_pdf(rendered.pdf)

    def _preview_failed(self, message: str) -> None:
        self.preview.show_status(
            self.tr("Pratinjau surat tidak dapat dibuat: %1").replace("%1", message)
        )

    # -- signing -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def secret(self) -> Secret:
        return self.secret_fields.secret()

    def _show_pending(self, pending: PendingSignature) -> None:
        """This application's letter is numbered and waits for BSrE: say so, and offer only
        "Tandatangani surat yang menunggu" (never a second number)."""
        if pending.nik and not self.nik_edit.text():
            self.nik_edit.setText(pending.nik)
        text = pending.message
        if pending.reason and pending.reason != text:
            text += "\n" + pending.reason
        self.show_message(text, "warning")
        self.sign_button.setText(self.tr("Tandatangani surat yang menunggu (Ctrl+Enter)"))
        self.sign_button.setEnabled(self._method() == "bsre")

    def sign(self) -> None:
        """Ctrl+Enter or the button: sign once (nothing while busy, done, or not set up)."""
        if self.busy or self.letter is not None or not self.sign_button.isEnabled():
            return
        if self.holder_gate.checking:
            return
        if self.waiting_letter is not None:
            return  # numbered already: it waits for BSrE
        if self.pending is not None:
            self._sign_pending()
            return
        secret = self.secret()
        missing = self.secret_fields.missing()
        if missing is not None:
            text, field = missing
            self.show_message(text, "warning")
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.show_message("")
        self.holder_gate.check(secret, lambda: self._sign_now(secret), self._holder_warning)

    def _sign_now(self, secret: Secret) -> None:
        if self.controller.sign(self.detail, self.paper, secret):
            self._set_busy(True, self.tr("Menandatangani surat…"))

    def _holder_warning(self, text: str) -> None:
        """The certificate is someone else's: said in amber; the next Ctrl+Enter signs."""
        self.show_message(text, "warning")
        self.sign_button.setText(self.tr("Tetap tandatangani (Ctrl+Enter)"))

    def _sign_pending(self) -> None:
        secret = self.secret()
        missing = self.secret_fields.missing()
        if missing is not None:
            text, field = missing
            self.show_message(text, "warning")
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if self.controller.sign_waiting(secret):
            self._set_busy(True, self.tr("Menandatangani surat yang menunggu…"))

    def _waiting(self, letter: WaitingLetter) -> None:
        """BSrE unreachable: numbered, kept, waiting in the outbox (signed at sync)."""
        self.waiting_letter = letter
        self._set_busy(False)
        self.secret_fields.forget()
        self.signer_box.setEnabled(False)
        self.paper_box.setEnabled(False)
        self.sign_button.setVisible(False)
        self.close_button.setText(self.tr("Tutup"))
        self.show_message(letter.message, "warning")
        self.result_label.setText(
            self.tr("Nomor surat: <b>%1</b><br>Kode verifikasi: <b>%2</b>")
            .replace("%1", _html(letter.number.formatted))
            .replace("%2", _html(letter.code))
        )
        self.result_label.setVisible(True)
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _waiting_done(self, outcome: WaitingOutcome) -> None:
        self._set_busy(False)
        self.secret_fields.forget()
        self.pending = self.controller.pending(self.detail.id)
        lines = []
        if outcome.signed:
            lines.append(
                self.tr("Ditandatangani: %1. Surat dan status dikirim ke server.").replace(
                    "%1", ", ".join(number for number, _kept in outcome.signed)
                )
            )
        if outcome.waiting:
            lines.append(
                self.tr(
                    "Layanan BSrE belum terjangkau; surat %1 ditandatangani saat terjangkau."
                ).replace("%1", ", ".join(outcome.waiting))
            )
        lines.extend(outcome.refused)
        if not lines:
            lines.append(self.tr("Tidak ada surat yang menunggu tanda tangan Anda."))
        kind = "error" if outcome.refused else ("success" if outcome.signed else "info")
        self.show_message("\n".join(lines), kind)
        if self.pending is None:
            self.sign_button.setVisible(False)
            self.signer_box.setEnabled(False)
            self.close_button.setText(self.tr("Tutup"))
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def _progress(self, text: str) -> None:
        if self.busy and text:
            self.busy_label.setText(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.busy_label.setText(text)
        for widget in (self.signer_box, self.paper_box, self.sign_button, self.close_button):
            widget.setEnabled(not busy)

    def _sign_failed(self, message: str) -> None:
        self._set_busy(False)
        self.secret_fields.forget()
        self.show_message(message, "error")
        self.secret_fields.secret_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def _signed(self, letter: IssuedLetter) -> None:
        self.letter = letter
        self._set_busy(False)
        self.secret_fields.forget()
        self.signer_box.setEnabled(False)
        self.paper_box.setEnabled(False)
        self.secret_fields.hide_all()
        self.sign_button.setVisible(False)
        self.print_button.setVisible(True)
        self.close_button.setText(self.tr("Tutup"))
        self.show_message(
            self.tr(
                "Surat ditandatangani dan disimpan di komputer ini. Surat dan status "
                "Ditandatangani dikirim ke server; bila server tidak tersambung, keduanya "
                "menunggu di Sinkronisasi dan terkirim sendiri."
            )
            + (f"\n{letter.note}" if letter.note else ""),
            "success",
        )
        source = (
            self.tr(" (nomor cadangan komputer ini)") if letter.number.source == "cadangan" else ""
        )
        self.result_label.setText(
            self.tr("Nomor surat: <b>%1</b>%2<br>Kode verifikasi: <b>%3</b><br>%4")
            .replace("%1", _html(letter.number.formatted))
            .replace("%2", _html(source))
            .replace("%3", _html(letter.code))
            .replace("%4", _html(letter.verify_url))
        )
        self.result_label.setVisible(True)
        self.print_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.issued.emit(letter)
        self._show_signed_pages(letter.path)

    def _show_signed_pages(self, path: Path) -> None:
        """The signed PDF replaces the preview: what is shown is what was signed."""
        try:
            pdf = path.read_bytes()
        except OSError:
            return
        self.preview.show_pdf(pdf)

    def show_print_preview(self) -> None:
        """Cetak…: the print preview of the signed PDF itself (no second layout)."""
        letter = self.letter
        if letter is None:
            return
        try:
            pdf = letter.path.read_bytes()
        except OSError as exc:
            self.show_message(
                self.tr("Surat bertanda tangan tidak dapat dibaca: %1").replace(
                    "%1", exc.strerror or type(exc).__name__
                ),
                "error",
            )
            return
        preview = PrintPreviewDialog(
            pdf,
            title=self.tr("Surat %1").replace("%1", letter.number.formatted),
            settings=self.access.settings,
            parent=self,
            file_name=f"{letter.document_type} {letter.number.formatted}",
        )
        preview.settingsChanged.connect(self._settings_changed)
        preview.finished.connect(lambda _r: setattr(self, "print_preview", None))
        self.print_preview = preview
        preview.open()

    def _settings_changed(self, settings: object) -> None:
        if isinstance(settings, Settings):
            self.access.settings = settings
            self.access.on_settings_saved(settings)


def _primary_style() -> str:
    return button_style(Action.SIGN)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    return text or "-"


__all__ = ["SignDialog"]
