"""USB barcode/QR readers type like a very fast keyboard ("keyboard wedge").

The reader sends the registration number from the receipt's code as keystrokes a few
milliseconds apart, then Enter. People type at 100+ ms per key. So a burst of at least
`MIN_LENGTH` characters, each within `MAX_GAP_MS` of the previous one, ending in Enter, is a
scan; anything slower is typing and is left alone. The reader types its Enter into the widget
that took the code, so an Enter elsewhere ends no scan. Keys still reach the focused widget (we
cannot know a burst is a scan until it ends). The final Enter of every scan is consumed, valid or
not:
a scan that is not a registration number (wrong check digit, a reader that dropped characters,
some other code) must never reach the focused widget as Enter, where it would open the selected
row. Only an exact number opens an application.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from desktop.views.queue.entry import read_number

NO_SCAN_PROPERTY = "loketNoScan"
"""A widget with this property True (and its children) is a typing form: no scan is read
there. A typist's keys queued behind a busy moment arrive back to back and looked like a
reader's burst, so the Enter that should move to the next field was taken as a refused scan
(found typing the intake form in a real window)."""

MAX_GAP_MS = 40.0
MIN_LENGTH = 8
"""A registration number is 15 digits (18 with separators); a shorter burst is still a scan (a
reader that dropped characters), to be refused, not typing. Nobody types 8 keys 40 ms apart."""


class BarcodeWedge(QObject):
    """Application-wide key filter for one window: emits `scanned(number)` for a scan.

    Installed on the `QApplication` so it sees keys whichever child has focus; a key event
    that propagates to parents is counted once (only at the focus widget), and keys for other
    windows (dialogs) are ignored.
    """

    scanned = Signal(str)
    """The canonical registration number, e.g. ``1471-261124-0042-6`` (or a complete
    provisional number, ``SEM-…``)."""
    rejected = Signal(str)
    """A fast burst that was not a valid registration number (Indonesian reason)."""
    rejected_code = Signal(str, str)
    """The same, with what was read: (burst text, Indonesian reason)."""

    def __init__(self, window: QWidget, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self._window = window
        self._clock = clock
        self._chars: list[str] = []
        self._last_ms = 0.0
        self._target: QObject | None = None  # the widget that took the burst's last character
        self.enabled = True
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def reset(self) -> None:
        self._chars.clear()
        self._target = None

    def _now_ms(self, event: QKeyEvent) -> float:
        stamp = event.timestamp()
        return float(stamp) if stamp else self._clock() * 1000

    def _is_target(self, watched: QObject) -> bool:
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        focus = QApplication.focusWidget()
        if focus is not None:
            return watched is focus
        return watched is self._window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.enabled or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent) or event.isAutoRepeat():
            return False
        if not self._is_target(watched):
            return False
        if _in_typing_form(watched):
            self.reset()
            return False
        now = self._now_ms(event)
        gap_ms = now - self._last_ms
        self._last_ms = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            burst = "".join(self._chars)
            same_field = watched is self._target
            self.reset()
            # A reader types its Enter where it typed the code; an Enter in another widget
            # follows typing that only happened to be fast (a paste tool, a test), not a scan.
            if gap_ms <= MAX_GAP_MS and len(burst) >= MIN_LENGTH and same_field:
                entry = read_number(burst)
                if entry.kind != "number":
                    self.rejected.emit(entry.reason)
                    self.rejected_code.emit(burst, entry.reason)
                    return True  # never Enter for the focused widget (it would open a row)
                self.scanned.emit(entry.value)
                return True
            return False
        text = event.text()
        if not text or not text.isprintable():
            self.reset()
            return False
        if gap_ms > MAX_GAP_MS:
            self._chars.clear()
        self._chars.append(text)
        self._target = watched
        return False


def _in_typing_form(widget: QObject) -> bool:
    node: QObject | None = widget
    while node is not None:
        if node.property(NO_SCAN_PROPERTY) is True:
            return True
        node = node.parent()
    return False
