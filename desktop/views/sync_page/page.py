"""The Sinkronisasi page: everything this PC has not yet got applied on the server, grouped by
state (menunggu, mengirim, coba lagi, konflik, ditolak server), each row with its application,
what it is, its age and why it waits; beside the list, the selected entry in full — for a
konflik, the decision taken here beside the server's current state — and the ways to settle
it: "Ulangi pada versi terbaru" (asked first) and "Buang" (with a typed reason). A letter
waiting for the official's BSrE secret (*perlu tindakan*, issue 13) offers "Tandatangani
sekarang…" (`SignWaitingDialog`) and "Batalkan surat…" (a reason, then a confirmation) when
the page was given the session's signing (`set_signing`).

When the server refused this PC's audit log (409 ``audit_chain_broken``, kept in the store),
one more line under the counts says so, when, where the chain breaks and how many records
wait (`PageState.audit`).

Only shows and asks: the content comes from `controllers.outbox_page.OutboxPageController`
(read on a worker, following the store's change events), which also does what is asked.

Keys: the list has the focus when the page opens; Enter on a row goes to its first action;
Tab runs list -> actions -> "Coba sekarang" -> "Kembali ke antrean"; Esc goes back to the
queue (`back_requested`). Text wraps (long Indonesian names, long server reasons) and the
entry's side scrolls, so nothing is cut at 1366x768.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.outbox_page import EntryView, OutboxPageController, PageState
from desktop.controllers.signing import SigningAccess
from desktop.controllers.waiting_letters import WaitingLettersController
from desktop.models.outbox import EntryKind, EntryState, summary_text
from desktop.views.dialogs import set_main_button
from desktop.views.sync_page.discard_dialog import DiscardDialog, VoidLetterDialog
from desktop.views.sync_page.sign_waiting_dialog import SignWaitingDialog

TX_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Permohonan", "Isi", "Umur", "Keadaan dan alasan")
NEEDS_PERSON = (EntryState.NEEDS_ACTION, EntryState.CONFLICT, EntryState.REFUSED)


def waiting_letter(entry: EntryView | None) -> bool:
    """A letter waiting for the official's BSrE secret (issue 13): signed or voided here."""
    return (
        entry is not None
        and entry.state is EntryState.NEEDS_ACTION
        and entry.kind == EntryKind.SIGNATURE.value
    )


