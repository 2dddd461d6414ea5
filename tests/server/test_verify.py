"""Issued documents and their public verification, against the real server: a valid, a void
(with its reason) and a forged document (one byte changed; an unknown code), HTML and JSON,
who may register and void, replay-safe registration, the failure limit and the upload limit.

A server of its own (movable clock, a burst of `BURST` failed look-ups, a small upload limit),
so that its rate limit touches no other test."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from server.issued import ALPHABET, new_code
from server.security import redact
from tests.live_server import LiveServer
from tests.server.conftest import Api, new_nik, run_sql
from tests.server.harness import ServerClock, start_harness_server

JSON = {"Accept": "application/json"}
BURST = 6
UPLOAD_LIMIT = 2 * 1024 * 1024
"""Above the JSON limit (1 MiB): a PDF of 1.5 MiB must pass the body limits."""
WIB = ZoneInfo("Asia/Jakarta")
NEIGHBOUR = "14.71.01.1003"
"""Kampung Tengah: a kelurahan beside Jadirejo, outside the lurah's scope."""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {
        "LOKET_SERVER_STATUS_FAILURES": str(BURST),
        "LOKET_SERVER_STATUS_REFILL_SECONDS": "60",
        "LOKET_SERVER_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
    }
    with start_harness_server(extra_env=env) as live:
        yield live


def _api(server: LiveServer, role: str) -> Api:
    return Api(server, *server.accounts[role])


@pytest.fixture(scope="module")
def accounts(server: LiveServer) -> dict[str, Api]:
    admin = _api(server, "admin")
    password = "rahasia-" + uuid.uuid4().hex[:8]
    username = "lurahkt" + uuid.uuid4().hex[:6]
    r = admin.post(
        "/users",
        json={
            "username": username,
            "full_name": "Lurah Kampung Tengah",
            "password": password,
            "roles": ["validator", "verifier"],
            "office_code": NEIGHBOUR,
        },
    )
    assert r.status_code == 201, r.text
    return {
        "operator": _api(server, "operator"),
        "lurah": _api(server, "lurah"),
        "verifier": _api(server, "verifier"),
        "neighbour": Api(server, username, password),
    }


@pytest.fixture
def staff(accounts: dict[str, Api]) -> dict[str, Api]:
    """The accounts with fresh tokens: earlier tests moved the clock past their expiry."""
    for api in accounts.values():
        api.refresh()
    return accounts


def _wait_out(server: LiveServer) -> None:
    """Refill the failure burst (a test's failures must not leak into the next test)."""
    ServerClock(server).advance(minutes=BURST + 1)


def _validated(staff: dict[str, Api], **applicant: Any) -> dict[str, Any]:
    """A domicile letter taken in by operator1, verified and validated by the lurah."""
    lurah = staff["lurah"]
    app = staff["operator"].create(service_code="SK-DOMISILI", **applicant)
    version = app["version"]
    lurah.claim(app["id"])
    for action in ("verify", "validate"):
        version = lurah.act(app["id"], action, version)["application"]["version"]
    return dict(app, version=version)


def _pdf(seed: int) -> bytes:
    """Stands for a signed PDF: binary, with CR, LF and dashes that a careless multipart
    reader would change."""
    rng = random.Random(seed)
    middle = bytes(rng.randrange(256) for _ in range(6000))
    return b"%PDF-1.7\r\n" + middle + b"\r\n--\r\n\n\r" + middle[:100] + b"\n%%EOF\r\n"


_numbers = iter(range(1, 10_000))


def _register(
    api: Api,
    app_id: str,
    pdf: bytes,
    *,
    code: str | None = None,
    number: str | None = None,
    transaction_id: str | None = None,
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "transaction_id": transaction_id or str(uuid.uuid4()),
        "code": code or new_code(),
        "document_type": "SK-DOMISILI",
        "letter_number": number or f"470/{next(_numbers)}/Kel.Jadirejo/XII/2026",
        "issued_on": _today(api.server).isoformat(),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        **extra,
    }
    r = api.post(f"/applications/{app_id}/issued", json=body)
    assert r.status_code == expect, r.text
    data: dict[str, Any] = r.json()
    return data


def _today(server: LiveServer) -> date:
    return ServerClock(server).now().astimezone(WIB).date()


