"""One scanner interface for every way a page reaches Loket (issue 12).

SANE (Linux), eSCL/AirScan (network, our own HTTP client), WIA (Windows), a hot folder the
vendor's software writes into, and file import all look the same to the rest of the app: a
`ScannerBackend` lists `ScannerInfo`s, says what a device can do (`Capabilities`), and scans
with `ScanSettings` into a STREAM of `ScannedPage`s, one decoded page at a time, so a 50-page
600 dpi batch never sits in memory whole. A fault ends the stream with a `ScanError` whose
`problem` says what happened in terms a counter officer can act on (jam, no paper, cover open,
busy, unplugged); the pages yielded before it are the caller's to keep.

Device ids carry their backend as a prefix ("sane:test:0", "escl:http://10.0.0.5:80/eSCL",
"wia:{...}", "folder:/path", "file:") so profiles stored per PC name a device unambiguously.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from PIL import Image

from desktop.services.api.errors import LoketError


class Source(StrEnum):
    FLATBED = "flatbed"
    FEEDER = "feeder"  # ADF, one side
    DUPLEX = "duplex"  # ADF, both sides


class ColourMode(StrEnum):
    COLOUR = "colour"
    GREY = "grey"
    BW = "bw"  # black and white (lineart): CCITT G4 in the PDF


class Paper(StrEnum):
    A4 = "A4"
    F4 = "F4"  # folio, 215 x 330 mm, the usual Indonesian office paper


PAPER_MM: dict[Paper, tuple[float, float]] = {Paper.A4: (210.0, 297.0), Paper.F4: (215.0, 330.0)}
"""Width and height in millimetres. The page size written into the PDF comes from here and the
chosen DPI, never from what the device reports (devices lie: NAPS2 #71, #629, #411)."""


@dataclass(frozen=True)
class ScanSettings:
    source: Source = Source.FLATBED
    dpi: int = 300
    mode: ColourMode = ColourMode.GREY
    paper: Paper = Paper.A4
    remove_blank: bool = True  # feeder batches: drop blank pages (and backs of duplex)
    deskew: bool = True


@dataclass(frozen=True)
class ScannerInfo:
    id: str  # backend-prefixed, stable across runs where the backend allows
    name: str  # what the officer sees ("Canon DR-C225", "Pemindai jaringan 10.0.0.5")
    backend: str  # "sane" | "escl" | "wia" | "folder" | "file"
    detail: str = ""  # model, address or folder, for the device list's second line


@dataclass(frozen=True)
class Capabilities:
    sources: tuple[Source, ...]
    resolutions: tuple[int, ...]  # the DPIs the device offers (a continuous range: a few steps)
    modes: tuple[ColourMode, ...]
    max_width_mm: float | None = None
    max_height_mm: float | None = None

    def nearest_dpi(self, wanted: int) -> int:
        """The offered resolution closest to `wanted` (ties: the higher one)."""
        if not self.resolutions:
            return wanted
        return min(self.resolutions, key=lambda r: (abs(r - wanted), -r))


@dataclass
class ScannedPage:
    """One page as it came from the device, decoded. `dpi` is what we ASKED for (the page's
    size in the PDF follows it); `reported_dpi` is what the device or file claimed, kept only
    for the log when the two differ."""

    image: Image.Image
    index: int  # 0-based, in scan order
    dpi: int
    reported_dpi: int | None = None
    side: str = "front"  # "front" | "back" (duplex)


class ScanProblem(StrEnum):
    JAMMED = "jammed"
    NO_PAPER = "no_paper"  # feeder empty at the start (at the end of a batch it is not a fault)
    COVER_OPEN = "cover_open"
    BUSY = "busy"
    UNPLUGGED = "unplugged"  # gone mid-batch, or not found
    NO_ANSWER = "no_answer"  # network scanner silent past its timeout
    CANCELLED = "cancelled"
    UNSUPPORTED = "unsupported"  # asked for a source/mode the device lacks
    BAD_FILE = "bad_file"  # import / hot folder: not an image or PDF, truncated, a bomb
    FAILED = "failed"  # anything else the driver said; `detail` keeps its words


_MESSAGES: dict[ScanProblem, str] = {
    ScanProblem.JAMMED: "Kertas macet di pemindai. Keluarkan kertas yang macet, lalu lanjutkan.",
    ScanProblem.NO_PAPER: "Tidak ada kertas di pengumpan. Letakkan dokumen, lalu pindai lagi.",
    ScanProblem.COVER_OPEN: "Penutup pemindai terbuka. Tutup dulu, lalu pindai lagi.",
    ScanProblem.BUSY: "Pemindai sedang dipakai. Tunggu sebentar, lalu coba lagi.",
    ScanProblem.UNPLUGGED: "Pemindai tidak terhubung. Periksa kabel atau jaringannya.",
    ScanProblem.NO_ANSWER: "Pemindai tidak menjawab. Periksa apakah pemindai menyala.",
    ScanProblem.CANCELLED: "Pemindaian dibatalkan.",
    ScanProblem.UNSUPPORTED: "Pemindai ini tidak mendukung pilihan tersebut.",
    ScanProblem.BAD_FILE: "Berkas tidak dapat dibaca sebagai gambar atau PDF.",
    ScanProblem.FAILED: "Pemindaian gagal.",
}


def problem_message(problem: ScanProblem) -> str:
    """The Indonesian sentence for a problem (no driver jargon)."""
    return _MESSAGES[problem]


class ScanError(LoketError):
    """A scan stopped. `pages_done` pages were yielded before it and are kept by the caller;
    `detail` holds the driver's own words for the log (never shown alone)."""

    def __init__(
        self, problem: ScanProblem, *, pages_done: int = 0, detail: str = "", message: str = ""
    ) -> None:
        text = message or problem_message(problem)
        if pages_done and problem is not ScanProblem.CANCELLED:
            text += f" {pages_done} halaman yang sudah terpindai tetap tersimpan."
        super().__init__(text)
        self.problem = problem
        self.pages_done = pages_done
        self.detail = detail


@dataclass
class CancelToken:
    """Set from the GUI thread, read by the scanning worker between (and, where the driver
    allows, during) pages."""

    _event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class ScannerBackend(Protocol):
    """What every backend offers. Calls block (network, USB): run them on a worker."""

    name: str  # "sane" | "escl" | "wia" | "folder" | "file"

    def devices(self) -> list[ScannerInfo]:
        """The devices this backend can reach now (may be empty; never raises for "none")."""
        ...

    def capabilities(self, device_id: str) -> Capabilities:
        """Raises `ScanError(UNPLUGGED | NO_ANSWER | BUSY)` when the device cannot be asked."""
        ...

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        """Pages one at a time as they come off the device. The end of the feeder is the end
        of the stream (not an error); a fault raises `ScanError` after the pages already
        yielded; `cancel` stops it at the next page boundary with `ScanError(CANCELLED)`."""
        ...
