"""Ask for the reason of a revision request or a rejection.

The reason reaches the applicant (and the operator who must fix the file), so it is required:
the confirm button stays disabled until something other than blanks is typed. For a revision
the text is prefilled with one line per checklist item marked "not OK", with the verifier's
note, so the per-item reasons are not typed twice. Enter is a new line; Ctrl+Enter confirms;
Esc cancels; no button is the default, so Enter on a focused button does nothing (Space
presses it): the keys and rules of `RequiredReasonDialog`, shared with the outbox's "Buang".
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.domain.workflow import Action
from desktop.views.required_reason import RequiredReasonDialog

MAX_REASON = 2000


def prefill(items: Sequence[tuple[str, str]]) -> str:
    """ "- Kartu Keluarga: foto buram" per not-OK item; the name alone when there is no note."""
    lines = []
    for name, note in items:
        lines.append(f"- {name}: {note}" if note else f"- {name}: tidak sesuai")
    return "\n".join(lines)


class ReasonDialog(RequiredReasonDialog):
    """Modal; read `reason()` after `accepted`."""

    def __init__(
        self,
        action: Action,
        *,
        not_ok_items: Sequence[tuple[str, str]] = (),
        number: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(max_length=MAX_REASON, danger=action is Action.REJECT, parent=parent)
        self.action = action
        self.ok_button.setText(action.label)
        self.ok_button.setToolTip(self.tr("Kirim (Ctrl+Enter)"))
        revision = action is Action.REQUEST_REVISION
        if revision:
            self.setWindowTitle(self.tr("Minta perbaikan"))
            intro = self.tr(
                "Tulis apa yang harus diperbaiki pemohon/operator. Alasan ini dikirim bersama "
                "permohonan {number} dan tercatat di riwayat."
            )
        else:
            self.setWindowTitle(self.tr("Tolak permohonan"))
            intro = self.tr(
                "Tulis alasan penolakan permohonan {number}. Penolakan mengakhiri permohonan; "
                "alasan ini dibaca pemohon dan tercatat di riwayat."
            )
        label = QLabel(intro.format(number=number).replace("  ", " "), self)
        label.setWordWrap(True)

        self.items_label = QLabel(self)
        self.items_label.setWordWrap(True)
        self.items_label.setTextFormat(Qt.TextFormat.PlainText)
        if not_ok_items:
            self.items_label.setText(
                self.tr("Persyaratan yang ditandai tidak sesuai: {names}").format(
                    names=", ".join(name for name, _ in not_ok_items)
                )
            )
        self.items_label.setVisible(bool(not_ok_items))

        self.editor.setPlaceholderText(
            self.tr("Contoh: Foto KK buram; unggah ulang hasil pindai yang jelas.")
            if revision
            else self.tr("Contoh: Pemohon bukan penduduk wilayah ini (alamat KK di luar kota).")
        )
        if revision and not_ok_items:
            self.editor.setPlainText(prefill(not_ok_items))
        self.editor.setAccessibleName(self.tr("Alasan"))

        self.lay_out(label, self.items_label, height=320)
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)
