"""What the IT-staff commands (`loket outbox`, `loket sync`) share: settings, a password from
the terminal or stdin, a short session of their own, the store to work on.

No Qt here (nor in anything imported at module level): the commands run from a scheduled task
or a bare console. A command signs in on its own with the user's password and signs out at
the end: borrowing the desktop's refresh token from the keyring would rotate it under the
running app, and the server's reuse detection would then end both sessions.

Encrypted stores (SQLCipher, `desktop.models.cipher`): a command opens one with its owner's
store key, unwrapped from the keyring record by the owner's password (`Passwords` asks each
owner once: the terminal, or one line of stdin per owner with ``--password-stdin``), or by the
escrow secret the server hands an administrator (`loket outbox export --recover-user`). A
store set aside as ``*.rusak-<time>`` (damaged, or left by an old key) is read the same way.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO

from keyring.backends.null import Keyring as NullKeyring

from desktop.models import cipher
from desktop.models.outbox import UNSENT
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import LoketError
from desktop.services.auth import AuthService, UserInfo
from desktop.services.secrets import SecretStore
from desktop.services.transfer_keys import Profile, profile_for
from desktop.services.vault import Vault
from desktop.settings import Settings, data_dir, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse with its errors in Indonesian and exit code 2."""

    def error(self, message: str) -> NoReturn:
        for english, indonesian in (
            ("the following arguments are required", "argumen wajib belum diisi"),
            ("unrecognized arguments", "argumen tidak dikenal"),
            ("invalid choice", "pilihan tidak dikenal"),
            ("expected one argument", "perlu satu nilai"),
        ):
            message = message.replace(english, indonesian)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: galat: {message}\n")


def add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", metavar="NAMA", help="nama pengguna (bawaan: yang terakhir masuk)"
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="baca kata sandi dari baris pertama stdin (untuk tugas terjadwal)",
    )


def read_password(from_stdin: bool, stdin: TextIO | None = None) -> str:
    if from_stdin:
        return (stdin or sys.stdin).readline().rstrip("\r\n")
    return getpass.getpass("Kata sandi: ")


@dataclass
class CommandSession:
    """A session of the command's own (the keyring session of the desktop is left alone)."""

    settings: Settings
    api: ApiClient
    auth: AuthService
    user: UserInfo
    keys: dict[str, bytes] = field(default_factory=dict)
    """The user's store keys (office -> key), with `sign_in(..., unlock=True)`."""

    def close(self) -> None:
        self.auth.sign_out()
        self.api.close()


def sign_in(
    args: argparse.Namespace, stdin: TextIO | None = None, *, unlock: bool = False
) -> CommandSession:
    """Sign in as ``--user`` (or the last user) with a password; `LoketError` on failure.

    `unlock`: also open the user's store keys from this PC's keyring record, with the same
    password, or (an administrator reset it since) with the escrow secret the server gives the
    signed-in user. The record is not rewritten: the desktop does that at its next sign-in."""
    settings = load_settings()
    username = args.user or settings.last_username
    if not settings.server_url or not username:
        raise LoketError(
            "Alamat server atau nama pengguna belum diketahui: buka Loket dan masuk sekali, "
            "atau beri --user."
        )
    api = ApiClient(
        settings.server_url,
        device_id=settings.device_id,
        ca_bundle=settings.ca_bundle_path,
        timeout=settings.request_timeout_seconds,
    )
    # An in-memory session only: the null backend is refused by SecretStore, so the refresh
    # token never replaces the desktop's own entry in the keyring.
    auth = AuthService(api, SecretStore(NullKeyring()))  # type: ignore[no-untyped-call]
    password = read_password(args.password_stdin, stdin)
    user = auth.sign_in(username, password)
    session = CommandSession(settings, api, auth, user)
    if unlock:
        vault = Vault(SecretStore(), api.server_url)
        session.keys = vault.open_with_password(user.username, password)
        if user.office.code not in session.keys:
            escrow = auth.fetch_escrow()
            if escrow is not None:
                session.keys = {**vault.recover(user.username, escrow), **session.keys}
    return session


# -- encrypted stores --------------------------------------------------------------------------

ASIDE_MARK = ".rusak-"
"""`store_locator.move_aside`'s name for a store set aside (damaged, or not opened by a new key)."""


def is_aside(path: Path) -> bool:
    return ASIDE_MARK in path.name


def original_path(path: Path) -> Path:
    """``<office>.sqlite3.rusak-<time>`` -> ``<office>.sqlite3``; a store's own path as it is."""
    return path.with_name(path.name.split(ASIDE_MARK, 1)[0]) if is_aside(path) else path


@dataclass(frozen=True)
class Owner:
    """Whose store a file is: from the profile the desktop wrote at sign-in, else the layout
    ``stores/<server>/<username>/<office>.sqlite3`` with the configured server."""

    server_url: str
    username: str
    office_code: str


def owner_of(path: Path) -> Owner | None:
    profile = profile_for(data_dir(), original_path(path))
    if profile is not None:
        return Owner(profile.server_url, profile.username, profile.office_code)
    server = load_settings().server_url
    if not server:
        return None
    return Owner(server, original_path(path).parent.name, original_path(path).stem)


