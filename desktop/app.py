"""Composition root: settings, logging, translator, services, views, and their wiring.

Nothing else in the desktop constructs services or decides which window comes next. The flow:
first run asks for the server (`ServerDialog`), then `SignInDialog`; a successful sign-in opens
this user's local store (checked, on the sign-in worker) and builds the shell (queue, workbench,
placeholders, settings).

- The local store is one file per server, user *and office* (`user_store_path`): moving a user to
  another office starts a fresh cache, and the caches of the same user's other offices are deleted
  at sign-in (personal data of an office the user no longer serves must not linger). A corrupt
  cache (power cut) is moved aside as ``*.rusak-<time>`` and rebuilt from the server.
- When the server ends the session (revoked, disabled) `AuthService` tells us and the shell locks
  with "sign in again"; signing in again into another office rebuilds the shell.
- Sign-out and exit never block the person: the window goes and the sign-in dialog comes at once;
  releasing the open claim, revoking the session and closing the store happen on a background
  thread with short timeouts (at exit at most `EXIT_BUDGET_SECONDS` in all). A claim that could
  not be released simply expires on the server (15 minutes).
- Unexpected exceptions (in slots, on threads) are logged through the masking logger and shown
  as a short Indonesian message; the app carries on with the open work (`install_excepthook`).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import TextIOWrapper
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import sqlalchemy.exc
from keyring.backend import KeyringBackend
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.domain.catalogue import Catalogue, CatalogueError, load_catalogue
from desktop.models.queue_model import QueueModel
from desktop.models.store import Store, store_path
from desktop.services.api.client import ApiClient
from desktop.services.api.diagnose import ConnectionReport, probe_server
from desktop.services.api.errors import ConnectionFailure, LoketError, SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, SignInError, UserInfo
from desktop.services.logmask import install_log_masking
from desktop.services.secrets import SecretStore
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskRunner
from desktop.settings import (
    PRIVATE_FILE_MODE,
    Settings,
    config_dir,
    data_dir,
    load_settings,
    private_dir,
    private_file,
    save_settings,
)
from desktop.views.dialogs import notice_box
from desktop.views.queue.queue_page import QueuePage
from desktop.views.shell.assembly import Shell, build_shell
from desktop.views.shell.controller import ShellController
from desktop.views.shell.main_window import MainWindow, WindowGeometry
from desktop.views.shell.workbench_host import WorkbenchController
from desktop.views.signin.server_dialog import ServerDialog
from desktop.views.signin.signin_dialog import SignInDialog

log = logging.getLogger("desktop")

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "translations"


SIGN_OUT_TIMEOUT_SECONDS = 2.0
"""Per request (release, logout) when signing out; it runs in the background."""
EXIT_BUDGET_SECONDS = 2.0
"""At exit, the most we wait for release + logout + workers, in all."""
CACHE_REBUILT_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "LoketApp",
    "Salinan lokal rusak dan dibuat ulang; data diambil lagi dari server. Pekerjaan di server "
    "tidak terpengaruh.",
)
UNEXPECTED_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "LoketApp",
    "Terjadi kesalahan yang tidak terduga (sudah dicatat di log). Pekerjaan yang terbuka tidak "
    "hilang; Anda dapat melanjutkan. Bila terjadi lagi, hubungi administrator.",
)


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, PRIVATE_FILE_MODE)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file (and each new one after rotation) is created 0600 on POSIX."""

    def _open(self) -> TextIOWrapper:
        stream = open(  # noqa: SIM115 - the handler owns and closes the stream
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=_private_opener,
        )
        return cast(TextIOWrapper, stream)


