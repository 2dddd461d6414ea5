"""Letter numbers, reservations, and the audit log (client batches and the server chain)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from typing import Any

from desktop.domain.numbering import roman_month
from tests.live_server import LiveServer
from tests.server.audit_chains import Chain
from tests.server.conftest import Api, run_sql


def test_letter_number_format_and_replay(login: Any) -> None:
    op = login("operator")
    tx = str(uuid.uuid4())
    body = {
        "office_code": "14.71.01.1002",
        "letter_type": "sk_domisili",
        "klasifikasi": None,
        "transaction_id": tx,
    }
    first = op.post("/numbers/letter", json=body)
    assert first.status_code == 200, first.text
    data = first.json()
    parts = data["formatted"].split("/")
    assert parts[:3] == ["470", str(data["number"]), "Kel.Jadirejo"]
    assert parts[3] in {roman_month(m) for m in range(1, 13)}
    assert parts[4] == str(data["year"]) and abs(data["year"] - date.today().year) <= 1
    assert op.post("/numbers/letter", json=body).json() == data  # replay: same number
    nxt = op.post("/numbers/letter", json=dict(body, transaction_id=str(uuid.uuid4()))).json()
    assert nxt["number"] == data["number"] + 1
    r = op.post("/numbers/letter", json=dict(body, klasifikasi="400.12"))
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    r = op.post(
        "/numbers/letter", json=dict(body, letter_type="nope", transaction_id=str(uuid.uuid4()))
    )
    assert r.status_code == 422
    r = op.post(
        "/numbers/letter",
        json=dict(body, office_code="14.71.02.1001", transaction_id=str(uuid.uuid4())),
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_office"


def test_reserve_block(login: Any) -> None:
    op = login("operator")
    tx = str(uuid.uuid4())
    body = {
        "office_code": "14.71.01.1002",
        "letter_type": "sktm",
        "count": 10,
        "transaction_id": tx,
    }
    r = op.post("/numbers/reserve", json=body)
    assert r.status_code == 200, r.text
    block = r.json()
    assert block["end"] - block["start"] == 9
    assert op.post("/numbers/reserve", json=body).json() == block
    nxt = op.post(
        "/numbers/letter",
        json={
            "office_code": "14.71.01.1002",
            "letter_type": "sktm",
            "transaction_id": str(uuid.uuid4()),
        },
    ).json()
    assert nxt["number"] == block["end"] + 1
    r = op.post("/numbers/reserve", json=dict(body, count=101, transaction_id=str(uuid.uuid4())))
    assert r.status_code == 422


def test_only_the_offices_operator_and_lurah_number_its_letters(login: Any) -> None:
    """A verifier, a supervisor, an administrator, or staff of another (even a parent) office
    get no letter numbers or blocks for Kelurahan Jadirejo; a kecamatan has no such letters."""

    def ask(api: Api, path: str, office: str = "14.71.01.1002", **extra: Any) -> Any:
        body = {"office_code": office, "letter_type": "sktm", "transaction_id": str(uuid.uuid4())}
        return api.post(path, json={**body, **extra})

    for role in ("verifier", "supervisor", "admin", "operator3", "camat"):
        for path, extra in (("/numbers/letter", {}), ("/numbers/reserve", {"count": 100})):
            r = ask(login(role), path, **extra)
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (role, path, r.text)
    r = ask(login("operator3"), "/numbers/letter", office="14.71.01")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    for role in ("operator", "lurah"):
        assert ask(login(role), "/numbers/letter").status_code == 200, role


def test_audit_events_link_only_visible_applications(live_server: LiveServer, login: Any) -> None:
    mine, theirs = login("operator").create(), login("operator2").create()
    op = login("operator")
    chain = Chain(op.me["id"])
    events = [
        chain.event(application_id=app_id)
        for app_id in (mine["id"], theirs["id"], str(uuid.uuid4()))
    ]
    r = op.post("/audit", json={"events": events})
    assert r.status_code == 200 and r.json() == {"accepted": 3, "duplicates": 0}
    rows = {
        event_id: (linked, ref)
        for event_id, linked, ref in run_sql(
            live_server,
            "SELECT id, application_id, application_ref FROM client_audit_events "
            "WHERE id IN (?, ?, ?)",
            tuple(e["id"] for e in events),
        )
    }
    assert rows[events[0]["id"]] == (mine["id"], mine["id"])
    assert rows[events[1]["id"]] == (None, theirs["id"])  # kept as sent, not linked
    assert rows[events[2]["id"]][0] is None


def test_client_audit_batches_are_idempotent(login: Any) -> None:
    op = login("operator")
    events = Chain(op.me["id"]).events(3, details={"copies": 1})
    r = op.post("/audit", json={"events": events})
    assert r.json() == {"accepted": 3, "duplicates": 0}
    r = op.post("/audit", json={"events": [*events, {**events[0]}]})
    assert r.json() == {"accepted": 0, "duplicates": 4}


def test_audit_chain_detects_tampering(fresh_server: LiveServer) -> None:
    admin = Api(fresh_server, *fresh_server.accounts["admin"])
    op = Api(fresh_server, *fresh_server.accounts["operator"])
    op.create()
    op.post(
        "/numbers/letter",
        json={
            "office_code": "14.71.01.1002",
            "letter_type": "sktm",
            "transaction_id": str(uuid.uuid4()),
        },
    )
    report = admin.get("/audit/verify").json()
    assert report["ok"] is True and report["entries"] >= 4 and report["first_bad"] is None
    if fresh_server.db_path is not None:
        with sqlite3.connect(fresh_server.db_path, timeout=30) as conn:
            conn.execute("UPDATE audit_log SET details = '{\"forged\": 1}' WHERE idx = 2")
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(fresh_server.database_url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            conn.execute("UPDATE audit_log SET details = '{\"forged\": 1}' WHERE idx = 2")
    report = admin.get("/audit/verify").json()
    assert report["ok"] is False and report["first_bad"] == 2


def test_letter_numbers_never_repeat_across_letter_types(
    live_server: LiveServer, login: Any
) -> None:
    """Domisili and beda nama share klasifikasi 470: with a counter per letter type both
    issued `470/1/Kel.Jadirejo/...`. Every formatted number an office issues in a year is
    unique, whatever the type (and the database refuses a repeat)."""
    office = "14.71.01.1002"
    op = login("operator")
    issued: list[dict[str, Any]] = []
    for letter_type in ["sk_beda_nama", "sk_domisili"] * 6 + ["sktm", "sk_beda_nama"]:
        r = op.post(
            "/numbers/letter",
            json={
                "office_code": office,
                "letter_type": letter_type,
                "transaction_id": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 200, r.text
        issued.append(r.json())
    formatted = [n["formatted"] for n in issued]
    assert len(set(formatted)) == len(formatted), formatted
    numbers = [n["number"] for n in issued]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    block = op.post(
        "/numbers/reserve",
        json={
            "office_code": office,
            "letter_type": "sk_domisili",
            "count": 3,
            "transaction_id": str(uuid.uuid4()),
        },
    ).json()
    assert block["start"] > max(numbers)  # offline blocks come from the same sequence
    year = issued[0]["year"]
    rows = run_sql(
        live_server,
        "SELECT formatted FROM letter_numbers WHERE office_code = ? AND year = ?",
        (office, year),
    )
    stored = [row[0] for row in rows]
    assert set(formatted) <= set(stored) and len(stored) == len(set(stored))
    with_duplicate = run_sql(
        live_server,
        "SELECT formatted, COUNT(*) FROM letter_numbers GROUP BY office_code, year, formatted "
        "HAVING COUNT(*) > 1",
    )
    assert with_duplicate == []
