"""The verifier's / validator's workbench: one application, its pages, its data, the decision.

This widget does no HTTP and no SQL. The shell gives it an `ApplicationDetail`, the catalogue
entries, the user's roles and id, and a blocking `load_document` function; the widget calls that
function on a worker thread, caches the bytes per sha256 in memory, and reports decisions as
signals (`actionRequested`, `claimRequested`, navigation). The decision buttons come from
`desktop.domain.workflow.available_actions`, the same table the server decides with, and are
enabled only while the user holds the claim (DESIGN section 4).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.catalogue import DocumentType, Service
from desktop.domain.records import ApplicationDetail, ChecklistItem, ClaimInfo, DocumentInfo
from desktop.domain.workflow import (
    CLAIM_FREE,
    REASON_REQUIRED,
    TERMINAL_STATES,
    Action,
    Refusal,
    RefusalCode,
    Role,
    State,
    available_actions,
    transition,
)
from desktop.services.rendering import MAX_BYTES
from desktop.views.workbench import shortcuts
from desktop.views.workbench.applicant import ApplicantPanel
from desktop.views.workbench.checklist import OTHER_CODE, ChecklistWidget, build_rows
from desktop.views.workbench.document_viewer import DocumentViewer
from desktop.views.workbench.formatting import (
    format_clock,
    format_datetime,
    format_duration,
    format_size,
)
from desktop.views.workbench.history import HistoryView
from desktop.views.workbench.reason_dialog import ReasonDialog
from desktop.views.workbench.tasks import TaskRunner

LoadDocument = Callable[[DocumentInfo], bytes]

CACHE_BYTES = 256 * 1024 * 1024
"""In-memory document cache across applications (next/previous stay instant). Memory only:
personal data is never written to disk by the workbench."""
REFRESH_MS = 15_000
"""How often the claim and SLA lines are re-evaluated (a lease expires while the record is open)."""

POSITIVE = frozenset(
    {Action.VERIFY, Action.VALIDATE, Action.SIGN, Action.SUBMIT, Action.RESUBMIT, Action.DELIVER}
)
DESTRUCTIVE = frozenset({Action.DISCARD, Action.CANCEL})

_STATE_COLORS: dict[State | None, str] = {
    State.DRAFT: "#605e5c",
    State.SUBMITTED: "#0f6cbd",
    State.NEEDS_REVISION: "#8a5300",
    State.VERIFIED: "#00747a",
    State.VALIDATED: "#5c2e91",
    State.SIGNED: "#107c10",
    State.COMPLETED: "#3b6e3b",
    State.REJECTED: "#c50f1f",
    State.CANCELLED: "#605e5c",
    None: "#323130",
}
_MESSAGE_STYLES = {
    "info": "background: #ebf3fc; color: #0f3a63; border: 1px solid #b4d6fa;",
    "success": "background: #f1faf1; color: #0e4e0e; border: 1px solid #9fd89f;",
    "warning": "background: #fff9f5; color: #7a4100; border: 1px solid #fdcfb4;",
    "error": "background: #fdf3f4; color: #8a1620; border: 1px solid #eeacb2;",
}
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class DocumentIntegrityError(Exception):
    """The bytes received are not the document the server recorded (sha256 differs)."""


class _ByteCache:
    """LRU of document bytes by sha256, bounded by total size."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: str) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        if key in self._items:
            self._size -= len(self._items.pop(key))
        self._items[key] = data
        self._size += len(data)
        while self._size > self._limit and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._size -= len(old)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def clear(self) -> None:
        self._items.clear()
        self._size = 0


def _fetch(load: LoadDocument, doc: DocumentInfo) -> bytes:
    """Worker-thread side of a download: call the shell, check the bytes are the recorded ones."""
    raw = load(doc)
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"load_document returned {type(raw).__name__}, not bytes")
    data = bytes(raw)
    if _SHA256.fullmatch(doc.sha256) and hashlib.sha256(data).hexdigest() != doc.sha256.lower():
        raise DocumentIntegrityError(doc.sha256)
    return data


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" instead of pushing the layout wider."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        metrics = QFontMetrics(self.font())
        rect = self.contentsRect()
        text = metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)


