"""Scanning tests: the real SANE `test` backend, enabled before anything can call sane.init.

`enable_sane_test_backend()` runs HERE, at import (collection), not in a fixture: sane.init()
reads SANE_CONFIG_DIR once per process, and under pytest-xdist each worker imports this
conftest before running any test, so every process that may scan has the private config
(see sane_env.py for what is in it). Setting it in a fixture would be too late whenever another
test of the same worker had already initialised SANE.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desktop.scanning.sane_env import (
    DEVICE,
    enable_sane_test_backend,
    reset_test_devices,
)

SANE_CONFIG = enable_sane_test_backend()


@pytest.fixture
def sane_test_device() -> Iterator[str]:
    """The id of the SANE test backend's first device ("sane:test:0"), with SANE reading the
    private config. Skipped only where python-sane cannot be imported (Windows).

    The test driver keeps its option values across close/open within the process (a fault
    set with read-return-value stays for the next scan), so the faults and the picture are
    put back before (another file's test may have left one) and after the test."""
    pytest.importorskip("sane", reason="python-sane is Linux-only (SANE)")
    reset_test_devices()
    yield DEVICE
    reset_test_devices()
