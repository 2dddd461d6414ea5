"""The counter's intake over real HTTP: new applicant fields and service data, the status
token, edits (PATCH), the duplicate guard, revision reasons per requirement, the handover."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from desktop.domain.records import ApplicationDetail
from tests.server.conftest import Api, new_nik

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_create_keeps_applicant_fields_data_and_token(login: Any) -> None:
    operator = login("operator")
    token = "t" * 10 + uuid.uuid4().hex[:16]
    app = operator.create(
        service_code="SK-DOMISILI",
        birth_place="Pekanbaru",
        rt="003",
        rw="12",
        village_code="14.71.01.1002",
        birth_date="1990-04-02",
        data={"keperluan.tujuan": "  Melamar kerja  ", "keperluan.kosong": " "},
        status_token=token,
    )
    detail = ApplicationDetail.from_json(app)
    assert detail.applicant.birth_place == "Pekanbaru"
    # Cleaned with the form's own rules (applicant_rules.clean_applicant).
    assert (detail.applicant.rt, detail.applicant.rw) == ("003", "012")
    assert detail.applicant.village_code == "1471011002"
    assert detail.applicant.phone == "+6281234567890"
    assert dict(detail.data) == {"keperluan.tujuan": "Melamar kerja"}
    assert detail.status_token == token
    assert detail.expected_date is not None
    # Made by the server when the client sends none: random, URL-safe, >= 22 characters.
    other = ApplicationDetail.from_json(operator.create())
    assert other.status_token is not None and len(other.status_token) >= 22
    assert other.status_token != detail.status_token
    # The token is no one else's: a second application with it is refused.
    r = operator.post(
        "/applications",
        json=_body(operator, status_token=token),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 409 and r.json()["code"] == "status_token_taken"
    # The summaries (list, change feed) never carry the token.
    listed = operator.get("/applications", params={"q": detail.registration_number}).json()
    assert listed["items"] and "status_token" not in listed["items"][0]


def test_create_names_every_bad_field(login: Any) -> None:
    operator = login("operator")
    body = _body(operator)
    body["applicant"].update(nik="1471010101010000", kk_number="1471010101010000")
    body["applicant"]["birth_date"] = "2099-01-01"
    r = operator.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error"
    locs = {tuple(e["loc"]) for e in problem["errors"]}
    assert ("body", "applicant", "nik") in locs
    assert ("body", "applicant", "birth_date") in locs
    assert all(isinstance(e["msg"], str) and e["msg"] for e in problem["errors"])
    bad_key = _body(operator, data={"Bukan Kunci": "x"})
    r = operator.post("/applications", json=bad_key, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "data"]


def test_patch_edits_a_draft_once_and_names_the_fields(login: Any) -> None:
    operator = login("operator")
    draft = operator.create(submit=False, data={"keperluan.tujuan": "Kerja"})
    tx = str(uuid.uuid4())
    applicant = dict(draft["applicant"], name="Siti Rahmawati Putri", address="Jl. Sudirman 1")
    body = {
        "expected_version": draft["version"],
        "transaction_id": tx,
        "applicant": applicant,
        "data": {"keperluan.tujuan": "Sekolah"},
    }
    r = operator.patch(f"/applications/{draft['id']}", json=body)
    assert r.status_code == 200, r.text
    edited = ApplicationDetail.from_json(r.json())
    assert edited.version == draft["version"] + 1
    assert edited.applicant.name == "Siti Rahmawati Putri"
    assert dict(edited.data) == {"keperluan.tujuan": "Sekolah"}
    entry = edited.history[-1]
    assert entry.action_raw == "edit"
    assert set(entry.changed_fields) == {
        "applicant.name",
        "applicant.address",
        "data.keperluan.tujuan",
    }
    assert entry.reason is not None and "nama" in entry.reason and "Sudirman" not in entry.reason
    # A replay is answered as the first time, with no second entry.
    again = operator.patch(f"/applications/{draft['id']}", json=body)
    assert again.status_code == 200 and again.json()["version"] == edited.version
    assert [h["action"] for h in again.json()["history"]].count("edit") == 1
    # A stale version is a conflict.
    stale = dict(body, transaction_id=str(uuid.uuid4()))
    r = operator.patch(f"/applications/{draft['id']}", json=stale)
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    # The change is in the feed.
    feed = operator.get("/applications/changes", params={"since": edited.seq - 1}).json()
    assert any(i["id"] == draft["id"] and i["version"] == edited.version for i in feed["items"])


def test_patch_a_changed_nik_is_named_never_shown(login: Any) -> None:
    operator = login("operator")
    draft = operator.create(submit=False)
    nik = new_nik()
    r = operator.patch(
        f"/applications/{draft['id']}",
        json={
            "expected_version": draft["version"],
            "transaction_id": str(uuid.uuid4()),
            "applicant": dict(draft["applicant"], nik=nik),
        },
    )
    assert r.status_code == 200, r.text
    entry = r.json()["history"][-1]
    assert entry["details"] == {"fields": ["applicant.nik"]}
    assert nik not in (entry["reason"] or "") and draft["applicant"]["nik"] not in entry["reason"]


def test_patch_only_in_draft_or_revision_and_by_an_operator(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    submitted = operator.create()
    body = {"expected_version": submitted["version"], "transaction_id": str(uuid.uuid4())}
    r = operator.patch(f"/applications/{submitted['id']}", json=body)
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    draft = operator.create(submit=False)
    body = {
        "expected_version": draft["version"],
        "transaction_id": str(uuid.uuid4()),
        "data": {"a.b": "c"},
    }
    r = verifier.patch(f"/applications/{draft['id']}", json=body)
    assert r.status_code in (403, 404), r.text


def test_revision_reasons_per_requirement_then_edit_and_resubmit(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    app = operator.create(service_code="KK-KTPEL-WNI")
    verifier.claim(app["id"])
    # Only per-requirement notes: they make the reason; nothing at all is refused.
    nothing = verifier.act(
        app["id"],
        "request_revision",
        app["version"],
        checklist=[{"requirement_code": "KK", "ok": False, "note": None}],
        expect=422,
    )
    assert nothing["code"] == "reason_required"
    result = verifier.act(
        app["id"],
        "request_revision",
        app["version"],
        checklist=[
            {"requirement_code": "KK", "ok": False, "note": "buram, NIK tidak terbaca"},
            {"requirement_code": "KTP-EL", "ok": True, "note": None},
        ],
    )
    returned = ApplicationDetail.from_json(result["application"])
    assert returned.revision_reasons() == {"KK": "buram, NIK tidak terbaca"}
    assert returned.history[-1].reason == "KK: buram, NIK tidak terbaca"
    edited = operator.patch(
        f"/applications/{app['id']}",
        json={
            "expected_version": returned.version,
            "transaction_id": str(uuid.uuid4()),
            "applicant": dict(app["applicant"], phone="081298765432"),
        },
    )
    assert edited.status_code == 200, edited.text
    again = operator.act(app["id"], "resubmit", edited.json()["version"])
    assert again["application"]["status"] == "submitted"


def test_duplicates_in_scope_and_beyond(login: Any) -> None:
    operator, operator2 = login("operator"), login("operator2")
    nik = new_nik()
    mine = operator.create(service_code="SK-DOMISILI", nik=nik)
    theirs = operator2.create(service_code="SK-DOMISILI", nik=nik)
    operator.create(service_code="SK-USAHA", nik=nik)  # another service: not a duplicate
    r = operator.get("/applications/duplicates", params={"nik": nik, "service_code": "SK-DOMISILI"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    by_number = {i["number"]: i for i in items}
    assert by_number[mine["registration_number"]]["in_scope"] is True
    assert by_number[mine["registration_number"]]["id"] == mine["id"]
    # Another office's: where and in what state, never its number (with a typed NIK it would
    # open the public status page) nor the name.
    other = by_number[""]
    assert theirs["registration_number"] not in r.text and theirs["id"] not in r.text
    assert other == {
        "number": "",
        "status": "submitted",
        "in_scope": False,
        "id": None,
        "office_code": theirs["office_code"],
        "applicant_name": None,
        "created_at": None,
    }
    assert len(items) == 2
    r = operator.get("/applications/duplicates", params={"nik": "123", "service_code": "X"})
    assert r.status_code == 422


def _signed(login: Any) -> tuple[Api, dict[str, Any]]:
    """A kelurahan letter signed by the lurah, claimed by operator1 for the handover."""
    operator, lurah = login("operator"), login("lurah")
    app = operator.create(service_code="SK-DOMISILI")
    version = app["version"]
    lurah.claim(app["id"])
    for action in ("verify", "validate", "sign"):
        version = lurah.act(app["id"], action, version)["application"]["version"]
    lurah.delete(f"/applications/{app['id']}/claim")
    operator.claim(app["id"])
    return operator, dict(app, version=version)


def test_deliver_by_proxy_needs_the_letter(login: Any) -> None:
    operator, app = _signed(login)
    kuasa = {"collector": "kuasa", "name": "Ahmad Fauzi", "nik": new_nik("L")}
    refused = operator.act(app["id"], "deliver", app["version"], handover=kuasa, expect=422)
    assert refused["errors"][0]["loc"] == ["body", "handover", "letter_document_id"]
    doc_id = str(uuid.uuid4())
    r = operator.put(
        f"/applications/{app['id']}/documents/{doc_id}",
        params={"requirement_code": "SURAT-KUASA", "filename": "surat-kuasa.pdf"},
        data=PDF,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(PDF).hexdigest(),
        },
    )
    assert r.status_code == 201, r.text
    app["version"] = operator.get(f"/applications/{app['id']}").json()["version"]
    bad_nik = dict(kuasa, nik="1234567890123456", letter_document_id=doc_id)
    refused = operator.act(app["id"], "deliver", app["version"], handover=bad_nik, expect=422)
    assert refused["errors"][0]["loc"] == ["body", "handover", "nik"]
    done = operator.act(
        app["id"], "deliver", app["version"], handover=dict(kuasa, letter_document_id=doc_id)
    )
    detail = ApplicationDetail.from_json(done["application"])
    assert detail.status_raw == "completed"
    handover = detail.handover
    assert handover is not None and handover.by_proxy
    assert (handover.name, handover.nik, handover.letter_document_id) == (
        "Ahmad Fauzi",
        kuasa["nik"],
        doc_id,
    )


def _upload(operator: Api, app_id: str, requirement_code: str) -> str:
    doc_id = str(uuid.uuid4())
    r = operator.put(
        f"/applications/{app_id}/documents/{doc_id}",
        params={"requirement_code": requirement_code, "filename": "berkas.pdf"},
        data=PDF,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(PDF).hexdigest(),
        },
    )
    assert r.status_code == 201, r.text
    return doc_id


def test_deliver_by_proxy_takes_only_this_applications_surat_kuasa(login: Any) -> None:
    """The applicant's own KTP scan is no letter of authority (it was taken as one), nor is a
    surat kuasa kept with another application."""
    operator, app = _signed(login)
    ktp = _upload(operator, app["id"], "KTP-EL")
    other = operator.create(service_code="SK-DOMISILI", submit=False)
    elsewhere = _upload(operator, other["id"], "SURAT-KUASA")
    app["version"] = operator.get(f"/applications/{app['id']}").json()["version"]
    kuasa = {"collector": "kuasa", "name": "Ahmad Fauzi", "nik": new_nik("L")}
    for letter in (ktp, elsewhere):
        refused = operator.act(
            app["id"],
            "deliver",
            app["version"],
            handover=dict(kuasa, letter_document_id=letter),
            expect=422,
        )
        assert refused["errors"][0]["loc"] == ["body", "handover", "letter_document_id"]
    letter = _upload(operator, app["id"], "SURAT-KUASA")
    app["version"] = operator.get(f"/applications/{app['id']}").json()["version"]
    done = operator.act(
        app["id"], "deliver", app["version"], handover=dict(kuasa, letter_document_id=letter)
    )
    assert done["application"]["status"] == "completed"


def test_deliver_to_the_applicant_checks_the_nik(login: Any) -> None:
    operator, app = _signed(login)
    someone = {"collector": "pemohon", "name": "Siti", "nik": new_nik()}
    refused = operator.act(app["id"], "deliver", app["version"], handover=someone, expect=422)
    assert "kuasa" in refused["errors"][0]["msg"]
    own = {"collector": "pemohon", "name": "Siti Rahmawati", "nik": app["applicant"]["nik"]}
    done = operator.act(app["id"], "deliver", app["version"], handover=own)
    assert done["entry"]["details"]["handover"]["collector"] == "pemohon"
    # A handover belongs to a delivery only.
    other = login("operator").create()
    verifier = login("verifier")
    verifier.claim(other["id"])
    refused = verifier.act(other["id"], "verify", other["version"], handover=own, expect=422)
    assert refused["errors"][0]["loc"] == ["body", "handover"]


def test_me_has_the_public_status_url(login: Any) -> None:
    operator = login("operator")
    me = operator.get("/me").json()
    assert me["public_status_url"] == operator.server.url + "/status"


def _body(api: Api, **extra: Any) -> dict[str, Any]:
    from tests.server.conftest import application_body

    body = application_body(api.me["office"]["code"])
    body.update(extra)
    return body
