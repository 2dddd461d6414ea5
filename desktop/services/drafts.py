"""Drafts at the counter: kept through the store's single writer, surviving a crash or power cut.

Why it looks like this:

- **Several drafts at once** (a citizen steps away to fetch a document, the next one is served):
  each draft is a row (`models.drafts`), listed newest first.
- **Saving is cheap and never blocks typing**: the form debounces and calls `save` from a worker;
  a save is one ``UPDATE`` of two small JSON texts, serialised on the calling thread (the form
  may go on changing its dicts). Saves carry a sequence number and the row only takes a newer
  one, so a late save never puts back older text, and a save after `discard`/`submit` never
  brings the draft back.
- **Attachments are kept at once**: `attach` checks the file (`services.attachments`), copies it
  into the store's private documents folder (temporary name, ``fsync``, ``os.replace``,
  ``fsync`` of the folder) and only then writes its row (SQLite WAL makes the row durable). A
  power cut after `attach` returned keeps the file and the row; a power cut in between leaves a
  file without a row, removed at the next start (`cleanup_orphans`). The citizen's file is never
  needed again.
- **Files that went missing** (deleted by hand, disk trouble) are reported (`missing` on the
  attachment, an `IntakeError` naming them on submit), never a crash.
- **Submit**: `IntakeService.create` with the applicant, the service's data, a status token made
  here (the receipt's QR can be printed offline) and the attachments; the draft's rows are
  deleted in the SAME store write that creates the application, so no crash leaves both (sent
  twice) or neither (lost). The kept files are hard-linked into the application's folder (no
  second copy), the draft's folder removed after the commit.

Qt-free; every method may block on disk or the writer: call from a worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import logging
import os
import secrets
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from desktop.domain.applicant_rules import clean_applicant
from desktop.domain.records import Applicant
from desktop.models.drafts import draft_attachments, drafts
from desktop.models.store import Store
from desktop.services.attachments import (
    DEFAULT_LIMITS,
    AttachmentError,
    CheckedFile,
    Limits,
    check_file,
    check_size,
    safe_name,
)
from desktop.services.intake import (
    CHUNK,
    IntakeError,
    IntakeService,
    LocalApplication,
    NewDocument,
    documents_folder,
)
from desktop.settings import private_dir, private_file

log = logging.getLogger(__name__)

TOKEN_BYTES = 24
"""`secrets.token_urlsafe(24)`: 32 url-safe characters (the server wants at least 22)."""


@dataclass(frozen=True)
class DraftAttachment:
    """A file attached to a draft, already kept in the private folder (`path`)."""

    id: str
    requirement_code: str | None
    filename: str  # safe display name
    media_type: str
    size: int
    sha256: str
    path: Path
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    note: str = ""  # a warning to show (e.g. a PDF repaired on opening)
    added_at: int = 0
    missing: bool = False  # the kept file is gone or has another size


@dataclass
class Draft:
    """One draft as the form edits it. `applicant` holds the applicant keys of
    `domain.applicant_rules` (nik, name, birth_place, birth_date ISO, sex, kk_number, phone,
    email, address, rt, rw, village_code); `data` the service's own fields,
    ``{"<section>.<field>": str}``. `attachments` is read-only here: change it with
    `DraftService.attach`/`detach` (a `save` never touches files)."""

    id: str
    service_code: str
    applicant: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    attachments: tuple[DraftAttachment, ...] = ()
    updated_at: int = 0

    @property
    def missing(self) -> tuple[DraftAttachment, ...]:
        return tuple(a for a in self.attachments if a.missing)


def applicant_from(values: Mapping[str, str]) -> Applicant:
    """An `Applicant` from the form's strings, cleaned as the server stores them
    (`applicant_rules.clean_applicant`: NIK digits only, phone +62..., RT/RW 001), empty ->
    None. Keys `Applicant` does not know are ignored; a bad birth date raises `IntakeError`.
    Checking the values is the form's job (the server checks again)."""
    known = {f.name for f in dataclasses.fields(Applicant)}
    kwargs: dict[str, Any] = {}
    for key, value in clean_applicant(values).items():
        text = value.strip()
        if key not in known or not text:
            continue
        if key == "birth_date":
            try:
                kwargs[key] = date.fromisoformat(text)
            except ValueError as exc:
                raise IntakeError(f"Tanggal lahir '{text}' tidak valid.") from exc
        else:
            kwargs[key] = text
    if not kwargs.get("nik") or not kwargs.get("name"):
        raise IntakeError("NIK dan nama pemohon wajib diisi sebelum diajukan.")
    return Applicant(**kwargs)


