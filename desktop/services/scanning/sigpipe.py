"""Keep a closed socket from killing the whole program after a SANE scan.

Python starts with SIGPIPE ignored, so writing to a socket the other end closed raises
BrokenPipeError. libsane's reader thread (`sanei_thread`, used by the `test` driver and many
USB drivers) puts SIGPIPE back to its default action when the thread ends, whatever it was
before, so from the end of the first page on, any upload to a server that has just dropped the
connection ended the process without a word (seen as a pytest worker dying in
`test_escl_hostile`). libsane only touches the disposition when it is SIG_DFL or SIG_IGN, so a
handler that does nothing keeps it out: the write still fails with EPIPE, as with SIG_IGN.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


def _ignore(signum: int, frame: FrameType | None) -> None:
    """A handler, not SIG_IGN: see the module docstring."""


def make_sigpipe_harmless() -> bool:
    """Install the no-op SIGPIPE handler; True when it is (now or already) in place. Only the
    main thread may install signal handlers, so elsewhere this is False and changes nothing;
    there is no SIGPIPE on Windows (True, nothing to do)."""
    if not hasattr(signal, "SIGPIPE"):
        return True
    if signal.getsignal(signal.SIGPIPE) is _ignore:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGPIPE, _ignore)
    return True
