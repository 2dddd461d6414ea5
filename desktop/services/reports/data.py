"""Reading a report from the server (`ApiClient.report`: activity, steps, sla, backlog) and
shaping it into the tables and charts every output shares (`model.Report`).

Counts of actions add up across the server's period buckets (a month asked by day), so tables
sum them per office / service / officer; medians do not add up, so the steps table keeps one
row per period and step. The SLA ratio of a merged row is recomputed from its met and missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from typing import Any, Protocol

from desktop.services.reports import satisfaction
from desktop.services.reports.model import (
    TITLES,
    Cell,
    Chart,
    Column,
    ColumnKind,
    Report,
    ReportKind,
    Request,
    Row,
    RowKeys,
    Table,
)
from desktop.services.reports.periods import Period, long_date


class ReportSource(Protocol):
    def report(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


Progress = Callable[[int, int, str], None]
PARALLEL_CALLS = 3
"""Report calls in flight at once: enough to overlap the longest with the rest, few enough
to leave the server's other users room."""

ACTIVITY: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (server key, title, history action, statuses it stands for)
    ("received", "Diterima", "create", ()),
    ("verified", "Verifikasi", "verify", ()),
    ("validated", "Validasi", "validate", ()),
    ("signed", "Tanda tangan", "sign", ()),
    ("delivered", "Diserahkan", "deliver", ("completed",)),
    ("rejected", "Ditolak", "reject", ("rejected",)),
    ("sent_back", "Dikembalikan", "request_revision", ()),
)
COUNT_KEYS = tuple(k for k, *_ in ACTIVITY)
OPEN_STATUSES = ("submitted", "needs_revision", "verified", "validated", "signed")
BUCKETS = ("0-1", "2-3", "4-7", "8-14", ">14")
STEP_NAMES = {
    "submitted": "Menunggu verifikasi",
    "needs_revision": "Perbaikan oleh pemohon",
    "verified": "Menunggu validasi",
    "validated": "Menunggu tanda tangan",
    "signed": "Menunggu penyerahan",
}

OFFICER = Column("officer", "Petugas", ColumnKind.TEXT)
OFFICE = Column("office", "Kantor", ColumnKind.TEXT)
SERVICE = Column("service", "Layanan", ColumnKind.TEXT)
ACTIVITY_COLUMNS = tuple(
    Column(
        key,
        title,
        ColumnKind.COUNT,
        action=action,
        statuses=statuses,
        report="activity",
        measure=key,
    )
    for key, title, action, statuses in ACTIVITY
)


def fetch(
    source: ReportSource,
    request: Request,
    *,
    scope_label: str,
    service_names: Mapping[str, str],
    now: datetime,
    progress: Progress | None = None,
) -> Report:
    """Every call the report needs, then the tables and charts. The calls are independent
    reads, so they run side by side (at most `PARALLEL_CALLS`): the monthly evaluation's five
    took their sum, ~11 s on a million applications, and now about the longest one. The
    client is thread-safe (one HTTP session per thread). The first failure is raised."""
    calls = _calls(request)
    answers: dict[str, dict[str, Any]] = {}
    if progress is not None:
        progress(0, len(calls), f"Membaca data laporan dari server: 0 dari {len(calls)}")
    with ThreadPoolExecutor(min(PARALLEL_CALLS, len(calls)), "laporan") as pool:
        futures = {
            pool.submit(source.report, name, params): (key, name) for key, name, params in calls
        }
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                key, _name = futures[future]
                answers[key] = future.result()
                if progress is not None and done < len(calls):
                    progress(
                        done,
                        len(calls),
                        f"Membaca data laporan dari server: {done} dari {len(calls)}",
                    )
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    if progress is not None:
        progress(len(calls), len(calls), "Menyusun laporan")
    return shape(request, answers, scope_label=scope_label, service_names=service_names, now=now)


