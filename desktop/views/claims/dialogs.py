"""Release and reassign a claim: both need a reason, which the server keeps in the history and
tells the former holder. The keys are those of every reason dialog (`RequiredReasonDialog`):
Ctrl+Enter confirms, Enter is a new line, Esc cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from desktop.services.claims_supervision import REASON_MAX, Candidate, HeldClaim
from desktop.views.required_reason import RequiredReasonDialog

REASON_MIN = 3


class _ReasonDialog(RequiredReasonDialog):
    def _update(self) -> None:
        super()._update()
        if self.ok_button.isEnabled() and len(self.reason()) < REASON_MIN:
            self.ok_button.setEnabled(False)
            self.counter.setText(self.tr("Alasan minimal %1 karakter").replace("%1", "3"))


class ReleaseDialog(_ReasonDialog):
    def __init__(self, claim: HeldClaim, parent: QWidget | None = None) -> None:
        super().__init__(max_length=REASON_MAX, danger=True, parent=parent)
        self.setWindowTitle(self.tr("Lepas klaim %1").replace("%1", claim.number))
        self.ok_button.setText(self.tr("&Lepas klaim (Ctrl+Enter)"))
        text = QLabel(
            self.tr(
                "Klaim %1 oleh %2 dilepas; permohonan kembali dapat diambil petugas lain. "
                "%2 diberi tahu beserta alasannya saat aplikasinya menghubungi server lagi."
            )
            .replace("%1", claim.number)
            .replace("%2", claim.holder_name),
            self,
        )
        text.setWordWrap(True)
        label = QLabel(self.tr("&Alasan (wajib):"), self)
        label.setBuddy(self.editor)
        self.lay_out(text, label, height=300)


class ReassignDialog(_ReasonDialog):
    """Choose the officer (only those the server says can act on the application now), then
    the reason. Up/Down in the list, Tab to the reason."""

    def __init__(
        self, claim: HeldClaim, candidates: list[Candidate], parent: QWidget | None = None
    ) -> None:
        super().__init__(max_length=REASON_MAX, danger=False, parent=parent)
        self.candidates = candidates
        self.setWindowTitle(self.tr("Alihkan klaim %1").replace("%1", claim.number))
        self.ok_button.setText(self.tr("&Alihkan (Ctrl+Enter)"))
        text = QLabel(
            self.tr("Klaim %1 sekarang dipegang %2 — alihkan kepada petugas berikut.")
            .replace("%1", claim.number)
            .replace("%2", claim.holder_name),
            self,
        )
        text.setWordWrap(True)
        self.chooser = QListWidget(self)
        for c in candidates:
            item = QListWidgetItem(f"{c.full_name} ({c.username}) — {c.office_code}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.chooser.addItem(item)
        if candidates:
            self.chooser.setCurrentRow(0)
        self.chooser.currentRowChanged.connect(lambda _row: self._update())
        who = QLabel(self.tr("&Petugas tujuan:"), self)
        who.setBuddy(self.chooser)
        empty = QLabel(
            self.tr("Tidak ada petugas lain yang dapat menangani permohonan ini sekarang."), self
        )
        empty.setVisible(not candidates)
        label = QLabel(self.tr("A&lasan (wajib):"), self)
        label.setBuddy(self.editor)
        self.lay_out(text, who, self.chooser, empty, label, height=460)
        self.setTabOrder(self.chooser, self.editor)
        self.chooser.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.chooser.setFocus(Qt.FocusReason.OtherFocusReason)  # the officer first

    def chosen(self) -> Candidate | None:
        row = self.chooser.currentRow()
        return self.candidates[row] if 0 <= row < len(self.candidates) else None

    def _update(self) -> None:
        super()._update()
        if self.ok_button.isEnabled() and getattr(self, "chooser", None) is not None:
            self.ok_button.setEnabled(self.chosen() is not None)
