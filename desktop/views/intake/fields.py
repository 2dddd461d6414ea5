"""One input widget per form-field kind, for the applicant and for a service's own sections.

Every field of the intake form, whatever its kind, is a `FieldInput`: `value()` gives the text the
form data keeps (a date as ISO ``YYYY-MM-DD`` once it parses, a kelurahan as its 10-digit code),
`set_value` puts a kept value back, `edited` says the person changed it. `make_input(kind)` is the
one factory; nothing here knows a service.

Decisions for a fast typist:
- dates are typed ``DD-MM-YYYY`` (``12051990``, ``12/05/1990`` and ``12.05.1990`` too): a
  QDateEdit's sections need arrow keys or exact digit counts, a typist at a counter reads the date
  off a KTP and types it in one go;
- Enter in a one-line field moves to the next field (`EnterMovesOn`), never submits;
- pilihan is a QComboBox (type the first letter), wilayah a line with type-to-search.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.domain.wilayah import Region, Wilayah, code_digits

KINDS = ("teks", "teks_panjang", "nik", "kk", "tanggal", "pilihan", "wilayah", "telepon", "angka")

_DATE = re.compile(r"\s*(\d{1,2})\s*[-/. ]\s*(\d{1,2})\s*[-/. ]\s*(\d{4})\s*")
_DATE_COMPACT = re.compile(r"\s*(\d{2})(\d{2})(\d{4})\s*")


def parse_date(text: str) -> date | None:
    """``12-05-1990``, ``12/5/1990``, ``12.05.1990`` or ``12051990``; None otherwise."""
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(iso: str) -> str:
    """ISO ``1990-05-12`` -> ``12-05-1990``; other text unchanged (kept as typed)."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


class EnterMovesOn(QObject):
    """Enter/Return without modifiers in a one-line field moves the focus on (Tab), so a
    typist's habit never submits a half-filled form or closes anything."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if (
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
                == Qt.KeyboardModifier.NoModifier
            ):
                widget = watched if isinstance(watched, QWidget) else None
                completer = widget.completer() if isinstance(widget, QLineEdit) else None
                if completer is not None and _popup_open(completer):
                    return False
                if widget is not None:
                    widget.focusNextChild()
                    return True
        return False


class FieldInput(QWidget):
    """A form field's input; `edited` fires on every change the person makes."""

    edited = Signal()

    def value(self) -> str:
        raise NotImplementedError

    def set_value(self, value: str) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self

    def set_problem(self, on: bool) -> None:
        """Mark the input as having a problem (red border)."""
        self.focus_widget().setProperty("problem", on)
        self.focus_widget().setStyleSheet(
            "QLineEdit, QPlainTextEdit, QComboBox { border: 1px solid #b3261e; }" if on else ""
        )


def _one_line(parent: QWidget, enter: EnterMovesOn) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.installEventFilter(enter)
    return edit


class LineInput(FieldInput):
    """teks, nik, kk, telepon, angka, tanggal: one line of text."""

    def __init__(
        self, enter: EnterMovesOn, *, placeholder: str = "", digits_only: bool = False
    ) -> None:
        super().__init__()
        self.edit = _one_line(self, enter)
        self.edit.setPlaceholderText(placeholder)
        if digits_only:
            self.edit.setValidator(QRegularExpressionValidator(r"[0-9]{0,6}", self.edit))
            self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("0") * 8 + 16)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        if digits_only:
            layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(lambda _t: self.edited.emit())

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, value: str) -> None:
        self.edit.setText(value)

    def focus_widget(self) -> QWidget:
        return self.edit


class DateInput(LineInput):
    """A typed ``DD-MM-YYYY`` date; the value is ISO once it parses, else the text as typed
    (the checks then say it is not a date)."""

    def __init__(self, enter: EnterMovesOn) -> None:
        super().__init__(enter, placeholder="HH-BB-TTTT")
        self.edit.setMaxLength(12)
        self.edit.editingFinished.connect(self._tidy)

    def value(self) -> str:
        parsed = parse_date(self.edit.text())
        return parsed.isoformat() if parsed is not None else self.edit.text().strip()

    def set_value(self, value: str) -> None:
        self.edit.setText(format_date(value))

    def _tidy(self) -> None:
        parsed = parse_date(self.edit.text())
        if parsed is not None:
            self.edit.setText(format_date(parsed.isoformat()))


class LongTextInput(FieldInput):
    """teks_panjang (an address): several lines; Tab leaves the field, Enter is a new line."""

    def __init__(self) -> None:
        super().__init__()
        self.edit = QPlainTextEdit(self)
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 3 + 14)
        self.setMinimumHeight(self.edit.height())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._changed)
        self._loading = False

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> str:
        return self.edit.toPlainText()

    def set_value(self, value: str) -> None:
        self._loading = True
        try:
            self.edit.setPlainText(value)
        finally:
            self._loading = False

    def focus_widget(self) -> QWidget:
        return self.edit


