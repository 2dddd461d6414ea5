"""Where each user's local store lives, and opening it safely.

The layout is readable, one folder per server and user, one file per office::

    <data>/stores/<server host_port>/<username>/<office code>.sqlite3

so "which caches are this user's other offices?" is a directory listing, not a guess at hashed
names. Every part is made file-name safe (`safe_name`): nothing can climb out of its folder
(``../``), Windows' reserved names (``CON``) and lossy spellings (``a/b`` next to ``a_b``,
``Ana`` next to ``ana`` on a case-insensitive disk) get a short hash so two people never share a
folder. Folders are 0700 and files 0600 (`desktop.settings.private_dir`/`private_file`).

- A user moved to another office starts a fresh cache; the caches of the same user's other
  offices are deleted at sign-in (personal data of an office the user no longer serves must not
  linger) — except a store that holds unsent outbox entries (`models.outbox.has_unsent`):
  unsent work is never deleted by the program (DESIGN section 6); it stays until sent.
- A corrupt cache (power cut) is moved aside as ``*.rusak-<time>`` and rebuilt from the server.
- Caches of older versions (``<data>/cache/<hash>-<user>@<office>-<hash>.sqlite3``) are moved
  into this layout on first use, with their WAL: they may hold unsent checklist marks.
- Encrypted stores (`models.cipher`, the keys from `services.vault`): a plain store is converted
  on its first keyed open; an encrypted one the user's key (proven right by the vault) does not
  open fails closed (`StoreKeyError`: file untouched, the sign-in says why). One that only a
  key the vault no longer has could open (the key was made new at this sign-in: keyring
  cleared, password changed) is set aside like a corrupt one, kept, and the person is told.
  Another office's encrypted store is read with that office's key to tell whether it holds
  unsent work; one no key opens counts as holding some and stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy.exc
from PySide6.QtCore import QT_TRANSLATE_NOOP

from desktop.models import cipher, salvage
from desktop.models.outbox import has_unsent, holds_unsent
from desktop.models.store import Store
from desktop.settings import private_dir, private_file

log = logging.getLogger(__name__)

STORE_SUFFIX = ".sqlite3"
COMPANIONS = ("-wal", "-shm", "-journal")
"""SQLite's files beside a database; they move and go with it."""
STORE_SET_ASIDE_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "StoreLocator",
    "Salinan lokal lama di komputer ini tidak dapat dibuka dengan kunci Anda yang sekarang "
    "(rusak, atau dikunci dengan kunci yang tidak tersedia lagi, misalnya setelah kata sandi "
    "diganti). Berkas itu disimpan terpisah dan tidak dihapus; data diambil lagi dari server. "
    "Bila ada pekerjaan yang belum terkirim di dalamnya, hubungi administrator.",
)
CACHE_REBUILT_MESSAGE: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "StoreLocator",
    "Salinan lokal rusak dan dibuat ulang; data diambil lagi dari server. Pekerjaan di server "
    "tidak terpengaruh.",
)
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{name}{n}" for name in ("COM", "LPT") for n in "123456789¹²³"
}
_MAX_NAME = 64


