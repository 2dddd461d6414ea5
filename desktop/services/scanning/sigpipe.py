"""Keep a closed socket from killing the whole program after a SANE scan.

Python starts with SIGPIPE ignored, so writing to a socket the other end closed raises
BrokenPipeError. libsane's reader thread (`sanei_thread`, used by the `test` driver and many
USB drivers) puts SIGPIPE back to its default action when the thread ends, if it was SIG_IGN,
so from the end of the first page on, any upload to a server that has just dropped the
connection ended the process without a word (seen as a pytest worker dying in
`test_escl_hostile`). libsane only touches the disposition when it is SIG_DFL or SIG_IGN, so a
handler that does nothing keeps it out: the write still fails with EPIPE, as with SIG_IGN.

Other C libraries set SIG_IGN behind Python's back: Qt's CUPS print plugin does it when the
first QPrinter is made (print preview, the reports' PDF export), and Python still reports its
own handler (`signal.getsignal` is a cached value). A scan after a print preview then left
SIGPIPE deadly again (CI: a pytest worker dying in `test_sync_stateful`). So the guard is put
back for real every time (`make_sigpipe_harmless`), before and after each scan run, and
`sigpipe_is_deadly` reads the disposition the kernel holds.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

_STATUS = Path("/proc/self/status")


def _ignore(signum: int, frame: FrameType | None) -> None:
    """A handler, not SIG_IGN: see the module docstring."""


def make_sigpipe_harmless() -> bool:
    """Install the no-op SIGPIPE handler, again even when Python believes it is there (a C
    library may have replaced it); True when it is in place. Only the main thread may install
    signal handlers, so elsewhere this changes nothing and answers whether the process is safe
    as it stands; there is no SIGPIPE on Windows (True, nothing to do)."""
    if not hasattr(signal, "SIGPIPE"):
        return True
    if threading.current_thread() is not threading.main_thread():
        return not sigpipe_is_deadly() and signal.getsignal(signal.SIGPIPE) is _ignore
    signal.signal(signal.SIGPIPE, _ignore)
    return True


def sigpipe_is_deadly() -> bool:
    """True when the kernel holds SIGPIPE at its default action (neither ignored nor caught),
    so a write to a closed socket would end the process. Read from /proc/self/status (Linux);
    False where that cannot be read (no SIGPIPE, or no /proc: nothing to tell)."""
    if not hasattr(signal, "SIGPIPE"):
        return False
    try:
        lines = _STATUS.read_text(encoding="ascii").splitlines()
    except OSError:
        return False
    masks = {
        key: int(value.strip(), 16)
        for key, _sep, value in (line.partition(":") for line in lines)
        if key in ("SigIgn", "SigCgt")
    }
    if len(masks) != 2:
        return False
    bit = 1 << (int(signal.SIGPIPE) - 1)
    return not (masks["SigIgn"] & bit or masks["SigCgt"] & bit)
