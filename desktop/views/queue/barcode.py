"""USB barcode/QR readers type like a very fast keyboard ("keyboard wedge").

The reader sends the registration number from the receipt's code as keystrokes a few
milliseconds apart, then Enter. People type at 100+ ms per key. So a burst of at least
`MIN_LENGTH` characters, each within `MAX_GAP_MS` of the previous one, ending in Enter, is a
scan; anything slower is typing and is left alone. Keys still reach the focused widget (we cannot
know a burst is a scan until it ends); only the final Enter of a recognised scan is consumed, so
it does not also trigger the focused widget's default action.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from desktop.domain.numbering import NumberError, parse_registration_number

MAX_GAP_MS = 40.0
MIN_LENGTH = 15


class BarcodeWedge(QObject):
    """Application-wide key filter for one window: emits `scanned(number)` for a scan.

    Installed on the `QApplication` so it sees keys whichever child has focus; a key event
    that propagates to parents is counted once (only at the focus widget), and keys for other
    windows (dialogs) are ignored.
    """

    scanned = Signal(str)
    """The canonical registration number, e.g. ``1471-261124-0042-6``."""
    rejected = Signal(str)
    """A fast burst that was not a valid registration number (Indonesian reason)."""

    def __init__(self, window: QWidget, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self._window = window
        self._clock = clock
        self._chars: list[str] = []
        self._last_ms = 0.0
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
        now = self._now_ms(event)
        gap_ms = now - self._last_ms
        self._last_ms = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            burst = "".join(self._chars)
            self._chars.clear()
            if gap_ms <= MAX_GAP_MS and len(burst) >= MIN_LENGTH:
                try:
                    number = parse_registration_number(burst)
                except NumberError as exc:
                    self.rejected.emit(str(exc))
                    return False
                self.scanned.emit(str(number))
                return True
            return False
        text = event.text()
        if not text or not text.isprintable():
            self._chars.clear()
            return False
        if gap_ms > MAX_GAP_MS:
            self._chars.clear()
        self._chars.append(text)
        return False
