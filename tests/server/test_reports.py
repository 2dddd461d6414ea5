"""Supervision reports against a hand-worked data set (`/reports/activity|steps|sla|backlog`).

The data set goes straight into the real server's database (SQLite, or PostgreSQL under
`make test-postgres`) as application and history rows with known times, so every expected
number below is worked by hand in the comments. All times are WIB (UTC+7). Services: the
hand-worked applications are SK-DOMISILI (SLA 24 h = one working day), the officer with
thousands of actions works SKTM, the backlog set is SK-USAHA.

Holidays used (the `holidays` package, public + cuti bersama): 2025-05-12 Waisak, 2025-05-13
cuti bersama, 2025-05-29 Kenaikan, 2025-05-30 cuti bersama, 2025-06-01 (Sunday) Pancasila;
2027-08-17 Kemerdekaan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from desktop.domain.sla import expected_completion
from server.demo import KECAMATAN, KELURAHAN, OTHER_KELURAHAN
from server.models import Application, HistoryEntry, User
from tests.live_server import LiveServer, start_server
from tests.server.conftest import Api
from tests.server.harness import ServerClock

WIB = timezone(timedelta(hours=7))
SUKAJADI_OTHER = "14.71.01.1007"
"""Another kelurahan of Kecamatan Sukajadi (camat1's subtree, not Jadirejo's)."""
BULK = 3000
TODAY = datetime(2027, 8, 20, 12, 0, tzinfo=WIB)
"""The server's clock for the backlog: Friday 2027-08-20, noon."""


def wib(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=WIB)


def due(last_day: date) -> datetime:
    """The server's `due_at`: the end (next local midnight) of the SLA's last working day."""
    return datetime(last_day.year, last_day.month, last_day.day, tzinfo=WIB) + timedelta(days=1)


class Seeder:
    def __init__(self, session: Session, users: dict[str, str]) -> None:
        self.session, self.users = session, users
        self.apps: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []

    def app(
        self,
        office: str,
        service: str,
        steps: list[tuple[str, str | None, str, datetime, str]],
        *,
        due_at: datetime | None,
    ) -> str:
        """`steps`: (action, from, to, when, username); the last `to` is the status."""
        app_id = str(uuid.uuid4())
        submitted = [when for action, _, _, when, _ in steps if action in ("submit", "resubmit")]
        self.apps.append(
            {
                "id": app_id,
                "service_code": service,
                "status": steps[-1][2],
                "version": len(steps),
                "office_code": office,
                "channel": "counter",
                "nik": "1471014101900001",
                "name": "Data Uji",
                "created_at": steps[0][3],
                "updated_at": steps[-1][3],
                "submitted_at": submitted[-1] if submitted else None,
                "due_at": due_at,
                "seq": 10_000_000 + len(self.apps),
            }
        )
        for position, (action, source, target, when, who) in enumerate(steps, start=1):
            self.history.append(
                {
                    "id": str(uuid.uuid4()),
                    "application_id": app_id,
                    "position": position,
                    "action": action,
                    "from_status": source,
                    "to_status": target,
                    "actor_id": self.users[who],
                    "role": "operator",
                    "office_code": office,
                    "server_time": when,
                }
            )
        return app_id

    def flush(self) -> None:
        self.session.execute(insert(Application), self.apps)
        self.session.execute(insert(HistoryEntry), self.history)
        self.session.commit()


def full_path(
    created: datetime, verify: datetime, validate: datetime, sign: datetime, deliver: datetime
) -> list[tuple[str, str | None, str, datetime, str]]:
    return [
        ("create", None, "draft", created, "operator1"),
        ("submit", "draft", "submitted", created, "operator1"),
        ("verify", "submitted", "verified", verify, "verifier1"),
        ("validate", "verified", "validated", validate, "validator1"),
        ("sign", "validated", "signed", sign, "validator1"),
        ("deliver", "signed", "completed", deliver, "operator1"),
    ]


