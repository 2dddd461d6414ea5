"""The fault proxy (tests/faultproxy.py) in front of the real server: each mode does what it
says, the server keeps what it committed, and a replay with the same id repairs a lost answer
without a duplicate."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from server.specimens import specimen_pdf
from tests.faultproxy import FaultProxy, Mode
from tests.live_server import LiveServer, free_port
from tests.server.conftest import Api, run_sql


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[FaultProxy]:
    with FaultProxy(live_server.url) as made:
        yield made
    assert not [t for t in threading.enumerate() if t.name.startswith("faultproxy")]
    gc.collect()  # an unclosed socket would warn here (warnings are errors)


def _through(server: LiveServer, proxy: FaultProxy) -> LiveServer:
    """The same server, reached through the proxy."""
    return dataclasses.replace(server, url=proxy.url)


def _api(server: LiveServer, proxy: FaultProxy, role: str) -> Api:
    username, password = server.accounts[role]
    return Api(_through(server, proxy), username, password)


def _direct(server: LiveServer, api: Api) -> Api:
    """A second log-in of `api`'s user that bypasses the proxy (to see what the server has)."""
    return Api(server, api.username, api.password)


def test_pass_through_and_mode_switches_on_a_kept_alive_connection(
    live_server: LiveServer, proxy: FaultProxy
) -> None:
    with requests.Session() as http:
        assert http.get(proxy.api + "/health", timeout=10).status_code == 200
        proxy.reset_after_request()
        assert proxy.mode is Mode.RESET
        with pytest.raises(requests.ConnectionError):
            http.get(proxy.api + "/health", timeout=10)
        proxy.pass_through()
        assert http.get(proxy.api + "/health", timeout=10).status_code == 200
    assert proxy.faults == 1


def test_latency_delays_every_answer(proxy: FaultProxy) -> None:
    proxy.latency(400)
    started = time.monotonic()
    r = requests.get(proxy.api + "/health", timeout=10)
    assert r.status_code == 200
    assert time.monotonic() - started >= 0.4
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(proxy.api + "/health", timeout=0.1)


def test_a_decision_whose_answer_was_reset_is_kept_and_replayed_once(
    live_server: LiveServer, proxy: FaultProxy
) -> None:
    operator, verifier = _api(live_server, proxy, "operator"), _api(live_server, proxy, "verifier")
    app = operator.create()
    verifier.claim(app["id"])
    tx = str(uuid.uuid4())
    decision = {
        "action": "verify",
        "reason": None,
        "expected_version": app["version"],
        "transaction_id": tx,
    }
    proxy.reset_after_request(once=True)
    with pytest.raises(requests.ConnectionError):
        verifier.post(f"/applications/{app['id']}/actions", json=decision)
    assert proxy.faults == 1 and proxy.mode is Mode.PASS
    # The server committed it although the client saw only an error.
    seen = _direct(live_server, verifier).get(f"/applications/{app['id']}").json()
    assert seen["version"] == app["version"] + 1
    assert [h["transaction_id"] for h in seen["history"]].count(tx) == 1
    # The outbox sends it again: the same answer, still one entry.
    replay = verifier.post(f"/applications/{app['id']}/actions", json=decision)
    assert replay.status_code == 200, replay.text
    assert replay.json()["entry"]["transaction_id"] == tx
    assert replay.json()["application"]["version"] == app["version"] + 1
    again = verifier.post(f"/applications/{app['id']}/actions", json=decision)
    assert again.json() == replay.json()
    history = verifier.get(f"/applications/{app['id']}").json()["history"]
    assert [h["action"] for h in history].count("verify") == 1


def test_a_lost_refresh_answer_keeps_the_session(
    live_server: LiveServer, proxy: FaultProxy
) -> None:
    operator = _api(live_server, proxy, "operator")
    old = operator.tokens["refresh_token"]
    proxy.reset_after_request(once=True)
    with pytest.raises(requests.ConnectionError):
        operator.post("/auth/refresh", json={"refresh_token": old})
    retried = operator.post("/auth/refresh", json={"refresh_token": old})
    assert retried.status_code == 200, retried.text
    pair = retried.json()
    r = operator.get("/me", headers={"Authorization": "Bearer " + pair["access_token"]})
    assert r.status_code == 200
    # Once only: a third presentation is reuse and ends the session.
    assert operator.post("/auth/refresh", json={"refresh_token": old}).status_code == 401
    r = operator.get("/me", headers={"Authorization": "Bearer " + pair["access_token"]})
    assert r.status_code == 401


