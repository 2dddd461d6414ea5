"""One signed-in user's objects, made together and closed in one place.

A `Session` owns what exists only while someone is signed in: the API client and `AuthService`
(the `Connection`), the local store and its `StoreEvents`, `SyncService`, `ApplicationService`,
the catalogue and the `Shell` (the window). `desktop.app` makes one after a sign-in and calls
`Session.close` once to end it; nothing is cleared attribute by attribute.

Closing never blocks the person: the window goes at once and the session's ops are cancelled
(their callbacks never poke a closed window); releasing the held claim, revoking the session
and closing the store run as one op on the runner's `TEARDOWN_LANE` with short timeouts. A claim
that could not be released expires on the server by itself (15 minutes).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from desktop.domain.catalogue import Catalogue, CatalogueError, load_catalogue
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.models.store_locator import (
    PreparedStore,
    StoreUnavailable,
    prepare_store,
    remove_unless_unsent,
    store_location,
)
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import LoketError, SessionExpired
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, SignInError, UserInfo
from desktop.services.letter_numbers import LetterNumbers, issues_letters, letter_types_for
from desktop.services.operations import Op, OpKind, user_message
from desktop.services.secrets import SecretStore
from desktop.services.sync import SyncService
from desktop.services.tasks import TaskContext, TaskHandle, TaskRunner
from desktop.services.transfer_keys import prepare_offline_transfer
from desktop.services.vault import KdfParams, StoreKeys, Vault
from desktop.settings import Settings
from desktop.views.shell.assembly import Shell, build_shell
from desktop.views.shell.main_window import WindowGeometry

log = logging.getLogger(__name__)

TEARDOWN_LANE = "teardown"
"""The runner lane for ending sessions: never cancelled with a session's own ops, and a hung
server's logout cannot hold up the next session's pulls."""
TEARDOWN_THREADS = 4
SIGN_OUT_TIMEOUT_SECONDS = 2.0
"""Per request (release, logout) when signing out; it runs in the background."""


def _tr(text: str) -> str:
    return QCoreApplication.translate("Session", text)


@dataclass(frozen=True)
class Connection:
    """The API client and sign-in state for the chosen server (from the sign-in dialog on)."""

    api: ApiClient
    auth: AuthService

    @classmethod
    def open(
        cls,
        settings: Settings,
        secrets: SecretStore,
        on_ended: Callable[[SessionExpired], None],
        *,
        data_path: Path | None = None,
        kdf_params: KdfParams | None = None,
    ) -> Connection:
        """Raises `ConnectionFailure` for an address that may not be used (plain http to
        another computer) or an unusable CA bundle. `kdf_params` None: this PC's calibrated
        argon2id cost (`services.vault.pc_params`); tests pass cheap ones explicitly."""
        api = ApiClient(
            settings.server_url,
            device_id=settings.device_id,
            ca_bundle=settings.ca_bundle_path,
            timeout=settings.request_timeout_seconds,
        )
        vault = Vault(secrets, api.server_url, params=kdf_params, data_path=data_path)
        auth = AuthService(api, secrets, vault=vault)
        auth.session_listeners.append(on_ended)
        return cls(api, auth)

    def discard_leftover(self, runner: TaskRunner, username: str) -> None:
        """Revoke what a crash may have left of `username`'s last session (in the background)."""
        title = _tr("Membersihkan sesi lama")
        auth = self.auth
        Op(OpKind.SIGN_OUT, title, lambda _c: auth.discard_leftover_session(username)).run(runner)

    def end(self, runner: TaskRunner, timeout: float) -> threading.Event:
        """Sign out without a session (a sign-in under way, or a session that did not open):
        forgotten locally now, revoked and closed in the background."""
        self.auth.detach()
        return end_in_background(runner, timeout=timeout, connection=self)


# -- what a sign-in prepares on its worker ---------------------------------------------------


def region_of(office_code: str) -> str | None:
    digits = office_code.replace(".", "")
    return digits[:4] if len(digits) >= 4 and digits[:4].isdigit() else None


def load_catalogue_for(office_code: str) -> Catalogue | None:
    """The office's region's catalogue; the default one if that fails; None if nothing loads."""
    try:
        return load_catalogue(region_of(office_code))
    except (CatalogueError, OSError) as exc:
        log.error("catalogue not loaded: %s", exc)
        try:
            return load_catalogue()
        except (CatalogueError, OSError):
            return None


