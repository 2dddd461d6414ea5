"""The workbench footer: the last result or explanation, what is in flight, and the decision
buttons. Which buttons exist and when they are enabled is the workbench's call (workflow rules
and the claim); this bar only shows them so that right and wrong are told apart by colour."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from desktop.domain.workflow import Action
from desktop.views.message_styles import MESSAGE_STYLES
from desktop.views.workbench import shortcuts

POSITIVE = frozenset(
    {Action.VERIFY, Action.VALIDATE, Action.SIGN, Action.SUBMIT, Action.RESUBMIT, Action.DELIVER}
)
DESTRUCTIVE = frozenset({Action.DISCARD, Action.CANCEL})


class ActionBar(QFrame):
    """Message (left, wraps) · busy indicator · decision buttons (right)."""

    action_clicked = Signal(object)
    """The `Action` whose button was clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workbenchFooter")
        self.setStyleSheet("QFrame#workbenchFooter { border-top: 1px solid #d2d0ce; }")
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message_label.setVisible(False)
        self.message_kind = ""
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setFixedHeight(10)
        self.busy_label = QLabel(self)
        self.busy_label.setTextFormat(Qt.TextFormat.PlainText)
        self.busy_bar.setVisible(False)
        self.busy_label.setVisible(False)
        self.buttons: dict[Action, QPushButton] = {}
        self.sign_makes_letter = False
        """Tandatangani opens the sign dialog (a kelurahan letter) rather than recording the
        status only (an output from SIAK); set by the workbench, read for the tooltip."""
        self.sign_imports_siak = False
        """Tandatangani opens the SIAK import-and-sign dialog (a Disdukcapil service)."""
        self._buttons_layout = QHBoxLayout()
        self._buttons_layout.setSpacing(6)
        # Keeps the buttons right-aligned while no message takes the space.
        self._spacer = QWidget(self)
        self._spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(10)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self._spacer, 1)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.busy_label)
        layout.addLayout(self._buttons_layout)

    def set_actions(self, actions: Iterable[Action]) -> dict[Action, QPushButton]:
        """Replace the buttons; labels carry the first key of each action."""
        for button in self.buttons.values():
            self._buttons_layout.removeWidget(button)
            # hide, not setParent(None): reparenting the focused button drops the window's focus
            button.hide()
            button.deleteLater()
        self.buttons = {}
        for action in actions:
            entry = shortcuts.BY_ACTION.get(action)
            text = f"{action.label}  ({entry.keys[0]})" if entry is not None else action.label
            button = QPushButton(text, self)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(30)
            button.setStyleSheet(button_style(action))
            button.clicked.connect(lambda _checked=False, a=action: self.action_clicked.emit(a))
            self._buttons_layout.addWidget(button)
            self.buttons[action] = button
        return self.buttons

    def set_allowed(self, allowed: dict[Action, bool], busy: bool, *, blocked: str = "") -> None:
        """Enable what may be done now; a disabled button's tooltip says why: `blocked` when
        given (e.g. someone else handles it), else that the claim must be taken first."""
        for action, button in self.buttons.items():
            ok = allowed.get(action, False) and not blocked
            button.setEnabled(ok and not busy)
            entry = shortcuts.BY_ACTION.get(action)
            keys = f" ({entry.keys_text})" if entry else ""
            label = action.label
            if action is Action.SIGN and self.sign_makes_letter:
                label = self.tr(
                    "Tandatangani: membuka surat untuk ditandatangani secara elektronik"
                )
            elif action is Action.SIGN and self.sign_imports_siak:
                label = self.tr(
                    "Tandatangani: impor dokumen keluaran dari SIAK (PDF) lalu tandatangani "
                    "secara elektronik"
                )
            elif action is Action.SIGN:
                label = self.tr(
                    "Tandatangani: hanya mencatat status Ditandatangani (dokumen keluaran "
                    "layanan ini dari SIAK; tanda tangan elektronik tidak dibuat oleh Loket)"
                )
            if ok:
                button.setToolTip(f"{label}{keys}")
            elif blocked:
                button.setToolTip(
                    self.tr("{action}{keys} — {why}").format(action=label, keys=keys, why=blocked)
                )
            else:
                button.setToolTip(
                    self.tr("{action}{keys} — ambil klaim terlebih dahulu").format(
                        action=label, keys=keys
                    )
                )

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy and bool(text))
        self.busy_label.setText(text)

    def show_message(self, text: str, kind: str = "info") -> None:
        """kind: info, success, warning, error. Empty text hides the message."""
        self.message_kind = kind if text else ""
        style = MESSAGE_STYLES.get(kind, MESSAGE_STYLES["info"])
        self.message_label.setStyleSheet(
            f"QLabel {{ {style} border-radius: 3px; padding: 4px 8px; }}"
        )
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        self._spacer.setVisible(not text)


def button_style(action: Action) -> str:
    """Blue for the step forward, red for the end of the road, amber for "send it back"."""
    if action in POSITIVE:
        colors = ("#0f6cbd", "white", "#0c5aa0")
    elif action is Action.REJECT or action in DESTRUCTIVE:
        colors = ("#c50f1f", "white", "#a10d19")
    else:
        colors = ("#fff4ce", "#5c4400", "#e8c26a")
    background, foreground, border = colors
    return (
        f"QPushButton {{ background: {background}; color: {foreground}; border: 1px solid "
        f"{border}; border-radius: 3px; padding: 4px 14px; font-weight: bold; }}"
        "QPushButton:disabled { background: #f3f2f1; color: #a19f9d; border-color: #e1dfdd; }"
        "QPushButton:focus { border: 2px solid #323130; }"
    )