def setup_logging(directory: Path, level: int = logging.INFO) -> Path:
    """Rotating log file in the data dir; records are masked when created (logmask).

    The directory is 0700 and the files 0600 on POSIX: logs name applicants and officers."""
    install_log_masking()
    private_dir(directory)
    path = directory / "loket.log"
    for old in [path, *directory.glob("loket.log.*")]:
        if os.name == "posix" and old.is_file() and old.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):
                old.chmod(PRIVATE_FILE_MODE)
    root = logging.getLogger()
    if not any(getattr(h, "_loket", False) for h in root.handlers):
        handler = PrivateRotatingFileHandler(
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


# -- the local store: one per server, user and office; checked; rebuilt when corrupt ------------

_STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def store_key(username: str, office_code: str) -> str:
    """The store's "user" key: the office is part of it (`store_path` hashes and names it)."""
    return f"{username}@{office_code}"


def user_store_path(data_path: Path, server_url: str, username: str, office_code: str) -> Path:
    return store_path(data_path, server_url, store_key(username, office_code))


def _middle(name: str, server_prefix: str) -> str | None:
    """``<server>-<middle>-<hash6>.sqlite3`` -> middle (None for other names)."""
    m = re.fullmatch(re.escape(server_prefix) + r"-(.+)-[0-9a-f]{6}\.sqlite3", name)
    return m.group(1) if m else None


def other_office_stores(
    data_path: Path, server_url: str, username: str, office_code: str
) -> list[Path]:
    """This server+user's store files for other offices, and the one from before stores were
    per office. A file counts only if its full name (hash included) is what `store_path` gives
    for this user and that office, so another user's files are never taken for this user's."""
    current = user_store_path(data_path, server_url, username, office_code)
    cache = current.parent
    if not cache.is_dir():
        return []
    server_prefix = current.name.split("-", 1)[0]
    legacy = store_path(data_path, server_url, username)
    # How `store_path` spells "<username>@" in a file name (it sanitises), to find the office.
    probe = _middle(store_path(data_path, server_url, username + "@").name, server_prefix) or ""
    found: list[Path] = []
    for path in sorted(cache.glob(f"{server_prefix}-*.sqlite3")):
        if path.name == current.name:
            continue
        if path.name == legacy.name:
            found.append(path)
            continue
        middle = _middle(path.name, server_prefix)
        if not middle or not probe or not middle.startswith(probe):
            continue
        office = middle[len(probe) :].replace("_", ".")
        if office and user_store_path(data_path, server_url, username, office).name == path.name:
            found.append(path)
    return found


def remove_store_files(path: Path) -> None:
    for suffix in _STORE_SUFFIXES:
        target = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


def cache_problem(path: Path) -> str | None:
    """Why the SQLite file at `path` is unusable (corrupt, not a database), else None.

    "Busy" or "cannot open" are not corruption: they raise `LoketError` instead, so a cache that
    is merely in use (a second Loket) is never thrown away.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)
        try:
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or (
            primary is None and not isinstance(exc, sqlite3.OperationalError)
        ):
            return str(exc)
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise LoketError(
                "Salinan lokal sedang dipakai oleh Loket lain di komputer ini. Tutup Loket "
                "yang lain lalu masuk lagi."
            ) from exc
        raise LoketError(
            f"Salinan lokal di {path.parent} tidak dapat dibuka ({exc}). Periksa izin folder "
            "data Loket atau hubungi administrator."
        ) from exc
    if row is None or row[0] != "ok":
        return str(row[0]) if row else "quick_check tanpa hasil"
    return None


def move_aside(path: Path) -> Path:
    """Rename a bad store to ``<name>.rusak-<time>`` (with its WAL); drop the shared-memory
    file. A WAL left behind would be replayed into the fresh database."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.rusak-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.rusak-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    with contextlib.suppress(FileNotFoundError):
        path.with_name(path.name + "-shm").unlink()
    return target


def open_checked_store(path: Path) -> tuple[Store, str]:
    """Open the cache at `path`; a corrupt one is moved aside and rebuilt.

    Returns the store and a notice for the person ("" when nothing happened). Raises
    `LoketError` (Indonesian) when no usable store can be made at all.
    """
    notice = ""
    private_dir(path.parent)
    problem = cache_problem(path)
    if problem is not None:
        moved = move_aside(path)
        log.error("local cache %s is corrupt (%s); moved to %s", path.name, problem, moved.name)
        notice = CACHE_REBUILT_MESSAGE
    for attempt in (1, 2):
        try:
            private_file(path)
            return Store(path), notice
        except (sqlite3.DatabaseError, sqlalchemy.exc.DatabaseError) as exc:
            if attempt == 2:
                raise LoketError(
                    f"Salinan lokal di {path.parent} tidak dapat dibuat ({exc.__class__.__name__})."
                    " Periksa ruang disk dan izin folder data Loket."
                ) from exc
            moved = move_aside(path)
            log.error("local cache %s unusable (%s); moved to %s", path.name, exc, moved.name)
            notice = CACHE_REBUILT_MESSAGE
        except OSError as exc:
            raise LoketError(
                f"Salinan lokal di {path.parent} tidak dapat dibuat "
                f"({exc.strerror or exc.__class__.__name__}). Periksa ruang disk dan izin folder "
                "data Loket."
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class PreparedStore:
    """The store opened for one server/user/office (on the sign-in worker)."""

    server_url: str
    username: str
    office_code: str
    store: Store
    notice: str = ""

    def fits(self, server_url: str, user: UserInfo) -> bool:
        return (self.server_url, self.username, self.office_code) == (
            server_url,
            user.username,
            user.office.code,
        )


def prepare_store(
    data_path: Path, server_url: str, user: UserInfo, *, remove_stale: bool = True
) -> PreparedStore:
    """Delete this user's caches of other offices, then open (or rebuild) this office's.

    `remove_stale` False while the old office's store is still open (it is deleted once
    closed, `finish_session`)."""
    private_dir(data_path)
    stale_stores = (
        other_office_stores(data_path, server_url, user.username, user.office.code)
        if remove_stale
        else []
    )
    for stale in stale_stores:
        try:
            remove_store_files(stale)
            log.info("removed the local cache of another office (%s)", stale.name)
        except OSError as exc:
            log.warning("could not remove old local cache %s: %s", stale.name, exc)
    path = user_store_path(data_path, server_url, user.username, user.office.code)
    store, notice = open_checked_store(path)
    return PreparedStore(server_url, user.username, user.office.code, store, notice)


def finish_session(
    *,
    apps: ApplicationService | None,
    claim_id: str | None,
    auth: AuthService | None,
    store: Store | None,
    api: ApiClient | None,
    timeout: float,
    discard_store: bool = False,
) -> None:
    """The slow half of signing out, for a background thread: release, revoke, close (and
    delete the store's files when `discard_store`: the user no longer works for that office)."""
    if apps is not None and claim_id:
        try:
            apps.release(claim_id, timeout=timeout)
        except Exception as exc:
            log.info(
                "claim on %s not released (%s); it expires on the server within 15 minutes",
                claim_id,
                type(exc).__name__,
            )
    if auth is not None:
        try:
            auth.sign_out(timeout=timeout)
        except Exception as exc:
            log.info("sign-out not confirmed: %s", type(exc).__name__)
    if store is not None:
        try:
            store.close()
        except Exception:
            log.exception("local store not closed cleanly")
        if discard_store:
            try:
                remove_store_files(store.path)
                log.info("removed the local cache of the previous office (%s)", store.path.name)
            except OSError as exc:  # removed at the next sign-in instead
                log.warning("could not remove old local cache %s: %s", store.path.name, exc)
    if api is not None:
        api.close()


class LoketApp(QObject):
    """Owns the session's objects; every window transition goes through here."""

    signed_in = Signal(object)
    signed_out = Signal()
    quit_requested = Signal()
    session_ended = Signal(str, str)
    """(message, code) when the server ended the session; emitted from any thread."""
    unexpected_error = Signal()
    """An unhandled exception was logged and shown (for tests and tools)."""

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
        self.parts: Shell | None = None
        self.notice_box: QMessageBox | None = None
        self.error_box: QMessageBox | None = None
        self._closing = False
        self._prepared: PreparedStore | None = None
        self._prepared_lock = threading.Lock()
        self._moved_user: UserInfo | None = None
        self._teardowns: list[threading.Thread] = []
        self._last_error_box = 0.0
        self._hooks: tuple[Any, Any] | None = None
        self.session_ended.connect(self._on_session_ended)

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
            self.api = None
        self.api = ApiClient(
            self.settings.server_url,
            device_id=self.settings.device_id,
            ca_bundle=self.settings.ca_bundle_path,
            timeout=self.settings.request_timeout_seconds,
        )
        self.auth = AuthService(self.api, self.secrets)
        self.auth.session_listeners.append(
            lambda exc: self.session_ended.emit(exc.message, exc.code)
        )

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
            # A refused address (http:// to another computer) or an unusable CA bundle.
            self.show_server_dialog(first_run=True)
            if self.server_dialog is not None:
                self.server_dialog.result_label.setText(exc.message)
            return
        assert self.api is not None and self.auth is not None
        if self.settings.last_username:
            auth = self.auth
            name = self.settings.last_username
            self.runner.submit(
                self.tr("Membersihkan sesi lama"), lambda _ctx: auth.discard_leftover_session(name)
            )
        dialog = SignInDialog(
            self.runner,
            self._sign_in_op(self.auth),
            server_label=self.api.server_url,
            username=self.settings.last_username,
            notice=notice,
            keyring_problem=self.secrets.problem() or "",
            abandon=self._abandon_op(self.auth),
        )
        self.signin_dialog = dialog
        dialog.signed_in.connect(self._signed_in)
        dialog.change_server.connect(lambda: self._change_server(dialog))
        dialog.rejected.connect(self._signin_cancelled)
        dialog.show()

    def _sign_in_op(self, auth: AuthService) -> Callable[[str, str], UserInfo]:
        """Sign in, then open this user's store for this office, on the sign-in worker
        (checking a big cache for corruption must not freeze the window)."""
        data_path = self.data_path

        def op(username: str, password: str) -> UserInfo:
            user = auth.sign_in(username, password)
            try:
                prepared = prepare_store(data_path, auth.api.server_url, user)
            except Exception as exc:
                auth.sign_out()  # no session without a place for its data
                if isinstance(exc, LoketError):
                    raise SignInError("local_store", exc.message) from exc
                raise
            self._set_prepared(prepared)
            return user

        return op

    def _abandon_op(self, auth: AuthService) -> Callable[[], None]:
        """A sign-in cancelled (Esc, or Loket closing) that the server answered after all: sign
        that session out again (on the sign-in worker) and drop the store it opened."""

        def abandon() -> None:
            log.info("sign-in cancelled after the server answered: signing out again")
            try:
                auth.sign_out(timeout=SIGN_OUT_TIMEOUT_SECONDS)
            finally:
                self._set_prepared(None)

        return abandon

    def _set_prepared(self, prepared: PreparedStore | None) -> None:
        with self._prepared_lock:
            old, self._prepared = self._prepared, prepared
        if old is not None and old is not prepared:
            old.store.close()

    def _take_prepared(self, server_url: str, user: UserInfo) -> PreparedStore:
        with self._prepared_lock:
            prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared.fits(server_url, user):
            return prepared
        if prepared is not None:
            prepared.store.close()
        return prepare_store(self.data_path, server_url, user)

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
        try:
            self._open_session(user, self._take_prepared(self.api.server_url, user))
        except Exception as exc:
            # Never an invisible process: say what happened and offer the sign-in again.
            log.exception("session could not be opened")
            message = exc.message if isinstance(exc, LoketError) else self.tr(UNEXPECTED_MESSAGE)
            self._end_session(sign_out=True, timeout=SIGN_OUT_TIMEOUT_SECONDS)
            self.show_signin(notice=self.tr("Loket tidak dapat dibuka: %1").replace("%1", message))
            return
        self.signed_in.emit(user)

    def _open_session(self, user: UserInfo, prepared: PreparedStore) -> None:
        assert self.api is not None and self.auth is not None
        self.catalogue = self._load_catalogue(user)
        self.store = prepared.store
        self.sync = SyncService(self.api, self.store, page_size=self.settings.page_size)
        self.apps = ApplicationService(self.api, self.store)
        self.apps.my_user_id = user.id
        self._build_shell(user)
        if self.window is not None:
            if self.auth.keyring_warning:  # a quiet permanent note: never hides the states
                self.window.set_keyring_note(self.auth.keyring_warning)
            if prepared.notice:
                self.show_notice(self.tr(prepared.notice))

    def show_notice(self, text: str) -> None:
        """A non-modal note over the window (the person keeps working)."""
        log.info("notice shown: %s", text)
        parent: QWidget | None = self.window
        if self.window is not None:
            self.window.show_status_message(text, 30000)
        box = notice_box(QMessageBox.Icon.Information, self.tr("Loket"), text, parent)
        box.show()
        self.notice_box = box

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
        parts = build_shell(
            user=user,
            runner=self.runner,
            settings=self.settings,
            api=self.api,
            auth=self.auth,
            store=self.store,
            sync=self.sync,
            apps=self.apps,
            catalogue=self.catalogue,
            on_settings_saved=self._settings_saved,
            reauthenticate=self._reauthenticate_op(self.auth),
        )
        self.parts = parts
        window = parts.window
        window.sign_out_requested.connect(self.sign_out)
        window.closing.connect(self._window_closing)
        window.overlay.unlocked.connect(self._after_unlock)
        window.show_on_screen(WindowGeometry.parse(self.settings.window_geometry))
        parts.start()
        apps = self.apps
        self.runner.submit(
            self.tr("Memuat daftar kantor"),
            lambda _ctx: apps.offices(),
            on_done=self._offices_loaded,
            on_error=lambda e: log.info("offices not loaded: %s", type(e).__name__),
        )

    # The shell's parts, for tests and the lock/sign-out paths.
    @property
    def window(self) -> MainWindow | None:
        return self.parts.window if self.parts is not None else None

    @property
    def queue_page(self) -> QueuePage | None:
        return self.parts.queue_page if self.parts is not None else None

    @property
    def queue_model(self) -> QueueModel | None:
        return self.parts.queue_model if self.parts is not None else None

    @property
    def workbench(self) -> WorkbenchController | None:
        return self.parts.workbench if self.parts is not None else None

    @property
    def shell(self) -> ShellController | None:
        return self.parts.controller if self.parts is not None else None

    def _offices_loaded(self, offices: dict[str, str]) -> None:
        if self.parts is not None:
            self.parts.set_office_names(offices)

    def _settings_saved(self, settings: Settings) -> None:
        save_settings(settings)
        self.settings = settings
        if self.parts is not None:
            self.parts.apply_settings(settings)

    # -- the server ended the session ---------------------------------------------------------

    def _on_session_ended(self, message: str, code: str) -> None:
        """Whatever op found out (pull, claim, offices, a document): lock with "sign in
        again". The shell's own handlers may get there too; locking twice is avoided."""
        if self.parts is None:
            return
        log.info("session ended by the server (%s): locking for sign-in", code)
        self.parts.session_expired(message)

    def _reauthenticate_op(self, auth: AuthService) -> Callable[[str], UserInfo]:
        """The lock overlay's "sign in again" (on a worker). An administrator may have moved the
        user to another office meanwhile (which is what ended the session): then the new office's
        store is prepared here and the shell is rebuilt once the overlay is gone."""
        data_path = self.data_path

        def op(password: str) -> UserInfo:
            before = auth.user
            user = auth.reauthenticate(password)
            if before is not None and user.office.code != before.office.code:
                prepared = prepare_store(data_path, auth.api.server_url, user, remove_stale=False)
                self._set_prepared(prepared)
                self._moved_user = user
            return user

        return op

    def _after_unlock(self) -> None:
        user, self._moved_user = self._moved_user, None
        if user is None or self.api is None:
            return
        log.info("office changed to %s: rebuilding the session", user.office.code)
        self._end_session(sign_out=False, timeout=SIGN_OUT_TIMEOUT_SECONDS, discard_store=True)
        try:
            self._open_session(user, self._take_prepared(self.api.server_url, user))
        except Exception as exc:
            log.exception("session could not be reopened")
            message = exc.message if isinstance(exc, LoketError) else self.tr(UNEXPECTED_MESSAGE)
            self._end_session(sign_out=True, timeout=SIGN_OUT_TIMEOUT_SECONDS)
            self.show_signin(notice=self.tr("Loket tidak dapat dibuka: %1").replace("%1", message))
            return
        office = user.office.name or user.office.code
        self.show_notice(
            self.tr(
                "Kantor Anda sekarang %1. Antrean dan salinan lokal diganti dengan data "
                "kantor ini; data kantor sebelumnya dihapus dari komputer ini."
            ).replace("%1", office)
        )
        self.signed_in.emit(user)

    # -- sign out / exit --------------------------------------------------------------------

    def sign_out(self) -> None:
        """Back to the sign-in dialog at once; release/revoke/close go on in the background."""
        self._end_session(sign_out=True, timeout=SIGN_OUT_TIMEOUT_SECONDS)
        self.signed_out.emit()
        if not self._closing:
            self.show_signin()

    def _window_closing(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._end_session(sign_out=True, timeout=EXIT_BUDGET_SECONDS / 2)
        self.quit_requested.emit()

    def _end_session(self, *, sign_out: bool, timeout: float, discard_store: bool = False) -> None:
        """Take the session off the screen now; finish it on a background thread.

        `sign_out`: also forget the user (keyring entry and unlock hash now, revocation in the
        background) and let go of the API client. Otherwise (office changed) only the shell and
        the store go; the signed-in session stays.
        """
        parts, window = self.parts, self.window
        apps, store = self.apps, self.store
        if window is not None:
            self._remember_geometry(window)
        claim_id = None
        if parts is not None:
            parts.stop()  # no more pulls or renewals
            claim_id = parts.held_claim_id
        auth = api = None
        if sign_out:
            auth, api = self.auth, self.api
            if auth is not None:
                auth.detach()
            self.auth = None
            self.api = None
            self._set_prepared(None)
            self._moved_user = None
        # Every op of this session: cancelled, so no callback pokes a closed window.
        self.runner.shutdown(0)
        self.parts = None
        if window is not None:
            window.blockSignals(True)
            window.hide()
            window.close()
            window.deleteLater()
        if self.notice_box is not None:
            with contextlib.suppress(RuntimeError):
                self.notice_box.close()
            self.notice_box = None
        self.store = None
        self.sync = None
        self.apps = None
        if claim_id is None and auth is None and store is None and api is None:
            return
        thread = threading.Thread(
            target=finish_session,
            kwargs={
                "apps": apps,
                "claim_id": claim_id,
                "auth": auth,
                "store": store,
                "api": api,
                "timeout": timeout,
                "discard_store": discard_store,
            },
            name="loket-sign-out",
            daemon=True,
        )
        self._teardowns = [t for t in self._teardowns if t.is_alive()]
        self._teardowns.append(thread)
        thread.start()

    def _remember_geometry(self, window: MainWindow) -> None:
        """The window's place on this PC, for the next time it opens (sign-out, exit)."""
        if not window.isVisible():
            return
        text = window.geometry_to_save().text
        if text != self.settings.window_geometry:
            self._save_settings(self.settings.with_changes(window_geometry=text))

    def shutdown(self, budget: float = EXIT_BUDGET_SECONDS) -> bool:
        """App exit: end the session and wait at most `budget` seconds for the background
        release/logout and the workers. True when everything finished in time."""
        deadline = time.monotonic() + budget
        self._closing = True
        self._end_session(sign_out=True, timeout=budget / 2)  # no-op after _window_closing
        done = True
        for thread in self._teardowns:
            thread.join(max(0.0, deadline - time.monotonic()))
            done = done and not thread.is_alive()
        left_ms = max(0, int((deadline - time.monotonic()) * 1000))
        done = self.runner.shutdown(left_ms) and done
        self._set_prepared(None)
        if not done:
            log.info("exit: background work still running after %.1f s; not waiting", budget)
        return done

    # -- unexpected errors ---------------------------------------------------------------------

    def _unhandled(self, name: str, error: object) -> None:
        if isinstance(error, SessionExpired):
            self._on_session_ended(error.message, error.code)
            return
        message = error.message if isinstance(error, LoketError) else str(error)
        log.warning("task %s failed: %s", name, message)
        if self.window is not None:
            self.window.show_status_message(f"{name}: {message}")

    def report_unexpected(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        where: str = "",
    ) -> None:
        """Log an exception nobody handled (masked) and tell the person, without quitting."""
        log.error(
            "unexpected error%s", f" in {where}" if where else "", exc_info=(exc_type, exc, tb)
        )
        if threading.current_thread() is not threading.main_thread():
            self.runner.post(self._show_unexpected)
        else:
            self._show_unexpected()

    def _show_unexpected(self) -> None:
        if self.window is not None:
            self.window.show_status_message(self.tr(UNEXPECTED_MESSAGE), 30000)
        now = time.monotonic()
        if now - self._last_error_box > 10 and QApplication.instance() is not None:
            self._last_error_box = now
            box = notice_box(
                QMessageBox.Icon.Warning, self.tr("Loket"), self.tr(UNEXPECTED_MESSAGE), self.window
            )
            box.show()
            self.error_box = box
        self.unexpected_error.emit()

    def install_excepthook(self) -> None:
        """`sys.excepthook` (slots, the event loop) and `threading.excepthook` go to
        `report_unexpected`. Idempotent; `uninstall_excepthook` restores the previous ones."""
        if self._hooks is not None:
            return
        previous_sys, previous_thread = sys.excepthook, threading.excepthook

        def hook(
            exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
        ) -> None:
            if issubclass(exc_type, KeyboardInterrupt | SystemExit):
                previous_sys(exc_type, exc, tb)
                return
            try:
                self.report_unexpected(exc_type, exc, tb)
            except Exception:  # the hook itself must never raise
                previous_sys(exc_type, exc, tb)

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is None or issubclass(args.exc_type, SystemExit):
                return
            name = args.thread.name if args.thread is not None else "?"
            try:
                self.report_unexpected(args.exc_type, args.exc_value, args.exc_traceback, name)
            except Exception:
                previous_thread(args)

        self._hooks = (previous_sys, previous_thread)
        sys.excepthook = hook
        threading.excepthook = thread_hook

    def uninstall_excepthook(self) -> None:
        if self._hooks is not None:
            sys.excepthook, threading.excepthook = self._hooks
            self._hooks = None


def run_app(argv: list[str]) -> int:
    """Entry point of the desktop (``python -m desktop``)."""
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Loket")
    app.setOrganizationName("Loket")
    app.setQuitOnLastWindowClosed(False)
    settings = load_settings()
    private_dir(config_dir())
    private_dir(data_dir())
    setup_logging(data_dir() / "logs")
    install_translator(app, settings.language)
    loket = LoketApp(settings)
    loket.install_excepthook()
    loket.quit_requested.connect(app.quit)
    try:
        loket.start()
        code = app.exec()
    except Exception:  # pragma: no cover - last resort, logged masked
        log.exception("fatal error")
        QMessageBox.critical(
            None,
            "Loket",
            QCoreApplication.translate(
                "LoketApp", "Terjadi kesalahan yang tidak terduga; lihat log."
            ),
        )
        code = 1
    finally:
        finished = loket.shutdown()
    if not finished:  # pragma: no cover - a worker stuck on a dead server
        # Qt would wait for the stuck worker when the pool is destroyed (up to the request
        # timeout); the claim expires on the server by itself and the store is WAL-safe.
        logging.shutdown()
        os._exit(int(code))
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_app(sys.argv))
