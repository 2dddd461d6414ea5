"""The keys of a user's local stores and the offline sign-in, both unlocked by the password only.

Why: counter PCs often share one Windows account, so whatever the OS keyring holds, every
person at that account can read. The keyring therefore holds one small record per server and
user in which nothing is usable without that user's password:

- a key-encryption key (KEK) is derived from the password with argon2id (random salt, parameters
  calibrated once per PC to take 0.2-0.5 s: `pc_params`), never stored;
- each office's store key (32 random bytes, `desktop.models.cipher`) is kept wrapped with AES-GCM
  under the KEK (associated data: server, user, office);
- the same derivation is the offline verifier: an AES-GCM tag under the KEK over who the user is,
  when they last signed in online and how many days that stays valid (`max_offline_days` from the
  server's `/me`). A wrong password fails the tag; an edited date or user fails it too.

- each store key is ALSO wrapped under a key derived (HKDF-SHA256) from the user's escrow
  secret, 32 random bytes the server keeps per user (``POST /me/escrow``) and hands to the
  signed-in user over TLS at each online sign-in. The secret is never written on the PC: only
  the wrap under it is. It lets an online sign-in after an administrator reset the password
  open the store keys and wrap them under the new password (`remember`), and lets an
  administrator, signed in online on this PC, fetch a user's secret through an audited
  endpoint to export that user's unsent work (`recover`), also for a disabled account.

The record is made or refreshed at each ONLINE sign-in (and password re-entry), read at offline
sign-in (password only: the escrow secret is not on the PC), and wiped of the verifier when the
server says the account is disabled. The wrapped store keys stay then (they open nothing without
the password or the server's escrow secret): unsent work in that user's store is never made
unreadable by the program. The password itself is never stored or logged.

Records stay far below Windows Credential Manager's 2,560-byte limit (`RECORD_LIMIT`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring.errors
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.models.cipher import KEY_BYTES
from desktop.services.api.errors import InsecureKeyringError, LoketError
from desktop.services.secrets import INSECURE_HELP, SecretStore
from desktop.settings import private_file

log = logging.getLogger(__name__)

RECORD_VERSION = 1
RECORD_LIMIT = 2560
"""Windows Credential Manager's cap on one secret blob, in bytes."""
SALT_BYTES = 16
ESCROW_BYTES = 32
"""The server's per-user escrow secret (`server/routes/escrow.py`)."""
NONCE_BYTES = 12
TARGET_SECONDS = 0.3
"""Calibration aims here, inside DESIGN's 0.2-0.5 s for the offline sign-in check."""
MEMORY_KIB = 64 * 1024
MIN_MEMORY_KIB = 19 * 1024  # OWASP's argon2id floor
MIN_TIME_COST = 2
CALIBRATION_FILE = "kdf.json"
CLOCK_SLACK_SECONDS = 3600
"""A PC clock this far behind the last online sign-in is not trusted to count the days."""

NEVER_ONLINE_MESSAGE = (
    "Belum pernah masuk secara daring di komputer ini. Masuk luring hanya dapat dipakai setelah "
    "pengguna ini sekali masuk secara daring di komputer ini."
)
WRONG_PASSWORD_MESSAGE = "Nama pengguna atau kata sandi salah."
DISABLED_MESSAGE = (
    "Akun ini dinonaktifkan oleh administrator, sehingga masuk luring tidak tersedia. Hubungi "
    "administrator Disdukcapil/Diskominfo bila ini keliru."
)
EXPIRED_MESSAGE = (
    "Masuk luring tidak berlaku lagi: terakhir masuk secara daring {days} hari yang lalu, "
    "batasnya {limit} hari. Sambungkan komputer ke server lalu masuk secara daring."
)
CLOCK_MESSAGE = (
    "Jam komputer ini lebih awal daripada saat terakhir masuk secara daring, sehingga masa "
    "berlaku masuk luring tidak dapat dihitung. Perbaiki tanggal dan jam komputer."
)


