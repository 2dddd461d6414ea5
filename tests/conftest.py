"""Shared by every test folder: the live reference server fixture; Qt on the offscreen platform
(a test run directly with pytest, outside `make test`, must not need a display); SIGPIPE kept
harmless in every test process, as `desktop.__main__.run_app` does for the program: a SANE scan
on a worker thread (where no signal handler can be installed) resets it, and the next write to a
closed socket, in any later test of the same xdist worker, killed the worker (CI: faultproxy)."""

import os

from desktop.services.scanning.sigpipe import make_sigpipe_harmless

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
make_sigpipe_harmless()

pytest_plugins = ["tests.live_server"]
