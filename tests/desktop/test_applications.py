"""Claim, decide and conflicts against the real server; 409s name who acted first."""

from __future__ import annotations

import uuid

import pytest

from desktop.domain.records import ChecklistItem
from desktop.domain.workflow import State
from desktop.models.changes import Part, StoreChange, caused_by
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError, ConnectionFailure, FailureKind
from desktop.services.applications import (
    ApplicationService,
    ConflictError,
    KeptMark,
    KeptMarks,
    PendingDecision,
)
from desktop.services.auth import AuthService
from desktop.services.operations import OpKind
from desktop.services.retry import is_transient
from desktop.services.secrets import SecretStore
from tests.desktop.support import MemoryKeyring, Remote
from tests.live_server import LiveServer

PASSWORD = "loket-demo"


def service_for(server: LiveServer, username: str, store: Store) -> ApplicationService:
    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    user = AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, PASSWORD)
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    return apps


def test_claim_act_release_and_cache_update(live_server: LiveServer, store: Store) -> None:
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Satu")
    apps = service_for(live_server, "verifier1", store)
    claim = apps.claim(created["id"])
    assert claim.claim.username == "verifier1"
    assert apps.claim(created["id"]).claim.expires_at >= claim.claim.expires_at
    detail = apps.fetch_detail(created["id"])
    assert detail.status is State.SUBMITTED and store.summary(detail.id) is not None
    result = apps.act(
        detail.id,
        "verify",
        expected_version=detail.version,
        checklist=[ChecklistItem("SURAT-PENGANTAR-RT-RW", True, None)],
    )
    assert result.application.status is State.VERIFIED
    assert result.entry is not None and result.entry.action_raw == "verify"
    cached = store.summary(detail.id)
    assert cached is not None and cached.status is State.VERIFIED
    apps.release(detail.id)
    apps.release(detail.id)  # releasing twice is harmless


def test_claimed_by_other_names_the_holder(live_server: LiveServer, store: Store) -> None:
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Dua")
    colleague = Remote(live_server.api, "verifier2", PASSWORD)
    assert colleague.claim(created["id"]).status_code == 200
    apps = service_for(live_server, "verifier1", store)
    with pytest.raises(ConflictError) as info:
        apps.claim(created["id"])
    assert info.value.code == "claimed_by_other"
    assert "Andi Saputra (verifier2)" in info.value.message
    assert "sedang dikerjakan" in info.value.message


def test_version_conflict_names_who_decided_first(live_server: LiveServer, store: Store) -> None:
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Tiga")
    apps = service_for(live_server, "verifier1", store)
    apps.claim(created["id"])
    seen = apps.fetch_detail(created["id"])
    apps.release(created["id"])
    Remote(live_server.api, "verifier2", PASSWORD).decide(created["id"], "reject", "Berkas palsu")
    with pytest.raises(ConflictError) as info:
        apps.act(seen.id, "verify", expected_version=seen.version, seen_status=seen.status_raw)
    message = info.value.message
    assert "ditolak oleh Andi Saputra (verifier2" in message
    assert "Status sekarang: Ditolak" in message
    cached = store.summary(seen.id)
    assert cached is not None and cached.status is State.REJECTED  # the cache has the news


def test_reason_required_and_role_errors_are_plain(live_server: LiveServer, store: Store) -> None:
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Empat")
    apps = service_for(live_server, "verifier1", store)
    apps.claim(created["id"])
    detail = apps.fetch_detail(created["id"])
    with pytest.raises(ApiError) as info:
        apps.act(detail.id, "reject", expected_version=detail.version, reason="   ")
    assert info.value.code == "reason_required" and info.value.detail
    with pytest.raises(ApiError) as info2:
        apps.act(detail.id, "validate", expected_version=detail.version)
    assert info2.value.code in ("role_not_allowed", "wrong_state")
    apps.release(detail.id)


