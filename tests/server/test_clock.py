"""Time on the server: moved by the tests' harness, never by anything in production.

Each behaviour that waits for time (a claim's lease, token lifetimes, the lock-out window and
its duration, the SLA, a new day and a new year) is checked on the `harness_server` by moving
its clock (`clock.advance(...)`) instead of sleeping or rewriting times in the database. Its
clock only goes forward and outlives the 15-minute access tokens at every jump, so each test
refreshes its tokens after one (or logs in again, past the refresh token's 8 hours).
"""

from __future__ import annotations

import ast
import uuid
from argparse import _SubParsersAction
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from desktop.domain.numbering import parse_registration_number
from desktop.domain.records import parse_datetime
from server.__main__ import build_parser
from server.app import create_app
from server.clock import SYSTEM_CLOCK
from server.config import Settings
from tests.live_server import REPO, LiveServer
from tests.server.conftest import Api
from tests.server.harness import CLOCK_PATH, ServerClock

PASSWORD = "loket-demo"
LEASE = timedelta(minutes=15)
PAST_LEASE = LEASE + timedelta(seconds=1)  # also past the access tokens (900 s)


def _login(server: LiveServer, username: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(
        server.api + "/auth/login",
        json={"username": username, "password": password, "device_id": "dev-clock"},
        timeout=30,
    )


# -- the clock cannot be moved in production -------------------------------------------------------


def test_production_has_no_movable_clock(live_server: LiveServer, tmp_path: Path) -> None:
    """The server as `loket-server serve` runs it has no clock route, runs on the system
    clock, and offers no option or setting that could change either."""
    for method in ("GET", "POST"):
        r = requests.request(method, live_server.url + CLOCK_PATH, json={"seconds": 1}, timeout=30)
        assert r.status_code == 404, (method, r.text)
    app = create_app(Settings(data_dir=tmp_path, secret="uji"))
    assert app.state.loket.clock is SYSTEM_CLOCK
    assert not [r for r in app.routes if "__test__" in getattr(r, "path", "")]
    commands = next(a for a in build_parser()._actions if isinstance(a, _SubParsersAction))
    options = {o for action in commands.choices["serve"]._actions for o in action.option_strings}
    assert options == {
        "-h",
        "--help",
        "--host",
        "--port",
        "--database-url",
        "--no-access-log",
        "--proxy-headers",
    }
    assert not [name for name in Settings.__dataclass_fields__ if "clock" in name]


def test_the_server_never_imports_the_tests() -> None:
    """The movable clock lives in tests/, which is not installed (pyproject: desktop*, server*)
    and which no module of the server imports."""
    for path in (REPO / "server").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n == "tests" or n.startswith("tests.")], path


def test_only_the_clock_reads_the_time() -> None:
    """Every "now" of the server comes from `ServerState.now()`: no module but `server/clock.py`
    reads the wall clock (`seed.py` makes demo data for the moment it runs, outside the app)."""
    readers = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
    found = []
    for path in (REPO / "server").rglob("*.py"):
        if path.name in ("clock.py", "seed.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in readers
            ):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not found


# -- what time does on the server ------------------------------------------------------------------


def test_a_claim_expires_after_its_lease(harness_server: LiveServer, clock: ServerClock) -> None:
    operator = Api(harness_server, "operator1", PASSWORD)
    app = operator.create(service_code="KK-KTPEL-WNI")
    holder = Api(harness_server, "verifier1", PASSWORD)
    holder.claim(app["id"])
    other = Api(harness_server, "verifier2", PASSWORD)
    r = other.post(f"/applications/{app['id']}/claim")
    assert r.status_code == 409 and r.json()["code"] == "claimed_by_other"
    clock.advance(minutes=14, seconds=30)
    assert other.post(f"/applications/{app['id']}/claim").json()["code"] == "claimed_by_other"

    clock.advance(seconds=31)
    holder.refresh()
    other.refresh()
    assert holder.get(f"/applications/{app['id']}").json()["claim"] is None
    mine = holder.get("/applications", params={"claimed_by_me": "true", "limit": 200}).json()
    assert app["id"] not in {i["id"] for i in mine["items"]}
    r = holder.post(
        f"/applications/{app['id']}/actions",
        json={"action": "verify", "expected_version": 2, "transaction_id": str(uuid.uuid4())},
    )
    assert r.status_code == 409 and r.json()["code"] == "claim_required"
    assert other.claim(app["id"])["claim"]["username"] == "verifier2"
    history = holder.get(f"/applications/{app['id']}").json()["history"]
    claims = [h for h in history if h["action"] == "claim"]
    assert len(claims) == 2
    gap = datetime.fromisoformat(claims[1]["server_time"]) - datetime.fromisoformat(
        claims[0]["server_time"]
    )
    assert LEASE < gap < LEASE + timedelta(minutes=1)  # recorded in the server's time


