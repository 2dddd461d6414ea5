"""The operator's "Perbaikan" panel for an application returned for revision.

Shown in the workbench (a tab beside Persyaratan) when an operator opens an application in
"Perlu perbaikan". Top to bottom, in the order a person works through it at the counter:

- why it came back: the overall reason, who returned it and when;
- per requirement: the verifier's mark and note, the documents on the server now, the files
  added here and not sent yet, and "Tambah berkas…" (a replacement is a newer document for the
  same requirement: the server keeps the old one in the record), and "Pindai…" where a
  scanner is set up (issue 12: the scan dialog's PDFs are added like chosen files);
- the applicant's data and the service's own data, editable (D's field widgets, checked with
  A's applicant rules as the person leaves a field and again before sending);
- "Cetak daftar kekurangan" (what the citizen must bring) and "Ajukan ulang".

No HTTP and no SQL here: `resubmit_requested` carries a `RevisionRequest`; the workbench's
controller keeps it in the outbox (edit, documents, resubmission, in that order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, tzinfo
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.catalogue import DocumentType, Service
from desktop.domain.formatting import format_datetime
from desktop.domain.records import ApplicationDetail
from desktop.domain.wilayah import Wilayah, get_wilayah
from desktop.services.revision import (
    APPLICANT_KEYS,
    NewFile,
    Reasons,
    RevisionRequest,
    UnsentRevision,
    applicant_values,
    changed,
    check_values,
    detail_data,
    reasons_for,
)
from desktop.views.intake.fields import EnterMovesOn, FieldInput, make_input
from desktop.views.queue.barcode import NO_SCAN_PROPERTY
from desktop.views.revision.scanning import ScanAccess, ScanFolders, scan_documents

APPLICANT_LABELS: dict[str, tuple[str, str]] = {
    "nik": ("NIK", "nik"),
    "name": ("Nama lengkap", "teks"),
    "birth_place": ("Tempat lahir", "teks"),
    "birth_date": ("Tanggal lahir", "tanggal"),
    "sex": ("Jenis kelamin", "pilihan"),
    "kk_number": ("Nomor KK", "kk"),
    "phone": ("Telepon", "telepon"),
    "email": ("E-mail", "teks"),
    "address": ("Alamat", "teks_panjang"),
    "rt": ("RT", "angka"),
    "rw": ("RW", "angka"),
}
"""The applicant's fields in the editor (label, field kind); village_code is kept as it is."""

FileChooser = Callable[[QWidget, str], Path | None]


def choose_file(parent: QWidget, title: str) -> Path | None:
    """The import dialog (non-native: the same on every PC, and drivable in tests)."""
    name, _filter = QFileDialog.getOpenFileName(
        parent,
        title,
        "",
        "Dokumen (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)",
        options=QFileDialog.Option.DontUseNativeDialog,
    )
    return Path(name) if name else None


class RequirementBox(QGroupBox):
    """One requirement: the mark and note, the documents, the files added here."""

    add_requested = Signal(str)
    scan_requested = Signal(str)

    def __init__(self, code: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.code = code
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.documents = QWidget(self)  # one label a file: sized by its own line
        self.document_lines = QVBoxLayout(self.documents)
        self.document_lines.setContentsMargins(0, 0, 0, 0)
        self.document_lines.setSpacing(1)
        self.add_button = QPushButton(self.tr("Tambah berkas…"), self)
        self.add_button.setAccessibleName(self.tr("Tambah berkas untuk %1").replace("%1", title))
        self.add_button.clicked.connect(lambda: self.add_requested.emit(self.code))
        self.scan_button = QPushButton(self.tr("Pindai…"), self)
        self.scan_button.setAccessibleName(self.tr("Pindai untuk %1").replace("%1", title))
        self.scan_button.setToolTip(self.tr("Pindai dokumen untuk persyaratan ini"))
        self.scan_button.clicked.connect(lambda: self.scan_requested.emit(self.code))
        self.scan_button.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.documents, 1)
        row.addWidget(self.scan_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        # Never squeezed below what its lines need (the scroll area scrolls instead).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.status)
        layout.addLayout(row)

    def show_reason(self, ok: bool | None, note: str) -> None:
        if ok is False:
            text = self.tr("✗ Perlu diperbaiki")
            color = "#b3261e"
        elif ok is True:
            text = self.tr("✓ Sudah sesuai")
            color = "#1b6e20"
        else:
            text = self.tr("Tidak dinilai")
            color = "#555555"
        if note:
            text += " — " + note
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color};")

    def show_documents(self, lines: list[str]) -> None:
        while (item := self.document_lines.takeAt(0)) is not None:
            if (old := item.widget()) is not None:
                old.hide()
                old.deleteLater()
        for line in lines or [self.tr("Belum ada dokumen.")]:
            label = QLabel(line, self.documents)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)  # beside two buttons: wraps rather than widening the box
            self.document_lines.addWidget(label)

    def documents_text(self) -> str:
        """The lines shown (for people reading tests and logs)."""
        out = []
        for i in range(self.document_lines.count()):
            item = self.document_lines.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return "\n".join(out)


