"""A new application taken in at the counter: one path, online or offline (issue 10).

`IntakeService.create` never talks to the server. It gives the application a client UUID (its id
on the server too) and a provisional number that cannot collide across devices
(`domain.numbering.format_provisional_number`: office, this device's code, the day, a per-device
sequence), copies each document into a private folder beside the store file (hashing it on the
way: SHA-256 and the sniffed media type), and writes in ONE store transaction:

- the local application and its documents (`models.local_apps`, not cache);
- the queue's row for it (the store's upsert, ``seq`` 0: the server's own row replaces it once
  the server has the application), so the queue shows it at once, searchable by its
  provisional number;
- the outbox entries, in the order the server needs them, all under the application's id (the
  outbox sends one application's entries one at a time and in order):
  1. APPLICATION ``create``: ``POST /applications`` as a draft, Idempotency-Key = the entry's
     transaction id, the client UUID as the id;
  2. one DOCUMENT per document: ``PUT /applications/{id}/documents/{doc}``, the bytes streamed,
     the server's SHA-256 compared with ours;
  3. APPLICATION ``submit``: the submission, which gives the official registration number.

The submission comes last because it is "the action that needs the documents": a verifier can
never see a submitted application whose documents are still on the counter PC, and the operator
may add documents to their own draft without a claim. The senders are `services.intake_sender`.

Sending is the outbox's job (`services.outbox.OutboxSender` with `intake_senders`), the same
for an application made while online (sent within seconds) and one made during an outage (sent
when the server is back).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection

from desktop.domain.numbering import format_provisional_number
from desktop.domain.records import Applicant, ApplicationSummary
from desktop.domain.workflow import Action
from desktop.models import audit_log, local_apps
from desktop.models.changes import StoreChange
from desktop.models.outbox import EntryKind
from desktop.models.store import Store, search_terms
from desktop.services.api.errors import LoketError
from desktop.services.applications import PendingDecision
from desktop.settings import private_dir, private_file

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
MEDIA_TYPES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
"""What the server accepts (it sniffs too): PDF, JPEG, PNG, TIFF."""

STEP_CREATE = "create"
STEP_SUBMIT = "submit"


class IntakeError(LoketError):
    """The application could not be taken in; nothing was saved (message in Indonesian)."""


def sniff(head: bytes) -> str | None:
    for magic, media in MEDIA_TYPES.items():
        if head.startswith(magic):
            return media
    return None


def documents_folder(store_path: Path) -> Path:
    """The private folder of one store's documents: beside the store file, one per store."""
    return store_path.with_name(store_path.stem + "-dokumen")


def device_sequence_file(store_path: Path) -> Path:
    """The device-wide provisional counter for the store at `store_path`: in the server's
    folder (``stores/<server>/``), above the per-user folders (`models.store_locator`), so two
    people signed in on one PC (same device code) never get the same provisional number."""
    return store_path.parent.parent / "nomor-sementara.sqlite3"


