"""Shared by every test folder: the live reference server fixture; Qt on the offscreen platform
(a test run directly with pytest, outside `make test`, must not need a display); SIGPIPE kept
harmless in every test process, as `desktop.__main__.run_app` does for the program: a SANE scan
on a worker thread (where no signal handler can be installed) resets it, and the next write to a
closed socket, in any later test of the same xdist worker, killed the worker (CI: faultproxy).
The guard is put back before every test, as the program does at start, and a test that leaves
SIGPIPE deadly in the kernel's view fails in its teardown, naming itself: a worker dying later
without a word, in whichever test first wrote to a closed socket, named the wrong test."""

import os
from collections.abc import Iterator

import pytest

from desktop.services.scanning.sigpipe import make_sigpipe_harmless, sigpipe_is_deadly

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
make_sigpipe_harmless()


@pytest.fixture(autouse=True)
def _sigpipe_stays_harmless() -> Iterator[None]:
    make_sigpipe_harmless()
    yield
    deadly = sigpipe_is_deadly()
    make_sigpipe_harmless()  # the next test starts safe either way
    assert not deadly, (
        "SIGPIPE was left at its default action: a later write to a closed socket would end "
        "this process (libsane resets an ignored SIGPIPE; see desktop/services/scanning/sigpipe.py)"
    )


pytest_plugins = ["tests.live_server"]