def key_that_opens(path: Path, keys: Mapping[str, bytes], office: str = "") -> bytes | None:
    """The one of `keys` (office -> key; `office`'s first) that opens the encrypted file.
    A key SQLCipher accepts but whose schema is damaged counts: salvage reads past that."""
    ordered = sorted(keys.items(), key=lambda item: item[0] != office)
    for _code, key in ordered:
        try:
            if cipher.opens_with(path, key):
                return key
        except cipher.dbapi.Error:
            return key
    return None


class Passwords:
    """Each store owner's password, asked once: the terminal, or (``--password-stdin``) one
    line of stdin per owner, in the order they are needed. None when there is nobody to ask
    (no terminal and no ``--password-stdin``): the store is then reported as locked."""

    def __init__(self, from_stdin: bool, stdin: TextIO | None = None) -> None:
        self.from_stdin = from_stdin
        self.stdin = stdin
        self._given: dict[str, str | None] = {}

    def get(self, username: str) -> str | None:
        if username not in self._given:
            self._given[username] = self._ask(username)
        return self._given[username]

    def _ask(self, username: str) -> str | None:
        if self.from_stdin:
            return (self.stdin or sys.stdin).readline().rstrip("\r\n") or None
        if self.stdin is None and not sys.stdin.isatty():
            return None
        if self.stdin is not None:  # a test's terminal
            return self.stdin.readline().rstrip("\r\n") or None
        return getpass.getpass(f"Kata sandi {username}: ") or None


def unlock_store(
    path: Path, passwords: Passwords, *, only_user: str | None = None
) -> tuple[bytes | None, str]:
    """(key, "") for an encrypted store its owner's password opens, else (None, why)."""
    owner = owner_of(path)
    if owner is None:
        return None, "terenkripsi; pemiliknya tidak diketahui"
    if only_user and owner.username != only_user:
        return None, f"terenkripsi (milik {owner.username}); tidak dibuka"
    password = passwords.get(owner.username)
    if password is None:
        return None, f"terenkripsi; perlu kata sandi {owner.username} (atau --password-stdin)"
    keys = Vault(SecretStore(), owner.server_url).open_with_password(owner.username, password)
    key = key_that_opens(path, keys, owner.office_code)
    if key is None:
        return None, (
            f"terenkripsi; kata sandi {owner.username} tidak membukanya (kata sandi salah, atau "
            "kunci lama: administrator dapat memakai --recover-user)"
        )
    return key, ""


# -- stores ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    profile: Profile | None
    counts: dict[str, int]
    oldest: int | None
    readable: bool = True

    @property
    def unsent(self) -> int:
        return sum(n for s, n in self.counts.items() if s in UNSENT)

    @property
    def title(self) -> str:
        if self.profile is None:
            return str(self.path)
        p = self.profile
        aside = f", disimpan terpisah: {self.path.name}" if is_aside(self.path) else ""
        return f"{p.username} @ kantor {p.office_code} ({p.server_url}{aside})"


def readonly(path: Path, key: bytes | None = None) -> Any:
    """A read-only DB-API connection (plain SQLite, or SQLCipher with `key`)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if key is None:
        return sqlite3.connect(uri, uri=True, timeout=5)
    conn = cipher.dbapi.connect(uri, uri=True, timeout=5, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(cipher.key_pragma(key))
    return conn


def read_counts(path: Path, key: bytes | None = None) -> StoreInfo:
    """Entries per state and the oldest unsent one's time, read-only (no migration, no
    purge: the store is not opened as a `Store`); an encrypted one with its `key`."""
    profile = profile_for(data_dir(), original_path(path))
    try:
        conn = readonly(path, key)
        try:
            rows = conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
            marks = ",".join("?" * len(UNSENT))
            oldest = conn.execute(
                f"SELECT MIN(created_at) FROM outbox WHERE state IN ({marks})", UNSENT
            ).fetchone()[0]
        finally:
            conn.close()
    except (sqlite3.Error, cipher.dbapi.Error):
        return StoreInfo(path, profile, {}, None, readable=False)
    return StoreInfo(
        path, profile, {str(s): int(n) for s, n in rows}, int(oldest) if oldest else None
    )


def known_stores() -> list[Path]:
    """Every store file under the data folder (``stores/<server>/<user>/<office>.sqlite3``),
    and those set aside beside them (``*.sqlite3.rusak-<time>``, without their WAL files)."""
    root = data_dir() / "stores"
    if not root.is_dir():
        return []
    aside = [
        p
        for p in root.glob(f"*/*/*.sqlite3{ASIDE_MARK}*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    ]
    return sorted([*root.glob("*/*/*.sqlite3"), *aside])


def age_text(since: int, now: float | None = None) -> str:
    seconds = max(0, int((now or time.time()) - since))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} hari {hours} jam"
    if hours:
        return f"{hours} jam {rest // 60} menit"
    return f"{rest // 60} menit"
