"""Builds the signed-in window (queue, workbench, placeholders, settings) for one session.

The composition root (`desktop.app`) calls `build_shell` once per signed-in session and then talks
to the result only through `Shell`'s few methods (start, stop, settings, session expiry, the claim
held at sign-out); what the window is made of, and how its parts are wired, stays here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from desktop.domain.catalogue import Catalogue
from desktop.domain.formatting import zone_for_region
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.queue.queue_page import QueuePage, default_status_for
from desktop.views.shell.controller import ShellController
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.placeholder import PlaceholderPage
from desktop.views.shell.settings_page import SettingsPage
from desktop.views.shell.workbench_host import WorkbenchController, WorkbenchHost


def _tr(text: str) -> str:
    return QCoreApplication.translate("LoketApp", text)


@dataclass
class Shell:
    """The signed-in window and its parts. `app.py` uses only the methods; tests may reach
    the parts."""

    window: MainWindow
    queue_model: QueueModel
    queue_page: QueuePage
    workbench: WorkbenchController
    controller: ShellController

    def start(self) -> None:
        """First pull (or a refresh of what is cached), timers, connection probe."""
        self.controller.start()

    def stop(self) -> None:
        """No more pulls, probes or claim renewals (the session is ending)."""
        self.controller.stop()
        self.workbench.pause()

    @property
    def held_claim_id(self) -> str | None:
        """The application this person holds a claim on (released at sign-out), if any."""
        return self.workbench.held_claim_id

    def apply_settings(self, settings: Settings) -> None:
        self.window.idle.set_minutes(settings.idle_lock_minutes)
        self.controller.pull_timer.setInterval(settings.refresh_interval_seconds * 1000)

    def set_office_names(self, offices: dict[str, str]) -> None:
        self.queue_page.set_names(self.queue_model.service_names, offices)
        self.queue_page.reload()

    def session_expired(self, message: str) -> None:
        """The server ended the session: lock with "sign in again" (only once)."""
        overlay = self.window.overlay
        if (
            self.window.locked
            and overlay.mode == "reauth"
            and overlay.reason_label.text() == message
        ):
            return
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
) -> Shell:
    """The window for `user`'s session, wired and not yet shown or started."""
    service_names = {c: s.name for c, s in catalogue.services.items()} if catalogue else {}
    queue_model = QueueModel(
        store,
        service_names=service_names,
        user_id=user.id,
        tz=zone_for_region(user.office.code),
    )
    queue_page = QueuePage(
        queue_model,
        runner,
        service_names=service_names,
        user_id=user.id,
        default_status=default_status_for(user.roles),
    )
    host = WorkbenchHost(runner=runner)
    pages = [
        (_tr("Antrean"), queue_page),
        (_tr("Loket"), host),
        (
            _tr("Laporan"),
            PlaceholderPage(
                _tr("Laporan"),
                _tr("Laporan harian, bulanan dan kinerja petugas segera hadir."),
            ),
        ),
        (_tr("Pengaturan"), SettingsPage(settings, on_settings_saved)),
    ]
    window = MainWindow(
        runner,
        user,
        pages=pages,
        idle_minutes=settings.idle_lock_minutes,
        verify_local=auth.verify_password,
        reauthenticate=reauthenticate,
    )
    workbench = WorkbenchController(
        host,
        runner,
        apps,
        user,
        catalogue,
        neighbours=queue_model.ids_around,
        renew_minutes=settings.claim_renew_minutes,
    )
    controller = ShellController(
        window,
        queue_page,
        workbench,
        runner,
        api,
        sync,
        apps,
        store,
        refresh_seconds=settings.refresh_interval_seconds,
    )
    return Shell(window, queue_model, queue_page, workbench, controller)
