"""Random sequences of counter work and faults (issue 10): take in applications with one or two
documents, claim and decide server applications, a colleague deciding one meanwhile, the line
down or losing every answer after the server committed or cutting uploads, back again, the
sender dropped mid-round (the store reopened from its file), and send rounds. Whatever the
order, once the line is back and the outbox drained: the server's offline-made applications
are exactly the ones this PC made, none twice, every document's SHA-256 equal, every decision
applied once or a visible konflik (when a colleague got there first), nothing left unsent.

One server and one proxy chain for the run (desk -> FaultProxy -> TcpProxy -> server): the
TcpProxy goes down (connection refused at once, no timeouts to wait for), the FaultProxy loses
answers or cuts uploads. Hypothesis runs derandomized, with no example database (nothing
written into the repository), and few, short examples: it is part of `make test`."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from sqlalchemy import Connection

from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.applications import PendingDecision
from desktop.services.intake import IntakeService
from desktop.services.intake_sender import intake_senders
from desktop.services.outbox import OutboxSender
from tests.desktop.support import Remote, TcpProxy
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer, start_server
from tests.sync_faults.desk import PASSWORD, Desk, assert_on_server_once, open_desk

SETTINGS = settings(
    max_examples=6,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class World:
    server: LiveServer
    line: TcpProxy
    proxy: FaultProxy
    made_ids: set[str]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with start_server(applications=0) as server:
        line = TcpProxy(int(server.url.rsplit(":", 1)[1]))
        proxy = FaultProxy(line.url)
        try:
            yield World(server, line, proxy, set())
        finally:
            proxy.close()
            line.close()


@dataclass
class Decision:
    app_id: str
    transaction_id: str
    conflict_expected: bool


class SyncMachine(RuleBasedStateMachine):
    world: ClassVar[World]

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        w.proxy.pass_through()
        w.line.up()
        self.folder = Path(tempfile.mkdtemp(prefix="loket-stateful-"))
        self.online = True
        self.op = open_desk(w.proxy.url, Store(self.folder / "op" / "kantor.sqlite3"), timeout=5)
        self.ver = open_desk(
            w.proxy.url, Store(self.folder / "ver" / "kantor.sqlite3"), "verifier1", timeout=5
        )
        self.operator = Remote(w.server.api, "operator1", PASSWORD)
        self.claimed: dict[str, int] = {}  # app id -> version seen when claimed
        self.colleague_took: set[str] = set()
        self.decisions: list[Decision] = []

    # -- work at the counter -----------------------------------------------------------------

    @rule(docs=st.integers(1, 2))
    def take_in(self, docs: int) -> None:
        made = self.op.take_in(self.folder / "scans", docs=docs)
        self.world.made_ids.add(made.app.id)

    @precondition(lambda self: self.online and len(self.claimed) < 3)
    @rule()
    def claim(self) -> None:
        app_id = self.operator.create("Acak " + uuid.uuid4().hex[:6])["id"]
        result = self.ver.apps.claim(app_id)
        self.claimed[app_id] = result.version

    @precondition(lambda self: bool(self.claimed))
    @rule()
    def decide(self) -> None:
        app_id, version = self.claimed.popitem()
        pending = PendingDecision.create(
            app_id, "verify", expected_version=version, seen_status="submitted"
        )
        assert self.ver.apps.keep_decision(pending, label="Verifikasi acak")
        self.decisions.append(
            Decision(app_id, pending.transaction_id, app_id in self.colleague_took)
        )

    @precondition(lambda self: bool(set(self.claimed) - self.colleague_took))
    @rule()
    def colleague_decides_first(self) -> None:
        app_id = sorted(set(self.claimed) - self.colleague_took)[0]
        api = self.world.server.api
        Remote(api, "verifier1", PASSWORD).release(app_id)  # the lease ended on the server
        Remote(api, "verifier2", PASSWORD).decide(app_id, "reject", "Diputuskan di PC lain")
        self.colleague_took.add(app_id)

    # -- the line ---------------------------------------------------------------------------

    @rule(how=st.sampled_from(["down", "answers_lost", "uploads_cut"]))
    def go_offline(self, how: str) -> None:
        self.online = False
        if how == "down":
            self.world.line.down()
        elif how == "answers_lost":
            self.world.proxy.reset_after_request()
        else:
            self.world.proxy.cut_request_body(1_000)

    @rule()
    def come_back(self) -> None:
        self.online = True
        self.world.proxy.pass_through()
        self.world.line.up()

    # -- the PC -----------------------------------------------------------------------------

    @rule()
    def send_round(self) -> None:
        for desk in (self.op, self.ver):
            desk.outbox.send_due()
            desk.clock.now += 700  # past the longest backoff

    @rule()
    def killed_mid_round(self) -> None:
        """Entries taken for sending, then the process gone: the store opened again from its
        file (entries left mengirim are menunggu again), the sender made anew."""
        for desk in (self.op, self.ver):
            now = int(desk.clock.now)

            def take(conn: Connection, now: int = now) -> object:
                return Store.take_due_entries(conn, now)

            desk.store.write(take)
            self._restart(desk)

    def _restart(self, desk: Desk) -> None:
        path = desk.store.path
        desk.store.close()
        desk.store = Store(path)
        desk.apps.store = desk.store
        desk.intake = IntakeService(
            desk.store,
            office_code=desk.user.office.code,
            device_code=desk.user.device_code,
            user_id=desk.user.id,
            clock=desk.clock,
        )
        desk.outbox = OutboxSender(
            desk.apps,
            desk.store,
            senders=intake_senders(desk.api, desk.store, apps=desk.apps),
            clock=desk.clock,
            rng=lambda: 0.5,
        )

    # -- the end ----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self.come_back()
            for desk in (self.op, self.ver):
                desk.drain(rounds=10, step=700)
            self._check()
        finally:
            for desk in (self.op, self.ver):
                desk.close()
                desk.store.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _check(self) -> None:
        assert_on_server_once(self.operator, self.op.intake, self.op.made)
        for d in self.decisions:
            (entry,) = [
                e
                for e in self.ver.store.outbox_entries(d.app_id)
                if e.kind == EntryKind.DECISION.value
            ]
            history: list[dict[str, Any]] = self.operator.get(d.app_id)["history"]
            applied = [h.get("transaction_id") for h in history].count(d.transaction_id)
            if d.conflict_expected:
                assert entry.state is EntryState.CONFLICT, entry  # seen, never dropped
                assert entry.server_state["status"] == "rejected"
                assert applied == 0
            else:
                assert entry.state is EntryState.SENT, entry
                assert applied == 1
        # The server's offline-made applications are exactly the ones made on these PCs.
        on_server = server_offline_made(self.operator)
        assert on_server == self.world.made_ids


def server_offline_made(remote: Remote) -> set[str]:
    """Every application on the server that carries a provisional number."""
    found: set[str] = set()
    since = 0
    while True:
        r = remote.http.get(
            remote.api + "/applications/changes",
            params={"since": str(since), "limit": "500"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        page = r.json()
        ids = [i["id"] for i in page["items"] if i.get("provisional_number")]
        assert len(ids) == len(set(ids)) or since > 0
        found.update(ids)
        since = page["last_seq"]
        if not page["has_more"]:
            return found


def test_random_work_and_faults_lose_nothing_and_double_nothing(world: World) -> None:
    SyncMachine.world = world
    run_state_machine_as_test(SyncMachine, settings=SETTINGS)
