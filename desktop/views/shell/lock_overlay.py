"""The idle lock: an opaque cover over the window that asks for the password again.

Nothing underneath is closed or reset: the open application, ticked checklist items and typed
reasons stay exactly as they were; they are only hidden (personal data on a shared counter PC)
and disabled. Two modes:

- *local*: the password is checked against the in-memory hash of this session (no network);
- *reauth*: the server ended the session (refresh token expired or revoked), so the password
  goes to the server again as a fresh sign-in for the same user.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.auth import SignInError, UserInfo, sign_in_message
from desktop.services.tasks import TaskContext, TaskRunner


class LockOverlay(QWidget):
    """Covers its parent completely while locked; `unlocked` when the password is right."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        parent: QWidget,
        runner: TaskRunner,
        *,
        verify_local: Callable[[str], bool],
        reauthenticate: Callable[[str], UserInfo],
        user_label: str,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._verify_local = verify_local
        self._reauthenticate = reauthenticate
        self.mode = "local"
        self.setAutoFillBackground(True)
        self.setObjectName("lockOverlay")
        self.setStyleSheet("#lockOverlay { background: #1b2a3a; }")

        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setStyleSheet("#lockCard { background: white; border-radius: 8px; }")
        card.setFixedWidth(420)
        title = QLabel(self.tr("Layar terkunci"), card)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() + 5)
        font.setBold(True)
        title.setFont(font)
        self.reason_label = QLabel(card)
        self.reason_label.setWordWrap(True)
        self.user_label = QLabel(user_label, card)
        self.user_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.password_edit = QLineEdit(card)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("kata sandi"))
        self.password_edit.returnPressed.connect(self.submit)
        self.progress = QProgressBar(card)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.error_label = QLabel(card)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.error_label.hide()
        self.unlock_button = QPushButton(self.tr("Buka kunci"), card)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        sign_out = QPushButton(self.tr("Keluar dan ganti pengguna"), card)
        sign_out.clicked.connect(self.sign_out_requested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(sign_out)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)

        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.addWidget(title)
        inner.addWidget(self.reason_label)
        inner.addWidget(self.user_label)
        inner.addWidget(self.password_edit)
        inner.addWidget(self.progress)
        inner.addWidget(self.error_label)
        inner.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.hide()
        parent.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return self.isVisible()

    def lock(self, mode: str = "local", reason: str = "") -> None:
        """Show the cover. `mode` "reauth" when the server ended the session."""
        if self.locked and self.mode == "reauth" and mode == "local":
            return
        self.mode = mode
        default = (
            self.tr(
                "Loket dikunci karena tidak ada aktivitas. Pekerjaan yang terbuka tetap tersimpan."
            )
            if mode == "local"
            else self.tr(
                "Sesi Anda di server telah berakhir. Masukkan kata sandi untuk "
                "melanjutkan; pekerjaan yang terbuka tetap tersimpan."
            )
        )
        self.reason_label.setText(reason or default)
        self.error_label.hide()
        self.password_edit.clear()
        self._fit()
        self.show()
        self.raise_()
        self.password_edit.setFocus()

    def submit(self) -> None:
        password = self.password_edit.text()
        if not password or self.progress.isVisible():
            return
        if self.mode == "local":
            ok = self._verify_local(password)
            self.password_edit.clear()
            if ok:
                self._done()
            else:
                self._fail(self.tr("Kata sandi salah."))
            return
        self.progress.show()
        self.unlock_button.setEnabled(False)
        self.password_edit.clear()

        def op(_ctx: TaskContext) -> UserInfo:
            return self._reauthenticate(password)

        self._runner.submit(
            self.tr("Masuk ulang"),
            op,
            on_done=lambda _u: self._done(),
            on_error=self._reauth_failed,
        )

    def _reauth_failed(self, exc: Exception) -> None:
        self.progress.hide()
        self.unlock_button.setEnabled(True)
        error = exc if isinstance(exc, SignInError) else sign_in_message(exc)
        self._fail(error.message)

    def _fail(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.password_edit.setFocus()

    def _done(self) -> None:
        self.progress.hide()
        self.unlock_button.setEnabled(True)
        self.hide()
        self.unlocked.emit()

    def _fit(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._fit()
        return False
