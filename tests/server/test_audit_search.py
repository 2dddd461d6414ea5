"""The audit viewer's server side (issue 14): `GET /audit/events` searches the server chain and
the desktops' events by user, application, action, device and period, newest first, keyset
paged, scoped to the caller's offices, NIKs masked; `GET /audit/verify` names exactly where a
chain breaks: the row edited in the database (its own hash no longer matches), the row deleted
(missing), for the server's chain and a desktop's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.live_server import LiveServer
from tests.server.audit_chains import Chain
from tests.server.conftest import Api, new_nik, run_sql


def _events(api: Api, **params: Any) -> list[dict[str, Any]]:
    r = api.get("/audit/events", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _pushed(op: Api, n: int, **kw: Any) -> tuple[Chain, list[dict[str, Any]]]:
    chain = Chain(op.me["id"], device_id=f"pc-{uuid.uuid4().hex[:8]}")
    events = chain.events(n, **kw)
    r = op.post("/audit", json={"events": events})
    assert r.status_code == 200, r.text
    return chain, events


def test_search_by_user_application_action_device_and_period(login: Any) -> None:
    op, admin = login("operator"), login("admin")
    app = op.create()
    number = app["registration_number"]
    kind = f"cetak_uji_{uuid.uuid4().hex[:6]}"
    chain = Chain(op.me["id"], device_id=f"pc-{uuid.uuid4().hex[:8]}")
    # 10 March in Pekanbaru (WIB), though 9 March in UTC
    events = [
        chain.event(
            kind, application_id=app["id"], device_time=datetime(2026, 3, 9, 23, m, tzinfo=UTC)
        )
        for m in (30, 31, 32)
    ]
    assert op.post("/audit", json={"events": events}).status_code == 200

    by_device = _events(admin, device=chain.device_id)
    assert [e["id"] for e in by_device] == [e["id"] for e in reversed(events)]
    row = by_device[0]
    assert row["source"] == "desktop" and row["kind"] == kind
    assert row["actor_username"] == "operator1" and row["registration_number"] == number
    assert row["position"] == 3 and row["chain_id"] == chain.chain_id

    assert len(_events(admin, kind=kind)) == 3
    assert len(_events(admin, kind=kind, user="operator1")) == 3
    assert len(_events(admin, kind=kind, user=op.me["id"])) == 3
    assert _events(admin, kind=kind, user="verifier1") == []
    assert len(_events(admin, kind=kind, application=number)) == 3
    assert len(_events(admin, kind=kind, application=app["id"])) == 3
    assert len(_events(admin, kind=kind, **{"from": "2026-03-10", "to": "2026-03-10"})) == 3
    assert _events(admin, kind=kind, **{"from": "2026-03-09", "to": "2026-03-09"}) == []
    assert _events(admin, kind=kind, source="server") == []
    # The server's own rows about the application (its creation) are found by it too.
    server_rows = _events(admin, application=number, source="server")
    assert server_rows and all(r["application_id"] == app["id"] for r in server_rows)
    assert _events(admin, ref=f"desktop:{events[1]['id']}")[0]["id"] == events[1]["id"]

    bad = admin.get("/audit/events", params={"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"
    assert admin.get("/audit/events", params={"cursor": "bukan"}).status_code == 422
    assert admin.get("/audit/events", params={"limit": 501}).status_code == 422


def test_pages_walk_everything_once_newest_first(login: Any) -> None:
    op, admin = login("operator"), login("admin")
    kind = f"halaman_{uuid.uuid4().hex[:6]}"
    # Two desktop events share an instant with each other: the keyset must still split them.
    same = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
    _pushed(op, 4, kind=kind, device_time=same)
    _pushed(op, 3, kind=kind)
    whole = _events(admin, kind=kind, limit=500)
    assert len(whole) == 7
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"kind": kind, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = admin.get("/audit/events", params=params)
        body = r.json()
        seen += [e["id"] for e in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4 and seen == [e["id"] for e in whole] and len(set(seen)) == 7
    times = [e["at"] for e in whole]
    assert times == sorted(times, reverse=True)


def test_mixed_sources_page_in_one_order(login: Any) -> None:
    """Server rows and desktop events of one user, paged through both sources."""
    op, admin = login("operator"), login("admin")
    op.create()
    _pushed(op, 5)
    everything = _events(admin, user="operator1", limit=60)
    assert {e["source"] for e in everything} == {"server", "desktop"}
    seen: list[str] = []
    cursor = None
    while len(seen) < 60:
        params: dict[str, Any] = {"user": "operator1", "limit": 7}
        if cursor:
            params["cursor"] = cursor
        body = admin.get("/audit/events", params=params).json()
        seen += [f"{e['source']}:{e['id']}" for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen[:60] == [f"{e['source']}:{e['id']}" for e in everything][: len(seen[:60])]


def test_scope_roles_and_masking(login: Any) -> None:
    op, other = login("operator"), login("operator2")
    admin, camat, supervisor = login("admin"), login("camat"), login("supervisor")
    kind = f"lingkup_{uuid.uuid4().hex[:6]}"
    nik = new_nik()
    digest = "1234567890123456" + "ab" * 24  # a document hash with a NIK-like run: kept whole
    _pushed(
        op, 1, kind=kind, details={"catatan": f"NIK {nik}", "angka": int(nik), "sha256": digest}
    )
    _pushed(other, 1, kind=kind)
    assert len(_events(admin, kind=kind)) == 2
    assert len(_events(supervisor, kind=kind)) == 2  # the dinas supervisor reads all
    mine = _events(camat, kind=kind)  # operator1's kecamatan only
    assert [e["actor_username"] for e in mine] == ["operator1"]
    text = str(mine[0]["details"])
    assert nik not in text and f"{nik[:6]}******{nik[-4:]}" in text
    assert mine[0]["details"]["angka"] == f"{nik[:6]}******{nik[-4:]}"
    assert mine[0]["details"]["sha256"] == digest
    assert op.get("/audit/events").status_code == 403
    assert op.get("/audit/verify").status_code == 403
    assert camat.get("/audit/verify").status_code == 200


def _verify(admin: Api) -> dict[str, Any]:
    r = admin.get("/audit/verify")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_verify_names_the_edited_then_the_deleted_server_row(fresh_server: LiveServer) -> None:
    admin = Api(fresh_server, *fresh_server.accounts["admin"])
    for role in ("operator", "verifier", "camat"):
        Api(fresh_server, *fresh_server.accounts[role])  # each log-in is a server audit row
    report = _verify(admin)
    assert report["ok"] is True and "where" not in report and report["entries"] >= 4
    (idx, kind, at) = run_sql(
        fresh_server, "SELECT idx, kind, at FROM audit_log ORDER BY idx LIMIT 1 OFFSET 2"
    )[0]
    run_sql(fresh_server, "UPDATE audit_log SET details = '{\"diubah\":1}' WHERE idx = ?", (idx,))
    report = _verify(admin)
    assert report["ok"] is False and report["first_bad"] == idx
    where = report["where"]
    assert where["check"] == "content" and where["id"] == str(idx)
    assert where["position"] == idx and where["kind"] == kind and where["missing"] == 0
    assert where["at"].startswith(str(at)[:19].replace(" ", "T"))
    assert "diubah" in where["message"]
    # The viewer finds that row by its reference.
    (row,) = _events(admin, ref=f"server:{idx}")
    assert row["details"] == {"diubah": 1}

    run_sql(fresh_server, "DELETE FROM audit_log WHERE idx = ?", (idx,))
    where = _verify(admin)["where"]
    assert where["check"] == "missing" and where["position"] == idx
    assert where["id"] == str(idx + 1) and where["missing"] == 1

    last = run_sql(fresh_server, "SELECT MAX(idx) FROM audit_log")[0][0]
    run_sql(fresh_server, "DELETE FROM audit_log WHERE idx >= ?", (idx - 1,))
    report = _verify(admin)  # this request's own rows are not audited: the end is missing
    assert report["ok"] is False
    assert report["where"]["check"] == "missing" and report["where"]["id"] is None
    assert report["where"]["position"] == idx - 1
    assert report["where"]["missing"] == last - idx + 2


def test_verify_names_the_edited_and_the_missing_desktop_event(
    fresh_server: LiveServer,
) -> None:
    admin = Api(fresh_server, *fresh_server.accounts["admin"])
    op = Api(fresh_server, *fresh_server.accounts["operator"])
    chain, events = _pushed(op, 5)
    assert _verify(admin)["chains_ok"] is True
    run_sql(
        fresh_server,
        "UPDATE client_audit_events SET details = '{\"salinan\":9}' WHERE id = ?",
        (events[1]["id"],),
    )
    (found,) = [c for c in _verify(admin)["chains"] if c["chain_id"] == chain.chain_id]
    assert found["ok"] is False and found["first_bad"] == events[1]["id"]
    assert found["where"]["check"] == "content" and found["where"]["position"] == 2
    assert found["where"]["kind"] == "print_receipt"
    run_sql(fresh_server, "DELETE FROM client_audit_events WHERE id = ?", (events[1]["id"],))
    (found,) = [c for c in _verify(admin)["chains"] if c["chain_id"] == chain.chain_id]
    assert found["where"]["check"] == "missing" and found["where"]["position"] == 2
    assert found["where"]["id"] == events[2]["id"] and found["events"] == 1
    assert _verify(admin)["ok"] is True  # the server's own chain is untouched
