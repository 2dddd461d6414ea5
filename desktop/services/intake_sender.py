"""The outbox's senders for applications taken in at the counter (`services.intake`).

`intake_senders(api, store)` gives `services.outbox.OutboxSender` one sender per entry kind:

- APPLICATION, step ``create``: ``POST /applications`` with the client UUID as the id and the
  entry's transaction id as ``Idempotency-Key``; a replay (answer lost, app killed) is answered
  with the first answer, so the server never has the application twice.
- DOCUMENT: the kept file is read again and hashed (a file changed or damaged on this PC is
  refused, never sent as something else), then streamed with ``PUT`` and its ``X-Content-SHA256``.
  The SHA-256 the server answers with must equal ours: otherwise the entry is NOT sent (tried
  again, `MAX_CHECKSUM_ATTEMPTS` times, then *ditolak* with the reason). A kept file that is
  gone is *ditolak* at once, with its name: it can never be sent and must be seen.
- APPLICATION, step ``submit``: only when every document of the application arrived with equal
  SHA-256 (otherwise *ditolak*, naming the missing ones); sent as a decision
  (`ApplicationService.decide`: replay-safe by transaction id). Its answer carries the official
  registration number: recorded beside the provisional one, and the local application is
  *terkirim*.

Senders raise the API client's errors (the outbox turns them into coba lagi / konflik /
ditolak) and `ValueError` for a payload they cannot read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from desktop.domain.records import ApplicationSummary
from desktop.models import changes, local_apps
from desktop.models.changes import Part
from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.models.store import Store, search_text_for
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import ApiError, BadResponse, LoketError
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.intake import CHUNK, STEP_CREATE, STEP_SUBMIT

log = logging.getLogger(__name__)

EntrySender = Callable[[OutboxEntry], None]
MAX_CHECKSUM_ATTEMPTS = 3
"""A document whose SHA-256 the server does not confirm is sent again this many times in all;
then it is refused with the reason (something between here and the server changes the bytes)."""
UPLOAD_TIMEOUT = 120.0


class IntakeRefused(LoketError):
    """This entry can never be sent as it is (a kept file gone or changed, a document missing
    before the submission): the outbox keeps it as *ditolak* with this message."""


def _path(app_id: str, suffix: str = "") -> str:
    return f"/applications/{quote(app_id, safe='')}{suffix}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class IntakeSender:
    """The APPLICATION and DOCUMENT senders, with the store they record outcomes in."""

    def __init__(
        self,
        api: ApiClient,
        store: Store,
        apps: ApplicationService | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.store = store
        self.apps = apps if apps is not None else ApplicationService(api, store)
        self.clock = clock

    # -- APPLICATION -----------------------------------------------------------------------

    def send_application(self, entry: OutboxEntry) -> None:
        payload = entry.payload
        if not isinstance(payload, dict):
            raise ValueError("application payload")
        step = payload.get("step")
        if step == STEP_CREATE:
            self._create(entry, payload)
        elif step == STEP_SUBMIT:
            self._submit(entry, payload)
        else:
            raise ValueError(f"unknown application step {step!r}")

    def _create(self, entry: OutboxEntry, payload: dict[str, Any]) -> None:
        body = payload.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise ValueError("application create body")
        answer = expect_mapping(
            self.api.post_json(
                "/applications", body, headers={"Idempotency-Key": entry.transaction_id}
            ),
            "permohonan baru",
        )
        if answer.get("id") != body["id"]:
            raise BadResponse("Server menjawab dengan permohonan lain.")
        now = int(self.clock())
        app_id = body["id"]
        self.store.write(
            lambda conn: conn.exec_driver_sql(
                "UPDATE local_applications SET created_on_server_at = COALESCE("
                "created_on_server_at, ?) WHERE id = ?",
                (now, app_id),
            )
        )
        log.info("application %s created on the server", body.get("provisional_number"))

    def _submit(self, entry: OutboxEntry, payload: dict[str, Any]) -> None:
        pending = PendingDecision.from_payload(payload.get("decision"))
        missing = self.store.read(lambda conn: _documents_not_arrived(conn, pending.app_id))
        if missing:
            raise IntakeRefused(
                "Permohonan belum diajukan: dokumen berikut belum sampai di server dengan "
                "SHA-256 yang sama: " + ", ".join(missing) + "."
            )
        result = self.apps.decide(pending)
        official = result.application.registration_number
        now = int(self.clock())
        self.store.write(lambda conn: _mark_sent(conn, pending.app_id, official, now))
        log.info("application %s submitted: %s", pending.app_id, official)

    # -- DOCUMENT --------------------------------------------------------------------------

    def send_document(self, entry: OutboxEntry) -> None:
        p = entry.payload
        try:
            app_id, doc_id, sha, media = (
                str(p["app_id"]),
                str(p["doc_id"]),
                str(p["sha256"]),
                str(p["media_type"]),
            )
            path = Path(str(p["path"]))
            filename = str(p.get("filename") or path.name)
            requirement = p.get("requirement_code")
        except (KeyError, TypeError) as exc:
            raise ValueError("document payload") from exc
        if not path.is_file():
            raise IntakeRefused(
                f"Berkas dokumen '{filename}' tidak ada lagi di komputer ini ({path}); "
                "dokumen ini tidak dapat dikirim. Lampirkan ulang berkasnya."
            )
        try:
            if _file_sha256(path) != sha:
                raise IntakeRefused(
                    f"Berkas dokumen '{filename}' di komputer ini berubah atau rusak sejak "
                    "disimpan (SHA-256 berbeda); tidak dikirim. Lampirkan ulang berkasnya."
                )
            params: dict[str, Any] = {"filename": filename}
            if isinstance(requirement, str):
                params["requirement_code"] = requirement
            with path.open("rb") as body:
                answer = self.api.request(
                    "PUT",
                    _path(app_id, f"/documents/{quote(doc_id, safe='')}"),
                    params=params,
                    headers={
                        "Content-Type": media,
                        "X-Content-SHA256": sha,
                        "Idempotency-Key": entry.transaction_id,
                    },
                    data=body,
                    timeout=UPLOAD_TIMEOUT,
                )
        except OSError as exc:
            raise IntakeRefused(
                f"Berkas dokumen '{filename}' tidak dapat dibaca di komputer ini "
                f"({exc.strerror or type(exc).__name__})."
            ) from exc
        except ApiError as exc:
            if exc.code == "checksum_mismatch":  # the bytes changed on the way: send again
                self._checksum_failed(entry, filename, exc.message)
            raise
        server_sha = str(expect_mapping(answer, "dokumen").get("sha256", "")).lower()
        if server_sha != sha:
            self._checksum_failed(
                entry, filename, "SHA-256 di server berbeda dengan berkas di komputer ini."
            )
        now = int(self.clock())
        self.store.write(
            lambda conn: conn.exec_driver_sql(
                "UPDATE local_documents SET server_sha256 = ?, sent_at = ? WHERE id = ?",
                (server_sha, now, doc_id),
            )
        )

    def _checksum_failed(self, entry: OutboxEntry, filename: str, why: str) -> None:
        """Not sent: again (a transient error) until the last attempt, then refused."""
        if entry.attempts + 1 >= MAX_CHECKSUM_ATTEMPTS:
            raise IntakeRefused(
                f"Dokumen '{filename}' tidak sampai utuh di server setelah "
                f"{MAX_CHECKSUM_ATTEMPTS} kali kirim: {why}"
            )
        raise BadResponse(f"Dokumen '{filename}' tidak sampai utuh: {why} Dikirim ulang.")


def _documents_not_arrived(conn: Connection, app_id: str) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT filename FROM local_documents WHERE app_id = ? AND "
        "(server_sha256 IS NULL OR server_sha256 != sha256) ORDER BY rowid",
        (app_id,),
    ).all()
    return [str(r[0]) for r in rows]


def _mark_sent(conn: Connection, app_id: str, official: str | None, now: int) -> None:
    """The server has the application, every document and the submission: record the official
    number beside the provisional one, in the local table and in the queue row."""
    conn.exec_driver_sql(
        "UPDATE local_applications SET state = ?, official_number = COALESCE(?, "
        "official_number), sent_at = COALESCE(sent_at, ?) WHERE id = ?",
        (local_apps.SENT, official, now, app_id),
    )
    summary = conn.exec_driver_sql(
        "SELECT summary FROM local_applications WHERE id = ?", (app_id,)
    ).scalar()
    if summary is None or not official:
        return
    # The decision's answer normally replaced the queue row already (the server's newer seq);
    # when it could not, the local row still gets the official number, searchable at once.
    raw = json.loads(summary)
    raw["registration_number"] = official
    found = ApplicationSummary.from_json(raw)
    conn.exec_driver_sql(
        "UPDATE applications SET registration_number = ?, number = ?, search_text = ? "
        "WHERE id = ? AND registration_number IS NULL",
        (official, found.number, search_text_for(found), app_id),
    )
    changes.touch(conn.info, Part.QUEUE, (app_id,))


def intake_senders(
    api: ApiClient,
    store: Store,
    *,
    apps: ApplicationService | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, EntrySender]:
    """The senders for `OutboxSender(apps, store, senders=intake_senders(api, store))`."""
    sender = IntakeSender(api, store, apps, clock=clock)
    return {
        EntryKind.APPLICATION.value: sender.send_application,
        EntryKind.DOCUMENT.value: sender.send_document,
    }


__all__ = [
    "MAX_CHECKSUM_ATTEMPTS",
    "IntakeRefused",
    "IntakeSender",
    "intake_senders",
]
