"""The main window: navigation, pages, status bar, idle lock, barcode reader, shortcuts.

Pages are built elsewhere and handed in; this window only arranges them and reports what the
person asks for (refresh, scan, sign out) as signals. The status bar shows the connection state,
the sync state (last pull, pending), running work with a progress bar, and who is signed in.

A navigation item may lead on to further pages (`add_flow_page`): the workbench continues the
queue, so while an application is open "Antrean" stays highlighted, switching to another item
and back returns to it, and clicking "Antrean" again asks to go back to the list.

The status bar's states (connection, last pull, running work, a session kept in memory only,
the user and "Keluar") are *permanent* widgets: a temporary message never covers them. Messages
always time out, are elided to the space left, and show in full in a tooltip.

While the server cannot be reached, `OfflineBanner` runs across the top: "Mode luring sejak
09.12 WIB — …" (the office's zone), the reason behind "Rincian" (and in its tooltip), and
"Coba sekarang" (`retry_requested`, a probe at once). It takes its height from the pages, never
from the screen, and goes by itself when the server answers.

Geometry: the window opens maximised, or as it was last closed (`WindowGeometry`, saved in the
settings by the app), always clamped to the screen's available area (`fit_rect`); its minimum
size never exceeds that area either, so the status bar is never below the taskbar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFontMetrics,
    QGuiApplication,
    QHelpEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QScreen,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QStyleOption,
    QTextEdit,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.formatting import format_clock, local, zone_for_region, zone_name
from desktop.services.auth import UserInfo
from desktop.services.tasks import TaskRunner
from desktop.views.queue.barcode import BarcodeWedge
from desktop.views.shell.idle import IdleWatcher
from desktop.views.shell.lock_overlay import LockOverlay
from desktop.views.signin.keyring_note import KeyringNote

MINIMUM_SIZE = QSize(1024, 600)
"""The smallest window that still works (never more than the screen's available area)."""
MESSAGE_MS = 8000
"""How long a status-bar message stays when the caller names no time (every message goes)."""
MAX_MESSAGE_MS = 60_000


# -- geometry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowGeometry:
    """Where the window was when it closed: its normal (not maximised) rectangle, and whether it
    was maximised. `text` is how the settings keep it: ``"x,y,width,height"`` plus
    ``",max"`` when maximised."""

    rect: QRect
    maximized: bool = True

    @property
    def text(self) -> str:
        r = self.rect
        return f"{r.x()},{r.y()},{r.width()},{r.height()}" + (",max" if self.maximized else "")

    @classmethod
    def parse(cls, text: str) -> WindowGeometry | None:
        """None for empty or unusable text (the window then opens maximised)."""
        parts = [p.strip() for p in text.split(",")]
        maximized = bool(parts) and parts[-1] == "max"
        if maximized:
            parts = parts[:-1]
        if len(parts) != 4:
            return None
        try:
            x, y, w, h = (int(p) for p in parts)
        except ValueError:
            return None
        if w <= 0 or h <= 0:
            return None
        return cls(QRect(x, y, w, h), maximized)


Margins = tuple[int, int, int, int]


def fit_rect(rect: QRect, available: QRect, frame: Margins = (0, 0, 0, 0)) -> QRect:
    """`rect` (a window's client area) moved and shrunk so that it and its window frame
    (`frame`: left, top, right, bottom) lie inside `available`."""
    left, top, right, bottom = frame
    room = available.adjusted(left, top, -right, -bottom)
    width = max(1, min(rect.width(), room.width()))
    height = max(1, min(rect.height(), room.height()))
    x = min(max(rect.x(), room.left()), room.left() + room.width() - width)
    y = min(max(rect.y(), room.top()), room.top() + room.height() - height)
    return QRect(x, y, width, height)


def screen_for(rect: QRect | None) -> QScreen | None:
    """The screen showing the centre of `rect` (a saved geometry), else the primary one."""
    if rect is not None:
        screen = QGuiApplication.screenAt(rect.center())
        if screen is not None:
            return screen
    return QGuiApplication.primaryScreen()


# -- status bar -----------------------------------------------------------------------------------


class StatusLabel(QLabel):
    """One line of plain text in the status bar, at most `max_width` wide; what does not fit
    ends in "…" (the full text is the tooltip unless one is set)."""

    def __init__(self, text: str, max_width: int, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMaximumWidth(max_width)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(48, hint.width()), hint.height())

    def is_elided(self) -> bool:
        width = QFontMetrics(self.font()).horizontalAdvance(self.text())
        return width > self.contentsRect().width()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip() and self.is_elided():
            assert isinstance(event, QHelpEvent)
            QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.is_elided():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        rect = self.contentsRect()
        text = QFontMetrics(self.font()).elidedText(
            self.text(), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.setPen(self.palette().color(self.foregroundRole()))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, int(align), text)


class StatusBar(QStatusBar):
    """`QStatusBar` whose temporary message is elided to the space left of the permanent
    widgets (Qt cuts it off mid-letter) and shown whole in a tooltip. The first permanent
    widget is `message_room`, an empty widget that keeps `MESSAGE_ROOM` pixels for the message
    even in the smallest window (the states shrink first)."""

    MESSAGE_ROOM = 260

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_room = QWidget(self)
        self.message_room.setMinimumWidth(self.MESSAGE_ROOM)
        self.addPermanentWidget(self.message_room)
        # Qt repaints only its own message rectangle (left of the first permanent widget) when
        # the message changes or times out; ours reaches into `message_room`, whose stale
        # pixels ("…at server tersambung") stayed on screen in a real window. Repaint it all.
        self.messageChanged.connect(lambda _message: self.update())

    def message_rect(self) -> QRect:
        room = self.message_room.geometry()
        return QRect(6, 0, max(0, room.right() - 6), self.height())

    def displayed_message(self) -> str:
        """The message as painted (elided when it does not fit)."""
        return QFontMetrics(self.font()).elidedText(
            self.currentMessage(), Qt.TextElideMode.ElideRight, self.message_rect().width()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            self.message_rect(),
            int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter),
            self.displayed_message(),
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            message = self.currentMessage()
            if message and self.message_rect().contains(event.pos()):
                QToolTip.showText(event.globalPos(), message, self)
                return True
        return super().event(event)


class OfflineBanner(QFrame):
    """The unmistakable line while the server cannot be reached (hidden otherwise). The
    reason is its tooltip, and unfolds under it with "Rincian" (keyboard: a tooltip needs a
    mouse)."""

    retry_requested = Signal()

    def __init__(self, tz: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self.reason = ""
        self.setObjectName("offlineBanner")
        self.setStyleSheet(
            "#offlineBanner { background: #fff4ce; border-bottom: 2px solid #c19c00; }"
            "#offlineBanner QLabel { color: #3b2f00; }"
        )
        self.text_label = QLabel(self)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        font = self.text_label.font()
        font.setBold(True)
        self.text_label.setFont(font)
        self.reason_label = QLabel(self)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        self.details = QToolButton(self)
        self.details.setText(self.tr("Rincian"))
        self.details.setCheckable(True)
        self.details.setAutoRaise(True)
        self.details.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.details.toggled.connect(self.reason_label.setVisible)
        self.retry_button = QPushButton(self.tr("Coba sekarang"), self)
        self.retry_button.setAutoDefault(False)
        self.retry_button.clicked.connect(self.retry_requested.emit)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.text_label, 1)
        row.addWidget(self.details)
        row.addWidget(self.retry_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 6, 12, 6)
        column.setSpacing(4)
        column.addLayout(row)
        column.addWidget(self.reason_label)
        self.hide()

    def set_offline(self, since: float | None, reason: str = "") -> None:
        """`since` (epoch seconds) None: the server is back, the banner goes."""
        if since is None:
            self.hide()
            return
        start = datetime.fromtimestamp(since, UTC)
        tz = self._tz
        when = f"{format_clock(start, datetime.now(UTC), tz)} {zone_name(local(start, tz))}"
        self.text_label.setText(
            self.tr(
                "Mode luring sejak %1 — pekerjaan disimpan di komputer ini dan dikirim otomatis"
            ).replace("%1", when)
        )
        self.reason = reason
        tip = self.tr("Server tidak dapat dihubungi. %1").replace("%1", reason).strip()
        self.reason_label.setText(tip)
        for w in (self.text_label, self.details):
            w.setToolTip(tip)
        if not self.isVisible():
            self.details.setChecked(False)  # a new outage starts folded
        self.show()


class MainWindow(QMainWindow):
    refresh_requested = Signal()
    scanned = Signal(str)
    sign_out_requested = Signal()
    closing = Signal()
    flow_back_requested = Signal(object)
    """The highlighted item was clicked while one of its flow pages (given) is shown."""

    def __init__(
        self,
        runner: TaskRunner,
        user: UserInfo,
        *,
        pages: list[tuple[str, QWidget]],
        idle_minutes: int,
        verify_local: Callable[[str], bool],
        reauthenticate: Callable[[str], UserInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.user = user
        self.setWindowTitle(
            self.tr("Loket — %1").replace("%1", user.office.name or user.office.code)
        )
        self.setMinimumSize(MINIMUM_SIZE)
        self.setStatusBar(StatusBar(self))

        central = QWidget(self)
        self.nav = QListWidget(central)
        self.nav.setFixedWidth(150)
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setStyleSheet(
            "QListWidget { background: #1b2a3a; color: #e1e6ec; border: none; font-size: 11pt;"
            " padding-top: 8px; }"
            "QListWidget::item { padding: 10px 14px; }"
            "QListWidget::item:selected { background: #0f6cbd; color: white; }"
        )
        self.stack = QStackedWidget(central)
        self._pages: list[QWidget] = []
        self._flow_owner: dict[QWidget, int] = {}  # flow page -> the nav row it continues
        self._flow_shown: dict[int, QWidget] = {}  # nav row -> flow page shown for it now
        self._entered_row: int | None = None  # row a click just switched to
        for title, page in pages:
            QListWidgetItem(title, self.nav)
            self.stack.addWidget(page)
            self._pages.append(page)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.nav.itemClicked.connect(self._nav_clicked)
        self.nav.setCurrentRow(0)
        self._entered_row = None
        self.offline_banner = OfflineBanner(zone_for_region(user.office.code), central)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.offline_banner)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)

        self._build_status_bar(user)

        self.overlay = LockOverlay(
            central,
            runner,
            verify_local=verify_local,
            reauthenticate=reauthenticate,
            user_label=f"{user.full_name} ({user.username})",
        )
        self.overlay.unlocked.connect(self._unlocked)
        self.overlay.sign_out_requested.connect(self.sign_out_requested.emit)
        self.overlay.attempts_exhausted.connect(self.sign_out_requested.emit)
        self._parked: list[QDialog] = []  # dialogs hidden while locked, shown again after
        self._focus_before_lock: QWidget | None = None
        self.idle = IdleWatcher(idle_minutes, self)
        self.idle.idle.connect(lambda: self.lock("local"))
        self.wedge = BarcodeWedge(self)
        self.wedge.scanned.connect(self._scanned)
        # A rejected scan is said by the shell controller (`rejected_code`), which also takes
        # the scanned text back out of the field it went into.

        self.refresh_action = QAction(self.tr("Perbarui antrean"), self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh_requested.emit)
        self.search_action = QAction(self.tr("Cari"), self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.lock_action = QAction(self.tr("Kunci layar"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(lambda: self.lock("local", self.tr("Loket dikunci.")))
        # F9: the Sinkronisasi page (Outlook's "send/receive" key); wired by the assembly.
        self.sync_action = QAction(self.tr("Sinkronisasi"), self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F9))
        # The window's keys: all of them are off while locked, on again after.
        # Ctrl+N: a new application at the counter, from any page (operators; wired by the
        # assembly when the window has the Pendaftaran page, else it does nothing).
        self.intake_action = QAction(self.tr("Pendaftaran baru"), self)
        self.intake_action.setShortcut(QKeySequence("Ctrl+N"))
        # Alt+1..Alt+9: the navigation's pages by their row (the list itself takes no focus,
        # so without these a supervisor could not reach Laporan or Audit by keyboard).
        self.page_actions: list[QAction] = []
        for row in range(min(9, self.nav.count())):
            action = QAction(self.nav.item(row).text(), self)
            action.setShortcut(QKeySequence(f"Alt+{row + 1}"))
            action.triggered.connect(lambda _c=False, r=row: self.show_page(r))
            self.nav.item(row).setToolTip(f"Alt+{row + 1}")
            self.page_actions.append(action)
        self.window_actions = (
            self.refresh_action,
            self.search_action,
            self.lock_action,
            self.sync_action,
            self.intake_action,
            *self.page_actions,
        )
        for action in self.window_actions:
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    # -- status bar ---------------------------------------------------------------------------

    def _build_status_bar(self, user: UserInfo) -> None:
        bar = self.statusBar()
        assert isinstance(bar, StatusBar)
        self.status_bar = bar
        bar.setSizeGripEnabled(False)
        self.connection_label = QLabel(self.tr("\u25cf Memeriksa koneksi…"), self)
        self.connection_label.setTextFormat(Qt.TextFormat.PlainText)
        self.sync_label = StatusLabel(self.tr("Antrean belum diperbarui"), 280, self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.busy_label = StatusLabel("", 240, self)
        self.busy_label.setStyleSheet("QLabel { color: #605e5c; }")
        self.keyring_note = KeyringNote("", self, short=True)
        office = user.office.name or user.office.code
        self.user_label = StatusLabel(
            f"{user.full_name} \u2022 {user.role_labels} \u2022 {office}", 520, self
        )
        self.user_label.setToolTip(
            f"{user.full_name} ({user.username})\n{user.role_labels}\n{office} ({user.office.code})"
        )
        self.user_button = QToolButton(self)
        self.user_button.setText(self.tr("Keluar"))
        self.user_button.setAutoRaise(True)
        self.user_button.clicked.connect(self.sign_out_requested.emit)
        # All permanent: a temporary message takes only the space to their left.
        for w in (
            self.connection_label,
            self.sync_label,
            self.busy_bar,
            self.busy_label,
            self.keyring_note,
            self.user_label,
            self.user_button,
        ):
            bar.addPermanentWidget(w)
        self.runner.busy_changed.connect(self._busy_changed)
        self.runner.task_progress.connect(self._progress)

    def set_connection(self, online: bool | None, message: str = "") -> None:
        if online is None:
            text, color = self.tr("\u25cf Memeriksa koneksi…"), "#8a8886"
        elif online:
            text, color = self.tr("\u25cf Tersambung"), "#0e700e"
        else:
            text, color = self.tr("\u25cf Tidak tersambung"), "#b3261e"
        self.connection_label.setText(text)
        self.connection_label.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.connection_label.setToolTip(message)

    def set_offline(self, since: float | None, reason: str = "") -> None:
        """The banner: shown from the first failure (`since`), gone when the server is back."""
        self.offline_banner.set_offline(since, reason)

    def set_sync(self, text: str, tooltip: str = "") -> None:
        self.sync_label.setText(text)
        self.sync_label.setToolTip(tooltip)

    def show_status_message(self, text: str, ms: int = MESSAGE_MS) -> None:
        """A passing message left of the states; it always goes after `ms` (at most a minute,
        never "until replaced"), elided when long, whole in the tooltip."""
        ms = MESSAGE_MS if ms <= 0 else min(ms, MAX_MESSAGE_MS)
        self.statusBar().showMessage(" ".join(text.split()), ms)

    def clear_status_message(self, text: str | None = None) -> None:
        """Remove the message now (only if it is still `text`, when given): "Mencari …" once
        the application is open."""
        bar = self.statusBar()
        if text is None or bar.currentMessage() == " ".join(text.split()):
            bar.clearMessage()

    def set_keyring_note(self, explanation: str) -> None:
        """The session is kept in memory only: one quiet permanent note, "Mengapa?" explains."""
        self.keyring_note.set_explanation(explanation)

    def _busy_changed(self, count: int, name: str) -> None:
        self.busy_bar.setVisible(count > 0)
        self.busy_label.setText(name if count > 0 else "")

    def _progress(self, handle: object) -> None:
        progress = getattr(handle, "progress", None)
        if progress is None:
            return
        if progress.total:
            self.busy_bar.setRange(0, progress.total)
            self.busy_bar.setValue(progress.done)
        else:
            self.busy_bar.setRange(0, 0)
        if progress.text:
            self.busy_label.setText(progress.text)

    # -- navigation and lock ------------------------------------------------------------------

    def show_page(self, index: int) -> None:
        """Navigation item `index` at its start (the queue list, not an application in it)."""
        self._flow_shown.pop(index, None)
        if self.nav.currentRow() == index:
            self.stack.setCurrentWidget(self._pages[index])
        else:
            self.nav.setCurrentRow(index)
            self._entered_row = None

    def page_index(self, page: QWidget) -> int | None:
        """The navigation row whose own page is `page`. Pages are found by page, never by a
        fixed row: the rows differ per role (an operator has "Pendaftaran" beside Antrean)."""
        return self._pages.index(page) if page in self._pages else None

    def _row_of(self, page: QWidget) -> int:
        row = self.page_index(page)
        if row is None:
            raise ValueError(f"not a page of this window: {type(page).__name__}")
        return row

    def open_page(self, page: QWidget) -> None:
        """`page` (one of the navigation's own pages) at its start, as `show_page`."""
        self.show_page(self._row_of(page))

    def return_to(self, page: QWidget) -> None:
        """Highlight `page`'s item as a click would: back where the person was in it (the
        application still open in the queue's workbench, say)."""
        self.nav.setCurrentRow(self._row_of(page))

    @property
    def current_page(self) -> QWidget | None:
        """The navigation's own page of the highlighted item (also while one of its flow
        pages is on screen)."""
        row = self.nav.currentRow()
        return self._pages[row] if 0 <= row < len(self._pages) else None

    def replace_page(self, index: int, page: QWidget) -> None:
        """Put `page` behind navigation item `index`; the old page stays in the stack."""
        showing = self.stack.currentWidget() is self._pages[index]
        self.stack.insertWidget(self.stack.indexOf(self._pages[index]), page)
        self._pages[index] = page
        if showing:
            self.stack.setCurrentWidget(page)

    def add_flow_page(self, page: QWidget, under: QWidget) -> None:
        """`page` continues the navigation item of page `under`: `show_flow_page` keeps that
        item highlighted, and the item shows `page` again until `open_page(under)`."""
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self._flow_owner[page] = self._row_of(under)

    def show_flow_page(self, page: QWidget) -> None:
        row = self._flow_owner[page]
        self._flow_shown[row] = page
        if self.nav.currentRow() == row:
            self.stack.setCurrentWidget(page)
        else:
            self.nav.setCurrentRow(row)
            self._entered_row = None

    @property
    def current_flow_page(self) -> QWidget | None:
        """The flow page on screen, if any."""
        page = self.stack.currentWidget()
        return page if page in self._flow_owner else None

    def _nav_changed(self, row: int) -> None:
        self._entered_row = row
        if 0 <= row < len(self._pages):
            self.stack.setCurrentWidget(self._flow_shown.get(row, self._pages[row]))

    def _nav_clicked(self, item: QListWidgetItem) -> None:
        """A click on the item already highlighted, while its flow page shows: "back"."""
        row = self.nav.row(item)
        if self._entered_row == row:  # this click is what switched to the item
            self._entered_row = None
            return
        page = self.current_flow_page
        if page is not None and row == self._flow_owner[page]:
            self.flow_back_requested.emit(page)

    def _scanned(self, number: str) -> None:
        """The reader typed into whatever had focus: take the number out of a text field."""
        remove_scanned_text(QApplication.focusWidget(), number)
        self.scanned.emit(number)

    def _own_dialogs(self) -> list[QDialog]:
        """Visible dialogs of this window (reason, confirmation, help …)."""
        found = []
        for widget in QApplication.topLevelWidgets():
            if not isinstance(widget, QDialog) or not widget.isVisible():
                continue
            parent = widget.parentWidget()
            while parent is not None and parent is not self:
                parent = parent.parentWidget()
            if parent is self:
                found.append(widget)
        return found

    def _park_dialogs(self) -> None:
        """Hide open dialogs (their text stays): they would show data over the lock, and a
        modal one would keep the password field from getting any input."""
        for dialog in self._own_dialogs():
            if dialog not in self._parked:
                self._parked.append(dialog)
                dialog.hide()

    def _restore_dialogs(self) -> None:
        parked, self._parked = self._parked, []
        for dialog in parked:
            try:
                dialog.show()
                dialog.activateWindow()
            except RuntimeError:  # deleted meanwhile (application closed)
                continue

    def lock(self, mode: str = "local", reason: str = "") -> None:
        if not self.locked:  # where the person was; disabling the pages moves the focus away
            focus = QApplication.focusWidget()
            inside = focus is not None and self.isAncestorOf(focus)
            self._focus_before_lock = focus if inside and focus is not self.overlay else None
        self._park_dialogs()
        self.stack.setEnabled(False)
        self.nav.setEnabled(False)
        self.wedge.enabled = False
        for action in self.window_actions:
            action.setEnabled(False)
        self.overlay.lock(mode, reason)

    @property
    def locked(self) -> bool:
        return self.overlay.locked

    def _unlocked(self) -> None:
        self.stack.setEnabled(True)
        self.nav.setEnabled(True)
        self.wedge.enabled = True
        for action in self.window_actions:
            action.setEnabled(True)
        self.idle.restart()
        self._restore_dialogs()
        self._restore_focus()

    def _restore_focus(self) -> None:
        """Back where the person was before the lock (the queue row, the note being typed);
        Qt alone would hand the focus to whatever comes next in the chain (a status tab)."""
        focus, self._focus_before_lock = self._focus_before_lock, None
        try:
            if focus is not None and focus.isVisible() and focus.isEnabled():
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        except RuntimeError:  # deleted while locked (the workbench closed, a page rebuilt)
            pass
        page = self.stack.currentWidget()
        if page is not None:
            page.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- geometry ------------------------------------------------------------------------------

    def available_rect(self, near: QRect | None = None) -> QRect:
        screen = screen_for(near) if near is not None else (self.screen() or screen_for(None))
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)

    def _frame_margins(self) -> Margins:
        frame, inner = self.frameGeometry(), self.geometry()
        if not self.isVisible() or frame == inner:
            return (0, 0, 0, 0)
        return (
            inner.left() - frame.left(),
            inner.top() - frame.top(),
            frame.right() - inner.right(),
            frame.bottom() - inner.bottom(),
        )

    def _fit_minimum(self, available: QRect, frame: Margins = (0, 0, 0, 0)) -> None:
        """The minimum size, frame included, never exceeds the screen (a 1366x768 screen with
        a taskbar)."""
        left, top, right, bottom = frame
        self.setMinimumSize(
            min(MINIMUM_SIZE.width(), available.width() - left - right),
            min(MINIMUM_SIZE.height(), available.height() - top - bottom),
        )

    def show_on_screen(self, saved: WindowGeometry | None) -> None:
        """Show the window maximised, or as `saved`, never larger than the available area."""
        available = self.available_rect(saved.rect if saved is not None else None)
        self._fit_minimum(available)
        if saved is None:
            # Without a window manager (a bare X server) "maximised" does nothing: the
            # window is given the whole available area first.
            self.setGeometry(fit_rect(available, available))
            self.showMaximized()
        else:
            self.setGeometry(fit_rect(saved.rect, available))
            if saved.maximized:
                self.showMaximized()
            else:
                self.show()
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Pull a normal (not maximised) window, frame included, back inside its screen; the
        minimum size leaves room for the frame (known once the window is shown)."""
        available = self.available_rect()
        frame = self._frame_margins()
        self._fit_minimum(available, frame)
        if self.isMaximized() or self.isFullScreen():
            return
        fitted = fit_rect(self.geometry(), available, frame)
        if fitted != self.geometry():
            self.setGeometry(fitted)

    def geometry_to_save(self) -> WindowGeometry:
        return WindowGeometry(QRect(self.normalGeometry()), self.isMaximized())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        self.idle.stop()
        self.wedge.uninstall()
        super().closeEvent(event)


def remove_scanned_text(widget: QWidget | None, number: str) -> bool:
    """Delete the characters of a scanned `number` just typed before the cursor of a text
    field (the reader is a keyboard); True when something was removed."""
    wanted = [c for c in number if c.isalnum()]
    if isinstance(widget, QLineEdit):
        before = widget.text()[: widget.cursorPosition()]
        count = _scan_tail(before, wanted)
        if count:
            for _ in range(count):
                widget.backspace()
        return bool(count)
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        cursor = widget.textCursor()
        block_text = cursor.block().text()[: cursor.positionInBlock()]
        count = _scan_tail(block_text, wanted)
        if count:
            cursor.movePosition(
                QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, count
            )
            cursor.removeSelectedText()
            widget.setTextCursor(cursor)
        return bool(count)
    return False


def _scan_tail(text: str, wanted: list[str]) -> int:
    """How many characters at the end of `text` are the scan `wanted` (letters and digits in
    order, separators such as "-" between them); 0 when the end is not the scan."""
    i, j = len(text), len(wanted)
    while j > 0 and i > 0:
        ch = text[i - 1]
        if ch.isalnum():
            if ch.upper() != wanted[j - 1].upper():
                return 0
            j -= 1
        elif ch not in "-/._":
            return 0
        i -= 1
    return len(text) - i if j == 0 else 0
