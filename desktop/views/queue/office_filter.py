"""The office filter: some 90 offices of a city, grouped by kecamatan, searchable by typing.

A city has one dinas, ~15 kecamatan and ~80 kelurahan. A flat alphabetical list mixes them up,
so the list shows the dinas-level offices first, then each kecamatan (bold; choosing it shows
its kelurahan too, as the filter matches by code prefix) with its kelurahan indented below.
The combo is editable: typing shows the offices whose name contains the text (a completer), and
text that names no office falls back to the chosen one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

CODE_ROLE = int(Qt.ItemDataRole.UserRole)
LEVEL_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""0: dinas or kecamatan, 1: an office within a kecamatan (indented)."""
INDENT_PX = 18


@dataclass(frozen=True)
class OfficeEntry:
    code: str
    label: str
    level: int


def _kecamatan_of(code: str) -> str | None:
    parts = code.split(".")
    return ".".join(parts[:3]) if len(parts) >= 4 else None


def office_entries(codes: Iterable[str], names: Mapping[str, str]) -> list[OfficeEntry]:
    """Offices in list order: top-level ones, then each kecamatan followed by its offices.

    A kecamatan appears as a group whenever one of its kelurahan does, named from `names`
    (the server's office list) or, failing that, by its code.
    """

    def label(code: str) -> str:
        return names.get(code) or code

    def by_label(code: str) -> tuple[str, str]:
        return label(code).casefold(), code

    codes = set(codes)
    groups: dict[str, list[str]] = {}
    top: set[str] = set()
    for code in codes:
        parent = _kecamatan_of(code)
        if parent is None:
            if len(code.split(".")) == 3:
                groups.setdefault(code, [])
            else:
                top.add(code)
        else:
            groups.setdefault(parent, []).append(code)
    entries = [OfficeEntry(c, label(c), 0) for c in sorted(top, key=by_label)]
    for kecamatan in sorted(groups, key=by_label):
        unnamed = QCoreApplication.translate("OfficeCombo", "Kecamatan %1").replace("%1", kecamatan)
        entries.append(OfficeEntry(kecamatan, names.get(kecamatan) or unnamed, 0))
        entries += [OfficeEntry(c, label(c), 1) for c in sorted(groups[kecamatan], key=by_label)]
    return entries


class _IndentDelegate(QStyledItemDelegate):
    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        level = index.data(LEVEL_ROLE)
        if isinstance(level, int) and level > 0:
            option.rect.adjust(INDENT_PX * level, 0, 0, 0)


class OfficeCombo(QComboBox):
    """Editable combo over `office_entries`, with "contains" completion."""

    def __init__(self, all_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all_label = all_label
        self._items = QStandardItemModel(self)
        self.setModel(self._items)
        self.setItemDelegate(_IndentDelegate(self))
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = QCompleter(self._items, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        self._completer = completer
        self._entries: list[OfficeEntry] | None = None
        line = self._line()
        line.setPlaceholderText(all_label)
        line.editingFinished.connect(self._text_done)
        self.fill([], {})

    def fill(self, codes: Iterable[str], names: Mapping[str, str]) -> None:
        """Replace the entries; the chosen office stays chosen (signals blocked).

        The queue calls this whenever pulled rows arrive, often while a supervisor is typing
        here: the same list is left alone, and a changed one keeps the typed text, the cursor
        and the open completion list (a refill used to put the chosen office's name back over
        what was being typed and close the list; a refill between Ctrl+A and the first key
        cleared the selection, and "jadir" became "Semua kantorjadir")."""
        entries = office_entries(codes, names)
        if entries == self._entries:
            return
        self._entries = entries
        line = self._line()
        focused = line.hasFocus()
        typing = focused and line.text() != self.itemText(self.currentIndex())
        typed, cursor = line.text(), line.cursorPosition()
        selected_from, selected = line.selectionStart(), line.selectedText()
        popup = self._completer.popup()
        listing = popup is not None and popup.isVisible()
        current = self.currentData()
        self.blockSignals(True)
        self._items.clear()
        first = QStandardItem(self._all_label)
        first.setData(None, CODE_ROLE)
        first.setData(0, LEVEL_ROLE)
        self._items.appendRow(first)
        bold = QFont(self.font())
        bold.setBold(True)
        for entry in entries:
            item = QStandardItem(entry.label)
            item.setData(entry.code, CODE_ROLE)
            item.setData(entry.level, LEVEL_ROLE)
            item.setToolTip(entry.code)
            if entry.level == 0 and len(entry.code.split(".")) == 3:
                item.setFont(bold)
            self._items.appendRow(item)
        index = self.findData(current) if current else 0
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        if typing:
            line.setText(typed)
        if focused:  # the selection too: with "Semua kantor" selected, typing replaces it
            if selected and selected == typed:
                line.selectAll()
            elif selected and line.text() == typed:
                line.setSelection(selected_from, len(selected))
            else:
                line.setCursorPosition(min(cursor, len(line.text())))
        if typing and listing:
            self._completer.setCompletionPrefix(typed)
            self._completer.complete()
        # The list is wider than the field: office names are shown whole, not "Dinas Ke…".
        metrics = QFontMetrics(bold)
        widest = max(
            (metrics.horizontalAdvance(e.label) + INDENT_PX * e.level for e in entries),
            default=0,
        )
        self.view().setMinimumWidth(widest + 48)

    def _line(self) -> QLineEdit:
        line = self.lineEdit()
        assert line is not None  # editable
        return line

    def _text_done(self) -> None:
        """Enter or leaving the field: the typed name if it is an office; empty is "all";
        anything else goes back to the chosen office."""
        text = self._line().text().strip()
        if not text:
            index = 0
        else:
            index = self.findText(text, Qt.MatchFlag.MatchFixedString)
            if index < 0:
                index = self.currentIndex()
        if index != self.currentIndex():
            self.setCurrentIndex(index)
        self._line().setText(self.itemText(self.currentIndex()))