@dataclass
class Prepared:
    """A session's slow parts, made on the sign-in worker: the checked store, the catalogue."""

    store: PreparedStore
    catalogue: Catalogue | None

    def fits(self, server_url: str, user: UserInfo) -> bool:
        return self.store.fits(server_url, user.username, user.office.code)

    def close(self) -> None:
        self.store.store.close()


def prepare(
    data_path: Path,
    server_url: str,
    user: UserInfo,
    *,
    remove_stale: bool = True,
    keys: StoreKeys | None = None,
) -> Prepared:
    """Open (checked, migrated, stale offices removed) `user`'s store and load the catalogue.
    With `keys` (unlocked at sign-in) the store is encrypted. Raises `LoketError` (Indonesian)
    when no usable store can be made, or the key does not open it (`StoreKeyError`)."""
    office = user.office.code
    try:
        store = prepare_store(
            data_path,
            server_url,
            user.username,
            office,
            remove_stale=remove_stale,
            key=keys.for_office(office) if keys is not None else None,
            key_is_new=keys is not None and keys.is_new(office),
            other_keys=keys.others(office) if keys is not None else (),
        )
    except StoreUnavailable as exc:
        raise LoketError(exc.message) from exc
    return Prepared(store, load_catalogue_for(user.office.code))


class PreparedSlot:
    """Hands what a worker prepared (a sign-in, or a sign-in again into another office) to the
    GUI thread, which takes it, or drops it: the sign-in was cancelled. Whatever is replaced or
    dropped is closed."""

    def __init__(self, data_path: Path) -> None:
        self.data_path = data_path
        self._lock = threading.Lock()
        self._prepared: Prepared | None = None
        self._moved: UserInfo | None = None

    def put(self, prepared: Prepared | None, *, moved: UserInfo | None = None) -> None:
        """`moved`: the user now works for another office; the session is to be rebuilt."""
        with self._lock:
            old, self._prepared, self._moved = self._prepared, prepared, moved
        if old is not None and old is not prepared:
            old.close()

    def take_moved(self) -> UserInfo | None:
        with self._lock:
            moved, self._moved = self._moved, None
        return moved

    def take(self, server_url: str, user: UserInfo, keys: StoreKeys | None = None) -> Prepared:
        """What was prepared for this user, or (rarely: it was dropped) prepared now."""
        with self._lock:
            prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared.fits(server_url, user):
            return prepared
        if prepared is not None:
            prepared.close()
        return prepare(self.data_path, server_url, user, keys=keys)


def sign_in_op(auth: AuthService, slot: PreparedSlot) -> Callable[[str, str], UserInfo]:
    """The sign-in dialog's op: sign in, then prepare the session on the same worker (checking
    a big cache for corruption must not freeze the window)."""

    def op(username: str, password: str) -> UserInfo:
        user = auth.sign_in(username, password)
        _prepare_or_sign_out(auth, slot, user)
        # Keys for a USB transfer file, kept now so one can be written while offline later.
        where = store_location(slot.data_path, auth.api.server_url, user.username, user.office.code)
        prepare_offline_transfer(
            auth.api, auth.secrets, slot.data_path, where, username=user.username, user_id=user.id
        )
        return user

    return op


def offline_sign_in_op(auth: AuthService, slot: PreparedSlot) -> Callable[[str, str], UserInfo]:
    """The sign-in dialog's "Masuk luring": the password checked against this PC's record
    (no network), then the session prepared with the unlocked store keys."""

    def op(username: str, password: str) -> UserInfo:
        user = auth.sign_in_offline(username, password)
        _prepare_or_sign_out(auth, slot, user)
        return user

    return op


def _prepare_or_sign_out(auth: AuthService, slot: PreparedSlot, user: UserInfo) -> None:
    try:
        slot.put(prepare(slot.data_path, auth.api.server_url, user, keys=auth.store_keys))
    except Exception as exc:
        if auth.offline:
            auth.forget_session()  # nothing to revoke on a server we cannot reach
        else:
            auth.sign_out()  # no session without a place for its data
        raise SignInError("local_store", user_message(exc)) from exc


