"""A real server with the powers only tests may have: a movable clock, a catalogue layer.

Tests of time (claims that expire, tokens, lock-outs, SLAs, a new year's letter agenda) move
the server's clock instead of sleeping, and tests of authority add a catalogue layer (e.g. a
`tingkat_keputusan` override) the shipped catalogue does not have.

    with start_harness_server(catalogue_layers={"regions/14.toml": TEXT}) as server:
        clock = ServerClock(server)
        clock.advance(minutes=16)        # every claim taken before has now expired

How the clock gets in, and why production cannot have it: this module runs the server as
`python -m tests.server.harness serve ...`, building the app itself with
`create_app(settings, clock=MovableClock())` and adding the `/__test__/clock` route, then
serving it exactly as `loket-server serve` does (`server.__main__.serve`: logging, migrations,
uvicorn). The production command builds its app with the system clock and has no option,
setting or environment variable for any other; the movable clock and its route exist only here,
in `tests/`, which is not part of the installed package and which `server/` never imports
(`tests/server/test_clock.py` checks both). See docs/architecture/server.md, "Time".

The clock only moves forward (a server's history never runs backwards), so a harness server is
shared by tests that refresh their tokens (or log in) again after a jump that outlives the
access tokens (15 minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import requests
from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from tests.live_server import (
    POSTGRES_ENV,
    REPO,
    STARTUP_TIMEOUT,
    LiveServer,
    _drop_postgres_database,
    _env,
    _postgres_database,
    _stop,
    _wait_healthy,
    free_port,
)

CLOCK_PATH = "/__test__/clock"


class MovableClock:
    """The system clock plus an offset that only grows (`server.clock.Clock`)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("the server's clock never goes back")
        with self._lock:
            self._offset += by


class Advance(BaseModel):
    seconds: Annotated[float, Field(ge=0, le=400 * 86400)]


def clock_router(clock: MovableClock) -> APIRouter:
    """`GET` and `POST {"seconds": n}` on `/__test__/clock`: read and advance the clock."""
    router = APIRouter(include_in_schema=False)

    def reading() -> JSONResponse:
        return JSONResponse(
            {"now": clock.now().isoformat(), "offset_seconds": clock.offset.total_seconds()}
        )

    @router.get(CLOCK_PATH)
    def read() -> JSONResponse:
        return reading()

    @router.post(CLOCK_PATH)
    def advance(body: Advance) -> JSONResponse:
        clock.advance(timedelta(seconds=body.seconds))
        return reading()

    return router


class ServerClock:
    """The test side: moves a harness server's clock over HTTP."""

    def __init__(self, server: LiveServer) -> None:
        self.url = server.url + CLOCK_PATH

    def now(self) -> datetime:
        return self._answer(requests.get(self.url, timeout=30))

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> datetime:
        """Move the server's time forward; returns the server's new now."""
        by = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        r = requests.post(self.url, json={"seconds": by.total_seconds()}, timeout=30)
        return self._answer(r)

    @staticmethod
    def _answer(r: requests.Response) -> datetime:
        assert r.status_code == 200, r.text
        return datetime.fromisoformat(r.json()["now"])


def _resources(root: Path, layers: Mapping[str, str]) -> Path:
    """The repository's resources with extra catalogue files (`regions/14.toml`: a province
    layer, applied under the city's `regions/1471.toml`)."""
    source = REPO / "resources"
    (root / "catalogue" / "regions").mkdir(parents=True)
    (root / "wilayah").symlink_to(source / "wilayah", target_is_directory=True)
    for path in (source / "catalogue").rglob("*.toml"):
        (root / "catalogue" / path.relative_to(source / "catalogue")).symlink_to(path)
    for name, text in layers.items():
        target = root / "catalogue" / name
        if target.is_symlink():
            target.unlink()
        target.write_text(text, encoding="utf-8")
    return root


@contextmanager
def start_harness_server(
    applications: int = 0,
    *,
    catalogue_layers: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Like `tests.live_server.start_server`, serving through this module (movable clock).

    It logs warnings only: its requests are many and small, and the access log's redaction
    costs about a third of each (the log filter has its own tests on the shared server)."""
    data_dir = Path(tempfile.mkdtemp(prefix="loket-harness-"))
    pg_admin = os.environ.get(POSTGRES_ENV)
    pg_name = None
    if pg_admin:
        database_url, pg_name = _postgres_database(pg_admin)
    else:
        database_url = f"sqlite:///{data_dir / 'loket.db'}"
    env = _env(data_dir, database_url)
    env["LOKET_SERVER_LOG_LEVEL"] = "WARNING"
    if catalogue_layers:
        env["LOKET_RESOURCES"] = str(_resources(data_dir / "resources", catalogue_layers))
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, database_url, log_path)
    python = [sys.executable, "-m"]
    try:
        seeded = subprocess.run(
            [*python, "server", "seed", "--applications", str(applications)],
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
            server.process = subprocess.Popen(
                [*python, "tests.server.harness", "serve", "--port", str(port)],
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
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tests.server.harness serve --port N`: the server on 127.0.0.1 with a movable
    clock. Run by `start_harness_server`, never by a deployment."""
    from server.__main__ import serve
    from server.app import create_app
    from server.config import Settings

    parser = argparse.ArgumentParser(prog="python -m tests.server.harness")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    clock = MovableClock()
    app = create_app(settings, clock=clock)
    app.include_router(clock_router(clock))
    serve(app, settings, host="127.0.0.1", port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
