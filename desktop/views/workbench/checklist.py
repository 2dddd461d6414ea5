"""The service's required documents (persyaratan) as a checklist the verifier ticks.

One row per requirement of the service, in catalogue order, showing whether it is mandatory,
which uploaded documents belong to it (by `requirement_code`), and the verifier's judgement:
not yet checked, OK ("Sesuai") or not OK ("Tidak sesuai") with a note. A mandatory requirement
without any document is highlighted, because that alone usually decides the application.
Uploaded documents that match no requirement are listed last, so nothing uploaded is hidden.

When the application on screen is only the queue's summary kept on this PC (server down), its
documents are not known: each requirement then says so, rather than "not uploaded"
(`set_rows(..., documents_known=False)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.catalogue import DocumentType, Requirement
from desktop.domain.formatting import format_size
from desktop.domain.records import ApplicationDetail, ChecklistItem, DocumentInfo, HistoryEntry

OTHER_CODE = ""
"""Row key for uploaded documents that match no requirement of the service."""

_TYPE_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}

_STYLE = """
QFrame#checkRow { border: 1px solid #d2d0ce; border-left: 5px solid #c8c6c4;
                  border-radius: 3px; background: palette(base); }
QFrame#checkRow[state="ok"] { border-left-color: #107c10; }
QFrame#checkRow[state="bad"] { border-left-color: #c50f1f; background: #fdf3f4; }
QFrame#checkRow[state="missing"] { border-left-color: #c50f1f; background: #fde7e9; }
QFrame#checkRow[selected="true"] { border: 2px solid #0f6cbd; border-left-width: 5px; }
QToolButton#okButton:checked { background: #107c10; color: white; }
QToolButton#badButton:checked { background: #c50f1f; color: white; }
QLabel#missingLabel { color: #a4262c; font-weight: bold; }
QLabel#unknownLabel { color: #605e5c; font-style: italic; }
"""


@dataclass
class RowData:
    code: str
    name: str
    mandatory: bool
    hint: str | None
    accepted: tuple[str, ...]
    documents: list[DocumentInfo] = field(default_factory=list)


Judgements = dict[str, tuple[bool | None, str]]
"""Requirement code -> (OK / not OK / not checked, note)."""


def marks_from_history(detail: ApplicationDetail) -> tuple[Judgements, HistoryEntry | None]:
    """The checklist of the decision that brought `detail` to its status (the verifier's
    marks for the validator; the marks behind a revision request for the operator), and that
    entry. A requirement whose document was uploaded after that decision is left out: it was
    not what was judged."""
    source = next(
        (
            entry
            for entry in reversed(detail.history)
            if entry.to_status is not None and entry.to_status.value == detail.status_raw
        ),
        None,
    )
    if source is None or not source.checklist:
        return {}, None
    newer = {
        doc.requirement_code or ""
        for doc in detail.documents
        if doc.uploaded_at > source.server_time
    }
    marks: dict[str, tuple[bool | None, str]] = {
        item.requirement_code: (item.ok, item.note or "")
        for item in source.checklist
        if item.requirement_code not in newer
    }
    return marks, (source if marks else None)


def build_rows(
    requirements: Sequence[Requirement],
    documents: Iterable[DocumentInfo],
    document_types: Mapping[str, DocumentType],
) -> list[RowData]:
    """Requirements in catalogue order, documents attached by `requirement_code`."""
    rows: list[RowData] = []
    by_code: dict[str, RowData] = {}
    for req in requirements:
        doc_type = document_types.get(req.document_code)
        row = RowData(
            code=req.document_code,
            name=doc_type.name if doc_type else req.document_code,
            mandatory=req.mandatory,
            hint=req.note,
            accepted=tuple(req.accepted_types),
        )
        rows.append(row)
        by_code[row.code] = row
    other = RowData(OTHER_CODE, "", False, None, ())
    for doc in documents:
        target = by_code.get(doc.requirement_code or "")
        if target is None:
            if doc.requirement_code and doc.requirement_code not in by_code:
                # A requirement the catalogue no longer lists (or a newer catalogue): own row.
                doc_type = document_types.get(doc.requirement_code)
                target = RowData(
                    doc.requirement_code,
                    doc_type.name if doc_type else doc.requirement_code,
                    False,
                    None,
                    (),
                )
                rows.append(target)
                by_code[target.code] = target
            else:
                target = other
        target.documents.append(doc)
    if other.documents:
        rows.append(other)
    return rows


class ChecklistRow(QFrame):
    """One requirement: name, mandatory mark, its documents, OK / not OK, note."""

    activated = Signal(str)
    document_clicked = Signal(object)
    changed = Signal(str)

    def __init__(
        self, data: RowData, parent: QWidget | None = None, *, documents_known: bool = True
    ) -> None:
        """`documents_known` False: the copy on screen does not list the documents (only the
        queue's summary is on this PC), so a row without documents is "not known", never
        "not uploaded"."""
        super().__init__(parent)
        self.data = data
        self.documents_known = documents_known
        self.setObjectName("checkRow")
        self.setProperty("selected", "false")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.judgeable = data.code != OTHER_CODE

        title = QLabel(self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        if data.code == OTHER_CODE:
            title.setText(self.tr("Dokumen lain (tidak terkait persyaratan)"))
        else:
            title.setText(data.name)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.title_label = title

        self.mandatory_label = QLabel(self)
        if self.judgeable:
            self.mandatory_label.setText(
                self.tr("Wajib") if data.mandatory else self.tr("Tidak wajib")
            )
            color = "#a4262c" if data.mandatory else "#605e5c"
            self.mandatory_label.setStyleSheet(f"QLabel {{ color: {color}; }}")

        self.ok_button = QToolButton(self)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setText(self.tr("✓ Sesuai"))
        self.ok_button.setCheckable(True)
        self.ok_button.setToolTip(self.tr("Dokumen sesuai dengan data (Ctrl+Shift+O)"))
        self.bad_button = QToolButton(self)
        self.bad_button.setObjectName("badButton")
        self.bad_button.setText(self.tr("✗ Tidak sesuai"))
        self.bad_button.setCheckable(True)
        self.bad_button.setToolTip(
            self.tr("Dokumen tidak sesuai, kurang jelas atau salah (Ctrl+Shift+N)")
        )
        self.ok_button.toggled.connect(lambda on: self._toggled(True, on))
        self.bad_button.toggled.connect(lambda on: self._toggled(False, on))
        self.ok_button.clicked.connect(lambda: self.activated.emit(self.data.code))
        self.bad_button.clicked.connect(self._bad_clicked)
        self.ok_button.setVisible(self.judgeable)
        self.bad_button.setVisible(self.judgeable)

        head = QHBoxLayout()
        head.setSpacing(6)
        head.addWidget(title, 1)
        head.addWidget(self.mandatory_label)
        head.addWidget(self.ok_button)
        head.addWidget(self.bad_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 6, 5)
        layout.setSpacing(3)
        layout.addLayout(head)

        self.document_labels: list[QLabel] = []
        if data.documents:
            for index, doc in enumerate(data.documents):
                link = QLabel(self)
                link.setTextFormat(Qt.TextFormat.RichText)
                link.setText(
                    f'<a href="{index}">{_escape(doc.filename)}</a> '
                    f'<span style="color:#605e5c">· {_escape(_kind(doc))} · '
                    f"{format_size(doc.size)}</span>"
                )
                link.setToolTip(self.tr("Tampilkan dokumen ini"))
                link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
                link.linkActivated.connect(self._link)
                layout.addWidget(link)
                self.document_labels.append(link)
            self.missing_label: QLabel | None = None
        elif not documents_known:
            unknown = QLabel(self)
            unknown.setObjectName("unknownLabel")
            unknown.setWordWrap(True)
            unknown.setText(self.tr("Dokumen tidak tersedia di salinan komputer ini"))
            layout.addWidget(unknown)
            self.missing_label = unknown
        else:
            missing = QLabel(self)
            missing.setObjectName("missingLabel" if data.mandatory else "")
            missing.setText(
                self.tr("Belum diunggah — dokumen wajib!")
                if data.mandatory
                else self.tr("Tidak diunggah")
            )
            layout.addWidget(missing)
            self.missing_label = missing

        if data.hint:
            hint = QLabel(data.hint, self)
            hint.setTextFormat(Qt.TextFormat.PlainText)
            hint.setWordWrap(True)
            hint.setStyleSheet("QLabel { color: #605e5c; font-style: italic; }")
            layout.addWidget(hint)

        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(
            self.tr("Catatan untuk persyaratan ini (bila tidak sesuai)")
        )
        self.note_edit.setMaxLength(500)
        self.note_edit.setClearButtonEnabled(True)
        self.note_edit.textChanged.connect(lambda _t: self.changed.emit(self.data.code))
        self.note_edit.setVisible(self.judgeable)
        layout.addWidget(self.note_edit)

        for child in (self.ok_button, self.bad_button, self.note_edit, *self.document_labels):
            child.installEventFilter(self)
        self._update_state()

    # -- judgement ------------------------------------------------------------------------------

    @property
    def ok(self) -> bool | None:
        if self.ok_button.isChecked():
            return True
        if self.bad_button.isChecked():
            return False
        return None

    @property
    def note(self) -> str:
        return self.note_edit.text().strip()

    @property
    def missing_mandatory(self) -> bool:
        return self.data.mandatory and not self.data.documents and self.documents_known

    def set_judgement(self, ok: bool | None, note: str | None = None) -> None:
        self.ok_button.setChecked(ok is True)
        self.bad_button.setChecked(ok is False)
        if note is not None:
            self.note_edit.setText(note)
        self._update_state()

    def set_editable(self, editable: bool) -> None:
        for widget in (self.ok_button, self.bad_button):
            widget.setEnabled(editable)
        self.note_edit.setReadOnly(not editable)

    def _toggled(self, which: bool, on: bool) -> None:
        if on:
            other = self.bad_button if which else self.ok_button
            if other.isChecked():
                other.blockSignals(True)
                other.setChecked(False)
                other.blockSignals(False)
        self._update_state()
        self.changed.emit(self.data.code)

    def _bad_clicked(self) -> None:
        """Not OK needs a why: put the cursor in the note."""
        self.activated.emit(self.data.code)
        if self.bad_button.isChecked():
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_state(self) -> None:
        if self.ok is True:
            state = "ok"
        elif self.ok is False:
            state = "bad"
        elif self.missing_mandatory:
            state = "missing"
        else:
            state = ""
        self.setProperty("state", state)
        self._repolish()

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", "true" if selected else "false")
        self._repolish()

    def _repolish(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)

    # -- activation -------------------------------------------------------------------------------

    def _link(self, href: str) -> None:
        try:
            doc = self.data.documents[int(href)]
        except (ValueError, IndexError):
            return
        self.activated.emit(self.data.code)
        self.document_clicked.emit(doc)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.data.code)
        super().mousePressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.activated.emit(self.data.code)
        return super().eventFilter(watched, event)


class ChecklistWidget(QWidget):
    """All requirement rows, one selectable at a time."""

    item_selected = Signal(str)
    """A row was selected (requirement code; "" for the "other documents" row)."""
    document_activated = Signal(object)
    """A specific document (`DocumentInfo`) was clicked."""
    changed = Signal()
    """A judgement or note changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_STYLE)
        self.rows: list[ChecklistRow] = []
        self._selected: str | None = None
        self._documents_known = True

        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.source_label = QLabel(self)
        self.source_label.setWordWrap(True)
        self.source_label.setTextFormat(Qt.TextFormat.PlainText)
        self.source_label.setStyleSheet("QLabel { color: #605e5c; font-style: italic; }")
        self.source_label.setVisible(False)

        self._container = QWidget()
        self._rows_layout = QVBoxLayout(self._container)
        self._rows_layout.setContentsMargins(2, 2, 2, 2)
        self._rows_layout.setSpacing(4)
        self._rows_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self._container)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.source_label)
        layout.addWidget(self.scroll_area, 1)

    def set_rows(
        self,
        rows: Sequence[RowData],
        previous: Mapping[str, tuple[bool | None, str]] | None = None,
        *,
        documents_known: bool = True,
    ) -> None:
        """Replace the rows; `previous` restores judgements (same application reloaded).
        `documents_known` False: the copy shown does not list its documents (see the module
        docstring)."""
        self._documents_known = documents_known
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.hide()  # not setParent(None): reparenting a focused row drops the window's focus
            row.deleteLater()
        self.rows = []
        self._selected = None
        for data in rows:
            row = ChecklistRow(data, self._container, documents_known=documents_known)
            if previous and data.code in previous:
                ok, note = previous[data.code]
                row.set_judgement(ok, note)
            row.activated.connect(self.select)
            row.document_clicked.connect(self.document_activated.emit)
            row.changed.connect(self._row_changed)
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
            self.rows.append(row)
        self._update_summary()

    def set_editable(self, editable: bool) -> None:
        for row in self.rows:
            row.set_editable(editable)

    def set_source(self, text: str) -> None:
        """Where the marks the rows start with came from ("" when they start empty)."""
        self.source_label.setText(text)
        self.source_label.setVisible(bool(text))

    def restore(self, marks: Mapping[str, tuple[bool | None, str, tuple[str, ...]]]) -> int:
        """Put kept marks back: code -> (ok, note, sha256 of its documents when marked). A mark
        whose documents changed since is not restored. Returns how many rows changed."""
        changed = 0
        for row in self.rows:
            kept = marks.get(row.data.code)
            if kept is None or not row.judgeable:
                continue
            ok, note, shas = kept
            if tuple(sorted(shas)) != tuple(sorted(d.sha256 for d in row.data.documents)):
                continue
            if (row.ok, row.note) != (ok, note.strip()):
                row.set_judgement(ok, note)
                changed += 1
        return changed

    # -- queries ------------------------------------------------------------------------------

    def row(self, code: str) -> ChecklistRow | None:
        return next((r for r in self.rows if r.data.code == code), None)

    @property
    def selected_code(self) -> str | None:
        return self._selected

    def items(self) -> list[ChecklistItem]:
        """The judged requirements, as the server records them with the action."""
        return [
            ChecklistItem(row.data.code, row.ok, row.note or None)
            for row in self.rows
            if row.judgeable and row.ok is not None
        ]

    def judgements(self) -> Judgements:
        return {row.data.code: (row.ok, row.note) for row in self.rows if row.judgeable}

    def documents_of(self, code: str) -> tuple[str, ...]:
        """sha256 of the documents attached to requirement `code`."""
        row = self.row(code)
        return tuple(d.sha256 for d in row.data.documents) if row is not None else ()

    def not_ok_rows(self) -> list[ChecklistRow]:
        return [row for row in self.rows if row.ok is False]

    def missing_mandatory(self) -> list[ChecklistRow]:
        return [row for row in self.rows if row.missing_mandatory]

    def unchecked(self) -> list[ChecklistRow]:
        return [row for row in self.rows if row.judgeable and row.ok is None]

    # -- selection ------------------------------------------------------------------------------

    def select(self, code: str) -> None:
        if code == self._selected:
            return
        self._selected = code
        for row in self.rows:
            row.set_selected(row.data.code == code)
            if row.data.code == code:
                self.scroll_area.ensureWidgetVisible(row, 0, 8)
        self.item_selected.emit(code)

    def select_relative(self, step: int) -> None:
        """Next/previous row (wraps), for Ctrl+PgDown / Ctrl+PgUp."""
        if not self.rows:
            return
        codes = [r.data.code for r in self.rows]
        index = codes.index(self._selected) if self._selected in codes else -step if step > 0 else 0
        self.select(codes[(index + step) % len(codes)])

    def mark_selected(self, ok: bool) -> None:
        """Judge the selected row; a "not OK" puts the cursor in its note."""
        row = self.row(self._selected) if self._selected is not None else None
        if row is None or not row.judgeable or not row.ok_button.isEnabled():
            return
        row.set_judgement(ok)
        if not ok:
            row.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            row.note_edit.selectAll()

    def _row_changed(self, code: str) -> None:
        del code
        self._update_summary()
        self.changed.emit()

    @property
    def documents_known(self) -> bool:
        return self._documents_known

    def _update_summary(self) -> None:
        if not self._documents_known and self.rows:
            self.summary_label.setStyleSheet("QLabel { color: #605e5c; }")
            self.summary_label.setText(
                self.tr(
                    "Dokumen dan hasil pemeriksaan persyaratan tidak tersedia di salinan "
                    "komputer ini; dimuat dengan sendirinya begitu server tersambung."
                )
            )
            return
        judgeable = [r for r in self.rows if r.judgeable]
        ok = sum(1 for r in judgeable if r.ok is True)
        bad = sum(1 for r in judgeable if r.ok is False)
        missing = len(self.missing_mandatory())
        parts = [self.tr("{ok} dari {n} sesuai").format(ok=ok, n=len(judgeable))]
        if bad:
            parts.append(self.tr("{bad} tidak sesuai").format(bad=bad))
        if missing:
            parts.append(self.tr("{m} dokumen wajib belum diunggah").format(m=missing))
        text = " · ".join(parts)
        color = "#a4262c" if bad or missing else "#323130"
        self.summary_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.summary_label.setText(text)


def _kind(doc: DocumentInfo) -> str:
    subtype = doc.content_type.split("/")[-1].split(";")[0].strip().lower()
    return _TYPE_LABELS.get(subtype, subtype.upper() or "?")


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
