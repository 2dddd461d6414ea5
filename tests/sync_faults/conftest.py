"""Fixtures of the fault suite: a server of this package's own that a test may stop and start
again (same port, same data), and the plain store file of the counter PC."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.models.store import Store
from tests.live_server import REPO, LiveServer, _env, _stop, _wait_healthy, start_server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "pc" / "kantor.sqlite3")
    yield s
    s.close()


@pytest.fixture(scope="module")
def own_server() -> Iterator[LiveServer]:
    """A server the tests of one module may stop and start again."""
    with start_server(applications=0) as server:
        yield server


def stop(server: LiveServer) -> None:
    assert server.process is not None
    _stop(server.process)


def start_again(server: LiveServer) -> None:
    """`python -m server serve` on the same port and data, as after a server reboot."""
    if server.process is not None and server.process.poll() is None:
        return
    port = server.url.rsplit(":", 1)[1]
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", port],
            cwd=REPO,
            env=_env(server.data_dir, server.database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    _wait_healthy(server, 60)
