"""The API client's counter calls against the real server: create with the new fields and a
client-made status token, update (PATCH) with its conflicts, the duplicate look-up, and the
public status URL in /me."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import pytest

from desktop.domain.records import Applicant
from desktop.domain.workflow import State
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError
from desktop.services.auth import AuthService
from desktop.services.duplicates import find_open
from desktop.services.secrets import SecretStore
from desktop.views.intake.page import _hit_text
from tests.desktop.support import MemoryKeyring, Remote
from tests.live_server import LiveServer
from tests.server.conftest import new_nik

PASSWORD = "loket-demo"


def signed_in(server: LiveServer, username: str = "operator1") -> tuple[ApiClient, AuthService]:
    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    auth = AuthService(api, SecretStore(MemoryKeyring()))
    auth.sign_in(username, PASSWORD)
    return api, auth


def test_create_update_and_duplicates(live_server: LiveServer) -> None:
    api, auth = signed_in(live_server)
    user = auth.sign_in("operator1", PASSWORD)
    assert user.public_status_url == live_server.url + "/status"
    nik = new_nik()
    person = Applicant(
        nik=nik,
        name="Wan Nurhayati",
        birth_place="Siak",
        rt="004",
        rw="002",
        village_code="1471011002",
    )
    token = secrets.token_urlsafe(16)
    created = api.create_application(
        app_id=str(uuid.uuid4()),
        service_code="SK-DOMISILI",
        office_code=user.office.code,
        applicant=person.to_json(),
        idempotency_key=str(uuid.uuid4()),
        data={"keperluan.tujuan": "Melamar kerja"},
        status_token=token,
    )
    assert created.status is State.DRAFT and created.status_token == token
    assert created.applicant.birth_place == "Siak" and created.applicant.rw == "002"
    assert dict(created.data) == {"keperluan.tujuan": "Melamar kerja"}

    tx = str(uuid.uuid4())
    edited = api.update_application(
        created.id,
        expected_version=created.version,
        transaction_id=tx,
        data={"keperluan.tujuan": "Sekolah"},
    )
    assert edited.version == created.version + 1
    assert edited.history[-1].changed_fields == ("data.keperluan.tujuan",)
    with pytest.raises(ApiError) as info:
        api.update_application(
            created.id,
            expected_version=created.version,
            transaction_id=str(uuid.uuid4()),
            data={"keperluan.tujuan": "Lain"},
        )
    assert info.value.code == "version_conflict" and info.value.status == 409

    hits = api.find_duplicates(nik, "SK-DOMISILI")
    assert [(h.id, h.in_scope, h.status) for h in hits] == [(created.id, True, State.DRAFT)]
    assert api.find_duplicates(nik, "SK-USAHA") == []


def test_another_offices_open_application_is_told_by_office_not_number(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """operator2 (another kelurahan) has an open application for the NIK; operator1's guard
    says where it is and in what state, never its number or the applicant's name."""
    theirs = Remote(live_server.api, "operator2", PASSWORD).create("Wan Nurhayati")
    nik, number, office = (
        theirs["applicant"]["nik"],
        theirs["registration_number"],
        theirs["office_code"],
    )
    assert number and office

    api, _auth = signed_in(live_server, "operator1")
    assert api.find_duplicates(nik, "SK-DOMISILI")[0].office_code == office
    store = Store(tmp_path / "pc.sqlite3")
    try:
        hits = find_open(store, api, nik, "SK-DOMISILI")
    finally:
        store.close()
    assert [(h.in_scope, h.number, h.applicant_name, h.office_code) for h in hits] == [
        (False, "", "", office)
    ]
    text = _hit_text(hits[0])
    assert text.startswith("di Kel. ") and "(Diajukan)" in text, text
    assert number not in text and "Nurhayati" not in text
