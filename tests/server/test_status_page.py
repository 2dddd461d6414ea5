"""The public status check: by the receipt's token and by number + check, HTML and JSON, for
official and provisional numbers, no oracle for wrong look-ups, and slowed enumeration.

A server of its own (a movable clock, a burst of 4 failures, one more a minute) so that its
rate limit touches no other test."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from desktop.domain.records import ApplicationDetail
from server.routes.status import mask_name
from server.status_limit import FailureLimiter, client_key
from tests.live_server import LiveServer
from tests.server.conftest import Api, new_nik
from tests.server.harness import ServerClock, start_harness_server

JSON = {"Accept": "application/json"}
BURST = 4


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {"LOKET_SERVER_STATUS_FAILURES": str(BURST), "LOKET_SERVER_STATUS_REFILL_SECONDS": "60"}
    with start_harness_server(extra_env=env) as live:
        yield live


@pytest.fixture(scope="module")
def operator(server: LiveServer) -> Api:
    return Api(server, *server.accounts["operator"])


def _status(server: LiveServer, path: str, **kw: Any) -> requests.Response:
    return requests.get(server.url + path, timeout=30, **kw)


def _wait_out(server: LiveServer) -> None:
    """Refill the burst (the test's own failures must not leak into the next test)."""
    ServerClock(server).advance(minutes=BURST + 1)


def test_by_token_html_and_json_never_the_nik(server: LiveServer, operator: Api) -> None:
    nik = new_nik()
    app = ApplicationDetail.from_json(operator.create(nik=nik, name="Budi Santoso"))
    assert app.status_token
    page = _status(server, f"/status/{app.status_token}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert app.registration_number in html and "Bu*** Sa***" in html
    assert "Diajukan" in html and 'lang="id"' in html and "viewport" in html
    assert nik not in html and "Santoso" not in html
    assert not re.search(r"""(src|href)=["']?https?://""", html)  # no external assets
    data = _status(server, f"/status/{app.status_token}", headers=JSON).json()
    assert data["number"] == app.registration_number and data["provisional"] is False
    assert data["applicant"] == "Bu*** Sa***" and data["status"] == "submitted"
    assert data["status_label"] == "Diajukan" and data["office_name"]
    assert data["expected_date"] == app.expected_date.isoformat()  # type: ignore[union-attr]
    assert nik not in str(data)


def test_by_number_with_birth_date(server: LiveServer, operator: Api) -> None:
    nik = new_nik()
    app = operator.create(nik=nik, birth_date="1990-04-02")
    number = app["registration_number"]
    for check in ("02-04-1990", "2/4/1990", "02041990"):
        r = _status(server, "/status", params={"number": number, "check": check}, headers=JSON)
        assert r.status_code == 200, (check, r.text)
        assert r.json()["number"] == number
    compact = number.replace("-", "")
    r = _status(server, "/status", params={"number": compact, "check": "2.4.1990"})
    assert r.status_code == 200 and number in r.text


def test_the_nik_tail_is_no_check(server: LiveServer, operator: Api) -> None:
    """The NIK's last four are its serial (mostly 0001-0010) and every masked NIK shows them:
    a number with them must open nothing (it did: 200 with the status)."""
    nik = new_nik()
    number = operator.create(nik=nik, birth_date="1990-04-02")["registration_number"]
    r = _status(server, "/status", params={"number": number, "check": nik[-4:]}, headers=JSON)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert "0001" not in _status(server, "/status").text  # the form no longer asks for it
    ServerClock(server).advance(seconds=61)  # the one failure given back


def test_provisional_number_keeps_working_after_sync(server: LiveServer, operator: Api) -> None:
    provisional = f"SEM-1471011002-D09-261124-{uuid.uuid4().int % 10000:04d}"
    nik = new_nik()
    draft = operator.create(
        submit=False, nik=nik, birth_date="1990-04-02", provisional_number=provisional
    )
    params = {"number": provisional.lower(), "check": "02-04-1990"}
    before = _status(server, "/status", params=params, headers=JSON).json()
    assert before == dict(before, number=provisional, provisional=True, status="draft")
    submitted = operator.act(draft["id"], "submit", draft["version"])["application"]
    after = _status(server, "/status", params=params, headers=JSON).json()
    assert after["number"] == submitted["registration_number"] and after["provisional"] is False
    page = _status(server, f"/status/{draft['status_token']}")
    assert submitted["registration_number"] in page.text


def test_a_bare_or_wrong_lookup_answers_like_an_unknown_one(
    server: LiveServer, operator: Api
) -> None:
    nik = new_nik()
    app = operator.create(nik=nik, birth_date="1990-04-02")
    number = app["registration_number"]
    answers = []
    for params in (
        {"number": number},
        {"number": number, "check": nik[-4:]},
        {"number": number, "check": "03-04-1990"},
        {"number": "1471-261124-9999-0", "check": "02-04-1990"},
    ):
        r = _status(server, "/status", params=params, headers=JSON)
        answers.append((r.status_code, r.json()["detail"], r.json()["code"]))
    assert len(set(answers)) == 1 and answers[0][0] == 404
    _wait_out(server)
    html = _status(server, "/status", params={"number": number}).text
    unknown = _status(server, "/status", params={"number": "SEM-X", "check": "1"}).text
    assert html.replace(number, "N") == unknown.replace("SEM-X", "N")
    _wait_out(server)


def test_enumeration_is_slowed(server: LiveServer, operator: Api) -> None:
    app = operator.create()
    clock = ServerClock(server)
    for _ in range(BURST):
        r = _status(server, f"/status/{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}", headers=JSON)
        assert r.status_code == 404
    blocked = _status(server, f"/status/{app['status_token']}", headers=JSON)
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    page = _status(server, f"/status/{app['status_token']}")
    assert page.status_code == 429 and "Terlalu banyak" in page.text
    clock.advance(seconds=61)
    assert _status(server, f"/status/{app['status_token']}", headers=JSON).status_code == 200
    again = _status(server, "/status", params={"number": "X", "check": "0000"}, headers=JSON)
    assert again.status_code == 404  # the one failure the minute gave back
    assert _status(server, "/status", params={"number": "X", "check": "0"}).status_code == 429
    _wait_out(server)


def test_form_page(server: LiveServer) -> None:
    page = _status(server, "/status")
    assert page.status_code == 200
    assert "<form" in page.text and 'name="number"' not in page.text  # single-quoted attrs
    assert "name='number'" in page.text and "name='check'" in page.text
    assert _status(server, "/status", headers=JSON).status_code == 422


def test_mask_name() -> None:
    """One or two letters a word, then always three stars: short names and lengths stay hidden."""
    assert mask_name("Budi Santoso") == "Bu*** Sa***"
    assert mask_name("Siti") == mask_name("Sitinurbaya") == "Si***"
    assert mask_name("Ng Li") == "N*** L***"
    assert mask_name("Ani") == "A***" and mask_name("A") == "A***"
    assert mask_name("O'Neil Abdurrahmanwahid") == "O'*** Ab***"
    assert mask_name("") == "***"


def test_failures_count_per_ipv6_line_not_per_address() -> None:
    """A phone or home line owns a whole IPv6 /64 and may use any address in it: counted per
    address, every guess had a fresh burst."""
    limiter = FailureLimiter(capacity=2, refill_seconds=60)
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"):
        limiter.failed(client_key(host), now)
    assert limiter.retry_after(client_key("2001:db8:1:2::abcd"), now) == 60
    assert limiter.retry_after(client_key("2001:db8:1:3::1"), now) is None  # another line
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("testclient") == "testclient"