def _calls(request: Request) -> list[tuple[str, str, dict[str, Any]]]:
    if request.kind is ReportKind.IKM:
        return satisfaction.calls(request)
    base = {
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "office": request.office,
        "service": request.service,
        "officer": request.officer,
    }
    days = (request.end - request.start).days + 1
    trend = ("trend", "activity", {**base, "group": "day" if days <= 62 else "month", "by": ""})
    if request.kind is ReportKind.DAILY:  # one day: no trend to draw
        return [("activity", "activity", {**base, "group": "day", "by": "officer"})]
    if request.kind is ReportKind.OFFICERS:
        return [
            ("activity", "activity", {**base, "group": "month", "by": "officer"}),
            ("steps", "steps", {**base, "group": "month", "by": "officer"}),
            trend,
        ]
    return [
        ("activity", "activity", {**base, "group": "month", "by": "office,service"}),
        ("sla", "sla", {**base, "group": "month", "by": "office,service"}),
        ("steps", "steps", {**base, "group": "month", "by": ""}),
        (
            "backlog",
            "backlog",
            {"office": request.office, "service": request.service, "by": "office"},
        ),
        trend,
    ]


def shape(
    request: Request,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    scope_label: str,
    service_names: Mapping[str, str],
    now: datetime,
) -> Report:
    """The report from the server's answers (also used by the benchmark with a made-up one)."""
    if request.kind is ReportKind.IKM:
        return satisfaction.shape(
            request, answers, scope_label=scope_label, service_names=service_names, now=now
        )

    def service(code: str | None) -> str:
        return service_names.get(code or "", code or "")

    tables: list[Table] = []
    charts: list[Chart] = []
    activity = answers["activity"]
    kind = request.kind
    officer = officer_labels(row for answer in answers.values() for row in answer.get("rows", []))
    if kind is ReportKind.MONTHLY:
        table = _activity_table(
            "activity",
            "Kegiatan per kantor dan layanan",
            activity,
            (OFFICE, SERVICE),
            lambda r: (
                r.get("office_name") or r.get("office_code") or "",
                service(r.get("service_code")),
            ),
        )
        tables.append(table)
        sla_table = _sla_table(answers["sla"], service)
        tables.append(sla_table)
        tables.append(_steps_table(answers["steps"]))
        backlog_table = _backlog_table(answers["backlog"])
        tables.append(backlog_table)
        charts.append(_sla_chart(sla_table))
        charts.append(_backlog_chart(backlog_table))
    else:
        title = "Kegiatan per petugas"
        table = _activity_table("activity", title, activity, (OFFICER,), lambda r: (officer(r),))
        tables.append(table)
        if kind is ReportKind.OFFICERS:
            tables.append(_steps_table(answers["steps"], officer=officer))
        charts.append(_officer_chart(table))
    if "trend" in answers:
        charts.append(_trend_chart(answers["trend"], request))
    totals = activity.get("totals")
    filters = [
        f"Layanan: {service(request.service)}" if request.service else "Semua layanan",
    ]
    if request.officer:
        names = [officer(r) for r in activity.get("rows", []) if r.get("officer_name")]
        filters.append(f"Petugas: {names[0] if names else request.officer}")
    return Report(
        request=request,
        title=TITLES[kind],
        scope_label=scope_label,
        filters_label="; ".join(filters),
        generated_at=now,
        tables=tables,
        charts=charts,
        totals={k: int(totals[k]) for k in COUNT_KEYS} if totals else None,
    )


def period_label(report: Report) -> str:
    r = report.request
    return Period(r.start, r.end).label() if r.start != r.end else long_date(r.start)


# -- tables ----------------------------------------------------------------------------------


def _activity_table(
    key: str,
    title: str,
    answer: Mapping[str, Any],
    labels: tuple[Column, ...],
    label_of: Callable[[Mapping[str, Any]], tuple[str, ...]],
) -> Table:
    merged: dict[tuple[str | None, ...], tuple[tuple[str, ...], list[int]]] = {}
    for row in answer.get("rows", []):
        ident = (row.get("office_code"), row.get("service_code"), row.get("officer_id"))
        names, counts = merged.setdefault(ident, (label_of(row), [0] * len(COUNT_KEYS)))
        for i, name in enumerate(COUNT_KEYS):
            counts[i] += int(row.get(name) or 0)
    table = Table(key, title, (*labels, *ACTIVITY_COLUMNS))
    for (office, svc, officer), (names, counts) in sorted(
        merged.items(), key=lambda item: item[1][0]
    ):
        table.rows.append(Row((*names, *counts), RowKeys(office, svc, officer)))
    totals = answer.get("totals")
    if table.rows and totals:
        blanks: tuple[Cell, ...] = ("",) * (len(labels) - 1)
        table.rows.append(
            Row(("Jumlah", *blanks, *(int(totals[k]) for k in COUNT_KEYS)), total=True)
        )
    return table