class ProvisionalCounter:
    """The last provisional sequence per (office, device, day), shared by every user of this PC.

    Plain SQLite, committed before the application is written: a crash in between leaves a gap
    in the sequence, never a number used twice."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)

    def next(self, office: str, device: str, day: str, *, at_least: int) -> int:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS provisional_sequence (office_code TEXT, "
                "device_code TEXT, day TEXT, last INTEGER NOT NULL, "
                "PRIMARY KEY (office_code, device_code, day))"
            )
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT last FROM provisional_sequence WHERE office_code = ? AND device_code = ? "
                "AND day = ?",
                (office, device, day),
            ).fetchone()
            value = max(int(row[0]) if row else 0, at_least) + 1
            conn.execute(
                "INSERT INTO provisional_sequence VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET last = excluded.last",
                (office, device, day, value),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        private_file(self.path)
        return value


@dataclass(frozen=True)
class NewDocument:
    """A file the person attached: where it is now and which requirement it serves."""

    source: Path
    requirement_code: str | None = None
    filename: str | None = None  # shown name; the source's name when None
    sha256: str | None = None
    """The SHA-256 the file had when it was kept (a draft's attachment): a file that changed
    since is refused, never taken in as something else. A file already in the store's private
    folder is hard-linked (no second copy)."""


@dataclass(frozen=True)
class KeptDocument:
    id: str
    requirement_code: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    path: Path


class QueuedFile(Protocol):
    """A document kept in this PC's private folder, ready to go to the server (an intake's,
    a revision's added file, a handover's surat kuasa)."""

    @property
    def id(self) -> str: ...
    @property
    def requirement_code(self) -> str | None: ...
    @property
    def filename(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def path(self) -> Path: ...


def document_payload(app_id: str, doc: QueuedFile) -> dict[str, Any]:
    """The DOCUMENT entry's payload, the shape `intake_sender.IntakeSender.send_document`
    reads."""
    return {
        "app_id": app_id,
        "doc_id": doc.id,
        "path": str(doc.path),
        "sha256": doc.sha256,
        "media_type": doc.media_type,
        "size": doc.size,
        "filename": doc.filename,
        "requirement_code": doc.requirement_code,
    }


def queue_document(
    conn: Connection,
    app_id: str,
    doc: QueuedFile,
    *,
    label: str,
    user_id: str,
    now: int,
    audit: Mapping[str, Any] | None,
) -> None:
    """Inside the caller's store write: the document's local row (the application shows it
    at once), its audit record (`audit`: extra details; None: not audited here) and the
    outbox entry that uploads it. The one way a kept file is queued (intake, revision and
    handover each wrote these three steps themselves until session 6)."""
    conn.execute(
        local_apps.local_documents.insert().values(
            id=doc.id,
            app_id=app_id,
            requirement_code=doc.requirement_code,
            filename=doc.filename,
            media_type=doc.media_type,
            size=doc.size,
            sha256=doc.sha256,
            path=str(doc.path),
        )
    )
    if audit is not None:
        audit_log.append(
            conn,
            kind="document_added",
            user_id=user_id,
            app_id=app_id,
            details={
                "doc_id": doc.id,
                "requirement_code": doc.requirement_code,
                "sha256": doc.sha256,
                "size": doc.size,
                **audit,
            },
            now=now,
        )
    Store.add_outbox_entry(
        conn,
        transaction_id=str(uuid.uuid4()),
        app_id=app_id,
        kind=EntryKind.DOCUMENT,
        payload=document_payload(app_id, doc),
        label=label,
        user_id=user_id,
        now=now,
    )


@dataclass(frozen=True)
class LocalApplication:
    """An application made on this PC, as this PC knows it."""

    id: str
    provisional_number: str
    official_number: str | None
    state: str  # local_apps.NOT_SENT / SENT
    service_code: str
    office_code: str
    created_at: int
    documents: tuple[KeptDocument, ...]
    status_token: str | None = None  # the receipt's QR (public status check); None before 11

    @property
    def state_label(self) -> str:
        return local_apps.STATE_LABELS.get(self.state, self.state)

    @property
    def number(self) -> str:
        return self.official_number or self.provisional_number


def _fsync_tree(folder: Path) -> None:
    """Make the application's kept files and their names durable before the row that names
    them is committed (POSIX: fsync of the folder and its parent)."""
    if os.name != "posix":
        return
    for d in (folder, folder.parent):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def summary_json(
    *,
    app_id: str,
    provisional: str,
    service_code: str,
    office_code: str,
    applicant: Applicant,
    created_at: int,
) -> dict[str, Any]:
    """The queue row of a local application, shaped like the server's summary (``seq`` 0)."""
    return {
        "id": app_id,
        "registration_number": None,
        "provisional_number": provisional,
        "service_code": service_code,
        "status": "submitted",
        "version": 0,
        "office_code": office_code,
        "applicant": applicant.to_json(),
        "channel": "counter",
        "created_at": _iso(created_at),
        "updated_at": _iso(created_at),
        "submitted_at": _iso(created_at),
        "due_at": None,
        "claim": None,
        "seq": 0,
    }


def put_queue_row(conn: Connection, raw: dict[str, Any]) -> None:
    """Write a local application's queue row through the store's upsert (a server row with a
    newer ``seq`` is never replaced by it)."""
    Store.upsert_summaries(conn, [(ApplicationSummary.from_json(raw), raw)])


