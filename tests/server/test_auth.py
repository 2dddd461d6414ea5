"""Log-in, refresh rotation with reuse detection, log-out, lock-out, disabled accounts."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from server.config import Settings
from tests.live_server import LiveServer
from tests.server.conftest import Api, run_sql


def _login(
    server: LiveServer, username: str, password: str, device_id: str = "dev-auth"
) -> requests.Response:
    return requests.post(
        server.api + "/auth/login",
        json={"username": username, "password": password, "device_id": device_id},
        timeout=30,
    )


def _new_user(
    admin: Api, roles: list[str] | None = None, office: str = "14.71.01.1002"
) -> tuple[str, str, str]:
    username = "u" + uuid.uuid4().hex[:10]
    password = "rahasia-" + uuid.uuid4().hex[:6]
    r = admin.post(
        "/users",
        json={
            "username": username,
            "full_name": "Uji Coba",
            "password": password,
            "roles": roles or ["operator"],
            "office_code": office,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], username, password


def test_login_returns_tokens_and_me(live_server: LiveServer) -> None:
    r = _login(live_server, "operator1", "loket-demo", "dev-me-1")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_expires_in"] == 8 * 3600
    me = body["user"]
    assert me["username"] == "operator1"
    assert me["roles"] == ["operator"]
    assert me["office"] == {
        "code": "14.71.01.1002",
        "name": "Kelurahan Jadirejo",
        "level": "kelurahan",
        "parent_code": "14.71.01",
    }
    assert me["offline_policy"] == {"max_offline_days": 7}
    assert me["device_code"].startswith("D")
    r2 = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + body["access_token"]},
        timeout=30,
    )
    assert r2.status_code == 200
    assert r2.json() == me


def test_device_codes_are_stable_per_device_and_unique_per_office(live_server: LiveServer) -> None:
    first = _login(live_server, "operator1", "loket-demo", "dev-code-A").json()["user"]
    again = _login(live_server, "lurah1", "loket-demo", "dev-code-A").json()["user"]
    other = _login(live_server, "operator1", "loket-demo", "dev-code-B").json()["user"]
    assert first["device_code"] == again["device_code"]  # same PC, same office
    assert other["device_code"] != first["device_code"]


def test_wrong_password_and_unknown_user(live_server: LiveServer) -> None:
    r = _login(live_server, "verifier2", "salah")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_credentials"
    r = _login(live_server, "tidak-ada", "salah")
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


def test_missing_forged_and_malformed_tokens(live_server: LiveServer) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer forged-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer " + "x" * 5000},
    ):
        r = requests.get(live_server.api + "/me", headers=headers, timeout=30)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["code"] == "token_invalid"


def test_refresh_rotates_and_reuse_revokes_the_family(live_server: LiveServer) -> None:
    first = _login(live_server, "operator1", "loket-demo").json()
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": first["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["user"]["username"] == "operator1"
    # The new pair was used, so its client got the answer: the old refresh token presented
    # again is a copy, even within the retry grace period (test_refresh_retry.py).
    r = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + second["access_token"]},
        timeout=30,
    )
    assert r.status_code == 200
    third = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": second["refresh_token"]},
        timeout=30,
    )
    assert third.status_code == 200, third.text
    second = third.json()
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": first["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"
    # ... which revoked the whole family: the new tokens are dead too.
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": second["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"
    r = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + second["access_token"]},
        timeout=30,
    )
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_refresh_with_garbage(live_server: LiveServer) -> None:
    r = requests.post(live_server.api + "/auth/refresh", json={"refresh_token": "nope"}, timeout=30)
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"


def test_logout_revokes_session(live_server: LiveServer) -> None:
    tokens = _login(live_server, "operator1", "loket-demo").json()
    auth = {"Authorization": "Bearer " + tokens["access_token"]}
    r = requests.post(
        live_server.api + "/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=auth,
        timeout=30,
    )
    assert r.status_code == 204
    assert requests.get(live_server.api + "/me", headers=auth, timeout=30).json()["code"] == (
        "token_invalid"
    )
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert r.json()["code"] == "refresh_invalid"
    # Idempotent: logging out again (or with junk) is still 204.
    r = requests.post(
        live_server.api + "/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 204


def test_lockout_after_five_failures(live_server: LiveServer, login: Any) -> None:
    admin = login("admin")
    user_id, username, password = _new_user(admin)
    for attempt in range(4):
        r = _login(live_server, username, "wrong-password")
        assert r.status_code == 401, attempt
    r = _login(live_server, username, "wrong-password")
    assert r.status_code == 423
    body = r.json()
    assert body["code"] == "account_locked"
    assert body["locked_until"].endswith("Z")
    assert int(r.headers["Retry-After"]) > 800
    # Even the right password is refused while locked.
    r = _login(live_server, username, password)
    assert r.status_code == 423 and r.json()["code"] == "account_locked"
    listed = {u["id"]: u for u in admin.get("/users").json()["items"]}
    assert listed[user_id]["locked_until"] is not None
    # An administrator re-enabling the account clears the lock.
    r = admin.patch(f"/users/{user_id}", json={"disabled": False})
    assert r.status_code == 200 and r.json()["locked_until"] is None
    assert _login(live_server, username, password).status_code == 200


def test_disabled_user_cannot_log_in_refresh_or_use_tokens(
    live_server: LiveServer, login: Any
) -> None:
    admin = login("admin")
    user_id, username, password = _new_user(admin)
    tokens = _login(live_server, username, password).json()
    r = admin.patch(f"/users/{user_id}", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    r = _login(live_server, username, password)
    assert r.status_code == 403 and r.json()["code"] == "account_disabled"
    # Disabling revoked the sessions, but tokens of a disabled user say why (the desktop then
    # wipes its offline credential) rather than a plain "log in again".
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["code"] == "account_disabled", r.text
    r = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["code"] == "account_disabled", r.text
    # Re-enabled: the old session stays ended; a new log-in works.
    assert admin.patch(f"/users/{user_id}", json={"disabled": False}).status_code == 200
    r = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=30,
    )
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    assert _login(live_server, username, password).status_code == 200


def test_disabled_refresh_gives_account_disabled(live_server: LiveServer, login: Any) -> None:
    """Disabling ends sessions; a user disabled directly in the database (no revocation)
    still gets 403 account_disabled on refresh, and the refresh ends the session."""
    admin = login("admin")
    _user_id, username, password = _new_user(admin)
    tokens = _login(live_server, username, password).json()
    run_sql(live_server, "UPDATE users SET disabled = ? WHERE username = ?", (True, username))
    r = requests.post(
        live_server.api + "/auth/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["code"] == "account_disabled"
    revoked = run_sql(
        live_server,
        "SELECT s.revoked_reason FROM auth_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE u.username = ?",
        (username,),
    )
    assert revoked == [("disabled",)]
    r = requests.get(
        live_server.api + "/me",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["code"] == "account_disabled"


def test_parallel_wrong_passwords_lock_the_account(live_server: LiveServer, login: Any) -> None:
    """40 wrong passwords at once are counted one by one (no lost updates while each request
    spends ~90 ms in argon2): the 5th locks the account, every later one is told so."""
    admin = login("admin")
    _user_id, username, password = _new_user(admin)
    attempts = 40
    barrier = threading.Barrier(attempts)

    def attempt(i: int) -> int:
        barrier.wait()
        return _login(live_server, username, f"salah-{i}", f"dev-lock-{i}").status_code

    with ThreadPoolExecutor(attempts) as pool:
        codes = Counter(pool.map(attempt, range(attempts)))
    assert codes == {401: 4, 423: attempts - 4}, codes
    r = _login(live_server, username, password)
    assert r.status_code == 423 and r.json()["code"] == "account_locked", r.text
    kinds = run_sql(
        live_server,
        "SELECT a.kind FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE u.username = ?",
        (username,),
    )
    assert Counter(k for (k,) in kinds) == {"login_failed": 4, "account_locked": 1}


def test_device_is_the_sessions_not_the_headers(live_server: LiveServer) -> None:
    """History records the device the session logged in from; another X-Loket-Device header
    is only recorded as reported (in the audit chain), never used as the device."""
    operator = Api(live_server, "operator1", "loket-demo", device_id="dev-real-pc")
    operator.http.headers["X-Loket-Device"] = "dev-someone-else"
    app = operator.create()
    assert {h["device_id"] for h in app["history"]} == {"dev-real-pc"}
    rows = run_sql(
        live_server,
        "SELECT details FROM audit_log WHERE application_id = ? AND kind = ?",
        (app["id"], "application_created"),
    )
    details = rows[0][0]
    details = json.loads(details) if isinstance(details, str) else details
    assert details["reported_device"] == "dev-someone-else"


def test_token_lifetimes_are_settings(monkeypatch: Any) -> None:
    """LOKET_SERVER_ACCESS_TTL / _REFRESH_TTL; what happens when the tokens expire is in
    test_clock.py (the server's clock moved, rather than times rewritten in the database)."""
    monkeypatch.setenv("LOKET_SERVER_ACCESS_TTL", "1")
    monkeypatch.setenv("LOKET_SERVER_REFRESH_TTL", "60")
    settings = Settings.from_env()
    assert (settings.access_ttl, settings.refresh_ttl) == (1, 60)


def test_admin_endpoints_need_admin(login: Any) -> None:
    op = login("operator")
    for path in ("/users", "/devices", "/audit/verify"):
        r = op.get(path)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", path
    admin = login("admin")
    assert admin.get("/devices").status_code == 200
    r = admin.post(
        "/users",
        json={
            "username": "operator1",
            "full_name": "x",
            "password": "panjang-sekali",
            "roles": ["operator"],
            "office_code": "14.71",
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "username_taken"