def test_a_reserved_block_whose_answer_was_reset_is_the_same_block(
    live_server: LiveServer, proxy: FaultProxy
) -> None:
    operator = _api(live_server, proxy, "operator")
    office = operator.me["office"]["code"]
    body = {
        "office_code": office,
        "letter_type": "sktm",
        "count": 3,
        "transaction_id": str(uuid.uuid4()),
    }
    proxy.reset_after_request(once=True)
    with pytest.raises(requests.ConnectionError):
        operator.post("/numbers/reserve", json=body)
    block = operator.post("/numbers/reserve", json=body).json()
    rows = run_sql(
        live_server,
        "SELECT COUNT(*) FROM number_reservations WHERE office_code = ? AND start = ?",
        (office, block["start"]),
    )
    assert rows == [(1,)]


def test_a_response_cut_after_n_bytes(live_server: LiveServer, proxy: FaultProxy) -> None:
    operator = _api(live_server, proxy, "operator")
    app = operator.create()
    proxy.cut_response(20)  # inside the status line and headers
    with pytest.raises(requests.ConnectionError):
        operator.get(f"/applications/{app['id']}")
    whole = _direct(live_server, operator).get(f"/applications/{app['id']}")
    head = len(b"HTTP/1.1 200 OK\r\n") + sum(len(k) + len(v) + 4 for k, v in whole.headers.items())
    proxy.cut_response(head + 40)  # headers through, the JSON body broken off
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        operator.get(f"/applications/{app['id']}")
    assert proxy.faults == 2
    proxy.pass_through()
    assert operator.get(f"/applications/{app['id']}").json() == whole.json()


def test_an_upload_cut_after_n_bytes_stores_nothing_then_arrives_whole(
    live_server: LiveServer, proxy: FaultProxy
) -> None:
    operator = _api(live_server, proxy, "operator")
    app = operator.create(submit=False)
    data = specimen_pdf("KTP-EL", "uji") + b"\n%" + b"0" * 300_000 + b"\n"
    digest = hashlib.sha256(data).hexdigest()
    doc_id = str(uuid.uuid4())

    def upload() -> requests.Response:
        return operator.put(
            f"/applications/{app['id']}/documents/{doc_id}",
            data=data,
            params={"filename": "ktp.pdf", "requirement_code": "KTP-EL"},
            headers={"Content-Type": "application/pdf", "X-Content-SHA256": digest},
        )

    proxy.cut_request_body(100_000, once=True)
    with pytest.raises(requests.ConnectionError):
        upload()
    assert proxy.faults == 1
    detail: dict[str, Any] = operator.get(f"/applications/{app['id']}").json()
    assert detail["documents"] == []
    r = upload()
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == digest and r.json()["size"] == len(data)
    stored = operator.get(f"/applications/{app['id']}/documents/{doc_id}")
    assert hashlib.sha256(stored.content).hexdigest() == digest


def test_a_black_hole_accepts_and_never_answers(proxy: FaultProxy) -> None:
    proxy.black_hole()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(proxy.api + "/health", timeout=(5, 0.5))
    assert time.monotonic() - started >= 0.5
    assert proxy.accepted == 1
    proxy.pass_through()  # the hole's connection is closed; the next one passes
    assert requests.get(proxy.api + "/health", timeout=10).status_code == 200


def test_a_stopped_server_is_a_connection_error() -> None:
    with FaultProxy(("127.0.0.1", free_port())) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.get(proxy.api + "/health", timeout=10)
        assert proxy.faults == 0  # not a fault the proxy made


def test_close_ends_open_connections(proxy: FaultProxy) -> None:
    """A request hanging in the black hole when the proxy closes ends with an error at once,
    and `close` leaves no thread or socket behind (checked by the fixture)."""
    proxy.black_hole()
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            requests.get(proxy.api + "/health", timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    waiting = threading.Thread(target=hang)
    waiting.start()
    assert proxy.wait_accepted(1)
    started = time.monotonic()
    proxy.close()
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    assert time.monotonic() - started < 5
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)