class DraftService:
    """Drafts of one user in one store (Qt-free; call from a worker)."""

    def __init__(
        self,
        store: Store,
        intake: IntakeService | None = None,
        *,
        user_id: str = "",
        clock: Callable[[], float] = time.time,
        limits: Limits = DEFAULT_LIMITS,
        make_token: Callable[[], str] = lambda: secrets.token_urlsafe(TOKEN_BYTES),
    ) -> None:
        """Opening cleans what a crash left behind (`cleanup_orphans`)."""
        self.store = store
        self.intake = intake
        self.user_id = user_id
        self.clock = clock
        self.limits = limits
        self.make_token = make_token
        self.folder = documents_folder(store.path) / "draf"
        last = store.read(
            lambda conn: conn.exec_driver_sql("SELECT MAX(save_seq) FROM drafts").scalar()
        )
        self._seq = itertools.count(int(last or 0) + 1)
        self._seq_lock = threading.Lock()
        self.orphans_removed = self.cleanup_orphans()

    # -- drafts ----------------------------------------------------------------------------

    def new(self, service_code: str) -> Draft:
        draft = Draft(str(uuid.uuid4()), service_code, updated_at=int(self.clock()))
        seq = self._next_seq()

        def write(conn: Connection) -> None:
            conn.execute(
                drafts.insert().values(
                    id=draft.id,
                    user_id=self.user_id,
                    service_code=service_code,
                    applicant="{}",
                    data="{}",
                    save_seq=seq,
                    created_at=draft.updated_at,
                    updated_at=draft.updated_at,
                )
            )

        self.store.write(write)
        return draft

    def save(self, draft: Draft) -> bool:
        """Keep the draft's service, applicant and data (not its attachments). False when the
        draft is gone (discarded or submitted meanwhile) or a newer save got there first."""
        applicant = json.dumps(dict(draft.applicant), ensure_ascii=False)
        data = json.dumps(dict(draft.data), ensure_ascii=False)
        seq = self._next_seq()
        now = int(self.clock())
        params = (draft.service_code, applicant, data, seq, now, draft.id, seq)

        def write(conn: Connection) -> int:
            return conn.exec_driver_sql(
                "UPDATE drafts SET service_code = ?, applicant = ?, data = ?, save_seq = ?, "
                "updated_at = ? WHERE id = ? AND save_seq < ?",
                params,
            ).rowcount

        saved = self.store.write(write) == 1
        if saved:
            draft.updated_at = now
        return saved

    def list(self) -> list[Draft]:
        """This user's drafts, the most recently changed first, with their attachments."""

        def read(conn: Connection) -> list[Draft]:
            ids = conn.exec_driver_sql(
                "SELECT id FROM drafts WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC",
                (self.user_id,),
            ).all()
            return [d for d in (_load(conn, str(r[0])) for r in ids) if d is not None]

        return self.store.read(read)

    def load(self, draft_id: str) -> Draft | None:
        return self.store.read(lambda conn: _load(conn, draft_id))

    def discard(self, draft_id: str) -> None:
        """Delete the draft and its kept files (rows first: a crash before the files go leaves
        only orphans, removed at the next start)."""
        self.store.write(lambda conn: _delete(conn, draft_id))
        shutil.rmtree(self.folder / draft_id, ignore_errors=True)

    # -- attachments -----------------------------------------------------------------------

    def attach(self, draft_id: str, requirement_code: str | None, source: Path) -> DraftAttachment:
        """Check `source`, keep a private copy and record it (one write). Raises
        `AttachmentError` (Indonesian, naming the file) and keeps nothing of it when the file
        is refused or the draft is gone; the draft's other attachments are untouched."""
        display = safe_name(source.name)
        check_size(source, display, self.limits)  # 200 MB refused before a byte is read
        folder = private_dir(private_dir(self.folder) / draft_id)
        att_id = str(uuid.uuid4())
        target = folder / att_id
        try:
            sha = _keep(source, target, display, self.limits)
            checked: CheckedFile = check_file(target, name=source.name, limits=self.limits)
            now = int(self.clock())
            attachment = DraftAttachment(
                att_id,
                requirement_code,
                checked.safe_name,
                checked.media_type,
                checked.size,
                sha,
                target,
                checked.pages,
                checked.width,
                checked.height,
                checked.note,
                now,
            )
            self.store.write(lambda conn: _insert_attachment(conn, draft_id, attachment))
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        log.info("draft attachment kept (%s, %d bytes)", checked.media_type, checked.size)
        return attachment

    def detach(self, draft_id: str, attachment_id: str) -> bool:
        """Remove one attachment (row, then file). False when it was not there."""

        def write(conn: Connection) -> str | None:
            path = conn.exec_driver_sql(
                "SELECT path FROM draft_attachments WHERE id = ? AND draft_id = ?",
                (attachment_id, draft_id),
            ).scalar()
            if path is None:
                return None
            conn.exec_driver_sql("DELETE FROM draft_attachments WHERE id = ?", (attachment_id,))
            return str(path)

        path = self.store.write(write)
        if path is None:
            return False
        with contextlib.suppress(OSError):
            Path(path).unlink()
        return True

    def cleanup_orphans(self) -> int:
        """Remove kept files no draft row names (copied, then the app stopped before the row
        was written; or the row deleted, then the app stopped before the file was). Also
        leftover temporary files. Returns how many files were removed."""
        if not self.folder.is_dir():
            return 0
        known = self.store.read(
            lambda conn: {
                str(r[0]) for r in conn.exec_driver_sql("SELECT path FROM draft_attachments")
            }
        )
        live = self.store.read(
            lambda conn: {str(r[0]) for r in conn.exec_driver_sql("SELECT id FROM drafts")}
        )
        removed = 0
        for sub in self.folder.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                if str(f) not in known:
                    with contextlib.suppress(OSError):
                        f.unlink()
                        removed += 1
            if sub.name not in live:
                with contextlib.suppress(OSError):
                    sub.rmdir()
        if removed:
            log.info("%d orphaned draft file(s) removed", removed)
        return removed

    # -- submitting ------------------------------------------------------------------------

    def submit(self, draft_id: str) -> LocalApplication:
        """Take the draft in as an application (`IntakeService.create`), deleting the draft in
        the same store write. Raises `IntakeError` (nothing changed) when the draft is gone,
        the applicant lacks NIK or name, or a kept file is missing or changed."""
        if self.intake is None:
            raise RuntimeError("DraftService.submit needs an IntakeService")
        draft = self.load(draft_id)
        if draft is None:
            raise IntakeError("Draf ini sudah tidak ada (sudah diajukan atau dibuang).")
        if draft.missing:
            names = ", ".join(f"'{a.filename}'" for a in draft.missing)
            raise IntakeError(
                f"Berkas lampiran berikut tidak ada lagi di komputer ini: {names}. "
                "Lampirkan ulang sebelum mengajukan."
            )
        applicant = applicant_from(draft.applicant)
        documents = [
            NewDocument(a.path, a.requirement_code, a.filename, sha256=a.sha256)
            for a in draft.attachments
        ]
        app = self.intake.create(
            service_code=draft.service_code,
            applicant=applicant,
            documents=documents,
            data=dict(draft.data),
            status_token=self.make_token(),
            also=lambda conn: _take_draft(conn, draft_id),
        )
        shutil.rmtree(self.folder / draft_id, ignore_errors=True)
        return app

    def _next_seq(self) -> int:
        with self._seq_lock:
            return next(self._seq)


