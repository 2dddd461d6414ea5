"""tests/desktop: services and models against real SQLite files and the real reference server."""

from __future__ import annotations

from tests.desktop.fixtures import loket_dirs, memory_keyring  # noqa: F401
