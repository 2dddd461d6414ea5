"""Every claim and release a person makes is in the local audit log, appended in the same store
write as its local record (the claim in the queue row, the release entry or the claim's
removal): a renewal by the timer is not a person's action and is not recorded."""

from __future__ import annotations

import json
import uuid
from typing import Any

from desktop.models.outbox import EntryKind
from desktop.models.store import Store
from tests.desktop.support import Remote
from tests.desktop.test_outbox import PASSWORD, service_for
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer


def audit(store: Store, app_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = store.read(
        lambda c: c.exec_driver_sql(
            "SELECT kind, details FROM audit_log WHERE app_id = ? ORDER BY seq", (app_id,)
        ).all()
    )
    return [(str(k), json.loads(d)) for k, d in rows]


def test_claims_and_releases_are_audited_with_their_local_record(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Audit Klaim " + uuid.uuid4().hex[:6])["id"]
    with FaultProxy(live_server.url) as proxy:
        apps = service_for(proxy.url, "verifier1", store)
        apps.fetch_detail(app_id)
        apps.claim(app_id)
        apps.claim(app_id, renewal=True)  # the timer keeping the lease: not recorded
        assert apps.release(app_id) is True  # reached the server
        apps.claim(app_id)
        proxy.reset_after_request()  # this release gets no answer: queued
        assert apps.release(app_id) is False
        (entry,) = [e for e in store.outbox_entries(app_id) if e.kind == EntryKind.RELEASE.value]
        proxy.pass_through()
        apps.claim(app_id)  # claiming again drops the waiting release: recorded too
    kinds = [k for k, _d in audit(store, app_id)]
    assert kinds == [
        "claim",
        "claim_release",
        "claim",
        "claim_release",
        "claim_release_dropped",
        "claim",
    ]
    details = [d for _k, d in audit(store, app_id)]
    assert details[1]["queued"] is False and details[3]["queued"] is True
    assert details[3]["transaction_id"] == entry.transaction_id
    assert details[4]["transaction_ids"] == [entry.transaction_id]
    assert all(d.get("by_outbox") is False for k, d in audit(store, app_id) if k == "claim")