class DraftGone(IntakeError):
    """The draft was deleted between reading it and submitting it (another window)."""


def _take_draft(conn: Connection, draft_id: str) -> None:
    """Inside the application's write: the draft must still be there (else roll back)."""
    if _delete(conn, draft_id) == 0:
        raise DraftGone("Draf ini sudah tidak ada (sudah diajukan atau dibuang).")


def _delete(conn: Connection, draft_id: str) -> int:
    conn.exec_driver_sql("DELETE FROM draft_attachments WHERE draft_id = ?", (draft_id,))
    return int(conn.exec_driver_sql("DELETE FROM drafts WHERE id = ?", (draft_id,)).rowcount)


def _insert_attachment(conn: Connection, draft_id: str, a: DraftAttachment) -> None:
    found = conn.exec_driver_sql("SELECT 1 FROM drafts WHERE id = ?", (draft_id,)).scalar()
    if found is None:
        raise AttachmentError(f"Berkas '{a.filename}' tidak dilampirkan: draf ini sudah tidak ada.")
    conn.execute(
        draft_attachments.insert().values(
            id=a.id,
            draft_id=draft_id,
            requirement_code=a.requirement_code,
            filename=a.filename,
            media_type=a.media_type,
            size=a.size,
            sha256=a.sha256,
            path=str(a.path),
            pages=a.pages,
            width=a.width,
            height=a.height,
            note=a.note,
            added_at=a.added_at,
        )
    )
    conn.exec_driver_sql("UPDATE drafts SET updated_at = ? WHERE id = ?", (a.added_at, draft_id))