class WorkbenchWidget(QWidget):
    """One application for verification / validation. See the module docstring."""

    actionRequested = Signal(str, str, list)
    """(action value e.g. "verify", reason ("" when none is needed), list[ChecklistItem])."""
    nextRequested = Signal()
    previousRequested = Signal()
    closeRequested = Signal()
    claimRequested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tz = tz
        self._runner = TaskRunner(self, kind="io")
        self._cache = _ByteCache(CACHE_BYTES)
        self._loading: set[str] = set()
        self._failed: dict[str, str] = {}
        self._detail: ApplicationDetail | None = None
        self._service: Service | None = None
        self._document_types: Mapping[str, DocumentType] = {}
        self._roles: tuple[Role, ...] = ()
        self._user_id = ""
        self._load: LoadDocument | None = None
        self._claim: ClaimInfo | None = None
        self._actions: list[Action] = []
        self._busy = False
        self._current_doc: DocumentInfo | None = None
        self._syncing = False
        self.action_buttons: dict[Action, QPushButton] = {}
        self.reason_dialog: ReasonDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.help_dialog: QDialog | None = None
        self.sla_overdue = False
        self._build()
        self._install_shortcuts()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_time_dependent)
        self.clear()

    # ==== construction ====

    def _build(self) -> None:
        # -- header: number, status, service; SLA, claim -------------------------------------
        self.number_label = QLabel(self)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        number_font = self.number_label.font()
        number_font.setPointSizeF(number_font.pointSizeF() + 3)
        number_font.setBold(True)
        self.number_label.setFont(number_font)
        self.status_label = QLabel(self)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.service_label = ElidedLabel(self)
        service_font = self.service_label.font()
        service_font.setPointSizeF(service_font.pointSizeF() + 1)
        self.service_label.setFont(service_font)

        self.previous_button = QPushButton(self.tr("‹ Sebelumnya"), self)
        self.previous_button.clicked.connect(self.previousRequested.emit)
        self.next_button = QPushButton(self.tr("Berikutnya ›"), self)
        self.next_button.clicked.connect(self.nextRequested.emit)
        self.help_button = QPushButton(self.tr("Pintasan"), self)
        self.help_button.clicked.connect(self.show_shortcut_help)
        self.close_button = QPushButton(self.tr("Tutup"), self)
        self.close_button.clicked.connect(self.closeRequested.emit)
        for button, sid, tip in (
            (self.previous_button, "previous_application", self.tr("Permohonan sebelumnya")),
            (self.next_button, "next_application", self.tr("Permohonan berikutnya")),
            (self.help_button, "shortcut_help", self.tr("Daftar pintasan keyboard")),
            (self.close_button, "close", self.tr("Tutup permohonan")),
        ):
            button.setToolTip(f"{tip} ({shortcuts.BY_ID[sid].keys_text})")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self.sla_label = QLabel(self)
        self.sla_label.setTextFormat(Qt.TextFormat.PlainText)
        self.claim_label = QLabel(self)
        self.claim_label.setTextFormat(Qt.TextFormat.PlainText)
        self.claim_button = QPushButton(self.tr("Ambil klaim"), self)
        self.claim_button.setToolTip(
            self.tr("Klaim permohonan agar dapat memutuskan ({keys})").format(
                keys=shortcuts.BY_ID["claim"].keys_text
            )
        )
        self.claim_button.clicked.connect(self._claim_clicked)
        self.info_label = ElidedLabel(self)
        self.info_label.setStyleSheet("QLabel { color: #605e5c; }")

        row1 = QHBoxLayout()
        row1.setSpacing(10)
        row1.addWidget(self.number_label)
        row1.addWidget(self.status_label)
        row1.addWidget(self.service_label, 1)
        for button in (self.previous_button, self.next_button, self.help_button, self.close_button):
            row1.addWidget(button)
        row2 = QHBoxLayout()
        row2.setSpacing(14)
        row2.addWidget(self.sla_label)
        row2.addWidget(_vline(self))
        row2.addWidget(self.claim_label)
        row2.addWidget(self.claim_button)
        row2.addWidget(_vline(self))
        row2.addWidget(self.info_label, 1)

        header = QFrame(self)
        header.setObjectName("workbenchHeader")
        header.setStyleSheet(
            "QFrame#workbenchHeader { background: palette(window); "
            "border-bottom: 1px solid #d2d0ce; }"
        )
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(10, 6, 10, 6)
        header_layout.setSpacing(4)
        header_layout.addLayout(row1)
        header_layout.addLayout(row2)

        # -- body: pages | data, checklist, history ------------------------------------------------
        self.viewer = DocumentViewer(self, shortcut_host=self)
        self.document_combo = QComboBox(self)
        self.document_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.document_combo.setMinimumContentsLength(16)
        self.document_combo.setToolTip(
            self.tr("Dokumen yang ditampilkan ({next} / {prev})").format(
                next=shortcuts.BY_ID["next_document"].keys_text,
                prev=shortcuts.BY_ID["previous_document"].keys_text,
            )
        )
        self.document_combo.setAccessibleName(self.tr("Pilih dokumen"))
        self.document_combo.currentIndexChanged.connect(self._combo_changed)
        self.viewer.set_leading_widget(self.document_combo)

        self.applicant_panel = ApplicantPanel(self)
        self.checklist = ChecklistWidget(self)
        self.checklist.itemSelected.connect(self._item_selected)
        self.checklist.documentActivated.connect(self._document_clicked)
        self.history_view = HistoryView(self, tz=self._tz)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.checklist, self.tr("Persyaratan"))
        self.tabs.addTab(self.history_view, self.tr("Riwayat"))

        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.applicant_panel)
        right.addWidget(self.tabs)
        right.setStretchFactor(0, 0)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.viewer)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([800, 540])
        self.right_splitter = right

        # -- footer: messages, busy, decisions -----------------------------------------------------
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
        self._actions_layout = QHBoxLayout()
        self._actions_layout.setSpacing(6)

        footer = QFrame(self)
        footer.setObjectName("workbenchFooter")
        footer.setStyleSheet("QFrame#workbenchFooter { border-top: 1px solid #d2d0ce; }")
        footer_layout = QHBoxLayout(footer)
        footer_layout.setContentsMargins(10, 6, 10, 6)
        footer_layout.setSpacing(10)
        footer_layout.addWidget(self.message_label, 1)
        self._footer_spacer = QWidget(self)
        self._footer_spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        footer_layout.addWidget(self._footer_spacer, 1)
        footer_layout.addWidget(self.busy_bar)
        footer_layout.addWidget(self.busy_label)
        footer_layout.addLayout(self._actions_layout)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(footer)

    def _install_shortcuts(self) -> None:
        """Application-scope keys live on this widget (active while focus is anywhere inside it).
        Action keys are grouped by key: Ajukan and Ajukan ulang share one key and are never
        available together."""
        simple: dict[str, Callable[[], None]] = {
            "next_application": self.nextRequested.emit,
            "previous_application": self.previousRequested.emit,
            "close": self.closeRequested.emit,
            "claim": self._claim_clicked,
            "shortcut_help": self.show_shortcut_help,
            "next_document": partial(self.checklist.select_relative, 1),
            "previous_document": partial(self.checklist.select_relative, -1),
            "mark_ok": partial(self.checklist.mark_selected, True),
            "mark_not_ok": partial(self.checklist.mark_selected, False),
        }
        self.shortcuts: dict[str, QShortcut] = {}  # by portable key text, e.g. "Ctrl+Shift+Y"
        for sid, slot in simple.items():
            for key in shortcuts.keys(sid):
                self._shortcut(key, slot)
        by_key: dict[str, list[Action]] = {}
        for action, entry in shortcuts.BY_ACTION.items():
            for key in entry.keys:
                by_key.setdefault(key, []).append(action)
        for key, actions in by_key.items():
            self._shortcut(key, partial(self._action_key, tuple(actions)))

    def _shortcut(self, key: str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        self.shortcuts[key] = shortcut

    # ==== public API ====

    def set_application(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        document_types: Mapping[str, DocumentType],
        roles: Iterable[Role],
        user_id: str,
        load_document: LoadDocument,
    ) -> None:
        """Show `detail`. Calling again with the same application (after a renewal, a 409
        reload or an action) keeps the verifier's checklist ticks for unchanged documents."""
        same = self._detail is not None and self._detail.id == detail.id
        previous = self._carry_over(detail) if same else None
        previous_doc = self._current_doc if same else None
        if not same:
            self.show_message("")
            self._failed.clear()
            self._dismiss_dialogs()
        self._detail = detail
        self._service = service
        self._document_types = document_types
        self._roles = _roles(roles)
        self._user_id = user_id
        self._load = load_document
        self._claim = detail.claim
        self._actions = available_actions(detail.status, self._roles) if detail.status else []

        self._fill_header()
        self.applicant_panel.set_applicant(detail.applicant)
        self.applicant_panel.setVisible(True)
        requirements = service.requirements if service is not None else ()
        self.checklist.set_rows(
            build_rows(requirements, detail.documents, document_types), previous
        )
        self.history_view.set_entries(detail.history, document_types)
        self.tabs.setTabText(1, self.tr("Riwayat ({n})").format(n=len(detail.history)))
        self._fill_documents()
        self._rebuild_actions()
        self._refresh_time_dependent()
        self._timer.start()

        keep = previous_doc is not None and any(
            d.id == previous_doc.id and d.sha256 == previous_doc.sha256 for d in detail.documents
        )
        self._current_doc = None
        if keep and previous_doc is not None:
            self._activate_document(previous_doc)
        elif detail.documents:
            self._activate_document(self._first_document(detail))
        else:
            self.viewer.show_empty(self.tr("Permohonan ini tidak memiliki dokumen unggahan."))
            rows = self.checklist.rows
            if rows:
                self.checklist.select(rows[0].data.code)

    def set_claim(self, claim: ClaimInfo | None) -> None:
        """After a claim, renewal or release: update the claim line and what is enabled."""
        self._claim = claim
        self._refresh_time_dependent()

    def set_busy(self, busy: bool, text: str = "") -> None:
        """An action is in flight (shell side): block decisions, show what is happening."""
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy and bool(text))
        self.busy_label.setText(text)
        self._update_enabled()

    def show_message(self, text: str, kind: str = "info") -> None:
        """A result or an explanation (e.g. a 409 from the server). kind: info, success,
        warning, error. Empty text hides the message."""
        self.message_kind = kind if text else ""
        style = _MESSAGE_STYLES.get(kind, _MESSAGE_STYLES["info"])
        self.message_label.setStyleSheet(
            f"QLabel {{ {style} border-radius: 3px; padding: 4px 8px; }}"
        )
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        self._footer_spacer.setVisible(not text)

    def clear(self) -> None:
        """No application open."""
        self._dismiss_dialogs()
        self._detail = None
        self._current_doc = None
        self._actions = []
        self._claim = None
        self._timer.stop()
        self.number_label.setText(self.tr("Tidak ada permohonan"))
        self.status_label.setText("")
        self.status_label.setStyleSheet("")
        self.service_label.setText(self.tr("Pilih permohonan dari antrean."))
        self.sla_label.setText("")
        self.claim_label.setText("")
        self.info_label.setText("")
        self.claim_button.setVisible(False)
        self.applicant_panel.setVisible(False)
        self.checklist.set_rows([])
        self.history_view.set_entries([])
        self.tabs.setTabText(1, self.tr("Riwayat"))
        self._syncing = True
        self.document_combo.clear()
        self._syncing = False
        self.viewer.show_empty(self.tr("Tidak ada permohonan yang dibuka."))
        self._rebuild_actions()
        self.show_message("")

    def clear_document_cache(self) -> None:
        """Forget downloaded bytes (e.g. at sign-out or idle lock)."""
        self._cache.clear()

    @property
    def application(self) -> ApplicationDetail | None:
        return self._detail

    @property
    def decision_actions(self) -> list[Action]:
        """The workflow actions offered (named so it does not shadow `QWidget.actions()`)."""
        return list(self._actions)

    @property
    def current_document(self) -> DocumentInfo | None:
        return self._current_doc

    @property
    def busy(self) -> bool:
        return self._busy

    def holds_claim(self) -> bool:
        claim = self._claim
        return (
            claim is not None
            and bool(self._user_id)
            and claim.user_id == self._user_id
            and self._clock() < claim.expires_at
        )

    def checklist_items(self) -> list[ChecklistItem]:
        return self.checklist.items()

    def request_action(self, action: Action) -> None:
        """What a decision button or its key does: explain if not possible, ask for a reason
        or a confirmation where needed, then emit `actionRequested`."""
        refusal = self._refusal(action)
        if refusal is not None:
            self.show_message(refusal, "warning")
            return
        if action in REASON_REQUIRED:
            self._ask_reason(action)
        elif action in (Action.VERIFY, Action.VALIDATE) and self._doubts():
            self._confirm(
                self.tr("{action}?").format(action=action.label),
                self._doubts(),
                self.tr("Tetap {action}").format(action=action.label.lower()),
                partial(self._emit, action, "", self._detail.id if self._detail else ""),
            )
        elif action in DESTRUCTIVE:
            self._confirm(
                self.tr("{action}?").format(action=action.label),
                self.tr("Permohonan {number} akan diakhiri dan tidak dapat dilanjutkan.").format(
                    number=self._number()
                ),
                action.label,
                partial(self._emit, action, "", self._detail.id if self._detail else ""),
            )
        else:
            self._emit(action, "")

    def show_shortcut_help(self) -> None:
        if self.help_dialog is None:
            dialog = QDialog(self)
            dialog.setWindowTitle(self.tr("Pintasan keyboard"))
            browser = QTextBrowser(dialog)
            browser.setHtml(shortcuts.help_html())
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
            buttons.rejected.connect(dialog.reject)
            layout = QVBoxLayout(dialog)
            layout.addWidget(browser)
            layout.addWidget(buttons)
            dialog.resize(560, 560)
            self.help_dialog = dialog
        self.help_dialog.show()
        self.help_dialog.activateWindow()

    # ==== header ====

    def _number(self) -> str:
        if self._detail is None:
            return ""
        return self._detail.number or self.tr("(belum bernomor)")

    def _fill_header(self) -> None:
        detail = self._detail
        assert detail is not None
        if detail.registration_number:
            self.number_label.setText(detail.registration_number)
            self.number_label.setToolTip(self.tr("Nomor registrasi"))
        elif detail.provisional_number:
            self.number_label.setText(
                self.tr("{number} (sementara)").format(number=detail.provisional_number)
            )
            self.number_label.setToolTip(
                self.tr("Nomor sementara (dibuat luring); nomor resmi diberikan saat sinkron")
            )
        else:
            self.number_label.setText(self.tr("(belum bernomor)"))
        if detail.registration_number and detail.provisional_number:
            self.number_label.setToolTip(
                self.tr("Nomor registrasi; nomor sementara: {p}").format(
                    p=detail.provisional_number
                )
            )

        state = detail.status
        if state is None:
            text = self.tr("{raw} (status tidak dikenal)").format(raw=detail.status_raw)
            self.status_label.setToolTip(
                self.tr(
                    "Server mengirim status yang belum dikenal versi Loket ini; tidak ada aksi "
                    "yang ditawarkan. Perbarui Loket."
                )
            )
        else:
            text = state.label
            self.status_label.setToolTip(self.tr("Status permohonan"))
        color = _STATE_COLORS.get(state, "#323130")
        self.status_label.setText(text)
        self.status_label.setStyleSheet(
            f"QLabel {{ background: {color}; color: white; border-radius: 8px; "
            f"padding: 2px 10px; font-weight: bold; }}"
        )

        if self._service is not None:
            self.service_label.setText(self._service.name)
            self.service_label.setToolTip(f"{self._service.name} ({self._service.code})")
        else:
            self.service_label.setText(
                self.tr("{code} (layanan tidak ada di katalog)").format(code=detail.service_code)
            )
            self.service_label.setToolTip("")

        channel = (
            self.tr("Diajukan daring") if detail.channel == "online" else self.tr("Melalui loket")
        )
        submitted = (
            format_datetime(detail.submitted_at, self._tz, zone=False)
            if detail.submitted_at
            else self.tr("belum diajukan")
        )
        info = self.tr("{channel} · kantor {office} · diajukan {when} · versi {version}").format(
            channel=channel, office=detail.office_code, when=submitted, version=detail.version
        )
        self.info_label.setText(info)
        self.info_label.setToolTip(info)

    def _refresh_time_dependent(self) -> None:
        detail = self._detail
        if detail is None:
            return
        now = self._clock()
        # SLA
        sla_style = ""
        if detail.due_at is not None:
            due = format_datetime(detail.due_at, self._tz)
            remaining = detail.due_at - now
            terminal = detail.status is None or detail.status in TERMINAL_STATES
            if terminal:
                text = self.tr("Batas layanan: {due}").format(due=due)
            elif remaining.total_seconds() < 0:
                text = self.tr("Batas layanan: {due} — TERLAMBAT {d}").format(
                    due=due, d=format_duration(remaining)
                )
                sla_style = "QLabel { color: #c50f1f; font-weight: bold; }"
            else:
                text = self.tr("Batas layanan: {due} (sisa {d})").format(
                    due=due, d=format_duration(remaining)
                )
                if remaining.total_seconds() < 4 * 3600:
                    sla_style = "QLabel { color: #8a5300; font-weight: bold; }"
        elif self._service is not None:
            text = self.tr("Batas layanan: {h} jam sejak berkas lengkap").format(
                h=self._service.sla_hours
            )
        else:
            text = self.tr("Batas layanan: —")
        self.sla_label.setText(text)
        self.sla_label.setStyleSheet(sla_style)
        self.sla_overdue = bool(sla_style) and "c50f1f" in sla_style

        # claim
        claim = self._claim
        claim_style = ""
        if claim is None:
            text = self.tr("Belum diklaim")
        else:
            until = format_clock(claim.expires_at, now, self._tz)
            active = now < claim.expires_at
            mine = claim.user_id == self._user_id
            if mine and active:
                text = self.tr("Anda memegang klaim hingga {time}").format(time=until)
                claim_style = "QLabel { color: #107c10; font-weight: bold; }"
            elif mine:
                text = self.tr("Klaim Anda berakhir pukul {time}; ambil ulang").format(time=until)
                claim_style = "QLabel { color: #8a5300; font-weight: bold; }"
            elif active:
                name = claim.full_name or claim.username
                text = self.tr("Sedang ditangani oleh {name} hingga {time}").format(
                    name=name, time=until
                )
                claim_style = "QLabel { color: #8a5300; }"
            else:
                name = claim.full_name or claim.username
                text = self.tr("Klaim {name} berakhir pukul {time}; dapat diambil").format(
                    name=name, time=until
                )
        self.claim_label.setText(text)
        self.claim_label.setStyleSheet(claim_style)
        self._update_enabled()

    # ==== documents ====

    def _doc_title(self, doc: DocumentInfo) -> str:
        code = doc.requirement_code or ""
        doc_type = self._document_types.get(code)
        name = doc_type.name if doc_type else (code or self.tr("Dokumen lain"))
        return f"{name} — {doc.filename}"

    def _fill_documents(self) -> None:
        detail = self._detail
        assert detail is not None
        self._syncing = True
        self.document_combo.clear()
        for doc in self._ordered_documents():
            self.document_combo.addItem(f"{self._doc_title(doc)} ({format_size(doc.size)})", doc.id)
        self.document_combo.setEnabled(bool(detail.documents))
        if not detail.documents:
            self.document_combo.setPlaceholderText(self.tr("Tidak ada dokumen"))
            self.document_combo.setCurrentIndex(-1)
        self._syncing = False

    def _ordered_documents(self) -> list[DocumentInfo]:
        """Documents in checklist order, so the chooser and Ctrl+PgDown agree."""
        ordered: list[DocumentInfo] = []
        for row in self.checklist.rows:
            ordered.extend(row.data.documents)
        return ordered

    def _first_document(self, detail: ApplicationDetail) -> DocumentInfo:
        ordered = self._ordered_documents()
        return ordered[0] if ordered else detail.documents[0]

    def _activate_document(self, doc: DocumentInfo) -> None:
        """Show `doc` and point the chooser and the checklist at it."""
        self._current_doc = doc
        self._syncing = True
        index = self.document_combo.findData(doc.id)
        self.document_combo.setCurrentIndex(index)
        row_code = doc.requirement_code or ""
        if self.checklist.row(row_code) is None:
            row_code = OTHER_CODE
        self.checklist.select(row_code)
        self._syncing = False
        self._show(doc)

    def _combo_changed(self, index: int) -> None:
        if self._syncing or self._detail is None or index < 0:
            return
        doc_id = self.document_combo.itemData(index)
        doc = next((d for d in self._detail.documents if d.id == doc_id), None)
        if doc is not None:
            self._activate_document(doc)

    def _document_clicked(self, doc: object) -> None:
        if isinstance(doc, DocumentInfo):
            self._activate_document(doc)

    def _item_selected(self, code: str) -> None:
        if self._syncing or self._detail is None:
            return
        row = self.checklist.row(code)
        if row is None:
            return
        docs = row.data.documents
        if self._current_doc is not None and self._current_doc in docs:
            return
        if docs:
            self._activate_document(docs[0])
            return
        self._current_doc = None
        self._syncing = True
        self.document_combo.setCurrentIndex(-1)
        self._syncing = False
        self.viewer.show_empty(
            self.tr("Belum ada dokumen untuk persyaratan “{name}”.").format(name=row.data.name),
            title=row.data.name,
        )

    def _show(self, doc: DocumentInfo) -> None:
        title = self._doc_title(doc)
        if doc.size > MAX_BYTES:
            self.viewer.show_error(
                self.tr(
                    "Dokumen terlalu besar ({size}) untuk ditampilkan; batasnya {limit} MB."
                ).format(size=format_size(doc.size), limit=MAX_BYTES // 1_048_576),
                title=title,
            )
            return
        data = self._cache.get(doc.sha256)
        if data is not None:
            self.viewer.set_document(doc.sha256, data, doc.content_type, title)
            self._prefetch()
            return
        if doc.sha256 in self._failed and doc.sha256 not in self._loading:
            # Clicking a failed document again retries it.
            del self._failed[doc.sha256]
        self.viewer.show_loading(title, self.tr("Mengambil dokumen dari server…"))
        if doc.sha256 not in self._loading:
            self._start_fetch(doc)

    def _start_fetch(self, doc: DocumentInfo) -> None:
        load = self._load
        if load is None:
            return
        self._loading.add(doc.sha256)
        self._runner.submit(
            partial(_fetch, load, doc),
            partial(self._fetched, doc),
            partial(self._fetch_failed, doc),
        )

    def _fetched(self, doc: DocumentInfo, data: object) -> None:
        self._loading.discard(doc.sha256)
        if not isinstance(data, bytes):
            return
        self._cache.put(doc.sha256, data)
        current = self._current_doc
        if current is not None and current.sha256 == doc.sha256:
            self.viewer.set_document(
                doc.sha256, data, current.content_type, self._doc_title(current)
            )
        self._prefetch()

    def _fetch_failed(self, doc: DocumentInfo, error: object) -> None:
        self._loading.discard(doc.sha256)
        if isinstance(error, DocumentIntegrityError):
            text = self.tr(
                "Isi dokumen yang diterima tidak sama dengan yang tercatat di server (sidik "
                "SHA-256 berbeda). Dokumen tidak ditampilkan agar Anda tidak memutuskan "
                "berdasarkan berkas yang salah; coba buka lagi atau laporkan ke administrator."
            )
        else:
            detail = str(error).strip()
            text = self.tr("Dokumen gagal diambil. Klik dokumen ini lagi untuk mencoba ulang.")
            if detail:
                text += "\n" + self.tr("Keterangan: {detail}").format(detail=detail[:300])
        self._failed[doc.sha256] = text
        current = self._current_doc
        if current is not None and current.sha256 == doc.sha256:
            self.viewer.show_error(text, title=self._doc_title(current))
        self._prefetch()

    def _prefetch(self) -> None:
        """Fetch the application's other documents one at a time, so flipping is instant."""
        if self._detail is None or self._loading:
            return
        for doc in self._ordered_documents():
            if (
                doc.sha256 not in self._cache
                and doc.sha256 not in self._failed
                and doc.size <= MAX_BYTES
            ):
                self._start_fetch(doc)
                return

    # ==== checklist carry-over ====

    def _carry_over(self, detail: ApplicationDetail) -> dict[str, tuple[bool | None, str]]:
        """Judgements for requirements whose documents did not change."""
        old = self._detail
        if old is None:
            return {}

        def shas(app: ApplicationDetail, code: str) -> set[str]:
            return {d.sha256 for d in app.documents if (d.requirement_code or "") == code}

        return {
            code: value
            for code, value in self.checklist.judgements().items()
            if shas(old, code) == shas(detail, code)
        }

    # ==== decisions ====

    def _rebuild_actions(self) -> None:
        for button in self.action_buttons.values():
            self._actions_layout.removeWidget(button)
            button.setParent(None)
            button.deleteLater()
        self.action_buttons = {}
        for action in self._actions:
            entry = shortcuts.BY_ACTION.get(action)
            text = f"{action.label}  ({entry.keys[0]})" if entry is not None else action.label
            button = QPushButton(text, self)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(30)
            button.setStyleSheet(_button_style(action))
            button.clicked.connect(partial(self.request_action, action))
            self._actions_layout.addWidget(button)
            self.action_buttons[action] = button
        self.checklist.set_editable(bool(self._actions))
        self._update_enabled()

    def _update_enabled(self) -> None:
        holds = self.holds_claim()
        for action, button in self.action_buttons.items():
            allowed = holds or action in CLAIM_FREE
            button.setEnabled(allowed and not self._busy)
            entry = shortcuts.BY_ACTION.get(action)
            keys = f" ({entry.keys_text})" if entry else ""
            if not allowed:
                button.setToolTip(
                    self.tr("{action}{keys} — ambil klaim terlebih dahulu").format(
                        action=action.label, keys=keys
                    )
                )
            else:
                button.setToolTip(f"{action.label}{keys}")
        claimable = (
            self._detail is not None
            and bool(self._actions)
            and not holds
            and any(a not in CLAIM_FREE for a in self._actions)
        )
        other_active = (
            self._claim is not None
            and self._claim.user_id != self._user_id
            and self._clock() < self._claim.expires_at
        )
        self.claim_button.setVisible(claimable)
        self.claim_button.setEnabled(claimable and not other_active and not self._busy)
        if other_active:
            self.claim_button.setToolTip(
                self.tr("Permohonan sedang diklaim orang lain; tunggu sampai klaimnya berakhir.")
            )
        else:
            self.claim_button.setToolTip(
                self.tr("Klaim permohonan agar dapat memutuskan ({keys})").format(
                    keys=shortcuts.BY_ID["claim"].keys_text
                )
            )

    def _claim_clicked(self) -> None:
        if not self.claim_button.isHidden() and self.claim_button.isEnabled():
            self.claimRequested.emit()

    def _action_key(self, actions: tuple[Action, ...]) -> None:
        available = [a for a in actions if a in self._actions]
        if available:
            self.request_action(available[0])
        elif self._detail is not None:
            names = " / ".join(a.label for a in actions)
            self.show_message(
                self.tr("“{names}” tidak tersedia untuk permohonan ini.").format(names=names),
                "info",
            )

    def _refusal(self, action: Action) -> str | None:
        """Why `action` cannot be taken now (Indonesian), from the shared workflow rules."""
        detail = self._detail
        if detail is None:
            return self.tr("Tidak ada permohonan yang dibuka.")
        if self._busy:
            return self.tr("Tunggu, aksi sebelumnya masih diproses.")
        if detail.status is None:
            return self.tr("Status permohonan tidak dikenal; tidak ada aksi yang dapat dilakukan.")
        if action not in self._actions:
            return self.tr("“{action}” tidak tersedia untuk permohonan ini.").format(
                action=action.label
            )
        refusals: list[Refusal] = []
        for role in self._roles:
            outcome = transition(
                detail.status, action, role, reason="-", holds_claim=self.holds_claim()
            )
            if isinstance(outcome, State):
                return None
            refusals.append(outcome)
        if not refusals:
            return self.tr("Anda tidak memiliki peran untuk aksi ini.")
        # The refusal of a role that may act at all says what to do (e.g. claim first).
        relevant = [r for r in refusals if r.code is not RefusalCode.ROLE_NOT_ALLOWED]
        return (relevant or refusals)[0].message

    def _doubts(self) -> str:
        """Contradictions between the checklist and a positive decision, or ""."""
        lines = []
        bad = self.checklist.not_ok_rows()
        if bad:
            lines.append(
                self.tr("Ditandai tidak sesuai: {names}.").format(
                    names=", ".join(r.data.name for r in bad)
                )
            )
        missing = self.checklist.missing_mandatory()
        if missing:
            lines.append(
                self.tr("Dokumen wajib belum diunggah: {names}.").format(
                    names=", ".join(r.data.name for r in missing)
                )
            )
        return "\n".join(lines)

    def _dismiss_dialogs(self) -> None:
        """A reason typed for one application must never be sent for the next one."""
        for dialog in (self.reason_dialog, self.confirm_box):
            if dialog is not None:
                dialog.reject()
        self.reason_dialog = None
        self.confirm_box = None

    def _ask_reason(self, action: Action) -> None:
        items = (
            [(row.data.name, row.note) for row in self.checklist.not_ok_rows()]
            if action is Action.REQUEST_REVISION
            else []
        )
        dialog = ReasonDialog(action, not_ok_items=items, number=self._number(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        app_id = self._detail.id if self._detail else ""
        dialog.accepted.connect(lambda: self._emit(action, dialog.reason(), app_id))
        dialog.finished.connect(self._reason_closed)
        self.reason_dialog = dialog
        dialog.open()

    def _reason_closed(self) -> None:
        self.reason_dialog = None

    def _confirm(self, title: str, text: str, yes_label: str, on_yes: Callable[[], None]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        yes = box.addButton(yes_label, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

        def clicked(button: object) -> None:
            self.confirm_box = None
            if button is yes:
                on_yes()

        box.buttonClicked.connect(clicked)
        self.confirm_box = box
        box.open()

    def _emit(self, action: Action, reason: str, app_id: str | None = None) -> None:
        """Last check before the signal: the decision must still be possible, and for the
        application it was made on (a dialog may have been open across a reload)."""
        if self._detail is None or (app_id is not None and app_id != self._detail.id):
            return
        if self._refusal(action) is not None:
            self.show_message(self._refusal(action) or "", "warning")
            return
        self.actionRequested.emit(action.value, reason, self.checklist.items())


def _roles(roles: Iterable[Role | str]) -> tuple[Role, ...]:
    """Roles as enums (plain strings from a caller are accepted; unknown ones are dropped)."""
    out: list[Role] = []
    for role in roles:
        try:
            out.append(Role(role))
        except ValueError:
            continue
    return tuple(out)


def _vline(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _button_style(action: Action) -> str:
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
