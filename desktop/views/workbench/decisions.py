"""Before a decision leaves the workbench: may it be taken now, does the checklist contradict
it, and the dialogs that ask for a reason or a confirmation.

Refusals come from `desktop.domain.workflow.transition`, the table the server decides with, so
a key pressed at the wrong moment gets the same explanation the server would give. A dialog
belongs to the application it was opened for: `dismiss` closes it when another one is shown,
so a reason typed for one application is never sent for the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Action, Refusal, RefusalCode, Role, State, transition
from desktop.views.dialogs import set_main_button
from desktop.views.workbench.checklist import ChecklistWidget
from desktop.views.workbench.reason_dialog import ReasonDialog


class Decisions(QObject):
    """Checks and dialogs for one workbench (`parent_widget` owns the dialogs)."""

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._widget = parent_widget
        self.reason_dialog: ReasonDialog | None = None
        self.confirm_box: QMessageBox | None = None

    def refusal(
        self,
        detail: ApplicationDetail | None,
        action: Action,
        offered: Sequence[Action],
        roles: Sequence[Role],
        *,
        holds_claim: bool,
        busy: bool,
    ) -> str | None:
        """Why `action` cannot be taken now (Indonesian), or None."""
        if detail is None:
            return self.tr("Tidak ada permohonan yang dibuka.")
        if busy:
            return self.tr("Tunggu, aksi sebelumnya masih diproses.")
        if detail.status is None:
            return self.tr("Status permohonan tidak dikenal; tidak ada aksi yang dapat dilakukan.")
        if action not in offered:
            return self.tr("“{action}” tidak tersedia untuk permohonan ini.").format(
                action=action.label
            )
        refusals: list[Refusal] = []
        for role in roles:
            outcome = transition(detail.status, action, role, reason="-", holds_claim=holds_claim)
            if isinstance(outcome, State):
                return None
            refusals.append(outcome)
        if not refusals:
            return self.tr("Anda tidak memiliki peran untuk aksi ini.")
        # The refusal of a role that may act at all says what to do (e.g. claim first).
        relevant = [r for r in refusals if r.code is not RefusalCode.ROLE_NOT_ALLOWED]
        return (relevant or refusals)[0].message

    def doubts(self, checklist: ChecklistWidget, applicant_problems: Sequence[str] = ()) -> str:
        """What speaks against a positive decision, or "": a mismatch or an invalid number
        shown in the applicant panel, requirements not checked, marked not OK, or missing."""
        lines = []
        if applicant_problems:
            lines.append(
                self.tr("Data pemohon bermasalah (lihat Data pemohon):\n{items}").format(
                    items="\n".join(f"• {p}" for p in applicant_problems)
                )
            )
        unchecked = checklist.unchecked()
        judgeable = [r for r in checklist.rows if r.judgeable]
        if unchecked:
            lines.append(
                self.tr("Belum diperiksa: {n} dari {total} persyaratan ({names}).").format(
                    n=len(unchecked),
                    total=len(judgeable),
                    names=", ".join(r.data.name for r in unchecked),
                )
            )
        bad = checklist.not_ok_rows()
        if bad:
            lines.append(
                self.tr("Ditandai tidak sesuai: {names}.").format(
                    names=", ".join(r.data.name for r in bad)
                )
            )
        missing = checklist.missing_mandatory()
        if missing:
            lines.append(
                self.tr("Dokumen wajib belum diunggah: {names}.").format(
                    names=", ".join(r.data.name for r in missing)
                )
            )
        return "\n".join(lines)

    def ask_reason(
        self,
        action: Action,
        not_ok_items: Sequence[tuple[str, str]],
        number: str,
        on_reason: Callable[[str], None],
    ) -> None:
        """Open the reason dialog; `on_reason(text)` when the person sends it."""
        dialog = ReasonDialog(action, not_ok_items=not_ok_items, number=number, parent=self._widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.accepted.connect(lambda: on_reason(dialog.reason()))
        dialog.finished.connect(self._reason_closed)
        self.reason_dialog = dialog
        dialog.open()

    def confirm(self, title: str, text: str, yes_label: str, on_yes: Callable[[], None]) -> None:
        """A warning box whose default (Enter) and Escape are "Batal": a decision that cannot
        be undone, or one taken over a doubt, is never one key press away. Only the default
        button is auto-default, so focus moving to the other never makes Enter take it."""
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        yes = box.addButton(yes_label, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        set_main_button(box, no)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

        def clicked(button: QAbstractButton) -> None:
            self.confirm_box = None
            if button is yes:
                on_yes()

        box.buttonClicked.connect(clicked)
        self.confirm_box = box
        box.open()

    def is_open(self) -> bool:
        return self.reason_dialog is not None or self.confirm_box is not None

    def dismiss(self) -> None:
        """Close any open dialog without deciding."""
        for dialog in (self.reason_dialog, self.confirm_box):
            if dialog is not None:
                dialog.reject()
        self.reason_dialog = None
        self.confirm_box = None

    def _reason_closed(self) -> None:
        self.reason_dialog = None
