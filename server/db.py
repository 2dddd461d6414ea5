"""Engine, sessions and migrations for SQLite (default) and PostgreSQL.

SQLite is tuned for a server: WAL (readers never block the writer), foreign keys on, a busy
timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a transaction that reads and
then writes can never fail half-way on a lock upgrade. Reads use a plain deferred ``BEGIN``.
PostgreSQL needs none of this; its write paths lock rows explicitly (see `counters.py`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings

log = logging.getLogger(__name__)

SERVER_DIR = Path(__file__).resolve().parent
WRITE_OPTION = "loket_write"


def prepare_sqlite_file(settings: Settings, url: str) -> None:
    """Create the data directory (0700) and the database file (0600) owner-only before SQLite
    does (it would use the umask, usually world-readable); its -wal/-shm files inherit the
    database file's mode."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(settings: Settings) -> Engine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        prepare_sqlite_file(settings, url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=20,
            pool_timeout=60,
            hide_parameters=True,  # SQL errors must not carry NIKs or names into the logs
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=30,
        pool_timeout=60,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module, so we can BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """The engine plus two session factories: read (deferred) and write (immediate)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.dialect = self.engine.dialect.name
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def session(self, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on any error."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(settings: Settings) -> Any:
    from alembic.config import Config

    cfg = Config(str(SERVER_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(SERVER_DIR / "migrations"))
    cfg.attributes["database_url"] = settings.effective_database_url
    return cfg


def migrate(settings: Settings, engine: Engine | None = None) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command

    cfg = alembic_config(settings)
    own = engine is None
    eng = engine or make_engine(settings)
    try:
        with eng.connect() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            connection.commit()
    finally:
        if own:
            eng.dispose()
    log.info("database schema is up to date")
