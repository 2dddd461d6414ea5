"""tests/desktop: services and models against real SQLite files and the real reference server.

The plain fixtures most files need live here; a file that needs another shape (a store that keeps
everything, a pre-filled one) defines its own `store`, which wins over this one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.domain.catalogue import Catalogue, load_catalogue
from desktop.models.store import Store
from desktop.services.tasks import TaskRunner
from tests.desktop.fixtures import loket_dirs, memory_keyring  # noqa: F401


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty local store in a real SQLite file."""
    s = Store(tmp_path / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    """A task runner of the test's own, shut down (workers joined) afterwards."""
    del qtbot  # a QApplication must exist for the runner's signals
    r = TaskRunner()
    yield r
    r.shutdown(5000)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The Pekanbaru (14.71) catalogue."""
    return load_catalogue("1471")
