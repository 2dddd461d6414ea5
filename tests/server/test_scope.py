"""Scope: an office sees itself and its descendants; anything else is 404, never 403."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import requests

from desktop.domain.identity import check_nik, encode_nik
from desktop.domain.numbering import looks_like_registration_number
from desktop.domain.records import ApplicationSummary
from tests.live_server import LiveServer
from tests.server.conftest import Api, application_body


def _all_items(api: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = dict(params, limit=200)
        if cursor:
            q["cursor"] = cursor
        page = api.get(path, params=q).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _feed(api: Any) -> list[dict[str, Any]]:
    items, since = [], 0
    while True:
        page = api.get("/applications/changes", params={"since": since, "limit": 500}).json()
        items.extend(page["items"])
        since = page["last_seq"]
        if not page["has_more"]:
            return items


def test_other_kelurahan_is_invisible(login: Any) -> None:
    mine, other = login("operator"), login("operator2")
    theirs = other.create()
    app_id = theirs["id"]
    for method, path, kw in (
        ("get", f"/applications/{app_id}", {}),
        ("post", f"/applications/{app_id}/claim", {}),
        ("delete", f"/applications/{app_id}/claim", {}),
        (
            "post",
            f"/applications/{app_id}/actions",
            {
                "json": {
                    "action": "verify",
                    "expected_version": 2,
                    "transaction_id": str(uuid.uuid4()),
                }
            },
        ),
        ("get", f"/applications/{app_id}/documents/{uuid.uuid4()}", {}),
    ):
        r = getattr(mine, method)(path, **kw)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["code"] == "not_found"
    # A made-up id answers exactly the same: existence is never revealed.
    r = mine.get(f"/applications/{uuid.uuid4()}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert app_id not in {i["id"] for i in _all_items(mine, "/applications")}
    assert app_id not in {i["id"] for i in _feed(mine)}
    assert app_id not in {
        i["id"] for i in _all_items(mine, "/applications", office_code="14.71.02.1001")
    }


def test_kelurahan_kecamatan_dinas(login: Any) -> None:
    kelurahan, kecamatan, dinas = login("operator"), login("operator3"), login("verifier")
    app = kelurahan.create()
    assert kecamatan.get(f"/applications/{app['id']}").status_code == 200
    assert dinas.get(f"/applications/{app['id']}").status_code == 200
    kel_items = _all_items(kelurahan, "/applications")
    assert kel_items and {i["office_code"] for i in kel_items} == {"14.71.01.1002"}
    kec_offices = {i["office_code"] for i in _all_items(kecamatan, "/applications")}
    assert kec_offices and all(c == "14.71.01" or c.startswith("14.71.01.") for c in kec_offices)
    dinas_offices = {i["office_code"] for i in _feed(dinas)}
    assert any(not c.startswith("14.71.01") for c in dinas_offices)
    offices = kelurahan.get("/offices").json()["items"]
    assert [o["code"] for o in offices] == ["14.71.01.1002"]
    kec = [o["code"] for o in kecamatan.get("/offices").json()["items"]]
    assert kec[0] == "14.71.01" and len(kec) == 8
    assert len(dinas.get("/offices").json()["items"]) == 99


def test_list_filters_and_keyset_pagination(login: Any) -> None:
    verifier = login("verifier")
    all_items = _all_items(verifier, "/applications")
    ids = [i["id"] for i in all_items]
    assert len(ids) == len(set(ids)) >= 200
    keys = [(i["created_at"], i["id"]) for i in all_items]
    assert keys == sorted(keys)
    for item in all_items[:20]:
        ApplicationSummary.from_json(item)
    submitted = _all_items(verifier, "/applications", status=["submitted", "verified"])
    assert submitted and {i["status"] for i in submitted} <= {"submitted", "verified"}
    service = all_items[0]["service_code"]
    assert {
        i["service_code"] for i in _all_items(verifier, "/applications", service_code=service)
    } == {service}
    overdue = _all_items(verifier, "/applications", overdue="true")
    assert all(i["status"] not in ("completed", "rejected", "cancelled") for i in overdue)
    target = next(i for i in all_items if i["registration_number"])
    by_number = _all_items(verifier, "/applications", q=target["registration_number"])
    assert [i["id"] for i in by_number] == [target["id"]]
    by_nik = _all_items(verifier, "/applications", q=target["applicant"]["nik"])
    assert target["id"] in {i["id"] for i in by_nik}
    word = target["applicant"]["name"].split()[0].lower()
    by_name = _all_items(verifier, "/applications", q=word)
    assert target["id"] in {i["id"] for i in by_name}
    mine = _all_items(verifier, "/applications", claimed_by_me="true")
    assert all(i["claim"]["username"] == "verifier1" for i in mine)
    r = verifier.get("/applications", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_changes_feed_is_monotonic_and_complete(login: Any) -> None:
    verifier, operator = login("verifier"), login("operator")
    first = verifier.get("/applications/changes", params={"since": 0, "limit": 50}).json()
    assert first["has_more"] and len(first["items"]) == 50
    seqs = [i["seq"] for i in first["items"]]
    assert seqs == sorted(seqs) and first["last_seq"] == seqs[-1]
    everything = _feed(verifier)
    assert len({i["id"] for i in everything}) == len(everything)
    head = verifier.get("/applications/changes", params={"since": 0, "limit": 1000}).json()
    last = head["last_seq"]
    while head["has_more"]:
        head = verifier.get("/applications/changes", params={"since": last}).json()
        last = head["last_seq"]
    app = operator.create()
    page = verifier.get("/applications/changes", params={"since": last}).json()
    assert [i["id"] for i in page["items"]] == [app["id"]]
    assert page["last_seq"] == app["seq"] > last
    empty = verifier.get("/applications/changes", params={"since": page["last_seq"]}).json()
    assert empty == {"items": [], "last_seq": page["last_seq"], "has_more": False}


def test_a_nik_that_also_parses_as_a_registration_number_is_found(login: Any) -> None:
    """~2% of NIKs pass the registration number's check digit; search must still find them."""
    rng = random.Random()
    while True:
        born = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        nik = encode_nik("14.71.01", born, "L", rng.randint(1, 9999))
        if looks_like_registration_number(nik):
            break
    assert check_nik(nik).ok
    operator = login("operator")
    app = operator.create(nik=nik, sex="L", name="Pemohon Nomor Kembar")
    for q in (
        nik,
        f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}",
        f"{nik[:6]}.{nik[6:12]}.{nik[12:]}",
    ):
        found = _all_items(operator, "/applications", q=q)
        assert app["id"] in {i["id"] for i in found}, q
    # A real registration number still finds exactly its application.
    by_number = _all_items(operator, "/applications", q=app["registration_number"])
    assert [i["id"] for i in by_number] == [app["id"]]


