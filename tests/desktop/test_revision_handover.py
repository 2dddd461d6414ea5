"""The revision loop and the handover through the outbox, against the real reference server
(issue 11): a verifier returns an application with a reason per requirement, the operator edits
the applicant, adds a document and resubmits; the verifier sees the new version once, nothing
doubled, also when the answers are lost on the way. A signed application is handed over to
the applicant or to a representative with a surat kuasa (the letter stored, the history saying
who collected)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pytestqt.qtbot import QtBot

from desktop.controllers.workbench import Shown, WorkbenchController
from desktop.domain.catalogue import Catalogue
from desktop.domain.identity import mask_nik
from desktop.domain.workflow import State
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService
from desktop.services.handover import KUASA, Handover, HandoverError, HandoverService, for_applicant
from desktop.services.intake_sender import intake_senders
from desktop.services.operations import Op, OpKind
from desktop.services.outbox import OutboxSender
from desktop.services.revision import (
    NewFile,
    RevisionError,
    RevisionRequest,
    RevisionService,
    reasons_for,
    revision_senders,
)
from desktop.services.secrets import SecretStore
from desktop.services.tasks import TaskRunner
from tests.desktop.support import MemoryKeyring, Remote, new_nik
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
SERVICE = "SK-DOMISILI"
NOTE_RT = "Surat pengantar RT tidak bercap; minta cap RT 003."
NOTE_KTP = "Foto KTP buram, nomor tidak terbaca."


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Desk:
    """operator1's counter PC: client, store, services and the outbox with every sender."""

    def __init__(self, url: str, store: Store) -> None:
        self.api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
        self.user = AuthService(self.api, SecretStore(MemoryKeyring())).sign_in(
            "operator1", PASSWORD
        )
        self.apps = ApplicationService(self.api, store)
        self.apps.my_user_id = self.user.id
        self.store = store
        self.clock = Clock()
        self.outbox = OutboxSender(
            self.apps,
            store,
            senders={
                **intake_senders(self.api, store, apps=self.apps),
                **revision_senders(self.api, store, apps=self.apps),
            },
            clock=self.clock,
            rng=lambda: 0.5,
        )
        self.revision = RevisionService(store, user_id=self.user.id, clock=self.clock)
        self.handover = HandoverService(store, user_id=self.user.id, clock=self.clock)

    def drain(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            self.outbox.send_due()
            left = [
                e
                for e in self.store.outbox_entries()
                if e.state in (EntryState.WAITING, EntryState.RETRY, EntryState.SENDING)
            ]
            if not left:
                stuck = [e for e in self.store.outbox_entries() if e.state is not EntryState.SENT]
                assert not stuck, [(e.kind, e.state, e.reason) for e in stuck]
                return
            self.clock.now += 3600
        raise AssertionError(f"outbox not empty: {self.store.outbox_entries()}")


def pdf(tmp_path: Path) -> Path:
    """A real one-page PDF, different each time (the attachment check opens it)."""
    path = tmp_path / f"scan-{uuid.uuid4().hex[:8]}.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.docinfo["/Title"] = uuid.uuid4().hex
        doc.save(path)
    return path


def returned(operator: Remote, verifier: Remote) -> dict[str, Any]:
    """A submitted application that verifier1 sends back with two notes and a reason."""
    app = operator.create(f"Revisi {letters()}")
    assert verifier.claim(app["id"]).status_code == 200
    version = verifier.get(app["id"])["version"]
    r = verifier.http.post(
        f"{verifier.api}/applications/{app['id']}/actions",
        json={
            "action": "request_revision",
            "reason": "Dua persyaratan belum memenuhi.",
            "expected_version": version,
            "transaction_id": str(uuid.uuid4()),
            "checklist": [
                {"requirement_code": "SURAT-PENGANTAR-RT-RW", "ok": False, "note": NOTE_RT},
                {"requirement_code": "KTP-EL", "ok": False, "note": NOTE_KTP},
                {"requirement_code": "KK", "ok": True, "note": None},
            ],
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    verifier.release(app["id"])
    data: dict[str, Any] = r.json()["application"]
    assert data["status"] == "needs_revision"
    return data


def letters() -> str:
    """A unique name part without digits (the applicant rules refuse digits in a name)."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6]).title()


def history_actions(raw: dict[str, Any]) -> list[str]:
    return [h["action"] for h in raw["history"] if h["action"] not in ("claim", "release")]


@pytest.fixture
def people(live_server: LiveServer) -> tuple[Remote, Remote]:
    return (
        Remote(live_server.api, "operator1", PASSWORD),
        Remote(live_server.api, "verifier1", PASSWORD),
    )


def test_reasons_per_requirement_come_from_the_returning_decision(
    live_server: LiveServer, store: Store, people: tuple[Remote, Remote], catalogue: Catalogue
) -> None:
    operator, verifier = people
    app = returned(operator, verifier)
    desk = Desk(live_server.url, store)
    detail = desk.apps.fetch_detail(app["id"])
    reasons = reasons_for(detail, catalogue.service(SERVICE))
    assert reasons.overall == "Dua persyaratan belum memenuhi."
    assert reasons.entry is not None and reasons.entry.actor_username == "verifier1"
    by_code = {r.code: r for r in reasons.requirements}
    assert by_code["SURAT-PENGANTAR-RT-RW"].note == NOTE_RT
    assert by_code["KTP-EL"].ok is False and by_code["KK"].ok is True
    assert [r.code for r in reasons.to_fix] == ["SURAT-PENGANTAR-RT-RW", "KTP-EL"]


def test_edit_add_a_document_and_resubmit_the_verifier_sees_the_new_version_once(
    live_server: LiveServer,
    store: Store,
    people: tuple[Remote, Remote],
    tmp_path: Path,
) -> None:
    operator, verifier = people
    app = returned(operator, verifier)
    desk = Desk(live_server.url, store)
    detail = desk.apps.fetch_detail(app["id"])
    scan = pdf(tmp_path)
    queued = desk.revision.queue(
        detail,
        RevisionRequest(
            applicant={"name": "Siti Nur'aini", "address": "Jl. Riau No. 7"},
            files=(NewFile(scan, "SURAT-PENGANTAR-RT-RW"),),
        ),
    )
    kinds = [e.kind for e in store.outbox_entries(app["id"])]
    assert kinds == [EntryKind.EDIT, EntryKind.DOCUMENT, EntryKind.DECISION]
    # The edit shows on this PC at once (queue row), before anything is sent.
    assert store.summary(app["id"]).applicant.name == "Siti Nur'aini"  # type: ignore[union-attr]
    unsent = desk.revision.unsent(app["id"])
    assert unsent is not None and unsent.applicant is not None
    assert unsent.applicant["name"] == "Siti Nur'aini" and len(unsent.files) == 1
    # What was changed is read back from the entry (the edit carries every value, and the
    # local row already shows them): only the two fields typed, nothing refused yet.
    assert unsent.changed == ("address", "name") and unsent.refused == ""
    assert unsent.files[0]["requirement_code"] == "SURAT-PENGANTAR-RT-RW"

    desk.drain()
    assert desk.revision.unsent(app["id"]) is None  # sent: nothing waits
    seen = verifier.get(app["id"])
    assert seen["status"] == "submitted"
    assert seen["applicant"]["name"] == "Siti Nur'aini"
    assert seen["applicant"]["address"] == "Jl. Riau No. 7"
    assert seen["version"] > app["version"]
    new_docs = [d for d in seen["documents"] if d["id"] == queued.documents[0].id]
    assert len(new_docs) == 1 and new_docs[0]["requirement_code"] == "SURAT-PENGANTAR-RT-RW"
    assert history_actions(seen).count("resubmit") == 1
    # The local row follows the server's again (nothing unsent any more).
    local = store.summary(app["id"])
    assert local is not None and local.status is State.SUBMITTED


def test_the_same_with_every_answer_lost_then_the_line_back(
    live_server: LiveServer,
    store: Store,
    people: tuple[Remote, Remote],
    tmp_path: Path,
) -> None:
    operator, verifier = people
    app = returned(operator, verifier)
    with FaultProxy(live_server.url) as proxy:
        desk = Desk(proxy.url, store)
        detail = desk.apps.fetch_detail(app["id"])
        desk.revision.queue(
            detail,
            RevisionRequest(
                applicant={"phone": "081298765432"},
                files=(NewFile(pdf(tmp_path), "KTP-EL"), NewFile(pdf(tmp_path), "KK")),
            ),
        )
        proxy.reset_after_request()  # each request reaches the server; no answer comes back
        for _ in range(3):
            desk.outbox.send_due()
            desk.clock.now += 3600
        assert proxy.faults >= 1
        states = {e.state for e in store.outbox_entries(app["id"])}
        assert EntryState.RETRY in states and EntryState.CONFLICT not in states
        # Pull while the revision is unsent: the local edit is kept.
        assert desk.apps.cached_detail(app["id"]) is not None
        proxy.pass_through()
        desk.drain()
    seen = verifier.get(app["id"])
    assert seen["status"] == "submitted"
    assert seen["applicant"]["phone"] in ("+6281298765432", "081298765432")
    assert history_actions(seen).count("resubmit") == 1
    codes = sorted(d["requirement_code"] for d in seen["documents"])
    assert codes == ["KK", "KTP-EL"]  # each once


def test_a_revision_refuses_bad_data_and_keeps_nothing(
    live_server: LiveServer, store: Store, people: tuple[Remote, Remote], tmp_path: Path
) -> None:
    operator, verifier = people
    app = returned(operator, verifier)
    desk = Desk(live_server.url, store)
    detail = desk.apps.fetch_detail(app["id"])
    empty = tmp_path / "kosong.pdf"
    empty.write_bytes(b"")
    with pytest.raises(RevisionError, match=r"NIK|nik"):
        desk.revision.queue(detail, RevisionRequest(applicant={"nik": "1234"}))
    with pytest.raises(RevisionError):
        desk.revision.queue(detail, RevisionRequest(files=(NewFile(empty, "KK"),)))
    assert store.outbox_entries(app["id"]) == []


def signed(operator: Remote, lurah: Remote) -> dict[str, Any]:
    app = operator.create(f"Serah {letters()}")
    for action in ("verify", "validate", "sign"):
        lurah.decide(app["id"], action)
    data = operator.get(app["id"])
    assert data["status"] == "signed"
    return data


def deliver_entry(raw: dict[str, Any]) -> dict[str, Any]:
    found = [h for h in raw["history"] if h["action"] == "deliver"]
    assert len(found) == 1, raw["history"]
    return found[0]


def test_handover_to_the_applicant(
    live_server: LiveServer, store: Store, people: tuple[Remote, Remote]
) -> None:
    operator, _verifier = people
    app = signed(operator, Remote(live_server.api, "lurah1", PASSWORD))
    desk = Desk(live_server.url, store)
    desk.apps.claim(app["id"])
    detail = desk.apps.fetch_detail(app["id"])
    who = for_applicant(detail)
    assert mask_nik(detail.applicant.nik) in who.sentence()
    desk.handover.queue(detail, who)
    desk.drain()
    seen = operator.get(app["id"])
    assert seen["status"] == "completed"
    handover = (deliver_entry(seen).get("details") or {}).get("handover") or {}
    assert handover.get("collector") == "pemohon"
    assert handover.get("name") == detail.applicant.name


def test_handover_to_a_representative_with_the_letter_while_answers_are_lost(
    live_server: LiveServer, store: Store, people: tuple[Remote, Remote], tmp_path: Path
) -> None:
    operator, _verifier = people
    app = signed(operator, Remote(live_server.api, "lurah1", PASSWORD))
    nik = new_nik("L")
    with FaultProxy(live_server.url) as proxy:
        desk = Desk(proxy.url, store)
        desk.apps.claim(app["id"])
        detail = desk.apps.fetch_detail(app["id"])
        with pytest.raises(HandoverError, match="surat kuasa"):
            desk.handover.queue(detail, Handover(KUASA, "Budi Santoso", nik))
        queued = desk.handover.queue(
            detail, Handover(KUASA, "Budi Santoso", nik, letter=pdf(tmp_path))
        )
        assert queued.letter is not None
        proxy.reset_after_request()
        desk.outbox.send_due()
        desk.clock.now += 3600
        proxy.pass_through()
        desk.drain()
    seen = operator.get(app["id"])
    assert seen["status"] == "completed"
    letters = [d for d in seen["documents"] if d["id"] == queued.letter.id]
    assert len(letters) == 1 and letters[0]["sha256"] == queued.letter.sha256
    assert letters[0]["requirement_code"] == "SURAT-KUASA"
    handover = (deliver_entry(seen).get("details") or {}).get("handover") or {}
    assert handover.get("collector") == "kuasa" and handover.get("name") == "Budi Santoso"
    assert handover.get("letter_document_id") == queued.letter.id


class Rounds:
    """The session's outbox lane for a controller made alone: one round on the runner, with
    every sender (the EDIT and DOCUMENT entries of a revision go before its RESUBMIT)."""

    def __init__(self, runner: TaskRunner, desk: Desk) -> None:
        self.runner, self.sender = runner, desk.outbox

    def send_now(self, transaction_id: str, done: Any) -> None:
        Op(OpKind.OUTBOX_SEND, "Mengirim", self.sender.send_due, quiet=True).success(
            lambda report: done(
                report.outcome(transaction_id), report.reasons.get(transaction_id, "")
            )
        ).failure(lambda _exc, message: done(None, message)).run(self.runner)


def test_resubmitted_with_the_server_gone_then_reopened_shows_the_unsent_revision(
    qtbot: QtBot,
    live_server: LiveServer,
    store: Store,
    runner: TaskRunner,
    catalogue: Catalogue,
    people: tuple[Remote, Remote],
    tmp_path: Path,
) -> None:
    """The workbench's controller, no window: the operator opens the returned application,
    the server goes away, Ajukan ulang keeps the revision in the outbox; the screen is told
    what waits (read back from the outbox), and so is it when the application is opened again
    from the copy on this PC."""
    operator, verifier = people
    app = returned(operator, verifier)
    with FaultProxy(live_server.url) as proxy:
        desk = Desk(proxy.url, store)
        c = WorkbenchController(
            runner,
            desk.apps,
            desk.user,
            catalogue,
            neighbours=lambda _app_id: (None, None),
            renew_minutes=1,
        )
        c.attach_outbox(Rounds(runner, desk))
        shown: list[Shown] = []
        c.shown.connect(shown.append)
        with qtbot.waitSignal(c.opened, timeout=20_000):
            c.open(app["id"])
        assert shown[-1].unsent_revision is None
        assert shown[-1].detail.status is State.NEEDS_REVISION

        proxy.close()  # the server cannot be reached from here on
        scan = pdf(tmp_path)
        c.resubmit(
            RevisionRequest(applicant={"phone": "081298765432"}, files=(NewFile(scan, "KTP-EL"),))
        )
        qtbot.waitUntil(lambda: shown[-1].unsent_revision is not None, timeout=20_000)
        kept = shown[-1].unsent_revision
        assert kept is not None and kept.changed == ("phone",)
        assert [f["filename"] for f in kept.files] == [scan.name]
        assert c.read_only

        c.close()
        with qtbot.waitSignal(c.opened, timeout=20_000):
            c.open(app["id"])
        again = shown[-1]
        assert again.unsent_revision is not None and again.unsent_revision.changed == ("phone",)
        assert [f["requirement_code"] for f in again.unsent_revision.files] == ["KTP-EL"]
        assert c.read_only  # nothing is offered twice while it waits
        c.close()
    assert verifier.get(app["id"])["status"] == "needs_revision"  # nothing reached the server
