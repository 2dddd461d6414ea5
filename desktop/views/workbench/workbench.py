"""The verifier's / validator's workbench: one application, its pages, its data, the decision.

This widget does no HTTP and no SQL. The shell gives it an `ApplicationDetail`, the catalogue
entries, the user's roles and id, and a blocking `load_document` function; documents are
fetched on the app's `TaskRunner` (`documents.py`) and decisions leave as signals
(`action_requested`, `claim_requested`, navigation). The decision buttons are the actions the
person may take, judged by the workbench controller with `desktop.domain.authority` (the rules
the server decides with: workflow table, service roles, office level), and are enabled only
while the user holds the claim (DESIGN section 4).

`set_application(..., origin=)` says where the data comes from (`Origin`). A copy kept on this
PC while the server is down never presents what it does not carry as a fact: with only the
queue's summary, the documents, the checklist's documents and the history say "tidak tersedia di
salinan komputer ini"; with the last full detail, a document whose contents are not in memory
says so instead of being downloaded; and in both, who handles it now is "tidak diketahui".

The parts live in their own modules: `header.py` and `claim_line.py` (which application, its
deadline and claim), `document_chooser.py` and `documents.py` (which pages are shown and how
they arrive), `action_bar.py` and `decisions.py` (what may be decided and how). This module
puts them together and is the shell's API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.signing import SigningAccess
from desktop.domain.catalogue import DocumentType, Service
from desktop.domain.formatting import format_clock, format_datetime
from desktop.domain.records import (
    ApplicationDetail,
    ChecklistItem,
    ClaimInfo,
    DocumentInfo,
    HistoryEntry,
)
from desktop.domain.workflow import (
    CLAIM_FREE,
    REASON_REQUIRED,
    Action,
    Role,
    State,
    available_actions,
)
from desktop.services.applications import KeptMark, KeptMarks, Origin
from desktop.services.handover import Handover
from desktop.services.revision import Reasons, RevisionRequest, UnsentRevision
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.handover import HandoverDialog
from desktop.views.handover.delivery import DeliveryAccess
from desktop.views.revision import RevisionPanel
from desktop.views.revision.print_list import list_data, show_revision_list
from desktop.views.revision.scanning import ScanAccess, ScanFolders
from desktop.views.workbench import shortcuts
from desktop.views.workbench.action_bar import DESTRUCTIVE, ActionBar
from desktop.views.workbench.applicant import ApplicantPanel
from desktop.views.workbench.card_reading import CardCheck, CardReadings
from desktop.views.workbench.checklist import ChecklistWidget, build_rows, marks_from_history
from desktop.views.workbench.decisions import Decisions
from desktop.views.workbench.document_chooser import DocumentChooser
from desktop.views.workbench.document_viewer import DocumentViewer
from desktop.views.workbench.documents import DocumentFetcher, LoadDocument
from desktop.views.workbench.header import WorkbenchHeader
from desktop.views.workbench.history import HistoryView
from desktop.views.workbench.reason_dialog import ReasonDialog
from desktop.views.workbench.service_data import ServiceDataPanel
from desktop.views.workbench.siak_dialog import FileChooser, SiakSignDialog, choose_pdf
from desktop.views.workbench.sign_dialog import SignDialog
from desktop.views.workbench.signature_check import SignatureChecks, SignatureLine

REFRESH_MS = 15_000
"""How often the claim and SLA lines are re-evaluated (a lease expires while the record is open)."""


TABS_SHARE = 0.3
TABS_MIN_HEIGHT = (120, 200)
"""Persyaratan/Riwayat keep this share of the height, within these pixels (200 at 1366x768:
three requirement cards), whatever sits above them: the service data scrolls instead."""


class WorkbenchWidget(QWidget):
    """One application for verification / validation. See the module docstring."""

    action_requested = Signal(str, str, list)
    """(action value e.g. "verify", reason ("" when none is needed), list[ChecklistItem])."""
    next_requested = Signal()
    previous_requested = Signal()
    close_requested = Signal()
    claim_requested = Signal()
    marks_changed = Signal()
    """A checklist tick or note changed (the shell keeps unsent marks on this PC)."""
    resubmit_requested = Signal(object)
    """The operator's revision (`RevisionRequest`), checked: keep it and resubmit."""
    handover_requested = Signal(object)
    """The confirmed `Handover` of a signed application: keep it and deliver."""
    letter_issued = Signal(object)
    """An `IssuedLetter` signed in the sign dialog: its sign action waits in the outbox."""
    siak_issued = Signal(object)
    """list[`IssuedOutput`]: SIAK outputs signed here (the main one first)."""
    document_delivered = Signal(str)
    """An application id whose signed document was e-mailed from Serahkan (now completed)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        """`runner`: the app's runner (downloads and page renders run there in their own
        lanes, and stop with the session). `tz`: display zone, None for the PC's own."""
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tz = tz
        self.runner = runner
        self._detail: ApplicationDetail | None = None
        self._service: Service | None = None
        self._document_types: Mapping[str, DocumentType] = {}
        self._roles: tuple[Role, ...] = ()
        self._user_id = ""
        self._claim: ClaimInfo | None = None
        self._actions: list[Action] = []
        self._offered: list[Action] | None = None
        self._busy = False
        self._read_only = False
        self._sent: dict[str, tuple[bool | None, str]] = {}
        self._office_name: str | None = None
        self._held_note = ""  # the message this widget shows about someone else's claim
        self._origin = Origin.SERVER
        self._held_here = False
        self.help_dialog: QDialog | None = None
        self._build()
        self._install_shortcuts()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_time_dependent)
        self.clear()

    # ==== construction ====

    def _build(self) -> None:
        self.header = WorkbenchHeader(self)
        self.claim_line = self.header.claim_line
        self.header.previous_requested.connect(self.previous_requested.emit)
        self.header.next_requested.connect(self.next_requested.emit)
        self.header.help_requested.connect(self.show_shortcut_help)
        self.header.close_requested.connect(self.close_requested.emit)
        self.claim_line.claim_button.clicked.connect(self._claim_clicked)

        self.viewer = DocumentViewer(self, shortcut_host=self, runner=self.runner)
        self.applicant_panel = ApplicantPanel(self)
        self.service_data = ServiceDataPanel(self)
        self.checklist = ChecklistWidget(self)
        self.history_view = HistoryView(self, tz=self._tz)
        self.history_claims_toggle = QCheckBox(self)
        self.history_claims_toggle.setToolTip(
            self.tr(
                "Siapa membuka dan melepas permohonan ini. Riwayat lengkap tetap tercatat di "
                "log audit server."
            )
        )
        self.history_claims_toggle.toggled.connect(self.history_view.set_show_claims)
        self.history_claims_toggle.toggled.connect(lambda _on: self._update_history_tab())
        history_page = QWidget(self)
        history_layout = QVBoxLayout(history_page)
        history_layout.setContentsMargins(0, 2, 0, 0)
        history_layout.setSpacing(2)
        history_layout.addWidget(self.history_claims_toggle)
        history_layout.addWidget(self.history_view, 1)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.checklist, self.tr("Persyaratan"))
        self.tabs.addTab(history_page, self.tr("Riwayat"))
        self.checklist.changed.connect(self.marks_changed.emit)
        # The operator's revision of a returned application (issue 11): a third tab, shown
        # only for it.
        self.revision_panel = RevisionPanel(self, tz=self._tz)
        self.revision_tab = self.tabs.addTab(self.revision_panel, self.tr("Perbaikan"))
        self.tabs.setTabVisible(self.revision_tab, False)
        self.revision_panel.resubmit_requested.connect(self._resubmit)
        self.revision_panel.print_requested.connect(self._print_revision_list)
        self.handover_dialog: HandoverDialog | None = None
        self.signing: SigningAccess | None = None
        self.delivery: DeliveryAccess | None = None
        """Print and e-mail the signed document from Serahkan (issue 13); set by the shell."""
        self.sign_dialog: SignDialog | SiakSignDialog | None = None
        self.choose_siak_file: FileChooser = choose_pdf
        """The file dialog of the SIAK import (tests give a path: the OS dialog is not ours)."""
        self.scan_access: ScanAccess | None = None
        self.handover_scans = ScanFolders()
        """A scanned surat kuasa, kept until another application is shown (by then the
        handover copied it into the outbox) or the session ends."""
        self.destroyed.connect(self.handover_scans.remove_all)
        self.revision_preview: QDialog | None = None
        self.fetcher = DocumentFetcher(self.runner, self)
        self.documents = DocumentChooser(self.viewer, self.checklist, self.fetcher, self)
        self.document_combo = self.documents.combo
        # The number read from a scanned KTP-el / KK on screen, beside the typed one (issue 12).
        self.card_check = CardCheck(CardReadings(self.runner, self), self.applicant_panel, self)
        self.documents.document_shown.connect(self.card_check.shown)
        # A shown PDF's electronic signatures, checked on a worker: one line under it (issue 13).
        self.signature_line = SignatureLine(
            SignatureChecks(self.runner, self), self, tz=lambda: self._tz
        )
        self.documents.document_shown.connect(self.signature_line.shown)
        self.document_combo.currentIndexChanged.connect(
            lambda _i: self.signature_line.follow(self.documents.current)
        )
        self.viewer_pane = QWidget(self)
        viewer_layout = QVBoxLayout(self.viewer_pane)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.setSpacing(0)
        viewer_layout.addWidget(self.viewer, 1)
        viewer_layout.addWidget(self.signature_line)

        # The applicant panel is as tall as its text needs (names and addresses whole); the
        # checklist and history take the rest. A layout, not a splitter: a splitter would keep
        # the height of the previous applicant and cut a longer name.
        self.right_pane = QWidget(self)
        right = QVBoxLayout(self.right_pane)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(4)
        right.addWidget(self.applicant_panel)
        right.addWidget(self.service_data)
        right.addWidget(self.tabs, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.viewer_pane)
        self.splitter.addWidget(self.right_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([800, 540])

        self.action_bar = ActionBar(self)
        self.action_bar.action_clicked.connect(self.request_action)
        self.decisions = Decisions(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.action_bar)

    def _install_shortcuts(self) -> None:
        """Application-scope keys live on this widget (active while focus is anywhere inside it).
        Action keys are grouped by key: Ajukan and Ajukan ulang share one key and are never
        available together."""
        simple: dict[str, Callable[[], None]] = {
            "next_application": self.next_requested.emit,
            "previous_application": self.previous_requested.emit,
            "close": self.close_requested.emit,
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
                self._shortcut(key, self._escape if key == "Esc" else slot)
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

    def _escape(self) -> None:
        """Esc cancels an open reason/confirmation dialog; in a note it only leaves the note
        (a person may just want out of the field); anywhere else it closes, like Tutup."""
        if self.decisions.is_open():
            self.decisions.dismiss()
            return
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit | QTextEdit | QPlainTextEdit) and self.isAncestorOf(focus):
            self.checklist.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.close_requested.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        low, high = TABS_MIN_HEIGHT
        self.tabs.setMinimumHeight(max(low, min(high, int(self.height() * TABS_SHARE))))

    # ==== public API ====

    def set_scan_access(self, access: ScanAccess | None) -> None:
        """A scanner may be used at this PC: "Pindai…" in the revision panel and the
        handover (issue 12). Set by the shell, with its settings."""
        self.scan_access = access
        self.revision_panel.set_scan_access(access)
        if access is not None:
            self.signature_line.set_trust_file(access.settings.signature_trust_roots)

    def set_scan_settings(self, settings: Settings) -> None:
        """The settings as just saved elsewhere (the scan dialog reads the scanner from them)."""
        if self.scan_access is not None:
            self.scan_access.settings = settings
        self.signature_line.set_trust_file(settings.signature_trust_roots)  # issue 13
        if self.signing is not None:
            self.signing.settings = settings

    def set_signing(self, access: SigningAccess | None) -> None:
        """Letters are signed at this PC (issue 13): "Tandatangani" opens the sign dialog for
        a service that issues a kelurahan letter. Set by the shell."""
        self.signing = access
        self._update_enabled()

    def signs_letter(self) -> bool:
        """Tandatangani makes and signs a letter here (else it only records the status: a
        service whose output comes from SIAK, no signing at this PC, or another office's
        application: its letter number is that office's to give)."""
        service, access, detail = self._service, self.signing, self._detail
        return (
            access is not None
            and service is not None
            and service.letter_type is not None
            and bool(service.outputs)
            and (
                not access.office_code
                or (detail is not None and detail.office_code == access.office_code)
            )
        )

    def signs_siak_output(self) -> bool:
        """Tandatangani imports the service's outputs from SIAK and signs them here (a
        Disdukcapil service: no letter, outputs from SIAK, this PC set up to sign). Any
        office's application in the signer's scope: nothing is numbered by Loket."""
        service = self._service
        return (
            self.signing is not None
            and service is not None
            and service.letter_type is None
            and bool(service.outputs)
        )

    def set_application(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        document_types: Mapping[str, DocumentType],
        roles: Iterable[Role],
        user_id: str,
        load_document: LoadDocument,
        *,
        office_name: str | None = None,
        origin: Origin = Origin.SERVER,
        actions: Sequence[Action] | None = None,
        claim_held_here: bool = False,
        unsent_revision: UnsentRevision | None = None,
    ) -> None:
        """Show `detail`. Calling again with the same application (after a renewal, a 409
        reload or an action) keeps the verifier's checklist ticks for unchanged documents.
        `office_name`: the name of `detail.office_code`, when the shell knows it. `origin`:
        where `detail` comes from; a copy kept on this PC (server down) is shown for what it
        is (see the module docstring), and the same application shown again from the server
        replaces a summary-only copy as if newly opened (its starting marks included).
        `actions`: the decisions this person may take (`domain.authority.actions_for`, judged
        by the controller with the service and the office); without it, what the workflow
        table gives `roles`. `claim_held_here`: a copy kept on this PC whose claim this PC
        records as this person's (server unreachable): they may decide; it waits in the
        outbox. `unsent_revision`: the operator's revision of it still in the outbox (shown on
        the Perbaikan tab as what waits)."""
        same = (
            self._detail is not None
            and self._detail.id == detail.id
            and self._origin is not Origin.KEPT_SUMMARY
        )
        self._origin = origin
        self._held_here = claim_held_here
        listed = origin is not Origin.KEPT_SUMMARY
        previous = self._carry_over(detail) if same else None
        previous_doc = self.documents.current if same else None
        if not same:
            self.handover_scans.remove_all()
            self.show_message("")
            self.fetcher.forget_failures()
            self.decisions.dismiss()
            self._read_only = False
        self._detail = detail
        self._service = service
        self._document_types = document_types
        self._roles = _roles(roles)
        self._user_id = user_id
        self.fetcher.load = load_document
        self._claim = detail.claim
        self._offered = list(actions) if actions is not None else None
        self._actions = self._allowed_actions() if not self._read_only else []

        self._office_name = office_name
        self.header.show_application(detail, service, office_name, self._tz)
        self.applicant_panel.set_applicant(detail.applicant)
        self.card_check.set_application(detail, same, service)
        self.applicant_panel.setVisible(True)
        self.service_data.set_data(service, detail.data)
        requirements = service.requirements if service is not None else ()
        rows = build_rows(requirements, detail.documents, document_types)
        if not same:
            # Start from the marks of the decision that brought it here (the validator sees
            # the verifier's, the operator the reasons for a revision): the server's, so not
            # "unsent" work. Never for a document uploaded after that decision.
            previous, source = marks_from_history(detail)
            self.checklist.set_source(self._source_text(source))
        self.checklist.set_rows(rows, previous, documents_known=listed)
        if not same:
            self._sent = self.checklist.judgements()
        self.history_view.set_unavailable(
            ""
            if listed
            else self.tr(
                "Riwayat permohonan ini tidak tersedia di salinan komputer ini; dimuat dengan "
                "sendirinya begitu server tersambung."
            )
        )
        self.history_view.set_entries(detail.history, document_types)
        self._update_history_tab()
        self.documents.set_documents(
            detail.documents,
            document_types,
            listed=listed,
            reachable=origin is Origin.SERVER,
        )
        self._rebuild_actions()
        self._show_revision(detail, service, document_types, same, unsent_revision)
        self._refresh_time_dependent()
        self._timer.start()
        self.documents.show_initial(previous_doc)

    def set_read_only(self, read_only: bool = True) -> None:
        """Show the application without decisions (this person may not decide it now);
        kept across reloads of the same application, reset when another one is shown."""
        self._read_only = read_only
        if read_only:
            self.decisions.dismiss()
            self._actions = []
        else:
            self._actions = self._allowed_actions()
        self._rebuild_actions()

    def _allowed_actions(self) -> list[Action]:
        """The actions offered: the controller's judgement when it gave one, else the
        workflow table's for the roles."""
        detail = self._detail
        if detail is None or detail.status is None:
            return []
        if self._offered is not None:
            return list(self._offered)
        return available_actions(detail.status, self._roles)

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def origin(self) -> Origin:
        """Where the application shown comes from (the server, or a copy on this PC)."""
        return self._origin

    def has_unsent_marks(self) -> bool:
        """Ticks or notes made on this application since it was shown or last sent."""
        if self._detail is None:
            return False
        now = self.checklist.judgements()
        if now == self._sent:
            return False
        return any(
            value != self._sent.get(code) and (value[0] is not None or value[1].strip())
            for code, value in now.items()
        )

    def mark_sent(self) -> None:
        """The checklist as it is now went to the server with a decision."""
        self._sent = self.checklist.judgements()

    def marks_to_keep(self) -> KeptMarks | None:
        """The checklist as it is, to keep on this PC until it is sent; None when nothing in
        it is unsent work."""
        detail = self._detail
        if detail is None or not self.has_unsent_marks():
            return None
        marks = [
            KeptMark(code, ok, note, self.checklist.documents_of(code))
            for code, (ok, note) in self.checklist.judgements().items()
            if ok is not None or note
        ]
        return KeptMarks.create(detail.id, detail.status_raw, marks)

    def restore_marks(self, kept: KeptMarks) -> int:
        """Put marks kept on this PC back (only where the documents are still the same);
        they stay unsent work. Returns how many requirements changed."""
        if self._detail is None or kept.app_id != self._detail.id:
            return 0
        return self.checklist.restore(
            {m.requirement_code: (m.ok, m.note, m.documents) for m in kept.marks}
        )

    def set_claim(self, claim: ClaimInfo | None) -> None:
        """After a claim, renewal or release: update the claim line and what is enabled."""
        self._claim = claim
        self._refresh_time_dependent()

    def set_busy(self, busy: bool, text: str = "") -> None:
        """An action is in flight (shell side): block decisions, show what is happening."""
        self._busy = busy
        self.action_bar.set_busy(busy, text)
        self.revision_panel.set_busy(busy)
        self._update_enabled()

    def show_message(self, text: str, kind: str = "info") -> None:
        """A result or an explanation (e.g. a 409 from the server). kind: info, success,
        warning, error. Empty text hides the message."""
        self.action_bar.show_message(text, kind)

    def clear(self) -> None:
        """No application open."""
        self.decisions.dismiss()
        self._detail = None
        self._actions = []
        self._claim = None
        self._read_only = False
        self._origin = Origin.SERVER
        self._held_here = False
        self._sent = {}
        self._timer.stop()
        self.header.clear()
        self.applicant_panel.setVisible(False)
        self.card_check.clear()
        self.service_data.clear()
        self.checklist.set_rows([])
        self.checklist.set_source("")
        self.history_view.set_unavailable("")
        self.history_view.set_entries([])
        self._update_history_tab()
        self._held_note = ""
        self.documents.clear()
        self.tabs.setTabVisible(self.revision_tab, False)
        if self.handover_dialog is not None:
            self.handover_dialog.reject()
        if self.sign_dialog is not None:
            self.sign_dialog.reject()  # refused while a signature is being made
        self.viewer.show_empty(self.tr("Tidak ada permohonan yang dibuka."))
        self._rebuild_actions()
        self.show_message("")

    def clear_document_cache(self) -> None:
        """Forget downloaded bytes (e.g. at sign-out or idle lock)."""
        self.fetcher.clear_cache()
        self.card_check.readings.clear()
        self.signature_line.checks.clear()
        self.signature_line.clear_line()

    @property
    def application(self) -> ApplicationDetail | None:
        return self._detail

    @property
    def decision_actions(self) -> list[Action]:
        """The workflow actions offered (named so it does not shadow `QWidget.actions()`)."""
        return list(self._actions)

    @property
    def action_buttons(self) -> dict[Action, QPushButton]:
        return self.action_bar.buttons

    @property
    def current_document(self) -> DocumentInfo | None:
        return self.documents.current

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def message_label(self) -> QLabel:
        return self.action_bar.message_label

    @property
    def message_kind(self) -> str:
        """One of info, success, warning, error; empty when no message is shown."""
        return self.action_bar.message_kind

    @property
    def reason_dialog(self) -> ReasonDialog | None:
        return self.decisions.reason_dialog

    @property
    def confirm_box(self) -> QMessageBox | None:
        return self.decisions.confirm_box

    @property
    def sla_overdue(self) -> bool:
        return self.claim_line.sla_overdue

    def holds_claim(self) -> bool:
        """This user holds an unexpired claim, as far as the server last said (never for a
        copy kept on this PC: who holds it now is not known)."""
        claim = self._claim
        mine = claim is not None and bool(self._user_id) and claim.user_id == self._user_id
        if self._held_here:  # used offline: its lease is taken again when it is sent
            return mine
        return (
            self._origin is Origin.SERVER
            and claim is not None
            and mine
            and self._clock() < claim.expires_at
        )

    def checklist_items(self) -> list[ChecklistItem]:
        return self.checklist.items()

    def request_action(self, action: Action) -> None:
        """What a decision button or its key does: explain if not possible, ask for a reason
        or a confirmation where needed, then emit `action_requested`."""
        refusal = self._refusal(action)
        if refusal is not None:
            self.show_message(refusal, "warning")
            return
        app_id = self._detail.id if self._detail else ""
        if action in REASON_REQUIRED:
            items = (
                [(row.data.name, row.note) for row in self.checklist.not_ok_rows()]
                if action is Action.REQUEST_REVISION
                else []
            )
            self.decisions.ask_reason(
                action, items, self._number(), lambda reason: self._emit(action, reason, app_id)
            )
        elif action in (Action.VERIFY, Action.VALIDATE) and (doubts := self._doubts()):
            self.decisions.confirm(
                self.tr("{action}?").format(action=action.label),
                doubts,
                self.tr("Tetap {action}").format(action=action.label.lower()),
                partial(self._emit, action, "", app_id),
            )
        elif action is Action.SIGN and self.signs_letter():
            self._ask_signature()
        elif action is Action.SIGN and self.signs_siak_output():
            self._ask_siak_signature()
        elif action is Action.SIGN:
            # No letter made by Loket (output from SIAK): say exactly what this records.
            self.decisions.confirm(
                self.tr("Catat sebagai ditandatangani?"),
                self.tr(
                    "Loket belum membuat tanda tangan elektronik. Aksi ini hanya mencatat bahwa "
                    "dokumen keluaran permohonan {number} sudah ditandatangani: statusnya "
                    "menjadi Ditandatangani dan tidak dapat dikembalikan.\n\nLanjutkan hanya "
                    "bila dokumen itu sudah Anda tandatangani dengan cara yang berlaku di "
                    "kantor Anda."
                ).format(number=self._number()),
                self.tr("Catat ditandatangani"),
                partial(self._emit, action, "", app_id),
            )
        elif action is Action.DELIVER:
            self._ask_handover()
        elif action is Action.RESUBMIT and self.tabs.isTabVisible(self.revision_tab):
            self.tabs.setCurrentIndex(self.revision_tab)
            self.revision_panel.submit()  # checked there, then `_resubmit`
        elif action in DESTRUCTIVE:
            self.decisions.confirm(
                self.tr("{action}?").format(action=action.label),
                self.tr("Permohonan {number} akan diakhiri dan tidak dapat dilanjutkan.").format(
                    number=self._number()
                ),
                action.label,
                partial(self._emit, action, "", app_id),
            )
        else:
            self._emit(action, "")

    # ==== the operator's counter work (issue 11) ====

    def _show_revision(
        self,
        detail: ApplicationDetail,
        service: Service | None,
        document_types: Mapping[str, DocumentType],
        same: bool,
        unsent: UnsentRevision | None = None,
    ) -> None:
        """The Perbaikan tab, for an operator on a returned application: opened first. `unsent`:
        the operator's revision of it still in the outbox, shown as what waits."""
        shown = detail.status is State.NEEDS_REVISION and Role.OPERATOR in self._roles
        self.tabs.setTabVisible(self.revision_tab, shown)
        if not shown:
            return
        self.revision_panel.set_application(detail, service, document_types, unsent)
        editable = Action.RESUBMIT in self._actions
        self.revision_panel.setEnabled(True)
        self.revision_panel.resubmit_button.setEnabled(
            editable and not self._busy and unsent is None
        )
        if not same:
            self.tabs.setCurrentIndex(self.revision_tab)

    def _resubmit(self, request: RevisionRequest) -> None:
        refusal = self._refusal(Action.RESUBMIT)
        if refusal is not None:
            self.show_message(refusal, "warning")
            return
        self.resubmit_requested.emit(request)

    def _print_revision_list(self, reasons: Reasons) -> None:
        detail = self._detail
        if detail is None:
            return
        data = list_data(
            detail, self._service, reasons, self._document_types, office_name=self._office_name
        )
        self.revision_preview = show_revision_list(self, data)

    def _ask_handover(self) -> None:
        """Serahkan: who collects, then the confirmation (`HandoverDialog`)."""
        detail = self._detail
        if detail is None:
            return
        outputs = [o.name for o in self._service.outputs] if self._service is not None else []
        dialog = HandoverDialog(
            detail,
            outputs,
            self,
            scan_access=self.scan_access,
            scan_folders=self.handover_scans,
            delivery=self.delivery,
        )
        app_id = detail.id
        dialog.delivered.connect(lambda _result: self.document_delivered.emit(app_id))

        def chosen(handover: Handover) -> None:
            if self._detail is None or self._detail.id != app_id:
                return
            refusal = self._refusal(Action.DELIVER)
            if refusal is not None:
                self.show_message(refusal, "warning")
                return
            self.handover_requested.emit(handover)

        dialog.chosen.connect(chosen)
        dialog.finished.connect(lambda _r: setattr(self, "handover_dialog", None))
        dialog.rejected.connect(self.handover_scans.remove_all)
        self.handover_dialog = dialog
        dialog.open()

    def _ask_signature(self) -> None:
        """Tandatangani of a letter: preview, signer, secret, then the signature (`SignDialog`);
        the signed letter's sign action goes through the outbox (`letter_issued`)."""
        detail, access = self._detail, self.signing
        if detail is None or access is None:
            return
        name = self._service.name if self._service is not None else ""
        dialog = SignDialog(detail, access, self, service_name=name)
        # Always passed on: the letter is signed and queued whatever is on screen now.
        dialog.issued.connect(self.letter_issued.emit)
        dialog.finished.connect(lambda _r: setattr(self, "sign_dialog", None))
        self.sign_dialog = dialog
        dialog.open()

    def _ask_siak_signature(self) -> None:
        """Tandatangani of a Disdukcapil service: the outputs imported from SIAK, checked,
        signed (`SiakSignDialog`); the sign action goes through the outbox (`siak_issued`)."""
        detail, access, service = self._detail, self.signing, self._service
        if detail is None or access is None or service is None:
            return
        dialog = SiakSignDialog(detail, service, access, self, choose_file=self.choose_siak_file)
        dialog.issued.connect(self.siak_issued.emit)
        dialog.finished.connect(lambda _r: setattr(self, "sign_dialog", None))
        self.sign_dialog = dialog
        dialog.open()

    def show_shortcut_help(self) -> None:
        if self.help_dialog is None:  # the same list as F1 in the shell
            self.help_dialog = shortcuts.ShortcutHelpDialog(self)
        self.help_dialog.show()
        self.help_dialog.activateWindow()

    def set_time_zone(self, tz: tzinfo | None) -> None:
        """Show times in `tz` (the office's zone; None: the PC's), and redraw them now."""
        self._tz = tz
        self.history_view.set_time_zone(tz)
        self.revision_panel.set_time_zone(tz)
        detail = self._detail
        if detail is not None:
            self.header.show_application(detail, self._service, self._office_name, tz)
            self.history_view.set_entries(detail.history, self._document_types)
            self._refresh_time_dependent()

    @property
    def time_zone(self) -> tzinfo | None:
        return self._tz

    def _source_text(self, source: HistoryEntry | None) -> str:
        if source is None:
            return ""
        who = source.actor_full_name or source.actor_username
        label = source.action.label if source.action is not None else source.action_raw
        return self.tr(
            "Tanda awal dari {action} oleh {who}, {when}. Ubah bila hasil pemeriksaan Anda berbeda."
        ).format(action=label, who=who, when=format_datetime(source.server_time, self._tz))

    def _update_history_tab(self) -> None:
        view = self.history_view
        self.tabs.setTabText(
            1,
            self.tr("Riwayat ({n})").format(n=view.decision_count)
            if self._detail is not None and view.available
            else self.tr("Riwayat"),
        )
        toggle = self.history_claims_toggle
        toggle.setText(
            self.tr("Tampilkan juga mulai ditangani/dilepas ({n})").format(n=view.claim_count)
        )
        toggle.setVisible(view.claim_count > 0)

    def _doubts(self) -> str:
        return self.decisions.doubts(self.checklist, self.applicant_panel.problems)

    # ==== time-dependent state ====

    def _number(self) -> str:
        if self._detail is None:
            return ""
        return self._detail.number or self.tr("(belum bernomor)")

    def _refresh_time_dependent(self) -> None:
        if self._detail is None:
            return
        self.claim_line.refresh(
            self._detail,
            self._service,
            self._claim,
            self._user_id,
            self._clock(),
            self._tz,
            claim_known=self._origin is Origin.SERVER or self._held_here,
        )
        self._update_enabled()

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
        self.action_bar.set_actions(self._actions)
        self._update_enabled()

    def held_by_other(self) -> bool:
        """Someone else holds an unexpired claim: the application is read-only here (not
        known for a copy kept on this PC)."""
        claim = self._claim
        return (
            self._origin is Origin.SERVER
            and claim is not None
            and claim.user_id != self._user_id
            and self._clock() < claim.expires_at
        )

    def _update_enabled(self) -> None:
        holds = self.holds_claim()
        other_active = self.held_by_other()
        blocked = ""
        if other_active and self._claim is not None:
            blocked = self.tr("sedang ditangani oleh {name} hingga pukul {time}").format(
                name=self._claim.full_name or self._claim.username,
                time=format_clock(self._claim.expires_at, self._clock(), self._tz),
            )
        self.action_bar.sign_makes_letter = self.signs_letter()
        self.action_bar.sign_imports_siak = self.signs_siak_output()
        self.action_bar.set_allowed(
            {action: holds or action in CLAIM_FREE for action in self._actions},
            self._busy,
            blocked=blocked,
        )
        # One story: held by someone else means read-only, marks included, and no "Tangani"
        # offered that cannot be done; the button returns when their time is up.
        self.checklist.set_editable(bool(self._actions) and not other_active)
        claimable = (
            self._detail is not None
            and bool(self._actions)
            and not holds
            and not other_active
            and any(a not in CLAIM_FREE for a in self._actions)
        )
        self.claim_line.set_claim_button(
            visible=claimable,
            enabled=claimable and not self._busy,
            other_active=other_active,
        )
        self._update_held_note(other_active)

    def _update_held_note(self, other_active: bool) -> None:
        """Say once, in the message area, that someone else holds it, and when that ends."""
        claim = self._claim
        text = ""
        if self._detail is not None and self._actions and claim is not None:
            name = claim.full_name or claim.username
            if other_active:
                text = self.tr(
                    "Hanya baca: sedang ditangani oleh {name} ({username}) hingga pukul "
                    "{time}. Anda dapat menanganinya setelah itu."
                ).format(
                    name=name,
                    username=claim.username,
                    time=format_clock(claim.expires_at, self._clock(), self._tz),
                )
            elif claim.user_id != self._user_id and self._held_note:
                text = self.tr(
                    "Penanganan oleh {name} sudah berakhir. Tekan Tangani ({keys}) untuk "
                    "menanganinya."
                ).format(name=name, keys=shortcuts.BY_ID["claim"].keys_text)
        current = self.message_label.text() if self.message_kind else ""
        if text == self._held_note:
            return
        if not current or current == self._held_note:
            self.show_message(text, "info")
        self._held_note = text

    def _claim_clicked(self) -> None:
        button = self.claim_line.claim_button
        if not button.isHidden() and button.isEnabled():
            self.claim_requested.emit()

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
        return self.decisions.refusal(
            self._detail,
            action,
            self._actions,
            self._roles,
            holds_claim=self.holds_claim(),
            busy=self._busy,
        )

    def _emit(self, action: Action, reason: str, app_id: str | None = None) -> None:
        """Last check before the signal: the decision must still be possible, and for the
        application it was made on (a dialog may have been open across a reload)."""
        if self._detail is None or (app_id is not None and app_id != self._detail.id):
            return
        refusal = self._refusal(action)
        if refusal is not None:
            self.show_message(refusal, "warning")
            return
        self.action_requested.emit(action.value, reason, self.checklist.items())


def _roles(roles: Iterable[Role | str]) -> tuple[Role, ...]:
    """Roles as enums (plain strings from a caller are accepted; unknown ones are dropped)."""
    out: list[Role] = []
    for role in roles:
        try:
            out.append(Role(role))
        except ValueError:
            continue
    return tuple(out)
