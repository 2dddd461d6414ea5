"""`loket demo` (make run) refuses a busy port before seeding or starting anything."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

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
