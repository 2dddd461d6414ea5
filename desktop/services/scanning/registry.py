"""Every scanner the PC can reach, through whichever backends this platform has.

The scan dialog asks `Scanners.devices()` for one list and `backend_for(id)` for the backend
of the chosen (or profile's) device. Backends are imported lazily and each one is fenced: a
backend whose module is missing (WIA on Linux, python-sane on Windows), whose constructor
fails, or whose device listing raises is logged and skipped, so one broken driver never
hides the others (or the file import that always works).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from desktop.services.scanning.device import ScanError, ScannerBackend, ScannerInfo, ScanProblem
from desktop.settings import Settings

log = logging.getLogger(__name__)

BackendFactory = Callable[[], ScannerBackend]


def _lazy(module: str, cls: str, *args: object, **kwargs: object) -> BackendFactory:
    """A factory importing `desktop.services.scanning.<module>` only when first called."""

    def make() -> ScannerBackend:
        mod = importlib.import_module(f"desktop.services.scanning.{module}")
        backend: ScannerBackend = getattr(mod, cls)(*args, **kwargs)
        return backend

    return make


def default_factories(
    settings: Settings, platform: str = sys.platform
) -> dict[str, BackendFactory]:
    """The backends for `platform`, keyed by their id prefix, in the order devices are listed:
    SANE on Linux, WIA on Windows, eSCL always (discovery plus the typed addresses), the hot
    folder when one is set, file import always."""
    factories: dict[str, BackendFactory] = {}
    if platform.startswith("linux"):
        factories["sane"] = _lazy("sane_backend", "SaneBackend")
    if platform == "win32":
        factories["wia"] = _lazy("wia_backend", "WiaBackend")
    factories["escl"] = _lazy("escl", "EsclBackend", addresses=tuple(settings.escl_addresses))
    if settings.hot_folder.strip():
        factories["folder"] = _lazy(
            "hot_folder", "HotFolderBackend", Path(settings.hot_folder.strip())
        )
    factories["file"] = _lazy("file_import", "FileImportBackend")
    return factories


def prefix_of(device_id: str) -> str:
    """The backend name a device id starts with ("sane:test:0" -> "sane")."""
    return device_id.split(":", 1)[0]


class Scanners:
    """The backends of one settings state. Each backend is built once, on first use, and kept
    (the file import backend holds the files chosen for the next scan; eSCL its discovery).
    Thread-safe: the dialog lists devices on a worker while the GUI may ask for a backend."""

    def __init__(
        self, settings: Settings, factories: Mapping[str, BackendFactory] | None = None
    ) -> None:
        self._factories = dict(default_factories(settings) if factories is None else factories)
        self._built: dict[str, ScannerBackend] = {}
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def _backend(self, prefix: str) -> ScannerBackend | None:
        with self._lock:
            if prefix in self._built:
                return self._built[prefix]
            if prefix in self._failed or prefix not in self._factories:
                return None
            try:
                backend = self._factories[prefix]()
            except Exception:  # a missing module or driver: this backend is off, others live
                log.warning("scanner backend %s unavailable", prefix, exc_info=True)
                self._failed.add(prefix)
                return None
            self._built[prefix] = backend
            return backend

    def backends(self) -> list[ScannerBackend]:
        """The backends that could be built, in listing order."""
        out = []
        for prefix in self._factories:
            backend = self._backend(prefix)
            if backend is not None:
                out.append(backend)
        return out

    def devices(self) -> list[ScannerInfo]:
        """Every device of every backend; a backend that raises is logged and skipped."""
        found: list[ScannerInfo] = []
        for backend in self.backends():
            try:
                found.extend(backend.devices())
            except Exception:
                log.warning(
                    "scanner backend %s failed to list devices", backend.name, exc_info=True
                )
        return found

    def backend_for(self, device_id: str) -> ScannerBackend:
        """The backend owning `device_id` by its prefix. A device of a backend this PC does
        not have (a profile made elsewhere, WIA on Linux) is as good as unplugged."""
        backend = self._backend(prefix_of(device_id))
        if backend is None:
            raise ScanError(ScanProblem.UNPLUGGED, detail=f"no backend for {device_id!r}")
        return backend

    def close(self) -> None:
        """Let backends holding resources (eSCL discovery, a folder watch) release them."""
        with self._lock:
            built = list(self._built.values())
            self._built.clear()
        for backend in built:
            close = getattr(backend, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:
                    log.warning("closing scanner backend %s failed", backend.name, exc_info=True)