def _void(
    api: Api,
    app_id: str,
    code: str,
    reason: str | None,
    *,
    tx: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    r = api.post(
        f"/applications/{app_id}/issued/{code}/void",
        json={"transaction_id": tx or str(uuid.uuid4()), "reason": reason},
    )
    assert r.status_code == expect, r.text
    data: dict[str, Any] = r.json()
    return data


def _verify(server: LiveServer, code: str, **kw: Any) -> requests.Response:
    return requests.get(f"{server.url}/verify/{code}", timeout=30, **kw)


def _upload(server: LiveServer, code: str, pdf: bytes, **kw: Any) -> requests.Response:
    files = {"file": ("surat.pdf", pdf, "application/pdf")}
    return requests.post(f"{server.url}/verify/{code}", files=files, timeout=30, **kw)


def test_valid_document_html_and_json_never_the_nik(
    server: LiveServer, staff: dict[str, Api]
) -> None:
    nik = new_nik()
    app = _validated(staff, nik=nik, name="Budi Santoso", address="Jl. Kenanga 7")
    pdf = _pdf(1)
    doc = _register(staff["lurah"], app["id"], pdf, number="470/901/Kel.Jadirejo/XII/2026")
    code = doc["code"]
    assert doc["status"] == "valid" and doc["verify_path"] == f"/verify/{code}"
    assert doc["signer_name"] == "Tengku Said Hamzah, S.Sos." and doc["void_reason"] is None
    page = _verify(server, code)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert 'lang="id"' in html and "viewport" in html and "SAH" in html
    assert "470/901/Kel.Jadirejo/XII/2026" in html and "Kelurahan Jadirejo" in html
    assert "Surat keterangan domisili" in html and "Bu*** Sa***" in html
    assert hashlib.sha256(pdf).hexdigest() in html
    assert "enctype='multipart/form-data'" in html and f"action='/verify/{code}'" in html
    assert nik not in html and "Santoso" not in html and "Kenanga" not in html
    expected = {
        "code": code,
        "type": "SK-DOMISILI",
        "type_name": "Surat keterangan domisili",
        "number": "470/901/Kel.Jadirejo/XII/2026",
        "office": "Kelurahan Jadirejo",
        "office_code": "14.71.01.1002",
        "issued_on": _today(server).isoformat(),
        "status": "valid",
        "void_reason": None,
        "voided_on": None,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "holder": "Bu*** Sa***",
        "signer": "Tengku Said Hamzah, S.Sos.",
    }
    assert _verify(server, code, headers=JSON).json() == expected
    assert _verify(server, code, params={"format": "json"}).json() == expected
    # Typed by hand: lower case, in groups, O for 0 and l for 1.
    typed = "-".join(code[i : i + 4] for i in range(0, 20, 4)).lower()
    typed = typed.replace("0", "O").replace("1", "l")
    assert _verify(server, typed, headers=JSON).json()["code"] == code
    # The staff's list of the application's documents.
    listed = staff["operator"].get(f"/applications/{app['id']}/issued").json()["items"]
    assert [d["code"] for d in listed] == [code]


def test_void_keeps_the_number_and_shows_the_reason(
    server: LiveServer, staff: dict[str, Api]
) -> None:
    lurah = staff["lurah"]
    app = _validated(staff)
    number = "470/902/Kel.Jadirejo/XII/2026"
    code = _register(lurah, app["id"], _pdf(2), number=number)["code"]
    _void(lurah, app["id"], code, "   ", expect=422)  # a reason nobody can read
    tx = str(uuid.uuid4())
    reason = "Salah ketik nama jalan; diganti surat baru"
    voided = _void(lurah, app["id"], code, reason, tx=tx)
    assert voided["status"] == "void" and voided["void_reason"] == reason
    assert voided["voided_at"] is not None
    assert _void(lurah, app["id"], code, reason, tx=tx) == voided  # replay
    again = _void(lurah, app["id"], code, "lagi", expect=409)
    assert again["code"] == "already_void"
    info = _verify(server, code, headers=JSON).json()
    assert info["status"] == "void" and info["void_reason"] == reason
    assert info["voided_on"] == _today(server).isoformat() and info["number"] == number
    html = _verify(server, code).text
    assert "DIBATALKAN" in html and reason in html and number in html and "SAH<" not in html
    # The number is never issued again, not even for the replacement of the same letter.
    taken = _register(lurah, app["id"], _pdf(3), number=number, expect=409)
    assert taken["code"] == "number_taken"
    replacement = _register(lurah, app["id"], _pdf(3))
    assert replacement["status"] == "valid"
    kinds = run_sql(
        server,
        "SELECT kind FROM audit_log WHERE application_id = ? ORDER BY idx",
        (app["id"],),
    )
    issued_kinds = [k for (k,) in kinds if k.startswith("document_")]
    assert issued_kinds == ["document_issued", "document_voided", "document_issued"]


def test_forged_document_is_told_apart(server: LiveServer, staff: dict[str, Api]) -> None:
    app = _validated(staff)
    pdf = _pdf(4)
    code = _register(staff["lurah"], app["id"], pdf)["code"]
    same = _upload(server, code, pdf)
    assert same.status_code == 200 and same.headers["content-type"].startswith("text/html")
    assert "sama dengan dokumen yang diterbitkan" in same.text and "BERBEDA" not in same.text
    forged = bytearray(pdf)
    forged[3000] ^= 0x01
    changed = _upload(server, code, bytes(forged))
    assert changed.status_code == 200
    assert "BERBEDA" in changed.text and "sama dengan dokumen" not in changed.text
    assert hashlib.sha256(forged).hexdigest() in changed.text
    # A program sends the raw PDF (or the form) and reads JSON.
    raw = requests.post(
        f"{server.url}/verify/{code}",
        data=pdf,
        headers={"Content-Type": "application/pdf", **JSON},
        timeout=30,
    ).json()
    assert raw["matches"] is True and raw["size"] == len(pdf)
    assert raw["document"]["sha256"] == raw["uploaded_sha256"]
    answer = _upload(server, code, bytes(forged), params={"format": "json"}).json()
    assert answer["matches"] is False
    assert answer["uploaded_sha256"] == hashlib.sha256(forged).hexdigest()
    # Not a form, not a PDF; a form without the file; an empty file.
    r = requests.post(
        f"{server.url}/verify/{code}", data=b"x", headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert r.status_code == 415 and "text/html" in r.headers["content-type"]
    r = requests.post(f"{server.url}/verify/{code}", data={"other": "x"}, files={}, timeout=30)
    assert r.status_code in (415, 422)
    r = _upload(server, code, b"", headers=JSON)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    # An unknown code: the page for unknown documents, also for an upload.
    unknown = new_code()
    r = _upload(server, unknown, pdf)
    assert r.status_code == 404 and "Dokumen tidak dikenal" in r.text
    _wait_out(server)


def test_unknown_and_malformed_codes_look_alike(server: LiveServer) -> None:
    unknown = _verify(server, new_code())
    malformed = _verify(server, "ABC<script>")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.text == malformed.text and "Dokumen tidak dikenal" in unknown.text
    assert "<script>" not in malformed.text
    a = _verify(server, new_code(), headers=JSON)
    b = _verify(server, "x" * 500, headers=JSON)
    assert a.status_code == b.status_code == 404
    assert a.json() == b.json() and a.json()["code"] == "not_found"
    _wait_out(server)


def test_failed_look_ups_are_limited(server: LiveServer, staff: dict[str, Api]) -> None:
    app = _validated(staff)
    code = _register(staff["lurah"], app["id"], _pdf(5))["code"]
    assert _verify(server, code).status_code == 200  # a success costs nothing
    for _ in range(BURST):
        assert _verify(server, new_code()).status_code == 404
    limited = _verify(server, code, headers=JSON)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert _verify(server, code).status_code == 429
    _wait_out(server)
    assert _verify(server, code).status_code == 200


def test_who_may_register_and_void(server: LiveServer, staff: dict[str, Api]) -> None:
    app = _validated(staff)
    pdf = _pdf(6)
    for role in ("operator", "verifier"):
        refused = _register(staff[role], app["id"], pdf, expect=403)
        assert refused["code"] == "forbidden", role
    # Another kelurahan's lurah cannot see the application at all.
    _register(staff["neighbour"], app["id"], pdf, expect=404)
    code = _register(staff["lurah"], app["id"], pdf)["code"]
    assert _void(staff["operator"], app["id"], code, "iseng", expect=403)["code"] == "forbidden"
    _void(staff["neighbour"], app["id"], code, "bukan kantor saya", expect=404)
    assert _verify(server, code, headers=JSON).json()["status"] == "valid"
    # Nothing to register before validation; only the service's outputs; a letter's number.
    submitted = staff["operator"].create(service_code="SK-DOMISILI")
    assert _register(staff["lurah"], submitted["id"], pdf, expect=409)["code"] == "wrong_state"
    wrong = _register(staff["lurah"], app["id"], pdf, document_type="SKTM", expect=422)
    assert wrong["errors"][0]["loc"] == ["body", "document_type"]
    r = staff["lurah"].post(
        f"/applications/{app['id']}/issued",
        json={
            "transaction_id": str(uuid.uuid4()),
            "document_type": "SK-DOMISILI",
            "issued_on": _today(server).isoformat(),
            "sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "letter_number"]
    bad = _register(staff["lurah"], app["id"], pdf, code="I" * 20, expect=422)
    assert bad["code"] == "validation_error"


def test_registration_is_replay_safe(server: LiveServer, staff: dict[str, Api]) -> None:
    app = _validated(staff)
    lurah = staff["lurah"]
    tx = str(uuid.uuid4())
    pdf = _pdf(7)
    # Without a code of its own the server makes one; a replay gets the same one back.
    body = {
        "transaction_id": tx,
        "document_type": "SK-DOMISILI",
        "letter_number": "470/903/Kel.Jadirejo/XII/2026",
        "issued_on": _today(server).isoformat(),
        "sha256": hashlib.sha256(pdf).hexdigest(),
    }
    r1 = lurah.post(f"/applications/{app['id']}/issued", json=body)
    assert r1.status_code == 201, r1.text
    code = r1.json()["code"]
    assert len(code) == 20 and set(code) <= set(ALPHABET)
    r2 = lurah.post(f"/applications/{app['id']}/issued", json=body)
    assert r2.status_code == 201 and r2.json() == r1.json()
    rows = run_sql(
        server, "SELECT count(*) FROM issued_documents WHERE application_id = ?", (app["id"],)
    )
    assert rows == [(1,)]
    other = _register(lurah, app["id"], _pdf(8), transaction_id=tx, expect=409)
    assert other["code"] == "idempotency_conflict"
    # The same code twice (two requests) is refused, never a second document under it.
    second = _register(lurah, app["id"], pdf, code=code, expect=409)
    assert second["code"] == "code_taken"
    # After signing, the document can still be registered (the sign action came first).
    lurah.act(app["id"], "sign", app["version"])
    assert _register(lurah, app["id"], _pdf(9))["status"] == "valid"


def test_upload_over_the_limit_is_refused(server: LiveServer, staff: dict[str, Api]) -> None:
    app = _validated(staff)
    code = _register(staff["lurah"], app["id"], _pdf(10))["code"]
    big = b"%PDF-1.7\n" + b"0" * (UPLOAD_LIMIT + 10)
    r = _upload(server, code, big, headers=JSON)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    # Chunked (no Content-Length): counted while it streams.
    r = requests.post(
        f"{server.url}/verify/{code}",
        data=iter([big[i : i + 65536] for i in range(0, len(big), 65536)]),
        headers={"Content-Type": "application/pdf", **JSON},
        timeout=30,
    )
    assert r.status_code == 413
    # Over the JSON limit (1 MiB) but under the upload limit: compared like any other.
    fits = b"%PDF-1.7\n" + b"1" * (3 * 512 * 1024)
    r = _upload(server, code, fits, headers=JSON)
    assert r.status_code == 200 and r.json()["matches"] is False


def test_codes_are_not_logged() -> None:
    code = new_code()
    app = str(uuid.uuid4())
    line = (
        f'127.0.0.1 - "GET /verify/{code}?format=json HTTP/1.1" 200; '
        f'"POST /api/v1/applications/{app}/issued/{code}/void HTTP/1.1" 200'
    )
    logged = redact(line)
    assert code not in logged
    # the application id itself may be partly masked too: a UUID can hold a NIK-like run of
    # digits between its dashes (the log masker errs on the side of masking)
    assert "/verify/***" in logged and "/issued/***/void" in logged
