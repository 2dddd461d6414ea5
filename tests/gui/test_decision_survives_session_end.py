"""Issue 10, one send path: a decision is on disk (the outbox) before any request leaves.
Deciding while the server does not answer (a black hole) and signing out at once used to
lose it: the decision lived only in the request under way, and the session's end dropped
its failure. Now the store holds it, and the next session sends it, exactly once (nothing
else could: the first session and its requests are gone)."""

from __future__ import annotations

import uuid

import pytest
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import Action
from desktop.models.outbox import EntryState
from tests.desktop.support import MemoryKeyring, Remote
from tests.faultproxy import FaultProxy
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    open_row,
    running_app,
    search,
    sign_in,
    tick_all,
    verify_by_keys,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def test_signing_out_right_after_deciding_loses_nothing_and_the_next_session_sends_it(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Pamit" + uuid.uuid4().hex[:6]
    operator = Remote(live_server.api, "operator1", PASSWORD)
    app_id = operator.create(f"{tag} Rini")["id"]
    with (
        FaultProxy(live_server.url) as proxy,
        running_app(
            proxy.url, memory_keyring, refresh_interval_seconds=3600, request_timeout_seconds=3
        ) as loket,
    ):
        sign_in(qtbot, loket, "verifier1")
        store = loket.store
        assert store is not None
        path = store.path
        search(qtbot, loket, tag)
        page = loket.queue_page
        assert page is not None
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
        assert open_row(qtbot, loket) == app_id
        tick_all(loket)

        proxy.black_hole()  # from now on no request is answered
        before = proxy.accepted
        verify_by_keys(qtbot, loket)  # "no documents: verify anyway?" answered yes
        qtbot.waitUntil(lambda: proxy.accepted > before, timeout=WAIT)  # on its way, unanswered
        loket.sign_out()  # at once: the person leaves the counter

        assert operator.get(app_id)["status"] == "submitted"

        proxy.pass_through()
        sign_in(qtbot, loket, "verifier1")  # a new session on the same (encrypted) store file
        again = loket.store
        assert again is not None and again.path == path

        def decisions() -> list[tuple[str, EntryState]]:
            assert again is not None
            entries = again.outbox_entries(app_id)
            return [(e.transaction_id, e.state) for e in entries if e.kind == "decision"]

        qtbot.waitUntil(lambda: [s for _t, s in decisions()] == [EntryState.SENT], timeout=WAIT)
        ((tx, _state),) = decisions()
        history = operator.get(app_id)["history"]
        assert [h.get("transaction_id") for h in history].count(tx) == 1
        assert [h["action"] for h in history].count(Action.VERIFY.value) == 1
