"""The signed document's two other ways out of the handover dialog (issue 13): printed from
the very signed PDF, or e-mailed by the server.

- "Cetak dokumen…" opens the print preview of the issued PDF (this PC's copy, else the one on
  the server, checked by SHA-256): what is printed is what was signed.
- "Kirim lewat e-mail…" shows `EmailPage`: the applicant's address prefilled and editable,
  "Kirim (Alt+K)". The server sends every valid issued document's PDF in ONE message (a
  birth registration's akta, KK and KIA) and completes the application; the page then says
  to whom and when. Enter never sends (no default button on this page). A relay that is down
  keeps the page open to try again (the same transaction id: never two messages); an address
  the server refuses is marked under the field.

E-mail needs the server: without it the button is disabled and the reason is written beside
it. It is not queued - a printed copy handed over at the counter is the way offline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.handover import HandoverController
from desktop.domain.records import ApplicationDetail
from desktop.services.api.errors import ApiError, ConnectionFailure
from desktop.services.delivery import MAIL_UNAVAILABLE, DeliveryResult
from desktop.services.handover import SignedDocument
from desktop.settings import Settings

ERROR_STYLE = "color: #b3261e;"
DONE_STYLE = "color: #1b5e20; font-weight: bold;"
NOTE_STYLE = "color: #8a5300;"
"""What cannot be done now and why (not an error of the person)."""


@dataclass
class DeliveryAccess:
    """What the handover dialog needs to print and e-mail (given by the workbench)."""

    controller: HandoverController
    settings: Settings
    """For the print preview (printer, paper)."""
    online: Callable[[], bool] = lambda: True
    """The server answers now (the shell's connection state)."""
    settings_changed: Callable[[Settings], None] | None = None
    """Saves the printer chosen in the preview."""
    tz: tzinfo | None = None
    """The office's time zone for "pukul …" (None: this PC's)."""


def field_message(exc: ApiError, field: str) -> str | None:
    """The server's message for `field` of a 422 (``errors[].loc`` ends with it), else None."""
    if exc.status != 422:
        return None
    errors = exc.extras.get("errors")
    if isinstance(errors, list):
        for error in errors:
            loc = error.get("loc") if isinstance(error, dict) else None
            if isinstance(loc, list) and loc and loc[-1] == field:
                msg = error.get("msg")
                return str(msg) if msg else exc.detail
    return exc.detail if exc.code == "validation_error" else None


class EmailPage(QWidget):
    """Step 3 of the handover dialog: the address, Kirim, and what happened."""

    delivered = Signal(object)
    """The `DeliveryResult` (the application is completed)."""

    def __init__(
        self, detail: ApplicationDetail, access: DeliveryAccess, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.detail = detail
        self.access = access
        self.document: SignedDocument | None = None
        self.result: DeliveryResult | None = None
        self.sending = False
        self._attempt: tuple[str, str] | None = None
        """(address, transaction id) of the last try: the same address is sent again with the
        same id, so a lost answer never becomes a second message."""

        heading = QLabel(self.tr("<b>Kirim dokumen bertanda tangan lewat e-mail</b>"), self)
        self.document_line = QLabel(self.tr("Mengambil data dokumen…"), self)
        self.document_line.setTextFormat(Qt.TextFormat.PlainText)
        self.document_line.setWordWrap(True)
        self.address = QLineEdit(self)
        self.address.setAccessibleName(self.tr("Alamat e-mail penerima"))
        self.address.setPlaceholderText(self.tr("nama@contoh.co.id"))
        self.address.setText(detail.applicant.email or "")
        self.address.textEdited.connect(self._address_edited)
        self.address_problem = QLabel(self)
        self.address_problem.setStyleSheet(ERROR_STYLE)
        self.address_problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Alamat e-mail (Alt+A)"), self.address)
        form.addRow("", self.address_problem)
        note = QLabel(
            self.tr(
                "Server kantor mengirim PDF bertanda tangan sebagai lampiran, dengan tautan "
                "verifikasinya. Setelah terkirim, permohonan berstatus Selesai."
            ),
            self,
        )
        note.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.back_button = QPushButton(self.tr("Kembali (Alt+M)"), self)
        self.close_button = QPushButton(self.tr("Batal"), self)
        self.send_button = QPushButton(self.tr("Kirim (Alt+K)"), self)
        self.send_button.clicked.connect(self.send)
        self.send_button.setEnabled(False)  # until the issued document is known
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.document_line)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)

    # -- the document ------------------------------------------------------------------------

    def set_document(self, document: SignedDocument) -> None:
        self.document = document
        lines = [
            self.tr("%1 (kode verifikasi %2)")
            .replace("%1", " ".join(filter(None, (one.document_type, one.letter_number))))
            .replace("%2", one.code)
            for one in document.all
        ]
        if len(lines) == 1:
            self.document_line.setText(self.tr("Dokumen: %1").replace("%1", lines[0]))
        else:
            heading = self.tr("%1 dokumen, dalam satu e-mail:").replace("%1", str(len(lines)))
            self.document_line.setText("\n".join([heading, *(f"• {line}" for line in lines)]))
        self._update_send()

    def document_failed(self, message: str) -> None:
        self.document_line.setText(message)
        self.document_line.setStyleSheet(ERROR_STYLE)
        self._update_send()

    def _update_send(self) -> None:
        self.send_button.setEnabled(
            self.document is not None and self.result is None and not self.sending
        )

    # -- sending -----------------------------------------------------------------------------

    def _address_edited(self, _text: str) -> None:
        self.address_problem.setText("")

    def send(self) -> None:
        document = self.document
        if document is None or self.sending or self.result is not None:
            return
        to = self.address.text().strip()
        if not to:
            self._mark_address(self.tr("Isi alamat e-mail penerima."))
            return
        if not self.access.online():
            self._say(self._offline_text(), ERROR_STYLE)
            return
        if self._attempt is None or self._attempt[0] != to:
            self._attempt = (to, str(uuid.uuid4()))
        self.sending = True
        self.address.setReadOnly(True)
        self.back_button.setEnabled(False)
        self._update_send()
        self.address_problem.setText("")
        self._say(self.tr("Mengirim ke %1…").replace("%1", to), "")
        self.access.controller.email(
            self.detail,
            issued_code=document.code,
            more_codes=[one.code for one in document.others],
            to=to,
            transaction_id=self._attempt[1],
            done=self._sent,
            failed=self._failed,
        )

    def _sent(self, result: DeliveryResult) -> None:
        self.sending = False
        self.result = result
        when = result.delivery.sent_at
        at = when.astimezone(self.access.tz).strftime("%H.%M") if when is not None else "-"
        text = (
            self.tr("Terkirim ke %1 pukul %2; permohonan selesai.")
            if result.completed
            else self.tr("Terkirim ke %1 pukul %2; permohonan sudah diselesaikan orang lain.")
        )
        self._say(text.replace("%1", result.delivery.to).replace("%2", at), DONE_STYLE)
        self.close_button.setText(self.tr("Tutup"))
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_send()
        self.delivered.emit(result)

    def _failed(self, exc: Exception, message: str) -> None:
        self.sending = False
        self.address.setReadOnly(False)
        self.back_button.setEnabled(True)
        self._update_send()
        if isinstance(exc, ApiError) and exc.code == MAIL_UNAVAILABLE:
            self._say(
                self.tr("Server surat sedang tidak tersedia; coba lagi nanti.") + "\n" + message,
                ERROR_STYLE,
            )
            return
        on_field = field_message(exc, "to") if isinstance(exc, ApiError) else None
        if on_field is not None:
            self._say("", "")
            self._mark_address(on_field)
            return
        if isinstance(exc, ConnectionFailure):
            self._say(self._offline_text() + "\n" + message, ERROR_STYLE)
            return
        self._say(message, ERROR_STYLE)

    def _offline_text(self) -> str:
        return self.tr(
            "Tidak terhubung ke server: e-mail belum terkirim. Coba lagi setelah tersambung, "
            "atau cetak dokumen dan serahkan di loket."
        )

    def _mark_address(self, message: str) -> None:
        self.address_problem.setText(message)
        self.address.setFocus(Qt.FocusReason.OtherFocusReason)
        self.address.selectAll()

    def _say(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)


__all__ = ["DeliveryAccess", "EmailPage", "field_message"]