def seed(server: LiveServer) -> None:
    engine = create_engine(server.database_url)
    with Session(engine) as session:
        users = {name: uid for name, uid in session.execute(select(User.username, User.id)).all()}
        s = Seeder(session, users)
        # A1 (Jadirejo): submitted Mon 2025-05-05 09:00. One working day later: Tue 05-06, so
        # due_at = 2025-05-07 00:00 WIB (= 05-06 17:00 UTC). Delivered EXACTLY then: met.
        # Steps: submitted 09:00->11:00 = 7200 s, verified 11:00->14:00 = 10800 s,
        # validated 14:00->15:00 = 3600 s, signed 05-05 15:00 -> 05-07 00:00 = 33 h = 118800 s.
        assert expected_completion(wib(2025, 5, 5, 9), 24) == date(2025, 5, 6)
        s.app(
            KELURAHAN,
            "SK-DOMISILI",
            full_path(
                wib(2025, 5, 5, 9),
                wib(2025, 5, 5, 11),
                wib(2025, 5, 5, 14),
                wib(2025, 5, 5, 15),
                wib(2025, 5, 7, 0, 0, 0),
            ),
            due_at=due(date(2025, 5, 6)),
        )
        # A2 (Jadirejo): submitted Wed 2025-05-28 10:00. Thu 29 (Kenaikan) and Fri 30 (cuti
        # bersama) are holidays, then the weekend: one working day later is Mon 06-02, so
        # due_at = 2025-06-03 00:00 WIB. Delivered Mon 06-02 15:00: met (without the holidays
        # the deadline would have been Thu 05-29 and this a miss).
        # Steps: submitted 10:00->13:00 = 10800 s (in May); the rest end in June.
        assert expected_completion(wib(2025, 5, 28, 10), 24) == date(2025, 6, 2)
        s.app(
            KELURAHAN,
            "SK-DOMISILI",
            full_path(
                wib(2025, 5, 28, 10),
                wib(2025, 5, 28, 13),
                wib(2025, 6, 2, 9),
                wib(2025, 6, 2, 10),
                wib(2025, 6, 2, 15),
            ),
            due_at=due(date(2025, 6, 2)),
        )
        # A3 (Jadirejo): submitted Fri 2025-05-09 09:00; Mon 12 (Waisak), Tue 13 (cuti
        # bersama): due Wed 05-14, due_at = 2025-05-15 00:00 WIB. Delivered one second later:
        # missed. Steps: submitted 09:00->10:00 = 3600 s, verified 05-09 10:00 -> 05-14 09:00
        # = 5 d - 1 h = 428400 s, validated 09:00->10:00 = 3600 s, signed 05-14 10:00 ->
        # 05-15 00:00:01 = 14 h + 1 s = 50401 s.
        assert expected_completion(wib(2025, 5, 9, 9), 24) == date(2025, 5, 14)
        s.app(
            KELURAHAN,
            "SK-DOMISILI",
            full_path(
                wib(2025, 5, 9, 9),
                wib(2025, 5, 9, 10),
                wib(2025, 5, 14, 9),
                wib(2025, 5, 14, 10),
                wib(2025, 5, 15, 0, 0, 1),
            ),
            due_at=due(date(2025, 5, 14)),
        )
        # A4 (Jadirejo): submitted 05-05 09:00, sent back 10:00 (submitted 3600 s), resubmitted
        # 05-06 08:00 (needs_revision 22 h = 79200 s), rejected 09:00 (submitted 3600 s).
        s.app(
            KELURAHAN,
            "SK-DOMISILI",
            [
                ("create", None, "draft", wib(2025, 5, 5, 9), "operator1"),
                ("submit", "draft", "submitted", wib(2025, 5, 5, 9), "operator1"),
                (
                    "request_revision",
                    "submitted",
                    "needs_revision",
                    wib(2025, 5, 5, 10),
                    "verifier1",
                ),
                ("resubmit", "needs_revision", "submitted", wib(2025, 5, 6, 8), "operator1"),
                ("reject", "submitted", "rejected", wib(2025, 5, 6, 9), "verifier1"),
            ],
            due_at=due(date(2025, 5, 7)),
        )
        # A5: another kelurahan of Sukajadi, verified and still open (camat1 sees it).
        s.app(
            SUKAJADI_OTHER,
            "SK-DOMISILI",
            [
                ("create", None, "draft", wib(2025, 5, 20, 8), "operator3"),
                ("submit", "draft", "submitted", wib(2025, 5, 20, 8), "operator3"),
                ("verify", "submitted", "verified", wib(2025, 5, 20, 12), "verifier1"),
            ],
            due_at=due(date(2025, 5, 21)),
        )
        # A6: a kelurahan of another kecamatan: outside camat1's and Jadirejo's scope.
        s.app(
            OTHER_KELURAHAN,
            "SK-DOMISILI",
            [
                ("create", None, "draft", wib(2025, 5, 21, 9), "operator2"),
                ("submit", "draft", "submitted", wib(2025, 5, 21, 9), "operator2"),
            ],
            due_at=due(date(2025, 5, 22)),
        )
        # The busy officer: verifier2 verifies 3000 SKTM applications of Jadirejo on Thu
        # 2025-05-22, the i-th (i = 1..3000) i seconds after its 08:00 submission. Durations
        # 1..3000 s: median = ceil(3000/2) = 1500th = 1500 s, p90 = ceil(0.9*3000) = 2700th
        # = 2700 s.
        for i in range(1, BULK + 1):
            s.app(
                KELURAHAN,
                "SKTM",
                [
                    ("create", None, "draft", wib(2025, 5, 22, 8), "operator1"),
                    ("submit", "draft", "submitted", wib(2025, 5, 22, 8), "operator1"),
                    (
                        "verify",
                        "submitted",
                        "verified",
                        wib(2025, 5, 22, 8) + timedelta(seconds=i),
                        "verifier2",
                    ),
                ],
                due_at=due(date(2025, 5, 23)),
            )
        # Backlog (open now; the server's today = Fri 2027-08-20, Tue 08-17 a holiday), SK-USAHA:
        # B1 submitted today: 0 working days -> "0-1"; due Mon 08-23: not overdue.
        # B2 submitted Mon 08-16: (16, 20] = 18, 19, 20 (17 holiday) = 3 -> "2-3" (4, "4-7",
        #    if the holiday counted); due Wed 08-18 -> due_at 08-19 00:00: overdue.
        # B3 submitted Fri 08-13: (13, 20] = 16, 18, 19, 20 = 4 -> "4-7"; overdue.
        # B4 submitted Thu 2027-07-01: far more than 14 -> ">14"; overdue.
        for day, last, status in (
            (wib(2027, 8, 20, 9), date(2027, 8, 23), "submitted"),
            (wib(2027, 8, 16, 9), date(2027, 8, 18), "verified"),
            (wib(2027, 8, 13, 9), date(2027, 8, 16), "needs_revision"),
            (wib(2027, 7, 1, 9), date(2027, 7, 2), "signed"),
        ):
            assert expected_completion(day, 24) == last
            s.app(
                KELURAHAN,
                "SK-USAHA",
                [
                    ("create", None, "draft", day, "operator1"),
                    ("submit", "draft", "submitted", day, "operator1"),
                    *(
                        [("x", "submitted", status, day, "operator1")]
                        if status != "submitted"
                        else []
                    ),
                ],
                due_at=due(last),
            )
        s.flush()
    engine.dispose()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with start_server(applications=0, clock=True) as live:
        clock = ServerClock(live)
        clock.advance(seconds=(TODAY - clock.now()).total_seconds())
        seed(live)
        yield live


