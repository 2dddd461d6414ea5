"""An official's NIP (issue 13: the signature block of a letter prints it under the name):
set by the administrator when creating or changing a user, cleared with '', refused unless 18
digits, and answered by /me so the desktop signs with it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.demo import DEMO_NIPS
from tests.live_server import LiveServer
from tests.server.conftest import Api

KELURAHAN = "14.71.01.1002"
NIP = "198001012006041001"


def _listed(admin: Api, username: str) -> dict[str, Any]:
    (row,) = [u for u in admin.get("/users").json()["items"] if u["username"] == username]
    return dict(row)


ARABIC_INDIC = "".join(chr(0x0660 + int(c)) for c in "198001012006041001")
"""Eighteen digits to Python's and the regex engine's `\\d`, none of them 0-9."""


@pytest.mark.parametrize(
    "bad", ["1980010120060410", "19800101200604100X", "1" * 19, " " * 18, ARABIC_INDIC]
)
def test_a_nip_is_eighteen_digits_or_nothing(login: Any, bad: str) -> None:
    admin = login("admin")
    body = {
        "username": "n" + uuid.uuid4().hex[:10],
        "full_name": "Uji NIP",
        "password": "rahasia-uji-nip",
        "roles": ["validator"],
        "office_code": KELURAHAN,
        "nip": bad,
    }
    r = admin.post("/users", json=body)
    assert r.status_code == 422, r.text
    assert "nip" in r.text


def test_set_changed_cleared_and_answered_by_me(live_server: LiveServer, login: Any) -> None:
    admin = login("admin")
    username, password = "n" + uuid.uuid4().hex[:10], "rahasia-uji-nip"
    r = admin.post(
        "/users",
        json={
            "username": username,
            "full_name": "Drs. Uji Nip",
            "password": password,
            "roles": ["validator", "verifier"],
            "office_code": KELURAHAN,
            "nip": NIP,
        },
    )
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]
    assert r.json()["nip"] == NIP and _listed(admin, username)["nip"] == NIP
    assert Api(live_server, username, password).me["nip"] == NIP

    other = "197912312005011002"
    assert admin.patch(f"/users/{user_id}", json={"nip": other}).json()["nip"] == other
    assert Api(live_server, username, password).me["nip"] == other
    assert admin.patch(f"/users/{user_id}", json={"full_name": "Drs. Uji"}).json()["nip"] == other
    assert admin.patch(f"/users/{user_id}", json={"nip": ""}).json()["nip"] is None
    assert Api(live_server, username, password).me["nip"] is None


def test_the_demo_officials_have_their_nip(login: Any) -> None:
    assert login("lurah").me["nip"] == DEMO_NIPS["lurah1"]
    assert login("operator").me["nip"] is None
