"""A refresh whose answer was lost: the used token is accepted once more, within the grace
period, from the session's device, while the pair it produced is untouched, and answered with
that same pair. Every other use of a used token is still reuse and ends the session.

Time is the harness server's movable clock (no sleeping past the grace period).
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from server.config import Settings
from tests.live_server import LiveServer
from tests.server.conftest import Api, run_sql
from tests.server.harness import ServerClock, start_harness_server


def _refresh(api: Api, token: str, **headers: str) -> requests.Response:
    return api.http.post(
        api.server.api + "/auth/refresh",
        json={"refresh_token": token},
        headers=headers,
        timeout=30,
    )


def _me(server: LiveServer, access: str) -> int:
    r = requests.get(server.api + "/me", headers={"Authorization": "Bearer " + access}, timeout=30)
    return r.status_code


def _pair(body: dict[str, Any]) -> tuple[str, str]:
    return body["access_token"], body["refresh_token"]


def test_a_lost_refresh_answer_is_given_again_once(harness_server: LiveServer) -> None:
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old)
    assert first.status_code == 200, first.text
    # The answer never arrived; the client sends the same request again.
    again = _refresh(api, old)
    assert again.status_code == 200, again.text
    assert _pair(again.json()) == _pair(first.json())
    assert again.json()["user"]["username"] == "operator1"
    assert _me(harness_server, first.json()["access_token"]) == 200
    # Only once: a third presentation is reuse, and the session ends.
    third = _refresh(api, old)
    assert third.status_code == 401 and third.json()["code"] == "refresh_invalid"
    assert _me(harness_server, first.json()["access_token"]) == 401
    assert _refresh(api, first.json()["refresh_token"]).status_code == 401


def test_after_the_grace_period_it_is_reuse(harness_server: LiveServer, clock: ServerClock) -> None:
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old)
    assert first.status_code == 200, first.text
    clock.advance(seconds=Settings().refresh_grace + 1)
    late = _refresh(api, old)
    assert late.status_code == 401 and late.json()["code"] == "refresh_invalid"
    assert _me(harness_server, first.json()["access_token"]) == 401
    assert _refresh(api, first.json()["refresh_token"]).status_code == 401


def test_within_the_grace_period_by_the_clock(
    harness_server: LiveServer, clock: ServerClock
) -> None:
    """Just inside the period still counts (the boundary is the setting, not "at once")."""
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old)
    assert first.status_code == 200, first.text
    clock.advance(seconds=Settings().refresh_grace - 5)
    again = _refresh(api, old)
    assert again.status_code == 200, again.text
    assert _pair(again.json()) == _pair(first.json())


def test_once_the_new_refresh_token_was_used_the_old_one_is_reuse(
    harness_server: LiveServer,
) -> None:
    """The client evidently got the answer, so the old token now is a copy."""
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old).json()
    second = _refresh(api, first["refresh_token"])
    assert second.status_code == 200, second.text
    stale = _refresh(api, old)
    assert stale.status_code == 401 and stale.json()["code"] == "refresh_invalid"
    assert _me(harness_server, second.json()["access_token"]) == 401
    assert _refresh(api, second.json()["refresh_token"]).status_code == 401


def test_a_token_two_rotations_old_is_reuse(harness_server: LiveServer) -> None:
    api = Api(harness_server, "operator1", "loket-demo")
    oldest = api.tokens["refresh_token"]
    first = _refresh(api, oldest).json()
    second = _refresh(api, first["refresh_token"]).json()
    r = _refresh(api, oldest)
    assert r.status_code == 401
    assert _me(harness_server, second["access_token"]) == 401


def test_a_retry_naming_another_device_is_reuse(harness_server: LiveServer) -> None:
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old).json()
    r = _refresh(api, old, **{"X-Loket-Device": "someone-elses-pc"})
    assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"
    assert _me(harness_server, first["access_token"]) == 401


def _race(server: LiveServer, device_id: str, token: str) -> list[requests.Response]:
    """Two refreshes with `token` released at the same moment."""
    answers: list[requests.Response] = []
    start = threading.Barrier(2)

    def go() -> None:
        with requests.Session() as http:
            http.headers["X-Loket-Device"] = device_id
            start.wait()
            answers.append(
                http.post(server.api + "/auth/refresh", json={"refresh_token": token}, timeout=30)
            )

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_refreshes_racing_get_the_same_pair(harness_server: LiveServer) -> None:
    """A client that retries while its first refresh is still on the way keeps its session
    (several rounds: which of the two takes the row lock first, and when, varies)."""
    api = Api(harness_server, "operator1", "loket-demo")
    token = api.tokens["refresh_token"]
    for _ in range(5):
        answers = _race(harness_server, api.device_id, token)
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        assert _pair(answers[0].json()) == _pair(answers[1].json())
        token = answers[0].json()["refresh_token"]


def test_no_token_is_kept_or_logged_in_plain(harness_server: LiveServer) -> None:
    """The retry answers a pair without storing it: the database keeps keyed hashes only, and
    neither the pair nor the old token reaches the log, the audit chain or the replay store."""
    api = Api(harness_server, "operator1", "loket-demo")
    old = api.tokens["refresh_token"]
    first = _refresh(api, old).json()
    assert _pair(_refresh(api, old).json()) == _pair(first)
    assert _refresh(api, old).status_code == 401  # reuse: logged as a warning
    secrets_seen = {old, first["access_token"], first["refresh_token"]}
    stored = " ".join(
        str(row)
        for table in ("refresh_tokens", "access_tokens", "audit_log", "idempotency")
        for row in run_sql(harness_server, f"SELECT * FROM {table}")
    )
    log = harness_server.log_text()
    for secret in secrets_seen:
        assert secret not in stored
        assert secret not in log
    kinds = [
        row[0]
        for row in run_sql(
            harness_server,
            "SELECT kind FROM audit_log WHERE kind IN ('refresh_retry', 'refresh_reuse')",
        )
    ]
    assert "refresh_retry" in kinds and "refresh_reuse" in kinds


def test_the_grace_period_is_a_setting(monkeypatch: Any) -> None:
    assert Settings().refresh_grace == 60
    monkeypatch.setenv("LOKET_SERVER_REFRESH_GRACE", "0")
    assert Settings.from_env().refresh_grace == 0
    with start_harness_server(extra_env={"LOKET_SERVER_REFRESH_GRACE": "0"}) as server:
        api = Api(server, "operator1", "loket-demo")
        old = api.tokens["refresh_token"]
        first = _refresh(api, old)
        assert first.status_code == 200, first.text
        r = _refresh(api, old)  # 0 turns the retry off: reuse at once
        assert r.status_code == 401 and r.json()["code"] == "refresh_invalid"
        assert _me(server, first.json()["access_token"]) == 401
