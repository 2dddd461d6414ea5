"""The header's second line: the service's tenggat (deadline), who is handling it (the claim),
and where the application came from. The first two change with the clock (a lease runs out while
the record is open), so they are recomputed on a timer; the line wraps rather than hiding the
submission time. While only a copy on this PC is shown (server down), who handles it now is not
known, and the line says so rather than repeating the copy's claim (or "Belum ditangani")."""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.domain.catalogue import Service
from desktop.domain.formatting import (
    DEADLINE_SOON_SECONDS,
    format_clock,
    format_datetime,
    format_deadline,
)
from desktop.domain.records import ApplicationDetail, ClaimInfo
from desktop.domain.workflow import TERMINAL_STATES
from desktop.views.workbench import shortcuts
from desktop.views.workbench.elided_label import ElidedLabel
from desktop.views.workbench.wrap_row import WrapRow

LATE = "QLabel { color: #c50f1f; font-weight: bold; }"
SOON = "QLabel { color: #8a5300; font-weight: bold; }"
MINE = "QLabel { color: #107c10; font-weight: bold; }"
OTHERS = "QLabel { color: #8a5300; }"
SOON_SECONDS = DEADLINE_SOON_SECONDS
"""Amber threshold, the same as the queue's (`formatting.DEADLINE_SOON_SECONDS`)."""


class ClaimLine(WrapRow):
    """Tenggat | who handles it [Tangani] | channel · office · submitted. `claim_button` is wired by
    the workbench, which decides whether claiming makes sense."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sla_label = QLabel(self)
        self.sla_label.setTextFormat(Qt.TextFormat.PlainText)
        self.claim_label = QLabel(self)
        self.claim_label.setTextFormat(Qt.TextFormat.PlainText)
        self.claim_button = QPushButton(self.tr("Tangani"), self)
        self.info_label = ElidedLabel(self)
        self.info_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.sla_overdue = False

        claim = QWidget(self)
        self._claim_box = claim
        claim_layout = QHBoxLayout(claim)
        claim_layout.setContentsMargins(0, 0, 0, 0)
        claim_layout.setSpacing(8)
        self.claim_label.setParent(claim)
        self.claim_button.setParent(claim)
        claim_layout.addWidget(self.claim_label)
        claim_layout.addWidget(self.claim_button)
        for widget in (self.sla_label, claim, self.info_label):
            self.add_widget(widget)
        self.set_claim_button(visible=False, enabled=False, other_active=False)

    def show_origin(self, text: str, tooltip: str) -> None:
        """The channel · office · submission part (it does not change with the clock)."""
        self.info_label.setText(text)
        self.info_label.setToolTip(tooltip)
        self.updateGeometry()

    def refresh(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        claim: ClaimInfo | None,
        user_id: str,
        now: datetime,
        tz: tzinfo | None,
        *,
        claim_known: bool = True,
    ) -> None:
        """Recompute the deadline and the claim texts for `now`. `claim_known` False: the
        data is a copy kept on this PC, so the claim it records says nothing about now."""
        text, style = self._sla(detail, service, now, tz)
        self.sla_label.setText(text)
        self.sla_label.setStyleSheet(style)
        self.sla_overdue = style == LATE
        if detail.status is not None and detail.status.terminal:
            text, style = "", ""  # finished: nobody handles it any more, nothing to say
        elif not claim_known:
            text, style = self.tr("Penanganan: tidak diketahui (server tidak tersambung)"), ""
        else:
            text, style = self._claim(claim, user_id, now, tz)
        self.claim_label.setText(text)
        self.claim_label.setStyleSheet(style)
        self._show_claim_box()
        self.updateGeometry()

    def _show_claim_box(self) -> None:
        self.claim_label.setVisible(bool(self.claim_label.text()))
        self._claim_box.setVisible(
            bool(self.claim_label.text()) or not self.claim_button.isHidden()
        )

    def set_claim_button(self, *, visible: bool, enabled: bool, other_active: bool) -> None:
        self.claim_button.setVisible(visible)
        self.claim_button.setEnabled(enabled)
        self._show_claim_box()
        if other_active:
            self.claim_button.setToolTip(
                self.tr(
                    "Permohonan sedang ditangani petugas lain; tunggu sampai waktu "
                    "penanganannya berakhir."
                )
            )
        else:
            self.claim_button.setToolTip(
                self.tr("Tangani permohonan ini agar dapat memutuskan ({keys})").format(
                    keys=shortcuts.BY_ID["claim"].keys_text
                )
            )

    def clear(self) -> None:
        for label in (self.sla_label, self.claim_label):
            label.setText("")
            label.setStyleSheet("")
        self.show_origin("", "")
        self.sla_overdue = False
        self.set_claim_button(visible=False, enabled=False, other_active=False)

    def _sla(
        self, detail: ApplicationDetail, service: Service | None, now: datetime, tz: tzinfo | None
    ) -> tuple[str, str]:
        if detail.due_at is None:
            if service is not None:
                return (
                    self.tr("Tenggat layanan: {h} jam sejak berkas lengkap").format(
                        h=service.sla_hours
                    ),
                    "",
                )
            return self.tr("Tenggat layanan: —"), ""
        due = format_datetime(detail.due_at, tz)
        remaining = detail.due_at - now
        if detail.status is None or detail.status in TERMINAL_STATES:
            return self.tr("Tenggat layanan: {due}").format(due=due), ""
        text = self.tr("Tenggat layanan: {due} ({left})").format(
            due=due, left=format_deadline(remaining)
        )
        if remaining.total_seconds() < 0:
            return text, LATE
        return text, SOON if remaining.total_seconds() < SOON_SECONDS else ""

    def _claim(
        self, claim: ClaimInfo | None, user_id: str, now: datetime, tz: tzinfo | None
    ) -> tuple[str, str]:
        if claim is None:
            return self.tr("Belum ditangani"), ""
        until = format_clock(claim.expires_at, now, tz)
        active = now < claim.expires_at
        name = claim.full_name or claim.username
        if claim.user_id == user_id:
            if active:
                return self.tr("Sedang Anda tangani hingga pukul {time}").format(time=until), MINE
            return self.tr("Waktu penanganan Anda berakhir pukul {time}; tangani lagi").format(
                time=until
            ), SOON
        if active:
            text = self.tr("Sedang ditangani oleh {name} hingga pukul {time}")
            return text.format(name=name, time=until), OTHERS
        text = self.tr("Penanganan oleh {name} berakhir pukul {time}; dapat Anda tangani")
        return text.format(name=name, time=until), ""
