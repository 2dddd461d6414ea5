"""Fixing a returned application ("Perlu perbaikan") at the counter, through the outbox.

The verifier or validator sends an application back with a reason and, per requirement, a
checklist note. The operator edits the applicant and service data, replaces or adds documents,
and resubmits. All of it is local work first, so it survives an outage and a restart:

`RevisionService.queue` writes, in ONE store transaction and in the order the server needs:

1. EDIT (``PATCH /applications/{id}``: applicant and/or service data, ``expected_version``,
   ``transaction_id``), only when something changed;
2. one DOCUMENT per new file (the very payload the intake writes, so `intake_sender`'s document
   sender sends it: SHA-256 checked end to end); uploads in needs_revision do not move the
   server's version;
3. the RESUBMIT decision (claim-free), last.

The outbox sends one application's entries one at a time and in order. The EDIT answer carries
the server's new version; the EDIT sender writes it into the RESUBMIT entry still waiting behind
it, so the resubmission is never refused as stale by its own edit. The local queue row and the
kept detail show the edit at once; while any of the entries is unsent, a pull keeps that local
state (the store's held-rows rule) and the server's version waits until they are sent.

Why the reasons are read from the history: the checklist notes live on the REQUEST_REVISION
entry that returned it (`reasons_for`), the same data the verifier's workbench shows.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from desktop.domain.applicant_rules import APPLICANT_KEYS
from desktop.domain.catalogue import Service
from desktop.domain.identity import check_nik
from desktop.domain.records import (
    Applicant,
    ApplicationDetail,
    ApplicationSummary,
    DocumentInfo,
    HistoryEntry,
    RecordError,
)
from desktop.domain.workflow import Action, State
from desktop.models import audit_log, changes
from desktop.models import outbox as outbox_table
from desktop.models.changes import Part
from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.models.store import Store, fold, search_text_for
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import ApiError, BadResponse, LoketError
from desktop.services.applications import ApplicationService, PendingDecision, explain_conflict
from desktop.services.intake import CHUNK, documents_folder, queue_document, sniff
from desktop.settings import private_dir, private_file

log = logging.getLogger(__name__)

"""The applicant's keys (seam 2), in form order."""


class RevisionError(LoketError):
    """The revision could not be kept; nothing was saved (message in Indonesian)."""


# -- what the verifier said ----------------------------------------------------------------


@dataclass(frozen=True)
class RequirementReason:
    """One requirement of the service as the returning decision judged it."""

    code: str
    ok: bool | None  # None: not judged in that decision
    note: str
    documents: tuple[DocumentInfo, ...]
    """Its documents on the server now, oldest first (a replacement comes after the old one)."""
    new_since: tuple[DocumentInfo, ...] = ()
    """Those uploaded after the decision that returned it."""


@dataclass(frozen=True)
class Reasons:
    """Why the application came back: the decision, its overall reason and per requirement."""

    entry: HistoryEntry | None
    overall: str
    requirements: tuple[RequirementReason, ...]
    other_documents: tuple[DocumentInfo, ...] = ()
    """Documents under no requirement of the service (a letter, an old code)."""

    @property
    def to_fix(self) -> tuple[RequirementReason, ...]:
        """Requirements marked not in order, or with a note: what the citizen must bring."""
        return tuple(r for r in self.requirements if r.ok is False or (r.note and r.ok is not True))


def returning_entry(detail: ApplicationDetail) -> HistoryEntry | None:
    """The newest decision that sent the application back for revision."""
    found = [h for h in detail.history if h.action is Action.REQUEST_REVISION]
    return found[-1] if found else None


def reasons_for(detail: ApplicationDetail, service: Service | None) -> Reasons:
    """Per requirement of `service`: the returning decision's mark and note, and the
    documents now on the server (a requirement the catalogue no longer has is still listed
    when the decision named it)."""
    entry = returning_entry(detail)
    marks = {c.requirement_code: c for c in entry.checklist} if entry is not None else {}
    codes = [r.document_code for r in service.requirements] if service is not None else []
    codes += [code for code in marks if code not in codes]
    since = entry.server_time if entry is not None else None
    out = []
    for code in codes:
        docs = tuple(d for d in detail.documents if d.requirement_code == code)
        mark = marks.get(code)
        out.append(
            RequirementReason(
                code,
                mark.ok if mark is not None else None,
                (mark.note or "").strip() if mark is not None else "",
                docs,
                tuple(d for d in docs if since is not None and d.uploaded_at > since),
            )
        )
    others = tuple(d for d in detail.documents if (d.requirement_code or "") not in codes)
    overall = (entry.reason or "").strip() if entry is not None else ""
    return Reasons(entry, overall, tuple(out), others)