def test_document_bytes_and_lookup_by_number(live_server: LiveServer, store: Store) -> None:
    apps = service_for(live_server, "verifier1", store)
    body = apps.api.get_json("/applications", {"status": "submitted", "limit": 20})
    with_docs = None
    for item in body["items"]:
        detail = apps.fetch_detail(item["id"])
        if detail.documents:
            with_docs = detail
            break
    assert with_docs is not None
    data = apps.fetch_document(with_docs.id, with_docs.documents[0].id)
    assert len(data) == with_docs.documents[0].size
    assert with_docs.registration_number
    found = apps.find_by_number(with_docs.registration_number)
    assert found is not None and found.id == with_docs.id
    assert apps.find_by_number("1471-010101-9999-0") is None
    assert "14.71" in apps.offices()


# -- a decision whose answers were lost is retried, never a conflict with oneself (finding 4) -----


def lose_action_answers(apps: ApplicationService, times: int) -> list[dict[str, object]]:
    """The server applies the decision but the answer never arrives (`times` times)."""
    real = apps.api.post_json
    sent: list[dict[str, object]] = []

    def flaky(path: str, body: object, **kw: object) -> object:
        answer = real(path, body, **kw)  # type: ignore[arg-type]
        if path.endswith("/actions"):
            sent.append(dict(body))  # type: ignore[call-overload]
            if len(sent) <= times:
                raise ConnectionFailure(FailureKind.TIMEOUT, "jawaban hilang")
        return answer

    apps.api.post_json = flaky  # type: ignore[method-assign]
    return sent


def test_retrying_a_decision_reuses_its_transaction(live_server: LiveServer, store: Store) -> None:
    """The automatic replay and its answer are both lost; the person presses the button again:
    the same `PendingDecision` goes again and the server answers with the original result."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    created = operator.create("Layanan Uji Ulang")
    apps = service_for(live_server, "verifier1", store)
    apps.claim(created["id"])
    detail = apps.fetch_detail(created["id"])
    sent = lose_action_answers(apps, times=2)
    checklist = [ChecklistItem("SURAT-PENGANTAR-RT-RW", True, None)]
    pending = PendingDecision.create(
        detail.id,
        "verify",
        expected_version=detail.version,
        checklist=checklist,
        seen_status=detail.status_raw,
    )
    with pytest.raises(ConnectionFailure) as lost:
        apps.decide(pending)
    assert is_transient(lost.value)
    assert operator.get(detail.id)["status"] == "verified"  # applied, answer lost twice
    # "Coba lagi": the workbench finds the person's choice unchanged and reuses the decision.
    assert pending.matches(
        detail.id, "verify", expected_version=detail.version, checklist=checklist
    )
    assert not pending.matches(detail.id, "reject", expected_version=detail.version)
    result = apps.decide(pending)
    assert result.application.status is State.VERIFIED
    assert result.entry is not None and result.entry.action_raw == "verify"
    assert len({b["transaction_id"] for b in sent}) == 1 and len(sent) == 3
    assert all(b == sent[0] for b in sent)  # byte-for-byte the same request each time
    history = operator.get(detail.id)["history"]
    assert [h["action"] for h in history].count("verify") == 1  # applied exactly once
    cached = store.summary(detail.id)
    assert cached is not None and cached.status is State.VERIFIED


def test_a_new_transaction_is_not_taken_for_the_lost_one(
    live_server: LiveServer, store: Store
) -> None:
    """Recognised by transaction id only (issue 10): a caller that sends the same choice as a
    NEW transaction after losing the answer gets the conflict, naming the person's own earlier
    decision — never a guess by position that could take someone else's decision for ours."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    created = operator.create("Layanan Uji Ulang Dua")
    apps = service_for(live_server, "verifier1", store)
    apps.claim(created["id"])
    detail = apps.fetch_detail(created["id"])
    sent = lose_action_answers(apps, times=2)
    with pytest.raises(ConnectionFailure):
        apps.act(detail.id, "verify", expected_version=detail.version, seen_status="submitted")
    with pytest.raises(ConflictError) as info:
        apps.act(detail.id, "verify", expected_version=detail.version, seen_status="submitted")
    message = info.value.message  # names the person's own earlier decision, as anyone's
    assert "sudah diverifikasi oleh" in message and "(verifier1," in message, message
    first = sent[0]["transaction_id"]
    assert [b["transaction_id"] for b in sent] == [first, first]  # the lost one, replayed once
    history = operator.get(detail.id)["history"]
    assert [h.get("transaction_id") for h in history].count(first) == 1  # applied once, by id
    assert [h["action"] for h in history].count("verify") == 1


