"""The offline day (issue 10, acceptance): one kelurahan counter PC shared by two staff, the
server stopped for the whole working day.

Morning, online: each signs in once on this PC (that makes their offline sign-in); the
verifier (lurah1) claims yesterday's 20 applications (ApplicationService.claim, what the
workbench's opening calls: the workbench itself holds one claim at a time); at the operator's
sign-in the session reserves a block of letter numbers for each letter type by itself, after its
first pull (`Session.letters`). Then the server is stopped. The operator signs in through
the real sign-in dialog ("Masuk luring", by keyboard), takes in 50 applications with two 2 KB
PDF scans each (IntakeService, on a worker) and hands out 20 letter numbers from that block
(the session's own `LetterNumbers`, as a printed letter takes them);
signs out. The verifier signs in offline on the same PC, opens each claimed application from
the queue (Enter) and verifies it (Ctrl+Shift+Y): each waits in the outbox. The server comes
back: no sync button, no F5 — the lock asks the verifier's password once, the outbox sends by
itself; the operator's work goes at the operator's next sign-in, by itself. On the server:
every application once with every document's SHA-256 equal, the provisional number mapped to
the official one and both found on this PC (typed in the queue's search, scanned), each
decision once with its offline transaction id on the morning's claim (never released before
it, never taken again), the letter numbers unique and inside the block, and both stores' audit
chains verify end to end (`GET /audit/verify`, as an administrator).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.records import Applicant
from desktop.models import local_apps
from desktop.models.outbox import EntryKind
from desktop.models.store import QueueQuery, Store
from desktop.services.intake import (
    IntakeService,
    LocalApplication,
    NewDocument,
    device_sequence_file,
)
from desktop.services.letter_numbers import BLOCK_SIZE, READY, LetterNumbers, TakenNumber
from desktop.session import Session
from tests.desktop.support import MemoryKeyring, Remote, new_nik
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.offline_day_support import (
    chain_of,
    describe_unsent,
    on_worker,
    password_once_when_back,
    server_search,
    sha256,
    sign_in_offline,
    small_pdf,
    unsent,
    verify_by_keyboard,
)
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    open_row,
    reader_scan,
    running_app,
    search,
    sign_in,
    tick_all,
    type_slowly,
    wait_open,
    wait_pulled,
)
from tests.gui.test_reconnect import start_again, stop
from tests.live_server import LiveServer, start_server

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

OPERATOR = "operator1"  # Kelurahan: the counter
SERVICE = "SK-DOMISILI"
LETTER = "sk_domisili"  # the service's letter type
REQUIREMENTS = ("SURAT-PENGANTAR-RT-RW", "KTP-EL")
APPLICATIONS = 50
LETTERS = BLOCK_SIZE  # the whole block reserved this morning
SYNC_WAIT = 60_000
VERIFIER = "lurah1"  # the same kelurahan: verifier (and validator)
DECISIONS = 20


@pytest.fixture
def server() -> Iterator[LiveServer]:
    """Its own server: it is stopped and started again, and everything on it is counted."""
    with start_server(applications=0) as server:
        yield server


def wait_sent(qtbot: QtBot, store: Store) -> None:
    """Everything in `store`'s outbox sent and its audit events accepted, by themselves."""
    try:
        qtbot.waitUntil(lambda: unsent(store) == 0, timeout=SYNC_WAIT)
    except Exception:
        print("left:", describe_unsent(store))
        raise


def intake_for(loket: LoketApp) -> IntakeService:
    """The counter's intake on the signed-in session's store (the form's service)."""
    session, store = loket.session, loket.store
    assert session is not None and store is not None
    user = session.user
    return IntakeService(
        store,
        office_code=user.office.code,
        device_code=user.device_code,
        user_id=user.id,
        sequence_file=device_sequence_file(store.path),
    )


def letters_of(loket: LoketApp) -> LetterNumbers:
    """The signed-in session's own letter numbers (what a printed letter takes from)."""
    session = loket.session
    assert isinstance(session, Session)
    assert session.letters is not None  # an operator of a kelurahan numbers its letters
    return session.letters


def ready_blocks(store: Store) -> list[tuple[str, int, int]]:
    """(transaction id, start, end) of each usable block for LETTER, lowest first: the
    morning's block, and after the outage possibly a refill's."""
    rows = store.read(
        lambda conn: conn.exec_driver_sql(
            'SELECT transaction_id, start, "end" FROM letter_blocks '
            "WHERE letter_type = ? AND state = ? ORDER BY start",
            (LETTER, READY),
        ).all()
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def taken_from(store: Store) -> list[str]:
    """The block (transaction id) each LETTER number handed out on this PC came from."""
    rows = store.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT block_tx FROM letter_numbers_taken WHERE letter_type = ? ORDER BY seq",
            (LETTER,),
        ).all()
    )
    return [str(r[0]) for r in rows]


