"""The operator's "Pendaftaran" page: open drafts on the left, the intake form on the right.

Left: this person's open drafts (service, applicant name, when saved), so a citizen who steps away
can wait while the next is served; "Baru" (Ctrl+N) starts another. Right: the service picker, the
applicant section, the service's own sections (catalogue data, `sections.Section` per
`FormSection`), the requirements checklist, and the submit bar. The form scrolls, the bar stays:
at 1366x768 nothing is taller than the screen.

Keys: Enter moves to the next field (never submits); Ctrl+Enter submits; Ctrl+N starts a new
draft; Ctrl+Shift+P scans for the requirement holding the focus (else the first mandatory one
still missing) through the scan dialog, whose PDFs are attached like imported files. Under the
NIK and KK fields, a line says whether the number read from the attached KTP-el/KK matches what
is typed (green "cocok", red "berbeda", grey otherwise), re-checked on every keystroke.
Messages stand beside their field as typed, never in a dialog; submit is refused only for
blocking problems, with the focus on the first. The only dialogs: a known applicant to fill in,
an open application of the same NIK and service (default button: Batal), the receipt.

All logic is in `controllers.intake.IntakeController`; this page only shows and asks.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.intake import NUMBER_FIELDS, DraftRow, IntakeController, Submitted
from desktop.domain.applicant_rules import (
    COUNTER_REQUIRED,
    LABELS,
    FieldProblem,
    check_applicant,
    check_service_data,
)
from desktop.domain.catalogue import Service
from desktop.domain.identity import check_nik, normalise_number
from desktop.domain.scan_match import NumberKind
from desktop.domain.wilayah import Wilayah, get_wilayah
from desktop.domain.workflow import State
from desktop.settings import Settings
from desktop.views.intake.fields import EnterMovesOn
from desktop.views.intake.requirements import RequirementsPanel
from desktop.views.intake.scanning import ScanSetup, open_scan_dialog
from desktop.views.intake.sections import FieldSpec, Section
from desktop.views.intake.service_picker import ServicePicker, service_label
from desktop.views.intake.shortcuts import keys as shortcut_keys
from desktop.views.queue.barcode import NO_SCAN_PROPERTY
from desktop.views.scan.dialog import ScanDialog
from desktop.views.workbench.places import region_text

SEX_CHOICES = (("L", "Laki-laki"), ("P", "Perempuan"))


def applicant_specs() -> list[FieldSpec]:
    """The applicant section: the keys of `domain.applicant_rules`, in KTP order."""
    kinds = {
        "nik": "nik",
        "kk_number": "kk",
        "birth_date": "tanggal",
        "sex": "pilihan",
        "phone": "telepon",
        "address": "teks_panjang",
        "rt": "angka",
        "rw": "angka",
        "village_code": "wilayah",
    }
    order = (
        "nik", "kk_number", "name", "birth_place", "birth_date", "sex", "phone", "email",
        "address", "rt", "rw", "village_code",
    )  # fmt: skip
    return [
        FieldSpec(
            key,
            LABELS[key],
            kinds.get(key, "teks"),
            key in COUNTER_REQUIRED,
            SEX_CHOICES if key == "sex" else (),
        )
        for key in order
    ]


def service_specs(service: Service) -> list[tuple[str, list[FieldSpec]]]:
    return [
        (
            section.label,
            [
                FieldSpec(section.key(f), f.label, f.kind, f.required, f.choices, f.hint)
                for f in section.fields
            ],
        )
        for section in service.sections
    ]


class IntakePage(QWidget):
    def __init__(
        self,
        controller: IntakeController,
        *,
        wilayah: Wilayah | None = None,
        today: Callable[[], date] = date.today,
        show_receipt: Callable[[QWidget, Submitted], None] | None = None,
        near: str = "",
        scan: ScanSetup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setProperty(NO_SCAN_PROPERTY, True)  # a typing form: no reader scans here
        self.controller = controller
        self.scan = scan
        self.scan_dialog: ScanDialog | None = None
        self.wilayah = wilayah or get_wilayah()
        self.near = near
        self.today = today
        self.show_receipt = show_receipt
        self.apply_settings: Callable[[Settings], None] = lambda _settings: None
        """This PC's settings changed (the receipt's layout, paper, printer): set by the wiring."""
        self.enter = EnterMovesOn(self)
        self.service: Service | None = None
        self.service_sections: list[Section] = []
        self._loading = False
        self._looked_up: set[str] = set()
        self._submit_tried = False
        self.last_submitted: Submitted | None = None
        self.duplicate_box: QMessageBox | None = None
        self._known_values: dict[str, str] = {}
        self._build()
        self._wire()
        self._show_form(False)

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        title = QLabel(self.tr("Draf terbuka"), left)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.new_button = QPushButton(self.tr("Baru (Ctrl+N)"), left)
        self.drafts_list = QListWidget(left)
        self.drafts_list.setWordWrap(True)
        self.drafts_list.setAlternatingRowColors(True)
        self.discard_button = QPushButton(self.tr("Buang draf…"), left)
        self.discard_button.setEnabled(False)
        left_layout.addWidget(title)
        left_layout.addWidget(self.new_button)
        left_layout.addWidget(self.drafts_list, 1)
        left_layout.addWidget(self.discard_button)
        left.setMinimumWidth(200)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        picker_row = QHBoxLayout()
        picker_label = QLabel(self.tr("&Layanan:"), right)
        self.picker = ServicePicker(right)
        picker_label.setBuddy(self.picker)
        self.saved_label = QLabel("", right)
        self.saved_label.setStyleSheet("QLabel { color: #605e5c; }")
        picker_row.addWidget(picker_label)
        picker_row.addWidget(self.picker, 1)
        picker_row.addWidget(self.saved_label)
        self.service_title = QLabel("", right)
        self.service_title.setWordWrap(True)
        big = self.service_title.font()
        big.setPointSizeF(big.pointSizeF() * 1.2)
        big.setBold(True)
        self.service_title.setFont(big)
        self.hint = QLabel(
            self.tr(
                "Ketik kode atau nama layanan di atas, pilih dengan panah dan Enter. Ctrl+N "
                "memulai draf baru; draf tersimpan sendiri selama Anda mengetik."
            ),
            right,
        )
        self.hint.setWordWrap(True)

        self.form = QWidget()
        self.form_layout = QVBoxLayout(self.form)
        self.form_layout.setContentsMargins(0, 0, 8, 0)
        self.applicant = Section(
            self.tr("Data pemohon"),
            applicant_specs(),
            enter=self.enter,
            wilayah=self.wilayah,
            near=self.near,
        )
        self.known_bar = QFrame(self.form)
        self.known_bar.setStyleSheet(
            "QFrame { background: #e8f1fb; border: 1px solid #9cc3ea; border-radius: 3px; }"
            "QLabel { border: none; }"
        )
        self.known_label = QLabel(self.known_bar)  # one line: a wrapped label in a scroll
        # area makes Qt under-size the form, squeezing the address box
        self.known_fill = QPushButton(self.tr("&Isi data"), self.known_bar)
        self.known_ignore = QPushButton(self.tr("Abaikan"), self.known_bar)
        known_layout = QHBoxLayout(self.known_bar)
        known_layout.addWidget(self.known_label, 1)
        known_layout.addWidget(self.known_fill)
        known_layout.addWidget(self.known_ignore)
        self.known_bar.hide()
        self.form_layout.addWidget(self.known_bar)
        self.form_layout.addWidget(self.applicant)
        self.sections_host = QVBoxLayout()
        self.form_layout.addLayout(self.sections_host)
        self.requirements = RequirementsPanel(self.form)
        self.requirements.set_scanning(self.scan is not None)
        self.form_layout.addWidget(self.requirements)
        self.form_layout.addStretch(1)
        self.form_scroll = QScrollArea(right)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        bar = QHBoxLayout()
        self.problems_label = QLabel("", right)
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.progress = QProgressBar(right)
        self.progress.setRange(0, 0)
        self.progress.setFixedWidth(120)
        self.progress.hide()
        self.submit_button = QPushButton(self.tr("Ajukan (Ctrl+Enter)"), right)
        self.submit_button.setAutoDefault(False)
        bar.addWidget(self.problems_label, 1)
        bar.addWidget(self.progress)
        bar.addWidget(self.submit_button)

        right_layout.addLayout(picker_row)
        right_layout.addWidget(self.service_title)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        right_layout.addWidget(self.hint, 1)  # holds the space while no form is shown
        right_layout.addWidget(self.form_scroll, 1)
        right_layout.addLayout(bar)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 900])
        splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.setFocusProxy(self.picker)

    def _wire(self) -> None:
        c = self.controller
        c.drafts_changed.connect(self._drafts_listed)
        c.draft_opened.connect(self._draft_opened)
        c.draft_closed.connect(self._draft_closed)
        c.saved.connect(self.saved_label.setText)
        c.save_failed.connect(self._save_failed)
        c.attached.connect(self._attached)
        c.attach_failed.connect(self._attach_failed)
        c.detached.connect(self._detached)
        c.known_found.connect(self._known_found)
        self.known_fill.clicked.connect(lambda: self._known_answered(True))
        self.known_ignore.clicked.connect(lambda: self._known_answered(False))
        c.duplicates_found.connect(self._duplicates_found)
        c.no_duplicates.connect(c.submit)
        c.submit_progress.connect(self._progress)
        c.submitted.connect(self._submitted)
        c.submit_failed.connect(self._submit_failed)
        self.picker.picked.connect(self._service_picked)
        self.new_button.clicked.connect(self.start_new)
        self.discard_button.clicked.connect(self._discard)
        self.drafts_list.currentItemChanged.connect(self._draft_selected)
        self.applicant.edited.connect(self._edited)
        self.requirements.import_requested.connect(
            lambda code, paths: self.controller.attach(code, paths)
        )
        self.requirements.remove_requested.connect(self.controller.detach)
        self.requirements.scan_requested.connect(self.scan_for)
        c.number_read.connect(self._show_number)
        self.submit_button.clicked.connect(self.try_submit)
        # The keys as listed by F1 and the manual (`views.intake.shortcuts`).
        self._new_keys: list[QShortcut] = []
        for sid, slot in (
            ("intake_submit", self.try_submit),
            ("intake_new", self.start_new),
            ("intake_scan", self._scan_key),
        ):
            for keys in shortcut_keys(sid):
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                if sid == "intake_new":
                    self._new_keys.append(shortcut)

    def new_keys_belong_to_window(self) -> None:
        """In the main window, Ctrl+N is the window's (it opens this page from any page); the
        page's own would make the key ambiguous while the page is shown, and neither fires."""
        for shortcut in self._new_keys:
            shortcut.setEnabled(False)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.picker.set_services(self.controller.services(), self.controller.recent.get())
        self.controller.refresh()

    # -- drafts list ---------------------------------------------------------------------------

    def _drafts_listed(self, rows: list[DraftRow]) -> None:
        current = self.controller.current.id if self.controller.current is not None else None
        self.drafts_list.blockSignals(True)
        self.drafts_list.clear()
        for row in rows:
            item = QListWidgetItem(f"{row.service}\n{row.name} · {row.saved}", self.drafts_list)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setToolTip(item.text())
            if row.id == current:
                self.drafts_list.setCurrentItem(item)
        self.drafts_list.blockSignals(False)
        self.discard_button.setEnabled(self.drafts_list.currentItem() is not None)

    def _draft_selected(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.discard_button.setEnabled(item is not None)
        if item is not None:
            self.controller.open_draft(str(item.data(Qt.ItemDataRole.UserRole)))

    def start_new(self) -> None:
        """Ctrl+N: leave the draft on screen in the list, pick the next service."""
        self.controller.close_draft()
        self.picker.clear()
        self.picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.show_all()

    def _discard(self) -> None:
        item = self.drafts_list.currentItem()
        if item is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Buang draf"),
            self.tr("Buang draf ini beserta berkas yang dilampirkan? Tidak dapat dibatalkan."),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Discard).setText(self.tr("Buang"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Batal"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        if box.exec() == QMessageBox.StandardButton.Discard:
            self.controller.discard(str(item.data(Qt.ItemDataRole.UserRole)))

    # -- a draft on screen ---------------------------------------------------------------------

    def _service_picked(self, code: str) -> None:
        draft = self.controller.current
        if draft is None:
            self.controller.new_draft(code)
            return
        if draft.service_code != code:
            draft.service_code = code
            self.controller.recent.used(code)
            self._set_service(code)
            self._edited("")
        self._focus_first_field()

    def _set_service(self, code: str) -> None:
        service = self.controller.service(code)
        self.service = service
        self.picker.setText(service_label(service) if service is not None else code)
        self.picker.setCursorPosition(0)  # the code and the start of the name show
        self.service_title.setText(service.name if service is not None else code)
        for section in self.service_sections:
            self.sections_host.removeWidget(section)
            section.deleteLater()
        self.service_sections = []
        if service is not None:
            for title, specs in service_specs(service):
                section = Section(
                    title, specs, enter=self.enter, wilayah=self.wilayah, near=self.near
                )
                section.edited.connect(self._edited)
                self.sections_host.addWidget(section)
                self.service_sections.append(section)
        self.requirements.set_requirements(
            service.requirements if service is not None else (), self.controller.catalogue
        )
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.picker]
        for section in (self.applicant, *self.service_sections):
            chain += [row.input.focus_widget() for row in section.rows.values()]
        for box in self.requirements.boxes.values():
            chain += [box.files, box.import_button, box.remove_button, box.scan_button]
        chain.append(self.submit_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _draft_opened(self, draft: Any) -> None:
        self._loading = True
        try:
            self._set_service(draft.service_code)
            self.applicant.set_values(draft.applicant)
            data = dict(draft.data)
            for section in self.service_sections:
                section.set_values(data)
            self.requirements.set_attachments(draft.attachments)
        finally:
            self._loading = False
        self._submit_tried = False
        self.known_bar.hide()
        self._looked_up = {normalise_number(draft.applicant.get("nik", ""))}
        self.saved_label.setText("")
        self.problems_label.setText("")
        self._show_form(True)
        self._check()
        for kind in NUMBER_FIELDS:
            self._show_number(kind)
        self._focus_first_field()

    def _focus_first_field(self) -> None:
        self.applicant.rows["nik"].input.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    def _draft_closed(self) -> None:
        self._show_form(False)
        self.picker.clear()
        self.saved_label.setText("")
        self.drafts_list.clearSelection()
        self.drafts_list.setCurrentRow(-1)

    def _show_form(self, on: bool) -> None:
        self.form_scroll.setVisible(on)
        self.submit_button.setVisible(on)
        self.problems_label.setVisible(on)
        self.service_title.setVisible(on)
        self.hint.setVisible(not on)

    def values(self) -> tuple[dict[str, str], dict[str, str]]:
        data: dict[str, str] = {}
        for section in self.service_sections:
            data.update(section.values())
        return self.applicant.values(), data

    def _edited(self, key: str) -> None:
        if self._loading:
            return
        applicant, data = self.values()
        self.controller.set_values(applicant, data)
        self.saved_label.setText(self.tr("Menyimpan…"))
        self._check()
        if key == "nik":
            self._maybe_look_up(applicant.get("nik", ""))
        other = next((sec.rows[key] for sec in self.service_sections if key in sec.rows), None)
        for kind, field_key in NUMBER_FIELDS.items():
            if key == field_key or (other is not None and other.spec.kind == kind):
                self._show_number(kind)

    # -- checks --------------------------------------------------------------------------------

    def problems(self) -> list[FieldProblem]:
        applicant, data = self.values()
        today = self.today()
        found = check_applicant(
            applicant, today=today, wilayah=self.wilayah, required=COUNTER_REQUIRED
        )
        if self.service is not None:
            found += check_service_data(self.service, data, today=today, wilayah=self.wilayah)
        return found

    def _rows(self) -> dict[str, Any]:
        rows: dict[str, Any] = dict(self.applicant.rows)
        for section in self.service_sections:
            rows.update(section.rows)
        return rows

    def _check(self, everything: bool = False) -> list[FieldProblem]:
        """Show each field's first problem beside it: for fields the person has touched, or
        all of them once a submit was tried."""
        found = self.problems()
        rows = self._rows()
        first: dict[str, FieldProblem] = {}
        for p in found:
            seen = first.get(p.field)
            if seen is None or (p.blocking and not seen.blocking):
                first[p.field] = p
        show_all = everything or self._submit_tried
        for key, row in rows.items():
            shown = first.get(key)
            if shown is not None and (show_all or row.touched):
                row.show_problem(shown.message, shown.blocking)
            else:
                row.clear_problem()
        return found

    def _maybe_look_up(self, text: str) -> None:
        nik = normalise_number(text)
        if len(nik) != 16 or nik in self._looked_up:
            return
        if not check_nik(nik, today=self.today(), wilayah=self.wilayah).ok:
            return
        self._looked_up.add(nik)
        self.controller.look_up(nik)

    def _known_found(self, values: dict[str, str]) -> None:
        """A bar above the form, never a dialog: a question popping up mid-typing would take
        the keys meant for the next field."""
        self._known_values = values
        name = values.get("name", "")
        self.known_label.setText(
            self.tr(
                "NIK ini dikenal: %1. Isi isian yang kosong dari permohonan sebelumnya?"
            ).replace("%1", name)
        )
        self.known_bar.show()

    def _known_answered(self, fill_in: bool) -> None:
        self.known_bar.hide()
        values, self._known_values = self._known_values, {}
        if not fill_in:
            return
        current, _ = self.values()
        fill = {k: v for k, v in values.items() if v and k != "nik" and not current.get(k)}
        if fill:
            self._fill_known(fill)

    def _fill_known(self, fill: dict[str, str]) -> None:
        current, _ = self.values()
        merged = {**current, **fill}
        self._loading = True
        try:
            self.applicant.set_values(merged)
        finally:
            self._loading = False
        self._edited("")

    # -- attachments ---------------------------------------------------------------------------

    def _attached(self, code: str, attachment: Any) -> None:
        box = self.requirements.boxes.get(code)
        if box is not None:
            box.add(attachment)
        self._check()

    def _attach_failed(self, code: str, message: str) -> None:
        box = self.requirements.boxes.get(code)
        if box is not None:
            box.failed(message)

    def _detached(self, code: str, attachment_id: str) -> None:
        box = self.requirements.boxes.get(code)
        if box is not None:
            box.remove(attachment_id)

    # -- scanning ------------------------------------------------------------------------------

    def _scan_key(self) -> None:
        box = self.requirements.scan_target(QApplication.focusWidget())
        if box is not None and self.controller.current is not None:
            self.form_scroll.ensureWidgetVisible(box)
            self.scan_for(box.code)

    def scan_for(self, code: str) -> None:
        """ "Pindai" of requirement `code`: the scan dialog with every requirement of the
        service (pages may be assigned to any), its PDFs attached to their requirements."""
        if self.scan is None or self.controller.current is None or self.scan_dialog is not None:
            return
        boxes = self.requirements.boxes
        requirements = [(c, box.name) for c, box in boxes.items()]

        def done(attachments: dict[str, Path], folder: Path) -> None:
            for c in attachments:
                box = boxes.get(c)
                if box is not None:
                    box.expect(1)
            self.controller.attach_scanned(attachments, folder)

        dialog = open_scan_dialog(self, self.scan, requirements, code, done)
        self.scan_dialog = dialog
        dialog.finished.connect(lambda _r: self._scan_closed(code))

    def _scan_closed(self, code: str) -> None:
        self.scan_dialog = None
        box = self.requirements.boxes.get(code)
        if box is not None:
            box.scan_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_number(self, kind: str) -> None:
        """The note under the NIK/KK field: what the attached KTP-el/KK says against the
        typed number."""
        number_kind: NumberKind = "kk" if kind == "kk" else "nik"
        row = self.applicant.rows.get(NUMBER_FIELDS[number_kind])
        if row is None:
            return
        loaded = self.controller.current is not None
        typed = row.input.value() if loaded else ""
        others = [
            (other.spec.label, other.input.value())
            for section in self.service_sections
            for other in section.rows.values()
            if loaded and other.spec.kind == number_kind
        ]
        line = self.controller.number_line(number_kind, typed, others)
        if line is None:
            row.show_note("")
        else:
            row.show_note(line.text, line.status)

    # -- submit --------------------------------------------------------------------------------

    def try_submit(self) -> None:
        """Ctrl+Enter / "Ajukan": blocking problems first (focus on the first), then the
        duplicate check, then the controller submits."""
        if self.controller.current is None or self.controller.busy_submitting:
            return
        self._submit_tried = True
        found = [p for p in self._check(everything=True) if p.blocking]
        rows = self._rows()
        missing = self.requirements.missing()
        for box in missing:
            box.show_message(self.tr("Dokumen wajib ini belum dilampirkan."))
        if found or missing:
            self.problems_label.setStyleSheet("QLabel { color: #b3261e; }")
            count = len({p.field for p in found}) + len(missing)
            self.problems_label.setText(
                self.tr("Belum dapat diajukan: %1 isian perlu diperbaiki.").replace(
                    "%1", str(count)
                )
            )
            blocked = {p.field for p in found}
            target = next((row for key, row in rows.items() if key in blocked), None)
            if target is not None:
                widget = target.input.focus_widget()
                self.form_scroll.ensureWidgetVisible(widget)
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            elif missing:
                self.form_scroll.ensureWidgetVisible(missing[0])
                missing[0].import_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.problems_label.setText("")
        applicant, _ = self.values()
        self.controller.flush()
        draft = self.controller.current
        self.controller.check_duplicates(
            normalise_number(applicant.get("nik", "")), draft.service_code
        )

    def _duplicates_found(self, hits: list[Any]) -> None:
        self._progress("")
        lines = "\n".join(f"• {_hit_text(h, self.wilayah)}" for h in hits)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Permohonan ganda?"),
            self.tr(
                "NIK ini sudah mempunyai permohonan terbuka untuk layanan yang sama:\n%1\n\n"
                "Tetap ajukan permohonan baru?"
            ).replace("%1", lines),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        go = box.addButton(self.tr("Tetap ajukan"), QMessageBox.ButtonRole.AcceptRole)
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Batal"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        go.setAutoDefault(False)
        self.duplicate_box = box

        def answered(_result: int) -> None:
            self.duplicate_box = None
            if box.clickedButton() is go:
                self.controller.submit()
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def _progress(self, text: str) -> None:
        self.progress.setVisible(bool(text))
        self.problems_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.problems_label.setText(text)
        self.submit_button.setEnabled(not text)

    def _submitted(self, result: Submitted) -> None:
        self._progress("")
        self.last_submitted = result
        kind = self.tr("nomor sementara") if result.provisional else self.tr("nomor")
        self.problems_label.setText(
            self.tr("Diajukan dengan %1 %2.").replace("%1", kind).replace("%2", result.number)
        )
        self.problems_label.setVisible(True)
        self.hint.setText(self.problems_label.text())
        if self.show_receipt is not None:
            self.show_receipt(self, result)
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def _submit_failed(self, message: str) -> None:
        self._progress("")
        self.problems_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.problems_label.setText(message)

    def _save_failed(self, message: str) -> None:
        self.saved_label.setText(self.tr("Belum tersimpan"))
        self.saved_label.setToolTip(message)
        self.problems_label.setText(message)


def _hit_text(hit: Any, wilayah: Wilayah | None = None) -> str:
    """ "1471-261203-0001-5 (Diajukan, Siti)": the number and the status in words. Another
    office's comes without number or name (the server keeps them): "di Kel. Tampan, Kec.
    Payung Sekaki, Kota Pekanbaru (Diverifikasi)", so the citizen can be told where it is."""
    status = str(getattr(hit, "status", "") or "")
    with contextlib.suppress(ValueError):
        status = State(status).label
    if not getattr(hit, "in_scope", True):
        office = str(getattr(hit, "office_code", "") or "")
        where = QCoreApplication.translate("IntakePage", "di kantor lain")
        if office:
            where = QCoreApplication.translate("IntakePage", "di %1").replace(
                "%1", region_text(office, wilayah)
            )
        return f"{where} ({status})" if status else where
    number = str(getattr(hit, "number", "") or "") or QCoreApplication.translate(
        "IntakePage", "draf lain di komputer ini"
    )
    name = str(getattr(hit, "applicant_name", "") or "")
    details = ", ".join(p for p in (status, name) if p)
    return f"{number} ({details})" if details else number
