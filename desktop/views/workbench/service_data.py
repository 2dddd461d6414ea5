"""The "Isi permohonan" panel: what the citizen asked, beside the applicant's data.

Since issue 11 an application carries its service's own fields (the child's name for a birth
registration, the purpose of a letter) as flat ``{"section.field": value}``. The verifier must
compare them with the scans as with the applicant's data, so they are shown here in the
catalogue's order and wording, as the citizen would read them: dates written out, region codes
named, keys the catalogue no longer names listed last under "Lainnya" rather than dropped.
Long values wrap; when the data is taller than its share of the column, it scrolls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.catalogue import FormField, Service
from desktop.domain.formatting import format_date
from desktop.views.workbench.applicant import sex_text
from desktop.views.workbench.places import region_text

MAX_HEIGHT = 230
"""The most the panel asks for at 1366x768: the checklist below must stay usable."""

CAPTION_WIDTH = 170


@dataclass(frozen=True)
class Row:
    section: str
    label: str
    value: str


def value_text(form_field: FormField | None, value: str) -> str:
    """A stored value as the citizen reads it; the raw value when it cannot be read."""
    text = value.strip()
    if form_field is None:
        return text
    if form_field.kind == "tanggal":
        try:
            return format_date(date.fromisoformat(text))
        except ValueError:
            return text
    if form_field.kind == "wilayah":
        return region_text(text)
    if form_field.kind == "pilihan" and set(form_field.choices) == {"L", "P"}:
        return sex_text(text)
    return text


def service_rows(service: Service | None, data: Mapping[str, str], other: str) -> list[Row]:
    """Rows in catalogue order, empty values left out; unknown keys last under `other`."""
    rows: list[Row] = []
    named: set[str] = set()
    for section in service.sections if service is not None else ():
        for form_field in section.fields:
            key = section.key(form_field)
            named.add(key)
            raw = data.get(key)
            if raw is not None and str(raw).strip():
                rows.append(Row(section.label, form_field.label, value_text(form_field, raw)))
    for key, raw in data.items():
        if key not in named and raw is not None and str(raw).strip():
            rows.append(Row(other, key, str(raw).strip()))
    return rows


class _FittedScroll(QScrollArea):
    """Asks for the height its content needs at its width, up to `MAX_HEIGHT`; scrolls past
    it. Vertical only: values wrap to the width."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._hint = 0

    def _content_height(self) -> int:
        content = self.widget()
        if content is None:
            return 0
        width = max(self.viewport().width(), 1)
        layout = content.layout()
        if layout is not None and layout.hasHeightForWidth():
            return layout.totalHeightForWidth(width)
        return content.sizeHint().height()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), min(self._content_height(), MAX_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, min(self._content_height(), 60))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        hint = self.sizeHint().height()
        if hint != self._hint:
            self._hint = hint
            self.updateGeometry()

    def refit(self) -> None:
        self._hint = self.sizeHint().height()
        self.updateGeometry()


class ServiceDataPanel(QGroupBox):
    """Read-only service data of one application, grouped by the catalogue's sections."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Isi permohonan"), parent)
        self.rows: tuple[Row, ...] = ()
        self.scroller = _FittedScroll(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.scroller)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setVisible(False)

    def set_data(self, service: Service | None, data: Mapping[str, str]) -> None:
        """Show `data` in `service`'s order; hidden when there is nothing to show."""
        self.rows = tuple(service_rows(service, data, self.tr("Lainnya")))
        self.scroller.setWidget(self._content(self.rows))
        self.scroller.refit()
        self.setVisible(bool(self.rows))

    def clear(self) -> None:
        self.set_data(None, {})

    def value_labels(self) -> list[QLabel]:
        content = self.scroller.widget()
        if content is None:
            return []
        return [w for w in content.findChildren(QLabel) if w.property("service_value")]

    def _content(self, rows: tuple[Row, ...]) -> QWidget:
        """One grid for all sections, so the values of every section line up."""
        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.setColumnMinimumWidth(0, 8)
        grid.setColumnStretch(2, 1)
        section = None
        line = 0
        for row in rows:
            if row.section != section:
                section = row.section
                title = QLabel(row.section, content)
                title.setTextFormat(Qt.TextFormat.PlainText)
                title.setWordWrap(True)
                title.setStyleSheet("QLabel { font-weight: bold; color: #323130; }")
                if line:
                    grid.setRowMinimumHeight(line, 4)
                    line += 1
                grid.addWidget(title, line, 0, 1, 3)
                line += 1
            caption = QLabel(row.label, content)
            caption.setTextFormat(Qt.TextFormat.PlainText)
            caption.setStyleSheet("QLabel { color: #605e5c; }")
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            # One long caption ("Hubungan pelapor (pemohon) dengan anak") wraps rather than
            # push every value of the panel to the right.
            caption.setWordWrap(True)
            natural = caption.fontMetrics().horizontalAdvance(row.label) + 2
            caption.setFixedWidth(min(natural, CAPTION_WIDTH))
            value = QLabel(row.value, content)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value.setAccessibleName(row.label)
            value.setProperty("service_value", True)
            # A value without spaces (a long code) must not widen the column.
            policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            policy.setHeightForWidth(True)
            value.setSizePolicy(policy)
            value.setMinimumWidth(0)
            value.setToolTip(row.value if len(row.value) > 40 else "")
            grid.addWidget(caption, line, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, line, 2)
            line += 1
        grid.setRowStretch(line, 1)
        return content