class StoreUnavailable(Exception):
    """No usable store can be opened; `message` is Indonesian, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- the layout ------------------------------------------------------------------------------


def safe_name(text: str) -> str:
    """`text` as one file name, readable when it can be and never ambiguous.

    Letters (any script), digits, ``.``, ``-`` and ``_`` are kept; anything else becomes ``_``;
    leading dots and trailing dots or spaces go. When that changed the text, or it has capitals
    (case-insensitive disks), or it is a reserved name on Windows, a hash of the original is
    appended, so two different texts never share a name."""
    original = unicodedata.normalize("NFC", text)
    name = re.sub(r"[^\w.-]", "_", original).lstrip(".").rstrip(". ")[:_MAX_NAME]
    base, dot, rest = name.partition(".")
    reserved = base.rstrip(" ").upper() in _WINDOWS_RESERVED  # "nul.txt" too
    if not name or name != original or original != original.lower() or reserved:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        name = f"{base or '_'}-{digest}{dot}{rest}"  # in the base: "nul-1a2b3c4d.txt"
    return name


def server_folder(server_url: str) -> str:
    """``https://loket.pekanbaru.go.id`` -> ``loket.pekanbaru.go.id``; a port or a path prefix
    is part of it (``127.0.0.1_8765``): another port is another server."""
    parts = urlsplit(server_url)
    host = (parts.hostname or "server").lower()
    pieces = [host, str(parts.port) if parts.port else "", parts.path.strip("/")]
    return safe_name("_".join(p for p in pieces if p).replace("/", "_"))


def user_folder(data_path: Path, server_url: str, username: str) -> Path:
    return data_path / "stores" / server_folder(server_url) / safe_name(username)


def store_location(data_path: Path, server_url: str, username: str, office_code: str) -> Path:
    """The cache of `username` at `office_code` on that server."""
    return user_folder(data_path, server_url, username) / (safe_name(office_code) + STORE_SUFFIX)


def other_office_stores(
    data_path: Path, server_url: str, username: str, office_code: str
) -> list[Path]:
    """This server+user's caches of other offices: the other files in the user's folder."""
    current = store_location(data_path, server_url, username, office_code)
    if not current.parent.is_dir():
        return []
    here = unicodedata.normalize("NFC", current.name)
    return [
        path
        for path in sorted(current.parent.glob("*" + STORE_SUFFIX))
        if unicodedata.normalize("NFC", path.name) != here
    ]


def remove_store_files(path: Path) -> None:
    for suffix in ("", *COMPANIONS):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def remove_unless_unsent(path: Path, keys: Sequence[bytes] = ()) -> bool:
    """Delete the store at `path` (with its companions) unless it holds unsent outbox entries
    (or cannot be read to tell: an encrypted one none of `keys` opens). True when deleted."""
    if _holds_unsent(path, keys):
        log.warning("kept the local store %s: it holds work not yet sent to the server", path.name)
        return False
    remove_store_files(path)
    return True


def _holds_unsent(path: Path, keys: Sequence[bytes]) -> bool:
    if cipher.is_plain(path) is not False:
        return has_unsent(path)
    for key in keys:
        try:
            conn = cipher.connect(path, key, timeout=5)
        except cipher.StoreKeyError:
            continue
        except Exception:
            return True
        try:
            return holds_unsent(conn)
        except Exception:
            return True
        finally:
            conn.close()
    return True


def _move_with_companions(source: Path, target: Path) -> None:
    """Main file last: a crash in between leaves the WAL beside the file it belongs to."""
    for suffix in (*COMPANIONS, ""):
        side = source.with_name(source.name + suffix)
        if side.exists():
            moved = target.with_name(target.name + suffix)
            os.replace(side, moved)
            private_file(moved)


# -- caches of older versions ----------------------------------------------------------------


def legacy_store_path(data_path: Path, server_url: str, key: str) -> Path:
    """Where versions before the readable layout kept a cache (`key` = ``user@office``, or
    just the username before caches were per office)."""
    server = hashlib.sha256(server_url.encode("utf-8")).hexdigest()[:12]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:6]
    safe_key = re.sub(r"[^A-Za-z0-9_-]", "_", key)[:48] or "_"
    return data_path / "cache" / f"{server}-{safe_key}-{digest}{STORE_SUFFIX}"


def _legacy_offices(data_path: Path, server_url: str, username: str) -> dict[str, Path]:
    """Office -> old-layout cache of this server and user. A name counts only when it is
    exactly what the old layout gives for that office, so no other user's file is taken."""
    probe = legacy_store_path(data_path, server_url, username + "@")
    server, rest = probe.name.split("-", 1)
    prefix = rest.rsplit("-", 1)[0]  # how the old layout spelled "<username>@"
    found: dict[str, Path] = {}
    for path in sorted(probe.parent.glob(f"{server}-{prefix}*{STORE_SUFFIX}")):  # [A-Za-z0-9_-]
        middle = path.name[len(server) + 1 : -len(STORE_SUFFIX)].rsplit("-", 1)[0]
        office = middle[len(prefix) :].replace("_", ".")
        key = f"{username}@{office}"
        if office and legacy_store_path(data_path, server_url, key).name == path.name:
            found[office] = path
    return found


def migrate_legacy_stores(data_path: Path, server_url: str, username: str) -> list[Path]:
    """Move this user's old-layout caches into the readable layout (returns the new paths).

    One whose new place is taken already is deleted (the new one is the live cache); the cache
    from before caches were per office (its office unknown) is deleted as before."""
    moved: list[Path] = []
    for office, old in _legacy_offices(data_path, server_url, username).items():
        new = store_location(data_path, server_url, username, office)
        try:
            if new.exists():
                remove_store_files(old)
                log.info("removed an old-layout local cache (%s): replaced", old.name)
                continue
            private_dir(new.parent)
            _move_with_companions(old, new)
            moved.append(new)
            log.info("moved the local cache %s to %s", old.name, new.relative_to(data_path))
        except OSError as exc:
            log.warning("could not move the old local cache %s: %s", old.name, exc)
    unkeyed = legacy_store_path(data_path, server_url, username)
    if unkeyed.exists():
        with contextlib.suppress(OSError):
            remove_store_files(unkeyed)
            log.info("removed the local cache from before caches were per office")
    with contextlib.suppress(OSError):
        unkeyed.parent.rmdir()  # only when empty
    return moved


# -- opening, checked ------------------------------------------------------------------------


