"""The applications behind a clicked number, read from the server (`/reports/applications`).

The queue holds the local store's applications, which may lack some of them (finished ones
leave the store after 30 days, a supervisor's store may be behind): the answer carries their
queue summaries, which the queue writes to the store before it shows exactly these ids. Qt-free:
called on a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.domain.records import ApplicationSummary, RecordError
from desktop.services.reports.model import QueueFilters


class DrillSource(Protocol):
    def report(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReportList:
    ids: tuple[str, ...]
    """Every application behind the number, as the server ordered them (first event first)."""
    caption: str
    """"Dari Laporan: diverifikasi oleh Andi Saputra, 22 Mei 2025 — 12 permohonan"."""
    count: int
    applications: int
    truncated: bool
    rows: tuple[tuple[ApplicationSummary, Any], ...] = ()
    """Their summaries as read (for the store): (parsed, raw JSON)."""


def params(filters: QueueFilters) -> dict[str, Any]:
    """The query of `/reports/applications` for a drill-down `QueueFilters`."""
    if not filters.report or not filters.measure:
        raise ValueError("not a drill-down number")
    query: dict[str, Any] = {
        "report": filters.report,
        "measure": filters.measure,
        "office": filters.office_code,
        "service": filters.service_code,
        "office_only": "true" if filters.office_only and filters.office_code else None,
    }
    if filters.report != "backlog":
        query["officer"] = filters.officer_id
        query["from"] = filters.date_from.isoformat() if filters.date_from else None
        query["to"] = filters.date_to.isoformat() if filters.date_to else None
    return query


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def caption(what: str, count: int, applications: int, truncated: bool, shown: int) -> str:
    """The line above the queue: what the number is and how many applications it holds."""
    text = f"Dari Laporan: {what} \u2014 {number(applications)} permohonan"
    if count != applications:
        text += f" ({number(count)} kali)"
    if truncated:
        text += f"; {number(shown)} pertama ditampilkan"
    return text


def fetch_list(source: DrillSource, filters: QueueFilters) -> ReportList:
    """One request; an item this version cannot read is left out of the rows but its id stays
    (the queue then shows what the store has of it)."""
    answer = source.report("applications", params(filters))
    items = answer.get("items") or []
    rows: list[tuple[ApplicationSummary, Any]] = []
    ids: list[str] = []
    for raw in items:
        if not isinstance(raw, dict) or not raw.get("id"):
            continue
        ids.append(str(raw["id"]))
        narrow = {k: v for k, v in raw.items() if k != "times"}
        try:
            rows.append((ApplicationSummary.from_json(narrow), narrow))
        except RecordError:
            continue
    count, applications = int(answer.get("count") or 0), int(answer.get("applications") or 0)
    truncated = bool(answer.get("truncated"))
    return ReportList(
        ids=tuple(ids),
        caption=caption(filters.caption, count, applications, truncated, len(ids)),
        count=count,
        applications=applications,
        truncated=truncated,
        rows=tuple(rows),
    )
