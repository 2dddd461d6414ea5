"""The workbench controller without a window: open, claim, renew, decide, release, against the
real server. No widget is made; what it would show is what its signals say."""

from __future__ import annotations

import uuid
from typing import Any

from pytestqt.qtbot import QtBot

from desktop.controllers.workbench import Shown, WorkbenchController
from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ChecklistItem
from desktop.domain.workflow import Action, State
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService
from desktop.services.operations import OpKind
from desktop.services.secrets import SecretStore
from desktop.services.tasks import TaskRunner
from tests.access_log import ServerRequests
from tests.desktop.support import MemoryKeyring, Remote
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
WAIT = 20_000


class Seen:
    """What the controller said, in order (its signals, recorded)."""

    def __init__(self, c: WorkbenchController) -> None:
        self.shown: list[Shown] = []
        self.messages: list[tuple[str, str]] = []
        self.read_only: list[bool] = []
        self.opened: list[str] = []
        self.decided: list[tuple[str, str]] = []
        self.claims: list[Any] = []
        c.shown.connect(self.shown.append)
        c.message.connect(lambda text, kind: self.messages.append((text, kind)))
        c.read_only_changed.connect(self.read_only.append)
        c.opened.connect(self.opened.append)
        c.decided.connect(lambda app_id, action: self.decided.append((app_id, action)))
        c.claim_changed.connect(self.claims.append)


def controller_for(
    server: LiveServer, username: str, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> WorkbenchController:
    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    user = AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, PASSWORD)
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    return WorkbenchController(
        runner, apps, user, catalogue, neighbours=lambda _app_id: (None, None), renew_minutes=1
    )


def holder(remote: Remote, app_id: str) -> str | None:
    claim = remote.get(app_id).get("claim") or {}
    return claim.get("username")


def test_open_renew_decide_and_close_without_a_window(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> None:
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Tanpa Jendela " + uuid.uuid4().hex[:6])["id"]
    c = controller_for(live_server, "verifier1", store, runner, catalogue)
    seen = Seen(c)

    with qtbot.waitSignal(c.opened, timeout=WAIT):
        c.open(app_id)
    shown = seen.shown[-1]
    assert shown.detail.id == app_id and shown.detail.status is State.SUBMITTED
    assert shown.actions == (Action.VERIFY, Action.REQUEST_REVISION, Action.REJECT)
    assert seen.read_only[-1] is False
    # the claim: taken by the opening, held, renewed on a timer, written to the store
    assert holder(operator, app_id) == "verifier1"
    assert c.holds(app_id) and c.held_claim_id == app_id and c.holds_claim()
    assert c.renew_timer.isActive() and c.renew_timer.interval() == 60_000
    rid = store.rid_of(app_id)
    assert rid is not None and store.rows([rid])[rid].claim_user_id == c.user.id
    first = shown.detail.claim
    assert first is not None
    with qtbot.waitSignal(c.claim_changed, timeout=WAIT):
        c.renew_timer.timeout.emit()  # what the timer does every renew_minutes
    assert seen.claims[-1].expires_at >= first.expires_at
    # paused (idle lock): no renewal; resumed: renewed at once
    c.pause()
    assert not c.renew_timer.isActive()
    c.renew()
    assert runner.count(OpKind.RENEW) == 0
    with qtbot.waitSignal(c.claim_changed, timeout=WAIT):
        c.resume()

    # the decision: one DECIDE op while it is on its way (what the status bar counts)
    assert shown.service is not None
    items = [ChecklistItem(r.document_code, True, None) for r in shown.service.requirements]
    with qtbot.waitSignal(c.decided, timeout=WAIT):
        c.decide(Action.VERIFY.value, "", items)
        assert runner.count(OpKind.DECIDE) == 1
    assert seen.decided == [(app_id, "verify")]
    assert seen.messages[-1][1] == "success"
    assert operator.get(app_id)["status"] == "verified"
    assert seen.shown[-1].detail.status is State.VERIFIED
    assert seen.shown[-1].actions == () and seen.read_only[-1] is True  # not his stage now
    cached = store.summary(app_id)
    assert cached is not None and cached.status is State.VERIFIED

    # close: the claim goes back (if the decision left it held)
    with qtbot.waitSignal(c.closed, timeout=WAIT):
        c.close()
    assert c.current_id is None and c.held_claim_id is None
    qtbot.waitUntil(lambda: holder(operator, app_id) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: runner.active() == [], timeout=WAIT)


def test_read_only_is_decided_before_any_request(
    qtbot: QtBot, live_server: LiveServer, store: Store, runner: TaskRunner, catalogue: Catalogue
) -> None:
    """The lurah may verify his kelurahan's letters, not adminduk (decided at the dinas): the
    controller knows before asking, so no claim is sent and no 403 comes back."""
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create("Wenang " + uuid.uuid4().hex[:6], service_code="KK-KTPEL-WNI")["id"]
    c = controller_for(live_server, "lurah1", store, runner, catalogue)
    seen = Seen(c)
    requests = ServerRequests(live_server)
    with qtbot.waitSignal(c.opened, timeout=WAIT):
        c.open(app_id)
    asked = requests.about(app_id, lambda ok: qtbot.waitUntil(ok, timeout=WAIT))
    assert asked == [f"GET /api/v1/applications/{app_id} 200"]
    assert seen.shown[-1].actions == () and seen.read_only[-1] is True
    text, kind = seen.messages[-1]
    assert kind == "info" and text.startswith("Hanya baca: Layanan ")
    assert "tingkat dinas (Disdukcapil)" in text
    assert not c.holds(app_id) and not c.renew_timer.isActive()
    assert holder(operator, app_id) is None
    c.close()
