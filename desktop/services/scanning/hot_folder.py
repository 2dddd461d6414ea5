"""The hot folder: a scanner whose vendor software writes files into a folder ("folder:<path>").

Many counter scanners (a Canon or Epson with its own "scan to folder" button) only work with
their vendor's program. That program writes JPEG, TIFF or PDF files into a folder; Loket takes
them from there as if they came from a scanner, through the same reader as file import
(`file_import.pages_from_file`, so `attachments.check_file`'s limits apply).

The rules, and why:

- **A file is taken only once it has settled**: its size and mtime unchanged for
  `Timing.settle`, seen over at least two checks. The vendor program writes page 7 while we
  read page 6; a half-written JPEG must not become half a KTP.
- **...and only once it opens**: a settled file that `check_file` refuses is tried again (the
  writer may have paused) until it has been unchanged for `Timing.write_timeout`, measured
  from its mtime (so an old truncated file is refused at once). Then it is refused with
  `BAD_FILE` naming it and LEFT IN PLACE for the officer to look at (a non-image, a truncated
  image, a decompression bomb). The pages before it are kept.
- **Order**: by name, numbers compared as numbers (scan_2 before scan_10; vendors number their
  pages), then by mtime. Not by mtime first: a program writing pages from several threads, or
  a copy, finishes them out of order.
- **A batch is what is there when the folder is quiet**, plus what arrives while we read it
  (another round after the first). An empty folder is waited on for one `settle` window, then
  it is `NO_PAPER` with a message telling the officer to scan with the vendor's program first.
- **Taken files are moved into "diambil"** (a subfolder, never listed), so the next scan does
  not take them again. A name already there gets " (2)", " (3)"...: vendors reuse "scan.jpg".
- **At-least-once, never exactly-once**: a file is moved only AFTER all its pages were yielded
  AND the consumer asked for the next page (a generator resumes only then: by that time
  `run_scan` has written the page to its own folder). If Loket crashes, or the scan is cancelled
  or stopped, between a page's yield and that moment, the file stays and the next scan takes it
  again: a duplicate page, which the officer sees and deletes in the page editor. The other
  choice (move first, then yield) loses the page on a crash, and nobody would notice a page
  that is simply not there. Never lose a page. If the move itself fails (the vendor program
  still holds the file on Windows), the scan stops with the pages kept and a message saying
  the file must be moved by hand before scanning again, rather than taking it twice silently.
- `watch(callback)` tells the page editor that files arrived (watchdog; inotify on Linux,
  ReadDirectoryChangesW on Windows). `scan()` itself polls: it works the same on a network
  share, where change notifications are unreliable.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from watchdog.events import (
    DirCreatedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from desktop.services.attachments import (
    DEFAULT_LIMITS,
    AttachmentError,
    CheckedFile,
    Limits,
    check_file,
    safe_name,
)
from desktop.services.scanning.device import (
    CancelToken,
    Capabilities,
    ColourMode,
    ScanError,
    ScannedPage,
    ScannerInfo,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.file_import import pages_from_file

log = logging.getLogger(__name__)

PREFIX = "folder:"
TAKEN = "diambil"
_JUNK_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_JUNK_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".lock", ".temp")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Timing:
    poll: float = 0.25  # seconds between two looks at the folder
    settle: float = 1.0  # a file unchanged this long (over >= 2 looks) is tried
    write_timeout: float = 10.0  # a file that will not open, unchanged this long, is refused


def is_candidate(name: str) -> bool:
    """A file the vendor program wrote for us (not its temp files, not Explorer's)."""
    lower = name.lower()
    if lower in _JUNK_NAMES or lower.startswith((".", "~")):
        return False
    return not lower.endswith(_JUNK_SUFFIXES)


def order_key(path: Path, mtime_ns: int) -> tuple[tuple[tuple[int, int | str], ...], int]:
    """Name with numbers compared as numbers, then mtime."""
    parts = _DIGITS.split(path.name.lower())
    key = tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)
    return key, mtime_ns


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time this size/mtime was first seen
    looks: int  # how many looks saw it unchanged