def abandon_op(auth: AuthService, slot: PreparedSlot) -> Callable[[], None]:
    """A sign-in cancelled (Esc, or Loket closing) that the server answered after all: sign
    that session out again (on the sign-in worker) and drop what was prepared for it."""

    def abandon() -> None:
        log.info("sign-in cancelled after the server answered: signing out again")
        try:
            auth.sign_out(timeout=SIGN_OUT_TIMEOUT_SECONDS)
        finally:
            slot.put(None)

    return abandon


def reauthenticate_op(auth: AuthService, slot: PreparedSlot) -> Callable[[str], UserInfo]:
    """The lock screen's "sign in again" (on a worker). An administrator may have moved the
    user to another office meanwhile (which is what ended the session): then the new office's
    store is prepared here (the old one is still open) and `slot.take_moved()` says so."""

    def op(password: str) -> UserInfo:
        before = auth.user
        user = auth.reauthenticate(password)
        if before is not None and user.office.code != before.office.code:
            server = auth.api.server_url
            prepared = prepare(
                slot.data_path, server, user, remove_stale=False, keys=auth.store_keys
            )
            slot.put(prepared, moved=user)
        return user

    return op


class Teardowns:
    """The background ends of sessions still running, for exit to wait on (within budget)."""

    def __init__(self) -> None:
        self._pending: list[threading.Event] = []

    def add(self, ended: threading.Event) -> None:
        self._pending = [e for e in self._pending if not e.is_set()] + [ended]

    def wait(self, timeout: float) -> bool:
        """At most `timeout` seconds in all; True when every teardown is over."""
        deadline = time.monotonic() + timeout
        for ended in self._pending:
            ended.wait(max(0.0, deadline - time.monotonic()))
        self._pending = [e for e in self._pending if not e.is_set()]
        return not self._pending


# -- ending, in the background ---------------------------------------------------------------


def end_in_background(
    runner: TaskRunner,
    *,
    timeout: float,
    apps: ApplicationService | None = None,
    claim_id: str | None = None,
    connection: Connection | None = None,
    store: Store | None = None,
    discard_store: bool = False,
    store_keys: Sequence[bytes] = (),
) -> threading.Event:
    """Release the claim, sign out (revoke) and close the client, close the store (and delete
    its files with `discard_store`: the user no longer works for that office), as one op on
    `TEARDOWN_LANE`. Each step is best effort. The event is set when it is over. `store_keys`
    read an encrypted store to tell whether it holds unsent work (then it is never deleted)."""
    finished = threading.Event()

    def work(_ctx: TaskContext) -> None:
        try:
            if apps is not None and claim_id:
                try:
                    apps.release(claim_id, timeout=timeout)
                except Exception as exc:
                    log.info(
                        "claim on %s not released (%s); it expires on the server within 15 minutes",
                        claim_id,
                        type(exc).__name__,
                    )
            if connection is not None:
                try:
                    connection.auth.sign_out(timeout=timeout)
                except Exception as exc:
                    log.info("sign-out not confirmed: %s", type(exc).__name__)
            if store is not None:
                _close_store(store, discard_store, store_keys)
            if connection is not None:
                connection.api.close()
        finally:
            finished.set()

    runner.add_lane(TEARDOWN_LANE, TEARDOWN_THREADS)
    Op(OpKind.SIGN_OUT, _tr("Mengakhiri sesi"), work, lane=TEARDOWN_LANE, quiet=True).failure(
        lambda exc, _message: log.warning("session teardown failed: %s", type(exc).__name__)
    ).run(runner)
    return finished


def _close_store(store: Store, discard: bool, keys: Sequence[bytes] = ()) -> None:
    try:
        store.close()
    except Exception:
        log.exception("local store not closed cleanly")
    if discard:
        try:
            if remove_unless_unsent(store.path, keys):  # unsent work is never deleted
                log.info("removed the local cache of the previous office (%s)", store.path.name)
        except OSError as exc:  # removed at the next sign-in instead
            log.warning("could not remove old local cache %s: %s", store.path.name, exc)


# -- the session -----------------------------------------------------------------------------


