"""A PC revoked by an administrator while work waits in its outbox (issue 14): the round stops
at the first refusal with the Indonesian "perangkat dicabut" message, the entry stays unsent
(menunggu, not ditolak server, never dropped) so it can still be exported, and no later round
sends anything on the revoked device's behalf."""

from __future__ import annotations

import uuid

from desktop.models.outbox import EntryState, has_unsent
from desktop.models.store import Store
from desktop.services.auth import DEVICE_REVOKED_MESSAGE
from desktop.services.outbox import OutboxSender
from tests.desktop.support import Remote
from tests.desktop.test_outbox import PASSWORD, keep, signed_in, state_of
from tests.live_server import LiveServer
from tests.server.conftest import Api


def test_a_revoked_pc_keeps_its_unsent_work_and_stops_sending(
    live_server: LiveServer, store: Store
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Cabut Perangkat " + uuid.uuid4().hex[:6])["id"]
    apps, _user = signed_in(live_server.url, "verifier1", store)
    apps.claim(app_id)
    tx = keep(apps, app_id)
    assert state_of(store, tx) is EntryState.WAITING

    admin = Api(live_server, *live_server.accounts["admin"])
    r = admin.post(f"/devices/{apps.api.device_id}/revoke", json={"reason": "Komputer dicuri"})
    assert r.status_code == 200, r.text

    report = OutboxSender(apps, store).send_due()
    assert report.session_expired == DEVICE_REVOKED_MESSAGE
    assert report.sent == [] and report.refused == [] and report.retry == []
    assert state_of(store, tx) is EntryState.WAITING  # kept for the export, not refused
    assert has_unsent(store.path)

    again = OutboxSender(apps, store).send_due()  # the session is gone: nothing leaves this PC
    assert again.sent == [] and again.refused == []
    assert state_of(store, tx) is EntryState.WAITING
    history = operator.get(app_id)["history"]
    assert tx not in [h.get("transaction_id") for h in history]
