"""The desktop killed with SIGKILL during a push, twice (once after the server committed and
before the answer came back, once while the request hung in a black hole), then a fresh process
on the same store file resumes: every application once on the server, every SHA-256 equal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.models.store import Store
from tests.desktop.support import Remote
from tests.faultproxy import FaultProxy
from tests.live_server import REPO, LiveServer
from tests.sync_faults.desk import (
    PASSWORD,
    assert_nothing_left,
    assert_on_server_once,
    open_desk,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX SIGKILL")


def sender_process(url: str, path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync_faults.push_process", url, str(path), "operator1"],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def go(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL
    close(child)


def close(child: subprocess.Popen[str]) -> None:
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            pipe.close()


def until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def states(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [str(r[0]) for r in conn.execute("SELECT state FROM outbox ORDER BY seq")]
    finally:
        conn.close()


def test_killed_mid_push_twice_then_a_fresh_process_sends_each_once(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "pc" / "kantor.sqlite3"
    remote = Remote(live_server.api, "operator1", PASSWORD)
    store = Store(path)
    desk = open_desk(live_server.url, store)
    for _ in range(3):
        desk.take_in(tmp_path / "scans", docs=2)
    made = desk.made
    desk.close()
    store.close()

    def on_server(app_id: str) -> bool:
        r = remote.http.get(f"{remote.api}/applications/{app_id}", timeout=30)
        return r.status_code == 200

    with FaultProxy(live_server.url) as proxy:
        # 1. The server commits the first create; its answer is held back; the PC dies.
        child = sender_process(proxy.url, path)
        proxy.latency(60_000)
        go(child)
        until(lambda: on_server(made[0].app.id))
        kill(child)
        assert "mengirim" in states(path)  # it died mid-send

        # 2. A fresh process: its requests vanish into a black hole; it dies again.
        proxy.pass_through()
        child = sender_process(proxy.url, path)
        accepted = proxy.accepted
        proxy.black_hole()
        go(child)
        assert proxy.wait_accepted(accepted + 1)  # a push request in the hole
        until(lambda: "mengirim" in states(path))
        kill(child)

        # 3. The line is fine: a fresh process resumes and finishes.
        proxy.pass_through()
        child = sender_process(proxy.url, path)
        go(child)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "done"
        assert child.wait(30) == 0
        close(child)

    assert set(states(path)) == {"terkirim"}
    store = Store(path)
    try:
        desk = open_desk(live_server.url, store)
        assert_on_server_once(remote, desk.intake, made)
        assert_nothing_left(store)
        desk.close()
    finally:
        store.close()
