"""The operator's intake page: open drafts, saving as typed, checks, attachments, submit, receipt.

What happens, and where:
- Every read and write of drafts runs on a worker (`Op`) on one lane (`LANE`), so saves, attaches
  and the submit reach the store in the order the person made them; the GUI thread only keeps
  the values of the draft on screen.
- Saving is debounced (`SAVE_DELAY_MS` after the last keystroke, and at least every
  `SAVE_MAX_WAIT_MS` while keys keep coming): typing never waits for the disk, and `saved`
  says "Tersimpan 10.42" once the write is done.
- The applicant's and the service's checks (`domain.applicant_rules`) are fast and pure: they run
  on the GUI thread on every change (a NIK check costs well under 5 ms).
- Scanned documents (issue 12) arrive as one PDF per requirement in a temporary folder: each
  goes through the same `attach` as an imported file (checked, copied into the private folder,
  saved with the draft), and the folder is removed by an op queued after them on `LANE`.
- The number on a KTP-el or KK attached (scanned or imported) is read on a worker
  (`nik_reader.read_card` over the first page, never on `LANE`: ~0.6 s of OCR must not hold a
  save back); `number_line(kind, typed)` then says beside the NIK/KK field whether it matches
  what is typed (`domain.scan_match.compare`, pure, re-run on every keystroke).
- Submit: `DraftService.submit` (one store write, the outbox entries); when online, the outbox is
  asked to send now and the official number is awaited for up to `OFFICIAL_WAIT_S`, else the
  provisional number stands; then the receipt PDF is rendered on a worker and `submitted`
  hands it to the page.

QtCore only (no widgets), like every controller.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from sqlalchemy import Connection

from desktop.domain import sla
from desktop.domain.applicant_rules import APPLICANT_KEYS
from desktop.domain.catalogue import Catalogue, Service
from desktop.domain.formatting import format_clock
from desktop.domain.identity import mask_nik
from desktop.domain.scan_match import NumberKind, NumberMatch, compare
from desktop.domain.sla import expected_completion
from desktop.models.store import Store
from desktop.services.documents.pdf_parts import Paper
from desktop.services.documents.receipt import Layout, ReceiptData, render_receipt
from desktop.services.operations import Op, OpKind, user_message
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.settings import config_dir, private_file

log = logging.getLogger(__name__)

LANE = "intake"
SAVE_DELAY_MS = 500
SAVE_MAX_WAIT_MS = 2000
"""A typist who never pauses `SAVE_DELAY_MS` is still saved this often: a power cut loses at
most this much of unbroken typing."""
OFFICIAL_WAIT_S = 10.0
RECENT_LIMIT = 8
NUMBER_DOCUMENTS: dict[str, NumberKind] = {"KTP-EL": "nik", "KK": "kk"}
"""Requirement codes whose document carries the applicant's number: the KTP-el (NIK) and the
KK (nomor KK), as named in the catalogue."""
NUMBER_FIELDS: dict[NumberKind, str] = {"nik": "nik", "kk": "kk_number"}
"""The applicant field each read number is compared with."""
READ_DPI = 300
"""A PDF's first page is rendered at this resolution for the OCR (what the reader was measured
on); an image is read at its own size."""


def _tr(text: str) -> str:
    return QCoreApplication.translate("IntakeController", text)


# -- the seams this page uses (engineer E's DraftService, duck-typed) ----------------------------


class DraftLike(Protocol):
    id: str
    service_code: str
    applicant: dict[str, str]
    data: dict[str, str]
    attachments: Any
    updated_at: Any


class Drafts(Protocol):
    """`services.drafts.DraftService` as this page uses it (seam 6)."""

    def new(self, service_code: str) -> Any: ...
    def save(self, draft: Any) -> Any: ...
    def attach(self, draft_id: str, requirement_code: str, source: Path) -> Any: ...
    def detach(self, draft_id: str, attachment_id: str) -> Any: ...
    def list(self) -> Sequence[Any]: ...
    def load(self, draft_id: str) -> Any: ...
    def discard(self, draft_id: str) -> Any: ...
    def submit(self, draft_id: str) -> Any: ...


@dataclass(frozen=True)
class DraftRow:
    """One open draft in the list: "Akta kelahiran · Sari Dewi · 10.42"."""

    id: str
    service: str
    name: str
    saved: str


@dataclass(frozen=True)
class Submitted:
    """What the page shows after a submit: the number (official when it came in time), and the
    receipt PDF (None when it could not be made: the number still stands)."""

    app_id: str
    number: str
    provisional: bool
    receipt: bytes | None
    receipt_problem: str = ""
    receipt_data: ReceiptData | None = None
    """What the receipt says (the preview renders it again for another layout or paper)."""


@dataclass(frozen=True)
class ReceiptSetup:
    """Who prints the tanda terima, on what, and where the QR points: `status_base()` is the
    public status URL without the token (`/me`'s public_status_url, else the server's
    ``/status``)."""

    office_name: str = ""
    office_address: str = ""
    office_code: str = ""
    officer: str = ""
    layout: Layout = "half"
    paper: Paper = "A4"
    status_base: Callable[[], str] = lambda: ""


class RecentServices:
    """The services one person used most recently (a small JSON file in the config folder)."""

    def __init__(self, user_id: str, path: Path | None = None) -> None:
        self.user_id = user_id
        self.path = path or config_dir() / "layanan-terakhir.json"

    def _read(self) -> dict[str, list[str]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def get(self) -> list[str]:
        found = self._read().get(self.user_id, [])
        return [c for c in found if isinstance(c, str)]

    def used(self, code: str) -> None:
        everything = self._read()
        codes = [code] + [c for c in self.get() if c != code]
        everything[self.user_id] = codes[:RECENT_LIMIT]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(everything), encoding="utf-8")
            private_file(self.path)
        except OSError as exc:  # a convenience: never worth an error for the person
            log.warning("recent services not saved: %s", type(exc).__name__)


@dataclass(frozen=True)
class NumberLine:
    """The line under the NIK/KK field about the scanned card: `status` is "membaca" while the
    OCR runs, else `NumberMatch.status`; `text` is screen text (may hold the full read number,
    see `domain.scan_match`; never log it)."""

    status: str
    text: str
    match: NumberMatch | None = None


@dataclass(frozen=True)
class _Reading:
    attachment_id: str
    sha256: str
    done: bool
    number: str | None = None


def read_number(path: Path, kind: NumberKind) -> str | None:
    """The NIK (kind "nik") or KK number read from the first page of an image or PDF, or None.
    Worker thread; the imports are here because OpenCV and the OCR engine are heavy and most
    sessions never read a card."""
    from desktop.services import rendering
    from desktop.services.scanning.nik_reader import read_card

    data = path.read_bytes()
    pdf = rendering.detect(data) is rendering.DocumentKind.PDF
    pages = rendering.render_pages(data, pages=[0], scale=READ_DPI / 72 if pdf else 1.0)
    reading = read_card(pages[0])
    log.info("card read (%s): %r", kind, reading)  # CardReading's repr masks every number
    return reading.nik if kind == "nik" else reading.kk


def known_applicant(store: Store, nik: str) -> dict[str, str]:
    """The applicant with this NIK as the local cache knows them (the newest application, the
    detail when cached, else the queue row); {} when unknown. Worker thread."""

    def read(conn: Connection) -> dict[str, str]:
        rows = conn.exec_driver_sql(
            "SELECT a.id, r.raw, d.raw FROM applications a "
            "LEFT JOIN applications_raw r ON r.id = a.id "
            "LEFT JOIN application_details d ON d.id = a.id "
            "WHERE a.applicant_nik = ? ORDER BY a.updated_at DESC LIMIT 1",
            (nik,),
        ).all()
        for _id, summary, detail in rows:
            for raw in (detail, summary):
                if not raw:
                    continue
                try:
                    applicant = json.loads(raw).get("applicant") or {}
                except (ValueError, AttributeError):
                    continue
                values = {
                    k: str(v) for k, v in applicant.items() if k in APPLICANT_KEYS and v is not None
                }
                if values.get("nik") == nik:
                    return values
        return {}

    return store.read(read)


class IntakeController(QObject):
    drafts_changed = Signal(list)  # list[DraftRow]
    draft_opened = Signal(object)  # the draft (E's Draft)
    draft_closed = Signal()
    saved = Signal(str)  # "Tersimpan 10.42"
    save_failed = Signal(str)
    attached = Signal(str, object)  # requirement code, attachment
    attach_failed = Signal(str, str)  # requirement code, message
    detached = Signal(str, str)  # requirement code, attachment id
    known_found = Signal(dict)  # applicant values found by NIK
    duplicates_found = Signal(list)  # hits (E's DuplicateHit)
    no_duplicates = Signal()
    submit_progress = Signal(str)
    submitted = Signal(object)  # Submitted
    submit_failed = Signal(str)
    number_read = Signal(str)  # "nik" | "kk": its `number_line` changed (a read began or ended)

    def __init__(
        self,
        *,
        runner: TaskRunner,
        store: Store,
        drafts: Drafts,
        catalogue: Catalogue | None,
        user_id: str,
        tz: tzinfo | None = None,
        online: Callable[[], bool] = lambda: False,
        send_now: Callable[[], None] = lambda: None,
        find_duplicates: Callable[[str, str, str], list[Any]] | None = None,
        wait_official: Callable[[str, float], str | None] | None = None,
        receipt: ReceiptSetup | None = None,
        office_level: str | None = None,
        recent: RecentServices | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        runner.add_lane(LANE, 1)  # saves, attaches and the submit reach the store in order
        self.store = store
        self.drafts = drafts
        self.catalogue = catalogue
        self.user_id = user_id
        self.tz = tz
        self.online = online
        self.send_now = send_now
        self.find_duplicates = find_duplicates
        self.wait_official = wait_official
        self.receipt = receipt
        self.office_level = office_level
        self.recent = recent or RecentServices(user_id)
        self.clock = clock
        self.read_number: Callable[[Path, NumberKind], str | None] = read_number
        self._readings: dict[NumberKind, _Reading] = {}
        self._read_cache: dict[tuple[str, NumberKind], str | None] = {}  # by the file's sha256
        self.current: Any = None
        self.busy_submitting = False
        self._creating = False
        # Edits made / edits on disk: what `stop` must still save. The lock orders a worker's
        # save against the last one `stop` makes on the GUI thread (never an older one after).
        self._save_lock = threading.Lock()
        self._edits = 0
        self._saved_edits = 0
        self._stopped = False
        self._dirty_since: float | None = None  # monotonic time of the first unsaved edit
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)

    def warm_up(self) -> None:
        """Load the holiday calendar on a worker now (once per session, at its start): the
        first expected date costs ~300 ms, which the first receipt must not pay."""
        Op(
            OpKind.CATALOGUE, _tr("Memuat kalender hari libur"), lambda _ctx: sla.warm_up(),
            quiet=True,
        ).failure(lambda exc, _m: log.info("holidays not loaded: %s", type(exc).__name__)).run(
            self.runner
        )  # fmt: skip

    # -- catalogue ---------------------------------------------------------------------------

    def services(self) -> list[Service]:
        """The services this counter takes in (the catalogue's ``tingkat_loket`` for the
        office's level): the server refuses the others."""
        if self.catalogue is None:
            return []
        level = self.office_level
        return [
            s for s in self.catalogue.services.values() if level is None or level in s.intake_levels
        ]

    def service(self, code: str) -> Service | None:
        return self.catalogue.services.get(code) if self.catalogue else None

    def service_name(self, code: str) -> str:
        service = self.service(code)
        return service.name if service is not None else code

    # -- drafts list -------------------------------------------------------------------------

    def refresh(self) -> None:
        Op(
            OpKind.RELOAD,
            _tr("Memuat draf"),
            lambda _ctx: list(self.drafts.list()),
            lane=LANE,
            quiet=True,
        ).success(self._listed).failure(lambda _e, m: self.save_failed.emit(m)).run(self.runner)

    def _listed(self, drafts: list[Any]) -> None:
        rows = []
        for d in sorted(drafts, key=lambda d: _epoch(d.updated_at), reverse=True):
            name = (d.applicant or {}).get("name", "").strip() or _tr("(nama belum diisi)")
            rows.append(
                DraftRow(
                    d.id, self.service_name(d.service_code), name, self._clock_text(d.updated_at)
                )
            )
        self.drafts_changed.emit(rows)

    def _clock_text(self, when: Any) -> str:
        epoch = _epoch(when)
        return self._clock(epoch) if epoch else ""

    def _clock(self, epoch: float) -> str:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return format_clock(datetime.fromtimestamp(epoch, UTC), now, self.tz)

    # -- opening, new, discarding ------------------------------------------------------------

    def new_draft(self, service_code: str) -> None:
        """One draft per request, however often it is asked for before the first is made
        (a second one arriving late would empty the form the person is filling)."""
        if self._creating:
            return
        self._creating = True
        self.flush()
        self.recent.used(service_code)
        Op(
            OpKind.OPEN, _tr("Membuat draf"), lambda _ctx: self.drafts.new(service_code), lane=LANE
        ).success(self._opened).failure(self._not_created).run(self.runner)

    def _not_created(self, _exc: Exception, message: str) -> None:
        self._creating = False
        self.save_failed.emit(message)

    def open_draft(self, draft_id: str) -> None:
        if self.current is not None and self.current.id == draft_id:
            return
        self.flush()
        Op(
            OpKind.OPEN, _tr("Membuka draf"), lambda _ctx: self.drafts.load(draft_id), lane=LANE
        ).success(self._opened).failure(lambda _e, m: self.save_failed.emit(m)).run(self.runner)

    def _opened(self, draft: Any) -> None:
        self._creating = False
        self.current = draft
        self._forget_readings()
        self.draft_opened.emit(draft)
        for attachment in sorted(draft.attachments or (), key=lambda a: a.added_at):
            self._maybe_read(attachment)
        self.refresh()

    def close_draft(self) -> None:
        """Leave the draft on screen (it stays in the list): the next citizen."""
        self.flush()
        self.current = None
        self._forget_readings()
        self.draft_closed.emit()

    def discard(self, draft_id: str) -> None:
        if self.current is not None and self.current.id == draft_id:
            self._timer.stop()
            self.current = None
            self._forget_readings()
            self.draft_closed.emit()
        Op(
            OpKind.DOCUMENT,
            _tr("Membuang draf"),
            lambda _ctx: self.drafts.discard(draft_id),
            lane=LANE,
        ).success(lambda _r: self.refresh()).failure(lambda _e, m: self.save_failed.emit(m)).run(
            self.runner
        )

    # -- editing and saving ------------------------------------------------------------------

    def set_values(self, applicant: Mapping[str, str], data: Mapping[str, str]) -> None:
        """What the form shows now; saved `SAVE_DELAY_MS` after the last change."""
        if self.current is None:
            return
        self.current.applicant = dict(applicant)
        self.current.data = dict(data)
        self._edits += 1
        now = time.monotonic()
        if self._dirty_since is None:
            self._dirty_since = now
        if (now - self._dirty_since) * 1000 >= SAVE_MAX_WAIT_MS:
            self._timer.stop()
            self.save_now()
            return
        self._timer.start()

    @property
    def save_pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Save now what waits for the debounce (before switching drafts or submitting)."""
        if self._timer.isActive():
            self._timer.stop()
            self.save_now()

    def save_now(self) -> None:
        self._dirty_since = None
        draft = self.current
        if draft is None:
            return
        snapshot = _snapshot(draft)
        edits = self._edits

        def work(_ctx: TaskContext) -> Any:
            with self._save_lock:
                if self._stopped:  # `stop` saved the newest values itself
                    return False
                saved = self.drafts.save(snapshot)
                self._saved_edits = max(self._saved_edits, edits)
                return saved

        Op(
            OpKind.DOCUMENT,
            _tr("Menyimpan draf"),
            work,
            lane=LANE,
            quiet=True,
        ).success(lambda _r: self._saved()).failure(lambda _e, m: self.save_failed.emit(m)).run(
            self.runner
        )

    def stop(self) -> None:
        """The session ends (sign-out, the window closed): what was typed and not yet on disk
        (the debounce, or a save still queued) is saved now, on this thread. A queued op would
        be cancelled with the session's others and the store closes right after; nothing is
        saved once stopped."""
        self._timer.stop()
        with self._save_lock:
            self._stopped = True
            draft = self.current
            if draft is None or self._edits <= self._saved_edits:
                return
            try:
                self.drafts.save(_snapshot(draft))
                self._saved_edits = self._edits
            except Exception as exc:  # the store already failing: nothing more to be done
                log.warning("draft not saved at session end: %s", type(exc).__name__)

    def _saved(self) -> None:
        now = self._clock(self.clock())
        self.saved.emit(_tr("Tersimpan %1").replace("%1", now))
        self.refresh()

    # -- attachments -------------------------------------------------------------------------

    def attach(self, requirement_code: str, paths: Sequence[Path]) -> None:
        draft = self.current
        if draft is None:
            return
        draft_id = draft.id
        for path in paths:

            def work(_ctx: TaskContext, path: Path = path) -> Any:
                return self.drafts.attach(draft_id, requirement_code, path)

            Op(OpKind.DOCUMENT, _tr("Memeriksa berkas"), work, lane=LANE).success(
                lambda a: self._attached(requirement_code, a)
            ).failure(lambda _e, m: self.attach_failed.emit(requirement_code, m)).relevant_while(
                lambda: self.current is not None and self.current.id == draft_id
            ).run(self.runner)

    def _attached(self, requirement_code: str, attachment: Any) -> None:
        self.attached.emit(requirement_code, attachment)
        self._maybe_read(attachment)

    def attach_scanned(self, documents: Mapping[str, Path], folder: Path) -> None:
        """The scan dialog's PDFs ({requirement code: path}, all inside `folder`): each attached
        like an imported file, then `folder` removed. The removal is queued on `LANE` after the
        attaches, so it runs once each PDF was copied (or refused); it runs even when the
        person has moved on to another draft meanwhile."""
        for code, path in documents.items():
            self.attach(code, [path])

        def remove(_ctx: TaskContext) -> None:
            shutil.rmtree(folder, ignore_errors=True)

        Op(OpKind.SCAN, _tr("Membersihkan folder pindaian"), remove, lane=LANE, quiet=True).run(
            self.runner
        )

    def detach(self, requirement_code: str, attachment_id: str) -> None:
        draft = self.current
        if draft is None:
            return
        draft_id = draft.id
        Op(
            OpKind.DOCUMENT,
            _tr("Menghapus berkas"),
            lambda _ctx: self.drafts.detach(draft_id, attachment_id),
            lane=LANE,
        ).success(lambda _r: self._detached(requirement_code, attachment_id)).failure(
            lambda _e, m: self.attach_failed.emit(requirement_code, m)
        ).run(self.runner)

    def _detached(self, requirement_code: str, attachment_id: str) -> None:
        self.detached.emit(requirement_code, attachment_id)
        for kind, reading in list(self._readings.items()):
            if reading.attachment_id == attachment_id:
                del self._readings[kind]
                self.number_read.emit(kind)

    # -- the number on a scanned KTP-el / KK -------------------------------------------------

    def number_line(
        self, kind: NumberKind, typed: str, others: Sequence[tuple[str, str]] = ()
    ) -> NumberLine | None:
        """What to say under the NIK (kind "nik") or KK field about the KTP-el/KK attached to
        this draft: None when there is none, "membaca" while it is read, else the comparison
        with `typed` and the (label, value) numbers of other people in the form (`others`: the
        mother's KTP-el on a birth registration is right), pure and fast: called on every
        keystroke."""
        reading = self._readings.get(kind)
        if reading is None:
            return None
        if not reading.done:
            what = _tr("NIK") if kind == "nik" else _tr("nomor KK")
            return NumberLine(
                "membaca", _tr("Membaca %1 dari dokumen terlampir…").replace("%1", what)
            )
        match = compare(typed, reading.number, kind=kind, others=others)
        return NumberLine(match.status, match.message, match)

    def _forget_readings(self) -> None:
        kinds = list(self._readings)
        self._readings = {}
        for kind in kinds:
            self.number_read.emit(kind)

    def _maybe_read(self, attachment: Any) -> None:
        """Read the number of a KTP-el/KK just attached (the newest one of its kind counts)."""
        kind = NUMBER_DOCUMENTS.get(str(getattr(attachment, "requirement_code", "") or ""))
        draft = self.current
        if kind is None or draft is None or getattr(attachment, "missing", False):
            return
        attachment_id, sha = str(attachment.id), str(attachment.sha256)
        cached = (sha, kind) in self._read_cache
        self._readings[kind] = _Reading(
            attachment_id, sha, cached, self._read_cache.get((sha, kind))
        )
        self.number_read.emit(kind)
        if cached:
            return
        path, draft_id, reader = Path(attachment.path), draft.id, self.read_number

        def done(number: str | None) -> None:
            self._read_cache[(sha, kind)] = number
            reading = self._readings.get(kind)
            if reading is not None and reading.attachment_id == attachment_id:
                self._readings[kind] = _Reading(attachment_id, sha, True, number)
                self.number_read.emit(kind)

        def failed(exc: Exception, _message: str) -> None:
            log.warning("card not read: %s", type(exc).__name__)
            done(None)  # "tidak terbaca": the officer looks at the card

        # Not on LANE: the OCR (~0.6 s) must not hold back a save or an attach queued after it.
        (
            Op(
                OpKind.SCAN,
                _tr("Membaca nomor dari dokumen"),
                lambda _ctx: reader(path, kind),
                quiet=True,
            )
            .success(done)
            .failure(failed)
            .relevant_while(lambda: self.current is not None and self.current.id == draft_id)
            .run(self.runner)
        )

    # -- known applicant ---------------------------------------------------------------------

    def look_up(self, nik: str) -> None:
        """A known applicant with this (valid, 16-digit) NIK: `known_found` with their data."""
        draft_id = self.current.id if self.current is not None else None
        Op(
            OpKind.FIND,
            _tr("Mencari pemohon"),
            lambda _ctx: known_applicant(self.store, nik),
            quiet=True,
        ).success(lambda v: self.known_found.emit(v) if v else None).relevant_while(
            lambda: self.current is not None and self.current.id == draft_id
        ).run(self.runner)

    # -- submit ------------------------------------------------------------------------------

    def check_duplicates(self, nik: str, service_code: str) -> None:
        """`duplicates_found(hits)` or `no_duplicates`: asked before every submit."""
        finder = self.find_duplicates
        draft_id = self.current.id if self.current is not None else ""
        if finder is None:
            self.no_duplicates.emit()
            return
        self.submit_progress.emit(_tr("Memeriksa permohonan ganda…"))

        def found(hits: list[Any]) -> None:
            if hits:
                self.duplicates_found.emit(list(hits))
            else:
                self.no_duplicates.emit()

        def work(_ctx: TaskContext) -> list[Any]:
            return list(finder(nik, service_code, draft_id))

        # A check that fails (the store busy) must not stop the counter: submit goes on.
        Op(OpKind.FIND, _tr("Memeriksa permohonan ganda"), work).success(found).failure(
            lambda _e, _m: self.no_duplicates.emit()
        ).run(self.runner)

    def submit(self) -> None:
        draft = self.current
        if draft is None or self.busy_submitting:
            return
        self._timer.stop()
        snapshot = _snapshot(draft)
        self.busy_submitting = True
        self.submit_progress.emit(_tr("Menyimpan permohonan…"))

        def work(_ctx: TaskContext) -> Any:
            self.drafts.save(snapshot)
            return self.drafts.submit(snapshot.id)

        Op(OpKind.DOCUMENT, _tr("Mengajukan permohonan"), work, lane=LANE).success(
            self._taken_in
        ).failure(self._submit_failed).run(self.runner)

    def _submit_failed(self, _exc: Exception, message: str) -> None:
        self.busy_submitting = False
        self.submit_failed.emit(message)

    def _taken_in(self, app: Any) -> None:
        draft = self.current
        self.current = None
        self._forget_readings()
        self.draft_closed.emit()
        self.refresh()
        online = self.online()
        if online:
            self.submit_progress.emit(_tr("Mengirim ke server, menunggu nomor resmi…"))
            self.send_now()
        Op(
            OpKind.RENDER,
            _tr("Membuat tanda terima"),
            lambda ctx: self._finish(ctx, app, draft, online),
        ).success(self._done).failure(self._submit_failed).run(self.runner)

    def _finish(self, ctx: TaskContext, app: Any, draft: Any, online: bool) -> Submitted:
        number, provisional = str(app.provisional_number), True
        if online and self.wait_official is not None:
            official = self.wait_official(str(app.id), OFFICIAL_WAIT_S)
            if official:
                number, provisional = official, False
        data: ReceiptData | None = None
        pdf, problem = None, ""
        if self.receipt is not None:
            try:
                data = self.receipt_data(app, draft, number, provisional)
                pdf = render_receipt(data, layout=self.receipt.layout, paper=self.receipt.paper)
            except Exception as exc:
                problem = user_message(exc)
        return Submitted(str(app.id), number, provisional, pdf, problem, data)

    def receipt_data(self, app: Any, draft: Any, number: str, provisional: bool) -> ReceiptData:
        """What the tanda terima says for `app` (taken in from `draft`)."""
        setup = self.receipt or ReceiptSetup()
        service = self.service(str(app.service_code))
        catalogue = self.catalogue
        documents = []
        for a in app.documents:  # as kept with the application (the draft is gone)
            doc = catalogue.document_types.get(a.requirement_code or "") if catalogue else None
            documents.append(f"{doc.name if doc else a.requirement_code or '-'}: {a.filename}")
        received = datetime.fromtimestamp(int(app.created_at), UTC)
        expected = None
        if service is not None:
            expected = (
                expected_completion(received, service.sla_hours, tz=self.tz)
                if self.tz is not None
                else expected_completion(received, service.sla_hours)
            )
        token = getattr(app, "status_token", None)
        base = setup.status_base().rstrip("/")
        applicant = draft.applicant if draft is not None else {}
        return ReceiptData(
            office_name=setup.office_name,
            office_address=setup.office_address,
            number=number,
            provisional=provisional,
            service_name=service.name if service is not None else str(app.service_code),
            applicant_name=applicant.get("name", "").strip(),
            masked_nik=mask_nik(applicant.get("nik", "")),
            documents=documents,
            received_at=received,
            expected=expected,
            officer=setup.officer,
            status_url=f"{base}/{token}" if token and base else None,
            office_code=setup.office_code,
        )

    @staticmethod
    def render(data: ReceiptData, layout: str, paper: str) -> bytes:
        """The receipt again in another layout or on other paper (the preview's choice)."""
        return render_receipt(data, layout=receipt_layout(layout), paper=receipt_paper(paper))

    def set_receipt_format(self, layout: str, paper: str) -> None:
        """The layout and paper chosen on this PC since (the print preview, the settings): the
        next receipt is rendered in them."""
        if self.receipt is not None:
            self.receipt = dataclasses.replace(
                self.receipt, layout=receipt_layout(layout), paper=receipt_paper(paper)
            )

    def _done(self, result: Submitted) -> None:
        self.busy_submitting = False
        self.submitted.emit(result)


def receipt_layout(text: str) -> Layout:
    """A settings value as a receipt layout (anything unknown: the half page)."""
    return "roll80" if text == "roll80" else "half"


def receipt_paper(text: str) -> Paper:
    return "F4" if text == "F4" else "A4"


def _epoch(when: Any) -> float:
    if isinstance(when, datetime):
        return when.timestamp()
    if isinstance(when, date):
        return datetime(when.year, when.month, when.day).timestamp()
    try:
        return float(when or 0)
    except (TypeError, ValueError):
        return 0.0


def _snapshot(draft: Any) -> Any:
    """A copy of the draft as it is now (the worker saves this, never the live object)."""
    import copy

    snap = copy.copy(draft)
    snap.applicant = dict(draft.applicant)
    snap.data = dict(draft.data)
    return snap


def masked(nik: str) -> str:
    return mask_nik(nik)
