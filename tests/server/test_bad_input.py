"""Bad input of every kind gets a clear 4xx problem, never a 5xx, and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.live_server import LiveServer

PROBLEM = "application/problem+json"


def _is_problem(r: requests.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"].endswith("/" + code) and body["detail"] and body["title"]


def test_malformed_json(live_server: LiveServer, login: Any) -> None:
    for data, ctype in (
        (b"{bad", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"username=x", "application/x-www-form-urlencoded"),
        (b"[1, 2", "application/json"),
    ):
        r = requests.post(
            live_server.api + "/auth/login", data=data, headers={"Content-Type": ctype}, timeout=30
        )
        _is_problem(r, 400, "malformed_json")
    op = login("operator")
    r = op.post(
        "/applications",
        data=b'{"id": ',
        headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
    )
    _is_problem(r, 400, "malformed_json")


def test_wrong_types_missing_and_unknown_fields(live_server: LiveServer, login: Any) -> None:
    url = live_server.api + "/auth/login"
    r = requests.post(url, json={"username": 5, "password": None, "device_id": []}, timeout=30)
    _is_problem(r, 422, "validation_error")
    assert {tuple(e["loc"]) for e in r.json()["errors"]} >= {("body", "username")}
    r = requests.post(url, json={"username": "a"}, timeout=30)
    _is_problem(r, 422, "validation_error")
    r = requests.post(
        url,
        json={
            "username": "operator1",
            "password": "loket-demo",
            "device_id": "d",
            "pasword": "typo",
        },
        timeout=30,
    )
    _is_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["loc"] == ["body", "pasword"]
    r = requests.post(url, json=[1, 2, 3], timeout=30)
    _is_problem(r, 422, "validation_error")
    op = login("operator")
    r = op.post(
        f"/applications/{uuid.uuid4()}/actions",
        json={"action": "fly", "expected_version": "two", "transaction_id": "nope"},
    )
    _is_problem(r, 422, "validation_error")
    r = op.post(
        f"/applications/{uuid.uuid4()}/actions",
        json={
            "action": "verify",
            "expected_version": 1,
            "transaction_id": str(uuid.uuid4()),
            "extra": True,
        },
    )
    _is_problem(r, 422, "validation_error")
    r = op.get("/applications/not-a-uuid")
    _is_problem(r, 422, "validation_error")
    r = op.get("/applications", params={"limit": "0"})
    _is_problem(r, 422, "validation_error")
    r = op.get("/applications", params={"status": "flying"})
    _is_problem(r, 422, "validation_error")
    r = op.get("/applications/changes", params={"since": "-1"})
    _is_problem(r, 422, "validation_error")
    r = op.post(
        "/applications",
        json={
            "id": str(uuid.uuid4()),
            "service_code": "SKTM",
            "office_code": "14.71.01.1002",
            "applicant": {"nik": "12", "name": ""},
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    _is_problem(r, 422, "validation_error")


def test_huge_json_bodies(live_server: LiveServer, login: Any) -> None:
    big = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    r = requests.post(
        live_server.api + "/auth/login",
        data=big,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    _is_problem(r, 413, "payload_too_large")

    def stream() -> Any:  # chunked, no Content-Length: the limit is counted while reading
        yield b'{"events": ['
        for _ in range(3000):
            yield b'{"id": "00000000-0000-4000-8000-000000000000", "kind": "x", "hash": "'
            yield b"b" * 500 + b'"},'
        yield b"{}]}"

    op = login("operator")
    r = op.post("/audit", data=stream(), headers={"Content-Type": "application/json"})
    _is_problem(r, 413, "payload_too_large")
    r = requests.get(live_server.api + "/health", timeout=30)
    assert r.status_code == 200  # the server is fine afterwards


def test_unknown_routes_and_methods(live_server: LiveServer, login: Any) -> None:
    r = requests.get(live_server.url + "/nope", timeout=30)
    _is_problem(r, 404, "not_found")
    r = requests.get(live_server.api + "/applications/x/y/z", timeout=30)
    _is_problem(r, 404, "not_found")
    r = requests.delete(live_server.api + "/health", timeout=30)
    _is_problem(r, 405, "method_not_allowed")
    r = requests.get(live_server.api + "/openapi.json", timeout=30)
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.")


def test_odd_unicode_and_control_characters(login: Any) -> None:
    op = login("operator")
    from tests.server.conftest import application_body

    body = application_body(
        op.me["office"]["code"],
        name="Nur\u200bhaya\u0301ti\x07  Siregar",
        address="Jl. Paus\u202e No. 1",
    )
    r = op.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    assert r.json()["applicant"]["name"] == "Nurhayáti Siregar"
    assert r.json()["applicant"]["address"] == "Jl. Paus No. 1"
    body = application_body(op.me["office"]["code"], name="\u200b \x07")
    r = op.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    _is_problem(r, 422, "validation_error")


def test_unstorable_text_is_refused(login: Any) -> None:
    """NUL and lone surrogates are valid JSON escapes but no database can store them."""
    op = login("operator")
    for raw in (
        b'{"events": [{"id": "6f1c2d1e-8a3b-4c47-9a55-2f0e4e1b9c01", "kind": "a\\u0000",'
        b' "hash": "x"}]}',
        b'{"events": [{"id": "6f1c2d1e-8a3b-4c47-9a55-2f0e4e1b9c01", "kind": "a",'
        b' "hash": "x", "details": {"\\ud8cb": 1}}]}',
    ):
        r = op.post("/audit", data=raw, headers={"Content-Type": "application/json"})
        _is_problem(r, 422, "validation_error")
    r = op.get("/applications", params={"q": "a\x00b"})
    _is_problem(r, 422, "validation_error")
    r = op.get("/applications/changes", params={"since": str(2**70)})
    _is_problem(r, 422, "validation_error")


def test_database_consistent_after_abuse(login: Any) -> None:
    """After every bad request above (same session server), the audit chain is intact and
    no half-made application exists."""
    admin = login("admin")
    r = admin.get("/audit/verify")
    assert r.status_code == 200 and r.json()["ok"] is True, r.json()
    verifier = login("verifier")
    items, since = [], 0
    while True:
        page = verifier.get("/applications/changes", params={"since": since}).json()
        items += page["items"]
        since = page["last_seq"]
        if not page["has_more"]:
            break
    for item in items:
        if item["status"] != "draft":
            assert item["registration_number"] or item["status"] == "cancelled", item
