"""`loket demo` (make run): refuses a busy port before seeding or starting anything; brings
its own throwaway credential store on a bare Linux machine."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.commands.demo import start_session_keyring

REPO = Path(__file__).resolve().parents[1]


def test_demo_refuses_a_port_in_use_without_side_effects() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "desktop", "demo", "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 1
    assert f"Port {port} sudah dipakai" in done.stderr
    assert "Mengisi data demo" not in done.stdout


# -- the demo's own credential store (issue 8, item 11) -----------------------------------------


def test_demo_keyring_stores_and_reads_a_secret_then_goes_away(tmp_path: Path) -> None:
    """`make run` on a bare Linux machine: a throwaway GNOME Keyring on a private session bus,
    reached by Python `keyring` the way the desktop reaches it; gone when the demo stops."""
    keyring, why = start_session_keyring(tmp_path)
    assert keyring is not None, why
    try:
        assert set(keyring.env) == {"DBUS_SESSION_BUS_ADDRESS"}
        check = (
            "import keyring, sys; from keyring.backends import SecretService;"
            "from desktop.services.secrets import SecretStore;"
            "b = keyring.get_keyring(); assert isinstance(b, SecretService.Keyring), b;"
            "assert SecretStore().problem() is None;"
            "keyring.set_password('Loket http://127.0.0.1:8765', 'verifier1', 'token-123');"
            "print(keyring.get_password('Loket http://127.0.0.1:8765', 'verifier1'))"
        )
        env = dict(os.environ, **keyring.env)
        done = subprocess.run(
            [sys.executable, "-c", check], cwd=REPO, env=env, capture_output=True, text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "token-123"
        # The secret lives in the keyring's own encrypted file, not as plain text.
        stored = b"".join(p.read_bytes() for p in keyring.directory.rglob("*") if p.is_file())
        assert b"token-123" not in stored
        processes = list(keyring.processes)
    finally:
        keyring.stop()
    assert all(p.poll() is not None for p in processes)
    for p in processes:  # the bus's address pipe (ResourceWarning under filterwarnings=error)
        if p.stdout is not None:
            p.stdout.close()
    assert not keyring.directory.exists()


def test_without_gnome_keyring_the_demo_says_so_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name, *a, **k: None if name == "gnome-keyring-daemon" else real_which(name),
    )
    keyring, why = start_session_keyring(tmp_path)
    assert keyring is None and "gnome-keyring-daemon tidak terpasang" in why
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing left


# -- stopping ----------------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_stops_the_server_the_desktop_and_the_keyring(tmp_path: Path) -> None:
    """`kill` (or a closed terminal) on `make run` left the demo server, and with it the port,
    and the demo keyring running."""
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, LOKET_DEMO_DIR=str(tmp_path / "demo"), QT_QPA_PLATFORM="offscreen")
    demo = subprocess.Popen(
        [sys.executable, "-m", "desktop", "demo", "--port", str(port), "--applications", "3"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            lines.append(line)
            if line.startswith("Penyimpanan kredensial") or not line:
                break
        assert any("Server demo berjalan" in x for x in lines), "".join(lines)
        # the desktop is the last child started; wait until it runs
        while time.monotonic() < deadline and not any(
            b"-m\x00desktop\x00" in Path(f"/proc/{p}/cmdline").read_bytes()
            and b"demo" not in Path(f"/proc/{p}/cmdline").read_bytes()
            for p in _descendants(demo.pid)
            if _alive(p)
        ):
            time.sleep(0.1)
        children = _descendants(demo.pid)
        names = {p: Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ") for p in children}
        assert len(children) >= 2  # the server and the desktop (and the keyring's, if any)
        demo.terminate()
        assert demo.wait(timeout=30) != 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in children):
            time.sleep(0.1)
        assert [names.get(p) for p in children if _alive(p)] == []
        with socket.socket() as again:  # nobody listens any more (TIME_WAIT aside)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=30)
        if demo.stdout is not None:
            demo.stdout.close()
