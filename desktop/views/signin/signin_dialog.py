"""Sign-in dialog: remembers the last username, explains every failure in Indonesian.

The network call runs on a worker (`TaskRunner`); the dialog shows a busy bar, keeps what was
typed on failure (except that the password field is selected for retyping) and never blocks the
event loop, so a dead server means a message after the timeout, not a frozen window.

Keys (`desktop.views.dialogs`): Enter in the name moves on to the password, anywhere else it
signs in ("Masuk" is the only default button); while the request is in flight Enter does
nothing and Esc cancels the sign-in, not Loket. A sign-in cancelled (Esc, or Loket closing)
whose answer still arrives is signed out again at once (`abandon`), so no session stays open
on the server; attempts run one after another, so a late answer never touches the next one.

Offline sign-in: when the server cannot be reached and this user has signed in online on this
PC before (`SignInError.offline_possible`), the dialog offers it in place: the main button
becomes "Masuk luring" with the line "Masuk luring — pekerjaan dikirim saat server tersambung",
and Enter signs in with the password checked on this PC (`offline`). Changing the name goes
back to the ordinary sign-in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
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
from desktop.services.tasks import Cancelled, TaskContext, TaskRunner
from desktop.views.dialogs import set_main_button
from desktop.views.signin.keyring_note import KeyringNote

SignIn = Callable[[str, str], UserInfo]
Abandon = Callable[[], None]
"""Sign out a session whose sign-in was cancelled after all (called on the worker)."""


class _Attempt:
    """One press of "Masuk": cancelled by the person, or committed (its answer is on its way);
    never both (decided under `lock`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cancelled = False
        self.committed = False

    def cancel(self) -> bool:
        """True if cancelled now; False when it is too late (the answer is on its way)."""
        with self.lock:
            if not self.committed:
                self.cancelled = True
            return self.cancelled


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
        keyring_problem: str = "",
        abandon: Abandon | None = None,
        offline: SignIn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sign_in = sign_in
        self._offline = offline
        self.offline_mode = False
        """The main button signs in offline (offered after the server could not be reached)."""
        self._abandon = abandon
        self._attempt: _Attempt | None = None
        self._serial = threading.Lock()  # one sign-in request at a time
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
        self.keyring_note = KeyringNote(keyring_problem, self)
        self.offline_label = QLabel(
            self.tr("Masuk luring — pekerjaan dikirim saat server tersambung"), self
        )
        self.offline_label.setWordWrap(True)
        self.offline_label.setStyleSheet(
            "QLabel { background: #fff4ce; color: #3b2f00; border: 1px solid #c19c00; "
            "border-radius: 3px; padding: 6px; }"
        )
        self.offline_label.hide()
        self.username_edit.textEdited.connect(lambda _text: self.set_offline_mode(False))

        self.sign_in_button = QPushButton(self.tr("Masuk"), self)
        self.sign_in_button.clicked.connect(self.submit)
        # "Keluar" in the main window signs out; here the button closes the application.
        self.quit_button = quit_button = QPushButton(self.tr("Tutup aplikasi"), self)
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
        layout.addWidget(self.offline_label)
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)
        layout.addLayout(buttons)

        set_main_button(self, self.sign_in_button)
        (self.password_edit if username else self.username_edit).setFocus()

    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def set_offline_mode(self, on: bool) -> None:
        """"Masuk luring" as the main action (on), or the ordinary sign-in (off)."""
        on = on and self._offline is not None
        if on == self.offline_mode:
            return
        self.offline_mode = on
        self.offline_label.setVisible(on)
        self.sign_in_button.setText(self.tr("Masuk luring") if on else self.tr("Masuk"))
        if not on:
            self.show_message("")

    def show_message(self, text: str, error: bool = True, *, neutral: bool = False) -> None:
        color = "#605e5c" if neutral else "#b3261e" if error else "#8a5a00"
        self.message_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        name_only = self.focusWidget() is self.username_edit and not self.password_edit.text()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and name_only and not self.busy:
            self.password_edit.setFocus(Qt.FocusReason.TabFocusReason)  # on to the password
            event.accept()
            return
        if key == Qt.Key.Key_Escape and self.busy:
            self.cancel_sign_in()
            event.accept()
            return
        super().keyPressEvent(event)  # Enter: the default button, "Masuk" (nothing if busy)

    def submit(self) -> None:
        if self.busy:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self.show_message(self.tr("Isi nama pengguna dan kata sandi."))
            (self.password_edit if username else self.username_edit).setFocus()
            return
        self._set_busy(True)
        offline = self.offline_mode and self._offline is not None
        if offline:
            self.show_message(self.tr("Memeriksa kata sandi di komputer ini…"), neutral=True)
        else:
            self.show_message(self.tr("Menghubungi server… (Esc membatalkan)"), neutral=True)
        attempt = self._attempt = _Attempt()
        sign_in = self._offline if offline and self._offline is not None else self._sign_in
        abandon, serial = self._abandon, self._serial

        def op(ctx: TaskContext) -> UserInfo:
            with serial:  # a cancelled attempt finishes (and signs out) before the next starts
                if attempt.cancelled:
                    raise Cancelled()
                try:
                    user = sign_in(username, password)
                except Exception:
                    if attempt.cancelled:
                        raise Cancelled() from None
                    raise
                with attempt.lock:
                    late = attempt.cancelled or ctx.cancelled  # Esc, or Loket closing
                    attempt.committed = not late
                if late:
                    if abandon is not None:
                        abandon()
                    raise Cancelled()
                return user

        def done(user: UserInfo) -> None:
            if self._attempt is attempt:
                self._done(user)

        def error(exc: Exception) -> None:
            if self._attempt is attempt:  # not after Esc (the person has moved on)
                self._error(exc)

        self._runner.submit(self.tr("Masuk"), op, on_done=done, on_error=error)

    def cancel_sign_in(self) -> bool:
        """Stop waiting for the sign-in in flight (Esc). Its session, should the server still
        open one, is signed out again. False when the answer is already on its way."""
        attempt = self._attempt
        if attempt is None or not self.busy or not attempt.cancel():
            return False
        self._attempt = None
        self._set_busy(False)
        self.show_message(
            self.tr("Masuk dibatalkan. Tekan Enter untuk mencoba lagi."), error=False
        )
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        return True

    def reject(self) -> None:
        """Closing (Tutup aplikasi, the window's X) while signing in: cancel it as well."""
        if self.busy and self._attempt is not None:
            self._attempt.cancel()
        super().reject()

    def _set_busy(self, busy: bool) -> None:
        if busy:
            # Disabling the focused field would hand focus to the next button ("Tutup
            # aplikasi"); the dialog itself keeps it, so keys go nowhere but Esc.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.progress.setVisible(busy)
        for w in (self.username_edit, self.password_edit, self.sign_in_button, self.change_button):
            w.setEnabled(not busy)

    def _fit_height(self) -> None:
        """Grow to show a long message and the offline line whole (wrapped labels ask for
        their height only once the layout knows the width)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        needed = self.heightForWidth(self.width()) if self.hasHeightForWidth() else -1
        height = max(needed, self.sizeHint().height())
        if height > self.height():
            self.resize(self.width(), height)

    def _done(self, user: UserInfo) -> None:
        self._attempt = None
        self._set_busy(False)
        self.show_message("")
        self.password_edit.clear()
        self.user = user
        self.signed_in.emit(user)
        self.accept()

    def _error(self, exc: Exception) -> None:
        self._attempt = None
        self._set_busy(False)
        error = exc if isinstance(exc, SignInError) else sign_in_message(exc)
        retry_offline = self.offline_mode and error.code == "wrong_password"
        self.set_offline_mode(error.offline_possible or retry_offline)
        self.show_message(error.message)
        self._fit_height()
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        self.failed.emit(error.code)