def _wrapped(parent: QWidget, *, bold: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


class WrapDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text at the column's width: a long name or reason is
    read whole in the list (Qt's own word wrap in item views does not size the rows)."""

    PADDING = 8

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        option.textElideMode = Qt.TextElideMode.ElideNone

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if index.parent().isValid():
            width = self.tree.columnWidth(index.column())
            if index.column() == 0:
                width -= self.tree.indentation()
        else:  # a group heading spans the row
            width = self.tree.viewport().width()
        text_width = max(40, width - 2 * self.PADDING)
        bounds = opt.fontMetrics.boundingRect(
            QRect(0, 0, text_width, 100_000), int(Qt.TextFlag.TextWordWrap), opt.text
        )
        return QSize(width, bounds.height() + self.PADDING)


class FittedScroll(QScrollArea):
    """A vertical scroller whose widget is exactly as wide as the view and as tall as its
    wrapped text needs at that width (`heightForWidth`); a word-wrapped label in a plain
    resizable scroll area keeps the height of a wider layout and is cut off."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        widget = self.widget()
        if widget is None:
            return
        width = self.viewport().width()
        layout = widget.layout()
        needed = 0
        if layout is not None:
            layout.invalidate()  # what was just shown or hidden counts
            layout.activate()
            needed = layout.totalHeightForWidth(width)
        widget.resize(width, max(needed, self.viewport().height()))


class EntryPanel(QWidget):
    """The selected entry in full, and its actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = _wrapped(self, bold=True)
        self.what = _wrapped(self)
        self.state = _wrapped(self)
        self.local_box = QGroupBox(self.tr("Di komputer ini (belum diterapkan)"), self)
        self.local_text = _wrapped(self.local_box)
        QVBoxLayout(self.local_box).addWidget(self.local_text)
        self.server_box = QGroupBox(self.tr("Di server sekarang"), self)
        self.server_text = _wrapped(self.server_box)
        QVBoxLayout(self.server_box).addWidget(self.server_text)
        self.hint = _wrapped(self)
        self.hint.setStyleSheet("QLabel { color: #605e5c; }")
        self.redo_button = QPushButton(self.tr("Ulangi pada versi terbaru…"), self)
        self.redo_button.setToolTip(
            self.tr(
                "Buka permohonan ini pada versi terbaru di server dan putuskan lagi. "
                "Keputusan lama ditandai dibuang."
            )
        )
        self.discard_button = QPushButton(self.tr("Buang…"), self)
        self.discard_button.setToolTip(self.tr("Buang entri ini dengan alasan (tidak dikirim)."))
        self.sign_button = QPushButton(self.tr("Tandatangani sekarang…"), self)
        self.sign_button.setToolTip(
            self.tr(
                "Ketik passphrase atau kode TOTP BSrE sekali: surat Anda yang menunggu "
                "ditandatangani dan dikirim."
            )
        )
        self.void_button = QPushButton(self.tr("Batalkan surat…"), self)
        self.void_button.setToolTip(
            self.tr("Surat tidak jadi diterbitkan: nomornya dicatat batal dengan alasan.")
        )
        self.can_sign = False
        """The page has the session's signing (`SyncPage.set_signing`)."""
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.void_button)
        buttons.addWidget(self.redo_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.what)
        layout.addWidget(self.state)
        layout.addWidget(self.local_box)
        layout.addWidget(self.server_box)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.entry: EntryView | None = None
        self.show_entry(None)

    def show_entry(self, entry: EntryView | None) -> None:
        self.entry = entry
        for w in (self.title, self.what, self.state, self.local_box, self.hint):
            w.setVisible(entry is not None)
        letter = waiting_letter(entry)
        self.sign_button.setVisible(letter and self.can_sign)
        self.void_button.setVisible(letter and self.can_sign)
        if entry is None:
            self.server_box.hide()
            self.redo_button.hide()
            self.discard_button.hide()
            return
        self.title.setText(entry.application)
        self.what.setText(self.tr("Isi: %1").replace("%1", entry.what))
        state = self.tr("Keadaan: %1 (disimpan %2)").replace("%1", entry.state_text)
        state = state.replace("%2", entry.age)
        if entry.reason:
            from_server = entry.state in (EntryState.CONFLICT, EntryState.REFUSED)
            label = self.tr("Alasan dari server") if from_server else self.tr("Sebab")
            state += f"\n{label}: {entry.reason}"
        self.state.setText(state)
        self.local_text.setText(entry.local_side)
        self.server_text.setText(entry.server_side)
        self.server_box.setVisible(bool(entry.server_side))
        self.redo_button.setVisible(entry.can_redo)
        self.discard_button.setVisible(entry.can_discard)
        if entry.state is EntryState.CONFLICT:
            hint = self.tr(
                "Keputusan di komputer ini tidak diterapkan karena keadaan di server sudah "
                "berubah. Pilih: ulangi keputusan pada versi terbaru, atau buang dengan alasan."
            )
        elif letter:
            hint = (
                self.tr(
                    "Surat ini sudah bernomor dan menunggu tanda tangan elektronik Anda: "
                    "passphrase tidak disimpan di komputer ini. Tandatangani sekarang, atau "
                    "batalkan surat dengan alasan bila tidak jadi diterbitkan."
                )
                if self.can_sign
                else self.tr(
                    "Surat ini menunggu tanda tangan elektronik pejabat: buka permohonannya dan "
                    "tekan Tandatangani (Ctrl+Shift+E) di komputer yang diatur untuk BSrE."
                )
            )
        elif entry.state is EntryState.NEEDS_ACTION:
            hint = self.tr("Entri ini menunggu tindakan Anda; tidak dikirim sendiri.")
        elif entry.state is EntryState.REFUSED:
            hint = self.tr(
                "Server menolak entri ini dan tidak akan menerimanya bila dikirim ulang. "
                "Buang dengan alasan setelah Anda memeriksanya."
            )
        else:
            hint = self.tr("Dikirim otomatis; tidak perlu tindakan.")
        self.hint.setText(hint)


class SyncPage(QWidget):
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: OutboxPageController | None = None
        self.state = PageState((), 0)
        self.discard_dialog: DiscardDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.letters: WaitingLettersController | None = None
        self.sign_dialog: SignWaitingDialog | None = None
        self.void_dialog: VoidLetterDialog | None = None

        heading = QLabel(self.tr("Sinkronisasi"), self)
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() + 4)
        font.setBold(True)
        heading.setFont(font)
        self.summary = _wrapped(self)
        self.retry_button = QPushButton(self.tr("Coba sekarang"), self)
        self.retry_button.setToolTip(
            self.tr("Kirim sekarang semua yang menunggu percobaan berikutnya.")
        )
        self.back_button = QPushButton(self.tr("Kembali ke antrean"), self)
        self.back_button.setToolTip(self.tr("Kembali ke antrean (Esc)"))
        self.back_button.clicked.connect(self.back_requested.emit)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.retry_button)
        top.addWidget(self.back_button)

        # The server refused this PC's audit log: its own line, apart from the work's counts
        # (the work still goes; the person only needs to call an administrator).
        self.audit_line = _wrapped(self)
        self.audit_line.setObjectName("audit_refused")
        self.audit_line.setStyleSheet(
            "QLabel { color: #6b3b00; background: #fff4ce; border: 1px solid #e0b020;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.audit_line.setAccessibleName(self.tr("Catatan audit ditolak server"))
        self.audit_line.hide()
        self.notice = _wrapped(self)
        self.notice.hide()
        self.empty = _wrapped(self)
        self.empty.setText(
            self.tr(
                "Tidak ada yang menunggu: semua pekerjaan di komputer ini sudah diterima server."
            )
        )
        self.empty.hide()

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setItemDelegate(WrapDelegate(self.tree))
        self.tree.setAccessibleName(self.tr("Entri yang belum diterapkan di server"))
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((210, 150, 100)):
            self.tree.setColumnWidth(column, width)
        header.sectionResized.connect(lambda *_: self.tree.scheduleDelayedItemsLayout())
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(lambda *_: self._to_actions())

        self.panel = EntryPanel(self)
        self.panel.redo_button.clicked.connect(self.ask_redo)
        self.panel.discard_button.clicked.connect(self.ask_discard)
        self.panel.sign_button.clicked.connect(self.ask_sign)
        self.panel.void_button.clicked.connect(self.ask_void)
        scroll = FittedScroll(self)
        scroll.setWidgetResizable(False)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.panel)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.side = scroll

        body = QHBoxLayout()
        body.addWidget(self.tree, 3)
        body.addWidget(scroll, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.audit_line)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addLayout(body, 1)

        QWidget.setTabOrder(self.tree, self.panel.sign_button)
        QWidget.setTabOrder(self.panel.sign_button, self.panel.void_button)
        QWidget.setTabOrder(self.panel.void_button, self.panel.redo_button)
        QWidget.setTabOrder(self.panel.redo_button, self.panel.discard_button)
        QWidget.setTabOrder(self.panel.discard_button, self.retry_button)
        QWidget.setTabOrder(self.retry_button, self.back_button)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.back_requested.emit)
        self.show_state(self.state)

    # -- the controller ---------------------------------------------------------------------

    def bind(self, controller: OutboxPageController) -> None:
        self.controller = controller
        controller.changed.connect(self.show_state)
        controller.message.connect(self.show_message)
        self.retry_button.clicked.connect(controller.retry)

    def set_signing(self, access: SigningAccess | None) -> None:
        """The session's signing (the official's, this PC set up): a letter waiting for its
        BSrE secret is then signed or voided from here; None: the row only says where."""
        self.letters = WaitingLettersController(access, self) if access is not None else None
        self.panel.can_sign = access is not None
        if self.letters is not None:
            self.letters.voided.connect(self._voided)
            self.letters.failed.connect(lambda text: self.show_message(text, "error"))
        self.panel.show_entry(self.current_entry())

    def show_state(self, state: PageState) -> None:
        """Rebuild the list; the selected entry stays selected while it is listed."""
        current = self.current_transaction_id()
        self.state = state
        counts = {g.state: len(g.rows) for g in state.groups}
        text = summary_text(counts)
        self.summary.setText(
            self.tr(
                "%1. Dikirim otomatis saat server tersambung; konflik, yang ditolak server dan "
                "yang perlu tindakan menunggu keputusan Anda."
            ).replace("%1", text)
            if text
            else self.tr("Semua pekerjaan di komputer ini sudah diterima server.")
        )
        self.audit_line.setText(state.audit)
        self.audit_line.setVisible(bool(state.audit))
        self.empty.setVisible(state.total == 0)
        self.tree.setVisible(state.total > 0)
        self.side.setVisible(state.total > 0)
        self.retry_button.setEnabled(
            any(g.state in (EntryState.WAITING, EntryState.RETRY) for g in state.groups)
        )
        self.tree.blockSignals(True)
        self.tree.clear()
        select: QTreeWidgetItem | None = None
        first_for_person: QTreeWidgetItem | None = None
        for group in state.groups:
            top = QTreeWidgetItem(self.tree, [group.title])
            top.setFirstColumnSpanned(True)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for row in group.rows:
                reason = f"{row.state_text} — {row.reason}" if row.reason else row.state_text
                item = QTreeWidgetItem(top, [row.application, row.what, row.age, reason])
                item.setData(0, TX_ROLE, row.transaction_id)
                for column in range(len(COLUMNS)):
                    item.setToolTip(column, item.text(column))
                if row.transaction_id == current:
                    select = item
                if first_for_person is None and row.state in NEEDS_PERSON:
                    first_for_person = item
            top.setExpanded(True)
        self.tree.blockSignals(False)
        chosen = select or first_for_person or self._first_row()
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        self._current_changed(self.tree.currentItem(), None)
        self.tree.doItemsLayout()

    def _first_row(self) -> QTreeWidgetItem | None:
        top = self.tree.topLevelItem(0)
        return top.child(0) if top is not None and top.childCount() else None

    def show_message(self, text: str, kind: str) -> None:
        color = "#b3261e" if kind == "error" else "#0e700e"
        self.notice.setStyleSheet(f"QLabel {{ color: {color}; }}")
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- selection and actions --------------------------------------------------------------

    def current_transaction_id(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, TX_ROLE) if item is not None else None
        return str(value) if value else None

    def current_entry(self) -> EntryView | None:
        tx = self.current_transaction_id()
        return self.state.find(tx) if tx else None

    def rows(self) -> list[QTreeWidgetItem]:
        """Every entry row (group headings left out), top to bottom."""
        found: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None:
                continue
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None:
                    found.append(child)
        return found

    def select(self, transaction_id: str) -> bool:
        for item in self.rows():
            if item.data(0, TX_ROLE) == transaction_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None and not current.data(0, TX_ROLE) and current.childCount():
            first = current.child(0)  # a group heading: its first row
            if first is not None:
                self.tree.setCurrentItem(first)
                return
        self.panel.show_entry(self.current_entry())
        self.side.fit()

    def _to_actions(self) -> None:
        panel = self.panel
        for button in (
            panel.sign_button,
            panel.void_button,
            panel.redo_button,
            panel.discard_button,
        ):
            if button.isVisible() and button.isEnabled():
                button.setFocus(Qt.FocusReason.TabFocusReason)
                return

    def ask_redo(self) -> None:
        entry = self.current_entry()
        if entry is None or not entry.can_redo or self.controller is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Ulangi pada versi terbaru"))
        box.setText(
            self.tr("Ulangi keputusan untuk %1 pada versi terbaru di server?").replace(
                "%1", entry.application
            )
        )
        box.setInformativeText(
            self.tr(
                "Keputusan lama (%1) ditandai dibuang dengan alasan “diulang pada versi "
                "terbaru” dan dicatat di log audit. Permohonan lalu dibuka di meja kerja pada "
                "versi terbaru; putuskan lagi di sana."
            ).replace("%1", entry.what)
        )
        go = box.addButton(self.tr("Ulangi pada versi terbaru"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(self.tr("Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setEscapeButton(cancel)
        set_main_button(box, cancel)  # Enter never discards the old decision by itself
        tx, controller = entry.transaction_id, self.controller

        def finished() -> None:
            if box.clickedButton() is go:
                controller.redo(tx)
            self.confirm_box = None
            box.deleteLater()

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()

    def ask_discard(self) -> None:
        entry = self.current_entry()
        if entry is None or not entry.can_discard or self.controller is None:
            return
        dialog = DiscardDialog(entry.what, entry.application, self)
        tx, controller = entry.transaction_id, self.controller

        def finished(result: int) -> None:
            if result == int(DiscardDialog.DialogCode.Accepted) and dialog.reason():
                controller.discard(tx, dialog.reason())
            self.discard_dialog = None
            dialog.deleteLater()
            self.tree.setFocus()

        dialog.finished.connect(finished)
        self.discard_dialog = dialog
        dialog.open()
        dialog.activateWindow()

    def ask_sign(self) -> None:
        """ "Tandatangani sekarang…": the official's secret once, every waiting letter signed."""
        entry = self.current_entry()
        letters = self.letters
        if not waiting_letter(entry) or letters is None or entry is None:
            return
        problem = letters.setup_problem()
        pending = letters.pending(entry.transaction_id)
        if problem or pending is None:
            self.show_message(problem or self._gone(), "error")
            return
        dialog = SignWaitingDialog(pending, letters.access, self)

        def finished(_result: int) -> None:
            self.sign_dialog = None
            dialog.deleteLater()
            self.tree.setFocus()

        dialog.finished.connect(finished)
        self.sign_dialog = dialog
        dialog.open()
        dialog.activateWindow()

    def ask_void(self) -> None:
        """ "Batalkan surat…": a reason (required), then a confirmation, then the void."""
        entry = self.current_entry()
        letters = self.letters
        if not waiting_letter(entry) or letters is None or entry is None:
            return
        pending = letters.pending(entry.transaction_id)
        if pending is None:
            self.show_message(self._gone(), "error")
            return
        dialog = VoidLetterDialog(pending.letter_number, entry.application, self)
        tx, number = entry.transaction_id, pending.letter_number

        def finished(result: int) -> None:
            reason = dialog.reason()
            self.void_dialog = None
            dialog.deleteLater()
            if result == int(VoidLetterDialog.DialogCode.Accepted) and reason:
                self._confirm_void(tx, number, reason)
            else:
                self.tree.setFocus()

        dialog.finished.connect(finished)
        self.void_dialog = dialog
        dialog.open()
        dialog.activateWindow()

    def _confirm_void(self, transaction_id: str, number: str, reason: str) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Batalkan surat"))
        box.setText(self.tr("Batalkan surat nomor %1?").replace("%1", number))
        box.setInformativeText(
            self.tr(
                "Alasan: %1\nSurat tidak akan ditandatangani. Nomornya dicatat batal di server "
                "dengan alasan ini; tindakan ini tidak dapat diurungkan."
            ).replace("%1", reason)
        )
        go = box.addButton(self.tr("Batalkan surat"), QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(self.tr("Kembali"), QMessageBox.ButtonRole.RejectRole)
        box.setEscapeButton(keep)
        set_main_button(box, keep)  # Enter never voids by itself
        letters = self.letters

        def finished() -> None:
            chosen = box.clickedButton() is go and letters is not None
            if chosen and letters is not None and not letters.void(transaction_id, reason):
                self.show_message(self._gone(), "error")
            self.confirm_box = None
            box.deleteLater()
            self.tree.setFocus()

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()

    def _voided(self, number: str) -> None:
        self.show_message(
            self.tr("Surat nomor %1 dibatalkan; nomornya dicatat batal di server.").replace(
                "%1", number
            ),
            "info",
        )

    def _gone(self) -> str:
        return self.tr(
            "Surat ini sudah tidak menunggu (sudah ditandatangani atau dibatalkan). Daftar "
            "diperbarui."
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.tree.isVisible():
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.back_button.setFocus(Qt.FocusReason.OtherFocusReason)
