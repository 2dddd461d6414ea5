"""The workbench header: which application this is (number, status, service), where to go next,
and the claim line below it. It shows; the workbench decides."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.domain.catalogue import Service
from desktop.domain.formatting import format_datetime, unknown_status_label
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import State
from desktop.views.workbench import shortcuts
from desktop.views.workbench.claim_line import ClaimLine
from desktop.views.workbench.elided_label import ElidedLabel

STATE_COLORS: dict[State | None, str] = {
    State.DRAFT: "#605e5c",
    State.SUBMITTED: "#0f6cbd",
    State.NEEDS_REVISION: "#8a5300",
    State.VERIFIED: "#00747a",
    State.VALIDATED: "#5c2e91",
    State.SIGNED: "#107c10",
    State.COMPLETED: "#3b6e3b",
    State.REJECTED: "#c50f1f",
    State.CANCELLED: "#605e5c",
    None: "#323130",
}


class WorkbenchHeader(QFrame):
    """Number · status · service · ‹ › Pintasan Tutup, then the `ClaimLine`."""

    previous_requested = Signal()
    next_requested = Signal()
    help_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workbenchHeader")
        self.setStyleSheet(
            "QFrame#workbenchHeader { background: palette(window); "
            "border-bottom: 1px solid #d2d0ce; }"
        )
        self.number_label = QLabel(self)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        number_font = self.number_label.font()
        number_font.setPointSizeF(number_font.pointSizeF() + 3)
        number_font.setBold(True)
        self.number_label.setFont(number_font)
        self.status_label = QLabel(self)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.service_label = ElidedLabel(self)
        service_font = self.service_label.font()
        service_font.setPointSizeF(service_font.pointSizeF() + 1)
        self.service_label.setFont(service_font)

        self.previous_button = QPushButton(self.tr("‹ Sebelumnya"), self)
        self.previous_button.clicked.connect(self.previous_requested.emit)
        self.next_button = QPushButton(self.tr("Berikutnya ›"), self)
        self.next_button.clicked.connect(self.next_requested.emit)
        self.help_button = QPushButton(self.tr("Pintasan"), self)
        self.help_button.clicked.connect(self.help_requested.emit)
        self.close_button = QPushButton(self.tr("Tutup"), self)
        self.close_button.clicked.connect(self.close_requested.emit)
        for button, sid, tip in (
            (self.previous_button, "previous_application", self.tr("Permohonan sebelumnya")),
            (self.next_button, "next_application", self.tr("Permohonan berikutnya")),
            (self.help_button, "shortcut_help", self.tr("Daftar pintasan keyboard")),
            (self.close_button, "close", self.tr("Tutup permohonan, kembali ke antrean")),
        ):
            button.setToolTip(f"{tip} ({shortcuts.BY_ID[sid].keys_text})")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self.claim_line = ClaimLine(self)

        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.number_label)
        row.addWidget(self.status_label)
        row.addWidget(self.service_label, 1)
        for button in (self.previous_button, self.next_button, self.help_button, self.close_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.claim_line)

    def show_application(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        office_name: str | None,
        tz: tzinfo | None,
    ) -> None:
        """Fill everything that does not change with the clock."""
        self._show_number(detail)
        self._show_status(detail)
        if service is not None:
            self.service_label.setText(service.name)
            self.service_label.setToolTip(f"{service.name} ({service.code})")
        else:
            self.service_label.setText(
                self.tr("{code} (layanan tidak ada di katalog)").format(code=detail.service_code)
            )
            self.service_label.setToolTip("")
        self._show_origin(detail, office_name, tz)

    def clear(self) -> None:
        self.number_label.setText(self.tr("Tidak ada permohonan"))
        self.number_label.setToolTip("")
        self.status_label.setText("")
        self.status_label.setStyleSheet("")
        self.status_label.setToolTip("")
        self.service_label.setText(self.tr("Pilih permohonan dari antrean."))
        self.service_label.setToolTip("")
        self.claim_line.clear()

    def _show_number(self, detail: ApplicationDetail) -> None:
        label = self.number_label
        if detail.registration_number:
            label.setText(detail.registration_number)
            if detail.provisional_number:
                label.setToolTip(
                    self.tr("Nomor pendaftaran; nomor sementara: {p}").format(
                        p=detail.provisional_number
                    )
                )
            else:
                label.setToolTip(self.tr("Nomor pendaftaran"))
        elif detail.provisional_number:
            label.setText(self.tr("{number} (sementara)").format(number=detail.provisional_number))
            label.setToolTip(
                self.tr(
                    "Nomor sementara: dibuat saat tidak tersambung; nomor resmi diberikan "
                    "saat tersambung"
                )
            )
        else:
            label.setText(self.tr("(belum bernomor)"))
            label.setToolTip("")

    def _show_status(self, detail: ApplicationDetail) -> None:
        state = detail.status
        if state is None:
            text = unknown_status_label(detail.status_raw)
            self.status_label.setToolTip(
                self.tr(
                    "Server mengirim status yang belum dikenal versi Loket ini; tidak ada aksi "
                    "yang ditawarkan. Perbarui Loket."
                )
            )
        else:
            text = state.label
            self.status_label.setToolTip(self.tr("Status permohonan"))
        color = STATE_COLORS.get(state, "#323130")
        self.status_label.setText(text)
        self.status_label.setStyleSheet(
            f"QLabel {{ background: {color}; color: white; border-radius: 8px; "
            f"padding: 2px 10px; font-weight: bold; }}"
        )

    def _show_origin(
        self, detail: ApplicationDetail, office_name: str | None, tz: tzinfo | None
    ) -> None:
        """Channel · office (its name when the shell knows it) · submission time in the PC's
        zone. The version number only matters to support staff: tooltip."""
        channel = (
            self.tr("Diajukan daring") if detail.channel == "online" else self.tr("Melalui loket")
        )
        office = office_name or self.tr("kantor {code}").format(code=detail.office_code)
        submitted = (
            self.tr("diajukan {when}").format(when=format_datetime(detail.submitted_at, tz))
            if detail.submitted_at
            else self.tr("belum diajukan")
        )
        text = " · ".join((channel, office, submitted))
        office_full = f"{office_name} ({detail.office_code})" if office_name else office
        tooltip = " · ".join(
            (channel, office_full, submitted, self.tr("versi {v}").format(v=detail.version))
        )
        self.claim_line.show_origin(text, tooltip)
