"""The satisfaction survey (IKM) against the real reference server: one survey per completed
application, replay-safe by transaction id, and `GET /reports/ikm` equal to the regulation's
formula (`desktop.domain.ikm`) on the seeded set of tests/domain/test_ikm.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from tests.domain.test_ikm import SEEDED
from tests.live_server import LiveServer
from tests.server.conftest import Api, run_sql

CODES = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")


def completed(login: Callable[[str], Api], service_code: str = "SK-DOMISILI") -> dict[str, Any]:
    """A kelurahan letter taken in by operator1, decided and signed by the lurah, handed over
    to the applicant by operator1: completed, as after the counter's Serahkan."""
    operator, lurah = login("operator"), login("lurah")
    app = operator.create(service_code=service_code)
    version = app["version"]
    lurah.claim(app["id"])
    for action in ("verify", "validate", "sign"):
        version = lurah.act(app["id"], action, version)["application"]["version"]
    lurah.delete(f"/applications/{app['id']}/claim")
    operator.claim(app["id"])
    own = {"collector": "pemohon", "name": "Siti Rahmawati", "nik": app["applicant"]["nik"]}
    done = operator.act(app["id"], "deliver", version, handover=own)
    assert done["application"]["status"] == "completed"
    return dict(done["application"])


def body(answers: tuple[int, ...], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "transaction_id": str(uuid.uuid4()),
        **dict(zip(CODES, answers, strict=False)),
    }
    out.update(extra)
    return out


def post(api: Api, app_id: str, payload: dict[str, Any]) -> Any:
    return api.post(f"/applications/{app_id}/survey", json=payload)


def rows(server: LiveServer, app_id: str) -> int:
    found = run_sql(
        server, "SELECT count(*) FROM survey_responses WHERE application_id = ?", (app_id,)
    )
    return int(found[0][0])


def test_submit_replay_and_a_second_survey(login: Any, live_server: LiveServer) -> None:
    operator = login("operator")
    app = completed(login)
    first = body((4, 3, 3, 4, 3, 3, 4, 2, 3), comment="  Petugas   ramah,\tterima kasih  ")
    r = post(operator, app["id"], first)
    assert r.status_code == 201, r.text
    kept = r.json()
    assert kept["answers"] == {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 4,
                               "U8": 2, "U9": 3}  # fmt: skip
    assert kept["comment"] == "Petugas ramah, terima kasih"  # cleaned like other free text
    assert kept["office_code"] == app["office_code"] and kept["service_code"] == "SK-DOMISILI"
    assert kept["collected_by"] == operator.me["id"] and kept["device_id"]
    # A replay (double click, answer lost) answers the first, makes no second row.
    again = post(operator, app["id"], first)
    assert again.status_code == 201 and again.json() == kept
    # The same transaction with other answers is no replay.
    other = dict(first, u1=1)
    assert post(operator, app["id"], other).json()["code"] == "idempotency_conflict"
    # Another survey of the same application: refused, in Indonesian.
    second = post(operator, app["id"], body((1,) * 9))
    assert second.status_code == 409, second.text
    assert second.json()["code"] == "survey_exists"
    assert "sudah diisi" in second.json()["detail"]
    assert rows(live_server, app["id"]) == 1


def test_only_a_completed_application_in_scope(login: Any, live_server: LiveServer) -> None:
    operator = login("operator")
    waiting = operator.create()
    r = post(operator, waiting["id"], body((3,) * 9))
    assert r.status_code == 409 and r.json()["code"] == "wrong_state", r.text
    assert "Selesai" in r.json()["detail"]
    app = completed(login)
    # Another kelurahan's operator does not see the application at all.
    assert post(login("operator2"), app["id"], body((3,) * 9)).status_code == 404
    # A role that hands nothing over does not collect surveys.
    assert post(login("lurah"), app["id"], body((3,) * 9)).status_code == 403
    assert rows(live_server, app["id"]) == 0


def test_bad_answers_are_refused(login: Any, live_server: LiveServer) -> None:
    operator = login("operator")
    app = completed(login)
    for bad in (
        body((3,) * 8),  # U9 missing: every respondent answers all nine
        body((3,) * 8 + (5,)),
        body((0,) + (3,) * 8),
        body((3,) * 9, comment="x" * 1001),
        body((3,) * 9, u10=3),
        dict(body((3,) * 9), u1="3"),  # strict: a number, not text
    ):
        r = post(operator, app["id"], bad)
        assert r.status_code == 422, (bad, r.text)
    assert rows(live_server, app["id"]) == 0
    assert post(operator, app["id"], body((3,) * 9, comment="   ")).json()["comment"] is None


def test_ikm_report_equals_the_formula(fresh_server: LiveServer) -> None:
    """The seeded set (tests/domain/test_ikm.py: IKM 81.25, B) on SK-DOMISILI, and one
    respondent answering 4 everywhere on SK-USAHA; all at operator1's kelurahan."""
    cache: dict[str, Api] = {}

    def login(role: str) -> Api:
        if role not in cache:
            cache[role] = Api(fresh_server, *fresh_server.accounts[role])
        return cache[role]

    operator = login("operator")
    for answers in SEEDED:
        app = completed(login)
        assert post(operator, app["id"], body(answers)).status_code == 201
    usaha = completed(login, "SK-USAHA")
    assert post(operator, usaha["id"], body((4,) * 9)).status_code == 201

    today = date.today()
    period = {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(1)).isoformat(),
    }
    supervisor = login("supervisor")
    r = supervisor.get("/reports/ikm", params=period)
    assert r.status_code == 200, r.text
    report = r.json()
    domisili = {g["service_code"]: g for g in report["by_service"]}["SK-DOMISILI"]
    # By hand (tests/domain/test_ikm.py): NRR 3.5 3.25 2.75 4 3.25 3.25 3.75 2.75 2.75.
    assert domisili["respondents"] == 4
    assert [e["nrr"] for e in domisili["elements"]] == [3.5, 3.25, 2.75, 4, 3.25, 3.25, 3.75,
                                                        2.75, 2.75]  # fmt: skip
    assert (domisili["ikm_unit"], domisili["ikm"], domisili["band"]) == (3.25, 81.25, "B")
    assert domisili["band_label"] == "Baik" and domisili["note"] is None
    # Overall, 5 respondents: totals 14+4, 13+4, 11+4, 16+4, 13+4, 13+4, 15+4, 11+4, 11+4
    # = 153 (117 + 36); sum of NRR = 153 / 5 = 30.6; unit 30.6 / 9 = 3.4; x 25 = 85.00 (B).
    overall = report["overall"]
    assert (overall["respondents"], overall["ikm_unit"], overall["ikm"]) == (5, 3.4, 85.0)
    assert overall["band"] == "B"
    usaha_group = {g["service_code"]: g for g in report["by_service"]}["SK-USAHA"]
    assert (usaha_group["ikm"], usaha_group["band"]) == (100.0, "A")
    [office] = report["by_office"]
    assert office["office_code"] == operator.me["office"]["code"] and office["ikm"] == 85.0
    # The camat's kecamatan holds the kelurahan: the same numbers.
    camat = login("camat").get("/reports/ikm", params=period).json()
    assert camat["overall"]["ikm"] == 85.0
    # Filters; no answers -> "tidak ada data", never a zero.
    only = supervisor.get("/reports/ikm", params={**period, "service": "SK-DOMISILI"}).json()
    assert only["overall"]["ikm"] == 81.25
    for params in (
        {**period, "service": "SK-TIDAK-ADA"},
        {**period, "office": login("operator2").me["office"]["code"]},
        {"from": "2020-01-01", "to": "2020-12-31"},
    ):
        empty = supervisor.get("/reports/ikm", params=params).json()
        assert empty["overall"] == {
            "respondents": 0, "elements": None, "ikm_unit": None, "ikm": None,
            "band": None, "band_label": None, "no_data": True, "note": "tidak ada data",
        }  # fmt: skip
        assert empty["by_office"] == [] and empty["by_service"] == []

    # Five years are answered; more, or an inverted period, are refused (the other reports'
    # rules); an office outside the caller's subtree is refused; operators may not read.
    def problem(api: Api, params: dict[str, str]) -> str:
        r = api.get("/reports/ikm", params=params)
        assert r.status_code == 422, r.text
        return str(r.json()["code"])

    assert supervisor.get("/reports/ikm", params={"from": "2021-01-01", "to": "2025-12-31"}).ok
    assert problem(supervisor, {"from": "2019-01-01", "to": "2025-12-31"}) == "invalid_period"
    assert problem(supervisor, {"from": "2025-01-02", "to": "2025-01-01"}) == "invalid_period"
    other_kelurahan = login("operator2").me["office"]["code"]
    assert problem(login("camat"), {**period, "office": other_kelurahan}) == "unknown_office"
    assert operator.get("/reports/ikm", params=period).status_code == 403
