"""Shared by every test folder: the live reference server fixture; Qt on the offscreen platform
(a test run directly with pytest, outside `make test`, must not need a display)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.live_server"]