def test_someone_elses_decision_is_still_a_conflict(live_server: LiveServer, store: Store) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    created = operator.create("Layanan Uji Ulang Tiga")
    apps = service_for(live_server, "verifier1", store)
    seen = apps.fetch_detail(created["id"])
    Remote(live_server.api, "verifier2", PASSWORD).decide(created["id"], "verify")
    pending = PendingDecision.create(
        seen.id, "verify", expected_version=seen.version, seen_status=seen.status_raw
    )
    with pytest.raises(ConflictError) as info:
        apps.decide(pending)
    assert "verifier2" in info.value.message
    assert not is_transient(info.value)  # decide again on fresh data


# -- the local side of one application: detail for offline reading, released claim, marks ----


def test_detail_is_kept_for_offline_reading_and_a_release_clears_the_row(
    live_server: LiveServer, store: Store
) -> None:
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Luring")
    apps = service_for(live_server, "verifier1", store)
    apps.claim(created["id"])
    detail = apps.fetch_detail(created["id"])
    rid = store.rid_of(detail.id)
    assert rid is not None and store.rows([rid])[rid].claim_user_id == apps.my_user_id
    apps.release(detail.id)
    # The queue says "Ditangani oleh: Saya" no longer, before any pull.
    assert store.rows([rid])[rid].claim_user_id is None
    cached = apps.cached_detail(detail.id)
    assert cached is not None and cached.id == detail.id
    assert [d.id for d in cached.documents] == [d.id for d in detail.documents]
    assert [h.id for h in cached.history] == [h.id for h in detail.history]
    assert cached.claim is None
    assert apps.cached_detail(str(uuid.uuid4())) is None


def test_a_claim_and_its_renewal_are_written_to_the_store_and_announced(
    live_server: LiveServer, store: Store
) -> None:
    """The queue refreshes from the store's change events: a claim (and a renewal, with its new
    lease end) must reach the store like every other write, not only the server."""
    created = Remote(live_server.api, "operator1", PASSWORD).create("Layanan Uji Klaim")
    apps = service_for(live_server, "verifier1", store)
    apps.fetch_detail(created["id"])  # in the cache, unclaimed (as a pull would bring it)
    rid = store.rid_of(created["id"])
    assert rid is not None and store.rows([rid])[rid].claim_user_id is None
    changes: list[StoreChange] = []
    store.subscribe(changes.append)
    apps.claim(created["id"])
    assert store.rows([rid])[rid].claim_user_id == apps.my_user_id
    assert changes and all(c.about(created["id"]) and c.touches(Part.QUEUE) for c in changes)
    token = caused_by.set(OpKind.RENEW.value)  # what an Op of that kind sets on its worker
    try:
        renewed = apps.claim(created["id"])
    finally:
        caused_by.reset(token)
    assert changes[-1].cause == OpKind.RENEW.value
    cached = apps.cached_detail(created["id"])
    assert cached is not None and cached.claim is not None
    assert cached.claim.expires_at == renewed.claim.expires_at
    apps.release(created["id"])
    assert store.rows([rid])[rid].claim_user_id is None


def test_unsent_marks_are_kept_and_forgotten(store: Store) -> None:
    apps = ApplicationService(ApiClient("http://127.0.0.1:9", device_id="d"), store)
    assert apps.kept_marks("app-1") is None
    marks = KeptMarks.create(
        "app-1",
        "submitted",
        (
            KeptMark("KK", False, "buram, NIK tidak terbaca", ("ab" * 32,)),
            KeptMark("KTP-EL", True, "", ("cd" * 32,)),
            KeptMark("SURAT", None, "tanya RT", ()),
        ),
    )
    apps.keep_marks(marks)
    kept = apps.kept_marks("app-1")
    assert kept == marks
    apps.forget_marks("app-1")
    assert apps.kept_marks("app-1") is None
    store.write(lambda c: Store.put_marks(c, "app-2", "{not json", saved_at=1))
    assert apps.kept_marks("app-2") is None  # unreadable: ignored, never a crash
    assert ApplicationService(apps.api, None).kept_marks("app-1") is None  # no store: nothing
