"""The workbench page of the shell, and the binding between its widget and its controller.

What happens to an application (open, claim, renew, release, decide, reload, next/previous,
kept marks) is decided in `desktop.controllers.workbench.WorkbenchController`, without widgets.
This module only wires: the widget's signals to the controller, the controller's signals to the
widget, and the dialogs and notices a person sees (leave with unsent marks, the status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import SIGNAL, QObject, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox, QVBoxLayout, QWidget

from desktop.controllers.workbench import Shown
from desktop.controllers.workbench import WorkbenchController as Controller
from desktop.services.tasks import TaskRunner
from desktop.views.dialogs import set_main_button
from desktop.views.shell.main_window import MainWindow
from desktop.views.workbench import WorkbenchWidget


class WorkbenchHost(QWidget):
    """Hosts one `WorkbenchWidget`; a page of the queue's flow (opened from "Antrean")."""

    def __init__(self, parent: QWidget | None = None, *, runner: TaskRunner) -> None:
        """`runner`: the app's (documents and pages show in its busy state and stop at
        sign-out)."""
        super().__init__(parent)
        self.workbench = WorkbenchWidget(self, runner=runner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.workbench)


class WorkbenchBinding(QObject):
    """Connects a `WorkbenchHost`'s widget to a `WorkbenchController`; what the shell holds.

    The shell talks to this object (open, close, pause, resume, the signals below); each call
    goes to the controller, which owns the state (`controller.current_id`, the claims)."""

    opened = Signal(str)
    closed = Signal()
    decided = Signal(str, str)  # application id, action value
    session_expired = Signal(str)
    notice = Signal(str)
    """Something the person should read even after the workbench closed (a release that did
    not reach the server, marks kept on this PC). Shown in the window's status bar when
    nothing is connected."""

    def __init__(
        self, host: WorkbenchHost, controller: Controller, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.workbench = wb = host.workbench
        self.controller = c = controller
        self.leave_box: QMessageBox | None = None
        wb.set_time_zone(c.tz)
        c.attach_checklist(wb)
        wb.history_view.set_office_names(c.office_name)

        wb.marks_changed.connect(c.marks_changed)
        wb.action_requested.connect(c.decide)
        wb.resubmit_requested.connect(c.resubmit)  # issue 11: the operator's revision
        wb.handover_requested.connect(c.deliver)  # issue 11: serahkan with who collected
        wb.claim_requested.connect(c.claim)
        wb.next_requested.connect(lambda: c.step(+1))
        wb.previous_requested.connect(lambda: c.step(-1))
        wb.close_requested.connect(c.close)

        c.shown.connect(self._show)
        c.cleared.connect(self._cleared)
        c.read_only_changed.connect(wb.set_read_only)
        c.claim_changed.connect(wb.set_claim)
        c.busy_changed.connect(wb.set_busy)
        c.message.connect(wb.show_message)
        c.marks_sent.connect(wb.mark_sent)
        c.leave_asked.connect(self._confirm_leave)
        c.opened.connect(self.opened)
        c.closed.connect(self.closed)
        c.decided.connect(self.decided)
        c.session_expired.connect(self.session_expired)
        c.notice.connect(self._tell)

    # -- what the shell calls --------------------------------------------------------------------

    @property
    def tz(self) -> tzinfo | None:
        return self.controller.tz

    @property
    def current_id(self) -> str | None:
        return self.controller.current_id

    @property
    def held_claim_id(self) -> str | None:
        return self.controller.held_claim_id

    def holds(self, app_id: str) -> bool:
        return self.controller.holds(app_id)

    def open(self, app_id: str) -> None:
        self.controller.open(app_id)

    def close(self) -> None:
        self.controller.close()

    def claim(self) -> None:
        self.controller.claim()

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def set_office_names(self, lookup: Callable[[str], str | None]) -> None:
        self.controller.set_office_names(lookup)

    # -- the controller's signals onto the widget --------------------------------------------------

    def _show(self, shown: Shown) -> None:
        self.workbench.set_application(
            shown.detail,
            shown.service,
            shown.document_types,
            self.controller.user.roles,
            shown.user_id,
            shown.load_document,
            office_name=shown.office_name,
            origin=shown.origin,
            actions=shown.actions,
            claim_held_here=shown.claim_held_here,
            unsent_revision=shown.unsent_revision,
        )

    def _cleared(self) -> None:
        if self.leave_box is not None:
            self.leave_box.reject()
            self.leave_box = None
        self.workbench.clear()

    def _tell(self, text: str) -> None:
        """A notice wherever the person is now (the status bar when nobody listens)."""
        if self.receivers(SIGNAL("notice(QString)")) > 0:
            self.notice.emit(text)
            return
        window = self.host.window()
        if isinstance(window, MainWindow):
            window.show_status_message(text, 30_000)
        elif isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 30_000)

    def _confirm_leave(self, app_id: str) -> None:
        """Unsent marks and no store to keep them: leave only when the person says so."""
        if self.leave_box is not None:
            self.leave_box.reject()
        box = QMessageBox(self.workbench)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Tinggalkan permohonan?"))
        box.setText(self.tr("Tanda dan catatan pada permohonan ini belum dikirim. Tinggalkan?"))
        leave = box.addButton(self.tr("Tinggalkan"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("Tetap di sini"), QMessageBox.ButtonRole.RejectRole)
        set_main_button(box, stay)
        box.setEscapeButton(stay)

        def clicked(button: object) -> None:
            self.leave_box = None
            if button is leave:
                self.controller.open(app_id, confirmed=True)

        box.buttonClicked.connect(clicked)
        box.rejected.connect(lambda: setattr(self, "leave_box", None))
        self.leave_box = box
        box.open()