@pytest.fixture(scope="module")
def kelurahan_supervisor(server: LiveServer) -> Api:
    admin = Api(server, *server.accounts["admin"])
    r = admin.post(
        "/users",
        json={
            "username": "spv_jadirejo",
            "full_name": "Kasi Pelayanan Jadirejo",
            "password": "rahasia-jadirejo-1",
            "roles": ["supervisor"],
            "office_code": KELURAHAN,
        },
    )
    assert r.status_code == 201, r.text
    return Api(server, "spv_jadirejo", "rahasia-jadirejo-1")


def report(api: Api, name: str, expect: int = 200, **params: Any) -> dict[str, Any]:
    r = api.get(f"/reports/{name}", params=params)
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


def span(start: str, end: str) -> dict[str, Any]:
    return {"from": start, "to": end}


MAY = span("2025-05-01", "2025-05-31")
COUNTS = ("received", "verified", "validated", "signed", "delivered", "rejected", "sent_back")


def counts(row: dict[str, Any]) -> tuple[int, ...]:
    return tuple(row[k] for k in COUNTS)


def test_activity_month_by_office_and_service(kelurahan_supervisor: Api) -> None:
    body = report(kelurahan_supervisor, "activity", **MAY, group="month", by="office,service")
    assert body["scope"] == KELURAHAN and body["no_data"] is False
    rows = {(r["office_code"], r["service_code"]): r for r in body["rows"]}
    # Only Jadirejo (A5, A6 are other offices). SK-DOMISILI in May: received A1-A4 = 4;
    # verified A1, A2, A3 = 3; validated and signed A1, A3 = 2 (A2's are in June); delivered
    # A1 (05-07 00:00 WIB, still 05-06 in UTC) and A3 = 2; rejected A4 = 1; sent back A4 = 1.
    # (The SK-USAHA backlog set is of 2027.)
    assert set(rows) == {(KELURAHAN, "SK-DOMISILI"), (KELURAHAN, "SKTM")}
    assert counts(rows[(KELURAHAN, "SK-DOMISILI")]) == (4, 3, 2, 2, 2, 1, 1)
    assert counts(rows[(KELURAHAN, "SKTM")]) == (BULK, BULK, 0, 0, 0, 0, 0)
    assert rows[(KELURAHAN, "SKTM")]["period"] == "2025-05"
    assert rows[(KELURAHAN, "SKTM")]["office_name"] == "Kelurahan Jadirejo"


