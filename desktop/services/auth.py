"""Sign-in, token refresh and sign-out, with messages a counter officer understands.

The access token lives in memory only; the refresh token also goes to the OS keyring
(`SecretStore`), which is cleared on sign-out. Refresh tokens rotate on the server and a reused
one revokes the whole family, so only one refresh is ever in flight: the other threads wait for
its outcome (never for the state lock, which is not held across the network) and use the new
token.

For the idle lock the password is checked locally against a salted scrypt hash kept in memory
for this session only (never written anywhere), so unlocking works without the network and never
loses open work.

When the server ends the session (refresh refused, session revoked because an administrator
changed the password or office, account disabled) `session_ended` forgets the tokens, the keyring
entry and the unlock hash at once, and tells its listeners (the shell locks with "sign in again");
every later request raises `SessionExpired` until `reauthenticate` succeeds.

Keys and offline sign-in (`desktop.services.vault`): each online sign-in refreshes the user's
record (offline verifier + wrapped store keys) and leaves the unlocked store keys in
`store_keys` for the session's store. `sign_in_offline` checks the password against that record
while the server cannot be reached; the session then adopts a still-valid refresh token left in
the keyring (sending resumes by itself once the server answers), or, without one, ends itself
with `OFFLINE_REAUTH_MESSAGE` the first time the server answers, so the lock asks for the
password once. An account the server calls disabled loses its offline verifier at once.
Each online sign-in also fetches the user's escrow secret (`fetch_escrow`, after the tokens
are in place) so the vault can open keys a password reset locked and wrap them again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.domain.records import parse_datetime
from desktop.domain.workflow import Role
from desktop.services.api.client import DEVICE_REVOKED, ApiClient, expect_mapping
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    DeviceRevoked,
    InsecureKeyringError,
    LoketError,
    SessionExpired,
)
from desktop.services.logmask import register_secret
from desktop.services.secrets import SecretStore, StoredSession
from desktop.services.vault import (
    ESCROW_BYTES,
    NEVER_ONLINE_MESSAGE,
    EscrowNeeded,
    OfflineSignInError,
    StoreKeys,
    Vault,
)

log = logging.getLogger(__name__)

LOGOUT_TIMEOUT_SECONDS = 2.0
REFRESH_MARGIN_SECONDS = 60.0
"""Refresh the access token up to this long before it expires, so requests rarely see 401."""


SESSION_ENDED_MESSAGE = (
    "Sesi Anda di server telah berakhir (kedaluwarsa, atau diakhiri oleh administrator). "
    "Masukkan kata sandi untuk melanjutkan; pekerjaan yang terbuka tidak hilang."
)
OFFLINE_REAUTH_MESSAGE = (
    "Server tersambung kembali. Masukkan kata sandi sekali lagi agar pekerjaan yang tersimpan "
    "di komputer ini dikirim; pekerjaan yang terbuka tidak hilang."
)
OFFLINE_SIGNIN_CODE = "offline_signin"
REFRESH_REFUSALS = frozenset(
    {"refresh_invalid", "token_invalid", "account_disabled", DEVICE_REVOKED}
)
"""Refresh answers that end the session (anything else is an error of the moment)."""

DEVICE_REVOKED_MESSAGE = (
    "Perangkat ini dicabut oleh administrator: komputer ini tidak dapat lagi masuk atau mengirim "
    "ke server. Pekerjaan yang belum terkirim tetap tersimpan di komputer ini dan dapat diekspor "
    "(loket outbox export, lihat panduan Kiriman lewat flashdisk) untuk dikirim dari komputer lain."
)

ACCOUNT_DISABLED_MESSAGE = (
    "Akun Anda dinonaktifkan oleh administrator, sehingga sesi diakhiri dan kredensial masuk di "
    "komputer ini dihapus. Hubungi administrator Disdukcapil/Diskominfo bila ini keliru."
)

SessionListener = Callable[["SessionExpired"], None]


class SignInError(LoketError):
    """Sign-in failed; `code` is the server's code or a local one (unreachable, bad_response)."""

    def __init__(self, code: str, message: str, *, offline_possible: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.offline_possible = offline_possible
        """The server could not be reached and this user may sign in offline on this PC."""


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    level: str
    parent_code: str | None

    @classmethod
    def from_json(cls, raw: Any) -> Office:
        obj = expect_mapping(raw, "kantor")
        return cls(
            str(obj.get("code", "")),
            str(obj.get("name", "")),
            str(obj.get("level", "")),
            obj.get("parent_code") if isinstance(obj.get("parent_code"), str) else None,
        )


@dataclass(frozen=True)
class UserInfo:
    """`/me`: who is signed in. Unknown role strings from a newer server are kept but ignored."""

    id: str
    username: str
    full_name: str
    roles_raw: tuple[str, ...]
    office: Office
    device_code: str
    max_offline_days: int
    public_status_url: str = ""
    """Base of the receipt's status link: `<public_status_url>/<status_token>` (issue 11)."""
    nip: str = ""
    """NIP of an ASN official ('' otherwise): under their name in the letters they sign."""

    @property
    def roles(self) -> tuple[Role, ...]:
        out: list[Role] = []
        for r in self.roles_raw:
            try:
                out.append(Role(r))
            except ValueError:
                continue
        return tuple(out)

    @property
    def role_labels(self) -> str:
        return ", ".join(r.label for r in self.roles) or "-"

    def to_json(self) -> dict[str, Any]:
        """The `/me` shape again (what the offline record keeps of the last online sign-in)."""
        office = self.office
        return {
            "id": self.id,
            "username": self.username,
            "full_name": self.full_name,
            "nip": self.nip or None,
            "roles": list(self.roles_raw),
            "office": {
                "code": office.code,
                "name": office.name,
                "level": office.level,
                "parent_code": office.parent_code,
            },
            "device_code": self.device_code,
            "offline_policy": {"max_offline_days": self.max_offline_days},
            "public_status_url": self.public_status_url,
        }

    @classmethod
    def from_json(cls, raw: Any) -> UserInfo:
        obj = expect_mapping(raw, "data pengguna")
        try:
            roles = obj.get("roles") or []
            policy = obj.get("offline_policy") or {}
            return cls(
                id=str(obj["id"]),
                username=str(obj["username"]),
                full_name=str(obj.get("full_name") or obj["username"]),
                roles_raw=tuple(str(r) for r in roles),
                office=Office.from_json(obj.get("office") or {}),
                device_code=str(obj.get("device_code") or ""),
                max_offline_days=int(policy.get("max_offline_days", 7))
                if isinstance(policy, dict)
                else 7,
                public_status_url=str(obj.get("public_status_url") or ""),
                nip=str(obj.get("nip") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse("Data pengguna dari server tidak lengkap.") from exc


@dataclass
class _Tokens:
    access: str
    refresh: str
    access_expires_at: float
    refresh_expires_at: float
    lifetime: float = 900.0

    @property
    def margin(self) -> float:
        """Refresh this long before expiry: a minute, or a quarter of a short lifetime."""
        return min(REFRESH_MARGIN_SECONDS, self.lifetime / 4)


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _format_local_time(when: datetime) -> str:
    return when.astimezone().strftime("%H.%M")


def sign_in_message(exc: BaseException, *, now: float | None = None) -> SignInError:
    """The Indonesian message for a failed sign-in, by cause."""
    if isinstance(exc, SignInError):
        return exc
    if isinstance(exc, ApiError):
        if exc.code == "invalid_credentials":
            return SignInError(exc.code, "Nama pengguna atau kata sandi salah.")
        if exc.code == "account_locked":
            until_raw = exc.extras.get("locked_until")
            try:
                until = parse_datetime(str(until_raw))
                minutes = max(1, round((until.timestamp() - (now or time.time())) / 60))
                when = (
                    f" Coba lagi setelah pukul {_format_local_time(until)} "
                    f"(sekitar {minutes} menit lagi)."
                )
            except (TypeError, ValueError):
                when = " Coba lagi nanti."
            return SignInError(
                exc.code,
                "Akun Anda dikunci sementara karena terlalu banyak percobaan masuk yang gagal."
                + when,
            )
        if exc.code == "account_disabled":
            return SignInError(
                exc.code,
                "Akun Anda dinonaktifkan oleh administrator. Hubungi administrator "
                "Disdukcapil/Diskominfo bila ini keliru.",
            )
        if exc.code == "rate_limited":
            return SignInError(
                exc.code, "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."
            )
        return SignInError(exc.code, exc.detail or "Server menolak permintaan masuk.")
    if isinstance(exc, ConnectionFailure):
        return SignInError("unreachable", f"Server tidak dapat dihubungi. {exc.message}")
    if isinstance(exc, LoketError):
        return SignInError("bad_response", exc.message)
    log.error("unexpected sign-in failure", exc_info=exc)
    return SignInError("error", "Masuk gagal karena kesalahan yang tidak terduga.")


class AuthService:
    """Holds the signed-in session and supplies tokens to `ApiClient` (`TokenProvider`)."""

    def __init__(
        self,
        api: ApiClient,
        secrets: SecretStore,
        *,
        vault: Vault | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`vault` None: no store keys and no offline sign-in (plain stores; tests, tools)."""
        self.api = api
        self.secrets = secrets
        self.vault = vault
        self.store_keys: StoreKeys | None = None
        """The store keys unlocked at the last sign-in (None: plain stores)."""
        self._awaiting_server = False
        """Signed in offline without a refresh token: the first answer from the server ends
        this session so that the password is asked once (`OFFLINE_REAUTH_MESSAGE`)."""
        self.offline = False
        """Signed in offline and not yet confirmed by the server."""
        self._clock = clock
        self._lock = threading.RLock()
        self._tokens: _Tokens | None = None
        self._refreshing: Future[str | None] | None = None
        """The refresh in flight (single flight: the others wait for it, not for `_lock`)."""
        self._password_check: tuple[bytes, bytes] | None = None
        self._ended: SessionExpired | None = None
        self.user: UserInfo | None = None
        self.keyring_warning: str | None = None
        self.session_listeners: list[SessionListener] = []
        """Called (on the thread that found out) once when the server ends the session."""
        self._keyring_off = False
        api.tokens = self

    # -- state -----------------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def session_valid(self) -> bool:
        """False once the server refused our refresh token (re-authentication needed)."""
        with self._lock:
            return self._tokens is not None

    @property
    def ended(self) -> SessionExpired | None:
        """Why the server ended the session (until `reauthenticate`), else None."""
        with self._lock:
            return self._ended

    # -- sign in / out ---------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> UserInfo:
        """Log in (network; call from a worker). Raises `SignInError` with a message."""
        username = username.strip()
        if not username or not password:
            raise SignInError("empty", "Isi nama pengguna dan kata sandi.")
        if self.user is not None and self.user.username != username:
            raise SignInError("other_user", "Keluar dahulu sebelum masuk sebagai pengguna lain.")
        user = self._login(username, password)
        log.info("signed in as %s (%s)", user.username, ",".join(user.roles_raw))
        return user

    def _login(self, username: str, password: str) -> UserInfo:
        """POST /auth/login and start the session; every failure becomes a `SignInError`."""
        try:
            body = self.api.post_json(
                "/auth/login",
                {"username": username, "password": password, "device_id": self.api.device_id},
                auth=False,
            )
            tokens = self._parse_tokens(body)
            user = UserInfo.from_json(expect_mapping(body, "masuk").get("user"))
        except Exception as exc:
            if isinstance(exc, ApiError) and exc.code == "account_disabled":
                self._forget_offline(username)
            error = sign_in_message(exc, now=self._clock())
            if error.code == "unreachable" and self.can_sign_in_offline(username):
                error.offline_possible = True
            raise error from exc
        self._start(tokens, user, password)
        try:
            keys = self._remember(username, password, user)
        except EscrowNeeded as exc:  # nothing changed on this PC; signing in again will do
            self.sign_out()
            raise SignInError("escrow_unavailable", exc.message) from None
        except BaseException:
            self.forget_session()
            raise
        if keys is not None:
            self.store_keys = keys
        return user

    def fetch_escrow(self) -> bytes | None:
        """The signed-in user's escrow secret from the server (``POST /me/escrow``; network),
        or None when the server does not give one (older server, a failed request): the
        store keys are then wrapped under the password only, as before. Held in memory for
        the wrap only; never written anywhere (`desktop.services.vault`)."""
        try:
            body = expect_mapping(self.api.post_json("/me/escrow", {}), "kunci cadangan")
            register_secret(str(body["escrow_secret"]))  # never in a log line
            secret = base64.b64decode(str(body["escrow_secret"]), validate=True)
        except (LoketError, KeyError, ValueError) as exc:
            log.warning("escrow secret not received (%s): keys wrapped by password only",
                        type(exc).__name__)  # fmt: skip
            return None
        if len(secret) != ESCROW_BYTES:
            log.warning("escrow secret of the wrong size ignored")
            return None
        return secret

    def _remember(self, username: str, password: str, user: UserInfo) -> StoreKeys | None:
        """Refresh the offline verifier and unlock the store keys (argon2id: 0.2-0.5 s), with
        the server's escrow secret (a password reset by an administrator keeps the stores)."""
        if self.vault is None:
            return None
        try:
            self.vault.secrets.check()  # no escrow fetched for a record that cannot be kept
            escrow = self.fetch_escrow()
            return self.vault.remember(username, password, user.to_json(), escrow)
        except InsecureKeyringError as exc:
            log.warning("keyring refused: no offline sign-in, local store not encrypted")
            self.keyring_warning = exc.message
            return None

    def _start(self, tokens: _Tokens | None, user: UserInfo, password: str) -> None:
        salt = os.urandom(16)
        with self._lock:
            self._tokens = tokens
            self.user = user
            self._ended = None
            self._awaiting_server = False
            self.offline = False
            self._password_check = (salt, _hash_password(password, salt))
        if tokens is not None:
            self._persist(tokens)

    # -- offline ---------------------------------------------------------------------------

    def can_sign_in_offline(self, username: str) -> bool:
        return self.vault is not None and self.vault.knows(username.strip())

    def sign_in_offline(self, username: str, password: str) -> UserInfo:
        """Sign in with the password checked against this PC's record (no network; argon2id,
        so call it from a worker). Raises `SignInError` with the Indonesian reason."""
        username = username.strip()
        if not username or not password:
            raise SignInError("empty", "Isi nama pengguna dan kata sandi.")
        if self.vault is None:
            raise SignInError("never_online", NEVER_ONLINE_MESSAGE)
        try:
            unlocked = self.vault.unlock(username, password)
            user = UserInfo.from_json(unlocked.user)
        except OfflineSignInError as exc:
            raise SignInError(exc.code, exc.message) from None
        except BadResponse:
            raise SignInError("never_online", NEVER_ONLINE_MESSAGE) from None
        stored = self.secrets.load(self.api.server_url, username)
        tokens: _Tokens | None = None
        if stored is not None and stored.refresh_expires_at > self._clock():
            register_secret(stored.refresh_token)
            tokens = _Tokens("", stored.refresh_token, 0.0, stored.refresh_expires_at)
        self._start(None, user, password)
        with self._lock:
            self._tokens = tokens  # not persisted again: it is the keyring's own
            self._awaiting_server = tokens is None
            self.offline = True
        self.store_keys = unlocked.keys
        log.info(
            "signed in offline as %s (%s)",
            user.username,
            "refresh token kept" if tokens else "password needed once the server answers",
        )
        return user

    def _forget_offline(self, username: str) -> None:
        if self.vault is not None:
            try:
                self.vault.forget(username)
            except Exception:
                log.exception("offline sign-in record not wiped")

    def reauthenticate(self, password: str) -> UserInfo:
        """Sign in again as the same user after the session expired (lock overlay)."""
        if self.user is None:
            raise SignInError("not_signed_in", "Belum masuk.")
        username = self.user.username
        user = self._login(username, password)
        log.info("signed in again as %s", user.username)
        return user

    def verify_password(self, password: str) -> bool:
        """Local check for the idle lock (no network; scrypt, so call it from a worker);
        constant-time comparison. False when the session ended or was signed out while the
        hash was being computed: the old password no longer unlocks anything."""
        with self._lock:
            check = self._password_check
        if check is None or not password:
            return False
        salt, digest = check
        matches = hmac.compare_digest(_hash_password(password, salt), digest)
        with self._lock:
            return matches and self._password_check is check

    def sign_out(self, timeout: float = LOGOUT_TIMEOUT_SECONDS) -> None:
        """Revoke the refresh family on the server (best effort) and forget everything locally.

        Local state is cleared first, so a dead server delays nothing but the revocation.
        """
        refresh = self.forget_session()
        if refresh is not None:
            self.revoke(refresh, timeout)

    def detach(self) -> None:
        """Sign-out, local and instant (GUI thread): the keyring entry and the unlock hash are
        gone now, listeners are dropped, and this object never touches the keyring again. The
        tokens stay in memory for the background release + `sign_out` that follow, so a new
        session of the same user (its own `AuthService`) is never disturbed by them."""
        with self._lock:
            user = self.user
            self._password_check = None
            self.session_listeners.clear()
            self._keyring_off = True
        if user is not None:
            self.secrets.delete(self.api.server_url, user.username)

    def forget_session(self) -> str | None:
        """The local half of signing out (instant; GUI thread is fine): tokens, user, unlock
        hash and keyring entry are gone. Returns the refresh token still to be revoked."""
        with self._lock:
            tokens, user = self._tokens, self.user
            self._tokens = None
            self.user = None
            self._password_check = None
            self._ended = None
            self._awaiting_server = False
            self.offline = False
            self.store_keys = None
        if user is not None and not self._keyring_off:
            self.secrets.delete(self.api.server_url, user.username)
        log.info("signed out")
        return tokens.refresh if tokens is not None else None

    def revoke(self, refresh_token: str, timeout: float = LOGOUT_TIMEOUT_SECONDS) -> bool:
        """The network half: revoke the refresh family (best effort; call from a worker)."""
        try:
            self.api.request(
                "POST",
                "/auth/logout",
                json_body={"refresh_token": refresh_token},
                auth=False,
                expect="none",
                timeout=timeout,
            )
        except LoketError as exc:
            log.info("logout not confirmed by server: %s", type(exc).__name__)
            return False
        return True

    def discard_leftover_session(self, username: str) -> None:
        """A refresh token left in the keyring by a crash is revoked and removed at start.

        While the server cannot be reached it stays: an offline sign-in adopts it, so that
        sending resumes by itself when the server is back (`sign_in_offline`)."""
        stored = self.secrets.load(self.api.server_url, username)
        if stored is None:
            return
        try:
            self.api.post_json(
                "/auth/logout", {"refresh_token": stored.refresh_token}, auth=False, expect="none"
            )
        except ConnectionFailure:
            log.info("leftover session kept: the server cannot be reached")
            return
        except LoketError:
            pass
        with self._lock:
            adopted = self._tokens is not None and self._tokens.refresh == stored.refresh_token
        if not adopted:
            self.secrets.delete(self.api.server_url, username)

    # -- TokenProvider ---------------------------------------------------------------------

    def access_token(self) -> str | None:
        with self._lock:
            tokens = self._tokens
            awaiting = self._awaiting_server
            if tokens is None:
                if self._ended is not None:
                    raise SessionExpired(self._ended.message, self._ended.code)
                if not awaiting:
                    return None
        if tokens is None:
            # Signed in offline without a refresh token: while the server cannot be reached
            # the request fails as offline (ConnectionFailure); once it answers, the session
            # asks for the password once.
            self.api.request("GET", "/health", auth=False, expect="none", timeout=5.0)
            ended = self._end_session(OFFLINE_SIGNIN_CODE, unless_signed_in=True)
            if ended is None:  # the password was given while /health was out: a new session
                return self.access_token()
            raise ended
        with self._lock:
            if tokens.access_expires_at - self._clock() > tokens.margin:
                return tokens.access
            stale = tokens.access
        return self.refresh_access(stale)

    def refresh_access(self, stale: str) -> str | None:
        """Refresh once for all threads; raises `SessionExpired` when the server says no.

        Single flight: the first thread to find `stale` current posts the refresh token and
        every other thread waits for that outcome (its `Future`), never for `_lock`. The lock
        guards the token fields only and is never held across the network, so the GUI thread's
        short reads (`verify_password`, `session_valid`, sign-out) never wait for a refresh
        that hangs until the request timeout."""
        with self._lock:
            tokens = self._tokens
            if tokens is None:
                ended = self._ended
                raise SessionExpired(
                    ended.message if ended else SESSION_ENDED_MESSAGE,
                    ended.code if ended else "refresh_invalid",
                )
            if tokens.access != stale:
                return tokens.access  # another thread already refreshed
            flight = self._refreshing
            leader = flight is None or flight.done()
            if leader:
                flight = self._refreshing = Future()
        assert flight is not None
        if not leader:
            return flight.result()  # the leader's token, or its exception
        try:
            fresh = self._refresh(tokens)
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        finally:
            with self._lock:
                if self._refreshing is flight:
                    self._refreshing = None
        flight.set_result(fresh)
        return fresh

    def _refresh(self, tokens: _Tokens) -> str | None:
        """The leader's half of `refresh_access`: the network call, then the hand-over."""
        refused: ApiError | None = None
        try:
            body = self.api.post_json(
                "/auth/refresh", {"refresh_token": tokens.refresh}, auth=False
            )
            fresh = self._parse_tokens(body)
        except ApiError as exc:
            if exc.code not in REFRESH_REFUSALS:
                raise
            refused = exc
        with self._lock:
            if self._tokens is not tokens:
                # Signed out, or in again, while the refresh was on the wire: its outcome
                # belongs to no session of ours; it neither ends nor revives the current one.
                log.debug("refresh finished after the session it was for had gone")
                return self._tokens.access if self._tokens is not None else None
            if refused is None:
                self._tokens = fresh
                self.offline = False  # the server knows us again
                if isinstance(body, dict) and body.get("user") is not None:
                    with contextlib.suppress(BadResponse):
                        self.user = UserInfo.from_json(body["user"])
        if refused is not None:  # outside the lock: listeners may take their time
            raise self.session_ended(refused.code) from refused
        self._persist(fresh)
        log.debug("access token refreshed")
        return fresh.access

    def session_ended(self, code: str) -> SessionExpired:
        """The server ended the session: forget tokens, keyring entry and unlock hash now.

        `code` ``account_disabled`` gets its own message (the offline credential is wiped, as
        DESIGN section 7 requires); anything else asks for the password again. Listeners hear
        about it once per ending. Returns the `SessionExpired` for the caller to raise.
        """
        ended = self._end_session(code)
        assert ended is not None
        return ended

    def _end_session(self, code: str, *, unless_signed_in: bool = False) -> SessionExpired | None:
        """`session_ended`; with `unless_signed_in`, None (nothing ended) when a session with
        tokens is in place: an offline session's late probe must not end the one signed in
        again meanwhile (the lock screen's password, then the password asked again)."""
        message = {
            "account_disabled": ACCOUNT_DISABLED_MESSAGE,
            "device_revoked": DEVICE_REVOKED_MESSAGE,
            OFFLINE_SIGNIN_CODE: OFFLINE_REAUTH_MESSAGE,
        }.get(code, SESSION_ENDED_MESSAGE)
        error = (DeviceRevoked if code == "device_revoked" else SessionExpired)(message, code)
        with self._lock:
            if unless_signed_in and self._tokens is not None:
                return None
            first = self._ended is None or (error.disabled and not self._ended.disabled)
            had_session = (
                self._tokens is not None or self._ended is not None or self._awaiting_server
            )
            self._tokens = None
            self._awaiting_server = False
            self._password_check = None
            if had_session and first:
                self._ended = error
            user = self.user
        if not had_session:  # signed out meanwhile: nothing to end
            return error
        if user is not None and error.disabled:
            self._forget_offline(user.username)  # DESIGN 7: wiped; the stores stay
        if user is not None and not self._keyring_off:
            self.secrets.delete(self.api.server_url, user.username)
        if first:
            log.warning("session ended by the server (%s)", code)
            for listener in list(self.session_listeners):
                try:
                    listener(error)
                except Exception:
                    log.exception("session listener failed")
        return error

    # -- helpers ---------------------------------------------------------------------------

    def _parse_tokens(self, body: Any) -> _Tokens:
        obj = expect_mapping(body, "token")
        try:
            now = self._clock()
            access = obj["access_token"]
            refresh = obj["refresh_token"]
            if not isinstance(access, str) or not isinstance(refresh, str):
                raise TypeError
            register_secret(access)
            register_secret(refresh)
            lifetime = float(obj.get("expires_in", 900))
            return _Tokens(
                access=access,
                refresh=refresh,
                access_expires_at=now + lifetime,
                refresh_expires_at=now + float(obj.get("refresh_expires_in", 8 * 3600)),
                lifetime=lifetime,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse("Jawaban masuk dari server tidak lengkap (token tidak ada).") from exc

    def _persist(self, tokens: _Tokens) -> None:
        user = self.user
        if user is None or self._keyring_off:
            return
        try:
            self.secrets.save(
                self.api.server_url,
                user.username,
                StoredSession(tokens.refresh, tokens.refresh_expires_at),
            )
            self.keyring_warning = None
        except InsecureKeyringError as exc:
            if self.keyring_warning is None:
                log.warning("keyring refused: session kept in memory only")
            self.keyring_warning = exc.message
