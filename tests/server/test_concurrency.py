"""Concurrent writers over real HTTP: one claim wins, numbers never repeat."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.live_server import LiveServer


def _token(server: LiveServer, role: str) -> str:
    username, password = server.accounts[role]
    r = requests.post(
        server.api + "/auth/login",
        json={"username": username, "password": password, "device_id": "conc-" + role},
        timeout=30,
    )
    token: str = r.json()["access_token"]
    return token


def test_two_users_claim_at_once_exactly_one_wins(live_server: LiveServer, login: Any) -> None:
    operator = login("operator")
    tokens = [_token(live_server, "verifier"), _token(live_server, "verifier2")]
    for _round in range(5):
        app = operator.create()
        barrier = threading.Barrier(2)

        def claim(token: str, app_id: str = app["id"], gate: Any = barrier) -> requests.Response:
            gate.wait()
            return requests.post(
                f"{live_server.api}/applications/{app_id}/claim",
                headers={"Authorization": "Bearer " + token},
                timeout=60,
            )

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(claim, tokens))
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 409)
        winner = next(r for r in results if r.status_code == 200)
        assert loser.json()["code"] == "claimed_by_other"
        assert loser.json()["claim"]["user_id"] == winner.json()["claim"]["user_id"]
        detail = operator.get(f"/applications/{app['id']}").json()
        assert [h["action"] for h in detail["history"]].count("claim") == 1


def test_fifty_parallel_letter_numbers_are_distinct_and_consecutive(
    live_server: LiveServer,
) -> None:
    tokens = [_token(live_server, role) for role in ("operator", "lurah")]
    letter_type = "sk_usaha"
    barrier = threading.Barrier(50)

    def allocate(i: int) -> requests.Response:
        barrier.wait()
        return requests.post(
            live_server.api + "/numbers/letter",
            json={
                "office_code": "14.71.01.1002",
                "letter_type": letter_type,
                "klasifikasi": None,
                "transaction_id": str(uuid.uuid4()),
            },
            headers={"Authorization": "Bearer " + tokens[i % 2]},
            timeout=120,
        )

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(allocate, range(50)))
    assert all(r.status_code == 200 for r in results), [r.text for r in results][:3]
    numbers = sorted(r.json()["number"] for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 50))
    formatted = {r.json()["formatted"] for r in results}
    assert len(formatted) == 50
    assert all(f.startswith("503/") and "/Kel.Jadirejo/" in f for f in formatted)


def test_parallel_submissions_get_unique_registration_numbers(
    live_server: LiveServer, login: Any
) -> None:
    from tests.server.conftest import application_body

    operator = login("operator")
    token = operator.tokens["access_token"]
    office = operator.me["office"]["code"]

    def create(_i: int) -> requests.Response:
        return requests.post(
            live_server.api + "/applications",
            json=application_body(office),
            headers={"Authorization": "Bearer " + token, "Idempotency-Key": str(uuid.uuid4())},
            timeout=120,
        )

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(create, range(40)))
    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    numbers = [r.json()["registration_number"] for r in results]
    assert len(set(numbers)) == 40
    seqs = [r.json()["seq"] for r in results]
    assert len(set(seqs)) == 40
