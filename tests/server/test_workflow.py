"""The workflow over real HTTP: happy path, every refusal, replays, stale versions."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from desktop.domain.numbering import parse_registration_number
from desktop.domain.records import ApplicationDetail, ApplicationSummary, parse_datetime
from tests.server.conftest import application_body

WIB = ZoneInfo("Asia/Jakarta")


def test_full_happy_path(login: Any) -> None:
    """create+submit -> claim -> verify -> validate -> sign -> deliver (adminduk, dinas staff)."""
    operator, verifier, validator = login("operator"), login("verifier"), login("validator")
    app = operator.create(service_code="KK-KTPEL-WNI")
    detail = ApplicationDetail.from_json(app)
    assert detail.status_raw == "submitted"
    assert detail.version == 2
    assert [h.action_raw for h in detail.history] == ["create", "submit"]
    number = parse_registration_number(detail.registration_number or "")
    assert number.area == "1471"
    # 24 h of SLA = one working day after the submission's local date; due at its end.
    assert detail.expected_date is not None and detail.submitted_at is not None
    assert detail.expected_date > detail.submitted_at.astimezone(WIB).date()
    assert detail.expected_date.weekday() < 5
    assert detail.due_at == datetime.combine(
        detail.expected_date + timedelta(days=1), time(), tzinfo=WIB
    )
    app_id = app["id"]

    claim = verifier.claim(app_id)
    assert claim["version"] == 2 and claim["claim"]["username"] == "verifier1"
    result = verifier.act(
        app_id,
        "verify",
        2,
        checklist=[
            {"requirement_code": "KK", "ok": True, "note": None},
            {"requirement_code": "KTP-EL", "ok": True, "note": "asli diperlihatkan"},
        ],
    )
    assert result["entry"]["action"] == "verify"
    assert result["entry"]["checklist"][1]["note"] == "asli diperlihatkan"
    after_verify = ApplicationDetail.from_json(result["application"])
    assert after_verify.status_raw == "verified" and after_verify.version == 3
    assert after_verify.claim is None  # released: the verifier cannot act next

    validator.claim(app_id)
    result = validator.act(app_id, "validate", 3)
    assert result["application"]["claim"]["username"] == "validator1"  # kept: sign is next
    result = validator.act(app_id, "sign", 4)
    assert result["application"]["status"] == "signed"
    assert result["application"]["claim"] is None

    operator.claim(app_id)
    result = operator.act(app_id, "deliver", 5)
    final = ApplicationDetail.from_json(result["application"])
    assert final.status_raw == "completed" and final.version == 6
    actions = [h.action_raw for h in final.history]
    assert actions == [
        "create",
        "submit",
        "claim",
        "verify",
        "claim",
        "validate",
        "sign",
        "claim",
        "deliver",
    ]
    roles = {h.action_raw: h.role for h in final.history}
    assert roles["verify"] == "verifier" and roles["sign"] == "validator"
    assert all(h.server_time for h in final.history)
    # The summary in the list and the feed agree with the detail.
    feed = verifier.get("/applications/changes", params={"since": final.seq - 1}).json()
    summary = next(ApplicationSummary.from_json(i) for i in feed["items"] if i["id"] == app_id)
    assert summary.status_raw == "completed" and summary.seq == final.seq


def test_kelurahan_letter_by_the_lurah(login: Any) -> None:
    operator, lurah = login("operator"), login("lurah")
    app = operator.create(service_code="SKTM")
    lurah.claim(app["id"])
    v = lurah.act(app["id"], "verify", 2)["application"]
    assert v["claim"] is not None  # lurah1 also validates, so the claim stays
    v = lurah.act(app["id"], "validate", 3)["application"]
    v = lurah.act(app["id"], "sign", 4)["application"]
    assert v["status"] == "signed"


def test_draft_then_submit_and_discard(login: Any) -> None:
    operator = login("operator")
    draft = operator.create(submit=False)
    assert draft["status"] == "draft" and draft["registration_number"] is None
    assert draft["version"] == 1 and draft["due_at"] is None
    submitted = operator.act(draft["id"], "submit", 1)["application"]  # no claim needed
    assert submitted["registration_number"] and submitted["status"] == "submitted"
    other = operator.create(submit=False)
    operator.act(other["id"], "discard", 1, expect=409)  # discard needs a claim
    operator.claim(other["id"])
    done = operator.act(other["id"], "discard", 1)["application"]
    assert done["status"] == "cancelled"


def test_refusals(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    draft = operator.create(submit=False)
    # wrong state: verifying a draft (the state is checked first)
    r = verifier.post(
        f"/applications/{draft['id']}/actions",
        json={
            "action": "verify",
            "reason": None,
            "expected_version": 1,
            "transaction_id": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    assert ApplicationDetail.from_json(r.json()["current"]).status_raw == "draft"

    app = operator.create()
    app_id, version = app["id"], app["version"]
    # role: an operator may not verify
    operator.claim(app_id, expect=403)  # an operator cannot even claim a submitted application
    r = operator.post(
        f"/applications/{app_id}/actions",
        json={"action": "verify", "expected_version": version, "transaction_id": str(uuid.uuid4())},
    )
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    # claim: verifying without a claim
    r = verifier.post(
        f"/applications/{app_id}/actions",
        json={"action": "verify", "expected_version": version, "transaction_id": str(uuid.uuid4())},
    )
    assert r.status_code == 409 and r.json()["code"] == "claim_required"
    verifier.claim(app_id)
    # reason: reject / request_revision without (or with a blank) reason
    for action, reason in (("reject", None), ("request_revision", "   ")):
        r = verifier.post(
            f"/applications/{app_id}/actions",
            json={
                "action": action,
                "reason": reason,
                "expected_version": version,
                "transaction_id": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 422 and r.json()["code"] == "reason_required", r.text
    # claimed by another verifier
    other = login("verifier2")
    r = other.post(f"/applications/{app_id}/claim")
    assert r.status_code == 409 and r.json()["code"] == "claimed_by_other"
    assert r.json()["claim"]["username"] == "verifier1"
    r = other.post(
        f"/applications/{app_id}/actions",
        json={"action": "verify", "expected_version": version, "transaction_id": str(uuid.uuid4())},
    )
    assert r.status_code == 409 and r.json()["code"] == "claim_required"
    assert r.json()["claim"]["username"] == "verifier1"
    # with a reason it works, and the application goes back to the operator
    res = verifier.act(app_id, "request_revision", version, reason="KK buram, pindai ulang")
    assert res["application"]["status"] == "needs_revision"
    assert res["entry"]["reason"] == "KK buram, pindai ulang"
    again = operator.act(app_id, "resubmit", version + 1)["application"]
    assert again["status"] == "submitted"
    assert again["registration_number"] == app["registration_number"]  # kept


def test_stale_version_is_409_with_current(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    app = operator.create()
    verifier.claim(app["id"])
    r = verifier.post(
        f"/applications/{app['id']}/actions",
        json={
            "action": "verify",
            "expected_version": app["version"] - 1,
            "transaction_id": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "version_conflict"
    assert body["current"]["version"] == app["version"]
    ApplicationDetail.from_json(body["current"])


def test_replayed_transaction_is_applied_once(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    app = operator.create()
    verifier.claim(app["id"])
    tx = str(uuid.uuid4())
    first = verifier.act(app["id"], "verify", app["version"], transaction_id=tx)
    replay = verifier.act(app["id"], "verify", app["version"], transaction_id=tx)
    assert replay == first  # the original body, although the version has moved on
    detail = verifier.get(f"/applications/{app['id']}").json()
    assert [h["action"] for h in detail["history"]].count("verify") == 1
    assert detail["version"] == app["version"] + 1
    # the same transaction id with another body is a conflict, not a silent replay
    r = verifier.post(
        f"/applications/{app['id']}/actions",
        json={
            "action": "reject",
            "reason": "x",
            "expected_version": app["version"],
            "transaction_id": tx,
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


def test_create_is_idempotent(login: Any) -> None:
    operator = login("operator")
    key = str(uuid.uuid4())
    body = application_body(operator.me["office"]["code"])
    r1 = operator.post("/applications", json=body, headers={"Idempotency-Key": key})
    r2 = operator.post("/applications", json=body, headers={"Idempotency-Key": key})
    assert r1.status_code == 201 and r2.status_code in (200, 201)
    assert r1.json() == r2.json()
    # Same id and body under another key: also a replay.
    r3 = operator.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r3.status_code in (200, 201) and r3.json()["id"] == body["id"]
    assert r3.json()["registration_number"] == r1.json()["registration_number"]
    # Same key, other body.
    changed = dict(body, applicant=dict(body["applicant"], name="Orang Lain"))
    r4 = operator.post("/applications", json=changed, headers={"Idempotency-Key": key})
    assert r4.status_code == 409 and r4.json()["code"] == "idempotency_conflict"
    # Same id, other body, new key.
    r5 = operator.post(
        "/applications", json=changed, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert r5.status_code == 409 and r5.json()["code"] == "idempotency_conflict"
    detail = operator.get(f"/applications/{body['id']}").json()
    assert detail["applicant"]["name"] == "Siti Rahmawati"
    assert [h["action"] for h in detail["history"]] == ["create", "submit"]


def test_create_refusals(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    office = operator.me["office"]["code"]
    bad = [
        ({"service_code": "NOPE"}, 422, "unknown_service"),
        ({"office_code": "14.71.02.1001"}, 422, "unknown_office"),  # outside scope
        ({"office_code": "99.99"}, 422, "unknown_office"),
        ({"service_code": "BIODATA-WNI"}, 422, "validation_error"),  # dinas-only service
    ]
    for change, status, code in bad:
        body = application_body(office)
        body.update(change)
        r = operator.post(
            "/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == status and r.json()["code"] == code, (change, r.text)
    body = application_body(office, nik="1471019999990001")  # impossible date in the NIK
    r = operator.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "applicant", "nik"]
    r = verifier.post(
        "/applications",
        json=application_body("14.71"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = operator.post("/applications", json=application_body(office))
    assert r.status_code == 422  # Idempotency-Key is required


def test_release_by_holder_and_supervisor(login: Any) -> None:
    operator, verifier, supervisor = login("operator"), login("verifier"), login("supervisor")
    app = operator.create()
    verifier.claim(app["id"])
    other = login("verifier2")
    r = other.delete(f"/applications/{app['id']}/claim")
    assert r.status_code == 409 and r.json()["code"] == "claimed_by_other"
    assert supervisor.delete(f"/applications/{app['id']}/claim").status_code == 204
    other.claim(app["id"])  # free again
    assert other.delete(f"/applications/{app['id']}/claim").status_code == 204
    assert other.delete(f"/applications/{app['id']}/claim").status_code == 204  # no-op
    hist = [h["action"] for h in verifier.get(f"/applications/{app['id']}").json()["history"]]
    assert hist == ["create", "submit", "claim", "release", "claim", "release"]


def test_claim_renewal_extends_lease(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    app = operator.create()
    first = verifier.claim(app["id"])
    second = verifier.claim(app["id"])
    assert parse_datetime(second["claim"]["expires_at"]) >= parse_datetime(
        first["claim"]["expires_at"]
    )
    lease = parse_datetime(first["claim"]["expires_at"]) - parse_datetime(
        verifier.get(f"/applications/{app['id']}").json()["history"][-1]["server_time"]
    )
    assert timedelta(minutes=14) < lease <= timedelta(minutes=15)
    hist = [h["action"] for h in verifier.get(f"/applications/{app['id']}").json()["history"]]
    assert hist.count("claim") == 1  # a renewal is not a new history entry


def test_adminduk_is_decided_at_the_dinas(live_server: Any, login: Any) -> None:
    """A lurah (verifier + validator of kelurahan letters) cannot claim, verify, validate or
    sign a Disdukcapil application taken in at the kelurahan; neither can kecamatan staff.
    The dinas verifier can, and the lurah still decides kelurahan letters."""
    from tests.server.conftest import Api

    operator, lurah, verifier = login("operator"), login("lurah"), login("verifier")
    app = operator.create(service_code="KK-KTPEL-WNI")
    r = lurah.post(f"/applications/{app['id']}/claim")
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed", r.text
    assert "dinas" in r.json()["detail"] and "kelurahan" in r.json()["detail"]
    for action in ("verify", "reject", "validate"):
        r = lurah.post(
            f"/applications/{app['id']}/actions",
            json={
                "action": action,
                "reason": "alasan",
                "expected_version": 2,
                "transaction_id": str(uuid.uuid4()),
            },
        )
        expected = "wrong_state" if action == "validate" else "role_not_allowed"
        assert r.json()["code"] == expected, (action, r.text)
    # Kecamatan staff with the right roles: not the deciding level either.
    admin = login("admin")
    username = "kec" + uuid.uuid4().hex[:8]
    r = admin.post(
        "/users",
        json={
            "username": username,
            "full_name": "Petugas Kecamatan",
            "password": "rahasia-kecamatan",
            "roles": ["verifier", "validator"],
            "office_code": "14.71.01",
        },
    )
    assert r.status_code == 201, r.text
    kecamatan = Api(live_server, username, "rahasia-kecamatan")
    r = kecamatan.post(f"/applications/{app['id']}/claim")
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    # Disdukcapil decides; the validator there validates and signs.
    verifier.claim(app["id"])
    verifier.act(app["id"], "verify", 2)
    r = lurah.post(f"/applications/{app['id']}/claim")
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    validator = login("validator")
    validator.claim(app["id"])
    validator.act(app["id"], "validate", 3)
    assert validator.act(app["id"], "sign", 4)["application"]["status"] == "signed"
    # A kelurahan letter at the same counter: the lurah's, start to end.
    letter = operator.create(service_code="SK-USAHA")
    lurah.claim(letter["id"])
    lurah.act(letter["id"], "verify", 2)
    lurah.act(letter["id"], "validate", 3)
    assert lurah.act(letter["id"], "sign", 4)["application"]["status"] == "signed"