class LetterCombo(QComboBox):
    """A letter picks the next choice starting with it (L, P; again for the next match), at
    any pace. Qt's own search joins keys typed within 0.4 s, so "P" for one citizen soon after
    "P" for the previous one could find nothing."""

    def keyPressEvent(self, e: QKeyEvent) -> None:
        text = e.text().strip().casefold()
        if (
            len(text) == 1
            and text.isalnum()
            and not (e.modifiers() & ~Qt.KeyboardModifier.ShiftModifier)
        ):
            rows = [r for r in range(self.count()) if self.itemText(r).casefold().startswith(text)]
            if rows:
                after = [r for r in rows if r > self.currentIndex()]
                row = (after or rows)[0]
                if row != self.currentIndex():
                    self.setCurrentIndex(row)
                    self.activated.emit(row)
            return
        super().keyPressEvent(e)


class ChoiceInput(FieldInput):
    """pilihan: one of `choices` (value = the choice's code), or nothing yet."""

    def __init__(
        self, choices: tuple[tuple[str, str], ...], enter: EnterMovesOn | None = None
    ) -> None:
        super().__init__()
        self.combo = LetterCombo(self)
        if enter is not None:  # Enter moves on here too (it stayed: the next field's text
            self.combo.installEventFilter(enter)  # went into the closed list as a search)
        self.combo.addItem("—", "")
        for code, label in choices:
            self.combo.addItem(label, code)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self.setFocusProxy(self.combo)
        self.combo.activated.connect(lambda _i: self.edited.emit())

    def value(self) -> str:
        return str(self.combo.currentData() or "")

    def set_value(self, value: str) -> None:
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(index, 0))

    def focus_widget(self) -> QWidget:
        return self.combo


def region_label(region: Region) -> str:
    return f"{region.name} ({region.code})"


class WilayahInput(FieldInput):
    """A kelurahan/desa picked by typing part of its name or code; the value is the 10-digit
    code. Text that names no kelurahan keeps value "" (the checks say it is missing)."""

    def __init__(self, enter: EnterMovesOn, wilayah: Wilayah, *, near: str = "") -> None:
        """`near`: the office's region code; kelurahan of its city come first (a "Sukajadi"
        typed in Pekanbaru is Pekanbaru's, not Bandung's)."""
        super().__init__()
        self.wilayah = wilayah
        self.near = (code_digits(near) or "")[:4]
        self.edit = _one_line(self, enter)
        self.edit.setPlaceholderText(self.tr("ketik nama atau kode kelurahan/desa"))
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.edit.setCompleter(self.completer)
        self._codes: dict[str, str] = {}
        self._code = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(self._typed)
        self.completer.activated[str].connect(self._picked)  # type: ignore[index]

    def _typed(self, text: str) -> None:
        found = self.wilayah.search(text, level="desa", limit=300) if len(text.strip()) >= 3 else []
        if self.near:
            found.sort(key=lambda r: not r.digits.startswith(self.near))  # stable: near first
        found = found[:30]
        labels = [region_label(r) for r in found]
        self._codes = {region_label(r): r.digits for r in found}
        self.model.setStringList(labels)
        self._code = self._codes.get(text, "")
        if labels:
            self.completer.complete()
        self.edited.emit()

    def focus_widget(self) -> QWidget:
        return self.edit

    def _picked(self, label: str) -> None:
        self._code = self._codes.get(label, "")
        self.edited.emit()
        # Picked (Enter in the list): on to the next field, as Enter does everywhere else. It
        # stayed, and a typist's next field's text was appended to the chosen name.
        QTimer.singleShot(0, self.edit.focusNextChild)

    def value(self) -> str:
        return self._code

    def set_value(self, value: str) -> None:
        digits = code_digits(value) if value else None
        region = self.wilayah.lookup(digits) if digits else None
        self._code = region.digits if region is not None else ""
        self.edit.setText(region_label(region) if region is not None else "")


def make_input(
    kind: str,
    *,
    enter: EnterMovesOn,
    wilayah: Wilayah,
    choices: tuple[str, ...] | tuple[tuple[str, str], ...] = (),
    near: str = "",
) -> FieldInput:
    """The input for one field of `kind` (see `KINDS`); unknown kinds get a line of text."""
    if kind == "teks_panjang":
        return LongTextInput()
    if kind == "tanggal":
        return DateInput(enter)
    if kind == "pilihan":
        pairs = tuple((c, c) if isinstance(c, str) else c for c in choices)
        return ChoiceInput(pairs, enter)
    if kind == "wilayah":
        return WilayahInput(enter, wilayah, near=near)
    if kind in ("nik", "kk"):
        return LineInput(enter, placeholder="16 angka")
    if kind == "telepon":
        return LineInput(enter, placeholder="08… atau +62…")
    if kind == "angka":
        return LineInput(enter, digits_only=True)
    return LineInput(enter)


def _popup_open(completer: QCompleter) -> bool:
    popup = completer.popup()
    return popup is not None and popup.isVisible()