def take_in(
    intake: IntakeService, folder: Path, tag: str
) -> list[tuple[LocalApplication, list[str]]]:
    """50 applicants at the counter, two scans each; (the application, the scans' SHA-256)."""
    made = []
    for i in range(APPLICATIONS):
        files = [small_pdf(folder, f"{tag}-{i:02d}-{code}") for code in REQUIREMENTS]
        applicant = Applicant(
            nik=new_nik(),
            name=f"{tag} Warga {i:02d}",
            sex="P",
            phone="081234567890",
            address="Jl. Riau No. 5, Pekanbaru",
        )
        app = intake.create(
            service_code=SERVICE,
            applicant=applicant,
            documents=[NewDocument(f, code) for f, code in zip(files, REQUIREMENTS, strict=True)],
        )
        made.append((app, [sha256(f) for f in files]))
    return made


def decide_offline(qtbot: QtBot, loket: LoketApp, ids: list[str], tag: str) -> None:
    """The verifier's day: each application claimed this morning opened from the queue (Enter
    on its row) and verified by keyboard; each waits in the outbox."""
    search(qtbot, loket, tag)
    page = loket.queue_page
    assert page is not None
    qtbot.waitUntil(lambda: page.model.rowCount() == len(ids), timeout=WAIT)
    for app_id in ids:
        row = page.model.row_of_id(app_id)
        assert row >= 0
        assert open_row(qtbot, loket, row) == app_id
        tick_all(loket)
        verify_by_keyboard(qtbot, loket)


