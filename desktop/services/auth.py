"""Sign-in, token refresh and sign-out, with messages a counter officer understands.

The access token lives in memory only; the refresh token also goes to the OS keyring
(`SecretStore`), which is cleared on sign-out. Refresh tokens rotate on the server and a reused
one revokes the whole family, so refreshing is serialized behind one lock and a thread that
finds the token already refreshed by another thread simply uses the new one.

For the idle lock the password is checked locally against a salted scrypt hash kept in memory
for this session only (never written anywhere), so unlocking works without the network and never
loses open work.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.domain.records import parse_datetime
from desktop.domain.workflow import Role
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    InsecureKeyringError,
    LoketError,
    SessionExpired,
)
from desktop.services.logmask import register_secret
from desktop.services.secrets import SecretStore, StoredSession

log = logging.getLogger(__name__)

LOGOUT_TIMEOUT_SECONDS = 3.0
REFRESH_MARGIN_SECONDS = 60.0
"""Refresh the access token up to this long before it expires, so requests rarely see 401."""


class SignInError(LoketError):
    """Sign-in failed; `code` is the server's code or a local one (unreachable, bad_response)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


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
        self, api: ApiClient, secrets: SecretStore, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.api = api
        self.secrets = secrets
        self._clock = clock
        self._lock = threading.RLock()
        self._tokens: _Tokens | None = None
        self._password_check: tuple[bytes, bytes] | None = None
        self.user: UserInfo | None = None
        self.keyring_warning: str | None = None
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

    # -- sign in / out ---------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> UserInfo:
        """Log in (network; call from a worker). Raises `SignInError` with a message."""
        username = username.strip()
        if not username or not password:
            raise SignInError("empty", "Isi nama pengguna dan kata sandi.")
        if self.user is not None and self.user.username != username:
            raise SignInError("other_user", "Keluar dahulu sebelum masuk sebagai pengguna lain.")
        try:
            body = self.api.post_json(
                "/auth/login",
                {"username": username, "password": password, "device_id": self.api.device_id},
                auth=False,
            )
            tokens = self._parse_tokens(body)
            user = UserInfo.from_json(expect_mapping(body, "masuk").get("user"))
        except Exception as exc:
            raise sign_in_message(exc, now=self._clock()) from exc
        salt = os.urandom(16)
        with self._lock:
            self._tokens = tokens
            self.user = user
            self._password_check = (salt, _hash_password(password, salt))
        self._persist(tokens)
        log.info("signed in as %s (%s)", user.username, ",".join(user.roles_raw))
        return user

    def reauthenticate(self, password: str) -> UserInfo:
        """Sign in again as the same user after the session expired (lock overlay)."""
        if self.user is None:
            raise SignInError("not_signed_in", "Belum masuk.")
        username = self.user.username
        try:
            body = self.api.post_json(
                "/auth/login",
                {"username": username, "password": password, "device_id": self.api.device_id},
                auth=False,
            )
            tokens = self._parse_tokens(body)
            user = UserInfo.from_json(expect_mapping(body, "masuk").get("user"))
        except Exception as exc:
            raise sign_in_message(exc, now=self._clock()) from exc
        salt = os.urandom(16)
        with self._lock:
            self._tokens = tokens
            self.user = user
            self._password_check = (salt, _hash_password(password, salt))
        self._persist(tokens)
        return user

    def verify_password(self, password: str) -> bool:
        """Local check for the idle lock (no network); constant-time comparison."""
        with self._lock:
            check = self._password_check
        if check is None or not password:
            return False
        salt, digest = check
        return hmac.compare_digest(_hash_password(password, salt), digest)

    def sign_out(self) -> None:
        """Revoke the refresh family on the server (best effort) and forget everything locally.

        Local state is cleared first, so a dead server delays nothing but the revocation.
        """
        with self._lock:
            tokens, user = self._tokens, self.user
            self._tokens = None
            self.user = None
            self._password_check = None
        if user is not None:
            self.secrets.delete(self.api.server_url, user.username)
        if tokens is not None:
            try:
                self.api.request(
                    "POST",
                    "/auth/logout",
                    json_body={"refresh_token": tokens.refresh},
                    auth=False,
                    expect="none",
                    timeout=LOGOUT_TIMEOUT_SECONDS,
                )
            except LoketError as exc:
                log.info("logout not confirmed by server: %s", type(exc).__name__)
        log.info("signed out")

    def discard_leftover_session(self, username: str) -> None:
        """A refresh token left in the keyring by a crash is revoked and removed at start."""
        stored = self.secrets.load(self.api.server_url, username)
        if stored is None:
            return
        self.secrets.delete(self.api.server_url, username)
        with contextlib.suppress(LoketError):
            self.api.post_json(
                "/auth/logout", {"refresh_token": stored.refresh_token}, auth=False, expect="none"
            )

    # -- TokenProvider ---------------------------------------------------------------------

    def access_token(self) -> str | None:
        with self._lock:
            tokens = self._tokens
            if tokens is None:
                return None
            if tokens.access_expires_at - self._clock() > tokens.margin:
                return tokens.access
            stale = tokens.access
        return self.refresh_access(stale)

    def refresh_access(self, stale: str) -> str | None:
        """Refresh once for all threads; raises `SessionExpired` when the server says no."""
        with self._lock:
            tokens = self._tokens
            if tokens is None:
                raise SessionExpired("Sesi berakhir. Masukkan kata sandi untuk melanjutkan.")
            if tokens.access != stale:
                return tokens.access  # another thread already refreshed
            try:
                body = self.api.post_json(
                    "/auth/refresh", {"refresh_token": tokens.refresh}, auth=False
                )
                fresh = self._parse_tokens(body)
            except ApiError as exc:
                if exc.code in ("refresh_invalid", "token_invalid", "account_disabled"):
                    self._tokens = None
                    if self.user is not None:
                        self.secrets.delete(self.api.server_url, self.user.username)
                    if exc.code == "account_disabled":
                        raise SessionExpired(
                            "Akun Anda dinonaktifkan oleh administrator; sesi diakhiri."
                        ) from exc
                    raise SessionExpired(
                        "Sesi Anda telah berakhir. Masukkan kata sandi untuk melanjutkan; "
                        "pekerjaan yang terbuka tidak hilang."
                    ) from exc
                raise
            self._tokens = fresh
            if isinstance(body, dict) and body.get("user") is not None:
                with contextlib.suppress(BadResponse):
                    self.user = UserInfo.from_json(body["user"])
        self._persist(fresh)
        log.debug("access token refreshed")
        return fresh.access

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
        if user is None:
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
