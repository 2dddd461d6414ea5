"""The steps report's SQL (the look-up of each step's entering move, `server.reports.steps`)
gives the same numbers as a straightforward computation in Python over the same rows.

A seeded random data set of a few hundred applications with untidy histories: moves that keep
the status (from = to), entries without a status, actions that are no workflow move, equal
times, times out of position order, steps that began weeks before the period, scoped and
unscoped offices. The reference walks each application's history in position order, pairs
each move with the next move, and keeps the pairs whose second move falls in the period -
the report's definition read literally. Runs on SQLite, and on PostgreSQL under
`make test-postgres` (the database the server made with its migrations, 0014 included).
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from server.demo import KECAMATAN, KELURAHAN, OTHER_KELURAHAN
from server.models import Application, HistoryEntry, User
from server.reports.period import Period, parse_period
from server.reports.scoping import make_filters
from server.reports.steps import STEPS, WORKFLOW_ACTIONS, steps
from server.scope import in_scope
from tests.live_server import LiveServer, start_server

WIB = timezone(timedelta(hours=7))
OFFICES = (KELURAHAN, OTHER_KELURAHAN, "14.71.01.1007")
SERVICES = ("SKTM", "SK-DOMISILI", "SK-USAHA")
STATUSES = ("draft", "submitted", "needs_revision", "verified", "validated", "signed")
ACTIONS = (*WORKFLOW_ACTIONS, "edit", "comment", "attach")
APPLICATIONS = 300


def _history(rng: random.Random, users: list[str]) -> list[dict[str, Any]]:
    when = datetime(2025, 3, 1, tzinfo=WIB) + timedelta(seconds=rng.randrange(100 * 86400))
    status: str | None = None
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 14)):
        gap = rng.choice((0, rng.randrange(3 * 86400), rng.randrange(40 * 86400), -3600))
        when += timedelta(seconds=gap)  # -3600: a time out of position order
        action = rng.choice(ACTIONS)
        target = rng.choice((*STATUSES, None, status)) if action in WORKFLOW_ACTIONS else None
        source = status if rng.random() > 0.05 else None
        rows.append(
            {
                "action": action,
                "from_status": source,
                "to_status": target,
                "actor_id": rng.choice(users),
                "server_time": when,
            }
        )
        status = target or status
    return rows


def seed(server: LiveServer, rng: random.Random) -> list[dict[str, Any]]:
    """Insert the random applications; returns their rows with `history` for the reference."""
    engine = create_engine(server.database_url)
    apps: list[dict[str, Any]] = []
    with Session(engine) as session:
        users = sorted(session.execute(select(User.id)).scalars())
        history: list[dict[str, Any]] = []
        for n in range(APPLICATIONS):
            rows = _history(rng, users)
            app = {
                "id": str(uuid.uuid4()),
                "service_code": rng.choice(SERVICES),
                "status": "submitted",
                "version": len(rows),
                "office_code": rng.choice(OFFICES),
                "channel": "counter",
                "nik": "1471014101900001",
                "name": "Data Acak",
                "created_at": rows[0]["server_time"],
                "updated_at": rows[-1]["server_time"],
                "submitted_at": None,
                "due_at": None,
                "seq": 20_000_000 + n,
            }
            apps.append({**app, "history": rows})
            session.execute(insert(Application), [app])
            for position, row in enumerate(rows, start=1):
                history.append(
                    {
                        **row,
                        "id": str(uuid.uuid4()),
                        "application_id": app["id"],
                        "position": position,
                        "role": "operator",
                        "office_code": app["office_code"],
                    }
                )
        session.execute(insert(HistoryEntry), history)
        session.commit()
    engine.dispose()
    return apps


def _is_move(row: dict[str, Any]) -> bool:
    return (
        row["action"] in WORKFLOW_ACTIONS
        and row["to_status"] is not None
        and (row["from_status"] is None or row["from_status"] != row["to_status"])
    )


def reference(
    apps: list[dict[str, Any]],
    period: Period,
    scope: str,
    by: tuple[str, ...],
    service: str | None = None,
    officer: str | None = None,
) -> dict[tuple[Any, ...], tuple[int, float, float, float]]:
    samples: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    offset = timedelta(seconds=period.offset_seconds)
    pattern = "%Y-%m-%d" if period.grain.value == "day" else "%Y-%m"
    for app in apps:
        if not in_scope(scope, app["office_code"]):
            continue
        if service and app["service_code"] != service:
            continue
        moves = [r for r in app["history"] if _is_move(r)]  # already in position order
        for entered, left in itertools.pairwise(moves):
            if not period.utc_start <= left["server_time"] < period.utc_end:
                continue
            if entered["to_status"] not in STEPS:
                continue
            if officer and left["actor_id"] != officer:
                continue
            bucket = left["server_time"].astimezone(timezone(offset)).strftime(pattern)
            dims = {
                "office": app["office_code"],
                "service": app["service_code"],
                "officer": left["actor_id"],
            }
            key = (entered["to_status"], bucket, *(dims[d] for d in by))
            samples[key].append((left["server_time"] - entered["server_time"]).total_seconds())
    out: dict[tuple[Any, ...], tuple[int, float, float, float]] = {}
    for key, values in samples.items():
        values.sort()
        n = len(values)
        out[key] = (
            n,
            values[math.ceil(n / 2) - 1],
            values[math.ceil(9 * n / 10) - 1],
            sum(values) / n,
        )
    return out


@pytest.fixture(scope="module")
def data() -> Iterator[tuple[LiveServer, list[dict[str, Any]]]]:
    with start_server(applications=0) as live:
        yield live, seed(live, random.Random(14))


CASES = [
    ("2025-05-01", "2025-05-31", "month", "14.71", "", None, False),
    ("2025-05-01", "2025-05-31", "day", "14.71", "office", None, False),
    ("2025-04-01", "2025-06-30", "month", "14.71", "office,service,officer", None, False),
    ("2025-05-01", "2025-05-31", "month", KECAMATAN, "service", "SKTM", False),
    ("2025-05-01", "2025-05-31", "month", KELURAHAN, "officer", None, True),
    ("2025-05-10", "2025-05-10", "day", "14.71", "office", None, False),
]


@pytest.mark.parametrize(("start", "end", "grain", "scope", "by", "service", "one"), CASES)
def test_steps_equal_the_reference(
    data: tuple[LiveServer, list[dict[str, Any]]],
    start: str,
    end: str,
    grain: str,
    scope: str,
    by: str,
    service: str | None,
    one: bool,
) -> None:
    server, apps = data
    period = parse_period(start, end, grain, WIB)
    officer = None
    if one:  # the officer who ended the most steps in the whole data set
        counts: dict[str, int] = defaultdict(int)
        for app in apps:
            for row in app["history"]:
                counts[row["actor_id"]] += 1
        officer = max(counts, key=lambda k: counts[k])
    filters = make_filters("14.71", scope, service, officer, by)
    expected = reference(apps, period, filters.scope, filters.by, service, officer)
    assert expected, "the random data set must give this case some steps"
    engine = create_engine(server.database_url)
    with Session(engine) as session:
        body = steps(session, period, filters)
    engine.dispose()
    names = {"office": "office_code", "service": "service_code", "officer": "officer_id"}
    got = {
        (r["step"], r["period"], *(r[names[d]] for d in filters.by)): (
            r["count"],
            r["median_seconds"],
            r["p90_seconds"],
            r["mean_seconds"],
        )
        for r in body["rows"]
    }
    assert sorted(got) == sorted(expected)
    for key, (count, median, p90, mean) in expected.items():
        assert got[key][0] == count, key
        assert got[key][1:] == pytest.approx((median, p90, mean), abs=0.06), key
    assert body["no_data"] is False
