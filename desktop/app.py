"""Composition root: settings, logging, translator, services, views, and their wiring.

Nothing else in the desktop constructs services or decides which window comes next. The flow:
first run asks for the server (`ServerDialog`), then `SignInDialog`; a successful sign-in opens
this user's local store and builds the shell (queue, workbench, placeholders, settings). Sign-out
or exit releases the open claim, revokes the session on the server, clears the keyring entry and
closes the store.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from keyring.backend import KeyringBackend
from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTranslator, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.domain.catalogue import Catalogue, CatalogueError, load_catalogue
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store, store_path
from desktop.services.api.client import ApiClient
from desktop.services.api.diagnose import ConnectionReport, probe_server
from desktop.services.api.errors import ConnectionFailure, LoketError
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.logmask import install_log_masking
from desktop.services.secrets import SecretStore
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings, data_dir, load_settings, save_settings
from desktop.views.queue.queue_page import QueuePage, default_status_for
from desktop.views.shell.controller import ShellController
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.placeholder import PlaceholderPage
from desktop.views.shell.settings_page import SettingsPage
from desktop.views.shell.workbench_host import WorkbenchController, WorkbenchHost
from desktop.views.signin.server_dialog import ServerDialog
from desktop.views.signin.signin_dialog import SignInDialog

log = logging.getLogger("desktop")

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "translations"


def setup_logging(directory: Path, level: int = logging.INFO) -> Path:
    """Rotating log file in the data dir; records are masked when created (logmask)."""
    install_log_masking()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "loket.log"
    root = logging.getLogger()
    if not any(getattr(h, "_loket", False) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._loket = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    # urllib3 would log full URLs at DEBUG; keep it at WARNING.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    return path


def install_translator(app: QApplication, language: str) -> list[QTranslator]:
    """Indonesian is the source language; English (or another) is loaded from .qm if present."""
    installed: list[QTranslator] = []
    if language == "id":
        qt = QTranslator(app)
        if qt.load(
            QLocale("id_ID"),
            "qtbase",
            "_",
            QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        ):
            app.installTranslator(qt)
            installed.append(qt)
        return installed
    ours = QTranslator(app)
    if ours.load(f"loket_{language}", str(TRANSLATIONS_DIR)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning(
            "no translation for language %s in %s; showing Indonesian", language, TRANSLATIONS_DIR
        )
    return installed


def region_of(office_code: str) -> str | None:
    digits = office_code.replace(".", "")
    return digits[:4] if len(digits) >= 4 and digits[:4].isdigit() else None


class LoketApp(QObject):
    """Owns the session's objects; every window transition goes through here."""

    signed_in = Signal(object)
    signed_out = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        keyring_backend: KeyringBackend | None = None,
        data_path: Path | None = None,
        runner: TaskRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        install_log_masking()
        self.settings = settings or load_settings()
        self.data_path = data_path or data_dir()
        self.runner = runner or TaskRunner()
        self.runner.unhandled_error.connect(self._unhandled)
        self.secrets = SecretStore(keyring_backend)
        self.api: ApiClient | None = None
        self.auth: AuthService | None = None
        self.store: Store | None = None
        self.sync: SyncService | None = None
        self.apps: ApplicationService | None = None
        self.catalogue: Catalogue | None = None
        self.server_dialog: ServerDialog | None = None
        self.signin_dialog: SignInDialog | None = None
        self.window: MainWindow | None = None
        self.queue_page: QueuePage | None = None
        self.queue_model: QueueModel | None = None
        self.workbench: WorkbenchController | None = None
        self.shell: ShellController | None = None
        self._closing = False

    # -- start ------------------------------------------------------------------------------

    def start(self) -> None:
        for warning in self.settings.warnings:
            log.warning("settings: %s", warning)
        if not self.settings.server_url:
            self.show_server_dialog(first_run=True)
        else:
            self.show_signin()

    def _make_api(self) -> None:
        if self.api is not None:
            self.api.close()
        self.api = ApiClient(
            self.settings.server_url,
            device_id=self.settings.device_id,
            ca_bundle=self.settings.ca_bundle_path,
            timeout=self.settings.request_timeout_seconds,
        )
        self.auth = AuthService(self.api, self.secrets)

    def _save_settings(self, settings: Settings) -> None:
        self.settings = settings
        try:
            save_settings(settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)

    # -- server dialog ----------------------------------------------------------------------

    def show_server_dialog(self, first_run: bool = False) -> None:
        device = self.settings.device_id

        def probe(url: str, ca: str | None) -> ConnectionReport:
            return probe_server(
                url,
                ca_bundle=ca,
                device_id=device,
                timeout=min(self.settings.request_timeout_seconds, 10),
            )

        dialog = ServerDialog(
            self.runner,
            probe,
            server_url=self.settings.server_url,
            ca_bundle=self.settings.ca_bundle,
        )
        self.server_dialog = dialog
        dialog.accepted.connect(lambda: self._server_chosen(dialog))
        dialog.rejected.connect(lambda: self._server_cancelled(first_run))
        dialog.show()

    def _server_chosen(self, dialog: ServerDialog) -> None:
        self._save_settings(
            self.settings.with_changes(server_url=dialog.server_url, ca_bundle=dialog.ca_bundle)
        )
        self.server_dialog = None
        dialog.deleteLater()
        if self.api is not None:
            self.api.close()
            self.api = None
        self.show_signin()

    def _server_cancelled(self, first_run: bool) -> None:
        self.server_dialog = None
        if first_run or not self.settings.server_url:
            self.quit_requested.emit()
        else:
            self.show_signin()

    # -- sign in ----------------------------------------------------------------------------

    def show_signin(self, notice: str = "") -> None:
        try:
            self._make_api()
        except ConnectionFailure as exc:
            self.show_server_dialog(first_run=True)
            if self.server_dialog is not None:
                self.server_dialog.result_label.setText(exc.message)
            return
        assert self.api is not None and self.auth is not None
        problem = self.secrets.problem()
        if problem and not notice:
            notice = problem
        if self.settings.last_username:
            auth = self.auth
            name = self.settings.last_username
            self.runner.submit(
                "Membersihkan sesi lama", lambda _ctx: auth.discard_leftover_session(name)
            )
        dialog = SignInDialog(
            self.runner,
            self.auth.sign_in,
            server_label=self.api.server_url,
            username=self.settings.last_username,
            notice=notice,
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
        if self.window is None:
            self.quit_requested.emit()

    def _signed_in(self, user: UserInfo) -> None:
        assert self.api is not None and self.auth is not None
        self._save_settings(self.settings.with_changes(last_username=user.username))
        if self.signin_dialog is not None:
            self.signin_dialog.deleteLater()
            self.signin_dialog = None
        self.catalogue = self._load_catalogue(user)
        self.store = Store(store_path(self.data_path, self.api.server_url, user.username))
        self.sync = SyncService(self.api, self.store, page_size=self.settings.page_size)
        self.apps = ApplicationService(self.api, self.store)
        self.apps.my_user_id = user.id
        self._build_shell(user)
        if self.auth.keyring_warning and self.window is not None:
            self.window.show_status_message(self.auth.keyring_warning, 30000)
        self.signed_in.emit(user)

    def _load_catalogue(self, user: UserInfo) -> Catalogue | None:
        try:
            return load_catalogue(region_of(user.office.code))
        except (CatalogueError, OSError) as exc:
            log.error("catalogue not loaded: %s", exc)
            try:
                return load_catalogue()
            except (CatalogueError, OSError):
                return None

    # -- shell ------------------------------------------------------------------------------

    def _build_shell(self, user: UserInfo) -> None:
        assert self.store and self.api and self.auth and self.sync and self.apps
        service_names = (
            {c: s.name for c, s in self.catalogue.services.items()} if self.catalogue else {}
        )
        self.queue_model = QueueModel(self.store, service_names=service_names, user_id=user.id)
        self.queue_page = QueuePage(
            self.queue_model,
            self.runner,
            service_names=service_names,
            user_id=user.id,
            default_status=default_status_for(user.roles),
        )
        host = WorkbenchHost()
        pages = [
            (self.tr("Antrean"), self.queue_page),
            (self.tr("Loket"), host),
            (
                self.tr("Laporan"),
                PlaceholderPage(
                    self.tr("Laporan"),
                    self.tr("Laporan harian, bulanan dan kinerja petugas segera hadir."),
                ),
            ),
            (self.tr("Pengaturan"), SettingsPage(self.settings, self._settings_saved)),
        ]
        window = MainWindow(
            self.runner,
            user,
            pages=pages,
            idle_minutes=self.settings.idle_lock_minutes,
            verify_local=self.auth.verify_password,
            reauthenticate=self.auth.reauthenticate,
        )
        self.window = window
        model = self.queue_model
        self.workbench = WorkbenchController(
            host,
            self.runner,
            self.apps,
            user,
            self.catalogue,
            neighbours=model.ids_around,
            renew_minutes=self.settings.claim_renew_minutes,
        )
        self.shell = ShellController(
            window,
            self.queue_page,
            self.workbench,
            self.runner,
            self.api,
            self.sync,
            self.apps,
            self.store,
            refresh_seconds=self.settings.refresh_interval_seconds,
        )
        window.sign_out_requested.connect(self.sign_out)
        window.closing.connect(self._window_closing)
        window.resize(1366, 768)
        window.show()
        self.shell.start()
        apps = self.apps
        self.runner.submit(
            self.tr("Memuat daftar kantor"),
            lambda _ctx: apps.offices(),
            on_done=self._offices_loaded,
            on_error=lambda e: log.info("offices not loaded: %s", type(e).__name__),
        )

    def _offices_loaded(self, offices: dict[str, str]) -> None:
        if self.queue_page is not None and self.queue_model is not None:
            self.queue_page.set_names(self.queue_model.service_names, offices)
            self.queue_page.reload()

    def _settings_saved(self, settings: Settings) -> None:
        save_settings(settings)
        self.settings = settings
        if self.window is not None:
            self.window.idle.set_minutes(settings.idle_lock_minutes)
        if self.shell is not None:
            self.shell.pull_timer.setInterval(settings.refresh_interval_seconds * 1000)

    # -- sign out / exit --------------------------------------------------------------------

    def sign_out(self) -> None:
        """Release the claim, revoke the session, forget secrets, back to the sign-in dialog."""
        self._teardown_session()
        self.signed_out.emit()
        if not self._closing:
            self.show_signin()

    def _window_closing(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._teardown_session()
        self.quit_requested.emit()

    def _teardown_session(self) -> None:
        if self.shell is not None:
            self.shell.stop()
        if self.workbench is not None:
            self.workbench.release_now()
        if self.auth is not None:
            try:
                self.auth.sign_out()
            except LoketError as exc:
                log.info("sign-out incomplete: %s", exc.message)
        self.runner.shutdown(5000)
        window = self.window
        self.window = None
        if window is not None:
            window.blockSignals(True)
            window.close()
            window.deleteLater()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.shell = None
        self.workbench = None
        self.queue_page = None
        self.queue_model = None

    def shutdown(self) -> None:
        """App exit: everything above, plus the worker pool."""
        self._closing = True
        self._teardown_session()
        self.runner.shutdown(5000)
        if self.api is not None:
            self.api.close()

    def _unhandled(self, name: str, error: object) -> None:
        message = error.message if isinstance(error, LoketError) else str(error)
        log.warning("task %s failed: %s", name, message)
        if self.window is not None:
            self.window.show_status_message(f"{name}: {message}")


def run_app(argv: list[str]) -> int:
    """Entry point of the desktop (``python -m desktop``)."""
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Loket")
    app.setOrganizationName("Loket")
    app.setQuitOnLastWindowClosed(False)
    settings = load_settings()
    setup_logging(data_dir() / "logs")
    install_translator(app, settings.language)
    loket = LoketApp(settings)
    loket.quit_requested.connect(app.quit)
    try:
        loket.start()
        code = app.exec()
    except Exception:  # pragma: no cover - last resort, logged masked
        log.exception("fatal error")
        QMessageBox.critical(None, "Loket", "Terjadi kesalahan yang tidak terduga; lihat log.")
        code = 1
    finally:
        loket.shutdown()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_app(sys.argv))
