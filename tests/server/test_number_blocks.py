"""`POST /numbers/reserve`: a block of letter numbers for a device to issue offline. A replay of
the same transaction id (its answer lost) is the same block and reserves nothing more; the id is
bound to its user and device, so a copied outbox on another PC never gets the same block."""

from __future__ import annotations

import uuid
from typing import Any

from tests.live_server import LiveServer
from tests.server.conftest import Api, run_sql

OFFICE = "14.71.01.1002"


def _body(tx: str, count: int = 5, letter_type: str = "sktm") -> dict[str, Any]:
    return {"office_code": OFFICE, "letter_type": letter_type, "count": count, "transaction_id": tx}


def _blocks(server: LiveServer, start: int, end: int) -> list[tuple[Any, ...]]:
    return run_sql(
        server,
        "SELECT device_id FROM number_reservations WHERE office_code = ? AND start = ? "
        'AND "end" = ?',
        (OFFICE, start, end),
    )


def test_a_replay_is_the_same_block_and_reserves_nothing_more(
    live_server: LiveServer, new_login: Any
) -> None:
    op = new_login("operator")
    tx = str(uuid.uuid4())
    first = op.post("/numbers/reserve", json=_body(tx))
    assert first.status_code == 200, first.text
    block = first.json()
    again = op.post("/numbers/reserve", json=_body(tx))
    assert again.status_code == 200 and again.json() == block
    assert _blocks(live_server, block["start"], block["end"]) == [(op.device_id,)]
    # The agenda moved on by the block once: the next single number follows it directly.
    nxt = op.post(
        "/numbers/letter",
        json={"office_code": OFFICE, "letter_type": "sktm", "transaction_id": str(uuid.uuid4())},
    )
    assert nxt.json()["number"] == block["end"] + 1


def test_a_new_transaction_id_is_a_new_block(new_login: Any) -> None:
    op = new_login("operator")
    one = op.post("/numbers/reserve", json=_body(str(uuid.uuid4()))).json()
    two = op.post("/numbers/reserve", json=_body(str(uuid.uuid4()))).json()
    assert two["start"] > one["end"]


def test_the_id_is_bound_to_its_body_user_and_device(
    live_server: LiveServer, new_login: Any
) -> None:
    op = new_login("operator")
    tx = str(uuid.uuid4())
    block = op.post("/numbers/reserve", json=_body(tx)).json()
    # Another body under the same id.
    r = op.post("/numbers/reserve", json=_body(tx, count=6))
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    # The same user on another PC (a copied outbox): not this device's block.
    username, password = live_server.accounts["operator"]
    other_pc = Api(live_server, username, password)
    assert other_pc.device_id != op.device_id
    r = other_pc.post("/numbers/reserve", json=_body(tx))
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    # Another user of the office (the lurah numbers letters too).
    r = new_login("lurah").post("/numbers/reserve", json=_body(tx))
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    # ... and the first device still gets its block.
    assert op.post("/numbers/reserve", json=_body(tx)).json() == block
    other_pc.http.close()
