"""What a report is once read: tables of cells and chart specifications, independent of how
it is shown (the page), printed (PDF) or exported (XLSX, CSV), so every output carries the
same numbers.

A missing value is None and prints as "Tidak ada data" everywhere, never as 0: a real zero
(an officer who verified nothing that day) and nothing to count differ (DESIGN 2.7, issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

Cell = int | float | str | None

NO_DATA = "Tidak ada data"


class ReportKind(StrEnum):
    DAILY = "daily"
    """Laporan harian petugas: one day, per officer."""
    MONTHLY = "monthly"
    """Evaluasi bulanan: per office and service, SLA, time per step, backlog by age."""
    OFFICERS = "officers"
    """Kinerja petugas over a period."""


TITLES: dict[ReportKind, str] = {
    ReportKind.DAILY: "Laporan Harian Petugas",
    ReportKind.MONTHLY: "Evaluasi Bulanan Pelayanan",
    ReportKind.OFFICERS: "Kinerja Petugas",
}


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    HOURS = "hours"
    """Hours with two decimals (the server's seconds / 3600)."""
    PERCENT = "percent"
    """Percent with one decimal."""


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = ColumnKind.COUNT
    action: str | None = None
    """The history action a count column counts (`verify`): what the queue is asked for."""
    statuses: tuple[str, ...] = ()
    """The application statuses a count column stands for, when it stands for any."""
    overdue: bool = False


@dataclass(frozen=True)
class QueueFilters:
    """What a clicked number means for the queue: the lead's wiring sets the queue's filters
    from it (status, service, office, officer, period; the history action for counts of
    actions, which the queue may show as a note)."""

    statuses: tuple[str, ...] = ()
    action: str | None = None
    service_code: str | None = None
    office_code: str | None = None
    officer_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class RowKeys:
    office_code: str | None = None
    service_code: str | None = None
    officer_id: str | None = None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    keys: RowKeys = RowKeys()
    total: bool = False
    """The "Jumlah" row under a table (printed bold)."""


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    """A line under the title ("per 20 Agustus 2027"); empty for none."""

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Chart:
    """A chart to draw (desktop.services.reports.charts): one value per category and series;
    None values are drawn as gaps, not as zero."""

    key: str
    title: str
    style: str
    """"bar" (grouped), "stacked" (horizontal stacked bars) or "line"."""
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    y_label: str = ""


@dataclass(frozen=True)
class Request:
    kind: ReportKind
    start: date
    end: date
    office: str | None = None
    service: str | None = None
    officer: str | None = None


@dataclass
class Report:
    request: Request
    title: str
    scope_label: str
    """The office (and its subtree) the numbers are for, as printed."""
    filters_label: str
    """Service / officer filters in words ("Semua layanan")."""
    generated_at: datetime
    tables: list[Table]
    charts: list[Chart]
    totals: dict[str, int] | None
    """The activity totals (received..sent_back); None = tidak ada data."""

    @property
    def no_data(self) -> bool:
        return all(t.empty for t in self.tables)

    def drill(self, table: Table, row: Row, column: Column) -> QueueFilters | None:
        """The queue filters behind the number in `row`/`column`, None for a text cell."""
        if column.kind is not ColumnKind.COUNT:
            return None
        r = self.request
        return QueueFilters(
            statuses=column.statuses,
            action=column.action,
            service_code=row.keys.service_code or r.service,
            office_code=row.keys.office_code or r.office,
            officer_id=row.keys.officer_id or r.officer,
            date_from=None if table.key == "backlog" else r.start,
            date_to=None if table.key == "backlog" else r.end,
            overdue=column.overdue,
        )


def format_cell(value: Cell, kind: ColumnKind) -> str:
    """The one way a cell is written in the page, the PDF and the CSV (Indonesian digits:
    1.234 and 2,50): the tests compare these texts across the outputs."""
    if value is None:
        return NO_DATA
    if isinstance(value, str):
        return value
    if kind is ColumnKind.HOURS:
        return _decimal(f"{float(value):,.2f}")
    if kind is ColumnKind.PERCENT:
        return _decimal(f"{float(value):,.1f}") + "%"
    if isinstance(value, float):
        return _decimal(f"{value:,.2f}")
    return _decimal(f"{value:,}")


def _decimal(english: str) -> str:
    return english.replace(",", "_").replace(".", ",").replace("_", ".")
