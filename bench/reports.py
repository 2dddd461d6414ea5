"""Monthly supervision reports over 1,000,000 applications and 10,000,000 history rows.

    python bench/reports.py [--applications 1000000] [--month 2025-06] [--explain] [--keep DIR]
    python bench/reports.py --pdf   # the monthly PDF/XLSX/CSV from a synthetic payload (no DB)

After the single reports, the monthly evaluation as the Laporan page asks for it (its five
calls, `desktop.services.reports.data.fetch`) from the month's real answers, and the charts and
PDF built from them (engineer E's builder), each timed. `--keep DIR` keeps the cluster and its
data in DIR and reuses them next time (no generation). docs/architecture/server.md, "Reports
performance", says what made the reports fit and the last run's times.

Makes a throwaway PostgreSQL cluster (initdb in a temporary directory, Unix socket only, as
`tests/server/postgres_cluster.py` does; deleted afterwards), creates the server's tables from
`server.models` (with their indexes, so migration 0014's too), and fills them in SQL with
`generate_series` (no Python loops): the city's offices, 400 officers, N applications spread
over 2025 and ten history rows each (create, submit, request_revision, resubmit, verify,
validate, sign, deliver and two edits; one in eight still open after verify, with four edits
instead), 10,000,000 in all, in server-time order as a server appends them; history's keys and
indexes are built after the load (see `fill`). Then, as the dinas (scope: the whole city), it
runs each report's query for one month through the report functions with a real session and
prints the server time beside its budget.

Budget (ours; DESIGN section 9 has none for reports): 10 s per monthly report on one
PostgreSQL instance, the time a supervisor waits once for the month's evaluation; the backlog
(no period) 5 s. Run by hand: never part of `make test`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pwd  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator, Mapping  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from server.models import Base  # noqa: E402
from server.reports.activity import activity  # noqa: E402
from server.reports.backlog import backlog  # noqa: E402
from server.reports.period import parse_period  # noqa: E402
from server.reports.scoping import make_filters  # noqa: E402
from server.reports.sla import sla  # noqa: E402
from server.reports.steps import steps  # noqa: E402
from server.seed import _offices  # noqa: E402
from tests.server.postgres_cluster import DB_USER, _as_owner, _bin  # noqa: E402

BUDGET_MONTHLY = 10.0
BUDGET_BACKLOG = 5.0
ZONE = ZoneInfo("Asia/Jakarta")


@contextmanager
def cluster(keep: Path | None = None) -> Iterator[tuple[str, bool]]:
    """(url, fresh): a throwaway cluster, or with `keep` one kept in that directory between
    runs (fresh False when its data was already there: no generation needed)."""
    owner = None
    if os.geteuid() == 0:
        pwd.getpwnam("postgres")
        owner = "postgres"
    root = keep or Path(tempfile.mkdtemp(prefix="loket-bench-pg-"))
    data, sock = root / "data", root / "sock"
    fresh = not data.exists()
    sock.mkdir(parents=True, exist_ok=True)
    if owner:
        shutil.chown(root, owner)
        shutil.chown(sock, owner)
    pg_ctl = _bin("pg_ctl")
    init = [_bin("initdb"), "-D", str(data), "-U", DB_USER, "-A", "trust", "--no-sync"]
    if fresh:
        subprocess.run(
            _as_owner([*init, "-E", "UTF8", "--locale=C"], owner),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = (
        f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_wal_size=4GB -c work_mem=64MB "
        "-c wal_level=minimal -c max_wal_senders=0"
    )
    log = root / "postgres.log"
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], owner),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg://{DB_USER}@/postgres?host={sock}", fresh
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], owner),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


ACTIONS = (
    "create",
    "submit",
    "request_revision",
    "resubmit",
    "edit",
    "verify",
    "edit",
    "validate",
    "sign",
    "deliver",
)
FROM = (
    "NULL",
    "draft",
    "submitted",
    "needs_revision",
    "submitted",
    "submitted",
    "verified",
    "verified",
    "validated",
    "signed",
)
TO = (
    "draft",
    "submitted",
    "needs_revision",
    "submitted",
    "submitted",
    "verified",
    "verified",
    "validated",
    "signed",
    "completed",
)


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join("NULL" if v == "NULL" else f"'{v}'" for v in values) + "]::text[]"


def _history_constraints(conn: Connection) -> tuple[list[str], list[str]]:
    """The DDL to put back history's keys, foreign keys and indexes after the bulk insert:
    (constraints, indexes), read from the catalogue so a new model index is included."""
    cons = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'history'::regclass AND contype IN ('p', 'u', 'f') "
            "ORDER BY contype DESC"  # u, p before f
        )
    ).all()
    owned = {name for name, _ in cons}
    idx = conn.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'history'")
    ).all()
    add = [f'ALTER TABLE history ADD CONSTRAINT "{n}" {d}' for n, d in cons]
    return add, [d for n, d in idx if n not in owned]


def fill(engine: Engine, applications: int) -> None:
    """Ten history rows per application. Fast path (was 665 s for 9.5M rows): history's keys,
    foreign keys and indexes are dropped for the insert and built once afterwards (one sort
    per index and one join per foreign key instead of 10M random B-tree inserts and 20M
    trigger look-ups), and history is truncated in the loading transaction so that with
    wal_level=minimal its rows skip the WAL."""
    Base.metadata.create_all(engine)
    offices = _offices()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (code, name, level, parent_code, unit) "
                "VALUES (:code, :name, :level, :parent_code, :unit)"
            ),
            offices,
        )
        kelurahan = [o["code"] for o in offices if o["level"] == "kelurahan"]
        conn.execute(
            text(
                "CREATE TEMP TABLE kel AS SELECT row_number() OVER () - 1 AS i, c AS "
                "code FROM unnest(CAST(:codes AS text[])) AS c"
            ),
            {"codes": kelurahan},
        )
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, password_hash, roles, office_code, "
                "disabled, created_at, failed_count) "
                "SELECT 'u' || g, 'user' || g, 'Petugas ' || g, "
                "'x', '[\"verifier\"]', (SELECT code FROM kel WHERE i = g % (SELECT count(*) FROM "
                "kel)), false, now(), 0 FROM generate_series(0, 399) g"
            )
        )
        # Applications: created uniformly over 2025 (WIB), 40 services, one in eight open.
        conn.execute(
            text(
                "INSERT INTO applications (id, service_code, status, version, office_code, "
                "channel, "
                "nik, name, created_at, updated_at, submitted_at, due_at, seq) "
                "SELECT 'a' || g, 'SVC-' || (g % 40), "
                "CASE WHEN g % 8 = 0 THEN 'verified' ELSE 'completed' END, 10, "
                "k.code, 'counter', '1471010101900001', 'Bench', t, t + interval '6 days', "
                "t + interval '2 days', t + interval '5 days', g "
                "FROM (SELECT g, timestamptz '2025-01-01 00:00+07' + (g * (interval '365 days' / "
                f"{applications})) AS t FROM generate_series(1, {applications}) g) s "
                "JOIN kel k ON k.i = g % (SELECT count(*) FROM kel)"
            )
        )
    with engine.begin() as conn:
        constraints, indexes = _history_constraints(conn)
        conn.execute(text("TRUNCATE history"))  # same transaction: no WAL for its rows
        for name in conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'history'")
        ).scalars():
            owned = any(f'"{name}"' in c for c in constraints)
            if not owned:
                conn.execute(text(f'DROP INDEX "{name}"'))
        for ddl in constraints[::-1]:
            name = ddl.split('"')[1]
            conn.execute(text(f'ALTER TABLE history DROP CONSTRAINT "{name}"'))
        # Ten history rows per application, position p at created_at + p * 14 h (+ jitter),
        # stored in server-time order as a server appends them (a month's rows on the
        # month's pages; in R's first bench they were spread over every page of the table).
        conn.execute(text("SET LOCAL work_mem = '1GB'"))
        # Open applications (one in eight, status verified) stop after `verify`: their last
        # four rows are edits (documents added while waiting) instead of the workflow's end.
        conn.execute(
            text(
                "INSERT INTO history (id, application_id, position, action, from_status, "
                "to_status, actor_id, role, office_code, server_time) "
                "SELECT a.id || '-' || p, a.id, p, "
                f"CASE WHEN open AND p > 6 THEN 'edit' ELSE ({_array(ACTIONS)})[p] END, "
                f"CASE WHEN open AND p > 6 THEN 'verified' ELSE ({_array(FROM)})[p] END, "
                f"CASE WHEN open AND p > 6 THEN 'verified' ELSE ({_array(TO)})[p] END, "
                "'u' || ((a.seq * 7 + p) % 400), 'verifier', a.office_code, "
                "a.created_at + p * interval '14 hours' "
                "+ ((a.seq * 31 + p) % 3600) * interval '1 s' "
                "FROM (SELECT *, status = 'verified' AS open FROM applications) a "
                "CROSS JOIN generate_series(1, 10) p ORDER BY 10"
            )
        )
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for ddl in [*constraints, *indexes]:
            conn.execute(text(ddl))
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    # What autovacuum does soon after a load in production: hint bits set, visibility map
    # (index-only scans), statistics. Timed apart from the insert in the output.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(label: str, budget: float, fn: object) -> None:
    start = time.perf_counter()
    body = fn()  # type: ignore[operator]
    took = time.perf_counter() - start
    verdict = "ok" if took <= budget else "OVER BUDGET"
    print(
        f"{label:<42} {took:7.2f} s   budget {budget:5.1f} s   {verdict}   "
        f"rows={len(body['rows'])}   load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


class BenchSource:
    """Engineer E's `ReportSource` over the bench database: each `report(name, params)` runs
    the report function the route `/reports/{name}` runs, as the dinas (the whole city), and
    answers the route's JSON (head + body, through json as on the wire). The HTTP layer aside,
    this is what the Laporan page gets for the month. Times each call. Each call has its own
    session, as each request has on the server: `fetch` makes the calls side by side."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine, self.now = engine, now
        self.calls: list[tuple[str, str, float, int]] = []

    def report(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        with Session(self.engine) as session:
            return self._report(session, name, params)

    def _report(
        self, session: Session, name: str, params: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        p = dict(params or {})
        start = time.perf_counter()
        by = p.get("by", "office")
        f = make_filters("14.71", p.get("office"), p.get("service"), p.get("officer"), by)
        if name == "backlog":
            offset = self.now.astimezone(ZONE).utcoffset()
            seconds = int(offset.total_seconds()) if offset is not None else 0
            today = self.now.astimezone(ZONE).date()
            body = {"scope": f.scope, **backlog(session, self.now, today, seconds, f)}
        else:
            period = parse_period(p["from"], p["to"], p.get("group", "day"), ZONE)
            fn = {"activity": activity, "steps": steps, "sla": sla}[name]
            head = {
                "period": {
                    "from": period.start.isoformat(),
                    "to": period.end.isoformat(),
                    "group": period.grain.value,
                },
                "scope": f.scope,
            }
            body = {**head, **fn(session, period, f)}
        answer: dict[str, Any] = json.loads(json.dumps(body, ensure_ascii=False))
        took = time.perf_counter() - start
        label = f"{name} group={p.get('group', '-')} by={by or '-'}"
        self.calls.append((label, name, took, len(answer["rows"])))
        return answer


def monthly_pdf(engine: Engine, month: str) -> None:
    """(d) The monthly evaluation PDF of `month` built from that month's real answers: the
    calls the Laporan page makes for it (`desktop.services.reports.data.fetch`), then E's
    charts and PDF, each timed."""
    from desktop.services.reports.data import fetch
    from desktop.services.reports.model import ReportKind, Request
    from desktop.services.reports.pdf import build_pdf, chart_pngs, fallback_letterhead

    year, mon = map(int, month.split("-"))
    first = date(year, mon, 1)
    last = date(year + mon // 12, mon % 12 + 1, 1) - date.resolution
    now = datetime(year + mon // 12, mon % 12 + 1, 1, 2, tzinfo=UTC)
    source = BenchSource(engine, now)
    start = time.perf_counter()
    report = fetch(
        source,
        Request(ReportKind.MONTHLY, first, last),
        scope_label="Kota Pekanbaru",
        service_names={},
        now=now.astimezone(ZONE).replace(tzinfo=None),
    )
    fetched = time.perf_counter() - start
    server = sum(took for _, _, took, _ in source.calls)
    print(f"\nmonthly evaluation {month} as the Laporan page asks it (real answers):", flush=True)
    for label, name, took, rows in source.calls:
        budget = BUDGET_BACKLOG if name == "backlog" else BUDGET_MONTHLY
        verdict = "ok" if took <= budget else "OVER BUDGET"
        print(
            f"  server {label:<36} {took:7.2f} s   budget {budget:5.1f} s   {verdict}   "
            f"rows={rows}",
            flush=True,
        )
    print(f"  server time, all {len(source.calls)} calls added    {server:7.2f} s", flush=True)
    print(f"  the page's wait (calls side by side, tables shaped) {fetched:7.2f} s", flush=True)
    rows = sum(len(t.rows) for t in report.tables)
    head = fallback_letterhead("14.71", "")
    t0 = time.perf_counter()
    pngs = chart_pngs(report)
    drawn = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = build_pdf(report, head, charts=pngs)
    built = time.perf_counter() - t0
    for label, took, size in (
        ("charts (200 dpi PNG, at page load)", drawn, sum(len(png or b"") for _, png in pngs)),
        ("monthly PDF with those charts", built, len(pdf)),
    ):
        verdict = "ok" if took <= BUDGET_PDF else "OVER BUDGET"
        print(
            f"  {label:<36} {took:7.2f} s   budget {BUDGET_PDF:5.1f} s   {verdict}   "
            f"table rows={rows} bytes={size:,}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--month", default="2025-06")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE too")
    parser.add_argument(
        "--keep", type=Path, help="keep the cluster in this directory; reuse its data next time"
    )
    args = parser.parse_args()
    with cluster(args.keep) as (url, fresh):
        engine = create_engine(url)
        start = time.perf_counter()
        if fresh:
            fill(engine, args.applications)
        with engine.connect() as conn:
            apps = conn.execute(text("SELECT count(*) FROM applications")).scalar_one()
            hist = conn.execute(text("SELECT count(*) FROM history")).scalar_one()
        print(
            f"generated {apps:,} applications, {hist:,} history rows in "
            f"{time.perf_counter() - start:.1f} s ({os.cpu_count()} cores shared; load average "
            f"now {os.getloadavg()[0]:.1f}: the times below include waiting for a core)",
            flush=True,
        )
        year, month = map(int, args.month.split("-"))
        last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).isoformat()
        period = parse_period(f"{args.month}-01", last, "day", ZONE)
        monthly = parse_period(f"{args.month}-01", last, "month", ZONE)
        with Session(engine) as session:
            for by in ("office", "office,service,officer"):
                f = make_filters("14.71", None, None, None, by)
                timed(
                    f"activity by day, by={by}",
                    BUDGET_MONTHLY,
                    lambda f=f: activity(session, period, f),
                )
                timed(
                    f"steps by month, by={by}",
                    BUDGET_MONTHLY,
                    lambda f=f: steps(session, monthly, f),
                )
                timed(
                    f"sla by month, by={by}", BUDGET_MONTHLY, lambda f=f: sla(session, monthly, f)
                )
            f = make_filters("14.71", None, None, None, "office,service")
            now = datetime(2026, 1, 5, 5, tzinfo=UTC)
            timed(
                "backlog by office,service",
                BUDGET_BACKLOG,
                lambda: backlog(session, now, now.astimezone(ZONE).date(), 25200, f),
            )
            kel = make_filters("14.71.01.1002", None, None, None, "officer")
            timed(
                "activity, one kelurahan, by officer",
                BUDGET_MONTHLY,
                lambda: activity(session, period, kel),
            )
            monthly_pdf(engine, args.month)
            if args.explain:
                session.execute(text("SET max_parallel_workers_per_gather = 2"))
                plan = (
                    session.execute(
                        text(
                            "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM history "
                            "WHERE server_time "
                            f">= '{period.utc_start.isoformat()}' AND server_time < "
                            f"'{period.utc_end.isoformat()}'"
                        )
                    )
                    .scalars()
                    .all()
                )
                print("\n".join(plan))
        engine.dispose()
    return 0


BUDGET_PDF = 5.0
"""Engineer E's: each step of the monthly evaluation for a whole city (90 offices x 20
services, 3,700 table rows) within 5 s on a worker - the charts are drawn once when the page
loads the report, the PDF (Cetak, Simpan PDF) embeds those same PNGs."""


def pdf_main() -> int:
    """`--pdf`: the monthly evaluation PDF (and XLSX, CSV) from a large synthetic payload
    shaped like the server's answers - 90 offices x 20 services, no database needed."""
    from desktop.services.reports.csv_export import build_csv
    from desktop.services.reports.data import shape
    from desktop.services.reports.model import ReportKind, Request
    from desktop.services.reports.pdf import build_pdf, chart_pngs, fallback_letterhead
    from desktop.services.reports.spreadsheet import build_xlsx

    offices = [f"14.71.{k:02d}.10{o:02d}" for k in range(1, 16) for o in range(1, 7)]
    services = [f"LAYANAN-{s:02d}" for s in range(1, 21)]
    names = {"office_parent": None}
    keys = ("received", "verified", "validated", "signed", "delivered", "rejected", "sent_back")
    act, sla_rows, backlog_rows = [], [], []
    for i, office in enumerate(offices):
        for j, service in enumerate(services):
            base = {"period": "2025-06", "office_code": office, "service_code": service,
                    "office_name": f"Kelurahan {i:02d}", **names}  # fmt: skip
            act.append({**base, **{k: (i * 7 + j * 3 + n) % 97 for n, k in enumerate(keys)}})
            met, missed = (i + j) % 40, (i * j) % 9
            ratio = met / (met + missed) if met + missed else None
            sla_rows.append(
                {**base, "met": met, "missed": missed, "unknown": 0, "met_ratio": ratio}
            )
        buckets = {b: (i * n) % 50 for n, b in enumerate(("0-1", "2-3", "4-7", "8-14", ">14"))}
        backlog_rows.append({"office_code": office, "office_name": f"Kelurahan {i:02d}",
                             "total": sum(buckets.values()), "overdue": buckets[">14"],
                             "oldest_working_days": 30 + i, "buckets": buckets})  # fmt: skip
    totals = {k: sum(r[k] for r in act) for k in keys}
    steps_rows = [
        {
            "period": "2025-06",
            "step": s,
            "count": 50_000,
            "median_seconds": 7200.0 * (n + 1),
            "p90_seconds": 36000.0 * (n + 1),
            "mean_seconds": 9000.0,
        }
        for n, s in enumerate(("submitted", "needs_revision", "verified", "validated", "signed"))
    ]
    trend = [{"period": f"2025-06-{d:02d}", **{k: 1000 + d for k in keys}} for d in range(1, 31)]
    answers = {
        "activity": {"rows": act, "no_data": False, "totals": totals},
        "sla": {
            "rows": sla_rows,
            "no_data": False,
            "totals": {"met": 1, "missed": 1, "unknown": 0, "met_ratio": 0.5},
        },
        "steps": {"rows": steps_rows, "no_data": False},
        "backlog": {"as_of": "2025-07-01", "rows": backlog_rows, "no_data": False},
        "trend": {"period": {"group": "day"}, "rows": trend, "no_data": False},
    }
    request = Request(ReportKind.MONTHLY, date(2025, 6, 1), date(2025, 6, 30))
    report = shape(
        request, answers, scope_label="Kota Pekanbaru", service_names={}, now=datetime(2025, 7, 1)
    )
    rows = sum(len(t.rows) for t in report.tables)
    head = fallback_letterhead("14.71", "")
    pngs = chart_pngs(report)
    for label, fn in (
        ("charts (200 dpi PNG, at page load)", lambda: chart_pngs(report)),
        ("monthly PDF with those charts", lambda: build_pdf(report, head, charts=pngs)),
        ("XLSX", lambda: build_xlsx(report)),
        ("CSV", lambda: build_csv(report)),
    ):
        start = time.perf_counter()
        out = fn()
        took = time.perf_counter() - start
        size = len(out) if isinstance(out, bytes) else sum(len(p or b"") for _, p in out)
        verdict = "ok" if took <= BUDGET_PDF else "OVER BUDGET"
        print(
            f"{label:<36} {took:7.2f} s   budget {BUDGET_PDF:5.1f} s   {verdict}   "
            f"table rows={rows} bytes={size:,}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    if "--pdf" in sys.argv[1:]:
        sys.exit(pdf_main())  # engineer E's part: needs no database
    sys.exit(main())
