"""tests/gui: pytest-qt on the offscreen platform, in-memory keyring, private config/data dirs.

Qt warnings fail tests (``qt_log_level_fail = "WARNING"`` in pyproject). Modules that show
top-level windows ignore exactly one message, which the offscreen platform plugin prints for every
new top-level window and which has no effect on behaviour:
``This plugin does not support propagateSizeHints()`` (see `OFFSCREEN_SIZE_HINTS`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.desktop.fixtures import loket_dirs, memory_keyring  # noqa: F401
from tests.live_server import LiveServer, start_server

OFFSCREEN_SIZE_HINTS = r"This plugin does not support propagateSizeHints\(\)"


@pytest.fixture
def empty_restartable_server() -> Iterator[LiveServer]:
    """A server of the test's own, with no applications, that the test may stop and start
    again (`tests.gui.test_reconnect.stop` / `start_again`): the shared `live_server` must
    never go down under other tests."""
    with start_server(applications=0) as server:
        yield server
