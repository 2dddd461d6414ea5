"""registry.Scanners: the backends of this PC, one list of devices, a backend per device id.

The SANE devices are the real `test` backend's (conftest.py); the other backends are the
real modules of the other engineers, built lazily. eSCL is left out of the listings here:
its discovery browses the machine's network for seconds (its own tests cover it).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desktop.services.scanning import registry
from desktop.services.scanning.device import (
    CancelToken,
    ScanError,
    ScannerBackend,
    ScannerInfo,
    ScanProblem,
    ScanSettings,
)
from desktop.settings import Settings
from tests.desktop.scanning.sane_env import OTHER_DEVICE


def without_escl(settings: Settings) -> dict[str, registry.BackendFactory]:
    factories = registry.default_factories(settings, "linux")
    del factories["escl"]
    return factories


class BrokenDriver:
    """Stands in for a driver whose listing fails (a wedged USB stack, a crashing vendor
    DLL): nothing real here fails on demand that way."""

    name = "broken"

    def devices(self) -> list[ScannerInfo]:
        raise OSError("driver crashed")

    def capabilities(self, device_id: str) -> object:
        raise NotImplementedError

    def scan(self, device_id: str, settings: ScanSettings, cancel: CancelToken) -> object:
        raise NotImplementedError


def test_backends_per_platform(tmp_path: Path) -> None:
    plain = Settings()
    assert list(registry.default_factories(plain, "linux")) == ["sane", "escl", "file"]
    assert list(registry.default_factories(plain, "win32")) == ["wia", "escl", "file"]
    assert list(registry.default_factories(plain, "darwin")) == ["escl", "file"]
    hot = plain.with_changes(hot_folder=str(tmp_path))
    assert list(registry.default_factories(hot, "linux")) == ["sane", "escl", "folder", "file"]
    assert "folder" not in registry.default_factories(plain.with_changes(hot_folder="  "))


def test_devices_of_every_backend(sane_test_device: str, tmp_path: Path) -> None:
    settings = Settings().with_changes(hot_folder=str(tmp_path))
    scanners = registry.Scanners(settings, without_escl(settings))
    ids = [d.id for d in scanners.devices()]
    assert ids[:2] == [sane_test_device, OTHER_DEVICE]
    assert f"folder:{tmp_path}" in ids
    assert [b.name for b in scanners.backends()] == ["sane", "folder", "file"]


def test_backend_for_a_device_id_and_the_same_instance(sane_test_device: str) -> None:
    scanners = registry.Scanners(Settings(), without_escl(Settings()))
    sane_backend = scanners.backend_for(sane_test_device)
    assert sane_backend.name == "sane"
    pages = list(sane_backend.scan(sane_test_device, ScanSettings(dpi=100), CancelToken()))
    assert len(pages) == 1
    # the file import backend keeps the files chosen for its next scan: always the same one
    assert scanners.backend_for("file:") is scanners.backend_for("file:")


def test_escl_gets_the_typed_addresses() -> None:
    settings = Settings().with_changes(escl_addresses=["http://10.0.5.20:80/eSCL"])
    backend = registry.Scanners(settings).backend_for("escl:http://10.0.5.20:80/eSCL")
    assert backend.name == "escl"
    assert getattr(backend, "addresses", None) == ("http://10.0.5.20:80/eSCL",)


def test_device_of_a_backend_this_pc_lacks_is_unplugged() -> None:
    scanners = registry.Scanners(Settings(), without_escl(Settings()))
    for device_id in ("wia:{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0000", "folder:/x", "zzz"):
        with pytest.raises(ScanError) as caught:
            scanners.backend_for(device_id)
        assert caught.value.problem is ScanProblem.UNPLUGGED


def test_a_failing_backend_is_skipped_and_logged(
    sane_test_device: str, caplog: pytest.LogCaptureFixture
) -> None:
    factories: dict[str, registry.BackendFactory] = {
        # a backend module that is not there (WIA on Linux, a half-installed build)
        "missing": registry._lazy("no_such_backend", "NoSuchBackend"),
        "broken": BrokenDriver,  # type: ignore[dict-item]
        "sane": registry.default_factories(Settings(), "linux")["sane"],
    }
    scanners = registry.Scanners(Settings(), factories)
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        devices = scanners.devices()
    assert [d.id for d in devices] == [sane_test_device, OTHER_DEVICE]
    messages = [r.getMessage() for r in caplog.records]
    assert any("missing unavailable" in m for m in messages)
    assert any("broken failed to list devices" in m for m in messages)
    # the missing one is not retried on every listing
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        assert [b.name for b in scanners.backends()] == ["broken", "sane"]
    assert not any("unavailable" in r.getMessage() for r in caplog.records)
    with pytest.raises(ScanError):
        scanners.backend_for("missing:1")


def test_close_releases_backends(sane_test_device: str) -> None:
    scanners = registry.Scanners(Settings(), without_escl(Settings()))
    first: ScannerBackend = scanners.backend_for(sane_test_device)
    scanners.close()
    assert scanners.backend_for(sane_test_device) is not first  # built again after close