# -- what the operator changes ---------------------------------------------------------------


@dataclass(frozen=True)
class NewFile:
    """A file to add for a requirement (None: not tied to one)."""

    source: Path
    requirement_code: str | None
    filename: str | None = None


@dataclass(frozen=True)
class RevisionRequest:
    """Everything the operator changed: the applicant's and the service's values as typed
    (only the changed ones are sent; None: not edited), and new files."""

    applicant: Mapping[str, str] | None = None
    data: Mapping[str, str] | None = None
    files: tuple[NewFile, ...] = ()


def applicant_values(applicant: Applicant) -> dict[str, str]:
    """The applicant as the editor's flat text values (seam 2 keys)."""
    raw = applicant.to_json()
    return {k: "" if raw.get(k) is None else str(raw[k]) for k in APPLICANT_KEYS}


def detail_data(detail: ApplicationDetail) -> dict[str, str]:
    """The service's own data of `detail` (seam 4 `data`), empty on an older server."""
    data = getattr(detail, "data", None)
    if not isinstance(data, Mapping):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def check_values(values: Mapping[str, str], *, today: date | None = None) -> list[tuple[str, str]]:
    """(field, Indonesian message) for what blocks sending: A's `applicant_rules` when it is
    there (the server checks with the same), else the NIK and the name."""
    day = today or date.today()
    applicant_rules = optional_module("desktop.domain.applicant_rules")  # seam 2 (A)
    if applicant_rules is None:
        problems: list[tuple[str, str]] = []
        nik = check_nik(values.get("nik", ""), today=day)
        if not nik.ok:
            problems.append(("nik", "; ".join(p.message for p in nik.problems)))
        if not values.get("name", "").strip():
            problems.append(("name", "Nama wajib diisi."))
        return problems
    found = applicant_rules.check_applicant(values, today=day, wilayah=None)
    return [(p.field, p.message) for p in found if p.blocking]


def _cleaned(values: Mapping[str, str]) -> dict[str, Any]:
    """The applicant as the API takes it: A's `clean_applicant` when there, empty -> None."""
    applicant_rules = optional_module("desktop.domain.applicant_rules")
    clean: Mapping[str, str] = (
        {k: v.strip() for k, v in values.items()}
        if applicant_rules is None
        else applicant_rules.clean_applicant(values)
    )
    return {k: (clean.get(k) or None) for k in APPLICANT_KEYS if k in clean or k in values}


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """The keys whose value changed (trimmed), with the new value."""
    return {k: v for k, v in after.items() if (v or "").strip() != (before.get(k) or "").strip()}


# -- keeping it on this PC -------------------------------------------------------------------


@dataclass(frozen=True)
class KeptFile:
    id: str
    requirement_code: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    path: Path


@dataclass(frozen=True)
class QueuedRevision:
    """What `queue` wrote: the entries' transaction ids, the resubmission last."""

    app_id: str
    edit_tx: str | None
    documents: tuple[KeptFile, ...]
    resubmit: PendingDecision
    label: str


@dataclass(frozen=True)
class UnsentRevision:
    """A revision of this application still in the outbox (not sent, or refused)."""

    applicant: Mapping[str, Any] | None
    data: Mapping[str, Any] | None
    files: tuple[Mapping[str, Any], ...]
    entries: tuple[OutboxEntry, ...] = field(default=())
    changed: tuple[str, ...] = ()
    """What the operator changed: applicant keys ("name") and service fields ("data.anak.nama");
    the edit carries whole values, so this is read from the entry, not guessed from them."""
    refused: str = ""
    """The server's reason when a part of it was refused (conflict or failed), else ""."""


