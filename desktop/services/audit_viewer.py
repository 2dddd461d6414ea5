"""The audit viewer's client side (issue 14), no Qt: search the server's audit log, check the
hash chains, export a result to CSV.

The server searches, scopes and masks (`GET /audit/events`; NIK-like runs arrive masked) and
walks the chains (`GET /audit/verify`, which names the first bad row and the failed check).
This module turns answers into typed records and writes the CSV: every page of the current
search, UTF-8 with a BOM so that Excel opens it with the right characters.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.domain.records import parse_datetime
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import BadResponse

PAGE = 200
"""Rows per request while browsing; the export asks for the server's maximum."""
EXPORT_PAGE = 500

CHECK_NAMES = {
    "content": "isi baris tidak cocok dengan hash-nya (diubah)",
    "prev_hash": "hash sebelumnya tidak cocok dengan baris sebelumnya",
    "missing": "ada baris hilang sebelum baris ini",
    "head": "kepala rantai tidak cocok",
}
"""The failed check in a few words (the server's `message` says it in a sentence)."""

CSV_COLUMNS = (
    "sumber",
    "id",
    "urutan",
    "waktu",
    "diterima",
    "tindakan",
    "pengguna",
    "id_pengguna",
    "permohonan",
    "id_permohonan",
    "perangkat",
    "rantai",
    "rincian",
    "hash",
    "hash_sebelumnya",
)


@dataclass(frozen=True)
class AuditFilters:
    """What the person typed; empty text means no filter."""

    user: str = ""
    application: str = ""
    kind: str = ""
    device: str = ""
    start: date | None = None
    end: date | None = None
    ref: str = ""
    """One row exactly (``server:<idx>`` or ``desktop:<id>``): the broken row's button."""

    def params(self) -> dict[str, Any]:
        return {
            "user": self.user.strip() or None,
            "application": self.application.strip() or None,
            "kind": self.kind.strip() or None,
            "device": self.device.strip() or None,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "ref": self.ref or None,
        }


@dataclass(frozen=True)
class AuditEvent:
    source: str
    id: str
    position: int | None
    chain_id: str | None
    at: datetime
    received_at: datetime | None
    kind: str
    actor_id: str | None
    actor_username: str | None
    application_id: str | None
    registration_number: str | None
    device_id: str | None
    details: dict[str, Any]
    hash: str
    prev_hash: str | None

    @property
    def ref(self) -> str:
        return f"{self.source}:{self.id}"


@dataclass(frozen=True)
class EventPage:
    items: list[AuditEvent]
    next_cursor: str | None


@dataclass(frozen=True)
class ChainBreak:
    check: str
    position: int
    row_id: str | None
    at: datetime | None
    kind: str | None
    missing: int
    message: str

    @property
    def check_text(self) -> str:
        return CHECK_NAMES.get(self.check, self.check)


@dataclass(frozen=True)
class ChainResult:
    """One chain: the server's own (`source` server) or one desktop's."""

    source: str
    chain_id: str | None
    device_id: str | None
    entries: int
    ok: bool
    where: ChainBreak | None

    def ref(self) -> str | None:
        """The broken row as a search reference, when there is a row to show."""
        if self.where is None or self.where.row_id is None:
            return None
        return f"{self.source}:{self.where.row_id}"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    chains: list[ChainResult] = field(default_factory=list)

    @property
    def broken(self) -> list[ChainResult]:
        return [c for c in self.chains if not c.ok]


def _opt_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    return value if isinstance(value, str) and value else None


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str):
        raise BadResponse(f"Jawaban server tidak lengkap (kolom {key}).")
    return value


def _when(row: dict[str, Any], key: str) -> datetime | None:
    value = _opt_text(row, key)
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise BadResponse(f"Waktu dari server tidak terbaca (kolom {key}).") from exc


