"""Each desktop's audit chain must continue on the server: pushed in batches, replays no-ops,
a gap, an edit or a fresh start refused (409 audit_chain_broken, recorded in the server's own
audit), and `GET /audit/verify` walks every chain again."""

from __future__ import annotations

import json
from typing import Any

from tests.live_server import LiveServer
from tests.server.audit_chains import Chain
from tests.server.conftest import Api, run_sql


def _post(api: Api, events: list[dict[str, Any]]) -> Any:
    return api.post("/audit", json={"events": events})


def _chain_report(admin: Api, chain: Chain) -> dict[str, Any]:
    report = admin.get("/audit/verify").json()
    (found,) = [c for c in report["chains"] if c["chain_id"] == chain.chain_id]
    return dict(found)


def test_a_chain_pushed_in_batches_continues_and_replays_change_nothing(login: Any) -> None:
    op, admin = login("operator"), login("admin")
    chain = Chain(op.me["id"], device_id=op.device_id)
    first, second = chain.events(3), chain.events(2)
    r = _post(op, first)
    assert r.status_code == 200 and r.json() == {"accepted": 3, "duplicates": 0}, r.text
    r = _post(op, [*first[1:], *second])  # the answer was lost: sent again with what follows
    assert r.status_code == 200 and r.json() == {"accepted": 2, "duplicates": 2}, r.text
    assert _post(op, second).json() == {"accepted": 0, "duplicates": 2}
    report = _chain_report(admin, chain)
    assert report == {
        "chain_id": chain.chain_id,
        "device_id": op.device_id,
        "events": 5,
        "ok": True,
        "first_bad": None,
        "head": chain.head,
    }


def test_a_gap_is_refused_and_recorded(live_server: LiveServer, login: Any) -> None:
    op, admin = login("operator"), login("admin")
    chain = Chain(op.me["id"], device_id=op.device_id)
    assert _post(op, chain.events(2)).status_code == 200
    lost = chain.event()  # deleted on the PC before it was pushed
    later = chain.events(2)
    r = _post(op, later)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "audit_chain_broken"
    assert problem["chain_id"] == chain.chain_id and problem["event_id"] == later[0]["id"]
    assert problem["position"] == 0 and problem["reason"] == "prev_hash"
    assert problem["expected_prev_hash"] == lost["prev_hash"]
    stored = run_sql(
        live_server,
        "SELECT COUNT(*) FROM client_audit_events WHERE chain_id = ?",
        (chain.chain_id,),
    )
    assert stored == [(2,)]  # nothing of the refused batch
    (details,) = run_sql(
        live_server,
        "SELECT details FROM audit_log WHERE kind = 'client_audit_chain_broken' "
        "ORDER BY idx DESC LIMIT 1",
    )[0]
    recorded = details if isinstance(details, dict) else json.loads(details)
    assert recorded["event_id"] == later[0]["id"] and recorded["chain_id"] == chain.chain_id
    verify = admin.get("/audit/verify").json()
    assert verify["ok"] is True  # the server's own chain holds the refusal, intact
    assert _post(op, [lost, *later]).json() == {"accepted": 3, "duplicates": 0}
    assert _chain_report(admin, chain)["events"] == 5


def test_an_edited_event_is_refused(login: Any) -> None:
    op = login("operator")
    chain = Chain(op.me["id"], device_id=op.device_id)
    events = chain.events(3)
    events[1]["details"] = {"copies": 2}  # changed after it was hashed
    r = _post(op, events)
    assert r.status_code == 409 and r.json()["reason"] == "hash", r.text
    assert r.json()["position"] == 1
    events[1]["kind"] = "lain"
    assert _post(op, events[:1]).status_code == 200  # the first, alone, is fine


def test_a_chain_restarted_from_genesis_is_refused(login: Any) -> None:
    op = login("operator")
    chain = Chain(op.me["id"], device_id=op.device_id)
    assert _post(op, chain.events(2)).status_code == 200
    restarted = Chain(op.me["id"], device_id=op.device_id, chain_id=chain.chain_id)
    r = _post(op, restarted.events(1))
    assert r.status_code == 409 and r.json()["reason"] == "prev_hash", r.text


def test_several_chains_of_one_device_each_continue(login: Any) -> None:
    """A shared counter PC: one store (one chain) per user and office, one device."""
    op = login("operator")
    a = Chain(op.me["id"], device_id="pc-bersama")
    b = Chain("0b7f7a52-1d1e-4a5e-9a44-53a3b1f7c0aa", device_id="pc-bersama")
    mixed = [a.event(), b.event(), a.event(), b.event()]
    assert _post(op, mixed).json() == {"accepted": 4, "duplicates": 0}
    assert _post(op, [b.event(), a.event()]).json() == {"accepted": 2, "duplicates": 0}


def test_events_without_chain_fields_chain_per_sending_device(login: Any) -> None:
    """An older client naming no chain: the sender's device is its chain; its hash must still
    recompute with the sender's user and device."""
    op = login("operator")
    chain = Chain(op.me["id"], device_id=op.device_id, chain_id=op.device_id)
    events = chain.events(2)
    for event in events:
        del event["chain_id"], event["device_id"], event["user_id"]
    r = _post(op, events)
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text


def test_verify_finds_an_event_edited_on_the_server(fresh_server: LiveServer) -> None:
    admin = Api(fresh_server, *fresh_server.accounts["admin"])
    op = Api(fresh_server, *fresh_server.accounts["operator"])
    chain = Chain(op.me["id"], device_id=op.device_id)
    events = chain.events(4)
    assert _post(op, events).status_code == 200
    assert admin.get("/audit/verify").json()["chains_ok"] is True
    run_sql(
        fresh_server,
        "UPDATE client_audit_events SET kind = 'diubah' WHERE id = ?",
        (events[2]["id"],),
    )
    report = admin.get("/audit/verify").json()
    assert report["chains_ok"] is False
    assert _chain_report(admin, chain)["first_bad"] == events[2]["id"]
