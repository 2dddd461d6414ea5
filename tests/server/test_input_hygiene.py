"""Input classes that used to get through (issue 8): invisible format and bidi controls, datetimes
out of any sane range, strings taken for booleans or numbers.

Each test names the concrete case that was seen; `test_input_classes.py` sends the same hostile
values to every field of every operation in the OpenAPI document.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from typing import Any

from PIL import Image

from tests.live_server import LiveServer
from tests.server.conftest import application_body, run_sql

BIDI = "\u2066\u2067\u2068\u2069\u061c\u202a\u202b\u202c\u202d\u202e\u200e\u200f"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f\u3164\ufe0f\U000e0041\x07\x9b"
HOSTILE = BIDI + INVISIBLE


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, format="PNG")
    return out.getvalue()


def _invisible(text: str) -> bool:
    return any(ch in HOSTILE for ch in text)


def test_names_and_addresses_lose_format_and_bidi_controls(login: Any) -> None:
    op = login("operator")
    body = application_body(
        op.me["office"]["code"],
        name="Siti\u2067 Rahma\u061cwati\u2069",
        address="Jl. Riau\u2066 No. 5\u00ad, Pekan\u200dbaru\u2069",
    )
    r = op.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    applicant = r.json()["applicant"]
    assert applicant["name"] == "Siti Rahmawati"
    assert applicant["address"] == "Jl. Riau No. 5, Pekanbaru"
    body = application_body(op.me["office"]["code"], name="\u2067\u2069\u061c \u3164")
    r = op.post("/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text


def test_a_reason_of_invisible_characters_is_refused(login: Any) -> None:
    """A rejection must never be saved with a reason nobody can read."""
    operator, verifier = login("operator"), login("verifier")
    app = operator.create()
    verifier.claim(app["id"])
    for reason in ("\u2067\u2069", "\u2066\u061c\u200b \u2069", "\u00ad\ufeff"):
        r = verifier.post(
            f"/applications/{app['id']}/actions",
            json={
                "action": "reject",
                "reason": reason,
                "expected_version": app["version"],
                "transaction_id": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] in {"validation_error", "reason_required"}
    detail = verifier.get(f"/applications/{app['id']}").json()
    assert detail["status"] == "submitted"
    done = verifier.act(
        app["id"], "reject", app["version"], reason="\u2067Berkas\u2069 tidak\u200b lengkap"
    )
    assert done["entry"]["reason"] == "Berkas tidak lengkap"


def test_a_file_name_with_a_bidi_override_is_not_stored_as_sent(
    live_server: LiveServer, login: Any
) -> None:
    """`gambar<RLI>gnp.exe` displays as `gambarexe.png`: it must not be stored as sent."""
    op = login("operator")
    app = op.create(submit=False)
    data = _png()
    for sent in ("gambar\u2067gnp.exe", "gambar\u202egnp.exe", "foto\u2066\u061c.png\u2069"):
        doc_id = str(uuid.uuid4())
        r = op.put(
            f"/applications/{app['id']}/documents/{doc_id}",
            data=data,
            params={"filename": sent},
            headers={
                "Content-Type": "image/png",
                "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            },
        )
        assert r.status_code in (201, 422), r.text
        if r.status_code == 201:
            assert not _invisible(r.json()["filename"]), r.json()
        (stored,) = run_sql(live_server, "SELECT filename FROM documents WHERE id = ?", (doc_id,))
        assert not _invisible(stored[0]), stored


def test_identifiers_with_invisible_characters_are_refused(login: Any) -> None:
    """Codes, kinds and hashes are compared, not read: they are refused, never rewritten."""
    op = login("operator")
    event = {"id": str(uuid.uuid4()), "kind": "print\u2067_receipt", "hash": "ab" * 32}
    r = op.post("/audit", json={"events": [event]})
    assert r.status_code == 422, r.text
    event = {"id": str(uuid.uuid4()), "kind": "print_receipt", "hash": "ab" * 31 + "\u200bab"}
    r = op.post("/audit", json={"events": [event]})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "events", 0, "hash"]


FAR_FUTURE = "9999-12-31T23:59:59-14:00"
FAR_PAST = "0001-01-01T00:00:00+14:00"
NAIVE = "2026-11-24T08:15:00"
BAD_MOMENTS = (FAR_FUTURE, FAR_PAST, NAIVE, "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z")


def test_out_of_range_and_naive_datetimes_are_422_never_500(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    office = operator.me["office"]["code"]
    app = operator.create()
    verifier.claim(app["id"])
    for moment in BAD_MOMENTS:
        body = dict(application_body(office), device_time=moment)
        r = operator.post(
            "/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == 422 and r.json()["code"] == "validation_error", (moment, r.text)
        assert ["body", "device_time"] in [e["loc"] for e in r.json()["errors"]]
        r = verifier.post(
            f"/applications/{app['id']}/actions",
            json={
                "action": "verify",
                "expected_version": app["version"],
                "transaction_id": str(uuid.uuid4()),
                "device_time": moment,
            },
        )
        assert r.status_code == 422 and r.json()["code"] == "validation_error", (moment, r.text)
        event = {"id": str(uuid.uuid4()), "kind": "k", "hash": "h", "device_time": moment}
        r = operator.post("/audit", json={"events": [event]})
        assert r.status_code == 422 and r.json()["code"] == "validation_error", (moment, r.text)
    for birth in ("0001-01-01", "9999-12-31", "1899-12-31"):
        body = application_body(office, birth_date=birth)
        r = operator.post(
            "/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == 422, (birth, r.text)
    ok = dict(application_body(office), device_time="2026-11-24T15:15:00+07:00")
    r = operator.post("/applications", json=ok, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    assert r.json()["history"][0]["device_time"] == "2026-11-24T08:15:00Z"


def test_a_forged_cursor_with_an_extreme_time_is_refused(login: Any) -> None:
    op = login("operator")
    for stamp in (FAR_FUTURE, FAR_PAST, "2026-11-24T08:15:00", "nonsense"):
        raw = json.dumps([stamp, str(uuid.uuid4())]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        r = op.get("/applications", params={"cursor": cursor})
        assert r.status_code in (400, 422), (stamp, r.text)
        assert r.json()["code"] == "validation_error"


def test_strings_are_not_taken_for_booleans_or_numbers(login: Any) -> None:
    """`"submit": "yes"` created and submitted an application."""
    operator, verifier, admin = login("operator"), login("verifier"), login("admin")
    office = operator.me["office"]["code"]
    for submit in ("yes", "true", 1, "1", "on"):
        body = dict(application_body(office), submit=submit)
        r = operator.post(
            "/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == 422, (submit, r.text)
        assert ["body", "submit"] in [e["loc"] for e in r.json()["errors"]]
    app = operator.create()
    verifier.claim(app["id"])
    for version in (str(app["version"]), float(app["version"]), True):
        r = verifier.post(
            f"/applications/{app['id']}/actions",
            json={
                "action": "verify",
                "expected_version": version,
                "transaction_id": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 422, (version, r.text)
    r = verifier.post(
        f"/applications/{app['id']}/actions",
        json={
            "action": "verify",
            "expected_version": app["version"],
            "transaction_id": str(uuid.uuid4()),
            "checklist": [{"requirement_code": "KTP-EL", "ok": "true"}],
        },
    )
    assert r.status_code == 422, r.text
    r = operator.post(
        "/numbers/reserve",
        json={
            "office_code": office,
            "letter_type": "sktm",
            "count": "5",
            "transaction_id": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 422, r.text
    user = admin.post(
        "/users",
        json={
            "username": "strict" + uuid.uuid4().hex[:8],
            "full_name": "Uji Ketat",
            "password": "panjang-sekali",
            "roles": ["operator"],
            "office_code": "14.71",
        },
    ).json()
    r = admin.patch(f"/users/{user['id']}", json={"disabled": "false"})
    assert r.status_code == 422, r.text
    r = admin.patch(f"/users/{user['id']}", json={"disabled": 0})
    assert r.status_code == 422, r.text