def _hash_file(path: Path) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if len(head) < 16:
                head += chunk[: 16 - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, head


def _link_hashed(source: Path, target: Path) -> tuple[str, int, str] | None:
    """Hard-link a file already kept in the private folder (a draft's attachment) to `target`,
    returning (sha256, size, media type) of what was linked; None when linking is not possible
    here (another file system, FAT): the caller copies instead."""
    try:
        os.link(source, target)
    except OSError:
        return None
    sha, size, head = _hash_file(target)
    media = sniff(head)
    if size == 0 or media is None:
        target.unlink(missing_ok=True)
        raise IntakeError(f"Berkas '{source.name}' kosong atau jenisnya tidak didukung.")
    return sha, size, media


def _copy_hashed(source: Path, target: Path) -> tuple[str, int, str]:
    """Copy `source` to `target` (owner-only), returning (sha256, size, media type)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    temp = target.with_name(target.name + ".tmp")
    try:
        with source.open("rb") as src, temp.open("wb") as out:
            private_file(temp)
            while chunk := src.read(CHUNK):
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    media = sniff(head)
    if size == 0:
        target.unlink(missing_ok=True)
        raise IntakeError(f"Berkas '{source.name}' kosong (0 byte).")
    if media is None:
        target.unlink(missing_ok=True)
        raise IntakeError(
            f"Jenis berkas '{source.name}' tidak didukung; hanya PDF, JPEG, PNG atau TIFF."
        )
    return digest.hexdigest(), size, media


class IntakeService:
    """Takes in new applications at the counter (Qt-free; call `create` from a worker)."""

    def __init__(
        self,
        store: Store,
        *,
        office_code: str,
        device_code: str,
        user_id: str,
        sequence_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        today: Callable[[], date] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        """`sequence_file`: the device-wide provisional counter (`device_sequence_file`);
        None keeps the sequence in this store only (one user per PC). `today` (a callable
        returning a `date`) names the provisional number's day; by default the day of `clock`
        in `tz`, the office's zone, as the receipt beside the number dates it (a PC clock on
        UTC gave SEM-…-261203-… on a receipt dated 4 Desember 02.01 WIB); no `tz`: the PC's."""
        self.store = store
        self.office_code = office_code
        self.device_code = device_code
        self.user_id = user_id
        self.counter = ProvisionalCounter(sequence_file) if sequence_file is not None else None
        self.clock = clock
        self.today = today or (lambda: datetime.fromtimestamp(self.clock(), tz).date())
        self.folder = documents_folder(store.path)
        self.restore_queue_rows()

    # -- taking in -------------------------------------------------------------------------

    def create(
        self,
        *,
        service_code: str,
        applicant: Applicant,
        documents: Sequence[NewDocument] = (),
        data: Mapping[str, str] | None = None,
        status_token: str | None = None,
        also: Callable[[Connection], None] | None = None,
    ) -> LocalApplication:
        """Keep a new application on this PC with its documents and outbox entries (one store
        write). Raises `IntakeError` (nothing kept) for a missing, empty or unsupported file,
        or one that changed since it was kept (`NewDocument.sha256`).

        `data`: the service's own fields (``{"<section>.<field>": str}``); `status_token`: the
        client-made token of the public status link (the receipt's QR works before the server
        has the application); `also` runs inside the same store write (the draft's deletion:
        no crash leaves both the draft and the application, or neither)."""
        app_id = str(uuid.uuid4())
        now = int(self.clock())
        day: date = self.today()
        folder = self.folder / app_id
        private_dir(self.folder)
        private_dir(folder)
        kept: list[KeptDocument] = []
        try:
            for doc in documents:
                doc_id = str(uuid.uuid4())
                target = folder / doc_id
                try:
                    linked = _link_hashed(doc.source, target) if doc.sha256 else None
                    sha, size, media = linked or _copy_hashed(doc.source, target)
                except OSError as exc:
                    raise IntakeError(
                        f"Berkas '{doc.source.name}' tidak dapat dibaca atau disalin "
                        f"({exc.strerror or type(exc).__name__})."
                    ) from exc
                if doc.sha256 is not None and sha != doc.sha256:
                    raise IntakeError(
                        f"Berkas '{doc.filename or doc.source.name}' di komputer ini berubah "
                        "atau rusak sejak dilampirkan (SHA-256 berbeda). Lampirkan ulang."
                    )
                name = (doc.filename or doc.source.name)[:255]
                kept.append(
                    KeptDocument(doc_id, doc.requirement_code, name, media, size, sha, target)
                )
            _fsync_tree(folder)
            provisional = self._next_provisional(day)
            self._write(
                app_id,
                provisional,
                day,
                service_code,
                applicant,
                kept,
                now,
                data=dict(data or {}),
                status_token=status_token,
                also=also,
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        log.info("application %s taken in (%d document(s))", provisional, len(kept))
        return LocalApplication(
            app_id,
            provisional,
            None,
            local_apps.NOT_SENT,
            service_code,
            self.office_code,
            now,
            tuple(kept),
            status_token,
        )

    def _next_provisional(self, day: date) -> str:
        key = day.isoformat()
        office = self.office_code.replace(".", "")
        in_store = self.store.read(
            lambda conn: conn.exec_driver_sql(
                "SELECT last FROM provisional_sequence WHERE office_code = ? AND device_code = ? "
                "AND day = ?",
                (office, self.device_code, key),
            ).scalar()
        )
        at_least = int(in_store or 0)
        if self.counter is not None:
            sequence = self.counter.next(office, self.device_code, key, at_least=at_least)
        else:
            sequence = at_least + 1
        return format_provisional_number(self.office_code, self.device_code, day, sequence)

    def _write(
        self,
        app_id: str,
        provisional: str,
        issued: date,
        service_code: str,
        applicant: Applicant,
        kept: list[KeptDocument],
        now: int,
        *,
        data: dict[str, str],
        status_token: str | None,
        also: Callable[[Connection], None] | None,
    ) -> None:
        office = self.office_code.replace(".", "")
        sequence = int(provisional.rsplit("-", 1)[1])
        day = issued.isoformat()
        create_tx, submit_tx = str(uuid.uuid4()), str(uuid.uuid4())
        raw = summary_json(
            app_id=app_id,
            provisional=provisional,
            service_code=service_code,
            office_code=self.office_code,
            applicant=applicant,
            created_at=now,
        )
        body = {
            "id": app_id,
            "service_code": service_code,
            "office_code": self.office_code,
            "applicant": applicant.to_json(),
            "provisional_number": provisional,
            "submit": False,
            "device_time": _iso(now),
        }
        # Issue 11 fields: only when there is something to send, so an application without
        # them stays valid for a server that does not know them yet.
        if data:
            body["data"] = data
        if status_token:
            body["status_token"] = status_token
        submit = PendingDecision.create(
            app_id, Action.SUBMIT, expected_version=1, seen_status="draft", transaction_id=submit_tx
        )
        user = self.user_id

        def write(conn: Connection) -> None:
            conn.execute(
                local_apps.local_applications.insert().values(
                    id=app_id,
                    provisional_number=provisional,
                    office_code=self.office_code,
                    service_code=service_code,
                    user_id=user,
                    state=local_apps.NOT_SENT,
                    create_tx=create_tx,
                    submit_tx=submit_tx,
                    summary=json.dumps(raw, ensure_ascii=False),
                    created_at=now,
                    status_token=status_token,
                )
            )
            if also is not None:
                also(conn)
            conn.exec_driver_sql(
                "INSERT INTO provisional_sequence (office_code, device_code, day, last) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET last = MAX(last, excluded.last)",
                (office, self.device_code, day, sequence),
            )
            put_queue_row(conn, raw)
            audit_log.append(
                conn,
                kind="application_created",
                user_id=user,
                app_id=app_id,
                details={
                    "service_code": service_code,
                    "provisional_number": provisional,
                    "documents": len(kept),
                },
                now=now,
            )
            Store.add_outbox_entry(
                conn,
                transaction_id=create_tx,
                app_id=app_id,
                kind=EntryKind.APPLICATION,
                payload={"step": STEP_CREATE, "body": body},
                label=f"Permohonan baru {provisional}",
                user_id=user,
                now=now,
            )
            for doc in kept:
                queue_document(
                    conn, app_id, doc, label=f"Dokumen {doc.filename} ({provisional})",
                    user_id=user, now=now, audit={},
                )  # fmt: skip
            Store.add_outbox_entry(
                conn,
                transaction_id=submit_tx,
                app_id=app_id,
                kind=EntryKind.APPLICATION,
                payload={"step": STEP_SUBMIT, "decision": submit.payload()},
                label=f"Ajukan {provisional}",
                user_id=user,
                now=now,
            )

        self.store.write(write)

    # -- reading back ----------------------------------------------------------------------

    def get(self, app_id: str) -> LocalApplication | None:
        return self.store.read(lambda conn: _load(conn, app_id))

    def official_number(self, app_id: str) -> str | None:
        """The registration number the server gave (recorded by the outbox's submit sender),
        or None while only the provisional number exists."""

        def read(conn: Connection) -> str | None:
            found = conn.exec_driver_sql(
                "SELECT official_number FROM local_applications WHERE id = ?", (app_id,)
            ).scalar()
            return str(found) if found else None

        return self.store.read(read)

    def wait_official_number(self, app_id: str, timeout: float) -> str | None:
        """Block (a worker, never the GUI thread) until the official number is recorded or
        `timeout` seconds passed; None then (offline: the provisional number stands). Woken by
        the store's change announcements, no polling."""
        woken = threading.Event()

        def listener(change: StoreChange) -> None:
            if change.about(app_id):
                woken.set()

        unsubscribe = self.store.subscribe(listener)
        try:
            deadline = time.monotonic() + timeout
            while True:
                woken.clear()
                number = self.official_number(app_id)
                left = deadline - time.monotonic()
                if number is not None or left <= 0:
                    return number
                woken.wait(left)
        finally:
            unsubscribe()

    def find(self, number: str) -> LocalApplication | None:
        """A local application by its provisional or official number (separators optional)."""
        terms = search_terms(number)
        compact = terms[0] if len(terms) == 1 else number.strip()

        def read(conn: Connection) -> LocalApplication | None:
            found = conn.exec_driver_sql(
                "SELECT id FROM local_applications WHERE lower(provisional_number) = lower(?) "
                "OR official_number = ? OR replace(lower(provisional_number), '-', '') = ? "
                "OR replace(official_number, '-', '') = ? LIMIT 1",
                (number.strip(), number.strip(), compact, compact),
            ).scalar()
            return _load(conn, str(found)) if found is not None else None

        return self.store.read(read)

    def all(self) -> list[LocalApplication]:
        def read(conn: Connection) -> list[LocalApplication]:
            ids = conn.exec_driver_sql(
                "SELECT id FROM local_applications ORDER BY created_at, provisional_number"
            ).all()
            return [a for a in (_load(conn, str(r[0])) for r in ids) if a is not None]

        return self.store.read(read)

    def restore_queue_rows(self) -> int:
        """Put back the queue rows of local applications the server does not have yet (the
        cache was rebuilt or cleared). Rows already there are left alone."""

        def write(conn: Connection) -> int:
            rows = conn.exec_driver_sql(
                "SELECT l.summary FROM local_applications l LEFT JOIN applications a "
                "ON a.id = l.id WHERE a.id IS NULL"
            ).all()
            for (summary,) in rows:
                put_queue_row(conn, json.loads(summary))
            return len(rows)

        restored = self.store.write(write)
        if restored:
            log.info("%d local application(s) put back into the queue", restored)
        return restored


def _load(conn: Connection, app_id: str) -> LocalApplication | None:
    row = conn.exec_driver_sql(
        "SELECT id, provisional_number, official_number, state, service_code, office_code, "
        "created_at, status_token FROM local_applications WHERE id = ?",
        (app_id,),
    ).first()
    if row is None:
        return None
    docs = conn.exec_driver_sql(
        "SELECT id, requirement_code, filename, media_type, size, sha256, path "
        "FROM local_documents WHERE app_id = ? ORDER BY rowid",
        (app_id,),
    ).all()
    return LocalApplication(
        str(row[0]),
        str(row[1]),
        str(row[2]) if row[2] is not None else None,
        str(row[3]),
        str(row[4]),
        str(row[5]),
        int(row[6]),
        tuple(
            KeptDocument(
                str(d[0]),
                str(d[1]) if d[1] is not None else None,
                str(d[2]),
                str(d[3]),
                int(d[4]),
                str(d[5]),
                Path(str(d[6])),
            )
            for d in docs
        ),
        str(row[7]) if row[7] is not None else None,
    )


__all__ = [
    "IntakeError",
    "IntakeService",
    "KeptDocument",
    "LocalApplication",
    "NewDocument",
    "ProvisionalCounter",
    "device_sequence_file",
    "documents_folder",
    "sniff",
    "summary_json",
]