ESCROW_NEEDED_MESSAGE = (
    "Kata sandi Anda telah diganti. Kunci salinan lokal di komputer ini perlu dibuka dengan kunci "
    "cadangan dari server, tetapi server belum memberikannya. Coba masuk lagi sebentar lagi; "
    "salinan lokal dan pekerjaan yang belum terkirim tidak diubah."
)


class EscrowNeeded(LoketError):
    """The password no longer opens store keys that the escrow secret would open, and the
    secret did not come: refused rather than making new keys (which would set the store aside
    and, at the next sign-in, drop the escrow wrap of the old key)."""


class OfflineSignInError(LoketError):
    """Offline sign-in refused; `code`: never_online, wrong_password, expired, disabled, clock,
    keyring."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- the derivation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KdfParams:
    """argon2id cost. Kept in each record, so a record made on a faster PC still opens here."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1

    def derive(self, password: str, salt: bytes) -> bytes:
        return hash_secret_raw(
            password.encode("utf-8"),
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )

    def to_list(self) -> list[int]:
        return [self.time_cost, self.memory_kib, self.parallelism]

    @classmethod
    def from_list(cls, raw: Any) -> KdfParams:
        t, m, p = (int(v) for v in raw)
        if t < 1 or m < 8 * p or p < 1:
            raise ValueError("argon2 parameters out of range")
        return cls(t, m, p)


def timed(params: KdfParams, timer: Callable[[], float] = time.perf_counter) -> float:
    started = timer()
    params.derive("kalibrasi", b"\0" * SALT_BYTES)
    return timer() - started


def calibrate(
    target: float = TARGET_SECONDS, timer: Callable[[], float] = time.perf_counter
) -> KdfParams:
    """Parameters whose derivation takes about `target` seconds on this PC: 64 MiB (less on a
    PC too slow for two passes of it), then as many passes as fit."""
    memory = MEMORY_KIB
    one = timed(KdfParams(1, memory), timer)
    while one * MIN_TIME_COST > target * 1.5 and memory // 2 >= MIN_MEMORY_KIB:
        memory //= 2
        one = timed(KdfParams(1, memory), timer)
    passes = max(MIN_TIME_COST, round(target / max(one, 1e-6)))
    return KdfParams(passes, memory)


