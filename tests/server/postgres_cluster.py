"""Run the server suite against a throwaway PostgreSQL cluster (`make test-postgres`).

    python -m tests.server.postgres_cluster [pytest args...]

initdb makes a cluster in a temporary directory (as the `postgres` user when run as root,
since initdb refuses root), the server listens only on a Unix socket in that directory, the
suite runs with ``LOKET_TEST_POSTGRES_URL`` pointing at it (each live server then gets a fresh
database of its own), and the cluster is stopped and deleted afterwards, also on failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DB_USER = "loket"


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise SystemExit(
            f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)"
        )
    return candidates[0]


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
            owner = "postgres"
        except KeyError:
            raise SystemExit("running as root needs a 'postgres' user for initdb") from None
    root = Path(tempfile.mkdtemp(prefix="loket-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if owner:
        shutil.chown(root, owner)
        shutil.chown(sock, owner)
    log = root / "postgres.log"
    pg_ctl = _bin("pg_ctl")
    started = False
    try:
        subprocess.run(
            _as_owner(
                [
                    _bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    DB_USER,
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
                owner,
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            _as_owner(
                [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], owner
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        url = f"postgresql+psycopg://{DB_USER}@/postgres?host={sock}"
        env = dict(os.environ, LOKET_TEST_POSTGRES_URL=url)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        print(f"PostgreSQL test cluster on {sock}", flush=True)
        cmd = [sys.executable, "-m", "pytest", "tests/server", "-p", "no:cacheprovider", *args]
        return subprocess.run(cmd, cwd=REPO, env=env, check=False).returncode
    finally:
        if started:
            subprocess.run(
                _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], owner),
                check=False,
                stdout=subprocess.DEVNULL,
            )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
