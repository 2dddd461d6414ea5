"""History entries name the request that made them (`transaction_id`), so a client whose answer
was lost, or who meets a 409, finds its own decision by id rather than by position; and the
same id sent again is the same answer, never a second entry."""

from __future__ import annotations

import uuid
from typing import Any

from desktop.domain.records import ApplicationDetail
from tests.server.conftest import application_body


def _history(api: Any, app_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = api.get(f"/applications/{app_id}").json()["history"]
    return entries


def test_every_entry_carries_the_id_of_its_request(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    create_key = str(uuid.uuid4())
    app = operator.create(key=create_key)
    claim_key, decide_tx = str(uuid.uuid4()), str(uuid.uuid4())
    r = verifier.post(f"/applications/{app['id']}/claim", headers={"Idempotency-Key": claim_key})
    assert r.status_code == 200, r.text
    decided = verifier.act(app["id"], "verify", app["version"], transaction_id=decide_tx)
    assert decided["entry"]["transaction_id"] == decide_tx
    history = _history(verifier, app["id"])
    assert [(h["action"], h["transaction_id"]) for h in history] == [
        ("create", create_key),
        ("submit", None),  # made by the same create request; its key is on `create`
        ("claim", claim_key),
        ("verify", decide_tx),
    ]
    # The desktop's parser takes the new field in its stride.
    ApplicationDetail.from_json(verifier.get(f"/applications/{app['id']}").json())


def test_a_409_names_the_earlier_decision_by_id(login: Any) -> None:
    """Someone acted after my lost decision: the conflict's `current` still lists my decision
    under my transaction id, wherever it is in the history."""
    operator, verifier = login("operator"), login("verifier")
    app = operator.create()
    verifier.claim(app["id"])
    mine = str(uuid.uuid4())
    verifier.act(app["id"], "verify", app["version"], transaction_id=mine)  # answer "lost"
    # Sent again as a new decision on the version the client still has: a conflict.
    r = verifier.post(
        f"/applications/{app['id']}/actions",
        json={
            "action": "verify",
            "reason": None,
            "expected_version": app["version"],
            "transaction_id": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    current = r.json()["current"]["history"]
    found = [h for h in current if h["transaction_id"] == mine]
    assert len(found) == 1 and found[0]["action"] == "verify"


def test_a_replay_after_the_answer_was_lost_is_the_same_answer(login: Any) -> None:
    """The first answer never reached the client; meanwhile the application moved on. The
    replay returns the first answer and adds nothing."""
    operator, verifier, validator = login("operator"), login("verifier"), login("validator")
    app = operator.create()
    verifier.claim(app["id"])
    tx = str(uuid.uuid4())
    first = verifier.act(app["id"], "verify", app["version"], transaction_id=tx)
    validator.claim(app["id"])
    validator.act(app["id"], "validate", first["application"]["version"])
    replay = verifier.act(app["id"], "verify", app["version"], transaction_id=tx)
    assert replay == first
    history = _history(verifier, app["id"])
    assert [h["transaction_id"] for h in history].count(tx) == 1
    assert [h["action"] for h in history].count("verify") == 1


def test_claim_and_release_keys_replay_without_a_second_entry(login: Any) -> None:
    operator, verifier, supervisor = login("operator"), login("verifier"), login("supervisor")
    other = login("verifier2")
    app = operator.create()
    claim_key = str(uuid.uuid4())
    path = f"/applications/{app['id']}/claim"
    first = verifier.post(path, headers={"Idempotency-Key": claim_key})
    again = verifier.post(path, headers={"Idempotency-Key": claim_key})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    # A supervisor's release whose answer was lost, replayed after someone else claimed:
    # answered as before, and the new holder keeps the claim.
    release_key = str(uuid.uuid4())
    r = supervisor.delete(path, headers={"Idempotency-Key": release_key})
    assert r.status_code == 204
    other.claim(app["id"])
    r = supervisor.delete(path, headers={"Idempotency-Key": release_key})
    assert r.status_code == 204 and r.content == b""
    detail = verifier.get(f"/applications/{app['id']}").json()
    assert detail["claim"]["username"] == other.username
    actions = [(h["action"], h["transaction_id"]) for h in detail["history"]]
    assert actions[2:] == [("claim", claim_key), ("release", release_key), ("claim", None)]
    # The same key on another application is a conflict, not another's answer.
    app2 = operator.create()
    r = verifier.post(f"/applications/{app2['id']}/claim", headers={"Idempotency-Key": claim_key})
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    # A release key on a release that found no claim is remembered too.
    key = str(uuid.uuid4())
    for _ in range(2):
        r = verifier.delete(f"/applications/{app2['id']}/claim", headers={"Idempotency-Key": key})
        assert r.status_code == 204


def test_one_id_for_two_kinds_of_request_is_a_conflict(login: Any) -> None:
    """History ids are unique: a create key reused as a decision's transaction id is 409
    `idempotency_conflict` (not a 500 from the unique constraint), and changes nothing."""
    operator, verifier = login("operator"), login("verifier")
    key = str(uuid.uuid4())
    body = application_body(operator.me["office"]["code"])
    r = operator.post("/applications", json=body, headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    app = r.json()
    verifier.claim(app["id"])
    r = verifier.post(
        f"/applications/{app['id']}/actions",
        json={"action": "verify", "expected_version": app["version"], "transaction_id": key},
    )
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict", r.text
    detail = verifier.get(f"/applications/{app['id']}").json()
    assert detail["version"] == app["version"]
    assert [h["action"] for h in detail["history"]] == ["create", "submit", "claim"]