class RevisionPanel(QWidget):
    """See the module docstring."""

    resubmit_requested = Signal(object)
    """A `RevisionRequest` (checked): keep it in the outbox and resubmit."""
    print_requested = Signal(object)
    """The `Reasons` to print as the citizen's list of what to bring."""
    changed_signal = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        tz: tzinfo | None = None,
        wilayah: Wilayah | None = None,
        file_chooser: FileChooser = choose_file,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setProperty(NO_SCAN_PROPERTY, True)  # a typing form: no reader scans here
        self.tz = tz
        self.file_chooser = file_chooser
        self.today = today
        self._wilayah = wilayah
        self.detail: ApplicationDetail | None = None
        self.service: Service | None = None
        self.reasons: Reasons | None = None
        self.files: list[NewFile] = []
        self._unsent: UnsentRevision | None = None
        self._doc_names: Mapping[str, DocumentType] = {}
        self.boxes: dict[str, RequirementBox] = {}
        self.inputs: dict[str, FieldInput] = {}
        self.data_inputs: dict[str, FieldInput] = {}
        self.problem_labels: dict[str, QLabel] = {}
        self._enter = EnterMovesOn(self)
        self.scan_access: ScanAccess | None = None
        self.scan_folders = ScanFolders()
        """The scanned PDFs of `files` until they are kept in the outbox."""
        self.destroyed.connect(self.scan_folders.remove_all)
        self._build()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        self.overall = QLabel(self)
        self.overall.setWordWrap(True)
        self.overall.setTextFormat(Qt.TextFormat.PlainText)
        self.overall.setObjectName("revisionOverall")
        self.overall.setStyleSheet(
            "#revisionOverall { background: #fff4e5; border: 1px solid #e0a040; padding: 6px; }"
        )
        self.pending_note = QLabel(self)
        self.pending_note.setObjectName("revisionUnsent")
        self.pending_note.setWordWrap(True)
        self.pending_note.setTextFormat(Qt.TextFormat.PlainText)
        self.pending_note.setStyleSheet(
            "#revisionUnsent { background: #e8f0fe; border: 1px solid #7a9cd6; padding: 6px; }"
        )
        self.pending_note.setVisible(False)

        self.requirements = QWidget(self)
        self.requirements_layout = QVBoxLayout(self.requirements)
        self.requirements_layout.setContentsMargins(0, 0, 0, 0)
        self.requirements_layout.setSpacing(4)

        self.applicant_box = QGroupBox(self.tr("Data pemohon"), self)
        self.applicant_form = QFormLayout(self.applicant_box)
        self.applicant_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.data_box = QGroupBox(self.tr("Data layanan"), self)
        self.data_form = QFormLayout(self.data_box)

        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.overall)
        column.addWidget(self.pending_note)
        heading = QLabel(self.tr("<b>Persyaratan</b>"), body)
        column.addWidget(heading)
        column.addWidget(self.requirements)
        column.addWidget(self.applicant_box)
        column.addWidget(self.data_box)
        column.addStretch(1)
        for part in (self.overall, self.applicant_box, self.data_box):
            part.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(body)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.print_button = QPushButton(self.tr("Cetak daftar kekurangan"), self)
        self.print_button.setToolTip("Ctrl+P")
        self.print_button.clicked.connect(self._print)
        self.resubmit_button = QPushButton(self.tr("Ajukan ulang"), self)
        self.resubmit_button.setToolTip("Ctrl+Shift+J")
        self.resubmit_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.resubmit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroller, 1)
        layout.addLayout(buttons)
        shortcut = QShortcut(QKeySequence("Ctrl+P"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._print)

    def set_scan_access(self, access: ScanAccess | None) -> None:
        """A scanner may be used: every requirement gets "Pindai…"."""
        self.scan_access = access
        for box in self.boxes.values():
            box.scan_button.setVisible(access is not None)

    def _wilayah_data(self) -> Wilayah:
        if self._wilayah is None:
            self._wilayah = get_wilayah()
        return self._wilayah

    # -- what the workbench calls ------------------------------------------------------------

    def set_time_zone(self, tz: tzinfo | None) -> None:
        """The office's zone, set by the shell after the panel is built: the "Dikembalikan oleh
        ..., <time>" line is redrawn in it (it kept the PC's zone before)."""
        self.tz = tz
        if self.detail is not None and self.service is not None:
            self.set_application(self.detail, self.service, self._doc_names, self._unsent)

    def set_application(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        document_types: Mapping[str, DocumentType],
        unsent: UnsentRevision | None = None,
    ) -> None:
        """Show `detail` for revision; `unsent`: a revision of it still in the outbox (shown
        as waiting, not editable again until it is sent)."""
        same = self.detail is not None and self.detail.id == detail.id
        self.detail, self.service, self._doc_names = detail, service, document_types
        self._unsent = unsent
        if not same or unsent is not None:
            self.files = []  # another application, or kept in the outbox: listed from there
            self.scan_folders.remove_all()  # copied into the outbox by now, or not wanted
        self.reasons = reasons = reasons_for(detail, service)
        entry = reasons.entry
        if entry is not None:
            who = entry.actor_full_name or entry.actor_username
            self.overall.setText(
                self.tr("Dikembalikan oleh %1, %2: %3")
                .replace("%1", who)
                .replace("%2", format_datetime(entry.server_time, self.tz))
                .replace("%3", reasons.overall or self.tr("(tanpa alasan umum)"))
            )
        else:
            self.overall.setText(self.tr("Alasan pengembalian tidak tercatat."))
        self._build_requirements(reasons)
        self._build_editor(detail, service)
        waiting = unsent is not None
        self.pending_note.setVisible(waiting)
        if unsent is not None:
            self.pending_note.setText(self._unsent_text(unsent))
            self._mark_changed(unsent.changed)
        for widget in (*self.inputs.values(), *self.data_inputs.values()):
            widget.setEnabled(not waiting)
        for box in self.boxes.values():
            box.add_button.setEnabled(not waiting)
            box.scan_button.setEnabled(not waiting)
        self.resubmit_button.setEnabled(not waiting)
        self.show_message("")

    def _unsent_text(self, unsent: UnsentRevision) -> str:
        """What waits in the outbox, in words: what was changed, which files were added."""
        labels = {key: label for key, (label, _kind) in APPLICANT_LABELS.items()}
        fields = self.service.fields() if self.service is not None else {}
        changed_names = []
        for key in unsent.changed:
            if key.startswith("data."):
                spec = fields.get(key[5:])
                changed_names.append(spec.label if spec is not None else key[5:])
            else:
                changed_names.append(labels.get(key, key))
        files = [
            self.tr("%1 (untuk %2)")
            .replace("%1", str(f.get("filename") or "?"))
            .replace("%2", self._name(str(f.get("requirement_code") or "")))
            for f in unsent.files
        ]
        lines = [
            self.tr(
                "Perbaikan belum terkirim: tersimpan di komputer ini dan menunggu dikirim "
                "(lihat Sinkronisasi, F9). Data di bawah adalah yang akan dikirim."
            ),
            self.tr("Diubah: %1.").replace("%1", ", ".join(changed_names))
            if changed_names
            else self.tr("Data tidak diubah."),
            self.tr("Berkas ditambahkan: %1.").replace("%1", "; ".join(files))
            if files
            else self.tr("Tidak ada berkas ditambahkan."),
        ]
        if unsent.refused:
            lines.append(self.tr("Ditolak server: %1").replace("%1", unsent.refused))
        return "\n".join(lines)

    def _mark_changed(self, keys: tuple[str, ...]) -> None:
        """The changed fields' labels say so (the values shown are the unsent ones)."""
        mark = self.tr(" (diubah, belum terkirim)")
        for key in keys:
            form, widget = (
                (self.data_form, self.data_inputs.get(key[5:]))
                if key.startswith("data.")
                else (self.applicant_form, self.inputs.get(key))
            )
            cell = (
                widget.parentWidget()
                if widget is not None and form is self.applicant_form
                else widget
            )
            if cell is None:
                continue
            label = form.labelForField(cell)
            if isinstance(label, QLabel):
                label.setText(label.text() + mark)

    def set_busy(self, busy: bool) -> None:
        self.resubmit_button.setEnabled(not busy and self._unsent is None)

    def show_message(self, text: str, kind: str = "info") -> None:
        colors = {"error": "#b3261e", "warning": "#8a5300", "success": "#1b6e20"}
        self.message.setStyleSheet(f"color: {colors.get(kind, '#333333')};")
        self.message.setText(text)

    # -- the parts ---------------------------------------------------------------------------

    def _name(self, code: str) -> str:
        found = self._doc_names.get(code)
        return found.name if found is not None else code

    def _build_requirements(self, reasons: Reasons) -> None:
        for box in self.boxes.values():
            self.requirements_layout.removeWidget(box)
            box.hide()
            box.deleteLater()
        self.boxes = {}
        for item in reasons.requirements:
            box = RequirementBox(item.code, self._name(item.code), self.requirements)
            box.show_reason(item.ok, item.note)
            box.add_requested.connect(self._add_file)
            box.scan_requested.connect(self._scan_files)
            box.scan_button.setVisible(self.scan_access is not None)
            self.requirements_layout.addWidget(box)
            self.boxes[item.code] = box
        self._show_documents()

    def _show_documents(self) -> None:
        reasons = self.reasons
        if reasons is None:
            return
        unsent_files = self._unsent.files if self._unsent is not None else ()
        for item in reasons.requirements:
            lines = [
                ("• " + d.filename + (self.tr(" (baru)") if d in item.new_since else ""))
                for d in item.documents
            ]
            lines += [
                "• " + str(f.get("filename")) + self.tr(" — menunggu dikirim")
                for f in unsent_files
                if f.get("requirement_code") == item.code
            ]
            lines += [
                "• " + (f.filename or f.source.name) + self.tr(" — ditambahkan, belum disimpan")
                for f in self.files
                if f.requirement_code == item.code
            ]
            self.boxes[item.code].show_documents(lines)

    def _build_editor(self, detail: ApplicationDetail, service: Service | None) -> None:
        for form in (self.applicant_form, self.data_form):
            while form.rowCount():
                form.removeRow(0)
        self.inputs, self.data_inputs, self.problem_labels = {}, {}, {}
        values = applicant_values(detail.applicant)
        if self._unsent is not None and self._unsent.applicant:
            values.update({k: str(v or "") for k, v in self._unsent.applicant.items()})
        for key, (label, kind) in APPLICANT_LABELS.items():
            choices: tuple[tuple[str, str], ...] = (
                (("", "—"), ("L", "Laki-laki"), ("P", "Perempuan")) if key == "sex" else ()
            )
            cell = QWidget(self.applicant_box)
            widget = make_input(
                kind, enter=self._enter, wilayah=self._wilayah_data(), choices=choices
            )
            widget.setParent(cell)  # never a window of its own, not even for a moment
            widget.set_value(values.get(key, ""))
            widget.setObjectName(f"revision_{key}")
            widget.focus_widget().setAccessibleName(label)
            widget.edited.connect(self.changed_signal.emit)
            widget.edited.connect(lambda k=key: self._recheck(k))
            problem = QLabel(self.applicant_box)
            problem.setStyleSheet("color: #b3261e;")
            problem.setWordWrap(True)
            problem.setVisible(False)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(0)
            cell_layout.addWidget(widget)
            cell_layout.addWidget(problem)
            self.applicant_form.addRow(label, cell)
            self.inputs[key] = widget
            self.problem_labels[key] = problem
        data = detail_data(detail)
        if self._unsent is not None and self._unsent.data:
            data.update({k: str(v or "") for k, v in self._unsent.data.items()})
        fields = service.fields() if service is not None else {}
        for key in [*fields, *(k for k in data if k not in fields)]:
            spec = fields.get(key)
            widget = make_input(
                spec.kind if spec is not None else "teks",
                enter=self._enter,
                wilayah=self._wilayah_data(),
                choices=spec.choices if spec is not None else (),
            )
            widget.setParent(self.data_box)
            widget.set_value(data.get(key, ""))
            widget.setObjectName(f"revision_data_{key}")
            self.data_form.addRow(spec.label if spec is not None else key, widget)
            self.data_inputs[key] = widget
        self.data_box.setVisible(bool(self.data_inputs))

    # -- actions ----------------------------------------------------------------------------

    def _add_file(self, code: str) -> None:
        path = self.file_chooser(
            self, self.tr("Pilih berkas untuk %1").replace("%1", self._name(code))
        )
        if path is None:
            return
        self.files.append(NewFile(path, code))
        self._show_documents()
        self.show_message(
            self.tr("Berkas %1 ditambahkan untuk %2.")
            .replace("%1", path.name)
            .replace("%2", self._name(code))
        )
        self.changed_signal.emit()

    def _scan_files(self, code: str) -> None:
        """ "Pindai…": the scan dialog opened for `code` (pages may go to any requirement
        listed); each PDF it returns is added for its requirement."""
        access, reasons = self.scan_access, self.reasons
        if access is None or reasons is None:
            return
        requirements = [(item.code, self._name(item.code)) for item in reasons.requirements]
        scanned = scan_documents(access, self.scan_folders, requirements, code, self)
        for req, path in scanned.items():
            self.files.append(NewFile(path, req, f"pindaian-{req.lower()}.pdf"))
        if not scanned:
            return
        self._show_documents()
        self.show_message(
            self.tr("Hasil pindai ditambahkan untuk %1.").replace(
                "%1", ", ".join(self._name(req) for req in scanned)
            )
        )
        self.changed_signal.emit()

    def applicant_typed(self) -> dict[str, str]:
        return {key: widget.value() for key, widget in self.inputs.items()}

    def request(self) -> RevisionRequest:
        """What the person changed (unchanged parts are None)."""
        detail = self.detail
        assert detail is not None
        before = applicant_values(detail.applicant)
        typed = self.applicant_typed()
        data_typed = {k: w.value() for k, w in self.data_inputs.items()}
        return RevisionRequest(
            applicant=typed if changed(before, typed) else None,
            data=data_typed if changed(detail_data(detail), data_typed) else None,
            files=tuple(self.files),
        )

    def _recheck(self, key: str) -> None:
        """A field marked wrong is re-judged as it is typed (the mark goes once it is right);
        a field not marked yet is judged only at sending, never while still being typed."""
        label = self.problem_labels.get(key)
        detail = self.detail
        if label is None or detail is None or not label.isVisible():
            return
        values = {**applicant_values(detail.applicant), **self.applicant_typed()}
        text = dict(check_values(values, today=self.today())).get(key, "")
        label.setText(text)
        label.setVisible(bool(text))
        self.inputs[key].set_problem(bool(text))

    def check(self) -> bool:
        """Show the problems next to their fields; True when nothing blocks sending."""
        detail = self.detail
        if detail is None:
            return False
        values = {**applicant_values(detail.applicant), **self.applicant_typed()}
        problems = dict(check_values(values, today=self.today()))
        first: QWidget | None = None
        for key, label in self.problem_labels.items():
            text = problems.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))
            self.inputs[key].set_problem(bool(text))
            if text and first is None:
                first = self.inputs[key].focus_widget()
        hidden = [m for k, m in problems.items() if k not in self.problem_labels]
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroller.ensureWidgetVisible(first)
        if problems:
            self.show_message(
                self.tr("Perbaiki data yang ditandai merah. %1").replace("%1", " ".join(hidden)),
                "error",
            )
        return not problems

    def submit(self) -> None:
        """ "Ajukan ulang": checked, then `resubmit_requested`."""
        if self._unsent is not None:
            self.show_message(
                self.tr("Perbaikan sebelumnya belum terkirim; tunggu sampai terkirim (F9)."),
                "warning",
            )
            return
        if self.detail is None or not self.check():
            return
        request = self.request()
        if request.applicant is None and request.data is None and not request.files:
            self.show_message(
                self.tr(
                    "Belum ada yang diperbaiki: ubah data atau tambahkan berkas yang diminta, "
                    "lalu ajukan ulang."
                ),
                "warning",
            )
            return
        self.resubmit_requested.emit(request)

    def _print(self) -> None:
        if self.reasons is not None:
            self.print_requested.emit(self.reasons)


__all__ = ["APPLICANT_KEYS", "RequirementBox", "RevisionPanel", "choose_file"]