def _int(row: dict[str, Any], key: str) -> int | None:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def audit_event(row: Any) -> AuditEvent:
    if not isinstance(row, dict):
        raise BadResponse("Jawaban server untuk log audit tidak berbentuk yang diharapkan.")
    at = _when(row, "at")
    if at is None:
        raise BadResponse("Jawaban server tidak lengkap (kolom at).")
    details = row.get("details")
    return AuditEvent(
        source=_text(row, "source"),
        id=_text(row, "id"),
        position=_int(row, "position"),
        chain_id=_opt_text(row, "chain_id"),
        at=at,
        received_at=_when(row, "received_at"),
        kind=_text(row, "kind"),
        actor_id=_opt_text(row, "actor_id"),
        actor_username=_opt_text(row, "actor_username"),
        application_id=_opt_text(row, "application_id"),
        registration_number=_opt_text(row, "registration_number"),
        device_id=_opt_text(row, "device_id"),
        details=details if isinstance(details, dict) else {},
        hash=_text(row, "hash"),
        prev_hash=_opt_text(row, "prev_hash"),
    )


def chain_break(row: Any) -> ChainBreak | None:
    if not isinstance(row, dict):
        return None
    return ChainBreak(
        check=_text(row, "check"),
        position=_int(row, "position") or 0,
        row_id=_opt_text(row, "id"),
        at=_when(row, "at"),
        kind=_opt_text(row, "kind"),
        missing=_int(row, "missing") or 0,
        message=_opt_text(row, "message") or "",
    )


def verify_result(answer: dict[str, Any]) -> VerifyResult:
    server = ChainResult(
        source="server",
        chain_id=None,
        device_id=None,
        entries=_int(answer, "entries") or 0,
        ok=answer.get("ok") is True,
        where=chain_break(answer.get("where")),
    )
    chains = [server]
    for row in answer.get("chains") or []:
        if isinstance(row, dict):
            chains.append(
                ChainResult(
                    source="desktop",
                    chain_id=_opt_text(row, "chain_id"),
                    device_id=_opt_text(row, "device_id"),
                    entries=_int(row, "events") or 0,
                    ok=row.get("ok") is True,
                    where=chain_break(row.get("where")),
                )
            )
    return VerifyResult(ok=all(c.ok for c in chains), chains=chains)


def csv_row(event: AuditEvent) -> list[str]:
    return [
        event.source,
        event.id,
        "" if event.position is None else str(event.position),
        event.at.isoformat(),
        event.received_at.isoformat() if event.received_at else "",
        event.kind,
        event.actor_username or "",
        event.actor_id or "",
        event.registration_number or "",
        event.application_id or "",
        event.device_id or "",
        event.chain_id or "",
        json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        event.hash,
        event.prev_hash or "",
    ]


class AuditViewerService:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def search(
        self, filters: AuditFilters, cursor: str | None = None, limit: int = PAGE
    ) -> EventPage:
        answer = self.client.audit_events({**filters.params(), "limit": limit, "cursor": cursor})
        items = answer.get("items")
        if not isinstance(items, list):
            raise BadResponse("Jawaban server untuk log audit tidak berbentuk yang diharapkan.")
        cursor_out = answer.get("next_cursor")
        return EventPage(
            [audit_event(r) for r in items], cursor_out if isinstance(cursor_out, str) else None
        )

    def pages(self, filters: AuditFilters, limit: int = EXPORT_PAGE) -> Iterator[EventPage]:
        cursor: str | None = None
        while True:
            page = self.search(filters, cursor, limit)
            yield page
            cursor = page.next_cursor
            if cursor is None:
                return

    def verify(self) -> VerifyResult:
        return verify_result(self.client.audit_verify())

    def export_csv(
        self,
        filters: AuditFilters,
        path: Path,
        progress: Callable[[int], None] | None = None,
        check_cancelled: Callable[[], None] | None = None,
    ) -> int:
        """Every row of the search, all pages, to `path` (UTF-8 with BOM, for Excel); written
        to a temporary name first so a failed export never leaves a half file named as asked."""
        partial = path.with_name(path.name + ".part")
        written = 0
        try:
            with partial.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(CSV_COLUMNS)
                for page in self.pages(filters):
                    if check_cancelled is not None:
                        check_cancelled()
                    writer.writerows(csv_row(e) for e in page.items)
                    written += len(page.items)
                    if progress is not None:
                        progress(written)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return written