class Session:
    """Everything that exists for one signed-in user; `close` ends all of it, once."""

    def __init__(
        self,
        *,
        user: UserInfo,
        connection: Connection,
        prepared: Prepared,
        runner: TaskRunner,
        settings: Settings,
        on_settings_saved: Callable[[Settings], None],
        reauthenticate: Callable[[str], UserInfo],
    ) -> None:
        """Builds the window (not shown, not started). On failure everything made so far is
        closed and the exception raised; the connection stays the caller's."""
        self.user = user
        self.connection = connection
        self.runner = runner
        self.store = prepared.store.store
        self.notice = prepared.store.notice
        self.catalogue = prepared.catalogue
        self._ops: list[TaskHandle] = []
        self._finished: threading.Event | None = None
        runner.task_started.connect(self._track)
        self.events = StoreEvents(self.store)
        try:
            self.sync = SyncService(connection.api, self.store, page_size=settings.page_size)
            self.apps = ApplicationService(connection.api, self.store)
            self.apps.my_user_id = user.id
            self.shell: Shell = build_shell(
                user=user,
                runner=runner,
                settings=settings,
                api=connection.api,
                auth=connection.auth,
                store=self.store,
                sync=self.sync,
                apps=self.apps,
                catalogue=self.catalogue,
                on_settings_saved=on_settings_saved,
                reauthenticate=reauthenticate,
                events=self.events,
            )
            self.letters = self._letters(user)
        except BaseException:
            self._untrack()
            self.events.close()
            self.store.close()
            raise

    def _letters(self, user: UserInfo) -> LetterNumbers | None:
        """This device's letter numbers for the office (for letters printed offline), when the
        person numbers letters: refilled on the sync lane after each successful pull. None for
        a role the server would refuse, or an office whose services issue no letter."""
        types = letter_types_for(self.catalogue, user.office.level)
        if not types or not issues_letters(user.roles_raw):
            return None
        letters = LetterNumbers(
            self.connection.api, self.store, office_code=user.office.code, user_id=user.id
        )
        self.shell.sync.attach_letters(letters, types)
        return letters

    @property
    def api(self) -> ApiClient:
        return self.connection.api

    @property
    def auth(self) -> AuthService:
        return self.connection.auth

    @property
    def closed(self) -> bool:
        return self._finished is not None

    def start(self, geometry: WindowGeometry | None) -> None:
        """Show the window, start pulling, load the office names (the queue shows them)."""
        window = self.shell.window
        window.show_on_screen(geometry)
        self.shell.start()
        Op(OpKind.CATALOGUE, _tr("Memuat daftar kantor"), lambda _c: self.apps.offices()).success(
            self.shell.set_office_names
        ).failure(
            lambda exc, _m: log.info("offices not loaded: %s", type(exc).__name__)
        ).relevant_while(lambda: not self.closed).run(self.runner)
        if self.auth.keyring_warning:  # a quiet permanent note: never hides the states
            window.set_keyring_note(self.auth.keyring_warning)

    def window_geometry(self) -> str | None:
        """The window's place on this PC, to open it there next time (None when hidden)."""
        window = self.shell.window
        return window.geometry_to_save().text if window.isVisible() else None

    def _track(self, handle: object) -> None:
        """Every op started while the session is open is the session's (pulls, claims, the
        lock screen's), except the teardowns of earlier sessions."""
        if isinstance(handle, TaskHandle) and handle.lane != TEARDOWN_LANE:
            self._ops = [h for h in self._ops if not h.finished]
            self._ops.append(handle)

    def _untrack(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.runner.task_started.disconnect(self._track)

    def close(
        self, *, sign_out: bool, timeout: float, discard_store: bool = False
    ) -> threading.Event:
        """Take the session off the screen now; finish it in the background (the returned
        event is set when done). Idempotent: a second call returns the first one's event.

        `sign_out`: also forget the user (keyring entry and unlock hash now, revocation in the
        background) and close the connection. Otherwise (the user moved office) the connection
        is left to the caller for the next session; the store goes (deleted: `discard_store`).
        """
        if self._finished is not None:
            return self._finished
        self.shell.stop()  # no more pulls or renewals
        claim_id = self.shell.held_claim_id
        if sign_out:
            self.auth.detach()
        self._untrack()
        for handle in self._ops:  # their callbacks never poke the closed window
            handle.cancel()
        self._ops = []
        window = self.shell.window
        window.blockSignals(True)
        window.hide()
        window.close()
        window.deleteLater()
        self.events.close()
        keys = self.auth.store_keys
        self._finished = end_in_background(
            self.runner,
            timeout=timeout,
            apps=self.apps,
            claim_id=claim_id,
            connection=self.connection if sign_out else None,
            store=self.store,
            discard_store=discard_store,
            store_keys=list(keys.keys.values()) if keys is not None else (),
        )
        return self._finished
