"""Builds the operator's intake page for one session: its services, controller and the receipt.

Called by `views.shell.assembly.build_shell` for a person with the operator role; the shell then
hands the controller its two links to the rest of the session (whether the server answers, and
"send the outbox now")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop.controllers.intake import (
    IntakeController,
    ReceiptSetup,
    Submitted,
    receipt_layout,
    receipt_paper,
)
from desktop.domain.catalogue import Catalogue
from desktop.models.store import Store
from desktop.services import duplicates
from desktop.services.api.client import ApiClient
from desktop.services.auth import UserInfo
from desktop.services.drafts import DraftService
from desktop.services.intake import IntakeService, device_sequence_file
from desktop.services.scanning.registry import Scanners
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.intake.page import IntakePage
from desktop.views.intake.scanning import ScanSetup
from desktop.views.print_preview import PrintPreviewDialog


def status_base(user: UserInfo, settings: Settings) -> str:
    """Where the receipt's QR points (without the token): `/me`'s public_status_url (the address
    citizens reach, `LOKET_PUBLIC_URL` on the server), else the server's own /status page."""
    return user.public_status_url.strip() or settings.server_url.rstrip("/") + "/status"


class ReceiptChoice:
    """This PC's receipt layout, paper and printer as last chosen, in the print preview or on
    Pengaturan: the next preview opens with them and the next receipt is rendered in them. The
    preview's choice is saved (`save`: the app's settings, per PC) the moment it is made."""

    def __init__(
        self,
        settings: Settings,
        save: Callable[[Settings], None],
        controller: IntakeController | None = None,
    ) -> None:
        self.settings = settings
        self._save = save
        self.controller = controller

    def apply(self, settings: Settings) -> None:
        """The settings as saved now (by the preview, or by anything else in the session)."""
        self.settings = settings
        if self.controller is not None:
            self.controller.set_receipt_format(settings.receipt_layout, settings.receipt_paper)

    def chosen(self, settings: Settings) -> None:
        """The preview's `settingsChanged`: kept here and saved."""
        self.apply(settings)
        self._save(settings)

    def show(self, parent: QWidget, result: Submitted) -> None:
        """The receipt in the print preview (the very PDF printed), or why there is none."""
        if result.receipt is None:
            return
        data = result.receipt_data
        dialog = PrintPreviewDialog(
            result.receipt,
            title=parent.tr("Tanda terima %1").replace("%1", result.number),
            settings=self.settings,
            parent=parent,
            file_name=f"Tanda terima {result.number}",
            rerender=(
                (lambda layout, paper: IntakeController.render(data, layout, paper))
                if data is not None
                else None
            ),
        )
        dialog.settingsChanged.connect(self.chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def build_intake_page(
    *,
    user: UserInfo,
    runner: TaskRunner,
    settings: Settings,
    api: ApiClient,
    store: Store,
    catalogue: Catalogue | None,
    tz: tzinfo | None,
    on_settings_saved: Callable[[Settings], None],
) -> IntakePage:
    intake = IntakeService(
        store,
        office_code=user.office.code,
        device_code=user.device_code,
        user_id=user.id,
        sequence_file=device_sequence_file(store.path),
        tz=tz,
    )
    drafts = DraftService(store, intake, user_id=user.id)

    def server() -> duplicates.DuplicateFinder | None:
        """The server half of the duplicate check (the client method comes with seam 4)."""
        return cast(duplicates.DuplicateFinder, api) if hasattr(api, "find_duplicates") else None

    controller = IntakeController(
        runner=runner,
        store=store,
        drafts=drafts,
        catalogue=catalogue,
        user_id=user.id,
        tz=tz,
        office_level=user.office.level or None,
        find_duplicates=lambda nik, service, draft: duplicates.find_open(
            store, server() if controller.online() else None, nik, service, exclude_draft=draft
        ),
        wait_official=intake.wait_official_number,
        receipt=ReceiptSetup(
            office_name=user.office.name or user.office.code,
            office_code=user.office.code,
            officer=user.full_name,
            layout=receipt_layout(settings.receipt_layout),
            paper=receipt_paper(settings.receipt_paper),
            status_base=lambda: status_base(user, settings),
        ),
    )
    choice = ReceiptChoice(settings, on_settings_saved, controller)
    scan = ScanSetup(
        runner=runner,
        scanners=lambda: Scanners(choice.settings),  # this PC's settings as saved now
        settings=lambda: choice.settings,
        save=choice.chosen,
    )
    page = IntakePage(controller, near=user.office.code, show_receipt=choice.show, scan=scan)
    page.apply_settings = choice.apply  # the shell hands on every settings change
    return page