def test_offline_day(
    qtbot: QtBot, server: LiveServer, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    started = time.monotonic()
    tag = "Harian" + uuid.uuid4().hex[:6]
    scans = tmp_path / "pindaian"
    scans.mkdir()
    counter = Remote(server.api, OPERATOR, PASSWORD)  # yesterday's applications, online
    waiting = [counter.create(f"{tag} Kemarin {i:02d}")["id"] for i in range(DECISIONS)]
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        # -- the morning, online: each signs in once on this PC ----------------------------
        sign_in(qtbot, loket, VERIFIER)
        apps = loket.apps
        assert apps is not None and loket.store is not None
        verifier_store_path = loket.store.path
        # The verifier takes yesterday's applications (the claim the workbench's opening
        # takes, ApplicationService.claim; the workbench itself holds one at a time).
        on_worker(qtbot, loket, "klaim", lambda: [apps.claim(i) for i in waiting], WAIT)
        loket.sign_out()
        sign_in(qtbot, loket, OPERATOR)
        assert loket.store is not None and loket.store.encrypted
        operator_store_path = loket.store.path
        # No reservation asked for by hand: the session's first pull brings a block.
        letters = letters_of(loket)
        qtbot.waitUntil(lambda: letters.available(LETTER) == BLOCK_SIZE, timeout=WAIT)
        morning = ready_blocks(letters.store)
        assert len(morning) == 1, morning
        (morning_tx, block_start, block_end) = morning[0]
        assert block_end - block_start + 1 == LETTERS
        loket.sign_out()

        # -- the outage: the server is stopped for the whole day ---------------------------
        stop(server)
        sign_in_offline(qtbot, loket, OPERATOR)
        store = loket.store
        assert store is not None and store.path == operator_store_path
        intake = intake_for(loket)
        made = on_worker(qtbot, loket, "pendaftaran", lambda: take_in(intake, scans, tag), 60_000)
        numbers = [a.provisional_number for a, _ in made]
        assert len(set(numbers)) == APPLICATIONS and all(n.startswith("SEM-") for n in numbers)
        # Letters printed during the day take their numbers from the reserved block.
        letters = letters_of(loket)
        assert letters.available(LETTER) == LETTERS
        taken: list[TakenNumber] = on_worker(
            qtbot,
            loket,
            "nomor surat",
            lambda: [letters.take(LETTER, purpose=n) for n in numbers[:LETTERS]],
            WAIT,
        )
        assert letters.available(LETTER) == 0
        shell = loket.shell
        assert shell is not None
        qtbot.waitUntil(lambda: "menunggu" in shell.outbox_label.text(), timeout=WAIT)
        loket.sign_out()  # the verifier's turn at the shared PC

        sign_in_offline(qtbot, loket, VERIFIER)
        vstore = loket.store
        assert vstore is not None and vstore.path == verifier_store_path
        decide_offline(qtbot, loket, waiting, tag)
        vshell = loket.shell
        assert vshell is not None
        qtbot.waitUntil(lambda: "menunggu" in vshell.outbox_label.text(), timeout=WAIT)
        decisions = {
            e.app_id: e.transaction_id
            for e in vstore.outbox_entries()
            if e.kind == EntryKind.DECISION.value
        }
        assert sorted(decisions) == sorted(waiting)
        offline_done = time.monotonic()

        # -- the server is back: nothing is clicked ----------------------------------------
        start_again(server)
        password_once_when_back(qtbot, loket, SYNC_WAIT)
        wait_sent(qtbot, vstore)
        qtbot.waitUntil(lambda: vshell.outbox_label.text() == "", timeout=WAIT)
        verifier_chain = chain_of(vstore)
        loket.sign_out()
        sign_in(qtbot, loket, OPERATOR, wait_pull=False)  # the operator's next sign-in
        store = loket.store
        assert store is not None and store.path == operator_store_path
        intake, shell = intake_for(loket), loket.shell
        assert shell is not None
        wait_sent(qtbot, store)
        # The emptied block is refilled by itself after the reconnect's pull.
        qtbot.waitUntil(lambda: letters_of(loket).available(LETTER) == BLOCK_SIZE, timeout=WAIT)
        qtbot.waitUntil(lambda: shell.outbox_label.text() == "", timeout=WAIT)
        operator_chain = chain_of(store)
        synced = time.monotonic()

        # Provisional numbers mapped to official ones, both found on this PC.
        for app, _hashes in made:
            local = intake.get(app.id)
            assert local is not None and local.state == local_apps.SENT, local
            assert local.official_number and local.official_number != app.provisional_number
            rid = store.rid_of(app.id)
            for number in (app.provisional_number, local.official_number):
                assert rid in store.query_rids(QueueQuery(text=number))
                assert store.find_by_number(number) == app.id
        last = intake.get(made[-1][0].id)
        assert last is not None and last.official_number
        # ... and by a person: the official number typed into the queue's search finds its
        # row; the provisional number on the receipt, scanned, opens it.
        wait_pulled(qtbot, loket)
        page = loket.queue_page
        assert page is not None
        search(qtbot, loket, "")
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)  # "Semua"
        page.search_edit.setFocus()
        type_slowly(qtbot, last.official_number)
        qtbot.waitUntil(
            lambda: page.model.rowCount() == 1 and page.model.id_at(0) == last.id, timeout=WAIT
        )
        page.search_edit.clear()
        reader_scan(made[-1][0].provisional_number)  # a reader's burst, its own timestamps
        wait_open(qtbot, loket, last.id)
        officials = {a.id: (intake.get(a.id) or a).official_number for a, _ in made}
        blocks = ready_blocks(store)
        sources = taken_from(store)

    # -- on the server ----------------------------------------------------------------------
    remote = Remote(server.api, OPERATOR, PASSWORD)
    for app, hashes in made:
        seen = remote.get(app.id)
        assert seen["provisional_number"] == app.provisional_number
        assert seen["registration_number"] == officials[app.id]
        assert seen["status"] == "submitted"
        assert sorted(d["sha256"] for d in seen["documents"]) == sorted(hashes)
        assert [h["action"] for h in seen["history"]].count("create") == 1
        assert [h["action"] for h in seen["history"]].count("submit") == 1
    assert len(server_search(remote, tag)) == APPLICATIONS + DECISIONS  # each once, none more
    # The decisions: each once, with the transaction id it got offline, on the claim taken
    # this morning: not taken again, never given back before the decision.
    for app_id in waiting:
        seen = remote.get(app_id)
        assert seen["status"] == "verified", seen["status"]
        actions = [h["action"] for h in seen["history"]]
        assert actions.count("verify") == 1 and actions.count("claim") == 1, actions
        assert [h.get("transaction_id") for h in seen["history"]].count(decisions[app_id]) == 1
        between = actions[actions.index("claim") : actions.index("verify")]
        assert "release" not in between, actions
    # Letter numbers: unique, from the block the server gave this device this morning (still
    # recorded here, besides the refill's), and the server's next number (a colleague online
    # now) comes after every block of this device.
    got = [t.number for t in taken]
    assert (morning_tx, block_start, block_end) in blocks, blocks
    assert sources == [morning_tx] * LETTERS, sources
    assert len(set(got)) == LETTERS and all(block_start <= n <= block_end for n in got)
    assert len({t.formatted for t in taken}) == LETTERS
    office = remote.me["office"]["code"]
    r = remote.http.post(
        remote.api + "/numbers/letter",
        json={"office_code": office, "letter_type": LETTER, "transaction_id": str(uuid.uuid4())},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["number"] > max(end for _tx, _start, end in blocks)
    # The audit chains of this PC's two stores, end to end on the server.
    admin = Remote(server.api, "admin", PASSWORD)
    r = admin.http.get(admin.api + "/audit/verify", timeout=60)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] and report["chains_ok"], report
    for chain_id, events in (operator_chain, verifier_chain):
        (chain,) = [c for c in report["chains"] if c["chain_id"] == chain_id]
        assert chain["ok"] and chain["events"] == events, chain
    print(
        f"offline part {offline_done - started:.1f} s, sync {synced - offline_done:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )
