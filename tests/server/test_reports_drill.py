"""The applications behind a report's number (`GET /reports/applications`) on the hand-worked
data set of test_reports.py: for each cell the list's `count` (sum of `times`) equals the
report's number, and where no application counts twice the list is exactly that long."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from server.demo import KECAMATAN, KELURAHAN, OTHER_KELURAHAN
from tests.live_server import LiveServer, start_server
from tests.server.conftest import Api
from tests.server.harness import ServerClock
from tests.server.test_reports import BULK, COUNTS, MAY, SUKAJADI_OTHER, TODAY, report, seed, span


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """test_reports.py's server: its clock at TODAY and its hand-worked rows."""
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
            "username": "spv_drill",
            "full_name": "Kasi Pelayanan Jadirejo",
            "password": "rahasia-jadirejo-1",
            "roles": ["supervisor"],
            "office_code": KELURAHAN,
        },
    )
    assert r.status_code == 201, r.text
    return Api(server, "spv_drill", "rahasia-jadirejo-1")


JUNE = span("2025-06-01", "2025-06-30")


def drill(api: Api, expect: int = 200, **params: Any) -> dict[str, Any]:
    r = api.get("/reports/applications", params=params)
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


def check(body: dict[str, Any], number: int) -> None:
    """The list is the number: the sum of `times` is it, every item is one application."""
    assert body["count"] == number
    assert sum(item["times"] for item in body["items"]) == number
    assert len(body["items"]) == body["applications"] == len({i["id"] for i in body["items"]})
    assert body["truncated"] is False


@pytest.mark.parametrize(
    "filters",
    [
        {**MAY, "service": "SK-DOMISILI"},
        {**MAY, "service": "SKTM"},
        {**span("2025-05-01", "2025-06-30")},
        {**JUNE, "service": "SK-DOMISILI"},
        {"from": "2025-05-07", "to": "2025-05-07"},
    ],
)
def test_activity_and_sla_lists_equal_their_counts(
    kelurahan_supervisor: Api, filters: dict[str, Any]
) -> None:
    api = kelurahan_supervisor
    totals = report(api, "activity", **filters, group="month", by="")["totals"] or {}
    for measure in COUNTS:
        check(drill(api, report="activity", measure=measure, **filters), totals.get(measure, 0))
    sla = report(api, "sla", **filters, by="")["totals"] or {}
    for measure in ("met", "missed", "unknown"):
        check(drill(api, report="sla", measure=measure, **filters), sla.get(measure, 0))


def test_per_officer_cells(kelurahan_supervisor: Api) -> None:
    api = kelurahan_supervisor
    body = report(api, "activity", **MAY, group="day", by="officer")
    assert body["rows"]
    for row in body["rows"]:
        day = {"from": row["period"], "to": row["period"], "officer": row["officer_id"]}
        for measure in COUNTS:
            check(drill(api, report="activity", measure=measure, **day), row[measure])
    # Andi Saputra's 3000 verifications of 2025-05-22: exactly the 3000 SKTM applications.
    andi = next(r for r in body["rows"] if r["officer_name"] == "Andi Saputra")
    got = drill(api, report="activity", measure="verified", **MAY, officer=andi["officer_id"])
    assert got["count"] == len(got["items"]) == BULK
    assert {i["service_code"] for i in got["items"]} == {"SKTM"}
    assert {i["status"] for i in got["items"]} == {"verified"}


def test_steps_count_stays_and_name_the_application_stayed_twice(
    kelurahan_supervisor: Api,
) -> None:
    api = kelurahan_supervisor
    for filters in ({**MAY, "service": "SK-DOMISILI"}, {**JUNE}, {**MAY, "service": "SKTM"}):
        rows = report(api, "steps", **filters)["rows"]
        counted = {r["step"]: r["count"] for r in rows}
        for step in ("submitted", "needs_revision", "verified", "validated", "signed"):
            check(drill(api, report="steps", measure=step, **filters), counted.get(step, 0))
    # May, SK-DOMISILI, "submitted": 5 stays of 4 applications (A4 was submitted twice).
    body = drill(api, report="steps", measure="submitted", **MAY, service="SK-DOMISILI")
    assert (body["count"], body["applications"]) == (5, 4)
    assert sorted(i["times"] for i in body["items"]) == [1, 1, 1, 2]
    (twice,) = [i for i in body["items"] if i["times"] == 2]
    assert twice["status"] == "rejected"


def test_backlog_buckets(kelurahan_supervisor: Api) -> None:
    api = kelurahan_supervisor
    for service in ("SK-USAHA", None):
        params = {"service": service} if service else {}
        (row,) = report(api, "backlog", **params)["rows"]
        check(drill(api, report="backlog", measure="total", **params), row["total"])
        check(drill(api, report="backlog", measure="overdue", **params), row["overdue"])
        for bucket, number in row["buckets"].items():
            check(drill(api, report="backlog", measure=bucket, **params), number)
    body = drill(api, report="backlog", measure="4-7", service="SK-USAHA")
    assert [i["status"] for i in body["items"]] == ["needs_revision"]
    assert body["period"] is None


def test_scope(server: LiveServer, kelurahan_supervisor: Api) -> None:
    params = {**MAY, "report": "activity", "measure": "received", "service": "SK-DOMISILI"}
    own = drill(kelurahan_supervisor, **params)
    assert own["scope"] == KELURAHAN and own["count"] == 4
    assert {i["office_code"] for i in own["items"]} == {KELURAHAN}
    camat = Api(server, *server.accounts["camat"])
    wider = drill(camat, **params)
    # Jadirejo's four and A5 of the other Sukajadi kelurahan; never A6 of another kecamatan.
    assert wider["count"] == 5
    assert {i["office_code"] for i in wider["items"]} == {KELURAHAN, SUKAJADI_OTHER}
    one = drill(camat, **params, office=SUKAJADI_OTHER)
    assert [i["office_code"] for i in one["items"]] == [SUKAJADI_OTHER]
    refused = drill(camat, 422, **params, office=OTHER_KELURAHAN)
    assert refused["code"] == "unknown_office"
    admin = Api(server, *server.accounts["admin"])
    assert drill(admin, **params)["count"] == 6
    for role in ("operator", "verifier", "validator"):
        api = Api(server, *server.accounts[role])
        assert drill(api, 403, **params)["code"] == "forbidden"


def test_the_list_is_capped_but_the_count_is_whole(kelurahan_supervisor: Api) -> None:
    body = drill(
        kelurahan_supervisor, report="activity", measure="received", **MAY, service="SKTM", limit=10
    )
    assert (body["count"], body["applications"], body["truncated"]) == (BULK, BULK, True)
    assert len(body["items"]) == body["limit"] == 10
    first = body["items"][0]
    # What the queue shows, nothing more: no history, no documents.
    assert {"id", "registration_number", "service_code", "status", "office_code"} <= set(first)
    assert "history" not in first and "documents" not in first


def test_bad_input(kelurahan_supervisor: Api) -> None:
    api = kelurahan_supervisor
    bad = drill(api, 422, report="audit", measure="received", **MAY)
    assert bad["code"] == "invalid_measure" and "activity" in bad["detail"]
    bad = drill(api, 422, report="activity", measure="met", **MAY)
    assert bad["code"] == "invalid_measure" and "received" in bad["detail"]
    bad = drill(api, 422, report="sla", measure="met")
    assert bad["code"] == "invalid_period"
    bad = drill(api, 422, report="activity", measure="received", **span("2025-05-31", "2025-05-01"))
    assert bad["code"] == "invalid_period"
    bad = drill(api, 422, report="steps", measure="verified", **span("2019-01-01", "2025-01-02"))
    assert "5 tahun" in bad["detail"]
    assert drill(api, 422, report="activity", measure="received", **MAY, limit=0)
    # An empty period is an empty list, not an error.
    empty = drill(api, report="activity", measure="verified", **span("2024-01-01", "2024-01-31"))
    assert (empty["count"], empty["items"], empty["truncated"]) == (0, [], False)


def test_a_row_grouped_by_office_is_that_office_alone(server: LiveServer) -> None:
    """A kecamatan's row of a report by office counts its own applications; its kelurahan have
    their own rows. `office_only` asks for that row; without it `office` is a subtree."""
    camat = Api(server, *server.accounts["camat"])
    body = report(camat, "activity", **MAY, group="month", by="office,service")
    assert {r["office_code"] for r in body["rows"]} == {KELURAHAN, SUKAJADI_OTHER}
    for row in body["rows"]:
        cell = {**MAY, "office": row["office_code"], "service": row["service_code"]}
        for measure in COUNTS:
            got = drill(camat, report="activity", measure=measure, office_only=True, **cell)
            check(got, row[measure])
    params = {**MAY, "report": "activity", "measure": "received", "office": KECAMATAN}
    assert drill(camat, **params)["count"] == 4 + BULK + 1  # the subtree: both kelurahan
    assert drill(camat, **params, office_only=True)["count"] == 0  # nothing at the kecamatan
    for row in report(camat, "backlog", by="office")["rows"]:
        office = row["office_code"]
        got = drill(camat, report="backlog", measure="total", office=office, office_only=1)
        check(got, row["total"])
