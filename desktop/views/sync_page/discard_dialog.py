"""Ask why an outbox entry is thrown away ("Buang"). The reason is required and kept with the
entry and in the audit log, so nothing is ever discarded without one: "Buang" stays disabled
until something other than blanks is typed; Enter is a new line in the reason (never
discards); Ctrl+Enter discards when the reason is there; Esc cancels and nothing changes. No
button is the default (`RequiredReasonDialog`, shared with the decision's reason dialog)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.models.outbox_resolution import MAX_REASON
from desktop.views.required_reason import RequiredReasonDialog


class DiscardDialog(RequiredReasonDialog):
    """Window-modal; read `reason()` after `accepted`."""

    def __init__(self, what: str, application: str, parent: QWidget | None = None) -> None:
        super().__init__(max_length=MAX_REASON, danger=True, parent=parent)
        self.setWindowTitle(self.tr("Buang entri"))
        self.ok_button.setText(self.tr("Buang"))
        self.ok_button.setToolTip(self.tr("Buang (Ctrl+Enter)"))
        intro = QLabel(
            self.tr(
                "Buang “%1” untuk permohonan %2? Entri ini tidak akan dikirim ke server. "
                "Tulis alasannya: alasan disimpan bersama entri dan di log audit."
            )
            .replace("%1", what)
            .replace("%2", application),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.editor.setAccessibleName(self.tr("Alasan membuang"))
        self.editor.setPlaceholderText(
            self.tr("Contoh: sudah diputuskan petugas lain dengan benar; tidak perlu diulang.")
        )
        self.lay_out(intro, height=300)


class VoidLetterDialog(RequiredReasonDialog):
    """ "Batalkan surat…" of a letter waiting for its BSrE signature: the reason is required
    (kept with the voided number on the server and the verification page); the page asks a
    confirmation after it. Same keys as "Buang"."""

    def __init__(self, number: str, application: str, parent: QWidget | None = None) -> None:
        super().__init__(max_length=MAX_REASON, danger=True, parent=parent)
        self.setWindowTitle(self.tr("Batalkan surat"))
        self.ok_button.setText(self.tr("Lanjut"))
        self.ok_button.setToolTip(self.tr("Lanjut (Ctrl+Enter)"))
        intro = QLabel(
            self.tr(
                "Batalkan surat nomor %1 untuk permohonan %2? Surat tidak ditandatangani; "
                "nomornya tetap tercatat di server sebagai batal dengan alasan ini (juga di "
                "halaman verifikasi). Tulis alasannya."
            )
            .replace("%1", number)
            .replace("%2", application),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.editor.setAccessibleName(self.tr("Alasan membatalkan surat"))
        self.editor.setPlaceholderText(
            self.tr("Contoh: pemohon membatalkan permohonan; surat tidak jadi diterbitkan.")
        )
        self.lay_out(intro, height=300)
