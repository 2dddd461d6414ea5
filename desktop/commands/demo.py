"""`loket demo` / `make run`: the reference server on 127.0.0.1 plus the desktop pointed at it.

Seeds ``.loket-demo/server`` once (seed 1, 300 applications), starts ``python -m server serve``
on 127.0.0.1, waits for ``/api/v1/health``, prints the demo accounts, runs the desktop with
``LOKET_SERVER_URL`` set, and stops the server when the desktop exits. The desktop's own config
and data go to ``.loket-demo/desktop`` unless ``LOKET_CONFIG_DIR``/``LOKET_DATA_DIR`` are set, so
the demo never touches a real profile.

The credential store: Loket keeps its refresh token only in the operating system's credential
store. A bare Linux machine (a container, Xvfb) has none, so the demo starts its own throwaway
one (`start_session_keyring`): a private D-Bus session bus with ``gnome-keyring-daemon``
serving the Secret Service, its login keyring created and unlocked with a random password, in
a temporary directory that is deleted when the demo stops. The desktop then behaves as on a
real office PC. Without ``dbus-daemon``/``gnome-keyring-daemon`` (or when it fails to start)
the demo runs as before: the session stays in memory and the sign-in dialog says so in one
line. ``--keyring system`` uses whatever the machine has instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = Path(os.environ.get("LOKET_DEMO_DIR") or REPO / ".loket-demo")  # tests: elsewhere

KEYRING_CHECK = """
import sys
import keyring
from keyring.backends import SecretService
backend = keyring.get_keyring()
if not isinstance(backend, SecretService.Keyring):
    sys.exit(f"backend {type(backend).__name__}")
keyring.set_password("Loket demo check", "loket", "rahasia")
ok = keyring.get_password("Loket demo check", "loket") == "rahasia"
keyring.delete_password("Loket demo check", "loket")
sys.exit(0 if ok else "read back failed")
"""


@dataclass
class SessionKeyring:
    """A private Secret Service for one demo run: `env` points a process at it."""

    env: dict[str, str]
    directory: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the keyring and its bus; delete its files (the secrets go with them)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.processes.clear()
        shutil.rmtree(self.directory, ignore_errors=True)


def _read_line(stream: IO[bytes] | None, timeout: float) -> str:
    """The first line of a child's stdout, or "" after `timeout` seconds."""
    if stream is None:
        return ""
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return line[0].decode(errors="replace").strip() if line else ""


