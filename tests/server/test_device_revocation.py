"""Revoking a device (issue 14): an administrator revokes a PC in their scope, and from then on
every request of a session on that PC - outbox posts, pulls, audit pushes, refresh, sign-in -
answers 403 ``device_revoked`` with the Indonesian explanation; revoking again answers the same.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.live_server import LiveServer
from tests.server.audit_chains import Chain
from tests.server.conftest import Api, application_body, new_nik, run_sql

KELURAHAN = "14.71.01.1002"
OTHER_KELURAHAN = "14.71.02.1001"


def _user(admin: Api, roles: list[str], office: str) -> tuple[str, str]:
    username = "r" + uuid.uuid4().hex[:10]
    password = "rahasia-" + uuid.uuid4().hex[:6]
    body = {
        "username": username,
        "full_name": "Uji Pencabutan",
        "password": password,
        "roles": roles,
        "office_code": office,
    }
    r = admin.post("/users", json=body)
    assert r.status_code == 201, r.text
    return username, password


def _device(admin: Api, device_id: str) -> dict[str, Any]:
    (row,) = [d for d in admin.get("/devices").json()["items"] if d["device_id"] == device_id]
    return dict(row)


def _assert_revoked(r: Any) -> None:
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["code"] == "device_revoked"
    assert "dicabut oleh administrator" in problem["detail"]
    assert "tetap tersimpan dan dapat diekspor" in problem["detail"]


def test_a_revoked_device_can_no_longer_sync_or_sign_in(
    live_server: LiveServer, login: Any
) -> None:
    admin = login("admin")
    username, password = _user(admin, ["operator"], KELURAHAN)
    op = Api(live_server, username, password)
    app = op.create(nik=new_nik())  # works before the revocation
    chain = Chain(op.me["id"], device_id=op.device_id)
    assert op.post("/audit", json={"events": chain.events(1)}).status_code == 200
    assert _device(admin, op.device_id)["revoked_at"] is None

    r = admin.post(f"/devices/{op.device_id}/revoke", json={"reason": "Laptop hilang dicuri"})
    assert r.status_code == 200, r.text
    (row,) = r.json()["items"]
    assert row["revoked_reason"] == "Laptop hilang dicuri"
    assert row["revoked_by_username"] == admin.username
    assert row["revoked_at"] is not None

    # Every kind of sync request of that PC's session is refused, with the same problem.
    body = application_body(KELURAHAN, "SK-DOMISILI", True, None, nik=new_nik())
    _assert_revoked(
        op.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    )
    _assert_revoked(op.post(f"/applications/{app['id']}/claim"))
    _assert_revoked(op.get("/applications/changes", params={"since": 0}))
    _assert_revoked(op.post("/audit", json={"events": chain.events(1)}))
    _assert_revoked(op.get("/me"))
    _assert_revoked(
        op.http.post(
            live_server.api + "/auth/refresh",
            json={"refresh_token": op.tokens["refresh_token"]},
            timeout=30,
        )
    )
    # Signing in again on that PC, even as another user of another office, is refused too;
    # a wrong password still counts as one (the revocation is not told to a guesser).
    login_body = {"username": username, "password": password, "device_id": op.device_id}
    _assert_revoked(op.http.post(live_server.api + "/auth/login", json=login_body, timeout=30))
    other_name, other_password = _user(admin, ["operator"], OTHER_KELURAHAN)
    other = {"username": other_name, "password": other_password, "device_id": op.device_id}
    _assert_revoked(op.http.post(live_server.api + "/auth/login", json=other, timeout=30))
    wrong = {**login_body, "password": "salah-sekali"}
    assert op.http.post(live_server.api + "/auth/login", json=wrong, timeout=30).status_code == 401

    # The same user on another PC works as before.
    elsewhere = Api(live_server, username, password)
    assert elsewhere.get("/applications/changes", params={"since": 0}).status_code == 200

    listed = _device(admin, op.device_id)
    assert listed["revoked_reason"] == "Laptop hilang dicuri"
    assert listed["revoked_at"] == row["revoked_at"]
    assert _device(admin, elsewhere.device_id)["revoked_at"] is None


def test_revoking_is_audited_idempotent_and_needs_a_reason(
    live_server: LiveServer, login: Any
) -> None:
    admin = login("admin")
    username, password = _user(admin, ["operator"], KELURAHAN)
    op = Api(live_server, username, password)
    path = f"/devices/{op.device_id}/revoke"
    for reason in ("", "  ", "ab", "x" * 501):
        r = admin.post(path, json={"reason": reason})
        assert r.status_code == 422, (reason, r.text)
    assert admin.post(path, json={}).status_code == 422
    assert op.get("/me").status_code == 200  # none of these revoked it

    tx = str(uuid.uuid4())
    first = admin.post(path, json={"reason": "Komputer dipensiunkan", "transaction_id": tx})
    assert first.status_code == 200, first.text
    again = admin.post(path, json={"reason": "alasan lain", "transaction_id": tx})
    assert again.status_code == 200 and again.json() == first.json()
    other = admin.post(path, json={"reason": "alasan lain"})
    assert other.json() == first.json()  # the first revocation's time and reason are kept

    rows = run_sql(live_server, "SELECT actor_id, details FROM audit_log WHERE kind = ?",
                   ("device_revoked",))  # fmt: skip
    # SQLite gives the JSON column as text, PostgreSQL as an object.
    decoded = [(actor, d if isinstance(d, dict) else json.loads(d)) for actor, d in rows]
    mine = [(actor, d) for actor, d in decoded if d["device_id"] == op.device_id]
    assert len(mine) == 1, mine
    actor, details = mine[0]
    assert actor == admin.me["id"]
    assert details["reason"] == "Komputer dipensiunkan"
    assert details["transaction_id"] == tx
    assert details["device_codes"] == [f"{KELURAHAN}/{op.me['device_code']}"]


def test_revocation_stays_in_the_admins_scope(live_server: LiveServer, login: Any) -> None:
    admin = login("admin")  # city level: sees every office
    local_admin_name, local_password = _user(admin, ["admin"], KELURAHAN)
    local_admin = Api(live_server, local_admin_name, local_password)
    there_name, there_password = _user(admin, ["operator"], OTHER_KELURAHAN)
    there = Api(live_server, there_name, there_password)
    here_name, here_password = _user(admin, ["operator"], KELURAHAN)
    here = Api(live_server, here_name, here_password)

    listed = {d["device_id"] for d in local_admin.get("/devices").json()["items"]}
    assert here.device_id in listed and there.device_id not in listed
    r = local_admin.post(f"/devices/{there.device_id}/revoke", json={"reason": "bukan wilayah"})
    assert r.status_code == 404, r.text
    assert there.get("/me").status_code == 200
    assert (
        local_admin.post("/devices/tidak-ada/revoke", json={"reason": "tidak ada"}).status_code
        == 404
    )
    # Not an administrator: refused; the own PC: refused (it would lock the admin out).
    r = here.post(f"/devices/{there.device_id}/revoke", json={"reason": "coba-coba"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = local_admin.post(f"/devices/{local_admin.device_id}/revoke", json={"reason": "diri"})
    assert r.status_code == 409 and r.json()["code"] == "own_device"

    r = local_admin.post(f"/devices/{here.device_id}/revoke", json={"reason": "Pindah tugas"})
    assert r.status_code == 200, r.text
    _assert_revoked(here.get("/me"))
