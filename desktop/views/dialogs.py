"""Enter and the default button, one rule for every dialog.

Qt gives every `QPushButton` in a `QDialog` *autoDefault*: whichever button gets focus becomes
the default for as long as it has it, and Enter clicks it. Focus moves by itself when the
focused widget is disabled (a busy sign-in disables its fields), so a closing or destructive
button can silently become what Enter does. And a `QDialogButtonBox` makes its first "accept"
button the default when the dialog is shown, even if the dialog wanted none. Loket's rule:

- **Enter does the dialog's main action** (`set_main_button(dialog, button)`), whatever has
  focus; while that action is unavailable (disabled: busy, not yet valid) Enter does nothing.
- **Space presses the focused button**, as always; Esc cancels.
- A closing or destructive button is never the default. Where the main action must never be
  one key away (a reason being typed, where Enter is a new line; an irreversible decision)
  pass the safe button ("Batal") or `None` (then Enter presses nothing).

Call `set_main_button` once the buttons exist, and again when the main action changes (e.g.
"Uji koneksi" becomes "Simpan"); the choice is applied again each time the dialog is shown,
after `QDialogButtonBox` has had its say. Works for `QMessageBox` too.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget


class _MainButton(QObject):
    """Remembers a dialog's main button and applies it again when the dialog is shown."""

    def __init__(self, dialog: QWidget) -> None:
        super().__init__(dialog)
        self.setObjectName("loket-main-button")
        self.dialog = dialog
        self.button: QPushButton | None = None
        dialog.installEventFilter(self)

    def apply(self) -> None:
        dialog, button = self.dialog, self.button
        for child in dialog.findChildren(QPushButton):
            if child.window() is not dialog.window():
                continue  # a button of another (child) dialog
            child.setAutoDefault(False)
            if child is not button:
                child.setDefault(False)
        if button is not None:
            try:
                button.setAutoDefault(False)
                button.setDefault(True)
            except RuntimeError:  # deleted meanwhile
                self.button = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The dialog's own Show comes after its children's (QDialogButtonBox sets a default
        # on its Show): undo that here.
        # getattr: while a dialog and this keeper are torn down, Qt can still deliver an event
        # to a wrapper whose Python attributes are already gone (seen in CI: AttributeError
        # 'dialog' from the scan dialog's screenshot test).
        dialog = getattr(self, "dialog", None)
        if dialog is not None and watched is dialog and event.type() == QEvent.Type.Show:
            self.apply()
        return False


def set_main_button(dialog: QWidget, button: QPushButton | None) -> None:
    """Make `button` the one Enter clicks in `dialog`; no push button of the dialog becomes the
    default by getting focus (autoDefault off for all of them). `None`: no default at all."""
    keeper = _keeper(dialog)
    if keeper is None:
        keeper = _MainButton(dialog)
    keeper.button = button
    keeper.apply()


def main_button(dialog: QWidget) -> QPushButton | None:
    """The button `set_main_button` chose for `dialog` (None if none or never set)."""
    keeper = _keeper(dialog)
    return keeper.button if keeper is not None else None


def _keeper(dialog: QWidget) -> _MainButton | None:
    found = dialog.findChild(
        _MainButton, "loket-main-button", Qt.FindChildOption.FindDirectChildrenOnly
    )
    return found if isinstance(found, _MainButton) else None


def notice_box(
    icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
) -> QMessageBox:
    """A non-modal message with one "Tutup" button (Qt ships no Indonesian for its standard
    "OK"), which Enter presses; deleted when closed. The caller shows it."""
    box = QMessageBox(icon, title, text, parent=parent)
    close = box.addButton(
        QCoreApplication.translate("dialogs", "Tutup"), QMessageBox.ButtonRole.AcceptRole
    )
    box.setEscapeButton(close)
    set_main_button(box, close)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


FRAME_ALLOWANCE = 48
"""The window manager's title bar and borders, kept free when a dialog is sized to the screen."""


def fitting_size(widget: QWidget, wanted: tuple[int, int]) -> tuple[int, int]:
    """`wanted`, no taller or wider than the screen's free area less the frame: at 1366x768 a
    760-px dialog's buttons fell below the screen's edge (real window)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    width, height = wanted
    if screen is None:
        return width, height
    area = screen.availableGeometry()
    return min(width, area.width() - FRAME_ALLOWANCE), min(height, area.height() - FRAME_ALLOWANCE)