def keyring_works(env: dict[str, str], timeout: float = 20.0) -> tuple[bool, str]:
    """Store, read back and delete a secret through Python `keyring`, in a child process that
    sees `env` (as the desktop will). (True, "") or (False, why)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", KEYRING_CHECK],
            env=dict(os.environ, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, "tidak menjawab"
    if done.returncode == 0:
        return True, ""
    lines = (done.stderr or done.stdout).strip().splitlines()
    return False, lines[-1] if lines else f"kode {done.returncode}"


def start_session_keyring(
    base: Path | None = None, *, timeout: float = 15.0
) -> tuple[SessionKeyring | None, str]:
    """Start a throwaway, unlocked GNOME Keyring on a private session bus.

    Returns (keyring, "") when a secret could be stored and read back through it, else
    (None, why in Indonesian). Nothing is left running on failure."""
    dbus_daemon = shutil.which("dbus-daemon")
    gnome_keyring = shutil.which("gnome-keyring-daemon")
    if dbus_daemon is None or gnome_keyring is None:
        missing = "dbus-daemon" if dbus_daemon is None else "gnome-keyring-daemon"
        return None, f"{missing} tidak terpasang"
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="keyring-", dir=base))
    keyring = SessionKeyring({}, directory)
    try:
        for sub in ("data", "run"):
            (directory / sub).mkdir(mode=0o700)
        bus = subprocess.Popen(
            [dbus_daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        keyring.processes.append(bus)
        address = _read_line(bus.stdout, 5)
        if not address:
            raise RuntimeError("bus D-Bus tidak dapat dimulai")
        keyring.env = {"DBUS_SESSION_BUS_ADDRESS": address}
        daemon_env = dict(
            os.environ,
            DBUS_SESSION_BUS_ADDRESS=address,
            XDG_DATA_HOME=str(directory / "data"),
            XDG_RUNTIME_DIR=str(directory / "run"),
        )
        daemon = subprocess.Popen(
            [gnome_keyring, "--foreground", "--components=secrets", "--unlock"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=daemon_env,
        )
        keyring.processes.append(daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(secrets.token_urlsafe(24).encode())  # throwaway: never shown
        daemon.stdin.close()
        deadline = time.monotonic() + timeout
        why = ""
        while time.monotonic() < deadline:
            if daemon.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon berhenti (kode {daemon.returncode})")
            ok, why = keyring_works(keyring.env, timeout=max(1.0, deadline - time.monotonic()))
            if ok:
                return keyring, ""
            time.sleep(0.3)
        raise RuntimeError(why or "tidak siap")
    except (OSError, RuntimeError) as exc:
        keyring.stop()
        return None, str(exc)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server berhenti dengan kode {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError("server tidak siap dalam 60 detik")


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


_SIGNALS = {"starting": False, "pending": 0}


def _exit_cleanly_on_signals() -> None:
    """SIGTERM/SIGHUP (a closed terminal, `kill`) end the demo through its `finally`, so the
    server, the desktop and the demo keyring never outlive it (Ctrl+C already does). While a
    child is being started (`_starting`) the exit waits until its handle is kept: raised inside
    `Popen`, it left a desktop that nobody stopped."""

    def stop(signum: int, _frame: object) -> None:
        if _SIGNALS["starting"]:
            _SIGNALS["pending"] = signum
            return
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, stop)


@contextlib.contextmanager
def _starting() -> Iterator[None]:
    """Hold SIGTERM/SIGHUP back while a child starts (`_stop_if_asked` acts on them later,
    inside the `try` whose `finally` stops what was started)."""
    _SIGNALS["starting"] = True
    try:
        yield
    finally:
        _SIGNALS["starting"] = False


def _stop_if_asked() -> None:
    if _SIGNALS["pending"]:
        raise SystemExit(128 + _SIGNALS["pending"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loket demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--reset", action="store_true", help="buang data demo lalu isi ulang")
    parser.add_argument(
        "--keyring",
        choices=("demo", "system"),
        default="demo",
        help="penyimpanan kredensial: GNOME Keyring sementara untuk demo (bawaan), atau milik "
        "sistem",
    )
    args = parser.parse_args(argv or [])
    _exit_cleanly_on_signals()
    if _port_in_use(args.port):
        print(
            f"Port {args.port} sudah dipakai (mungkin demo sebelumnya masih berjalan). "
            "Hentikan program itu, atau jalankan dengan --port lain.",
            file=sys.stderr,
        )
        return 1

    server_data = DEMO_DIR / "server"
    accounts_file = DEMO_DIR / "accounts.txt"
    env = dict(os.environ, LOKET_SERVER_DATA=str(server_data))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if args.reset or not (server_data / "loket.db").exists():
        server_data.mkdir(parents=True, exist_ok=True)
        seed_cmd = [sys.executable, "-m", "server", "seed", "--seed", "1",
                    "--applications", str(args.applications)]
        if args.reset:
            seed_cmd.append("--reset")
        print("Mengisi data demo…", flush=True)
        seeded = subprocess.run(seed_cmd, cwd=REPO, env=env, capture_output=True, text=True)
        if seeded.returncode != 0:
            print(seeded.stdout + seeded.stderr, file=sys.stderr)
            return seeded.returncode
        accounts_file.write_text(seeded.stdout, encoding="utf-8")

    url = f"http://127.0.0.1:{args.port}"
    log_path = DEMO_DIR / "server.log"
    with _starting(), log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
             "--port", str(args.port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    keyring: SessionKeyring | None = None
    app: subprocess.Popen[bytes] | None = None
    try:
        _stop_if_asked()
        _wait_healthy(url, process)
        print(f"Server demo berjalan di {url} (log: {log_path})")
        if accounts_file.exists():
            print(accounts_file.read_text(encoding="utf-8"), end="")
        app_env = dict(env, LOKET_SERVER_URL=url)
        if args.keyring == "demo":
            with _starting():
                keyring, why = start_session_keyring(DEMO_DIR)
            _stop_if_asked()
            if keyring is not None:
                app_env.update(keyring.env)
                print(
                    "Penyimpanan kredensial: GNOME Keyring sementara untuk demo (dihapus saat "
                    "demo berhenti)."
                )
            else:
                print(
                    f"Penyimpanan kredensial demo tidak dapat dijalankan ({why}); sesi hanya "
                    "disimpan di memori."
                )
        app_env.setdefault("LOKET_CONFIG_DIR", str(DEMO_DIR / "desktop" / "config"))
        app_env.setdefault("LOKET_DATA_DIR", str(DEMO_DIR / "desktop" / "data"))
        # A child process, so that the server is stopped below even when Qt aborts the app
        # (a missing platform plugin ends in abort(), which skips Python's `finally`).
        with _starting():
            app = subprocess.Popen([sys.executable, "-m", "desktop"], cwd=REPO, env=app_env)
        _stop_if_asked()
        return app.wait()
    except RuntimeError as exc:
        print(f"Server demo gagal: {exc}. Lihat {log_path}.", file=sys.stderr)
        return 1
    finally:
        if app is not None and app.poll() is None:  # we were told to stop: the app goes too
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
        if keyring is not None:
            with contextlib.suppress(OSError):
                keyring.stop()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