def _keep(source: Path, target: Path, display: str, limits: Limits) -> str:
    """Copy `source` to `target` durably (temp, fsync, replace, fsync of the folder), reading
    at most the size limit; returns the SHA-256."""
    digest = hashlib.sha256()
    size = 0
    temp = target.with_name(target.name + ".tmp")
    try:
        try:
            with source.open("rb") as src, temp.open("wb") as out:
                private_file(temp)
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    if size > limits.max_bytes:  # grew since stat
                        check_size(source, display, limits)
                        raise AttachmentError(f"Berkas '{display}' berubah saat disalin.")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise AttachmentError(
                f"Berkas '{display}' tidak dapat dibaca atau disalin "
                f"({exc.strerror or type(exc).__name__})."
            ) from exc
        os.replace(temp, target)
        _fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load(conn: Connection, draft_id: str) -> Draft | None:
    row = conn.exec_driver_sql(
        "SELECT id, service_code, applicant, data, updated_at FROM drafts WHERE id = ?",
        (draft_id,),
    ).first()
    if row is None:
        return None
    rows = conn.exec_driver_sql(
        "SELECT id, requirement_code, filename, media_type, size, sha256, path, pages, width, "
        "height, note, added_at FROM draft_attachments WHERE draft_id = ? "
        "ORDER BY added_at, rowid",
        (draft_id,),
    ).all()
    attachments = []
    for r in rows:
        path = Path(str(r[6]))
        try:
            missing = path.stat().st_size != int(r[4])
        except OSError:
            missing = True
        attachments.append(
            DraftAttachment(
                str(r[0]),
                str(r[1]) if r[1] is not None else None,
                str(r[2]),
                str(r[3]),
                int(r[4]),
                str(r[5]),
                path,
                int(r[7]) if r[7] is not None else None,
                int(r[8]) if r[8] is not None else None,
                int(r[9]) if r[9] is not None else None,
                str(r[10] or ""),
                int(r[11]),
                missing,
            )
        )
    return Draft(
        str(row[0]),
        str(row[1]),
        _strings(row[2]),
        _strings(row[3]),
        tuple(attachments),
        int(row[4]),
    )


def _strings(text: Any) -> dict[str, str]:
    try:
        raw = json.loads(str(text))
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if v is not None}


__all__ = [
    "TOKEN_BYTES",
    "AttachmentError",
    "Draft",
    "DraftAttachment",
    "DraftGone",
    "DraftService",
    "applicant_from",
]
