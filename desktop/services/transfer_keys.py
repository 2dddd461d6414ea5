"""The keys behind USB transfer files, kept in the OS keyring, and what this PC knows of them.

- **Device signing key** (Ed25519), one per installation and server: made on first use, the
  private half only in the keyring, the public half registered with the server at an online
  sign-in (``PUT /devices/current/key``; the first registration wins on the server). A transfer
  file and every request in it are signed with it (`desktop.domain.origin`).
- **Office transfer key** (AES-256), one per office, handed by the server to its signed-in
  staff (``POST /transfer/office-key``) and kept in the keyring, so a file can be written while
  the server cannot be reached and read only by a PC of the same office.
- **Profiles** (`profiles.json` in the data folder, no secrets): which store file belongs to
  which server, user and office, written at each online sign-in, so the `loket outbox` commands
  find the office of a store without Qt and without the server.

The keyring is `SecretStore`'s: a backend that keeps secrets in plain files is refused, and
then no transfer file can be written on this PC (said plainly).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keyring.errors
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import LoketError
from desktop.services.secrets import SecretStore

log = logging.getLogger(__name__)

PROFILES_FILE = "profiles.json"


class TransferError(LoketError):
    """A transfer file cannot be written or read; `message` is Indonesian, for IT staff."""


def key_id(key: bytes) -> str:
    """Names an office key in a file's header without giving it away (as the server does)."""
    return hashlib.sha256(key).hexdigest()[:16]


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise ValueError("not base64") from exc


@dataclass(frozen=True)
class OfficeKey:
    office_code: str
    key_id: str
    key: bytes


class TransferKeys:
    """Device and office keys in the keyring, per server."""

    def __init__(self, secrets: SecretStore, server_url: str) -> None:
        self.secrets = secrets
        self.server_url = server_url

    def _service(self, what: str) -> str:
        return f"Loket {what} {self.server_url}"

    def _get(self, what: str, name: str) -> str | None:
        if self.secrets.problem():
            return None
        try:
            return self.secrets.backend.get_password(self._service(what), name)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None

    def _set(self, what: str, name: str, value: str) -> None:
        self.secrets.check()  # InsecureKeyringError (a LoketError) with the reason
        try:
            self.secrets.backend.set_password(self._service(what), name, value)
        except keyring.errors.KeyringError as exc:
            raise TransferError(
                f"Penyimpanan kredensial menolak menyimpan kunci ({type(exc).__name__})."
            ) from exc

    # -- the device key ------------------------------------------------------------------------

    def device_key(self, device_id: str, *, create: bool = False) -> Ed25519PrivateKey | None:
        """This device's signing key; made (and kept) when `create` and there is none."""
        text = self._get("kunci-perangkat", device_id)
        if text:
            with contextlib.suppress(ValueError):
                return Ed25519PrivateKey.from_private_bytes(unb64(text))
            log.error("device signing key in the keyring is unreadable")
            if not create:
                return None
        if not create:
            return None
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self._set("kunci-perangkat", device_id, b64(raw))
        return private

    # -- office keys -------------------------------------------------------------------------

    def office_key(self, office_code: str) -> OfficeKey | None:
        text = self._get("kunci-kiriman", office_code)
        if not text:
            return None
        try:
            raw = json.loads(text)
            key = unb64(str(raw["key"]))
            return OfficeKey(office_code, str(raw["key_id"]), key)
        except (ValueError, KeyError, TypeError):
            return None

    def save_office_key(self, key: OfficeKey) -> None:
        value = json.dumps({"key_id": key.key_id, "key": b64(key.key)})
        self._set("kunci-kiriman", key.office_code, value)


def fetch_office_key(api: ApiClient) -> OfficeKey:
    """The signed-in user's office transfer key from the server (network)."""
    body = expect_mapping(api.post_json("/transfer/office-key", {}), "kunci kiriman")
    try:
        key = unb64(str(body["key"]))
        office = str(body["office_code"])
    except (KeyError, ValueError) as exc:
        raise TransferError("Jawaban server tentang kunci kiriman tidak dapat dibaca.") from exc
    if len(key) != 32 or key_id(key) != body.get("key_id"):
        raise TransferError("Kunci kiriman dari server tidak sah.")
    return OfficeKey(office, key_id(key), key)


def register_device_key(api: ApiClient, keys: TransferKeys) -> None:
    """Register this device's public key (made now if there is none) with the server. A 409
    ``device_key_mismatch`` means the server holds another key for this device: export from
    here would be refused, so it is raised."""
    private = keys.device_key(api.device_id, create=True)
    assert private is not None
    api.request("PUT", "/devices/current/key", json_body={"public_key": b64(public_bytes(private))})


# -- profiles: which store is whose (no secrets) ---------------------------------------------


@dataclass(frozen=True)
class Profile:
    store_path: str
    server_url: str
    username: str
    user_id: str
    office_code: str
    device_id: str


def _profiles_path(data_path: Path) -> Path:
    return data_path / PROFILES_FILE


def load_profiles(data_path: Path) -> list[Profile]:
    try:
        raw: Any = json.loads(_profiles_path(data_path).read_text(encoding="utf-8"))
        return [Profile(**item) for item in raw if isinstance(item, dict)]
    except (OSError, ValueError, TypeError):
        return []


def remember_profile(data_path: Path, profile: Profile) -> None:
    """Add or replace the profile of `profile.store_path` (written atomically, 0600)."""
    kept = [p for p in load_profiles(data_path) if p.store_path != profile.store_path]
    kept.append(profile)
    data_path.mkdir(parents=True, exist_ok=True)
    text = json.dumps([asdict(p) for p in kept], ensure_ascii=False, indent=1)
    write_atomically(_profiles_path(data_path), text.encode("utf-8"))


def profile_for(data_path: Path, store_path: Path) -> Profile | None:
    wanted = str(store_path.resolve())
    for profile in load_profiles(data_path):
        if profile.store_path == wanted:
            return profile
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a stick pulled out mid-write leaves the old
    file or none, never half a file): a temporary file beside it, flushed, then renamed."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def prepare_offline_transfer(
    api: ApiClient,
    secrets: SecretStore,
    data_path: Path,
    store_path: Path,
    *,
    username: str,
    user_id: str,
) -> str:
    """At an online sign-in (on the sign-in worker): register the device key, keep the office
    key and the store's profile, so a transfer file can be written later while offline.
    Never raises: returns "" or why it could not (logged; the sign-in goes on)."""
    keys = TransferKeys(secrets, api.server_url)
    try:
        register_device_key(api, keys)
        office = fetch_office_key(api)
        keys.save_office_key(office)
        remember_profile(
            data_path,
            Profile(
                str(store_path.resolve()), api.server_url, username, user_id,
                office.office_code, api.device_id,
            ),
        )  # fmt: skip
    except LoketError as exc:
        log.warning("transfer keys not prepared: %s", type(exc).__name__)
        return exc.message
    except OSError as exc:
        log.warning("transfer profile not written: %s", exc.strerror)
        return "Profil kiriman tidak dapat ditulis."
    return ""
