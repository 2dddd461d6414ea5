"""Builds the signed-in window (queue, workbench, placeholders, settings) for one session.

The composition root (`desktop.app`) calls `build_shell` once per signed-in session and then talks
to the result only through `Shell`'s few methods (start, stop, settings, session expiry, the claim
held at sign-out); what the window is made of, and how its parts are wired, stays here.

Here, too, the session's background work is set up: `SyncController` (the one place a pull is
scheduled), `ConnectionWatch` (the connection state, probes while offline) and the session's
`StoreEvents`, from which the queue refreshes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from desktop.controllers import workbench as workbench_logic
from desktop.controllers.admin import AdminController
from desktop.controllers.audit_viewer import AuditViewerController
from desktop.controllers.claims_supervision import ClaimsSupervisionController
from desktop.controllers.connection import ConnectionWatch
from desktop.controllers.outbox_page import OutboxPageController
from desktop.controllers.reports import ReportsController
from desktop.controllers.signing import SigningAccess
from desktop.controllers.survey import SurveyController
from desktop.controllers.sync import SyncController
from desktop.domain.catalogue import Catalogue
from desktop.domain.formatting import zone_for_region
from desktop.domain.records import ApplicationDetail
from desktop.domain.wilayah import get_wilayah
from desktop.domain.workflow import Role
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.documents.letter import Official
from desktop.services.issuing import IssuingService
from desktop.services.letter_numbers import LetterNumbers, issues_letters
from desktop.services.operations import Op, OpKind
from desktop.services.reports.drill import ReportList
from desktop.services.reports.model import QueueFilters
from desktop.services.secrets import SecretStore
from desktop.services.senders import outbox_sender
from desktop.services.signing_setup import BsreCredentials
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.admin import DevicesPage, StaffPage
from desktop.views.audit import AuditPage
from desktop.views.claims import ClaimsPage
from desktop.views.intake import IntakePage
from desktop.views.intake.wiring import build_intake_page
from desktop.views.queue.queue_page import OPEN_KEY, QueuePage, default_status_for
from desktop.views.reports.page import ReportsPage
from desktop.views.revision.scanning import ScanAccess
from desktop.views.shell.controller import ShellController
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.placeholder import PlaceholderPage
from desktop.views.shell.settings_page import SettingsPage
from desktop.views.shell.workbench_host import WorkbenchBinding, WorkbenchHost
from desktop.views.survey import SurveyDialog
from desktop.views.sync_page import SyncPage


def _tr(text: str) -> str:
    return QCoreApplication.translate("LoketApp", text)


log = logging.getLogger(__name__)


@dataclass
class Shell:
    """The signed-in window and its parts. `app.py` uses only the methods; tests may reach
    the parts."""

    window: MainWindow
    queue_model: QueueModel
    queue_page: QueuePage
    workbench: WorkbenchBinding
    controller: ShellController
    sync: SyncController
    connection: ConnectionWatch
    events: StoreEvents
    sync_page: SyncPage | None = None
    outbox_page: OutboxPageController | None = None
    intake_page: IntakePage | None = None
    settings_page: SettingsPage | None = None
    runner: TaskRunner | None = None
    reports_page: ReportsPage | None = None
    claims_page: ClaimsPage | None = None

    def start(self) -> None:
        """First pull (or a refresh of what is cached), timers, connection probe; for an
        operator the holiday calendar loaded on a worker (before the first receipt needs it)."""
        if self.intake_page is not None:
            self.intake_page.controller.warm_up()
        if self.runner is not None:
            # Every role shows addresses and kelurahan names (workbench, intake, revision).
            Op(
                OpKind.CATALOGUE,
                QCoreApplication.translate("Shell", "Memuat daftar wilayah"),
                lambda _ctx: get_wilayah().warm_up(),
                quiet=True,
            ).failure(lambda exc, _m: log.warning("wilayah not loaded: %s", exc)).run(self.runner)
        self.connection.start()
        self.sync.start()
        if self.outbox_page is not None:
            self.outbox_page.start()

    def stop(self) -> None:
        """No more pulls, probes, claim renewals or refreshes (the session is ending); a draft
        change still waiting for its debounced save is saved first."""
        if self.intake_page is not None:
            self.intake_page.controller.stop()
        self.sync.stop()
        if self.outbox_page is not None:
            self.outbox_page.stop()
        self.connection.stop()
        self.workbench.pause()
        self.events.close()

    @property
    def held_claim_id(self) -> str | None:
        """The application this person holds a claim on (released at sign-out), if any."""
        return self.workbench.held_claim_id

    def apply_settings(self, settings: Settings) -> None:
        """The settings just saved (from any page or dialog): every part that keeps a copy
        gets them, so none saves an older one back."""
        if self.settings_page is not None:
            self.settings_page.set_settings(settings)
        if self.intake_page is not None:
            self.intake_page.apply_settings(settings)
        self.workbench.workbench.set_scan_settings(settings)
        self.window.idle.set_minutes(settings.idle_lock_minutes)
        self.sync.set_interval(settings.refresh_interval_seconds)

    def set_office_names(self, offices: dict[str, str]) -> None:
        self.queue_page.set_names(self.queue_model.service_names, offices)
        self.queue_page.reload()
        if self.reports_page is not None:
            self.reports_page.set_office_names(offices)
        if self.claims_page is not None:
            self.claims_page.set_names(offices=offices)

    def session_expired(self, message: str) -> None:
        """The server ended the session: lock with "sign in again". Being told again while
        locked keeps what the person typed and a sign-in under way (`LockOverlay.lock`)."""
        self.controller.session_expired(message)


def build_shell(
    *,
    user: UserInfo,
    runner: TaskRunner,
    settings: Settings,
    api: ApiClient,
    auth: AuthService,
    store: Store,
    sync: SyncService,
    apps: ApplicationService,
    catalogue: Catalogue | None,
    on_settings_saved: Callable[[Settings], None],
    reauthenticate: Callable[[str], UserInfo],
    events: StoreEvents | None = None,
) -> Shell:
    """The window for `user`'s session, wired and not yet shown or started.

    `events`: the session's one `StoreEvents` on `store`, if the caller made it (else made
    here); `Shell.stop` closes it."""
    if events is None:
        events = StoreEvents(store)
    service_names = {c: s.name for c, s in catalogue.services.items()} if catalogue else {}
    tz = zone_for_region(user.office.code)
    queue_model = QueueModel(store, service_names=service_names, user_id=user.id, tz=tz)
    queue_page = QueuePage(
        queue_model,
        runner,
        service_names=service_names,
        user_id=user.id,
        default_status=default_status_for(user.roles),
        events=events,
    )
    host = WorkbenchHost(runner=runner)
    host.workbench.set_scan_access(ScanAccess(runner, settings, on_settings_saved))  # issue 12
    signing = _signing_access(user, runner, settings, api, store, catalogue, on_settings_saved)
    host.workbench.set_signing(signing)  # issue 13: Tandatangani signs the kelurahan letter
    sync_page = SyncPage()
    sync_page.set_signing(signing)  # issue 13: sign or void letters waiting for BSrE
    settings_page = SettingsPage(settings, on_settings_saved, runner=runner)  # issue 12 scanners
    intake_page = (
        build_intake_page(
            user=user, runner=runner, settings=settings, api=api, store=store,
            catalogue=catalogue, tz=tz, on_settings_saved=on_settings_saved,
        )
        if Role.OPERATOR in user.roles
        else None
    )  # fmt: skip
    reports_page = (
        ReportsPage(
            ReportsController(
                runner,
                api,
                office_code=user.office.code,
                office_name=user.office.name,
                service_names=service_names,
            ),
            settings=settings,
        )
        if {Role.SUPERVISOR, Role.ADMIN} & set(user.roles)
        else None
    )  # issue 14: the report endpoints answer supervisors and administrators only
    claims_page = (
        ClaimsPage(ClaimsSupervisionController(runner, api), service_names=service_names, zone=tz)
        if {Role.SUPERVISOR, Role.ADMIN} & set(user.roles)
        else None
    )  # issue 14: who holds which application, release or reassign
    admin = AdminController(runner, api) if Role.ADMIN in user.roles else None
    admin_pages: list[tuple[str, QWidget]] = (
        [
            (_tr("Pengguna"), StaffPage(admin, {})),
            (_tr("Perangkat"), DevicesPage(admin, {}, zone=tz)),
        ]
        if admin is not None
        else []
    )  # issue 14: staff and devices, for administrators
    audit_pages: list[tuple[str, QWidget]] = (
        [(_tr("Audit"), AuditPage(AuditViewerController(runner, api), zone=tz))]
        if Role.ADMIN in user.roles or Role.SUPERVISOR in user.roles
        else []
    )  # issue 14: the audit viewer (read only) for administrators and supervisors
    pages = [
        (_tr("Antrean"), queue_page),
        # The operator's intake sits beside Antrean; the rows differ per role, so pages are
        # found by page (`MainWindow.open_page`, `page_index`), never by a fixed row.
        *([(_tr("Pendaftaran"), intake_page)] if intake_page is not None else []),
        (_tr("Loket"), host),
        (
            _tr("Laporan"),
            reports_page
            or PlaceholderPage(
                _tr("Laporan"),
                _tr(
                    "Laporan harian, bulanan dan kinerja petugas dibuka oleh supervisor dan "
                    "administrator."
                ),
            ),
        ),
        *([(_tr("Klaim"), claims_page)] if claims_page is not None else []),
        *admin_pages,
        *audit_pages,
        (_tr("Pengaturan"), settings_page),
        (_tr("Sinkronisasi"), sync_page),
    ]
    window = MainWindow(
        runner,
        user,
        pages=pages,
        idle_minutes=settings.idle_lock_minutes,
        verify_local=auth.verify_password,
        reauthenticate=reauthenticate,
    )
    if reports_page is not None:
        reports_page.settingsChanged.connect(on_settings_saved)
        reports_page.open_in_queue.connect(partial(_show_in_queue, window, queue_page))
    workbench = WorkbenchBinding(
        host,
        workbench_logic.WorkbenchController(
            runner,
            apps,
            user,
            catalogue,
            neighbours=queue_model.ids_around,
            renew_minutes=settings.claim_renew_minutes,
        ),
    )
    connection = ConnectionWatch(api, sync.probe, runner)
    sync_controller = SyncController(
        sync,
        store,
        runner,
        connection,
        refresh_seconds=settings.refresh_interval_seconds,
        tz=tz,
        paused=lambda: window.locked,
        outbox=outbox_sender(api, store, apps),  # the same senders as `loket sync --once`
        events=events,
    )
    workbench.controller.attach_outbox(sync_controller)  # one sender of the outbox
    if signing is not None:
        signing.send_outbox = sync_controller.send_outbox  # waiting letters signed: send now
    host.workbench.letter_issued.connect(workbench.controller.follow_issued)  # issue 13
    host.workbench.siak_issued.connect(workbench.controller.follow_siak)
    _wire_delivery(host, workbench.controller, api, settings, connection, on_settings_saved, tz)
    _wire_survey(host, workbench.controller, store, runner, user, sync_controller)  # issue 14
    workbench.controller.follow_outbox(events)  # an unsent decision on screen follows its entry
    controller = ShellController(
        window, queue_page, workbench, runner, apps, sync_controller, connection
    )
    outbox_page = _wire_sync_page(
        window, sync_page, queue_page, controller, store, runner, user, tz, events, sync_controller
    )
    if intake_page is not None:
        intake_page.controller.online = lambda: connection.api.connection.online is not False
        intake_page.controller.send_now = sync_controller.retry_outbox_now
        _wire_new_key(window, intake_page)
    return Shell(
        window,
        queue_model,
        queue_page,
        workbench,
        controller,
        sync_controller,
        connection,
        events,
        sync_page,
        outbox_page,
        intake_page,
        settings_page,
        runner,
        reports_page,
        claims_page,
    )


def _signing_access(
    user: UserInfo,
    runner: TaskRunner,
    settings: Settings,
    api: ApiClient,
    store: Store,
    catalogue: Catalogue | None,
    on_settings_saved: Callable[[Settings], None],
) -> SigningAccess | None:
    """Letters are signed in this session when the person numbers letters (the roles the
    server gives letter numbers to) and the catalogue is known; the official is the person."""
    if catalogue is None or not issues_letters(user.roles_raw):
        return None
    numbers = LetterNumbers(api, store, office_code=user.office.code, user_id=user.id)
    issuing = IssuingService(api, store, numbers, catalogue=catalogue, user_id=user.id)
    return SigningAccess(
        runner=runner,
        issuing=issuing,
        settings=settings,
        credentials=BsreCredentials(SecretStore()),
        official=Official(user.full_name or user.username, user.nip),
        on_settings_saved=on_settings_saved,
        office_code=user.office.code,
    )


def _show_in_queue(window: MainWindow, queue_page: QueuePage, filters: object) -> None:
    """A number clicked in Laporan: exactly the applications behind it when the page could read
    them (`listed`: "Dari Laporan: ..." above the table, Esc clears it). Otherwise (offline)
    the queue with the filters it can apply (status, service, office, overdue); what it cannot
    (officer, period, action) is said above the table."""
    if not isinstance(filters, QueueFilters):
        return
    listed = filters.listed
    if isinstance(listed, ReportList):
        window.open_page(queue_page)
        queue_page.show_report_list(listed.ids, listed.caption, listed.rows)
        return
    statuses = filters.statuses
    key = statuses[0] if len(statuses) == 1 else (OPEN_KEY if statuses else "")
    button = queue_page.status_buttons.get(key) or queue_page.status_buttons[""]
    button.click()
    combo = queue_page.service_combo
    combo.setCurrentIndex(max(0, combo.findData(filters.service_code)))
    offices = queue_page.office_combo
    offices.setCurrentIndex(max(0, offices.findData(filters.office_code)))
    queue_page.overdue_check.setChecked(filters.overdue)
    window.open_page(queue_page)
    if filters.officer_id or filters.date_from or filters.action:
        queue_page.show_notice(
            _tr(
                "Dari Laporan: Antrean menyaring status, layanan dan kantor; petugas, periode "
                "dan tindakan tidak disaring di sini."
            ),
            "info",
        )


def _wire_survey(
    host: WorkbenchHost,
    controller: workbench_logic.WorkbenchController,
    store: Store,
    runner: TaskRunner,
    user: UserInfo,
    sync_controller: SyncController,
) -> None:
    """After a counter handover is kept, the citizen's satisfaction survey (issue 14): the
    dialog is the citizen's to answer or skip; it goes through the outbox like the rest."""
    handover = controller.handover
    if handover is None:
        return
    surveys = SurveyController(
        runner,
        store,
        user.id,
        host,
        send_now=lambda tx: sync_controller.send_now(tx, lambda _state, _why: None),
    )

    def offer(detail: object) -> None:
        if not isinstance(detail, ApplicationDetail):
            return
        dialog = SurveyDialog(detail.id, detail.number or detail.id[:8], surveys, host.workbench)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    handover.handed_over.connect(offer)


