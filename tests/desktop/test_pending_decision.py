"""Reopening an application whose decision is still in the outbox (issue 10): the pending
decision is shown read-only with its state and until when the claim holds, and no second
decision is offered until it is sent or resolved. The real server, a real store."""

from __future__ import annotations

import uuid

from pytestqt.qtbot import QtBot

from desktop.controllers.workbench import WorkbenchController
from desktop.domain.catalogue import Catalogue
from desktop.models.store import Store
from desktop.services.outbox import OutboxSender
from desktop.services.tasks import TaskRunner
from tests.desktop.support import Remote
from tests.desktop.test_outbox import PASSWORD, WAIT, keep, signed_in
from tests.live_server import LiveServer


def test_reopening_shows_the_pending_decision_and_offers_no_second_one(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Tertunda " + uuid.uuid4().hex[:6])["id"]
    apps, user = signed_in(live_server.url, "verifier1", store)
    apps.claim(app_id)
    keep(apps, app_id)  # decided; not sent yet (the line was down)
    c = WorkbenchController(runner, apps, user, catalogue, neighbours=lambda _a: (None, None))
    messages: list[tuple[str, str]] = []
    c.message.connect(lambda text, kind: messages.append((text, kind)))
    with qtbot.waitSignal(c.opened, timeout=WAIT):
        c.open(app_id)
    text, kind = messages[-1]
    assert text.startswith("Keputusan belum terkirim: verify ") and "menunggu" in text
    assert "Diklaim sampai " in text and ("WIB" in text or "WITA" in text or "WIT" in text)
    assert kind == "info" and c.read_only  # no second decision
    c.close()
    assert runner.wait_idle(10_000)

    # sent: reopened, the application is the server's again and decisions are offered
    assert OutboxSender(apps, store).send_due().sent
    messages.clear()
    with qtbot.waitSignal(c.opened, timeout=WAIT):
        c.open(app_id)
    assert not any("belum terkirim" in t for t, _k in messages)
    assert c.detail is not None and c.detail.status_raw == "verified"
    c.close()
    assert runner.wait_idle(10_000)
