"""Queue supervision (issue 14): the supervisor's list of active claims (scope, filters, longest
first), reassigning a claim (the claim rules, idempotency by transaction_id, audit), releasing
another's claim with a reason, and the former holder told once on their next claim request."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.live_server import LiveServer
from tests.server.conftest import Api, new_nik, run_sql

KELURAHAN = "14.71.01.1002"
OTHER_KELURAHAN = "14.71.02.1001"


def _submitted(operator: Api, office: str | None = None) -> dict[str, Any]:
    return operator.create(nik=new_nik(), office_code=office)


def _claims(api: Api, **params: str) -> list[dict[str, Any]]:
    r = api.get("/claims", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _reassign(
    api: Api, app_id: str, to: str, reason: str = "Petugas sakit", key: str | None = None
) -> Any:
    body = {"to_user_id": to, "reason": reason, "transaction_id": key or str(uuid.uuid4())}
    return api.post(f"/applications/{app_id}/claim/reassign", json=body)


def _audit(server: LiveServer, app_id: str, kind: str) -> list[dict[str, Any]]:
    rows = run_sql(
        server,
        "SELECT details FROM audit_log WHERE application_id = ? AND kind = ? ORDER BY idx",
        (app_id, kind),
    )
    return [json.loads(d) if isinstance(d, str) else d for (d,) in rows]


def test_the_list_shows_active_claims_in_scope_longest_first(
    live_server: LiveServer, login: Any, new_login: Any
) -> None:
    operator, lurah = login("operator"), new_login("lurah")
    first, second = _submitted(operator), _submitted(operator)
    lurah.claim(first["id"])
    lurah.claim(second["id"])
    other = _submitted(login("operator2"))  # another kelurahan: the camat of 14.71.01 never sees it
    verifier = new_login("verifier")
    verifier.claim(other["id"])

    supervisor = login("supervisor")
    rows = {r["application"]["id"]: r for r in _claims(supervisor)}
    assert {first["id"], second["id"], other["id"]} <= set(rows)
    row = rows[first["id"]]
    assert row["holder"]["username"] == "lurah1"
    assert row["holder"]["full_name"] == "Tengku Said Hamzah, S.Sos."
    assert row["application"]["office_code"] == KELURAHAN
    assert row["application"]["registration_number"] == first["registration_number"]
    assert row["application"]["service_code"] == "SK-DOMISILI"
    assert row["application"]["status"] == "submitted"
    assert row["since"] is not None and row["expires_at"] > row["since"]
    held = [r["held_seconds"] for r in _claims(supervisor)]
    assert held == sorted(held, reverse=True)
    # Filters: one holder (id or username), one office's subtree.
    mine = _claims(supervisor, holder="lurah1")
    assert {r["application"]["id"] for r in mine} >= {first["id"], second["id"]}
    assert all(r["holder"]["username"] == "lurah1" for r in mine)
    by_id = _claims(supervisor, holder=lurah.me["id"])
    assert {r["application"]["id"] for r in by_id} == {r["application"]["id"] for r in mine}
    assert all(
        r["application"]["office_code"] == OTHER_KELURAHAN
        for r in _claims(supervisor, office=OTHER_KELURAHAN)
    )
    # Scope: the camat supervises kecamatan 14.71.01 only.
    camat_ids = {r["application"]["id"] for r in _claims(login("camat"))}
    assert first["id"] in camat_ids and other["id"] not in camat_ids
    # Officers may not look.
    assert operator.get("/claims").status_code == 403
    # A released claim leaves the list.
    assert lurah.delete(f"/applications/{second['id']}/claim").status_code == 204
    assert second["id"] not in {r["application"]["id"] for r in _claims(supervisor)}


def test_reassign_follows_the_claim_rules_and_is_audited_and_idempotent(
    live_server: LiveServer, login: Any, new_login: Any
) -> None:
    operator, lurah, supervisor = login("operator"), new_login("lurah"), login("supervisor")
    app = _submitted(operator)
    lurah.claim(app["id"])
    verifier = new_login("verifier")

    candidates = supervisor.get(f"/applications/{app['id']}/claim/candidates").json()["items"]
    names = {c["username"] for c in candidates}
    assert "verifier1" in names  # may verify a submitted application
    assert "lurah1" not in names  # the holder
    assert "operator1" not in names and "validator1" not in names  # cannot act on "submitted"

    # Someone who cannot act on the current state is refused, with nothing changed.
    r = _reassign(supervisor, app["id"], operator.me["id"])
    assert r.status_code == 422, r.text
    assert "tidak dapat menangani" in r.json()["detail"]
    r = _reassign(supervisor, app["id"], str(uuid.uuid4()))
    assert r.status_code == 422
    r = _reassign(supervisor, app["id"], verifier.me["id"], reason="  ")
    assert r.status_code == 422  # a reason is required
    assert (
        operator.post(
            f"/applications/{app['id']}/claim/reassign",
            json={
                "to_user_id": verifier.me["id"],
                "reason": "coba",
                "transaction_id": str(uuid.uuid4()),
            },
        ).status_code
        == 403
    )
    (row,) = [r for r in _claims(supervisor) if r["application"]["id"] == app["id"]]
    assert row["holder"]["username"] == "lurah1"

    key = str(uuid.uuid4())
    r = _reassign(supervisor, app["id"], verifier.me["id"], "Lurah dinas luar", key)
    assert r.status_code == 200, r.text
    assert r.json()["claim"]["username"] == "verifier1"
    again = _reassign(supervisor, app["id"], verifier.me["id"], "Lurah dinas luar", key)
    assert again.status_code == 200 and again.json() == r.json()
    other_body = _reassign(supervisor, app["id"], verifier.me["id"], "alasan lain", key)
    assert other_body.status_code == 409
    assert other_body.json()["code"] == "idempotency_conflict"
    assert _reassign(supervisor, app["id"], verifier.me["id"]).json()["code"] == "already_holder"

    (row,) = [r for r in _claims(supervisor) if r["application"]["id"] == app["id"]]
    assert row["holder"]["username"] == "verifier1"
    (entry,) = [
        h
        for h in verifier.get(f"/applications/{app['id']}").json()["history"]
        if h["action"] == "reassign"
    ]
    assert entry["reason"] == "Lurah dinas luar"
    assert entry["actor"]["username"] == "supervisor1" and entry["role"] == "supervisor"
    assert entry["details"]["from"] == lurah.me["id"]
    assert entry["details"]["to"] == verifier.me["id"]
    assert entry["transaction_id"] == key
    (audited,) = _audit(live_server, app["id"], "claim_reassigned")
    assert audited["from"] == lurah.me["id"] and audited["to"] == verifier.me["id"]
    assert audited["reason"] == "Lurah dinas luar"
    # The new holder can act on it.
    detail = verifier.get(f"/applications/{app['id']}").json()
    verifier.act(app["id"], "verify", detail["version"], checklist=[])


def test_the_former_holder_is_told_once_on_their_next_claim(
    live_server: LiveServer, login: Any, new_login: Any
) -> None:
    operator, lurah, supervisor = login("operator"), new_login("lurah"), login("supervisor")
    verifier = new_login("verifier")
    number_of = {}
    # Reassigned: the renewal is refused once with the notice, then with the usual 409.
    moved = _submitted(operator)
    number_of[moved["id"]] = moved["registration_number"]
    lurah.claim(moved["id"])
    assert _reassign(supervisor, moved["id"], verifier.me["id"], "Beban kerja").status_code == 200
    r = lurah.post(f"/applications/{moved['id']}/claim")
    assert r.status_code == 409
    problem = r.json()
    assert problem["code"] == "claim_taken_away"
    assert problem["detail"] == (
        f"Klaim permohonan {moved['registration_number']} dialihkan kepada Siti Nurhaliza "
        "Lubis oleh Drs. Hendra Gunawan: Beban kerja"
    )
    assert problem["claim"]["username"] == "verifier1"
    r = lurah.post(f"/applications/{moved['id']}/claim")
    assert r.status_code == 409 and r.json()["code"] == "claimed_by_other"

    # Released with a reason: refused once (never silently taken back), then claimable again.
    freed = _submitted(operator)
    lurah.claim(freed["id"])
    r = supervisor.delete(
        f"/applications/{freed['id']}/claim", params={"reason": "Ditinggal tanpa dikerjakan"}
    )
    assert r.status_code == 204
    r = lurah.post(f"/applications/{freed['id']}/claim")
    assert r.status_code == 409
    assert r.json()["detail"] == (
        f"Klaim permohonan {freed['registration_number']} dilepas oleh Drs. Hendra Gunawan: "
        "Ditinggal tanpa dikerjakan"
    )
    assert "claim" not in r.json()
    assert lurah.post(f"/applications/{freed['id']}/claim").status_code == 200
    (entry,) = [
        h
        for h in lurah.get(f"/applications/{freed['id']}").json()["history"]
        if h["action"] == "release"
    ]
    assert entry["reason"] == "Ditinggal tanpa dikerjakan" and entry["role"] == "supervisor"
    (audited,) = _audit(live_server, freed["id"], "released")
    assert audited["reason"] == "Ditinggal tanpa dikerjakan"
    assert audited["holder"] == lurah.me["id"]
    seen = run_sql(
        live_server,
        "SELECT kind, seen_at FROM claim_notices WHERE user_id = ? AND application_id IN (?, ?)",
        (lurah.me["id"], moved["id"], freed["id"]),
    )
    assert sorted(k for k, _ in seen) == ["reassign", "release"]
    assert all(s is not None for _, s in seen)


def test_own_release_makes_no_notice_and_an_old_client_needs_no_reason(
    live_server: LiveServer, login: Any, new_login: Any
) -> None:
    operator, lurah, supervisor = login("operator"), new_login("lurah"), login("supervisor")
    own = _submitted(operator)
    lurah.claim(own["id"])
    assert lurah.delete(f"/applications/{own['id']}/claim").status_code == 204
    assert lurah.post(f"/applications/{own['id']}/claim").status_code == 200
    # A supervisor's release without a reason (an older desktop) still works and is told.
    assert supervisor.delete(f"/applications/{own['id']}/claim").status_code == 204
    r = lurah.post(f"/applications/{own['id']}/claim")
    assert r.status_code == 409 and r.json()["detail"].endswith("tanpa alasan")
    # An administrator supervises claims too.
    assert lurah.post(f"/applications/{own['id']}/claim").status_code == 200
    admin = login("admin")
    assert own["id"] in {r["application"]["id"] for r in _claims(admin)}


def test_a_disabled_officer_is_never_a_target(
    live_server: LiveServer, login: Any, new_login: Any
) -> None:
    """Bad input (issue 14): a user disabled while signed in elsewhere is not offered and not
    accepted as the new holder; their own session is refused."""
    admin, operator, supervisor = login("admin"), login("operator"), login("supervisor")
    username = "v" + uuid.uuid4().hex[:10]
    body = {
        "username": username,
        "full_name": "Verifikator Dinonaktifkan",
        "password": "rahasia-" + uuid.uuid4().hex[:6],
        "roles": ["verifier"],
        "office_code": "14.71",
    }
    r = admin.post("/users", json=body)
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]
    signed_in = Api(live_server, username, body["password"])
    app = _submitted(operator)
    new_login("lurah").claim(app["id"])
    names = {
        c["username"]
        for c in supervisor.get(f"/applications/{app['id']}/claim/candidates").json()["items"]
    }
    assert username in names
    assert admin.patch(f"/users/{user_id}", json={"disabled": True}).status_code == 200
    names = {
        c["username"]
        for c in supervisor.get(f"/applications/{app['id']}/claim/candidates").json()["items"]
    }
    assert username not in names
    r = _reassign(supervisor, app["id"], user_id)
    assert r.status_code == 422 and "dinonaktifkan" in r.json()["detail"]
    assert signed_in.get("/claims").status_code == 403
    assert signed_in.post(f"/applications/{app['id']}/claim").json()["code"] == "account_disabled"
