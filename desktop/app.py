"""Composition root: which window comes next, and nothing else.

Three states: choosing a server (`ServerDialog`) -> signing in (`SignInDialog` over a
`session.Connection`) -> signed in (a `session.Session`: the user's store, services, window).
What a state is made of lives elsewhere (`session`, `models.store_locator`, `error_hooks`).
When the server ends the session the shell locks with "sign in again"; signing in again into
another office rebuilds the session. Sign-out and exit never block the person: the window goes
at once, the teardown runs on the runner's teardown lane, and exit waits for it at most
`EXIT_BUDGET_SECONDS`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMessageBox

from desktop.error_hooks import ErrorReporter
from desktop.models.store import Store
from desktop.services.api.diagnose import ConnectionReport, probe_server
from desktop.services.api.errors import ConnectionFailure
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.logmask import install_log_masking
from desktop.services.operations import user_message
from desktop.services.secrets import SecretStore
from desktop.services.signing_secrets import held_secrets
from desktop.services.tasks import TaskRunner
from desktop.services.vault import KdfParams
from desktop.session import (
    SIGN_OUT_TIMEOUT_SECONDS,
    TEARDOWN_LANE,
    TEARDOWN_THREADS,
    Connection,
    PreparedSlot,
    Session,
    Teardowns,
    abandon_op,
    offline_sign_in_op,
    reauthenticate_op,
    sign_in_op,
)
from desktop.settings import Settings, data_dir, load_settings, save_settings
from desktop.views.dialogs import notice_box
from desktop.views.queue.queue_page import QueuePage
from desktop.views.shell.controller import ShellController
from desktop.views.shell.main_window import MainWindow, WindowGeometry
from desktop.views.shell.workbench_host import WorkbenchBinding
from desktop.views.signin.server_dialog import ServerDialog
from desktop.views.signin.signin_dialog import SignInDialog

log = logging.getLogger("desktop")

EXIT_BUDGET_SECONDS = 2.0
"""At exit, the most we wait for release + logout + workers, in all."""


class LoketApp(QObject):
    """The state machine: server dialog -> sign-in dialog -> session, and back."""

    signed_in = Signal(object)
    signed_out = Signal()
    quit_requested = Signal()
    session_ended = Signal(str, str)
    """(message, code) when the server ended the session; emitted from any thread."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        keyring_backend: KeyringBackend | None = None,
        data_path: Path | None = None,
        runner: TaskRunner | None = None,
        kdf_params: KdfParams | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`kdf_params` None: this PC's calibrated argon2id cost for the store keys and the
        offline sign-in (measured once per PC); tests pass cheap ones explicitly."""
        super().__init__(parent)
        self.kdf_params = kdf_params
        install_log_masking()
        self.settings = settings or load_settings()
        self.data_path = data_path or data_dir()
        self.runner = runner or TaskRunner()
        self.runner.add_lane(TEARDOWN_LANE, TEARDOWN_THREADS)
        self.secrets = SecretStore(keyring_backend)
        self.errors = ErrorReporter(self.runner, lambda: self.window, self._on_session_ended, self)
        self.server_dialog: ServerDialog | None = None
        self.signin_dialog: SignInDialog | None = None
        self.connection: Connection | None = None  # signing in, and signed in
        self.session: Session | None = None  # signed in
        self.notice_box: QMessageBox | None = None
        self._prepared = PreparedSlot(self.data_path)
        self.teardowns = Teardowns()
        self._closing = False
        self.session_ended.connect(self._on_session_ended)

    # The session's parts, for tests and tools.
    @property
    def window(self) -> MainWindow | None:
        return self.session.shell.window if self.session else None

    @property
    def shell(self) -> ShellController | None:
        return self.session.shell.controller if self.session else None

    @property
    def workbench(self) -> WorkbenchBinding | None:
        return self.session.shell.workbench if self.session else None

    @property
    def queue_page(self) -> QueuePage | None:
        return self.session.shell.queue_page if self.session else None

    @property
    def store(self) -> Store | None:
        return self.session.store if self.session else None

    @property
    def apps(self) -> ApplicationService | None:
        return self.session.apps if self.session else None

    @property
    def auth(self) -> AuthService | None:
        return self.connection.auth if self.connection else None

    def start(self) -> None:
        for warning in self.settings.warnings:
            log.warning("settings: %s", warning)
        if not self.settings.server_url:
            self.show_server_dialog(first_run=True)
        else:
            self.show_signin()

    def _save_settings(self, settings: Settings) -> None:
        self.settings = settings
        try:
            save_settings(settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)

    # -- choosing a server ----------------------------------------------------------------------

    def show_server_dialog(self, first_run: bool = False) -> None:
        s = self.settings
        device, timeout, proxy = s.device_id, min(s.request_timeout_seconds, 10), s.proxy

        def probe(url: str, ca: str | None) -> ConnectionReport:
            return probe_server(url, ca_bundle=ca, device_id=device, timeout=timeout, proxy=proxy)

        dialog = ServerDialog(self.runner, probe, server_url=s.server_url, ca_bundle=s.ca_bundle)
        self.server_dialog = dialog
        dialog.accepted.connect(lambda: self._server_chosen(dialog))
        dialog.rejected.connect(lambda: self._server_cancelled(first_run))
        dialog.show()

    def _server_chosen(self, dialog: ServerDialog) -> None:
        changes = {"server_url": dialog.server_url, "ca_bundle": dialog.ca_bundle}
        self._save_settings(self.settings.with_changes(**changes))
        self.server_dialog = None
        dialog.deleteLater()
        self.show_signin()

    def _server_cancelled(self, first_run: bool) -> None:
        self.server_dialog = None
        if first_run or not self.settings.server_url:
            self.quit_requested.emit()
        else:
            self.show_signin()

    # -- signing in -----------------------------------------------------------------------------

    def show_signin(self, notice: str = "") -> None:
        if self.connection is not None:  # not signed in: nothing to revoke
            self.connection.api.close()
        try:
            self.connection = connection = Connection.open(
                self.settings,
                self.secrets,
                lambda e: self.session_ended.emit(e.message, e.code),
                data_path=self.data_path,
                kdf_params=self.kdf_params,
            )
            connection.api.set_proxy(self.settings.proxy)  # setting, else environment, else Windows
        except ConnectionFailure as exc:  # plain http to another computer, a bad CA bundle
            self.connection = None
            self.show_server_dialog(first_run=True)
            if self.server_dialog is not None:
                self.server_dialog.result_label.setText(exc.message)
            return
        auth, name = connection.auth, self.settings.last_username
        if name:
            connection.discard_leftover(self.runner, name)
        dialog = SignInDialog(
            self.runner,
            sign_in_op(auth, self._prepared),
            server_label=connection.api.server_url,
            username=name,
            notice=notice,
            keyring_problem=self.secrets.problem() or "",
            abandon=abandon_op(auth, self._prepared),
            offline=offline_sign_in_op(auth, self._prepared),
        )
        self.signin_dialog = dialog
        dialog.signed_in.connect(self._signed_in)
        dialog.change_server.connect(lambda: self._change_server(dialog))
        dialog.rejected.connect(self._signin_cancelled)
        dialog.show()

    def _change_server(self, dialog: SignInDialog) -> None:
        dialog.blockSignals(True)
        dialog.close()
        dialog.deleteLater()
        self.signin_dialog = None
        self.show_server_dialog(first_run=False)

    def _signin_cancelled(self) -> None:
        self.signin_dialog = None
        if self.session is None:
            self.quit_requested.emit()

    def _signed_in(self, user: UserInfo) -> None:
        self._save_settings(self.settings.with_changes(last_username=user.username))
        if self.signin_dialog is not None:
            self.signin_dialog.deleteLater()
            self.signin_dialog = None
        if self._open_session(user):
            if self.connection is not None and self.connection.auth.offline:
                self.show_offline_signin_note()
            self.signed_in.emit(user)

    # -- signed in ------------------------------------------------------------------------------

    def _open_session(self, user: UserInfo) -> bool:
        """The session and its window; on failure, say why over the sign-in dialog (never an
        invisible process)."""
        connection = self.connection
        assert connection is not None
        try:
            session = Session(
                user=user,
                connection=connection,
                prepared=self._prepared.take(
                    connection.api.server_url, user, connection.auth.store_keys
                ),
                runner=self.runner,
                settings=self.settings,
                on_settings_saved=self._settings_saved,
                reauthenticate=reauthenticate_op(connection.auth, self._prepared),
            )
        except Exception as exc:
            log.warning("session could not be opened: %s", type(exc).__name__)
            self._end_session(sign_out=True, timeout=SIGN_OUT_TIMEOUT_SECONDS)
            text = self.tr("Loket tidak dapat dibuka: %1").replace("%1", user_message(exc))
            self.show_signin(notice=text)
            return False
        self.session = session
        window = session.shell.window
        window.sign_out_requested.connect(self.sign_out)
        window.closing.connect(self._window_closing)
        window.overlay.unlocked.connect(self._after_unlock)
        session.start(WindowGeometry.parse(self.settings.window_geometry))
        if session.notice:
            self.show_notice(QCoreApplication.translate("StoreLocator", session.notice))
        return True

    def show_offline_signin_note(self) -> None:
        """Signed in offline: said in the status bar (the offline banner tells the rest)."""
        if self.window is not None:
            self.window.show_status_message(
                self.tr("Masuk luring — pekerjaan dikirim saat server tersambung"), 30000
            )

    def show_notice(self, text: str) -> None:
        """A non-modal note over the window (the person keeps working)."""
        log.info("notice shown: %s", text)
        if self.window is not None:
            self.window.show_status_message(text, 30000)
        self.notice_box = notice_box(QMessageBox.Icon.Information, "Loket", text, self.window)
        self.notice_box.show()

    def _settings_saved(self, settings: Settings) -> None:
        save_settings(settings)
        self.settings = settings
        if self.connection is not None:  # the proxy: from the next request on
            self.connection.api.set_proxy(settings.proxy)
        if self.session is not None:
            self.session.shell.apply_settings(settings)

    def _on_session_ended(self, message: str, code: str) -> None:
        """Whatever op found out (pull, claim, offices, a document): lock with "sign in
        again" (the shell locks once)."""
        held_secrets.forget_all()  # the lock screen's session end: no held BSrE passphrase
        if self.session is not None:
            log.info("session ended by the server (%s): locking for sign-in", code)
            self.session.shell.session_expired(message)

    def _after_unlock(self) -> None:
        user = self._prepared.take_moved()
        if user is None or self.connection is None:
            return
        log.info("office changed to %s: rebuilding the session", user.office.code)
        self._end_session(sign_out=False, timeout=SIGN_OUT_TIMEOUT_SECONDS, discard_store=True)
        if not self._open_session(user):
            return
        self.show_notice(
            self.tr(
                "Kantor Anda sekarang %1. Antrean dan salinan lokal diganti dengan data "
                "kantor ini; data kantor sebelumnya dihapus dari komputer ini."
            ).replace("%1", user.office.name or user.office.code)
        )
        self.signed_in.emit(user)

    # -- signing out, exit ----------------------------------------------------------------------

    def sign_out(self) -> None:
        """Back to the sign-in dialog at once; release/revoke/close go on in the background."""
        self._end_session(sign_out=True, timeout=SIGN_OUT_TIMEOUT_SECONDS)
        self.signed_out.emit()
        if not self._closing:
            self.show_signin()

    def _window_closing(self) -> None:
        if not self._closing:
            self._closing = True
            self._end_session(sign_out=True, timeout=EXIT_BUDGET_SECONDS / 2)
            self.quit_requested.emit()

    def _end_session(self, *, sign_out: bool, timeout: float, discard_store: bool = False) -> None:
        """Close the session (if any); with `sign_out` also the connection (and forget what a
        sign-in prepared). Without it (office changed) the connection stays for the next one."""
        session, self.session = self.session, None
        held_secrets.forget_all()  # a BSrE passphrase held for waiting letters (issue 13)
        if session is not None:
            geometry = session.window_geometry()  # its place on this PC, for the next time
            if geometry is not None and geometry != self.settings.window_geometry:
                self._save_settings(self.settings.with_changes(window_geometry=geometry))
            ended = session.close(sign_out=sign_out, timeout=timeout, discard_store=discard_store)
            self.teardowns.add(ended)
        if sign_out:
            connection, self.connection = self.connection, None
            self._prepared.put(None)
            if connection is not None and session is None:  # signed in not yet, or no more
                self.teardowns.add(connection.end(self.runner, timeout))
        if self.notice_box is not None:
            with contextlib.suppress(RuntimeError):  # already deleted with its window
                self.notice_box.close()
            self.notice_box = None

    def shutdown(self, budget: float = EXIT_BUDGET_SECONDS) -> bool:
        """App exit: end the session and wait at most `budget` seconds for the background
        release/logout and the workers. True when everything finished in time."""
        deadline = time.monotonic() + budget
        self._closing = True
        for handle in self.runner.active():  # a sign-in in flight, a probe: no callbacks now
            if handle.lane != TEARDOWN_LANE:
                handle.cancel()
        self._end_session(sign_out=True, timeout=budget / 2)  # no-op after _window_closing
        done = self.teardowns.wait(max(0.0, deadline - time.monotonic()))
        left_ms = max(0, int((deadline - time.monotonic()) * 1000))
        done = self.runner.shutdown(left_ms) and done
        self._prepared.put(None)
        if not done:
            log.info("exit: background work still running after %.1f s; not waiting", budget)
        return done
