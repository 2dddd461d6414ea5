"""Two officers with one full name are told apart in the officers' tables (their user names
beside the name); a name nobody shares stays as it is. The answers are shaped as the server's
(`officer_username` next to `officer_name`; tests/server/test_reports.py checks the server)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from desktop.services.reports.data import COUNT_KEYS, shape
from desktop.services.reports.model import ReportKind, Request

DAY = date(2025, 5, 22)


def row(uid: str, name: str, username: str, **counts: int) -> dict[str, Any]:
    return {
        "period": DAY.isoformat(),
        "officer_id": uid,
        "officer_name": name,
        "officer_username": username,
        **counts,
    }


def activity(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"rows": list(rows), "totals": {k: sum(r.get(k, 0) for r in rows) for k in COUNT_KEYS}}


def labels(kind: ReportKind, answers: dict[str, Any]) -> list[list[str]]:
    report = shape(
        Request(kind, DAY, DAY),
        answers,
        scope_label="Kelurahan Jadirejo",
        service_names={},
        now=datetime(2025, 5, 22, 17),
    )
    return [[str(r.cells[0]) for r in t.rows if not r.total] for t in report.tables]


def test_a_shared_name_gets_the_user_names_and_a_unique_one_does_not() -> None:
    answer = activity(
        row("u1", "Siti Aminah", "siti.loket1", received=3),
        row("u2", "Siti Aminah", "siti.loket2", received=5),
        row("u3", "Andi Saputra", "verifier2", verified=2),
    )
    [officers] = labels(ReportKind.DAILY, {"activity": answer})
    assert sorted(officers) == [
        "Andi Saputra",
        "Siti Aminah (siti.loket1)",
        "Siti Aminah (siti.loket2)",
    ]


def test_the_steps_table_labels_alike_when_only_the_activity_shows_the_clash() -> None:
    answer = activity(
        row("u1", "Siti Aminah", "siti.loket1", received=3),
        row("u2", "Siti Aminah", "siti.loket2", received=5),
    )
    steps = {"rows": [{**row("u1", "Siti Aminah", "siti.loket1"), "step": "submitted", "count": 1}]}
    trend = {"rows": []}
    tables = labels(ReportKind.OFFICERS, {"activity": answer, "steps": steps, "trend": trend})
    assert tables[1] == ["Siti Aminah (siti.loket1)"]
