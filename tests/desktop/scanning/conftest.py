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

from tests.desktop.scanning.sane_env import DEVICE, OTHER_DEVICE, enable_sane_test_backend

SANE_CONFIG = enable_sane_test_backend()


@pytest.fixture
def sane_test_device() -> Iterator[str]:
    """The id of the SANE test backend's first device ("sane:test:0"), with SANE reading the
    private config. Skipped only where python-sane cannot be imported (Windows).

    The test driver keeps its option values across close/open within the process (a fault
    set with read-return-value stays for the next scan), so the faults are switched off again
    afterwards, for the next test in this worker."""
    pytest.importorskip("sane", reason="python-sane is Linux-only (SANE)")
    yield DEVICE
    reset_test_devices()


def reset_test_devices() -> None:
    import sane  # type: ignore[import-untyped]

    from desktop.services.scanning import sane_backend

    sane_backend.ensure_init()
    for device in (DEVICE, OTHER_DEVICE):
        with sane_backend._SANE_LOCK:
            dev = sane.open(sane_backend.devname_of(device))
            try:
                dev.read_return_value = "Default"
            finally:
                dev.close()
