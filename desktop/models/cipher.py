"""SQLCipher for the local store: opening with a key, converting a plain store, failing closed.

Why: the store holds names, NIKs and unsent work (DESIGN section 7), and counter PCs often share
one Windows account, so file permissions alone do not separate staff. Each user's store per
office is encrypted with a random 32-byte key (`desktop.services.vault` keeps it wrapped by the
user's password). The key is given as a raw key (``x'<hex>'``), so SQLCipher runs no key
derivation of its own on each connection (the password's derivation happened once, at sign-in).

A wrong key never produces a new empty store and never touches the file: `StoreKeyError`.
A plain store of an earlier version is converted on its first keyed open (`encrypt_in_place`),
unsent outbox entries included: the whole database is exported, then swapped in atomically.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from desktop.services.api.errors import LoketError

log = logging.getLogger(__name__)

KEY_BYTES = 32
PLAIN_HEADER = b"SQLite format 3\x00"
ENCRYPTING_SUFFIX = ".enkripsi"
"""The encrypted copy being written; a leftover one (a crash mid-conversion) is discarded."""

STORE_KEY_MESSAGE = (
    "Salinan lokal Anda di komputer ini tidak dapat dibuka dengan kunci Anda. Berkasnya tidak "
    "diubah dan tidak dihapus, termasuk pekerjaan yang belum terkirim. Hubungi administrator "
    "Disdukcapil/Diskominfo."
)

dbapi: Any = sqlcipher
"""The DB-API module SQLAlchemy is given for an encrypted store (its errors are mapped)."""


class StoreKeyError(LoketError):
    """The store file cannot be read with this key (or without one): fail closed."""

    def __init__(self, path: Path, message: str = STORE_KEY_MESSAGE) -> None:
        super().__init__(message)
        self.path = path


def key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("a store key is 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def is_plain(path: Path) -> bool | None:
    """True for a plain SQLite file, False for anything else (encrypted, or garbage), None
    when there is no file or it is empty (a new store)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return None
    if not head:
        return None
    return head == PLAIN_HEADER


def connect(path: Path, key: bytes, *, timeout: float = 30.0, check: bool = True) -> Any:
    """A SQLCipher connection to `path` with `key` applied before anything else reads the file.

    `check` reads the schema at once, so a wrong key raises `StoreKeyError` here and not at
    some later query."""
    conn = sqlcipher.connect(str(path), timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # its own stderr lines, with page numbers
        # The default since SQLCipher 4.5, said explicitly: ON would lock and wipe every
        # allocation SQLite makes (a large cost on each page read) to keep decrypted data out of
        # freed memory, which the Python objects holding the same rows defeat anyway (pages on
        # disk are encrypted either way: docs/architecture/desktop.md, "Keys and offline sign-in").
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute(key_pragma(key))
        if check:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        conn.close()
        if _not_a_database(exc):
            raise StoreKeyError(path) from None  # never chain: the message holds nothing secret
        raise
    return conn


def _not_a_database(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (isinstance(code, int) and code & 0xFF == 26) or "not a database" in str(exc)


def opens_with(path: Path, key: bytes) -> bool:
    """Whether `key` opens the (existing) encrypted file at `path`."""
    try:
        connect(path, key).close()
    except StoreKeyError:
        return False
    return True


def encrypt_in_place(path: Path, key: bytes) -> None:
    """Convert the plain store at `path` into an encrypted one with `key`, everything kept.

    The plain file's WAL is checkpointed into it first; the encrypted copy is written beside it
    (``.enkripsi``), synced, and renamed over the plain file, so a crash leaves either the whole
    plain store or the whole encrypted one, never a mix."""
    target = path.with_name(path.name + ENCRYPTING_SUFFIX)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    plain = sqlcipher.connect(str(path), timeout=30, check_same_thread=False)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(target),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.commit()
        plain.execute("DETACH DATABASE encrypted")
        plain.execute("PRAGMA journal_mode = DELETE")  # leaves no WAL beside the file
    finally:
        plain.close()
    with target.open("rb+") as fh:
        os.fsync(fh.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
    os.replace(target, path)
    log.info("local store %s converted to encrypted", path.name)
