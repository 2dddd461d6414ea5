"""Enter and the default button, one rule for every dialog.

Qt gives every `QPushButton` in a `QDialog` *autoDefault*: whichever button gets focus becomes
the default for as long as it has it, and Enter clicks it. Focus moves by itself when the
focused widget is disabled (a busy sign-in disables its fields), so a closing or destructive
button can silently become what Enter does. Loket's rule instead:

- **Enter does the dialog's main action** (`main_button`), whatever has focus; while that
  action is unavailable (disabled: busy, not yet valid) Enter does nothing.
- **Space presses the focused button**, as always; Esc cancels.
- A closing or destructive button is never the default.

Call `set_main_button(dialog, button)` once the buttons exist (and again when the main action
changes, e.g. "Uji koneksi" becomes "Simpan"). For a `QMessageBox` use `setDefaultButton` and
`set_main_button(box, that_button)` after adding the buttons.
"""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget


def set_main_button(dialog: QWidget, button: QPushButton | None) -> None:
    """Make `button` the one Enter clicks in `dialog`; no push button of the dialog becomes the
    default by getting focus (autoDefault off for all of them). `None`: no default at all."""
    for child in dialog.findChildren(QPushButton):
        if child.window() is not dialog.window():
            continue  # a button of another (child) dialog
        child.setAutoDefault(False)
        if child is not button:
            child.setDefault(False)
    if button is not None:
        button.setAutoDefault(False)
        button.setDefault(True)