def test_tokens_expire_by_the_servers_clock(harness_server: LiveServer, clock: ServerClock) -> None:
    """The access token lives 15 minutes, the refresh token 8 hours (the defaults)."""
    tokens = _login(harness_server, "operator1").json()

    def me(access: str) -> requests.Response:
        auth = {"Authorization": "Bearer " + access}
        return requests.get(harness_server.api + "/me", headers=auth, timeout=30)

    def refresh(token: str) -> requests.Response:
        return requests.post(
            harness_server.api + "/auth/refresh", json={"refresh_token": token}, timeout=30
        )

    clock.advance(minutes=14, seconds=30)
    assert me(tokens["access_token"]).status_code == 200
    clock.advance(seconds=31)
    r = me(tokens["access_token"])
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    renewed = refresh(tokens["refresh_token"])
    assert renewed.status_code == 200
    fresh = renewed.json()
    assert me(fresh["access_token"]).json()["username"] == "operator1"
    clock.advance(hours=7, minutes=59)
    assert refresh(fresh["refresh_token"]).status_code == 200  # still inside its 8 hours
    again = _login(harness_server, "operator1").json()
    clock.advance(hours=8, seconds=1)
    r = refresh(again["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"


def test_a_lock_out_ends_and_its_window_restarts(
    harness_server: LiveServer, clock: ServerClock
) -> None:
    """Five failures within 15 minutes lock the account for 15 minutes (the defaults)."""
    admin = Api(harness_server, "admin", PASSWORD)
    username, password = "u" + uuid.uuid4().hex[:10], "rahasia-" + uuid.uuid4().hex[:6]
    r = admin.post(
        "/users",
        json={
            "username": username,
            "full_name": "Uji Waktu",
            "password": password,
            "roles": ["operator"],
            "office_code": "14.71.01.1002",
        },
    )
    assert r.status_code == 201, r.text
    for _ in range(4):
        assert _login(harness_server, username, "salah").status_code == 401
    clock.advance(minutes=15, seconds=1)  # the window has passed: counting starts again
    for _ in range(4):
        assert _login(harness_server, username, "salah").status_code == 401
    r = _login(harness_server, username, "salah")
    assert r.status_code == 423 and r.json()["code"] == "account_locked"
    assert 890 <= int(r.headers["Retry-After"]) <= 900
    clock.advance(minutes=14, seconds=50)
    r = _login(harness_server, username, password)
    assert r.status_code == 423 and 1 <= int(r.headers["Retry-After"]) <= 10
    clock.advance(seconds=11)
    assert _login(harness_server, username, password).status_code == 200


def test_an_application_falls_overdue_when_its_sla_passes(
    harness_server: LiveServer, clock: ServerClock
) -> None:
    operator = Api(harness_server, "operator1", PASSWORD)
    app = operator.create(service_code="KK-KTPEL-WNI")  # SLA 24 hours
    params = {"overdue": "true", "service_code": "KK-KTPEL-WNI", "limit": 200}

    def overdue() -> set[str]:
        return {i["id"] for i in operator.get("/applications", params=params).json()["items"]}

    # Due at the end of the SLA's working day (desktop.domain.sla): one minute before it the
    # application is on time, two minutes later overdue.
    due = parse_datetime(app["due_at"])
    assert app["id"] not in overdue()
    clock.advance(seconds=(due - clock.now()).total_seconds() - 60)
    operator.login()  # past the refresh token's 8 hours too
    assert app["id"] not in overdue()
    clock.advance(minutes=2)
    assert app["id"] in overdue()


def test_a_new_year_starts_the_letter_agenda_and_a_new_day_the_registration_count(
    harness_server: LiveServer, clock: ServerClock
) -> None:
    """Letter numbers run per office and year, registration numbers per area and day, both by
    the office's local date (Asia/Jakarta)."""
    operator = Api(harness_server, "operator1", PASSWORD)

    def letter() -> dict[str, object]:
        body = {
            "office_code": "14.71.01.1002",
            "letter_type": "sk_domisili",
            "transaction_id": str(uuid.uuid4()),
        }
        r = operator.post("/numbers/letter", json=body)
        assert r.status_code == 200, r.text
        answer: dict[str, object] = r.json()
        return answer

    operator.create(service_code="SK-DOMISILI")
    this_year = letter()
    zone = ZoneInfo("Asia/Jakarta")
    local = clock.now().astimezone(zone)
    new_year = datetime(local.year + 1, 1, 1, 0, 0, 5, tzinfo=zone)
    clock.advance(seconds=(new_year - clock.now()).total_seconds())
    operator.login()
    first = letter()
    assert first["year"] == this_year["year"] + 1 == local.year + 1  # type: ignore[operator]
    assert first["number"] == 1
    assert str(first["formatted"]).endswith(f"/I/{local.year + 1}")
    registered = operator.create(service_code="SK-DOMISILI")["registration_number"]
    number = parse_registration_number(registered)
    assert (number.issued, number.sequence) == (new_year.date(), 1)
