"""The real SANE `test` backend, enabled through a private SANE_CONFIG_DIR (issue 12).

libsane reads its configuration once, in `sane_init()`, from the directories in
SANE_CONFIG_DIR (colon-separated; WITHOUT a trailing colon the system's /etc/sane.d is not
searched, so no real scanner is probed and the device list is exactly the test devices).
`dll.conf` there names the backends to load (`test`), and `test.conf` sets the test
backend's defaults. Because `sane.init()` is process-global, the variable must be set before
the first `sane.init()` of the process: `enable_sane_test_backend()` sets it in
`os.environ` and is called when tests/desktop/scanning/conftest.py is imported, i.e. at
collection, before any test of that pytest process (each pytest-xdist worker is its own
process and collects, so `-n 2` works: each worker has its own config dir and its own
in-process test devices, never shared). An end-to-end test elsewhere can call it from its
own conftest at import time the same way.

What the test devices do (`scanimage -d test -A` with this dir): devices test:0 and test:1
("Noname frontend-tester"); mode Gray|Color, depth 1|8|16; source Flatbed|Automatic Document
Feeder (the feeder is 'empty' after 10 pages: SANE_STATUS_NO_DOCS, and full again after
that or on the next open); read-return-value makes sane_read() return a status
(SANE_STATUS_JAMMED, _NO_DOCS, _COVER_OPEN, _DEVICE_BUSY, _IO_ERROR, ...); a second open of
an open device is "Device busy". Our test.conf widens the scan area to 400 mm (the default
200 mm is smaller than A4/F4) and gives resolution steps of 100 dpi (100..1200): a device that
cannot take every DPI, so 150 asked is 200 taken (the "device reports another DPI" case).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ENV = "SANE_CONFIG_DIR"
MARKER = "loket-sane-test"
DEVICE = "sane:test:0"
OTHER_DEVICE = "sane:test:1"
RESOLUTION_STEP = 100
ADF_PAGES = 10  # fixed in the test backend

TEST_CONF = f"""\
number_of_devices 2
mode Gray
depth 8
hand-scanner false
three-pass false
three-pass-order RGB
resolution_min {RESOLUTION_STEP}.0
resolution_max 1200.0
resolution_quant {RESOLUTION_STEP}.0
resolution 300.0
test-picture "Solid black"
invert-endianess false
read-limit false
read-limit-size 1
read-delay false
read-delay-duration 1000
read-status-code "Default"
fuzzy-parameters false
ppl-loss 0
non-blocking false
select-fd false
enable-test-options false
geometry_min 0.0
geometry_max 400.0
geometry_quant 1.0
tl_x 0.0
tl_y 0.0
br_x 210.0
br_y 297.0
"""


def write_config(folder: Path) -> Path:
    """Write dll.conf (`test` only) and test.conf into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dll.conf").write_text("test\n", encoding="ascii")
    (folder / "test.conf").write_text(TEST_CONF, encoding="ascii")
    (folder / MARKER).write_text("SANE config for Loket's tests\n", encoding="ascii")
    return folder


def enable_sane_test_backend() -> Path:
    """Point this process's SANE at the test backend (idempotent). Raises if SANE was already
    initialised here with another configuration: it cannot be changed any more."""
    current = os.environ.get(ENV, "")
    if current and (Path(current) / MARKER).exists():
        return Path(current)
    backend = sys.modules.get("desktop.services.scanning.sane_backend")
    if backend is not None and backend.is_initialised():
        raise RuntimeError(
            "sane.init() already ran in this process without the test configuration; "
            "enable_sane_test_backend() must run first (at conftest import)"
        )
    folder = write_config(Path(tempfile.mkdtemp(prefix="loket-sane-")))
    atexit.register(shutil.rmtree, folder, True)
    os.environ[ENV] = str(folder)
    return folder


DEFAULTS = {"read_return_value": "Default", "test_picture": "Solid black"}
"""The test driver's options a test may change: it keeps option values across close/open
within the process, so a fault or picture set by one test would reach the next."""


def reset_test_devices() -> None:
    """Put the test devices' fault and picture options back (call after a test that set
    them through `SaneBackend(extra_options=...)` or a `_before_page` hook)."""
    import sane  # type: ignore[import-untyped]  # only where python-sane exists

    from desktop.services.scanning import sane_backend

    sane_backend.ensure_init()
    for device in (DEVICE, OTHER_DEVICE):
        with sane_backend._SANE_LOCK:
            dev = sane.open(sane_backend.devname_of(device))
            try:
                for name, value in DEFAULTS.items():
                    setattr(dev, name, value)
            finally:
                dev.close()
