"""The number read from an application's scanned KTP-el or KK, for the verifier (issue 12).

When the verifier has a KTP-el or KK document on screen, its first page is read with OCR
(`services.scanning.nik_reader.read_card`) on a worker, in a lane of its own with one thread:
OCR takes about a second a card and must never hold up a page render, a download or a
decision. Readings are kept per document sha256, so flipping back, a reload or the next
opening of the same application never reads the same bytes twice. What the reading means
(cocok / berbeda / tidak terbaca) is `domain.scan_match.compare`'s, against the typed number
at the moment it is shown; a wrong read is never "cocok" (see scan_match).

Nothing here logs a number; `CardReading`'s repr masks them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PIL import Image
from PySide6.QtCore import QObject, Signal

from desktop.domain.catalogue import Service
from desktop.domain.records import Applicant, ApplicationDetail, DocumentInfo
from desktop.domain.scan_match import NumberKind, compare, numbers_in_form
from desktop.services.operations import Op, OpKind
from desktop.services.rendering import DocumentKind, detect, render_pages
from desktop.services.scanning.nik_reader import CardReading, read_card
from desktop.services.tasks import TaskHandle, TaskRunner
from desktop.views.workbench.applicant import ApplicantPanel

KIND_BY_REQUIREMENT: dict[str, NumberKind] = {"KTP-EL": "nik", "KK": "kk"}
"""Requirement codes (the catalogue's document types) whose document carries the number."""
KINDS: tuple[NumberKind, ...] = ("nik", "kk")
OCR_LANE = "ocr"
OCR_THREADS = 1
"""The reader serialises its engine anyway; one thread keeps a core for everything else."""
PDF_OCR_SCALE = 300 / 72
"""A PDF page rendered at 300 dpi: a card laid on an A4 flatbed keeps its digits readable."""
IMAGE_MAX_SIDE = 4000
CACHE_SIZE = 64

CardReader = Callable[[Image.Image], CardReading]


def number_kind(doc: DocumentInfo) -> NumberKind | None:
    """ "nik" for a KTP-el document, "kk" for a KK, None for anything else."""
    return KIND_BY_REQUIREMENT.get(doc.requirement_code or "")


def first_page(data: bytes) -> Image.Image:
    """The first page as an image, at a resolution fit for OCR (worker side)."""
    if detect(data) is DocumentKind.PDF:
        return render_pages(data, scale=PDF_OCR_SCALE, pages=[0])[0]
    return render_pages(data, pages=[0], max_side=IMAGE_MAX_SIDE)[0]


class CardReadings(QObject):
    """Reads documents on a worker and keeps the readings by sha256 (GUI thread API)."""

    read = Signal(str)
    """The sha256 of a document whose reading just arrived (`reading(sha)`)."""

    def __init__(
        self, runner: TaskRunner, parent: QObject | None = None, *, reader: CardReader = read_card
    ) -> None:
        super().__init__(parent)
        runner.add_lane(OCR_LANE, OCR_THREADS)
        self._tasks = runner.group(self)
        self.reader = reader
        """What reads an image (the real OCR; swappable so a test can hold the worker)."""
        self._readings: OrderedDict[str, CardReading] = OrderedDict()
        self._reading: dict[str, TaskHandle] = {}

    def reading(self, sha256: str) -> CardReading | None:
        found = self._readings.get(sha256)
        if found is not None:
            self._readings.move_to_end(sha256)
        return found

    def busy(self, sha256: str) -> bool:
        return sha256 in self._reading

    @property
    def pending(self) -> int:
        return self._tasks.pending

    def request(self, doc: DocumentInfo, data: bytes) -> None:
        """Read `doc` unless it was read already or is being read."""
        sha = doc.sha256
        if sha in self._readings or sha in self._reading:
            return
        reader = self.reader
        self._reading[sha] = (
            Op(
                OpKind.RENDER,
                self.tr("Membaca nomor pada kartu terpindai"),
                lambda _ctx: reader(first_page(data)),
                lane=OCR_LANE,
            )
            .success(lambda found: self._done(sha, found))
            .failure(lambda _exc, _message: self._done(sha, CardReading(None, None, (), 0.0)))
            .run(self._tasks)
        )

    def clear(self) -> None:
        """Forget every reading (sign-out, idle lock: the numbers leave memory)."""
        self._readings.clear()

    def keep_only(self, wanted: set[str]) -> None:
        """Cancel the reads not started yet of documents no longer wanted (another
        application opened): the one lane never works through a backlog of old cards."""
        for sha in [s for s in self._reading if s not in wanted]:
            self._reading.pop(sha).cancel()

    def _done(self, sha: str, found: CardReading) -> None:
        self._reading.pop(sha, None)
        self._readings[sha] = found
        while len(self._readings) > CACHE_SIZE:
            self._readings.popitem(last=False)
        self.read.emit(sha)


class CardCheck(QObject):
    """Keeps the applicant panel's scanned-card lines in step with what is shown: a KTP-el /
    KK document put on screen is read (once per sha256) and compared with the typed number;
    another application clears the lines; a reload of the same one compares again with the
    numbers as they are now, for the documents still there."""

    def __init__(
        self, readings: CardReadings, panel: ApplicantPanel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.readings = readings
        self._panel = panel
        self._applicant: Applicant | None = None
        self._service: Service | None = None
        self._data: dict[str, str] = {}
        self._docs: dict[NumberKind, DocumentInfo] = {}
        readings.read.connect(self._arrived)

    def set_application(
        self, detail: ApplicationDetail, same: bool, service: Service | None = None
    ) -> None:
        """`service` names the form's other NIK/KK fields (a parent's KTP-el is right)."""
        self._applicant = detail.applicant
        self._service = service
        self._data = dict(detail.data)
        there = {d.sha256 for d in detail.documents}
        self._docs = {k: d for k, d in self._docs.items() if same and d.sha256 in there}
        self.readings.keep_only({d.sha256 for d in self._docs.values()})
        for kind in KINDS:
            self._update(kind)

    def clear(self) -> None:
        self._applicant = None
        self._service = None
        self._data = {}
        self._docs = {}
        self.readings.keep_only(set())
        for kind in KINDS:
            self._update(kind)

    def shown(self, doc: DocumentInfo, data: bytes) -> None:
        kind = number_kind(doc)
        if kind is None or self._applicant is None:
            return
        self._docs[kind] = doc
        self.readings.request(doc, data)
        self._update(kind)

    def _arrived(self, sha: str) -> None:
        for kind, doc in self._docs.items():
            if doc.sha256 == sha:
                self._update(kind)

    def _update(self, kind: NumberKind) -> None:
        doc = self._docs.get(kind)
        applicant = self._applicant
        if doc is None or applicant is None:
            self._panel.set_scan_reading(kind, None)
            return
        reading = self.readings.reading(doc.sha256)
        if reading is None:
            if self.readings.busy(doc.sha256):
                self._panel.set_scan_busy(kind)
            else:
                self._panel.set_scan_reading(kind, None)
            return
        typed = applicant.nik if kind == "nik" else applicant.kk_number
        number = reading.nik if kind == "nik" else reading.kk
        others = numbers_in_form(self._service, self._data, kind)
        self._panel.set_scan_reading(kind, compare(typed or "", number, kind=kind, others=others))