def keep_file(source: Path, target: Path) -> KeptFile:
    """Copy `source` to `target` (owner-only), hashing and sniffing on the way. E's
    `attachments.check_file` (when present) judges the file first."""
    attachments = optional_module("desktop.services.attachments")  # seam 6 (engineer E)
    if attachments is not None:
        try:
            attachments.check_file(source)
        except attachments.AttachmentError as exc:
            raise RevisionError(str(exc)) from exc
    digest = hashlib.sha256()
    size, head = 0, b""
    temp = target.with_name(target.name + ".tmp")
    try:
        with source.open("rb") as src, temp.open("wb") as out:
            private_file(temp)
            while chunk := src.read(CHUNK):
                head = (head + chunk[: 16 - len(head)]) if len(head) < 16 else head
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise RevisionError(f"Berkas '{source.name}' kosong (0 byte).")
        media = sniff(head)
        if media is None:
            raise RevisionError(
                f"Jenis berkas '{source.name}' tidak didukung; hanya PDF, JPEG, PNG atau TIFF."
            )
        os.replace(temp, target)
    except OSError as exc:
        raise RevisionError(
            f"Berkas '{source.name}' tidak dapat dibaca atau disalin "
            f"({exc.strerror or type(exc).__name__})."
        ) from exc
    finally:
        temp.unlink(missing_ok=True)
    return KeptFile(target.name, None, source.name, media, size, digest.hexdigest(), target)


