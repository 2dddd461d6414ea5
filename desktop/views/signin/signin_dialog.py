"""Sign-in dialog: remembers the last username, explains every failure in Indonesian.

The network call runs on a worker (`TaskRunner`); the dialog shows a busy bar, keeps what was
typed on failure (except that the password field is selected for retyping) and never blocks the
event loop, so a dead server means a message after the timeout, not a frozen window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
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

SignIn = Callable[[str, str], UserInfo]


class SignInDialog(QDialog):
    """Username + password; `signed_in(UserInfo)` on success, `change_server` on request."""

    signed_in = Signal(object)
    change_server = Signal()
    failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        sign_in: SignIn,
        *,
        server_label: str,
        username: str = "",
        notice: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sign_in = sign_in
        self.user: UserInfo | None = None
        self.setWindowTitle(self.tr("Loket — Masuk"))
        self.setMinimumWidth(440)

        title = QLabel(self.tr("Masuk ke Loket"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() + 5)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(self.tr("Layanan administrasi kependudukan dan kelurahan"), self)
        subtitle.setStyleSheet("QLabel { color: #605e5c; }")

        self.server_label = QLabel(server_label, self)
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        self.server_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.change_button = QPushButton(self.tr("Ubah server"), self)
        self.change_button.setFlat(True)
        self.change_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.change_button.setStyleSheet(
            "QPushButton { color: #0f6cbd; text-decoration: underline; }"
        )
        self.change_button.clicked.connect(self.change_server.emit)
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_label, 1)
        server_row.addWidget(self.change_button)

        self.username_edit = QLineEdit(username, self)
        self.username_edit.setPlaceholderText(self.tr("nama pengguna"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("kata sandi"))
        form = QFormLayout()
        form.addRow(self.tr("Nama pengguna"), self.username_edit)
        form.addRow(self.tr("Kata sandi"), self.password_edit)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.message_label = QLabel(notice, self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.message_label.setVisible(bool(notice))

        self.sign_in_button = QPushButton(self.tr("Masuk"), self)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        # "Keluar" in the main window signs out; here the button closes the application.
        quit_button = QPushButton(self.tr("Tutup aplikasi"), self)
        quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(server_row)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.username_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.submit)
        (self.password_edit if username else self.username_edit).setFocus()

    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def show_message(self, text: str, error: bool = True) -> None:
        color = "#b3261e" if error else "#8a5a00"
        self.message_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def submit(self) -> None:
        if self.busy:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self.show_message(self.tr("Isi nama pengguna dan kata sandi."))
            return
        self._set_busy(True)
        self.show_message("")

        def op(_ctx: TaskContext) -> UserInfo:
            return self._sign_in(username, password)

        self._runner.submit(self.tr("Masuk"), op, on_done=self._done, on_error=self._error)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for w in (self.username_edit, self.password_edit, self.sign_in_button, self.change_button):
            w.setEnabled(not busy)

    def _done(self, user: UserInfo) -> None:
        self._set_busy(False)
        self.password_edit.clear()
        self.user = user
        self.signed_in.emit(user)
        self.accept()

    def _error(self, exc: Exception) -> None:
        self._set_busy(False)
        error = exc if isinstance(exc, SignInError) else sign_in_message(exc)
        self.show_message(error.message)
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        self.failed.emit(error.code)
