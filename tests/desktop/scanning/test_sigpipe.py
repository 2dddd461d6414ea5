"""After a real SANE scan, a write to a socket whose other end closed must raise
BrokenPipeError, not kill the program: libsane's reader thread resets SIGPIPE to its default
action when it ends (desktop/services/scanning/sigpipe.py). Run in a child process, since the
old behaviour kills the process that tries it (a pytest worker died of it in CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("sane", reason="python-sane is Linux-only (SANE)")

REPO = Path(__file__).resolve().parents[3]

WRITE_TO_A_CLOSED_SOCKET = textwrap.dedent(
    """
    import socket
    mine, theirs = socket.socketpair()
    theirs.close()
    try:
        mine.sendall(b"x" * 1_000_000)
    except BrokenPipeError:
        print("BrokenPipeError", flush=True)
    """
)
"""The end of each child: the old behaviour kills the child here (returncode -13)."""

CHILD = textwrap.dedent(
    """
    import socket
    from tests.desktop.scanning.sane_env import enable_sane_test_backend, DEVICE
    enable_sane_test_backend()
    from desktop.services.scanning.device import CancelToken, ScanSettings
    from desktop.services.scanning.sane_backend import SaneBackend

    pages = list(SaneBackend().scan(DEVICE, ScanSettings(dpi=75), CancelToken()))
    assert len(pages) == 1, pages
    with open("/proc/self/status") as status:
        ignored = [l for l in status if l.startswith("SigIgn:")][0].split()[1]
    print("scanned", len(pages), "SigIgn", ignored, flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this platform")
def test_a_closed_socket_after_a_scan_raises_instead_of_killing_the_process() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD + WRITE_TO_A_CLOSED_SOCKET],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stdout.startswith("scanned 1"), done.stdout
    assert done.stdout.rstrip().endswith("BrokenPipeError"), done.stdout


def test_the_guard_is_a_handler_the_sane_library_leaves_alone() -> None:
    """libsane only rewrites SIG_DFL/SIG_IGN; the guard must be neither, after import on the
    main thread (this test runs there)."""
    from desktop.services.scanning import sane_backend  # noqa: F401  (installs the guard)

    handler = signal.getsignal(signal.SIGPIPE)
    assert callable(handler) and handler not in (signal.SIG_DFL, signal.SIG_IGN)


CHILD_AFTER_IGNORE = textwrap.dedent(
    """
    import ctypes, signal, socket
    from tests.desktop.scanning.sane_env import enable_sane_test_backend, DEVICE
    enable_sane_test_backend()
    from desktop.services.scanning.device import CancelToken, ScanSettings
    from desktop.services.scanning.sane_backend import SaneBackend
    from desktop.services.scanning.sigpipe import make_sigpipe_harmless, sigpipe_is_deadly

    assert make_sigpipe_harmless() and not sigpipe_is_deadly()
    # What Qt's CUPS print plugin does when the first QPrinter is made, behind Python's back:
    ctypes.CDLL(None).signal(int(signal.SIGPIPE), ctypes.c_void_p(1))  # SIG_IGN
    assert callable(signal.getsignal(signal.SIGPIPE))  # Python's cached view did not change
    assert not sigpipe_is_deadly()  # ignored: still safe, until libsane resets it
    assert make_sigpipe_harmless()  # what the scan controller does before a run
    pages = list(SaneBackend().scan(DEVICE, ScanSettings(dpi=75), CancelToken()))
    print("scanned", len(pages), "deadly", sigpipe_is_deadly(), flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this platform")
def test_the_guard_is_put_back_after_a_library_ignored_sigpipe_behind_pythons_back() -> None:
    """A print preview (CUPS) sets SIG_IGN while Python still reports its handler; the guard
    used to trust Python's view and stay away, the scan turned SIG_IGN into SIG_DFL, and the
    next write to a closed socket ended the process (returncode -13)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD_AFTER_IGNORE + WRITE_TO_A_CLOSED_SOCKET],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stdout.startswith("scanned 1 deadly False"), done.stdout
    assert done.stdout.rstrip().endswith("BrokenPipeError"), done.stdout


DEADLY = textwrap.dedent(
    """
    import signal
    from desktop.services.scanning.sigpipe import make_sigpipe_harmless, sigpipe_is_deadly
    states = [sigpipe_is_deadly()]  # Python starts with SIG_IGN
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    states.append(sigpipe_is_deadly())
    make_sigpipe_harmless()
    states.append(sigpipe_is_deadly())
    print(states)
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_deadly_is_read_from_the_kernel() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", DEADLY], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[False, True, False]"