def test_changes_feed_is_complete_under_concurrent_writers(live_server: LiveServer) -> None:
    """Four writers create applications while a reader pages the feed in small pages: the
    reader sees every one of them with the seq its create answered (nothing skipped)."""
    operator = Api(live_server, *live_server.accounts["operator"])
    reader = Api(live_server, *live_server.accounts["verifier"])
    since = 0
    while True:  # to the head of the feed
        page = reader.get("/applications/changes", params={"since": since, "limit": 1000}).json()
        since = page["last_seq"]
        if not page["has_more"]:
            break
    headers = dict(operator.http.headers)
    office = operator.me["office"]["code"]
    created: dict[str, int] = {}
    seen: dict[str, int] = {}
    stop = threading.Event()

    def writer(_n: int) -> None:
        with requests.Session() as http:
            http.headers.update(headers)
            for _ in range(12):
                r = http.post(
                    live_server.api + "/applications",
                    json=application_body(office),
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                    timeout=60,
                )
                assert r.status_code == 201, r.text
                created[r.json()["id"]] = r.json()["seq"]

    def read(cursor: int) -> int:
        page = reader.get("/applications/changes", params={"since": cursor, "limit": 3}).json()
        for item in page["items"]:
            assert item["seq"] > cursor
            seen[item["id"]] = item["seq"]
        return int(page["last_seq"])

    def follow() -> int:
        cursor, polls = since, 0
        while not stop.is_set():
            cursor = read(cursor)
            polls += 1
        while True:  # catch up with what committed last
            nxt = read(cursor)
            if nxt == cursor:
                return polls
            cursor = nxt

    with ThreadPoolExecutor(5) as pool:
        follower = pool.submit(follow)
        started = time.monotonic()
        try:
            list(pool.map(writer, range(4)))
        finally:
            stop.set()
        polls = follower.result()
    print(
        f"{len(created)} creates by 4 writers in {time.monotonic() - started:.1f} s, {polls} polls"
    )
    assert len(created) == 48
    missed = {app_id for app_id, seq in created.items() if seen.get(app_id) != seq}
    assert not missed, f"the feed skipped {len(missed)} of {len(created)} changes"