def pc_params(data_path: Path, timer: Callable[[], float] = time.perf_counter) -> KdfParams:
    """This PC's calibrated parameters: measured once, then read from ``<data>/kdf.json``."""
    path = data_path / CALIBRATION_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return KdfParams.from_list(raw["params"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    params = calibrate(timer=timer)
    seconds = timed(params, timer)
    log.info(
        "argon2id calibrated for this PC: t=%d, m=%d KiB (%.2f s)",
        params.time_cost,
        params.memory_kib,
        seconds,
    )
    try:
        data_path.mkdir(parents=True, exist_ok=True)
        private_file(path)
        path.write_text(
            json.dumps({"params": params.to_list(), "seconds": round(seconds, 3)}),
            encoding="utf-8",
        )
    except OSError as exc:
        log.warning("calibration not saved: %s", exc)
    return params


# -- the record --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


@dataclass(frozen=True)
class StoreKeys:
    """The store keys unlocked at sign-in, by office code; `new`: made at this sign-in (no
    store of that office can have been encrypted with them yet)."""

    keys: Mapping[str, bytes]
    new: frozenset[str] = field(default_factory=frozenset)

    def for_office(self, office_code: str) -> bytes | None:
        return self.keys.get(office_code)

    def is_new(self, office_code: str) -> bool:
        return office_code in self.new

    def others(self, office_code: str) -> list[bytes]:
        return [k for code, k in self.keys.items() if code != office_code]


@dataclass(frozen=True)
class OfflineUnlock:
    user: Mapping[str, Any]
    """The `/me` answer of the last online sign-in (who, roles, office, offline policy)."""
    keys: StoreKeys
    last_online: float


class Vault:
    """One server's records in the keyring (service ``Loket <server> luring``, one per user)."""

    def __init__(
        self,
        secrets: SecretStore,
        server_url: str,
        *,
        params: KdfParams | None = None,
        data_path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`params` None: this PC's calibrated parameters (`pc_params`, measured on first use).
        Tests pass cheap ones here, explicitly; nothing else lowers them."""
        self.secrets = secrets
        self.server_url = server_url
        self._params = params
        self._data_path = data_path
        self._clock = clock

    @property
    def params(self) -> KdfParams:
        if self._params is None:
            from desktop.settings import data_dir

            self._params = pc_params(self._data_path or data_dir())
        return self._params

    @property
    def service(self) -> str:
        return f"{self.secrets.service_name(self.server_url)} luring"

    # -- keyring ---------------------------------------------------------------------------

    def _load(self, username: str) -> dict[str, Any] | None:
        if self.secrets.problem():
            return None
        try:
            text = self.secrets.backend.get_password(self.service, username)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None
        if not text:
            return None
        try:
            raw = json.loads(text)
        except ValueError:
            log.warning("offline sign-in record unreadable; ignored")
            return None
        return raw if isinstance(raw, dict) and raw.get("v") == RECORD_VERSION else None

    def _save(self, username: str, record: Mapping[str, Any]) -> None:
        self.secrets.check()
        text = json.dumps(record, separators=(",", ":"), sort_keys=True)
        if len(text.encode("utf-8")) > RECORD_LIMIT:
            raise InsecureKeyringError(
                "Data masuk luring terlalu besar untuk penyimpanan kredensial sistem operasi."
            )
        try:
            self.secrets.backend.set_password(self.service, username, text)
        except keyring.errors.KeyringError as exc:
            raise InsecureKeyringError(
                "Penyimpanan kredensial sistem operasi menolak menyimpan kunci "
                f"({type(exc).__name__}). " + INSECURE_HELP
            ) from exc

    def record_size(self, username: str) -> int:
        """Bytes the user's record takes in the keyring (0 when none)."""
        record = self._load(username)
        if record is None:
            return 0
        return len(json.dumps(record, separators=(",", ":"), sort_keys=True).encode("utf-8"))

    # -- crypto ----------------------------------------------------------------------------

    def _wrap_ad(self, username: str, office: str) -> bytes:
        return f"loket-kunci-toko|{self.server_url}|{username}|{office}".encode()

    def _escrow_ad(self, username: str, office: str) -> bytes:
        return f"loket-kunci-toko-cadangan|{self.server_url}|{username}|{office}".encode()

    def _escrow_kek(self, username: str, escrow: bytes, salt: bytes) -> bytes:
        if len(escrow) != ESCROW_BYTES:
            raise ValueError("an escrow secret is 32 bytes")
        return HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=salt,
            info=f"loket-escrow|{self.server_url}|{username}".encode(),
        ).derive(escrow)

    def _escrow_unwrap(self, username: str, escrow: bytes, part: Any) -> dict[str, bytes]:
        """office -> key for what the escrow wrap ``e`` of a record opens with `escrow`."""
        if not isinstance(part, dict) or "s" not in part:
            return {}
        try:
            aead = AESGCM(self._escrow_kek(username, escrow, _unb64(part["s"])))
        except ValueError:
            return {}
        opened: dict[str, bytes] = {}
        for office, blob in (part.get("k") or {}).items():
            try:
                raw = _unb64(blob)
                opened[office] = aead.decrypt(
                    raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._escrow_ad(username, office)
                )
            except (InvalidTag, ValueError):
                continue
        return opened

    def _escrow_wrap(
        self, username: str, escrow: bytes, keys: Mapping[str, bytes]
    ) -> dict[str, Any]:
        salt = os.urandom(SALT_BYTES)
        aead = AESGCM(self._escrow_kek(username, escrow, salt))
        wrapped = {}
        for code, key in keys.items():
            nonce = os.urandom(NONCE_BYTES)
            wrapped[code] = _b64(nonce + aead.encrypt(nonce, key, self._escrow_ad(username, code)))
        return {"s": _b64(salt), "k": wrapped}

    def _verifier_ad(self, username: str, record: Mapping[str, Any]) -> bytes:
        signed = {k: record.get(k) for k in ("s", "p", "u", "at", "d")}
        signed["server"], signed["username"] = self.server_url, username
        return json.dumps(signed, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def _unwrap_all(
        self, kek: bytes, username: str, wrapped: Mapping[str, Any]
    ) -> tuple[dict[str, bytes], dict[str, Any]]:
        """(office -> key) for what `kek` opens, and the wrapped keys it does not open."""
        aead = AESGCM(kek)
        opened: dict[str, bytes] = {}
        closed: dict[str, Any] = {}
        for office, blob in wrapped.items():
            try:
                raw = _unb64(blob)
                opened[office] = aead.decrypt(
                    raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._wrap_ad(username, office)
                )
            except (InvalidTag, ValueError):
                closed[office] = blob
        return opened, closed

    # -- online sign-in --------------------------------------------------------------------

    def remember(
        self,
        username: str,
        password: str,
        user: Mapping[str, Any],
        escrow: bytes | None = None,
    ) -> StoreKeys:
        """After an ONLINE sign-in (worker thread: one or two derivations): refresh the offline
        verifier (valid `user`'s ``max_offline_days`` from now) and return the store keys, a
        new one for the user's office when there is none.

        `escrow` (the server's secret for this user, None when it could not be fetched): keys
        the password no longer opens (an administrator reset it) are opened with it, and every
        key is wrapped under it again. Keys neither opens are kept aside in the record under
        ``old`` with their salt, for recovery with the old password; never silently dropped.

        Raises `InsecureKeyringError` when the keyring cannot hold the record."""
        self.secrets.check()
        record = self._load(username) or {}
        keys: dict[str, bytes] = {}
        closed: dict[str, Any] = {}
        kek: bytes | None = None
        params = self.params
        if "s" in record and "p" in record:
            try:
                old_params = KdfParams.from_list(record["p"])
                old_salt = _unb64(record["s"])
                old_kek = old_params.derive(password, old_salt)
                keys, closed = self._unwrap_all(old_kek, username, record.get("k") or {})
                if escrow is not None:
                    for code, key in self._escrow_unwrap(username, escrow, record.get("e")).items():
                        if code not in keys:
                            keys[code] = key
                            log.info("store key opened with the escrow secret (password reset)")
                        closed.pop(code, None)
                escrowed = ((record.get("e") or {}).get("k") or {}).keys()
                if escrow is None and set(closed) & set(escrowed):
                    raise EscrowNeeded(ESCROW_NEEDED_MESSAGE)
                if old_params == params and not closed:
                    kek, salt = old_kek, old_salt
            except (ValueError, TypeError):
                log.warning("offline sign-in record malformed; made again")
        if kek is None:
            salt = os.urandom(SALT_BYTES)
            kek = params.derive(password, salt)
        office = str((user.get("office") or {}).get("code") or "")
        new: set[str] = set()
        if office not in keys:
            keys[office] = os.urandom(KEY_BYTES)
            new.add(office)
        policy = user.get("offline_policy") or {}
        days = int(policy.get("max_offline_days", 7)) if isinstance(policy, dict) else 7
        aead = AESGCM(kek)
        fresh: dict[str, Any] = {
            "v": RECORD_VERSION,
            "s": _b64(salt),
            "p": params.to_list(),
            "u": dict(user),
            "at": int(self._clock()),
            "d": days,
        }
        wrapped = {}
        for code, key in keys.items():
            nonce = os.urandom(NONCE_BYTES)
            wrapped[code] = _b64(nonce + aead.encrypt(nonce, key, self._wrap_ad(username, code)))
        fresh["k"] = wrapped
        if escrow is not None:
            fresh["e"] = self._escrow_wrap(username, escrow, keys)
        elif "e" in record:  # the server did not answer it: the earlier wraps still hold
            fresh["e"] = record["e"]
        nonce = os.urandom(NONCE_BYTES)
        fresh["c"] = _b64(nonce + aead.encrypt(nonce, b"", self._verifier_ad(username, fresh)))
        if closed:  # the password changed: the old keys wait for the old password
            log.warning("%d store key(s) not opened by the new password; kept aside", len(closed))
            fresh["old"] = {"s": record["s"], "p": record["p"], "k": closed}
        elif "old" in record:
            fresh["old"] = record["old"]
        self._save(username, fresh)
        return StoreKeys(keys, frozenset(new))

    # -- offline sign-in -------------------------------------------------------------------

    def knows(self, username: str) -> bool:
        """Whether `username` could sign in offline here (a record with a verifier)."""
        record = self._load(username)
        return record is not None and "c" in record

    def unlock(self, username: str, password: str) -> OfflineUnlock:
        """Offline sign-in (worker thread: one derivation). Raises `OfflineSignInError`."""
        problem = self.secrets.problem()
        if problem:
            raise OfflineSignInError("keyring", problem)
        record = self._load(username)
        if record is None:
            raise OfflineSignInError("never_online", NEVER_ONLINE_MESSAGE)
        if record.get("off"):
            raise OfflineSignInError("disabled", DISABLED_MESSAGE)
        try:
            params = KdfParams.from_list(record["p"])
            salt = _unb64(record["s"])
            check = _unb64(record["c"])
            user = record["u"]
            last_online = float(record["at"])
            days = int(record["d"])
        except (KeyError, ValueError, TypeError):
            raise OfflineSignInError("never_online", NEVER_ONLINE_MESSAGE) from None
        kek = params.derive(password, salt)
        try:
            AESGCM(kek).decrypt(
                check[:NONCE_BYTES], check[NONCE_BYTES:], self._verifier_ad(username, record)
            )
        except InvalidTag:
            raise OfflineSignInError("wrong_password", WRONG_PASSWORD_MESSAGE) from None
        now = self._clock()
        if now < last_online - CLOCK_SLACK_SECONDS:
            raise OfflineSignInError("clock", CLOCK_MESSAGE)
        if now - last_online > days * 86400:
            age = int((now - last_online) // 86400)
            raise OfflineSignInError("expired", EXPIRED_MESSAGE.format(days=age, limit=days))
        keys, _closed = self._unwrap_all(kek, username, record.get("k") or {})
        return OfflineUnlock(user if isinstance(user, dict) else {}, StoreKeys(keys), last_online)

    # -- account disabled ------------------------------------------------------------------

    def forget(self, username: str) -> None:
        """The server says the account is disabled: the verifier and the user's details go;
        the wrapped store keys stay (useless without the password), so unsent work in the
        user's stores is never made unreadable by the program."""
        record = self._load(username)
        if record is None:
            return
        kept: dict[str, Any] = {
            k: record[k] for k in ("v", "s", "p", "k", "e", "old") if k in record
        }
        kept["off"] = 1
        try:
            self._save(username, kept)
        except InsecureKeyringError:
            log.warning("offline sign-in record of a disabled account not rewritten: deleted")
            with contextlib.suppress(keyring.errors.KeyringError):
                self.secrets.backend.delete_password(self.service, username)
            return
        log.info("offline sign-in wiped: the account is disabled")

    def offices(self, username: str) -> Iterable[str]:
        record = self._load(username) or {}
        return tuple((record.get("k") or {}).keys())

    # -- tools: a store key without signing in -------------------------------------------

    def recover(self, username: str, escrow: bytes) -> dict[str, bytes]:
        """office -> store key of `username`, opened with the escrow secret an administrator
        fetched from the server (audited there). Works for a disabled account too: `forget`
        keeps the wraps. Empty when nothing here is wrapped under that secret."""
        record = self._load(username) or {}
        return self._escrow_unwrap(username, escrow, record.get("e"))

    def open_with_password(self, username: str, password: str) -> dict[str, bytes]:
        """office -> store key of `username` that `password` opens: the current wraps, and
        the keys kept aside under an earlier password (``old``). For the IT commands
        (`loket outbox`, `loket sync`); no expiry or disabled check (those guard signing in,
        not reading one's own unsent work). Empty when the password opens nothing."""
        record = self._load(username) or {}
        opened: dict[str, bytes] = {}
        for part in (record.get("old"), record):
            if not isinstance(part, dict) or "s" not in part or "p" not in part:
                continue
            try:
                kek = KdfParams.from_list(part["p"]).derive(password, _unb64(part["s"]))
            except (ValueError, TypeError):
                continue
            found, _closed = self._unwrap_all(kek, username, part.get("k") or {})
            opened.update(found)
        return opened
