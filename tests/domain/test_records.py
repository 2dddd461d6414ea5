"""Reading the server's JSON: strict where the desktop relies on it, lenient about the future."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from desktop.domain.records import (
    ApplicationDetail,
    ApplicationSummary,
    RecordError,
    parse_datetime,
)
from desktop.domain.workflow import Action, State

SUMMARY: dict[str, Any] = {
    "id": "6f1c2d1e-8a3b-4c47-9a55-2f0e4e1b9c01",
    "registration_number": "1471-261124-0042-6",
    "provisional_number": None,
    "service_code": "KK-BARU",
    "status": "submitted",
    "version": 3,
    "office_code": "14.71.01.1001",
    "applicant": {
        "nik": "1471015208900001",
        "name": "Siti Rahmawati",
        "birth_date": "1990-08-12",
        "sex": "P",
        "kk_number": None,
        "phone": "081234567890",
        "email": None,
        "address": "Jl. Sudirman No. 1",
    },
    "channel": "counter",
    "created_at": "2026-11-24T01:02:03Z",
    "updated_at": "2026-11-24T01:05:00+00:00",
    "submitted_at": "2026-11-24T01:02:03Z",
    "due_at": None,
    "claim": {
        "user_id": "u-1",
        "username": "verifikator1",
        "full_name": "Budi Santoso",
        "expires_at": "2026-11-24T01:20:00Z",
    },
    "seq": 1207,
}

DETAIL: dict[str, Any] = {
    **copy.deepcopy(SUMMARY),
    "documents": [
        {
            "id": "d-1",
            "requirement_code": "KTP",
            "filename": "ktp.jpg",
            "content_type": "image/jpeg",
            "size": 12345,
            "sha256": "ab" * 32,
            "uploaded_at": "2026-11-24T01:03:00Z",
            "uploaded_by": "operator1",
        }
    ],
    "history": [
        {
            "id": "h-1",
            "action": "submit",
            "from_status": "draft",
            "to_status": "submitted",
            "actor": {"user_id": "u-0", "username": "operator1", "full_name": "Ani"},
            "role": "operator",
            "office_code": "14.71.01.1001",
            "device_id": "dev-1",
            "device_time": "2026-11-24T08:02:00+07:00",
            "server_time": "2026-11-24T01:02:03Z",
            "reason": None,
            "checklist": [{"requirement_code": "KTP", "ok": True, "note": None}],
        }
    ],
}


def test_summary_parses() -> None:
    app = ApplicationSummary.from_json(SUMMARY)
    assert app.status is State.SUBMITTED
    assert app.version == 3
    assert app.applicant.birth_date == date(1990, 8, 12)
    assert app.claim is not None and app.claim.full_name == "Budi Santoso"
    assert app.claim.expires_at == datetime(2026, 11, 24, 1, 20, tzinfo=UTC)
    assert app.number == "1471-261124-0042-6"


def test_detail_parses_documents_and_history() -> None:
    app = ApplicationDetail.from_json(DETAIL)
    assert app.documents[0].requirement_code == "KTP"
    entry = app.history[0]
    assert entry.action is Action.SUBMIT
    assert entry.to_status is State.SUBMITTED
    assert entry.device_time == datetime(2026, 11, 24, 1, 2, tzinfo=UTC)  # +07:00 normalised
    assert entry.checklist[0].ok is True


def test_newer_server_values_are_kept_not_fatal() -> None:
    raw = copy.deepcopy(DETAIL)
    raw["status"] = "archived"
    raw["history"][0]["action"] = "escalate"
    raw["history"][0]["to_status"] = "archived"
    raw["brand_new_field"] = {"anything": 1}
    app = ApplicationDetail.from_json(raw)
    assert app.status is None and app.status_raw == "archived"
    assert app.history[0].action is None and app.history[0].action_raw == "escalate"
    assert app.history[0].to_status is None


def test_provisional_number_is_the_number_until_official() -> None:
    raw = {**SUMMARY, "registration_number": None, "provisional_number": "SEM-1471-D01-261124-0001"}
    assert ApplicationSummary.from_json(raw).number == "SEM-1471-D01-261124-0001"


def _without(key: str) -> dict[str, Any]:
    raw = copy.deepcopy(SUMMARY)
    del raw[key]
    return raw


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not an object", "'application' harus objek"),
        (_without("version"), "'application.version' tidak ada"),
        ({**SUMMARY, "version": "3"}, "'application.version' harus bilangan bulat"),
        ({**SUMMARY, "version": True}, "'application.version' harus bilangan bulat"),
        ({**SUMMARY, "status": 5}, "'application.status' harus teks"),
        ({**SUMMARY, "created_at": "kemarin"}, "'application.created_at' bukan waktu"),
        ({**SUMMARY, "applicant": None}, "'application.applicant' harus objek"),
        ({**SUMMARY, "applicant": {"nik": "1"}}, "'application.applicant.name' tidak ada"),
        (
            {**SUMMARY, "applicant": {**SUMMARY["applicant"], "birth_date": "1990-13-01"}},
            "'application.applicant.birth_date'",
        ),
        ({**SUMMARY, "claim": {"user_id": "x"}}, "'application.claim.username' tidak ada"),
    ],
)
def test_malformed_responses_name_the_field(raw: Any, fragment: str) -> None:
    with pytest.raises(RecordError) as err:
        ApplicationSummary.from_json(raw)
    assert fragment in str(err.value)


def test_malformed_nested_lists() -> None:
    raw = copy.deepcopy(DETAIL)
    raw["documents"] = {"not": "a list"}
    with pytest.raises(RecordError, match=r"'application\.documents' harus daftar"):
        ApplicationDetail.from_json(raw)
    raw = copy.deepcopy(DETAIL)
    raw["history"][0]["checklist"][0]["ok"] = "ya"
    with pytest.raises(RecordError, match=r"history\[0\]\.checklist\[0\]\.ok"):
        ApplicationDetail.from_json(raw)


def test_naive_datetimes_are_utc() -> None:
    assert parse_datetime("2026-11-24T01:02:03") == datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