def test_activity_by_day_puts_a_midnight_delivery_on_its_local_date(
    kelurahan_supervisor: Api,
) -> None:
    body = report(
        kelurahan_supervisor, "activity", **MAY, group="day", by="", service="SK-DOMISILI"
    )
    delivered = {r["period"]: r["delivered"] for r in body["rows"] if r["delivered"]}
    # A1 delivered 2025-05-07 00:00 WIB (05-06 17:00 UTC), A3 2025-05-15 00:00:01 WIB.
    assert delivered == {"2025-05-07": 1, "2025-05-15": 1}
    assert body["totals"]["received"] == 4


def test_an_officer_with_thousands_of_actions_in_a_day(kelurahan_supervisor: Api) -> None:
    body = report(
        kelurahan_supervisor, "activity", **MAY, group="day", by="officer", service="SKTM"
    )
    by_officer = {(r["period"], r["officer_name"]): r for r in body["rows"]}
    # 3000 creates by operator1 and 3000 verifies by verifier2 (Andi Saputra), all on 05-22.
    assert by_officer[("2025-05-22", "Andi Saputra")]["verified"] == BULK
    assert by_officer[("2025-05-22", "Dewi Lestari")]["received"] == BULK
    assert len(body["rows"]) == 2
    steps = report(kelurahan_supervisor, "steps", **MAY, service="SKTM", by="officer")
    (row,) = [r for r in steps["rows"] if r["step"] == "submitted"]
    assert (row["count"], row["median_seconds"], row["p90_seconds"]) == (BULK, 1500, 2700)
    assert row["officer_name"] == "Andi Saputra"
    # The user name beside the name: two officers may share one (the desktop labels them apart).
    assert {r["officer_username"] for r in body["rows"]} == {"operator1", "verifier2"}
    assert row["officer_username"] == "verifier2"


def test_steps_median_and_p90(kelurahan_supervisor: Api) -> None:
    body = report(kelurahan_supervisor, "steps", **MAY, service="SK-DOMISILI")
    got = {r["step"]: (r["count"], r["median_seconds"], r["p90_seconds"]) for r in body["rows"]}
    # submitted (ended in May): A1 7200, A2 10800, A3 3600, A4 3600 and 3600 -> sorted
    #   3600, 3600, 3600, 7200, 10800: n = 5, median = 3rd = 3600, p90 = ceil(4.5) = 5th = 10800.
    # needs_revision: A4 79200 alone. verified: A1 10800, A3 428400 (A2's ends in June):
    #   median = ceil(1) = 1st = 10800, p90 = ceil(1.8) = 2nd = 428400.
    # validated: A1 3600, A3 3600. signed: A3 50401, A1 118800 -> median 50401, p90 118800.
    assert got == {
        "submitted": (5, 3600, 10800),
        "needs_revision": (1, 79200, 79200),
        "verified": (2, 10800, 428400),
        "validated": (2, 3600, 3600),
        "signed": (2, 50401, 118800),
    }


def test_sla_at_the_deadline_and_across_a_holiday(kelurahan_supervisor: Api) -> None:
    body = report(kelurahan_supervisor, "sla", **span("2025-05-01", "2025-06-30"), by="")
    got = {r["period"]: (r["met"], r["missed"], r["met_ratio"]) for r in body["rows"]}
    # May: A1 delivered exactly at due_at (met), A3 one second after (missed): 1/2.
    # June: A2, due Mon 06-02 because of Kenaikan + cuti bersama, delivered that day: met.
    assert got == {"2025-05": (1, 1, 0.5), "2025-06": (1, 0, 1.0)}
    assert body["totals"] == {"met": 2, "missed": 1, "unknown": 0, "met_ratio": 0.6667}


def test_backlog_by_working_days(kelurahan_supervisor: Api) -> None:
    body = report(kelurahan_supervisor, "backlog", service="SK-USAHA")
    assert body["as_of"] == "2027-08-20"
    (row,) = body["rows"]
    assert row["buckets"] == {"0-1": 1, "2-3": 1, "4-7": 1, "8-14": 0, ">14": 1}
    assert (row["total"], row["overdue"]) == (4, 3)
    everything = report(kelurahan_supervisor, "backlog")
    (row,) = everything["rows"]
    # Plus the 3000 SKTM applications left verified in May 2025: > 14 working days.
    assert row["buckets"][">14"] == 1 + BULK and row["total"] == 4 + BULK


