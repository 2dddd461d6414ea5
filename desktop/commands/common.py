"""What the IT-staff commands (`loket outbox`, `loket sync`) share: settings, a password from
the terminal or stdin, a short session of their own, the store to work on.

No Qt here (nor in anything imported at module level): the commands run from a scheduled task
or a bare console. A command signs in on its own with the user's password and signs out at
the end: borrowing the desktop's refresh token from the keyring would rotate it under the
running app, and the server's reuse detection would then end both sessions.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

from keyring.backends.null import Keyring as NullKeyring

from desktop.models.outbox import UNSENT
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService, UserInfo
from desktop.services.secrets import SecretStore
from desktop.services.transfer_keys import Profile, load_profiles
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

    def close(self) -> None:
        self.auth.sign_out()
        self.api.close()


def sign_in(args: argparse.Namespace, stdin: TextIO | None = None) -> CommandSession:
    """Sign in as ``--user`` (or the last user) with a password; `LoketError` on failure."""
    settings = load_settings()
    username = args.user or settings.last_username
    if not settings.server_url or not username:
        from desktop.services.api.errors import LoketError

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
    user = auth.sign_in(username, read_password(args.password_stdin, stdin))
    return CommandSession(settings, api, auth, user)


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
        return f"{p.username} @ kantor {p.office_code} ({p.server_url})"


def read_counts(path: Path) -> StoreInfo:
    """Entries per state and the oldest unsent one's time, read-only (no migration, no
    purge: the store is not opened as a `Store`)."""
    profile = next(
        (p for p in load_profiles(data_dir()) if p.store_path == str(path.resolve())), None
    )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
            marks = ",".join("?" * len(UNSENT))
            oldest = conn.execute(
                f"SELECT MIN(created_at) FROM outbox WHERE state IN ({marks})", UNSENT
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return StoreInfo(path, profile, {}, None, readable=False)
    return StoreInfo(
        path, profile, {str(s): int(n) for s, n in rows}, int(oldest) if oldest else None
    )


def known_stores() -> list[Path]:
    """Every store file under the data folder (``stores/<server>/<user>/<office>.sqlite3``)."""
    root = data_dir() / "stores"
    return sorted(root.glob("*/*/*.sqlite3")) if root.is_dir() else []


def age_text(since: int, now: float | None = None) -> str:
    seconds = max(0, int((now or time.time()) - since))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} hari {hours} jam"
    if hours:
        return f"{hours} jam {rest // 60} menit"
    return f"{rest // 60} menit"
