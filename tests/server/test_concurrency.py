"""Concurrent writers over real HTTP: one claim wins, numbers never repeat."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.live_server import LiveServer
from tests.server.audit_chains import Chain


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


def test_forty_parallel_letter_numbers_across_types_are_all_distinct(
    live_server: LiveServer,
) -> None:
    """Every formatted number an office issues in a year is unique, across letter types that
    share a klasifikasi (470: domisili, beda nama) and under 40 parallel requests."""
    tokens = [_token(live_server, role) for role in ("operator", "lurah")]
    types = ("sk_domisili", "sk_beda_nama", "sktm", "sk_belum_menikah", "sp_nikah")
    barrier = threading.Barrier(40)

    def allocate(i: int) -> requests.Response:
        barrier.wait()
        return requests.post(
            live_server.api + "/numbers/letter",
            json={
                "office_code": "14.71.01.1002",
                "letter_type": types[i % len(types)],
                "klasifikasi": None,
                "transaction_id": str(uuid.uuid4()),
            },
            headers={"Authorization": "Bearer " + tokens[i % 2]},
            timeout=120,
        )

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(allocate, range(40)))
    assert all(r.status_code == 200 for r in results), [r.text for r in results][:3]
    formatted = [r.json()["formatted"] for r in results]
    assert len(set(formatted)) == 40, sorted(formatted)
    numbers = sorted(r.json()["number"] for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 40))  # one agenda, no gaps


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


def _burst(
    count: int, send: Callable[[requests.Session, int], requests.Response], api: str
) -> list[requests.Response]:
    """`count` requests released at the same instant (real parallel HTTP): each thread opens
    its connection first, so only the request itself is left when the barrier falls."""
    barrier = threading.Barrier(count)

    def go(i: int) -> requests.Response:
        with requests.Session() as http:
            http.get(api + "/health", timeout=60)
            barrier.wait()
            return send(http, i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(go, range(count)))


RACES = ("create", "audit_event", "username", "transaction_id", "edit")


@pytest.mark.parametrize("race", RACES)
def test_parallel_duplicates_get_replays_or_409_never_500(
    live_server: LiveServer, login: Any, race: str
) -> None:
    """The same create (x8), audit event (x4), username (x4) or transaction id on two
    applications, sent at the same instant: one wins, the others get the documented replay or
    409. (On PostgreSQL the losers' inserts failed at the flush with an unhandled
    IntegrityError: 500.) Three rounds each."""
    from tests.server.conftest import application_body

    operator, admin, verifier = login("operator"), login("admin"), login("verifier")

    api = live_server.api

    def post(
        http: requests.Session, who: Any, path: str, body: Any, **headers: str
    ) -> requests.Response:
        return http.post(
            api + path, json=body, headers={**who.http.headers, **headers}, timeout=120
        )

    def same_create() -> None:
        body, key = application_body(operator.me["office"]["code"]), str(uuid.uuid4())
        results = _burst(
            8,
            lambda h, _i: post(h, operator, "/applications", body, **{"Idempotency-Key": key}),
            api,
        )
        assert {r.status_code for r in results} <= {200, 201}, [r.text for r in results][:2]
        assert len({r.text for r in results}) == 1  # every answer is the first one
        detail = operator.get(f"/applications/{body['id']}").json()
        assert [h["action"] for h in detail["history"]] == ["create", "submit"]

    def same_audit_event() -> None:
        event = Chain(operator.me["id"]).event()
        results = _burst(4, lambda h, _i: post(h, operator, "/audit", {"events": [event]}), api)
        assert all(r.status_code == 200 for r in results), [r.text for r in results][:2]
        assert sum(r.json()["accepted"] for r in results) == 1

    def same_username() -> None:
        user = {
            "username": "dup" + uuid.uuid4().hex[:8],
            "full_name": "Pengguna Ganda",
            "password": "panjang-sekali",
            "roles": ["operator"],
            "office_code": "14.71",
        }
        results = _burst(4, lambda h, _i: post(h, admin, "/users", user), api)
        codes = sorted(r.status_code for r in results)
        assert codes == [201, 409, 409, 409], [r.text for r in results]
        assert {r.json()["code"] for r in results if r.status_code == 409} == {"username_taken"}

    def same_transaction_id() -> None:
        apps = [operator.create(), operator.create()]
        for app in apps:
            verifier.claim(app["id"])
        action = {"action": "verify", "expected_version": 2, "transaction_id": str(uuid.uuid4())}
        results = _burst(
            2, lambda h, i: post(h, verifier, f"/applications/{apps[i]['id']}/actions", action), api
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 409)
        assert loser.json()["code"] == "idempotency_conflict"

    def same_edit() -> None:
        """A PATCH replayed x4 at once (the outbox re-sending after a lost answer): one edit,
        one new version, every answer the first one."""
        app = operator.create(submit=False)
        edit = {
            "expected_version": app["version"],
            "transaction_id": str(uuid.uuid4()),
            "data": {"surat.keperluan": "pendaftaran sekolah " + uuid.uuid4().hex[:6]},
        }

        def patch(http: requests.Session, _i: int) -> requests.Response:
            return http.patch(
                f"{api}/applications/{app['id']}",
                json=edit,
                headers=dict(operator.http.headers),
                timeout=120,
            )

        results = _burst(4, patch, api)
        assert {r.status_code for r in results} == {200}, [r.text for r in results][:2]
        assert len({r.text for r in results}) == 1
        detail = operator.get(f"/applications/{app['id']}").json()
        assert detail["version"] == app["version"] + 1
        assert [h["action"] for h in detail["history"]].count("edit") == 1

    one_round = {
        "edit": same_edit,
        "create": same_create,
        "audit_event": same_audit_event,
        "username": same_username,
        "transaction_id": same_transaction_id,
    }[race]
    # The audit replay lost a race on PostgreSQL about once in ten bursts (a batch committed
    # between a request's duplicate check and its chain-head read); enough rounds to see it.
    for _round in range(20 if race == "audit_event" else 3):
        one_round()


def test_login_burst_never_holds_the_write_lock(live_server: LiveServer, login: Any) -> None:
    """Sixteen clients posting log-ins for unknown users (argon2 work each) while an operator
    creates applications: no log-in holds the SQLite write lock during the password check,
    so creates stay fast. The lock is probed directly (an immediate transaction with no
    busy timeout must never find it taken); the create latency is printed, not asserted (a
    timed assertion failed on a loaded CI machine at 5.7 s; the budget belongs in bench/)."""
    import sqlite3

    operator = login("operator")
    stop = threading.Event()

    def spam(_i: int) -> int:
        sent = 0
        with requests.Session() as http:
            while not stop.is_set():
                http.post(
                    live_server.api + "/auth/login",
                    json={
                        "username": f"nobody-{uuid.uuid4().hex[:6]}",
                        "password": "x",
                        "device_id": "burst",
                    },
                    timeout=60,
                )
                sent += 1
        return sent

    busy = probes = 0
    latencies: list[float] = []

    def probe_while_creating() -> None:
        nonlocal busy, probes
        for _ in range(3):
            started = time.monotonic()
            operator.create()
            latencies.append(time.monotonic() - started)
            if live_server.db_path is None:
                continue  # PostgreSQL has no database write lock
            conn = sqlite3.connect(live_server.db_path, timeout=0, isolation_level=None)
            try:
                for _probe in range(20):
                    probes += 1
                    try:
                        conn.execute("BEGIN IMMEDIATE")
                        conn.execute("ROLLBACK")
                    except sqlite3.OperationalError:
                        busy += 1
                    time.sleep(0.01)
            finally:
                conn.close()

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(spam, i) for i in range(16)]
        try:
            time.sleep(0.3)
            probe_while_creating()
        finally:
            stop.set()
        sent = sum(f.result() for f in futures)
    print(
        f"\ncreate latency during {sent} parallel bogus log-ins: "
        + ", ".join(f"{x:.2f} s" for x in latencies)
        + f"; write lock found taken in {busy} of {probes} probes"
    )
    assert len(latencies) == 3
    assert sent > 0  # the log-ins really ran alongside
    if live_server.db_path is not None:
        assert probes == 60
    assert busy == 0  # before the fix, a log-in held the write lock through argon2