def test_kecamatan_supervisor_sees_its_kelurahan_grouped(server: LiveServer) -> None:
    camat = Api(server, *server.accounts["camat"])
    body = report(camat, "activity", **MAY, group="month", service="SK-DOMISILI")
    rows = {r["office_code"]: r for r in body["rows"]}
    # Jadirejo (A1-A4) and the other Sukajadi kelurahan (A5: received 1, verified 1); never
    # A6 of another kecamatan.
    assert set(rows) == {KELURAHAN, SUKAJADI_OTHER}
    assert counts(rows[SUKAJADI_OTHER]) == (1, 1, 0, 0, 0, 0, 0)
    assert {r["office_parent"] for r in rows.values()} == {KECAMATAN}
    one = report(camat, "activity", **MAY, office=SUKAJADI_OTHER, service="SK-DOMISILI")
    assert [r["office_code"] for r in one["rows"]] == [SUKAJADI_OTHER]
    r = camat.get("/reports/activity", params={**MAY, "office": OTHER_KELURAHAN})
    assert r.status_code == 422 and r.json()["code"] == "unknown_office"


def test_no_data_is_not_zero(server: LiveServer, kelurahan_supervisor: Api) -> None:
    empty = span("2024-01-01", "2024-01-31")
    for name in ("activity", "steps", "sla"):
        body = report(kelurahan_supervisor, name, **empty)
        assert body["no_data"] is True and body["rows"] == [], name
        assert body.get("totals") is None
    # An office without data: a Sukajadi kelurahan with no application at all.
    camat = Api(server, *server.accounts["camat"])
    body = report(camat, "backlog", office="14.71.01.1003")
    assert body == {"scope": "14.71.01.1003", "as_of": "2027-08-20", "no_data": True, "rows": []}
    body = report(camat, "sla", **MAY, office="14.71.01.1003")
    assert body["no_data"] is True and body["totals"] is None


def test_bad_periods(kelurahan_supervisor: Api) -> None:
    api = kelurahan_supervisor
    bad = report(api, "activity", 422, **span("2025-05-31", "2025-05-01"))
    assert bad["code"] == "invalid_period" and "lebih awal" in bad["detail"]
    bad = report(api, "sla", 422, **span("31/05/2025", "2025-06-01"))
    assert "TTTT-BB-HH" in bad["detail"]
    bad = report(api, "steps", 422, **span("2020-01-01", "2025-01-02"))
    assert "5 tahun" in bad["detail"]
    bad = report(api, "activity", 422, **MAY, group="week")
    assert bad["code"] == "invalid_period"
    # Exactly five years is accepted (2020-05-31 .. 2025-05-31 holds all of May 2025's data).
    five = report(api, "activity", **span("2020-05-31", "2025-05-31"), group="month")
    assert five["totals"]["received"] == 4 + BULK


@pytest.mark.parametrize("role", ["operator", "verifier", "validator"])
def test_others_are_refused(server: LiveServer, role: str) -> None:
    api = Api(server, *server.accounts[role])
    for name in ("activity", "steps", "sla"):
        assert report(api, name, 403, **MAY)["code"] == "forbidden"
    assert report(api, "backlog", 403)["code"] == "forbidden"


def test_dinas_admin_sees_the_whole_city(server: LiveServer) -> None:
    admin = Api(server, *server.accounts["admin"])
    body = report(admin, "activity", **MAY, group="month", by="", service="SK-DOMISILI")
    # A1-A4 + A5 + A6 received = 6; verified A1, A2, A3, A5 = 4.
    assert counts(body["rows"][0]) == (6, 4, 2, 2, 2, 1, 1)
    assert body["rows"][0]["period"] == "2025-05"


def test_clock_is_the_servers(server: LiveServer) -> None:
    assert ServerClock(server).now().astimezone(UTC).date() >= date(2027, 8, 20)


def test_desktop_client_reads_a_report(server: LiveServer) -> None:
    """The Qt-free client call the Laporan page will use, against the real server."""
    from desktop.services.api.client import ApiClient
    from desktop.services.auth import AuthService
    from desktop.services.secrets import SecretStore
    from tests.desktop.support import MemoryKeyring

    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    AuthService(api, SecretStore(MemoryKeyring())).sign_in(*server.accounts["camat"])
    body = api.report("sla", {**MAY, "group": "month", "by": "", "office": None})
    # camat1's subtree in May: A1 met at the deadline, A3 missed by a second.
    assert body["totals"] == {"met": 1, "missed": 1, "unknown": 0, "met_ratio": 0.5}
    assert api.report("backlog", {"office": "14.71.01.1003"})["no_data"] is True
