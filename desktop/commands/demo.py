"""`loket demo` / `make run`: the reference server on 127.0.0.1 plus the desktop pointed at it.

Seeds ``.loket-demo/server`` once (seed 1, 300 applications), starts ``python -m server serve``
on 127.0.0.1, waits for ``/api/v1/health``, prints the demo accounts, runs the desktop with
``LOKET_SERVER_URL`` set, and stops the server when the desktop exits. The desktop's own config
and data go to ``.loket-demo/desktop`` unless ``LOKET_CONFIG_DIR``/``LOKET_DATA_DIR`` are set, so
the demo never touches a real profile.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO / ".loket-demo"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loket demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--reset", action="store_true", help="buang data demo lalu isi ulang")
    args = parser.parse_args(argv or [])
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
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
             "--port", str(args.port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, process)
        print(f"Server demo berjalan di {url} (log: {log_path})")
        if accounts_file.exists():
            print(accounts_file.read_text(encoding="utf-8"), end="")
        app_env = dict(env, LOKET_SERVER_URL=url)
        app_env.setdefault("LOKET_CONFIG_DIR", str(DEMO_DIR / "desktop" / "config"))
        app_env.setdefault("LOKET_DATA_DIR", str(DEMO_DIR / "desktop" / "data"))
        # A child process, so that the server is stopped below even when Qt aborts the app
        # (a missing platform plugin ends in abort(), which skips Python's `finally`).
        return subprocess.call([sys.executable, "-m", "desktop"], cwd=REPO, env=app_env)
    except RuntimeError as exc:
        print(f"Server demo gagal: {exc}. Lihat {log_path}.", file=sys.stderr)
        return 1
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
