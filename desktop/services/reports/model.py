"""What a report is once read: tables of cells and chart specifications, independent of how
it is shown (the page), printed (PDF) or exported (XLSX, CSV), so every output carries the
same numbers.

A missing value is None and prints as "Tidak ada data" everywhere, never as 0: a real zero
(an officer who verified nothing that day) and nothing to count differ (DESIGN 2.7, issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from desktop.services.reports.periods import Period, long_date

Cell = int | float | str | None

NO_DATA = "Tidak ada data"


class ReportKind(StrEnum):
    DAILY = "daily"
    """Laporan harian petugas: one day, per officer."""
    MONTHLY = "monthly"
    """Evaluasi bulanan: per office and service, SLA, time per step, backlog by age."""
    OFFICERS = "officers"
    """Kinerja petugas over a period."""
    IKM = "ikm"
    """Survei kepuasan masyarakat (Permenpan RB 14/2017): per office, service and overall."""


TITLES: dict[ReportKind, str] = {
    ReportKind.DAILY: "Laporan Harian Petugas",
    ReportKind.MONTHLY: "Evaluasi Bulanan Pelayanan",
    ReportKind.OFFICERS: "Kinerja Petugas",
    ReportKind.IKM: "Survei Kepuasan Masyarakat (IKM)",
}


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    HOURS = "hours"
    """Hours with two decimals (the server's seconds / 3600)."""
    PERCENT = "percent"
    """Percent with one decimal."""
    SCORE = "score"
    """A survey value with two decimals (IKM, NRR): a mean, never a count of applications."""
    WEIGHTED = "weighted"
    """A weighted NRR with four decimals (NRR x 1/9)."""


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
    report: str | None = None
    """The server report this column's numbers come from (`/reports/applications?report=`):
    activity, sla, steps or backlog; None: not a count of applications (no drill-down)."""
    measure: str | None = None
    """Its `measure` there (verified, met, 0-1, ...); None for steps: the row's step."""


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
    office_only: bool = False
    """The number is an office's row (its own applications), not the subtree of `office_code`."""
    report: str | None = None
    """With `measure`: the exact drill-down (`GET /reports/applications`) of this number."""
    measure: str | None = None
    caption: str = ""
    """What the number is, in words ("diverifikasi oleh Andi Saputra, 22 Mei 2025")."""
    listed: Any = None
    """The applications behind the number once read (`services.reports.drill.ReportList`);
    None: not read (offline), the queue then applies the rough filters above."""


@dataclass(frozen=True)
class RowKeys:
    office_code: str | None = None
    service_code: str | None = None
    officer_id: str | None = None
    step: str | None = None
    """A steps row's state (submitted, verified, ...)."""
    period: str | None = None
    """A steps row's period bucket ('YYYY-MM' or 'YYYY-MM-DD')."""


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
    notes: tuple[str, ...] = ()
    """Lines printed under the tables (the IKM's sample-size note of the regulation)."""
    headline: str = ""
    """One line the page shows above the tables in place of the activity totals (IKM)."""

    @property
    def no_data(self) -> bool:
        return all(t.empty for t in self.tables)

    def drill(self, table: Table, row: Row, column: Column) -> QueueFilters | None:
        """The queue filters behind the number in `row`/`column`, None for a text cell and
        for the survey: its respondents are not applications in a status."""
        if column.kind is not ColumnKind.COUNT or self.request.kind is ReportKind.IKM:
            return None
        r = self.request
        start, end = _clip(r.start, r.end, row.keys.period)
        backlog = table.key == "backlog"
        measure = column.measure or row.keys.step
        return QueueFilters(
            statuses=column.statuses,
            action=column.action,
            service_code=row.keys.service_code or r.service,
            office_code=row.keys.office_code or r.office,
            officer_id=row.keys.officer_id or r.officer,
            date_from=None if backlog else start,
            date_to=None if backlog else end,
            overdue=column.overdue,
            office_only=row.keys.office_code is not None,
            report=column.report if measure else None,
            measure=measure if column.report else None,
            caption=self._caption(table, row, column, measure, start, end),
        )

    def _caption(
        self, table: Table, row: Row, column: Column, measure: str | None, start: date, end: date
    ) -> str:
        """ "diverifikasi oleh Andi Saputra, 22 Mei 2025": the measure, whose row it is (officer,
        office, service: the row's labels, else the report's own filters), and the period."""
        what = _measure_words(column.report, measure, column.title)
        labels = {
            c.key: v
            for c, v in zip(table.columns, row.cells, strict=False)
            if c.kind is ColumnKind.TEXT
        }
        parts = [what]
        officer = labels.get("officer") if not row.total else None
        if isinstance(officer, str) and officer:
            parts[0] += f" oleh {officer}"
        where = [
            str(labels[k])
            for k in ("office", "service")
            if not row.total and isinstance(labels.get(k), str) and labels.get(k)
        ]
        if not where and self.filters_label != "Semua layanan":
            where = [self.filters_label]
        if table.key == "backlog":
            when = (
                f"per {table.note.split(' per ')[-1].split(',')[0]}"
                if " per " in table.note
                else ""
            )
        else:
            when = long_date(start) if start == end else Period(start, end).label()
        return ", ".join(p for p in (parts[0], *where, when) if p)


MEASURE_WORDS: dict[tuple[str, str], str] = {
    ("activity", "received"): "diterima",
    ("activity", "verified"): "diverifikasi",
    ("activity", "validated"): "divalidasi",
    ("activity", "signed"): "ditandatangani",
    ("activity", "delivered"): "diserahkan",
    ("activity", "rejected"): "ditolak",
    ("activity", "sent_back"): "dikembalikan untuk perbaikan",
    ("sla", "met"): "diserahkan tepat waktu",
    ("sla", "missed"): "diserahkan terlambat",
    ("sla", "unknown"): "diserahkan tanpa tenggat",
    ("backlog", "total"): "belum selesai",
    ("backlog", "overdue"): "belum selesai, lewat tenggat",
}
STEP_WORDS = {
    "submitted": "menunggu verifikasi",
    "needs_revision": "perbaikan oleh pemohon",
    "verified": "menunggu validasi",
    "validated": "menunggu tanda tangan",
    "signed": "menunggu penyerahan",
}


def _measure_words(report: str | None, measure: str | None, title: str) -> str:
    if report is None or measure is None:
        return title
    if report == "steps":
        return f"tahap {STEP_WORDS.get(measure, measure)} selesai"
    if report == "backlog" and (report, measure) not in MEASURE_WORDS:
        return f"belum selesai, umur {measure} hari kerja"
    return MEASURE_WORDS.get((report, measure), title)


def _clip(start: date, end: date, bucket: str | None) -> tuple[date, date]:
    """The request's dates narrowed to a row's period bucket ('2025-05' or '2025-05-22')."""
    if not bucket:
        return start, end
    try:
        if len(bucket) == 7:
            first = date.fromisoformat(bucket + "-01")
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            first = last = date.fromisoformat(bucket)
    except ValueError:
        return start, end
    return max(start, first), min(end, last)


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
    if kind is ColumnKind.WEIGHTED:
        return _decimal(f"{float(value):,.4f}")
    if kind is ColumnKind.SCORE:
        return _decimal(f"{float(value):,.2f}")
    if isinstance(value, float):
        return _decimal(f"{value:,.2f}")
    return _decimal(f"{value:,}")


def _decimal(english: str) -> str:
    return english.replace(",", "_").replace(".", ",").replace("_", ".")
