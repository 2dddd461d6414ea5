"""The service picker: type part of a service's code or name, pick with the arrow keys and Enter.

The list is "KODE — Nama" so one contains-match covers code and name; the services this person
used recently come first (the controller remembers them per user), the rest in catalogue order.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from desktop.domain.catalogue import Service


def service_label(service: Service) -> str:
    return f"{service.code} — {service.name}"


class ServicePicker(QLineEdit):
    """`picked(code)` once a service is chosen (from the list, or Enter on a unique match)."""

    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr("Ketik kode atau nama layanan (mis. akta, KTP, pindah)…"))
        self.setClearButtonEnabled(True)
        self.model = QStringListModel(self)
        self.completer_ = QCompleter(self.model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        self.setCompleter(self.completer_)
        self._codes: dict[str, str] = {}
        self._pending = False
        self.completer_.activated[str].connect(self._activated)  # type: ignore[index]
        self.installEventFilter(self)
        popup = self.completer_.popup()
        if popup is not None:
            popup.installEventFilter(self)

    def set_services(self, services: Sequence[Service], recent: Sequence[str]) -> None:
        """`recent`: codes, most recent first; they lead the list."""
        by_code = {s.code: s for s in services}
        ordered = [by_code[c] for c in recent if c in by_code]
        ordered += [s for s in services if s.code not in recent]
        labels = [service_label(s) for s in ordered]
        self._codes = {service_label(s): s.code for s in ordered}
        self.model.setStringList(labels)

    def show_all(self) -> None:
        """Open the list with every service (recent first), as when the field is empty."""
        self.completer_.setCompletionPrefix(self.text())
        self.completer_.complete()

    def matches(self) -> list[str]:
        needle = self.text().strip().casefold()
        return [label for label in self._codes if needle in label.casefold()]

    def _activated(self, label: str) -> None:
        code = self._codes.get(label)
        if code is None or self._pending:
            # The completer hands the popup's Enter on to this field as well: one pick.
            return
        self._pending = True

        def emit() -> None:
            self._pending = False
            self.picked.emit(code)

        # After the popup has closed and handed the focus back, so that whoever takes
        # `picked` may move the focus on.
        QTimer.singleShot(0, emit)

    def _enter_in_popup(self) -> bool:
        """Enter in the open list with no row chosen (the person typed a name and pressed
        Enter, as in a real window: Qt then closed the list and picked nothing). One match is
        picked; several: the first is marked, and the next Enter picks it."""
        popup = self.completer_.popup()
        if popup is None or popup.currentIndex().isValid():
            return False  # a row is chosen: Qt's own Enter picks it
        found = self.matches()
        if len(found) == 1:
            popup.hide()
            self.setText(found[0])
            self._activated(found[0])
            return True
        model = popup.model()
        if model is not None and model.rowCount() > 0:
            popup.setCurrentIndex(model.index(0, 0))
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        popup = self.completer_.popup()
        if (
            popup is not None
            and watched is popup
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            return self._enter_in_popup()
        if watched is self and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            popup_open = _popup_open(self.completer_)
            if key == Qt.Key.Key_Down and not popup_open:
                self.show_all()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not popup_open:
                found = self.matches()
                if self.text().strip() and len(found) == 1:
                    self.setText(found[0])
                    self._activated(found[0])
                elif self.text().strip():
                    self.show_all()
                return True  # Enter never does more than pick
        return False


def _popup_open(completer: QCompleter) -> bool:
    popup = completer.popup()
    return popup is not None and popup.isVisible()
