"""The installed PySide6 must not leak references to None/True on signal emission.

PySide6-Essentials 6.12.0 on CPython 3.11 drops one reference to ``True`` per ``emit(True)`` and
one to ``None`` per slot call; the interpreter then aborts ("bool_dealloc"), in a desktop that
stays open all day. pyproject pins it out; this test fails if such a version comes back. It runs
in a subprocess because the failure is an interpreter abort, not an exception.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    app = QCoreApplication([])

    class Emitter(QObject):
        plain = Signal()
        flag = Signal(bool)

    hits = []
    emitter = Emitter()
    emitter.plain.connect(lambda: hits.append(1))
    emitter.flag.connect(lambda value: hits.append(value))
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20000):
        emitter.plain.emit()
        emitter.flag.emit(True)
    hits.clear()
    print(sys.getrefcount(None) - none_before, sys.getrefcount(True) - true_before)
    """
)


def test_signals_do_not_leak_singleton_references() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"interpreter aborted:\n{done.stderr[-2000:]}"
    none_delta, true_delta = (int(x) for x in done.stdout.split())
    # A few references may come and go with caches; a leak would be tens of thousands.
    assert abs(none_delta) < 100, none_delta
    assert abs(true_delta) < 100, true_delta