def _with_applicant(raw: Mapping[str, Any], applicant: Mapping[str, Any] | None,
                    data: Mapping[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    out = dict(raw)
    if applicant is not None:
        out["applicant"] = {**dict(out.get("applicant") or {}), **applicant}
    if data is not None:
        out["data"] = {**dict(out.get("data") or {}), **data}
    return out


def show_edit_locally(
    conn: Connection, app_id: str, applicant: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> None:  # fmt: skip
    """The unsent edit on this PC's queue row and kept detail (same seq: a pull holds the
    server's version aside while the edit is unsent)."""
    if applicant is None and data is None:
        return
    for table in ("applications_raw", "application_details"):
        text = conn.exec_driver_sql(f"SELECT raw FROM {table} WHERE id = ?", (app_id,)).scalar()
        if text is None:
            continue
        raw = _with_applicant(json.loads(text), applicant, data)
        conn.exec_driver_sql(
            f"UPDATE {table} SET raw = ? WHERE id = ?",
            (json.dumps(raw, ensure_ascii=False, separators=(",", ":")), app_id),
        )
        if table == "applications_raw":
            try:
                summary = ApplicationSummary.from_json(raw)
            except RecordError:
                continue
            conn.exec_driver_sql(
                "UPDATE applications SET applicant_name = ?, applicant_nik = ?, sort_name = ?, "
                "search_text = ? WHERE id = ?",
                (summary.applicant.name, summary.applicant.nik,
                 fold(summary.applicant.name), search_text_for(summary), app_id),
            )  # fmt: skip
    changes.touch(conn.info, Part.QUEUE, (app_id,))
    changes.touch(conn.info, Part.DETAIL, (app_id,))


class RevisionService:
    """Keeps a revision on this PC and in the outbox (Qt-free; call from a worker)."""

    def __init__(
        self,
        store: Store,
        *,
        user_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.user_id = user_id
        self.clock = clock
        self.folder = documents_folder(store.path)

    def queue(self, detail: ApplicationDetail, request: RevisionRequest) -> QueuedRevision:
        """Keep the edit, the new files and the resubmission (one store write). Raises
        `RevisionError` (nothing kept) for a state that is not needs_revision, a value that
        does not pass the applicant rules, or a file that cannot be kept."""
        if detail.status is not State.NEEDS_REVISION:
            raise RevisionError(
                "Hanya permohonan berstatus Perlu perbaikan yang dapat diperbaiki di sini."
            )
        app_id = detail.id
        before = applicant_values(detail.applicant)
        applicant: dict[str, Any] | None = None
        changed_keys: list[str] = []
        if request.applicant is not None:
            merged = {**before, **request.applicant}
            problems = check_values(merged)
            if problems:
                raise RevisionError(
                    "Data pemohon belum benar: " + " ".join(m for _f, m in problems)
                )
            if changed(before, merged):
                applicant = _cleaned(merged)
                changed_keys = sorted(changed(before, merged))
        data: dict[str, str] | None = None
        if request.data is not None:
            diff = changed(detail_data(detail), request.data)
            data = {k: v.strip() for k, v in {**detail_data(detail), **diff}.items()} or None
            if not diff:
                data = None
            changed_keys += [f"data.{k}" for k in sorted(diff)]
        folder = self.folder / app_id
        private_dir(self.folder)
        private_dir(folder)
        kept: list[KeptFile] = []
        try:
            for new in request.files:
                doc_id = str(uuid.uuid4())
                k = keep_file(new.source, folder / doc_id)
                name = (new.filename or new.source.name)[:255]
                kept.append(
                    KeptFile(
                        doc_id, new.requirement_code, name, k.media_type, k.size, k.sha256, k.path
                    )
                )
            queued = self._write(detail, applicant, data, kept, changed_keys)
        except BaseException:
            for k in kept:
                k.path.unlink(missing_ok=True)
            raise
        log.info(
            "revision of %s kept: edit=%s, %d document(s)",
            detail.number or app_id[:8],
            queued.edit_tx is not None,
            len(kept),
        )
        return queued

    def _write(
        self,
        detail: ApplicationDetail,
        applicant: dict[str, Any] | None,
        data: dict[str, str] | None,
        kept: list[KeptFile],
        changed_keys: list[str],
    ) -> QueuedRevision:
        app_id, number = detail.id, detail.number or detail.id[:8]
        now, user = int(self.clock()), self.user_id
        edit_tx = str(uuid.uuid4()) if applicant is not None or data is not None else None
        resubmit = PendingDecision.create(
            app_id,
            Action.RESUBMIT,
            expected_version=detail.version,
            seen_status=detail.status_raw,
        )
        label = f"{Action.RESUBMIT.label} {number}"

        def write(conn: Connection) -> None:
            if edit_tx is not None:
                body: dict[str, Any] = {"expected_version": detail.version,
                                        "transaction_id": edit_tx}  # fmt: skip
                if applicant is not None:
                    body["applicant"] = applicant
                if data is not None:
                    body["data"] = data
                Store.add_outbox_entry(
                    conn,
                    transaction_id=edit_tx,
                    app_id=app_id,
                    kind=EntryKind.EDIT,
                    payload={
                        "v": 1,
                        "app_id": app_id,
                        "body": body,
                        "resubmit_tx": resubmit.transaction_id,
                        # never sent: what to show as changed when it is reopened unsent
                        "changed": changed_keys,
                    },
                    label=f"Perbaikan data {number}",
                    user_id=user,
                    now=now,
                )
                show_edit_locally(conn, app_id, applicant, data)
                audit_log.append(
                    conn,
                    kind="revision_edit_queued",
                    user_id=user,
                    app_id=app_id,
                    details={
                        "transaction_id": edit_tx,
                        "fields": sorted((applicant or {}).keys())
                        + sorted(f"data.{k}" for k in (data or {})),
                    },
                    now=now,
                )
            for doc in kept:
                queue_document(
                    conn, app_id, doc, label=f"Dokumen {doc.filename} ({number})",
                    user_id=user, now=now, audit={"revision": True},
                )  # fmt: skip
            Store.add_outbox_entry(
                conn,
                transaction_id=resubmit.transaction_id,
                app_id=app_id,
                kind=EntryKind.DECISION,
                payload=resubmit.payload(),
                label=label,
                user_id=user,
                now=now,
            )
            audit_log.append(
                conn,
                kind="decision_queued",
                user_id=user,
                app_id=app_id,
                details={
                    "action": resubmit.action,
                    "transaction_id": resubmit.transaction_id,
                    "expected_version": resubmit.expected_version,
                },
                now=now,
            )

        self.store.write(write)
        return QueuedRevision(app_id, edit_tx, tuple(kept), resubmit, label)

    def unsent(self, app_id: str) -> UnsentRevision | None:
        """The revision of `app_id` still in the outbox, None when there is none: reopened,
        the operator sees what waits instead of typing it again."""
        found = [
            e
            for e in self.store.outbox_entries(app_id)
            if e.state.value in outbox_table.UNSENT and _revision_part(e)
        ]
        if not found:
            return None
        applicant: Mapping[str, Any] | None = None
        data: Mapping[str, Any] | None = None
        files: list[Mapping[str, Any]] = []
        keys: list[str] = []
        for e in found:
            body = e.payload.get("body") if isinstance(e.payload, dict) else None
            if e.kind == EntryKind.EDIT.value and isinstance(body, dict):
                applicant = body.get("applicant") or applicant
                data = body.get("data") or data
                listed = e.payload.get("changed")
                if isinstance(listed, list):
                    keys += [str(k) for k in listed]
                else:  # kept before the list was: every field it carries
                    keys += [*(applicant or {}), *(f"data.{k}" for k in (data or {}))]
            elif e.kind == EntryKind.DOCUMENT.value and isinstance(e.payload, dict):
                files.append(e.payload)
        refused = next(
            (e.reason for e in found if e.state.value in REFUSED_STATES and e.reason), ""
        )
        return UnsentRevision(
            applicant,
            data,
            tuple(files),
            tuple(found),
            changed=tuple(dict.fromkeys(keys)),
            refused=refused,
        )


REFUSED_STATES = (outbox_table.EntryState.CONFLICT.value, outbox_table.EntryState.REFUSED.value)


def _revision_part(entry: OutboxEntry) -> bool:
    if entry.kind in (EntryKind.EDIT.value, EntryKind.DOCUMENT.value):
        return True
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    return entry.kind == EntryKind.DECISION.value and payload.get("action") == Action.RESUBMIT


def optional_module(name: str) -> Any:
    """Another engineer's module of this wave, None until it has landed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def discard_files(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# -- sending the edit --------------------------------------------------------------------------


class RevisionSender:
    """The EDIT sender: ``PATCH /applications/{id}`` replay-safe by its transaction id."""

    def __init__(self, api: ApiClient, store: Store, apps: ApplicationService | None = None):
        self.api = api
        self.store = store
        self.apps = apps if apps is not None else ApplicationService(api, store)

    def send_edit(self, entry: OutboxEntry) -> None:
        p = entry.payload
        body = p.get("body") if isinstance(p, dict) else None
        if not isinstance(body, dict) or not isinstance(p.get("app_id"), str):
            raise ValueError("edit payload")
        app_id = str(p["app_id"])
        try:
            answer = expect_mapping(
                self.api.request(
                    "PATCH",
                    f"/applications/{quote(app_id, safe='')}",
                    json_body=body,
                    headers={"Idempotency-Key": entry.transaction_id},
                ),
                "perbaikan data",
            )
        except ApiError as exc:
            if exc.status != 409:
                raise
            raise explain_conflict(
                exc,
                my_user_id=self.apps.my_user_id,
                seen_status=State.NEEDS_REVISION.value,
                tz=self.apps.display_tz,
            ) from exc
        raw = answer.get("application", answer)
        try:
            detail = ApplicationDetail.from_json(raw)
        except RecordError as exc:
            raise BadResponse(f"Jawaban perbaikan data tidak dapat dibaca: {exc}") from exc
        resubmit_tx = p.get("resubmit_tx")
        version = detail.version

        def write(conn: Connection) -> None:
            Store.put_detail(conn, detail, raw, answer=True)
            if isinstance(resubmit_tx, str):
                follow_version(conn, resubmit_tx, version)

        self.store.write(write)
        log.info("revision edit of %s sent (version %d)", app_id, version)


def follow_version(conn: Connection, transaction_id: str, version: int) -> bool:
    """The waiting decision `transaction_id` is made on `version` (its own edit moved the
    server's version). Only an entry never sent (menunggu) is changed: one tried already keeps
    its body, the same transaction id must carry the same body."""
    row = conn.exec_driver_sql(
        "SELECT payload FROM outbox WHERE transaction_id = ? AND state = ? AND attempts = 0",
        (transaction_id, outbox_table.EntryState.WAITING.value),
    ).first()
    if row is None:
        return False
    payload = json.loads(row[0])
    if payload.get("expected_version") == version:
        return False
    payload["expected_version"] = version
    conn.exec_driver_sql(
        "UPDATE outbox SET payload = ? WHERE transaction_id = ?",
        (json.dumps(payload, ensure_ascii=False, separators=(",", ":")), transaction_id),
    )
    changes.touch(conn.info, Part.OUTBOX)
    return True


def revision_senders(
    api: ApiClient, store: Store, *, apps: ApplicationService | None = None
) -> dict[str, Callable[[OutboxEntry], None]]:
    """For `OutboxSender(apps, store, senders={**intake_senders(...), **revision_senders(...)})`."""
    return {EntryKind.EDIT.value: RevisionSender(api, store, apps).send_edit}


__all__ = [
    "APPLICANT_KEYS",
    "KeptFile",
    "NewFile",
    "QueuedRevision",
    "Reasons",
    "RequirementReason",
    "RevisionError",
    "RevisionRequest",
    "RevisionSender",
    "RevisionService",
    "UnsentRevision",
    "applicant_values",
    "check_values",
    "detail_data",
    "follow_version",
    "reasons_for",
    "returning_entry",
    "revision_senders",
]
