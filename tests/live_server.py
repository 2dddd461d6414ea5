"""The REAL reference server for integration and GUI tests, as pytest fixtures.

Usage (``tests/conftest.py`` has ``pytest_plugins = ["tests.live_server"]``)::

    def test_something(live_server):
        r = requests.post(live_server.api + "/auth/login", json={
            "username": live_server.accounts["operator"][0],
            "password": live_server.accounts["operator"][1],
            "device_id": "test-device"})
        token = r.json()["access_token"]

Fixtures
- ``live_server`` (session scope): one server for the whole run, seeded with
  ``LIVE_SERVER_APPLICATIONS`` (default 200) demo applications (seed 1). Tests share it, so
  they should create their own applications rather than change seeded ones, and must not
  lock or disable the shared demo accounts (create a user through ``POST /users`` for that).
- ``fresh_server`` (function scope): a new, empty-queue server (offices and users only) for a
  test that needs a clean database. It costs about two seconds; use it sparingly.
- ``start_server(...)``: the context manager behind both, for module-scoped servers. With
  ``clock=True`` it serves through ``tests/server/harness.py``: the same server with a movable
  clock, so a test moves time (``ServerClock(server).advance(minutes=16)``: every access token
  issued before has expired) instead of sleeping. That clock only moves forward.

Each server is ``python -m server serve`` in a subprocess (uvicorn on 127.0.0.1, a free port),
with its own temporary data directory (SQLite file + document store). It is seeded first with
``python -m server seed``, the fixture waits for ``/api/v1/health``, and the process is stopped
at the end. Attributes: ``url`` (``http://127.0.0.1:PORT``), ``api`` (``url + "/api/v1"``),
``db_path`` (SQLite file, or None on PostgreSQL), ``database_url``, ``data_dir``, ``log_path``
(server log, shown when startup fails), ``accounts`` (role -> (username, password); also
``"operator2"`` (another kecamatan), ``"operator3"`` (kecamatan Sukajadi), ``"verifier2"``,
``"lurah"`` (kelurahan validator+verifier), ``"camat"`` (kecamatan supervisor)).

PostgreSQL: when ``LOKET_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+psycopg://loket@/postgres?host=/tmp/pgsock``, done by ``make test-postgres``),
every server gets a fresh database in that cluster instead of a SQLite file.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "loket-demo"
ACCOUNTS: dict[str, tuple[str, str]] = {
    "operator": ("operator1", DEMO_PASSWORD),
    "verifier": ("verifier1", DEMO_PASSWORD),
    "validator": ("validator1", DEMO_PASSWORD),
    "supervisor": ("supervisor1", DEMO_PASSWORD),
    "admin": ("admin", DEMO_PASSWORD),
    "operator2": ("operator2", DEMO_PASSWORD),
    "operator3": ("operator3", DEMO_PASSWORD),
    "verifier2": ("verifier2", DEMO_PASSWORD),
    "lurah": ("lurah1", DEMO_PASSWORD),
    "camat": ("camat1", DEMO_PASSWORD),
}
POSTGRES_ENV = "LOKET_TEST_POSTGRES_URL"
STARTUP_TIMEOUT = 60.0


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    accounts: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(ACCOUNTS))

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    @property
    def db_path(self) -> Path | None:
        if self.database_url.startswith("sqlite"):
            return self.data_dir / "loket.db"
        return None

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(admin_url: str) -> tuple[str, str]:
    """Create an empty database in the test cluster; returns (server URL, database name)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = "loket_" + uuid.uuid4().hex[:12]
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = (
        make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:
        pass


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["LOKET_SERVER_DATA"] = str(data_dir)
    env["DATABASE_URL"] = database_url
    env["LOKET_SERVER_LOG_LEVEL"] = env.get("LOKET_SERVER_LOG_LEVEL", "INFO")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("LOKET_SERVER_SECRET", None)
    return env


def _wait_healthy(server: LiveServer, timeout: float) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(
                f"server exited with {server.process.returncode}:\n{server.log_text()}"
            )
        try:
            with urllib.request.urlopen(server.api + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy in {timeout:.0f} s:\n{server.log_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def start_server(
    applications: int = 0,
    *,
    seed: int = 1,
    extra_env: dict[str, str] | None = None,
    clock: bool = False,
) -> Iterator[LiveServer]:
    """Seed and start a server in a temporary directory; stop and clean up afterwards.

    `clock=True`: run it as `python -m tests.server.harness serve` (a movable clock and its
    `/__test__/clock` route, moved with `tests.server.harness.ServerClock`)."""
    data_dir = Path(tempfile.mkdtemp(prefix="loket-server-"))
    pg_admin = os.environ.get(POSTGRES_ENV)
    pg_name = None
    if pg_admin:
        database_url, pg_name = _postgres_database(pg_admin)
    else:
        database_url = f"sqlite:///{data_dir / 'loket.db'}"
    env = _env(data_dir, database_url)
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, database_url, log_path)
    try:
        seeded = subprocess.run(
            [
                sys.executable,
                "-m",
                "server",
                "seed",
                "--seed",
                str(seed),
                "--applications",
                str(applications),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=600,
        )
        if seeded.returncode != 0:
            raise RuntimeError(
                "seeding failed:\n" + seeded.stdout.decode() + seeded.stderr.decode()
            )
        with log_path.open("wb") as log:
            if clock:
                command = ["tests.server.harness", "serve", "--port", str(port)]
            else:
                command = ["server", "serve", "--host", "127.0.0.1", "--port", str(port)]
            server.process = subprocess.Popen(
                [sys.executable, "-m", *command],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_healthy(server, STARTUP_TIMEOUT)
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        if pg_admin and pg_name:
            _drop_postgres_database(pg_admin, pg_name)
        if os.environ.get("LOKET_KEEP_SERVER_DATA"):
            print(f"server data kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One seeded server for the whole test session (see the module docstring)."""
    count = int(os.environ.get("LIVE_SERVER_APPLICATIONS", "200"))
    with start_server(applications=count) as server:
        yield server


@pytest.fixture
def fresh_server() -> Iterator[LiveServer]:
    """A new server with offices and users but no applications, for one test."""
    with start_server(applications=0) as server:
        yield server
