"""The idle lock: an opaque cover over the window that asks for the password again.

Nothing underneath is closed or reset: the open application, ticked checklist items and typed
reasons stay exactly as they were; they are only hidden (personal data on a shared counter PC)
and disabled. Two modes:

- *local*: the password is checked against the in-memory hash of this session (no network);
- *reauth*: the server ended the session (refresh token expired or revoked), so the password
  goes to the server again as a fresh sign-in for the same user.

The cover paints itself (`paintEvent`): a style sheet alone does not paint a plain QWidget, and
whatever is under it must not show through. Local guesses are slowed down: after
`FREE_ATTEMPTS` wrong passwords each further one waits 2, 4, 8 … up to 60 seconds, and after
`MAX_ATTEMPTS` the session ends (`attempts_exhausted`: sign in again, online).

The card's height follows its text (`_fit`): word-wrapped messages are laid out for the card's
real width, so the whole message shows at 1366x768 and on smaller windows. Enter in the
password field unlocks; while a wrong-password wait runs the field is disabled and the card
itself keeps the focus, so keys typed on never reach "Keluar dan ganti pengguna".

Both checks run on a worker (`Op` on the runner): the local one is scrypt, deliberately slow,
and the GUI thread keeps painting and counting down meanwhile. While a check runs the button
says "Memeriksa…" and a second Enter starts nothing; an outcome that arrives after the cover
was locked again (the server ended the session meanwhile) or taken down is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
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

from desktop.services.auth import UserInfo
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner

COVER = QColor("#1b2a3a")
CARD_WIDTH = 440
MARGIN = 16
FREE_ATTEMPTS = 3
MAX_ATTEMPTS = 10
MAX_DELAY_S = 60


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` wrong local passwords (0 for the first few)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_DELAY_S, 2 ** (failures - FREE_ATTEMPTS + 1)))


class LockOverlay(QWidget):
    """Covers its parent completely while locked; `unlocked` when the password is right."""

    unlocked = Signal()
    sign_out_requested = Signal()
    attempts_exhausted = Signal()
    """Too many wrong local passwords: end the session (sign in again, online)."""

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
        self._tasks = runner.group(self)  # cancelled when the overlay goes (sign-out)
        self._verify_local = verify_local
        self._reauthenticate = reauthenticate
        self.mode = "local"
        self.failures = 0
        self.checking = False
        """A password check is on a worker; the card shows it and takes no second one."""
        self._attempt = 0  # bumped whenever the cover is locked or taken down
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

        self.card = card = QFrame(self)
        card.setObjectName("lockCard")
        card.setStyleSheet("#lockCard { background: white; border-radius: 8px; }")
        # The card keeps focus while the password field waits (see `_wrong_password`).
        card.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        title = QLabel(self.tr("Layar terkunci"), card)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() + 5)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        self.reason_label = QLabel(card)
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self.user_label = QLabel(user_label, card)
        self.user_label.setWordWrap(True)
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
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
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.error_label.hide()
        self.unlock_button = QPushButton(self._unlock_text(), card)
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
        inner.setSpacing(8)
        inner.addWidget(title)
        inner.addWidget(self.reason_label)
        inner.addWidget(self.user_label)
        inner.addWidget(self.password_edit)
        inner.addWidget(self.progress)
        inner.addWidget(self.error_label)
        inner.addLayout(buttons)
        self._inner = inner
        # Placed by `_fit` (no outer layout: a layout would give the card its size hint, which
        # is computed for another width and cuts wrapped text off).
        self.hide()
        parent.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return self.isVisible()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), COVER)
        painter.end()

    def lock(self, mode: str = "local", reason: str = "") -> None:
        """Show the cover. `mode` "reauth" when the server ended the session."""
        if self.locked and self.mode == "reauth" and mode == "local":
            return
        if self.locked and mode == self.mode:
            # Told again (a failed pull after the one that locked): what the person typed and
            # a check already under way still answer the same question; only the text may change.
            if reason and reason != self.reason_label.text():
                self.reason_label.setText(reason)
                self._fit()
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
        self._attempt += 1  # a check still running answers a question nobody asks now
        self._set_checking(False)
        self.error_label.hide()
        self.password_edit.clear()
        self.show()
        self._fit()
        self.raise_()
        if self.password_edit.isEnabled():
            self.password_edit.setFocus()
        else:
            self.card.setFocus()

    def _unlock_text(self) -> str:
        return self.tr("Buka kunci")

    def submit(self) -> None:
        password = self.password_edit.text()
        if not password or self.checking or self._wait_left > 0:
            return
        self.password_edit.clear()
        self._set_checking(True)
        attempt, mode = self._attempt, self.mode

        def still_asked() -> bool:
            return self._attempt == attempt and self.mode == mode and not self.isHidden()

        if mode == "local":
            verify = self._verify_local
            Op(
                OpKind.UNLOCK,
                self.tr("Memeriksa kata sandi"),
                lambda _ctx: verify(password),
                quiet=True,
            ).success(self._local_checked).failure(self._check_failed).relevant_while(
                still_asked
            ).run(self._tasks)
            return
        reauthenticate = self._reauthenticate
        Op(OpKind.SIGN_IN, self.tr("Masuk ulang"), lambda _ctx: reauthenticate(password)).success(
            lambda _user: self._done()
        ).failure(self._check_failed).relevant_while(still_asked).run(self._tasks)

    def _set_checking(self, checking: bool) -> None:
        self.checking = checking
        self.progress.setVisible(checking)
        self.unlock_button.setEnabled(not checking and self._wait_left <= 0)
        self.unlock_button.setText(self.tr("Memeriksa…") if checking else self._unlock_text())
        self._fit()

    def _local_checked(self, ok: bool) -> None:
        self._set_checking(False)
        if ok:
            self.failures = 0
            self._done()
        else:
            self._wrong_password()

    def _wrong_password(self) -> None:
        self.failures += 1
        if self.failures >= MAX_ATTEMPTS:
            self._fail(
                self.tr("Terlalu banyak kata sandi salah. Sesi diakhiri; silakan masuk lagi.")
            )
            self.attempts_exhausted.emit()
            return
        wait = delay_after(self.failures)
        if wait <= 0:
            self._fail(self.tr("Kata sandi salah."))
            return
        self._wait_left = wait
        self.card.setFocus()  # not left to Qt: it would hand focus to "Keluar …"
        self.password_edit.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self._show_wait()
        self._wait_timer.start()

    def _show_wait(self) -> None:
        self._fail(
            self.tr("Kata sandi salah %1 kali. Coba lagi dalam %2 detik.")
            .replace("%1", str(self.failures))
            .replace("%2", str(self._wait_left))
        )

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left > 0:
            self._show_wait()
            return
        self._wait_timer.stop()
        self.password_edit.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self._fail(self.tr("Kata sandi salah. Silakan coba lagi."))

    def _check_failed(self, _exc: Exception, message: str) -> None:
        """`message`: a refused sign-in's own (`SignInError`), else `user_message`'s."""
        self._set_checking(False)
        self._fail(message)

    def _fail(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self._fit()
        if self.password_edit.isEnabled():
            self.password_edit.setFocus()

    def _done(self) -> None:
        self._attempt += 1
        self._set_checking(False)
        self.hide()
        self.unlocked.emit()

    def _fit(self) -> None:
        """Cover the parent; size the card for its text at the width it really has."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        width = max(200, min(CARD_WIDTH, self.width() - 2 * MARGIN))
        self._inner.activate()
        height = self._inner.totalHeightForWidth(width)
        if height < 0:
            height = self._inner.totalSizeHint().height()
        height = min(height, max(120, self.height() - 2 * MARGIN))
        x = max(0, (self.width() - width) // 2)
        y = max(0, min((self.height() - height) // 3, self.height() - height))
        self.card.setGeometry(x, y, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._fit()
        return False