def _wire_delivery(
    host: WorkbenchHost,
    controller: workbench_logic.WorkbenchController,
    api: ApiClient,
    settings: Settings,
    connection: ConnectionWatch,
    on_settings_saved: Callable[[Settings], None],
    tz: tzinfo | None,
) -> None:
    """Serahkan prints and e-mails the signed document (issue 13): the handover controller
    gets the session's client, the dialog its access; a delivered application is fetched
    again (the server completed it)."""
    # here, not at the top: importing views.handover before views.workbench runs into their
    # import cycle (handover -> revision -> intake -> workbench -> handover)
    from desktop.views.handover.delivery import DeliveryAccess

    handover = controller.handover
    if handover is None:
        return
    handover.client = api
    host.workbench.delivery = DeliveryAccess(
        handover,
        settings,
        online=lambda: connection.api.connection.online is not False,
        settings_changed=on_settings_saved,
        tz=tz,
    )
    host.workbench.document_delivered.connect(
        lambda app_id: controller.reload() if controller.current_id == app_id else None
    )


def _wire_new_key(window: MainWindow, intake_page: IntakePage) -> None:
    """Ctrl+N anywhere: the Pendaftaran page with the service picker, as the page's own
    "Baru" (the draft on screen waits in the list)."""
    intake_page.new_keys_belong_to_window()

    def new_application() -> None:
        window.open_page(intake_page)
        intake_page.start_new()

    window.intake_action.triggered.connect(new_application)


def _wire_sync_page(
    window: MainWindow,
    page: SyncPage,
    queue: QueuePage,
    controller: ShellController,
    store: Store,
    runner: TaskRunner,
    user: UserInfo,
    tz: tzinfo | None,
    events: StoreEvents,
    sync: SyncController,
) -> OutboxPageController:
    """The Sinkronisasi page: reached from the status bar's counts (click, Enter) and F9;
    Esc or "Kembali ke antrean" goes back to where the person was in Antrean (the open
    application, if any); "Ulangi pada versi terbaru" opens the application in the
    workbench."""
    logic = OutboxPageController(
        store, runner, user_id=user.id, tz=tz, events=events, retry_now=sync.retry_outbox_now
    )
    page.bind(logic)

    def show() -> None:
        if not window.locked:
            window.open_page(page)

    window.sync_action.triggered.connect(show)
    controller.outbox_label.clicked.connect(show)
    page.back_requested.connect(lambda: window.return_to(queue))
    logic.redo_ready.connect(controller.open_application)
    return logic