def _ratio(met: int, missed: int) -> float | None:
    judged = met + missed
    return round(100.0 * met / judged, 1) if judged else None


def _sla_table(answer: Mapping[str, Any], service: Callable[[str | None], str]) -> Table:
    columns = (
        OFFICE,
        SERVICE,
        Column("met", "Tepat waktu", statuses=("completed",), report="sla", measure="met"),
        Column("missed", "Terlambat", statuses=("completed",), report="sla", measure="missed"),
        Column(
            "unknown", "Tanpa tenggat", statuses=("completed",), report="sla", measure="unknown"
        ),
        Column("ratio", "% tepat waktu", ColumnKind.PERCENT),
    )
    table = Table("sla", "Ketepatan waktu (SLA) penyelesaian", columns)
    merged: dict[tuple[str | None, str | None], tuple[tuple[str, str], list[int]]] = {}
    for row in answer.get("rows", []):
        ident = (row.get("office_code"), row.get("service_code"))
        label = (row.get("office_name") or row.get("office_code") or "", service(ident[1]))
        _, counts = merged.setdefault(ident, (label, [0, 0, 0]))
        for i, name in enumerate(("met", "missed", "unknown")):
            counts[i] += int(row.get(name) or 0)
    for (office, svc), (label, (met, missed, unknown)) in sorted(
        merged.items(), key=lambda item: item[1][0]
    ):
        table.rows.append(
            Row((*label, met, missed, unknown, _ratio(met, missed)), RowKeys(office, svc))
        )
    totals = answer.get("totals")
    if table.rows and totals:
        met, missed = int(totals["met"]), int(totals["missed"])
        table.rows.append(
            Row(
                ("Jumlah", "", met, missed, int(totals["unknown"]), _ratio(met, missed)), total=True
            )
        )
    return table


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


def officer_labels(rows: Iterable[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], str]:
    """The officer's label for a row: the full name, and the user name beside it where two
    officers in the report share that name (two "Siti Aminah" at one counter were two
    identical rows, and a supervisor could not tell whose work was whose)."""
    ids_of: dict[str, set[str]] = {}
    for row in rows:
        name, uid = row.get("officer_name"), row.get("officer_id")
        if name and uid:
            ids_of.setdefault(str(name), set()).add(str(uid))

    def label(row: Mapping[str, Any]) -> str:
        name = str(row.get("officer_name") or "")
        if len(ids_of.get(name, ())) > 1:
            return f"{name} ({row.get('officer_username') or row.get('officer_id')})"
        return name

    return label


def _steps_table(
    answer: Mapping[str, Any], *, officer: Callable[[Mapping[str, Any]], str] | None = None
) -> Table:
    with_officer = officer is not None
    columns: tuple[Column, ...] = (
        *((OFFICER,) if with_officer else ()),
        Column("period", "Periode", ColumnKind.TEXT),
        Column("step", "Tahap", ColumnKind.TEXT),
        Column("count", "Jumlah", report="steps"),
        Column("median", "Median (jam)", ColumnKind.HOURS),
        Column("p90", "P90 (jam)", ColumnKind.HOURS),
    )
    title = "Lama per tahap per petugas" if with_officer else "Lama per tahap"
    table = Table("steps", title, columns)
    order = list(STEP_NAMES)
    rows = sorted(
        answer.get("rows", []),
        key=lambda r: (
            officer(r) if officer is not None else "",
            r.get("period") or "",
            order.index(r["step"]) if r.get("step") in order else len(order),
        ),
    )
    for row in rows:
        cells: tuple[Cell, ...] = (
            *((officer(row),) if officer is not None else ()),
            str(row.get("period") or ""),
            STEP_NAMES.get(row.get("step") or "", row.get("step") or ""),
            int(row.get("count") or 0),
            _hours(row.get("median_seconds")),
            _hours(row.get("p90_seconds")),
        )
        keys = RowKeys(
            officer_id=row.get("officer_id"),
            step=row.get("step"),
            period=str(row.get("period") or "") or None,
        )
        table.rows.append(Row(cells, keys))
    return table


