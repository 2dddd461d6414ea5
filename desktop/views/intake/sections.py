"""Form sections: a titled grid of rows "label | input | message", built from field specs.

The applicant section and each service's own sections (catalogue `FormSection`) are the same
widget: a `FieldSpec` per row, the input from `fields.make_input`. A row's message sits beside
its input, in the form's own words (never a dialog); a row with a problem is marked. A NIK or
KK row also has a note line under its input: what the scanned KTP-el/KK says (issue 12).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QSizePolicy, QWidget

from desktop.domain.wilayah import Wilayah
from desktop.views.intake.fields import EnterMovesOn, FieldInput, make_input

MESSAGE_WIDTH = 300
NOTE_COLOURS = {"cocok": "#1e7b34", "berbeda": "#b3261e"}
"""The scanned-card note's colour by status; anything else (reading, not read) is grey."""
NOTE_GREY = "#605e5c"


@dataclass(frozen=True)
class FieldSpec:
    """One row: `key` is the form data key ("nik", "anak.nama")."""

    key: str
    label: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] | tuple[tuple[str, str], ...] = ()
    hint: str = ""


class FieldRow:
    """The label, input and message of one field."""

    def __init__(self, spec: FieldSpec, input_: FieldInput, label: QLabel, message: QLabel) -> None:
        self.spec = spec
        self.input = input_
        self.label = label
        self.message = message
        self.note: QLabel | None = None
        self.touched = False

    def show_problem(self, text: str, blocking: bool) -> None:
        self.message.setText(text)
        color = "#b3261e" if blocking else "#8a5300"
        self.message.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.message.setVisible(bool(text))
        self.input.set_problem(bool(text) and blocking)

    def clear_problem(self) -> None:
        self.show_problem("", False)

    def show_note(self, text: str, status: str = "") -> None:
        """The line under the input about a scanned card ("" hides it)."""
        if self.note is None:
            return
        self.note.setText(text)
        self.note.setToolTip(text)
        self.note.setProperty("status", status)
        colour = NOTE_COLOURS.get(status, NOTE_GREY)
        self.note.setStyleSheet(f"QLabel {{ color: {colour}; }}")
        self.note.setVisible(bool(text))


class Section(QGroupBox):
    """A titled group of field rows; `edited(key)` when the person changes one."""

    edited = Signal(str)

    def __init__(
        self,
        title: str,
        specs: Iterable[FieldSpec],
        *,
        enter: EnterMovesOn,
        wilayah: Wilayah,
        near: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.rows: dict[str, FieldRow] = {}
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        line = 0
        for spec in specs:
            text = spec.label + (" *" if spec.required else "")
            label = QLabel(text, self)
            label.setWordWrap(True)
            label.setMinimumWidth(130)
            label.setMaximumWidth(190)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            input_ = make_input(
                spec.kind, enter=enter, wilayah=wilayah, choices=spec.choices, near=near
            )
            input_.setObjectName(f"field:{spec.key}")
            label.setBuddy(input_.focus_widget())
            if spec.hint:
                input_.setToolTip(spec.hint)
            message = QLabel(self)
            message.setWordWrap(True)
            message.setTextFormat(Qt.TextFormat.PlainText)
            message.setMinimumWidth(MESSAGE_WIDTH // 2)
            message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            message.hide()
            grid.addWidget(label, line, 0)
            grid.addWidget(input_, line, 1)
            grid.addWidget(message, line, 2)
            note: QLabel | None = None
            if spec.kind in ("nik", "kk"):
                # Its own grid line under the input, across the message column, one line
                # unwrapped: a wrapped label in the scrolled form is under-sized by Qt and
                # overlaps the next row. A hidden note's line takes no room.
                line += 1
                note = QLabel(self)
                note.setObjectName(f"note:{spec.key}")
                note.setTextFormat(Qt.TextFormat.PlainText)
                # never widens the form (its text is cut at a narrow width; the tooltip has it)
                note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                note.hide()
                grid.addWidget(note, line, 1, 1, 2)
            line += 1
            row = FieldRow(spec, input_, label, message)
            row.note = note
            self.rows[spec.key] = row
            input_.edited.connect(lambda key=spec.key: self._edited(key))

    def _edited(self, key: str) -> None:
        self.rows[key].touched = True
        self.edited.emit(key)

    def values(self) -> dict[str, str]:
        return {key: row.input.value() for key, row in self.rows.items()}

    def set_values(self, values: dict[str, str]) -> None:
        for key, row in self.rows.items():
            row.input.set_value(values.get(key, ""))
            row.touched = bool(values.get(key))