def cache_problem(path: Path, key: bytes | None = None) -> str | None:
    """Why the SQLite file at `path` is unusable (corrupt, not a database), else None.

    "Busy" or "cannot open" are not corruption: they raise `StoreUnavailable` instead, so a
    cache that is merely in use (a second Loket) is never thrown away. With `key`, an
    encrypted file is checked through SQLCipher (a plain one is checked as it is).
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        if key is not None and cipher.is_plain(path) is False:
            conn: Any = cipher.connect(path, key, timeout=5, check=False)
        else:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)
        try:
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
    except (sqlite3.DatabaseError, cipher.dbapi.DatabaseError) as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or (
            primary is None and not isinstance(exc, sqlite3.OperationalError)
        ):
            return str(exc)
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise StoreUnavailable(
                "Salinan lokal sedang dipakai oleh Loket lain di komputer ini. Tutup Loket "
                "yang lain lalu masuk lagi."
            ) from exc
        raise StoreUnavailable(
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


def open_checked_store(
    path: Path, key: bytes | None = None, *, key_is_new: bool = False
) -> tuple[Store, str]:
    """Open the cache at `path` (encrypted with `key`, if given); a corrupt one is moved aside
    and rebuilt.

    Returns the store and a notice for the person ("" when nothing happened). Raises
    `StoreUnavailable` when no usable store can be made at all, `cipher.StoreKeyError` when
    `key` (not `key_is_new`: the vault proved it is this store's) does not open the file.
    """
    notice = ""
    damaged: Path | None = None  # a corrupt file moved aside: its unsent work is salvaged
    try:
        private_dir(path.parent)
    except OSError as exc:
        raise StoreUnavailable(
            f"Folder salinan lokal {path.parent} tidak dapat dibuat "
            f"({exc.strerror or exc.__class__.__name__}). Periksa ruang disk dan izin folder "
            "data Loket."
        ) from exc
    if key is not None and cipher.is_plain(path) is False and not cipher.opens_with(path, key):
        if not key_is_new:
            raise cipher.StoreKeyError(path)  # fail closed: the file stays as it is
        moved = move_aside(path)
        log.error("local store %s not opened by a new key; kept as %s", path.name, moved.name)
        notice = STORE_SET_ASIDE_MESSAGE
    problem = cache_problem(path, key)
    if problem is not None:
        moved = move_aside(path)
        log.error("local cache %s is corrupt (%s); moved to %s", path.name, problem, moved.name)
        notice, damaged = CACHE_REBUILT_MESSAGE, moved
    for attempt in (1, 2):
        try:
            private_file(path)
            return salvage.after_rebuild(Store(path, key=key), damaged, notice, key)
        except cipher.StoreKeyError:
            raise
        except (sqlite3.DatabaseError, sqlalchemy.exc.DatabaseError, cipher.dbapi.Error) as exc:
            if attempt == 2:
                raise StoreUnavailable(
                    f"Salinan lokal di {path.parent} tidak dapat dibuat ({exc.__class__.__name__})."
                    " Periksa ruang disk dan izin folder data Loket."
                ) from exc
            moved = move_aside(path)
            log.error("local cache %s unusable (%s); moved to %s", path.name, exc, moved.name)
            notice, damaged = CACHE_REBUILT_MESSAGE, moved
        except OSError as exc:
            raise StoreUnavailable(
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

    def fits(self, server_url: str, username: str, office_code: str) -> bool:
        return (self.server_url, self.username, self.office_code) == (
            server_url,
            username,
            office_code,
        )


def prepare_store(
    data_path: Path,
    server_url: str,
    username: str,
    office_code: str,
    *,
    remove_stale: bool = True,
    key: bytes | None = None,
    key_is_new: bool = False,
    other_keys: Sequence[bytes] = (),
) -> PreparedStore:
    """Bring old-layout caches over, delete this user's caches of other offices, then open (or
    rebuild) this office's. Slow on a big cache (the check): call it on a worker.

    `remove_stale` False while the old office's store is still open (it is deleted once closed,
    by the session's teardown). `key`: this office's store key (None: plain); `other_keys`:
    the user's keys of other offices, to read whether their stores hold unsent work."""
    private_dir(data_path)
    migrate_legacy_stores(data_path, server_url, username)
    stale_stores = (
        other_office_stores(data_path, server_url, username, office_code) if remove_stale else []
    )
    for stale in stale_stores:
        try:
            if remove_unless_unsent(stale, other_keys):
                log.info("removed the local cache of another office (%s)", stale.name)
        except OSError as exc:
            log.warning("could not remove old local cache %s: %s", stale.name, exc)
    path = store_location(data_path, server_url, username, office_code)
    store, notice = open_checked_store(path, key, key_is_new=key_is_new)
    return PreparedStore(server_url, username, office_code, store, notice)
