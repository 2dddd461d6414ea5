"""tests/gui: pytest-qt on the offscreen platform, in-memory keyring, private config/data dirs.

Qt warnings fail tests (``qt_log_level_fail = "WARNING"`` in pyproject). Modules that show
top-level windows ignore exactly one message, which the offscreen platform plugin prints for every
new top-level window and which has no effect on behaviour:
``This plugin does not support propagateSizeHints()`` (see `OFFSCREEN_SIZE_HINTS`).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.desktop.fixtures import loket_dirs, memory_keyring  # noqa: F401

OFFSCREEN_SIZE_HINTS = r"This plugin does not support propagateSizeHints\(\)"