class FolderWatch:
    """A running watch; `stop()` ends it (idempotent). Also a context manager."""

    def __init__(self, observer: BaseObserver) -> None:
        self._observer = observer

    @property
    def running(self) -> bool:
        return bool(self._observer.is_alive())

    def stop(self) -> None:
        if self.running:
            self._observer.stop()
            self._observer.join(timeout=5.0)

    def __enter__(self) -> FolderWatch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Arrivals(FileSystemEventHandler):
    def __init__(self, folder: Path, callback: Callable[[Path], None]) -> None:
        self._folder = folder
        self._callback = callback

    def _tell(self, raw: bytes | str) -> None:
        path = Path(os.fsdecode(raw))
        if path.parent != self._folder or not is_candidate(path.name):
            return
        try:
            self._callback(path)
        except Exception:  # a broken callback must not kill the observer thread
            log.exception("hot folder callback failed")

    def on_created(self, event: DirCreatedEvent | FileCreatedEvent) -> None:
        if not event.is_directory:
            self._tell(event.src_path)

    def on_moved(self, event: DirMovedEvent | FileMovedEvent) -> None:
        if not event.is_directory:
            self._tell(event.dest_path)


class HotFolderBackend:
    """Pages from the files a vendor's scan program writes into `folder` (see the module)."""

    name = "folder"

    def __init__(
        self, folder: Path, *, timing: Timing | None = None, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self._folder = Path(folder)
        self._timing = timing or Timing()
        self._limits = limits

    @property
    def device_id(self) -> str:
        return PREFIX + str(self._folder)

    @property
    def taken_folder(self) -> Path:
        return self._folder / TAKEN

    def devices(self) -> list[ScannerInfo]:
        return [
            ScannerInfo(
                id=self.device_id,
                name="Folder pindaian",
                backend=self.name,
                detail=str(self._folder),
            )
        ]

    def capabilities(self, device_id: str) -> Capabilities:
        self._check(device_id)
        return Capabilities(
            sources=(Source.FLATBED, Source.FEEDER),
            resolutions=(150, 200, 300, 400, 600),
            modes=(ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW),
        )

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        self._check(device_id)
        return self._pages(settings, cancel)

    def watch(self, callback: Callable[[Path], None]) -> FolderWatch:
        """Call `callback(path)` for each file that appears in the folder, ON WATCHDOG'S THREAD
        (a Qt caller re-emits it as a queued signal). The file may still be being written:
        it says "look", not "ready"; `scan()` waits for the file to settle."""
        self._check(self.device_id)
        observer = Observer()
        observer.schedule(_Arrivals(self._folder.resolve(), callback), str(self._folder))
        observer.start()
        return FolderWatch(observer)

    # -- the stream ---------------------------------------------------------------------------

    def _pages(self, settings: ScanSettings, cancel: CancelToken) -> Iterator[ScannedPage]:
        index = 0
        first = True
        while True:
            batch = self._settled_batch(cancel, index, wait_for_arrivals=first)
            if not batch:
                if first:
                    raise ScanError(
                        ScanProblem.NO_PAPER,
                        detail=str(self._folder),
                        message=(
                            f"Belum ada berkas pindaian di folder '{self._folder}'. Pindai "
                            "dengan aplikasi pemindai, lalu coba lagi."
                        ),
                    )
                return
            first = False
            for path in batch:
                checked = self._opened(path, cancel, index)
                if checked is None:
                    continue  # gone (the vendor program deleted it): nothing to take
                for page in pages_from_file(
                    path, settings, cancel, first_index=index, limits=self._limits, checked=checked
                ):
                    yield page
                    index += 1
                # Resumed: the consumer has the file's last page. Only now is it moved.
                self._take(path, index)

    def _listing(self) -> dict[Path, tuple[int, int]]:
        found: dict[Path, tuple[int, int]] = {}
        try:
            entries = list(os.scandir(self._folder))
        except OSError as exc:
            raise self._folder_gone(exc) from exc
        for entry in entries:
            if not is_candidate(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished between listing and stat
            if stat.S_ISREG(info.st_mode):
                found[Path(entry.path)] = (info.st_size, info.st_mtime_ns)
        return found

    def _settled_batch(
        self, cancel: CancelToken, index: int, *, wait_for_arrivals: bool
    ) -> list[Path]:
        """The files present once every one has settled, in order. Past `write_timeout` the
        settled ones are taken even if others are still changing (a long feeder batch)."""
        timing = self._timing
        start = time.monotonic()
        seen: dict[Path, _Seen] = {}
        while True:
            if cancel.cancelled:
                raise ScanError(ScanProblem.CANCELLED, pages_done=index)
            now = time.monotonic()
            listing = self._listing()
            for path, (size, mtime_ns) in listing.items():
                known = seen.get(path)
                if known is None or (known.size, known.mtime_ns) != (size, mtime_ns):
                    seen[path] = _Seen(size, mtime_ns, now, 1)
                else:
                    known.looks += 1
            for path in list(seen):
                if path not in listing:
                    del seen[path]
            if not listing:
                if not wait_for_arrivals or now - start >= timing.settle:
                    return []
            else:
                ready = [
                    p for p, s in seen.items() if s.looks >= 2 and now - s.since >= timing.settle
                ]
                if len(ready) == len(seen) or (ready and now - start >= timing.write_timeout):
                    return sorted(ready, key=lambda p: order_key(p, seen[p].mtime_ns))
            time.sleep(timing.poll)

    def _opened(self, path: Path, cancel: CancelToken, index: int) -> CheckedFile | None:
        """`check_file`'s answer once the file opens; a refusal is retried while the file is
        younger than `write_timeout` (the writer may have paused), then raised as BAD_FILE."""
        while True:
            if cancel.cancelled:
                raise ScanError(ScanProblem.CANCELLED, pages_done=index)
            try:
                return check_file(path, limits=self._limits)
            except AttachmentError as exc:
                try:
                    age = time.time() - path.stat().st_mtime
                except FileNotFoundError:
                    return None
                except OSError:
                    age = self._timing.write_timeout
                if age >= self._timing.write_timeout:
                    log.info("hot folder: refused %s", path.name)
                    raise ScanError(
                        ScanProblem.BAD_FILE,
                        pages_done=index,
                        detail=str(path),
                        message=exc.message + " Berkas dibiarkan di folder pindaian.",
                    ) from exc
            time.sleep(self._timing.poll)

    def _take(self, path: Path, pages_done: int) -> None:
        """Move a finished file into "diambil" under a name not used there yet."""
        target_folder = self.taken_folder
        try:
            target_folder.mkdir(exist_ok=True)
            target = target_folder / path.name
            number = 2
            while target.exists():
                target = target_folder / f"{path.stem} ({number}){path.suffix}"
                number += 1
            os.rename(path, target)
        except OSError as exc:
            raise ScanError(
                ScanProblem.FAILED,
                pages_done=pages_done,
                detail=f"{path}: {exc}",
                message=(
                    f"Berkas '{safe_name(path.name)}' sudah terbaca tetapi tidak dapat "
                    f"dipindahkan ke folder '{TAKEN}' ({exc.strerror or type(exc).__name__}). "
                    "Pindahkan atau hapus berkas itu sebelum memindai lagi, agar tidak "
                    "terambil dua kali."
                ),
            ) from exc

    def _folder_gone(self, exc: OSError) -> ScanError:
        return ScanError(
            ScanProblem.UNPLUGGED,
            detail=f"{self._folder}: {exc}",
            message=(
                f"Folder pindaian '{self._folder}' tidak dapat dibuka. Periksa pengaturan "
                "folder pindaian atau sambungan ke folder jaringan."
            ),
        )

    def _check(self, device_id: str) -> None:
        if device_id != self.device_id:
            raise ScanError(ScanProblem.UNPLUGGED, detail=f"not this folder: {device_id}")
        if not self._folder.is_dir():
            raise self._folder_gone(FileNotFoundError(str(self._folder)))
