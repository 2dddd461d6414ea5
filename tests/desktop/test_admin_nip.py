"""The admin service and the official's NIP against the real server: read from the user rows,
sent on create only when given, set and cleared with PATCH, and the server's 422 turned into a
sentence that says what a NIP must be (its own names only the field)."""

from __future__ import annotations

import uuid

import pytest

from desktop.services.admin import (
    NIP_REFUSED,
    AdminService,
    StaffMember,
    nip_acceptable,
    normalized_nip,
)
from desktop.services.api.errors import ApiError
from tests.gui.admin.conftest import client_for
from tests.live_server import LiveServer
from tests.server.conftest import Api

NIP = "198001012006041001"
KELURAHAN = "14.71.01.1002"


@pytest.fixture
def admin(live_server: LiveServer) -> Api:
    username, password = live_server.accounts["admin"]
    return Api(live_server, username, password)


@pytest.fixture
def service(live_server: LiveServer, admin: Api) -> AdminService:
    return AdminService(client_for(live_server, admin))


def _create(service: AdminService, nip: str = "") -> StaffMember:
    return service.create_user(
        username="s" + uuid.uuid4().hex[:10],
        full_name="Uji Layanan NIP",
        password="rahasia-" + uuid.uuid4().hex[:6],
        roles=("validator",),
        office_code=KELURAHAN,
        nip=nip,
    )


def _stored(admin: Api, user_id: str) -> object:
    (row,) = [u for u in admin.get("/users").json()["items"] if u["id"] == user_id]
    return row["nip"]


def test_typed_as_printed_is_eighteen_ascii_digits() -> None:
    assert normalized_nip(" 19800101 200604 1 001 ") == NIP
    assert nip_acceptable(NIP) and nip_acceptable("")
    assert not nip_acceptable(NIP[:-1]) and not nip_acceptable(NIP + "1")
    assert not nip_acceptable("19800101200604100X")
    assert not nip_acceptable("١٩٨٠٠١٠١٢٠٠٦٠٤١٠٠١")  # Arabic-Indic digits are digits, not a NIP


def test_created_with_and_without_a_nip_and_listed(service: AdminService, admin: Api) -> None:
    official = _create(service, NIP)
    assert official.nip == NIP and _stored(admin, official.id) == NIP
    clerk = _create(service)
    assert clerk.nip is None and _stored(admin, clerk.id) is None
    listed = {m.id: m for m in service.users()}
    assert listed[official.id].nip == NIP and listed[clerk.id].nip is None


def test_set_changed_and_cleared(service: AdminService, admin: Api) -> None:
    member = _create(service)
    assert service.set_nip(member.id, NIP).nip == NIP
    assert _stored(admin, member.id) == NIP
    assert service.set_nip(member.id, "197912312005011002").nip == "197912312005011002"
    assert service.set_nip(member.id, "").nip is None
    assert _stored(admin, member.id) is None


def test_the_servers_refusal_says_what_a_nip_is(service: AdminService, admin: Api) -> None:
    member = _create(service)
    with pytest.raises(ApiError) as refused:
        service.set_nip(member.id, NIP[:-1])
    assert refused.value.status == 422 and refused.value.message == NIP_REFUSED
    assert _stored(admin, member.id) is None
    before = {u["username"] for u in admin.get("/users").json()["items"]}
    with pytest.raises(ApiError) as refused:
        _create(service, "19800101200604100X")
    assert refused.value.message == NIP_REFUSED
    assert {u["username"] for u in admin.get("/users").json()["items"]} == before
    # Another refusal keeps the server's own sentence.
    with pytest.raises(ApiError) as other:
        service.create_user(
            username="operator1",
            full_name="Rangkap",
            password="rahasia-panjang",
            roles=("operator",),
            office_code=KELURAHAN,
            nip=NIP,
        )
    assert other.value.status == 409 and "sudah dipakai" in other.value.message
