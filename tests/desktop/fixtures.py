"""Fixtures shared by tests/desktop and tests/gui (imported by both conftests)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.desktop.support import MemoryKeyring


@dataclass(frozen=True)
class LoketDirs:
    config: Path
    data: Path

    @property
    def roots(self) -> tuple[Path, Path]:
        return (self.config, self.data)


@pytest.fixture(autouse=True)
def loket_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LoketDirs:
    """Every test gets its own config and data dirs; nothing touches the real profile."""
    dirs = LoketDirs(tmp_path / "config", tmp_path / "data")
    monkeypatch.setenv("LOKET_CONFIG_DIR", str(dirs.config))
    monkeypatch.setenv("LOKET_DATA_DIR", str(dirs.data))
    monkeypatch.delenv("LOKET_SERVER_URL", raising=False)
    return dirs


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The in-memory keyring, installed process-wide for the test (never the real one)."""
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