def _backlog_table(answer: Mapping[str, Any]) -> Table:
    columns = (
        OFFICE,
        Column("total", "Jumlah", statuses=OPEN_STATUSES, report="backlog", measure="total"),
        Column(
            "overdue",
            "Lewat tenggat",
            statuses=OPEN_STATUSES,
            overdue=True,
            report="backlog",
            measure="overdue",
        ),
        *(
            Column(f"b{b}", f"{b} hari", statuses=OPEN_STATUSES, report="backlog", measure=b)
            for b in BUCKETS
        ),
        Column("oldest", "Tertua (hari kerja)"),
    )
    as_of = answer.get("as_of")
    note = f"Permohonan terbuka per {as_of}, umur dalam hari kerja sejak diajukan" if as_of else ""
    table = Table("backlog", "Tunggakan menurut umur", columns, note=note)
    for row in sorted(answer.get("rows", []), key=lambda r: r.get("office_name") or ""):
        buckets = row.get("buckets") or {}
        cells: tuple[Cell, ...] = (
            row.get("office_name") or row.get("office_code") or "",
            int(row["total"]),
            int(row["overdue"]),
            *(int(buckets.get(b, 0)) for b in BUCKETS),
            int(row["oldest_working_days"]),
        )
        table.rows.append(Row(cells, RowKeys(office_code=row.get("office_code"))))
    return table


# -- charts ----------------------------------------------------------------------------------


def _count_series(
    table: Table, keys: tuple[str, ...]
) -> tuple[tuple[str, tuple[float | None, ...]], ...]:
    index = {c.key: i for i, c in enumerate(table.columns)}
    body = [r for r in table.rows if not r.total]
    out = []
    for key in keys:
        title = table.columns[index[key]].title
        out.append((title, tuple(_num(r.cells[index[key]]) for r in body)))
    return tuple(out)


def _num(value: Cell) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _officer_chart(table: Table) -> Chart:
    body = [r for r in table.rows if not r.total]
    return Chart(
        "officers",
        "Kegiatan per petugas",
        "stacked",
        tuple(str(r.cells[0]) for r in body),
        _count_series(table, COUNT_KEYS),
        "Jumlah tindakan",
    )


def _sla_chart(table: Table) -> Chart:
    body = [r for r in table.rows if not r.total]
    return Chart(
        "sla",
        "Ketepatan waktu per kantor dan layanan",
        "stacked",
        tuple(f"{r.cells[0]} — {r.cells[1]}" for r in body),
        _count_series(table, ("met", "missed")),
        "Permohonan selesai",
    )


def _backlog_chart(table: Table) -> Chart:
    body = [r for r in table.rows if not r.total]
    return Chart(
        "backlog",
        "Tunggakan menurut umur (hari kerja)",
        "stacked",
        tuple(str(r.cells[0]) for r in body),
        _count_series(table, tuple(f"b{b}" for b in BUCKETS)),
        "Permohonan terbuka",
    )


def _buckets(request: Request, group: str) -> list[str]:
    """Every day (or month) of the period: a day without actions is a real 0 on the line when
    the period has data at all (the server lists only buckets with actions)."""
    out: list[str] = []
    day = request.start
    while day <= request.end:
        key = day.isoformat() if group == "day" else day.isoformat()[:7]
        if not out or out[-1] != key:
            out.append(key)
        day += timedelta(days=1)
    return out


def _trend_chart(answer: Mapping[str, Any], request: Request) -> Chart:
    found = {str(r.get("period")): r for r in answer.get("rows", [])}
    group = str((answer.get("period") or {}).get("group") or "day")
    keys = _buckets(request, group) if found else []
    rows = [found.get(k, {"period": k}) for k in keys]
    return Chart(
        "trend",
        "Tren permohonan diterima dan diserahkan",
        "line",
        tuple(str(r.get("period")) for r in rows),
        (
            ("Diterima", tuple(float(r.get("received") or 0) for r in rows)),
            ("Diserahkan", tuple(float(r.get("delivered") or 0) for r in rows)),
        ),
        "Jumlah",
    )
