"""The read-only record lists of the supervision pages (Pengguna, Perangkat, Klaim).

One table for all three, because the keyboard must work the same on each (found walking the
Pengguna page by keys in a real window): Tab reached the table with a current cell but no row
selected, so every action button stayed disabled until an arrow key was pressed; and Tab inside
the table walked from cell to cell instead of leaving it. Here the row under the cursor (else
the first shown row) is selected when the table gets the focus, and Tab leaves the table.
`down_moves_to` gives a search field the queue's "↓: ke daftar".
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFocusEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableWidget, QWidget


class RecordTable(QTableWidget):
    """Whole rows, one at a time, never edited; column `stretch` takes the spare width."""

    def __init__(self, columns: Sequence[str], stretch: int, parent: QWidget | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(list(columns))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def first_shown_row(self) -> int:
        """The first row a filter left visible; -1 when none is."""
        return next((r for r in range(self.rowCount()) if not self.isRowHidden(r)), -1)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self.selectionModel().hasSelection():
            return
        current = self.currentRow()
        row = current if current >= 0 and not self.isRowHidden(current) else self.first_shown_row()
        if row >= 0:
            self.selectRow(row)


def down_moves_to(edit: QLineEdit, table: RecordTable) -> QShortcut:
    """↓ in the search field goes to the list (its first shown row selected, see above)."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Down), edit)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    shortcut.activated.connect(lambda: table.setFocus(Qt.FocusReason.ShortcutFocusReason))
    return shortcut
